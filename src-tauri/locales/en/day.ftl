# The main window's day: the calls to return, the history, My day (issue 21).
