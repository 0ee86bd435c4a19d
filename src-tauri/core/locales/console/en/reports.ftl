## The reports page.
