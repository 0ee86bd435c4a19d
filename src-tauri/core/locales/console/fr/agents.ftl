## The agents page.
