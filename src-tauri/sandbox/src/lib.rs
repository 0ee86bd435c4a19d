//! Fake Aircall and Intercom.
