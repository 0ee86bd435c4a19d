## The calls page.
