## The settings page.
