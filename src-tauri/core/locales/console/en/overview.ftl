## The overview page.
