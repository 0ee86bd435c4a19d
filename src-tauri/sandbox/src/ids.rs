//! Identifiers and tokens: Intercom contact ids, request ids, webhook tokens.
//!
//! Nothing here needs to be unpredictable, only unique and shaped like the real thing, so a
//! process-wide SplitMix64 sequence seeded from the clock is enough.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static STATE: AtomicU64 = AtomicU64::new(0);

/// The next pseudo-random 64-bit value.
pub(crate) fn random_u64() -> u64 {
    let _ = STATE.compare_exchange(
        0,
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            | 1,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    let mut z = STATE
        .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A UUID-shaped string (version 4 layout), as Intercom uses for `request_id`.
pub(crate) fn uuid() -> String {
    let a = random_u64();
    let b = random_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// `n` lowercase hexadecimal characters.
pub(crate) fn hex(n: usize) -> String {
    let mut out = String::with_capacity(n + 16);
    while out.len() < n {
        out.push_str(&format!("{:016x}", random_u64()));
    }
    out.truncate(n);
    out
}

/// A 24-hex-character id shaped like Intercom's contact ids: a timestamp, then random digits.
pub(crate) fn object_id(created_at: i64) -> String {
    format!("{:08x}{}", created_at.max(0) as u32, hex(16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(uuid().len(), 36);
        assert_eq!(hex(32).len(), 32);
        let id = object_id(1_734_537_437);
        assert_eq!(id.len(), 24);
        assert!(id.starts_with("6762f0dd"));
        assert_ne!(object_id(0), object_id(0));
    }
}
