# The card's wrap-up: the outcome and Done (issue 21).
