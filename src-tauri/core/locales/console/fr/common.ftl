## Every page: the header, the navigation, the sign-in.
skip-to-content = Aller à la page
nav-label = Console
nav-overview = Vue d'ensemble
nav-calls = Appels et messages
nav-agents = Agents
nav-sync = Synchronisation des contacts
nav-settings = Réglages
nav-reports = Rapports
sign-out = Se déconnecter
