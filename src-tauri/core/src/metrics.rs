//! The hub's metrics, in Prometheus' text format.
