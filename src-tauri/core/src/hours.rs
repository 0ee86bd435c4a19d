//! The team's working hours in its time zone: `business_hours` and `timezone` from hub.toml,
//! read once and asked "is this instant within them?" ([`BusinessHours::contains`], the
//! console's quiet-hub warning), "how much working time lies between these two instants?"
//! ([`BusinessHours::business_seconds_between`]) and "when will this much working time have
//! passed?" ([`BusinessHours::after_business_seconds`], the call-backs' deadlines).
//!
//! The hours are wall-clock times of the zone: `mon-fri 09:00-18:00` means nine to six as the
//! team's clocks show it, summer or winter. On the day clocks jump forward the hour that does
//! not exist is not worked; on the day they go back the hour that happens twice is worked
//! twice.
//!
//! The grammar: groups separated by `;`, each a list of days (`mon`…`sun`, or a range such as
//! `mon-fri`, separated by `,`) then a list of time ranges (`HH:MM-HH:MM`, separated by `,`;
//! an end of `24:00` is midnight at the day's end): `mon-fri 08:30-12:00,13:30-17:30; sat
//! 09:00-12:00`.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// `business_hours`'s default.
pub const DEFAULT_HOURS: &str = "mon-fri 09:00-18:00";
/// `timezone`'s default.
pub const DEFAULT_TIMEZONE: &str = "UTC";

/// The days' names, Monday first.
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Seconds in a day of the wall clock.
const DAY: u32 = 86_400;

/// Working hours, in a time zone.
#[derive(Debug, Clone)]
pub struct BusinessHours {
    spec: String,
    zone_name: String,
    zone: TimeZone,
    /// For each day, Monday first: the worked ranges as seconds after midnight, `[start, end)`,
    /// sorted and apart.
    week: [Vec<(u32, u32)>; 7],
}

impl PartialEq for BusinessHours {
    fn eq(&self, other: &Self) -> bool {
        self.week == other.week && self.zone == other.zone
    }
}

impl Eq for BusinessHours {}

/// Why `business_hours` or `timezone` was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursError {
    /// The setting at fault: `business_hours` or `timezone`.
    pub key: &'static str,
    /// Why, in words.
    pub why: String,
}

impl std::fmt::Display for HoursError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.why)
    }
}

impl std::error::Error for HoursError {}

fn hours_error(why: String) -> HoursError {
    HoursError {
        key: "business_hours",
        why,
    }
}

impl Default for BusinessHours {
    fn default() -> Self {
        let mut week: [Vec<(u32, u32)>; 7] = Default::default();
        for day in week.iter_mut().take(5) {
            day.push((9 * 3600, 18 * 3600));
        }
        BusinessHours {
            spec: DEFAULT_HOURS.to_owned(),
            zone_name: DEFAULT_TIMEZONE.to_owned(),
            zone: TimeZone::UTC,
            week,
        }
    }
}

impl BusinessHours {
    /// Reads `spec` (e.g. `mon-fri 09:00-18:00`) in the time zone `zone` (an IANA name, such
    /// as `Europe/Paris`, from the system's time zone database).
    pub fn parse(spec: &str, zone: &str) -> Result<Self, HoursError> {
        let zone_name = zone.trim();
        let tz = if zone_name.eq_ignore_ascii_case("UTC") {
            TimeZone::UTC
        } else {
            TimeZone::get(zone_name).map_err(|_| HoursError {
                key: "timezone",
                why: format!(
                    "`{zone_name}` is not a time zone this system knows: write an IANA name such as `Europe/Paris` or `America/New_York`"
                ),
            })?
        };
        let week = parse_week(spec)?;
        Ok(BusinessHours {
            spec: spec.trim().to_owned(),
            zone_name: zone_name.to_owned(),
            zone: tz,
            week,
        })
    }

    /// The hours as written.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// The time zone's name.
    pub fn zone(&self) -> &str {
        &self.zone_name
    }

    /// The time zone, as read from the system's database.
    pub fn time_zone(&self) -> &TimeZone {
        &self.zone
    }

    /// Whether the instant `unix_seconds` falls within the working hours.
    pub fn contains(&self, unix_seconds: i64) -> bool {
        let Ok(at) = Timestamp::from_second(unix_seconds) else {
            return false;
        };
        let local = at.to_zoned(self.zone.clone());
        let day = local.weekday().to_monday_zero_offset() as usize;
        let second = u32::from(local.hour().unsigned_abs()) * 3600
            + u32::from(local.minute().unsigned_abs()) * 60
            + u32::from(local.second().unsigned_abs());
        self.week[day]
            .iter()
            .any(|&(start, end)| start <= second && second < end)
    }

    /// The working seconds between the instants `a` and `b` (UNIX seconds): 0 when `b` is not
    /// after `a`.
    pub fn business_seconds_between(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        let (Ok(from), Ok(to)) = (Timestamp::from_second(a), Timestamp::from_second(b)) else {
            return 0;
        };
        // The day before the first too: nothing ends past midnight today, but a zone's
        // offset may put `a` on the previous local date.
        let first = from.to_zoned(self.zone.clone()).date();
        let last = to.to_zoned(self.zone.clone()).date();
        let mut day = first.yesterday().unwrap_or(first);
        let mut total = 0;
        while day <= last {
            let worked = &self.week[day.weekday().to_monday_zero_offset() as usize];
            for &(start, end) in worked {
                let (Some(start), Some(end)) = (self.instant(day, start), self.instant(day, end))
                else {
                    continue;
                };
                let overlap = end.min(b) - start.max(a);
                if overlap > 0 {
                    total += overlap;
                }
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        total
    }

    /// The instant (UNIX seconds) at which `seconds` of working time have passed since
    /// `start`: `start` itself for none, the end of the working range that completes them
    /// otherwise (a deadline of an hour from Friday 17:30 falls on Monday 09:30). `None` when
    /// they are not worked within two years (hours that never come, or a date out of range).
    pub fn after_business_seconds(&self, start: i64, seconds: i64) -> Option<i64> {
        if seconds <= 0 {
            return Some(start);
        }
        let from = Timestamp::from_second(start).ok()?;
        // The day before too: a zone's offset may put `start` on the previous local date.
        let first = from.to_zoned(self.zone.clone()).date();
        let mut day = first.yesterday().unwrap_or(first);
        let mut left = seconds;
        for _ in 0..(2 * 366 + 2) {
            let worked = &self.week[day.weekday().to_monday_zero_offset() as usize];
            for &(from, to) in worked {
                let (Some(from), Some(to)) = (self.instant(day, from), self.instant(day, to))
                else {
                    continue;
                };
                let begin = from.max(start);
                if to <= begin {
                    continue;
                }
                if to - begin >= left {
                    return Some(begin + left);
                }
                left -= to - begin;
            }
            day = day.tomorrow().ok()?;
        }
        None
    }

    /// The instant (UNIX seconds) of `second` after midnight on `day`'s wall clock (86 400:
    /// the next midnight). A time the clocks skip is taken as the moment after the jump.
    fn instant(&self, day: Date, second: u32) -> Option<i64> {
        let (day, second) = if second >= DAY {
            (day.tomorrow().ok()?, second - DAY)
        } else {
            (day, second)
        };
        let time = Time::new(
            i8::try_from(second / 3600).ok()?,
            i8::try_from(second % 3600 / 60).ok()?,
            i8::try_from(second % 60).ok()?,
            0,
        )
        .ok()?;
        let zoned = day.to_datetime(time).to_zoned(self.zone.clone()).ok()?;
        Some(zoned.timestamp().as_second())
    }
}

/// Reads every group of `spec` into each day's ranges.
fn parse_week(spec: &str) -> Result<[Vec<(u32, u32)>; 7], HoursError> {
    let mut week: [Vec<(u32, u32)>; 7] = Default::default();
    let groups: Vec<&str> = spec
        .split(';')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .collect();
    if groups.is_empty() {
        return Err(hours_error(format!(
            "it is empty: write days and hours such as `{DEFAULT_HOURS}`"
        )));
    }
    for group in groups {
        let lower = group.to_ascii_lowercase();
        // The days end where the first time begins.
        let (days, times) = match lower.find(|c: char| c.is_ascii_digit()) {
            Some(at) if at > 0 => lower.split_at(at),
            _ => {
                return Err(hours_error(format!(
                    "`{group}` needs days then hours, such as `mon-fri 09:00-18:00`"
                )))
            }
        };
        let days = parse_days(days.trim())?;
        let times: String = times.chars().filter(|c| !c.is_whitespace()).collect();
        let mut ranges = Vec::new();
        for range in times.split(',').filter(|r| !r.is_empty()) {
            ranges.push(parse_range(range)?);
        }
        if ranges.is_empty() {
            return Err(hours_error(format!(
                "`{group}` names days but no hours, such as `09:00-18:00`"
            )));
        }
        for day in days {
            week[day].extend(ranges.iter().copied());
        }
    }
    for day in &mut week {
        day.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(day.len());
        for &(start, end) in day.iter() {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        *day = merged;
    }
    Ok(week)
}

/// `mon-fri`, `sat`, `mon,wed,fri-sun` → the days' indexes, Monday 0. A range may wrap
/// around the week's end (`fri-mon`).
fn parse_days(days: &str) -> Result<Vec<usize>, HoursError> {
    let mut out = Vec::new();
    for part in days.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            None => out.push(day_index(part)?),
            Some((from, to)) => {
                let (from, to) = (day_index(from.trim())?, day_index(to.trim())?);
                let mut day = from;
                loop {
                    out.push(day);
                    if day == to {
                        break;
                    }
                    day = (day + 1) % 7;
                }
            }
        }
    }
    if out.is_empty() {
        return Err(hours_error(
            "a group names no day: use mon, tue, wed, thu, fri, sat or sun".to_owned(),
        ));
    }
    Ok(out)
}

fn day_index(word: &str) -> Result<usize, HoursError> {
    let short = word.get(..3).unwrap_or(word);
    DAYS.iter()
        .position(|d| *d == short && DAYS_LONG.iter().any(|long| long.starts_with(word)))
        .ok_or_else(|| {
            hours_error(format!(
                "`{word}` is not a day: use mon, tue, wed, thu, fri, sat or sun"
            ))
        })
}

/// The days' full names, so that `monday` reads as `mon` and `monk` does not.
const DAYS_LONG: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// `09:00-18:00` → seconds after midnight, `[start, end)`.
fn parse_range(range: &str) -> Result<(u32, u32), HoursError> {
    let (start, end) = range.split_once('-').ok_or_else(|| {
        hours_error(format!(
            "`{range}` is not a time range: write it as `09:00-18:00`"
        ))
    })?;
    let (start, end) = (parse_time(start)?, parse_time(end)?);
    if start >= end {
        return Err(hours_error(format!(
            "`{range}` ends before it starts: a range cannot run past midnight; split it in two days' ranges, such as `fri 22:00-24:00; sat 00:00-06:00`"
        )));
    }
    Ok((start, end))
}

/// `09:00` (or `9:00`, `24:00`) → seconds after midnight.
fn parse_time(time: &str) -> Result<u32, HoursError> {
    let bad = || {
        hours_error(format!(
            "`{time}` is not a time of day: write hours and minutes as `09:00` (00:00 to 24:00)"
        ))
    };
    let (h, m) = time.split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if m > 59 || h > 24 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * 3600 + m * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The UNIX seconds of a wall-clock time in `zone`.
    fn at(zone: &str, text: &str) -> i64 {
        let dt: jiff::civil::DateTime = text.parse().unwrap();
        dt.to_zoned(TimeZone::get(zone).unwrap())
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn the_default_is_weekdays_nine_to_six_in_utc() {
        let parsed = BusinessHours::parse(DEFAULT_HOURS, DEFAULT_TIMEZONE).unwrap();
        assert_eq!(parsed, BusinessHours::default());
        let hours = BusinessHours::default();
        // 2026-12-07 is a Monday.
        assert!(hours.contains(at("UTC", "2026-12-07T09:00")));
        assert!(hours.contains(at("UTC", "2026-12-07T17:59:59")));
        assert!(!hours.contains(at("UTC", "2026-12-07T18:00")));
        assert!(!hours.contains(at("UTC", "2026-12-07T08:59:59")));
        assert!(!hours.contains(at("UTC", "2026-12-12T10:00")), "a Saturday");
    }

    #[test]
    fn several_groups_ranges_and_days_are_read() {
        let hours = BusinessHours::parse(
            "mon-fri 08:30-12:00,13:30-17:30; sat 09:00-12:00",
            "Europe/Paris",
        )
        .unwrap();
        assert!(hours.contains(at("Europe/Paris", "2026-12-08T08:30")));
        assert!(
            !hours.contains(at("Europe/Paris", "2026-12-08T12:30")),
            "lunch"
        );
        assert!(hours.contains(at("Europe/Paris", "2026-12-08T13:30")));
        assert!(
            hours.contains(at("Europe/Paris", "2026-12-12T11:59")),
            "Saturday"
        );
        assert!(!hours.contains(at("Europe/Paris", "2026-12-12T13:00")));
        assert!(
            !hours.contains(at("Europe/Paris", "2026-12-13T10:00")),
            "Sunday"
        );
        // Paris is UTC+1 in December: 08:00 UTC is 09:00 there.
        assert!(hours.contains(at("UTC", "2026-12-08T08:00")));
        let lists = BusinessHours::parse("Mon,Wed, fri-sun 10:00 - 11:00", "UTC").unwrap();
        assert!(lists.contains(at("UTC", "2026-12-13T10:30")), "Sunday");
        assert!(!lists.contains(at("UTC", "2026-12-08T10:30")), "Tuesday");
        let wraps = BusinessHours::parse("fri-mon 00:00-24:00", "UTC").unwrap();
        assert!(wraps.contains(at("UTC", "2026-12-07T23:59:59")), "Monday");
        assert!(!wraps.contains(at("UTC", "2026-12-08T00:00")), "Tuesday");
    }

    #[test]
    fn mistakes_are_refused_in_words_with_their_setting() {
        let zone = BusinessHours::parse(DEFAULT_HOURS, "Mars/Olympus").unwrap_err();
        assert_eq!(zone.key, "timezone");
        assert!(zone.why.contains("Mars/Olympus"), "{}", zone.why);
        for (spec, words) in [
            ("", "empty"),
            ("mon-fri", "days then hours"),
            ("mun-fri 09:00-18:00", "`mun` is not a day"),
            ("mon-fri 0900", "not a time range"),
            ("mon-fri 9h-18h", "`9h` is not a time"),
            ("mon-fri 09:00-25:00", "`25:00` is not a time"),
            ("mon-fri 09:61-18:00", "`09:61` is not a time"),
            ("mon-fri 18:00-09:00", "ends before it starts"),
            ("mon-fri ,", "days then hours"),
        ] {
            let e = BusinessHours::parse(spec, "UTC").unwrap_err();
            assert_eq!(e.key, "business_hours", "{spec}");
            assert!(e.why.contains(words), "{spec}: {}", e.why);
        }
    }

    #[test]
    fn working_seconds_between_two_instants_skip_nights_and_weekends() {
        let hours = BusinessHours::parse(DEFAULT_HOURS, "UTC").unwrap();
        let friday_5pm = at("UTC", "2026-12-11T17:00");
        let monday_10am = at("UTC", "2026-12-14T10:00");
        assert_eq!(
            hours.business_seconds_between(friday_5pm, monday_10am),
            2 * 3600
        );
        assert_eq!(hours.business_seconds_between(monday_10am, friday_5pm), 0);
        // A whole week: five days of nine hours.
        assert_eq!(
            hours.business_seconds_between(
                at("UTC", "2026-12-07T00:00"),
                at("UTC", "2026-12-14T00:00")
            ),
            5 * 9 * 3600
        );
        // Within one range.
        assert_eq!(
            hours.business_seconds_between(
                at("UTC", "2026-12-07T10:00"),
                at("UTC", "2026-12-07T10:00:30")
            ),
            30
        );
    }

    #[test]
    fn clocks_going_forward_or_back_change_the_working_day() {
        // Every day, 01:00-04:00: the night Paris' clocks jump from 02:00 to 03:00 (29 March
        // 2026) holds two hours of it, the night they go back (25 October 2026) four.
        let hours = BusinessHours::parse("mon-sun 01:00-04:00", "Europe/Paris").unwrap();
        let spring = hours.business_seconds_between(
            at("Europe/Paris", "2026-03-29T00:00"),
            at("Europe/Paris", "2026-03-29T12:00"),
        );
        assert_eq!(spring, 2 * 3600);
        let autumn = hours.business_seconds_between(
            at("Europe/Paris", "2026-10-25T00:00"),
            at("Europe/Paris", "2026-10-25T12:00"),
        );
        assert_eq!(autumn, 4 * 3600);
        // Nine to six is nine hours on either side of a change, and the local hours move
        // with it against UTC.
        let office = BusinessHours::parse(DEFAULT_HOURS, "Europe/Paris").unwrap();
        assert_eq!(
            office.business_seconds_between(
                at("Europe/Paris", "2026-03-27T00:00"),
                at("Europe/Paris", "2026-03-31T00:00")
            ),
            2 * 9 * 3600
        );
        assert!(
            office.contains(at("UTC", "2026-03-27T08:00")),
            "winter: 09:00"
        );
        assert!(
            !office.contains(at("UTC", "2026-03-30T16:30")),
            "summer: 18:30"
        );
        assert!(
            office.contains(at("UTC", "2026-03-30T07:00")),
            "summer: 09:00"
        );
    }

    #[test]
    fn a_deadline_in_working_time_skips_nights_weekends_and_follows_clock_changes() {
        let hours = BusinessHours::parse(DEFAULT_HOURS, "Europe/Paris").unwrap();
        let hour = 3600;
        // Within the day.
        let tuesday = at("Europe/Paris", "2026-12-08T10:15");
        assert_eq!(
            hours.after_business_seconds(tuesday, hour),
            Some(at("Europe/Paris", "2026-12-08T11:15"))
        );
        // Friday 17:30 plus an hour: half an hour on Friday, half an hour on Monday.
        let friday = at("Europe/Paris", "2026-12-11T17:30");
        assert_eq!(
            hours.after_business_seconds(friday, hour),
            Some(at("Europe/Paris", "2026-12-14T09:30"))
        );
        // A call missed on Saturday night waits for Monday's opening.
        let saturday = at("Europe/Paris", "2026-12-12T23:00");
        assert_eq!(
            hours.after_business_seconds(saturday, hour),
            Some(at("Europe/Paris", "2026-12-14T10:00"))
        );
        // Nothing to wait: the start itself; exactly a day's work: that day's end.
        assert_eq!(hours.after_business_seconds(saturday, 0), Some(saturday));
        let monday = at("Europe/Paris", "2026-12-14T09:00");
        assert_eq!(
            hours.after_business_seconds(monday, 9 * hour),
            Some(at("Europe/Paris", "2026-12-14T18:00"))
        );
        // Summer time starts on Sunday 29 March 2026: Friday 17:30 plus an hour is Monday
        // 09:30 on the wall clock, an hour earlier in UTC than in winter.
        let before_change = at("Europe/Paris", "2026-03-27T17:30");
        let due = hours.after_business_seconds(before_change, hour).unwrap();
        assert_eq!(due, at("Europe/Paris", "2026-03-30T09:30"));
        assert_eq!(due, at("UTC", "2026-03-30T07:30"));
        // The inverse of the working seconds between two instants.
        assert_eq!(hours.business_seconds_between(before_change, due), hour);
        let night = BusinessHours::parse("mon-sun 01:00-04:00", "Europe/Paris").unwrap();
        let autumn = at("Europe/Paris", "2026-10-25T00:00");
        let due = night.after_business_seconds(autumn, 4 * hour).unwrap();
        assert_eq!(night.business_seconds_between(autumn, due), 4 * hour);
        assert!(
            due < at("Europe/Paris", "2026-10-25T12:00"),
            "the hour that happens twice is worked twice"
        );
    }

    #[test]
    fn an_end_at_midnight_reaches_the_next_day() {
        let hours = BusinessHours::parse("sat 22:00-24:00; sun 00:00-02:00", "UTC").unwrap();
        assert_eq!(
            hours.business_seconds_between(
                at("UTC", "2026-12-12T00:00"),
                at("UTC", "2026-12-14T00:00")
            ),
            4 * 3600
        );
        assert!(hours.contains(at("UTC", "2026-12-13T00:30")));
    }
}
