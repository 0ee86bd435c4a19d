//! A call to return: an item of the team's "To call back" list.
