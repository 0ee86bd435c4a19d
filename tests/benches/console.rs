//! The admin console's speed with 100,000 calls in the store: server time per page, p50 and
//! p99. (Written with the console's Reports page.)

fn main() {}
