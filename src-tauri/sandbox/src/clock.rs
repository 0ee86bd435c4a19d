//! Wall-clock helpers: UNIX seconds, ISO 8601 rendering and calendar days.
//!
//! The sandbox keeps every timestamp as UNIX seconds (`i64`). Aircall renders some of them as
//! ISO 8601 strings, and Intercom's contact search matches dates by calendar day, so both
//! conversions live here, without a date library.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The current time in UNIX seconds.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The UNIX second at which `after` from now has passed, rounded up.
pub(crate) fn unix_after(after: Duration) -> u64 {
    let at = SystemTime::now() + after;
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    since.as_secs() + u64::from(since.subsec_nanos() > 0)
}

/// The UNIX second of the start of the (UTC) day holding `ts`.
pub(crate) fn day_start(ts: i64) -> i64 {
    ts.div_euclid(86_400) * 86_400
}

/// Renders UNIX seconds as `2019-12-29T10:03:18.000Z`, the form Aircall uses.
pub(crate) fn iso8601(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Converts days since 1970-01-01 into a proleptic Gregorian (year, month, day).
///
/// This is Howard Hinnant's `civil_from_days` algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_577_623_398), "2019-12-29T12:43:18.000Z");
        assert_eq!(iso8601(951_825_600), "2000-02-29T12:00:00.000Z");
    }

    #[test]
    fn truncates_to_the_day() {
        assert_eq!(day_start(1_577_869_200), 1_577_836_800);
    }
}
