//! What the processor tells presence: a call answered or ended by a user, Aircall's wrap-up
//! starting or ending. (Being built: see issue 21.)
