//! Setting an Aircall user available or unavailable (`PUT /v1/users/:id`). (Being built: see
//! issue 21.)
