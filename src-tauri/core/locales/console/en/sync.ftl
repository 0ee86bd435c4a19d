## The sync page.
