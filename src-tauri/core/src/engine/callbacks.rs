//! (Being built: see issue 21.)
