## Every page: the header, the navigation, the sign-in.
skip-to-content = Skip to the page
nav-label = Console
nav-overview = Overview
nav-calls = Calls and messages
nav-agents = Agents
nav-sync = Contact sync
nav-settings = Settings
nav-reports = Reports
sign-out = Sign out
