//! Presence's records: what the hub wants of a teammate's away mode around a call.
