//! Daily time windows in a link's time zone, and finding the next instant
//! that satisfies a set of them.

use std::fmt;

use jiff::civil::{DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

/// A daily window `[start, end)` in local time; `end` before `start` means it
/// runs past midnight (`22:00`–`07:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// Local time the window opens, e.g. `"22:00"`.
    pub start: Time,
    /// Local time the window closes, e.g. `"07:00"`.
    pub end: Time,
}

impl Window {
    /// A window from `start` to `end`.
    pub fn new(start: Time, end: Time) -> Self {
        Self { start, end }
    }

    /// Whether local time `t` falls inside.
    pub fn contains(&self, t: Time) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.strftime("%H:%M"),
            self.end.strftime("%H:%M")
        )
    }
}

/// Whether local time `t` is outside every quiet window and, when posting
/// windows are set, inside one of them.
pub(crate) fn is_open(t: Time, quiet: &[Window], posting: &[Window]) -> bool {
    !quiet.iter().any(|w| w.contains(t))
        && (posting.is_empty() || posting.iter().any(|w| w.contains(t)))
}

/// How many minutes of a day are open for posting.
pub(crate) fn allowed_minutes(quiet: &[Window], posting: &[Window]) -> usize {
    (0..24 * 60)
        .filter(|m| {
            let t = Time::constant(0, 0, 0, 0)
                .checked_add((*m as i64).minutes())
                .unwrap_or(Time::MIN);
            is_open(t, quiet, posting)
        })
        .count()
}

/// The first instant at or after `from` whose local time in `tz` satisfies
/// `pred`, looking only at the boundaries of `windows` and the zone's
/// transitions (where `pred` can change) over the next three days. `None`
/// when nothing there satisfies it.
pub(crate) fn next_matching(
    from: Timestamp,
    tz: &TimeZone,
    windows: &[&Window],
    pred: impl Fn(Time) -> bool,
) -> Option<Timestamp> {
    let local = from.to_zoned(tz.clone());
    if pred(local.time()) {
        return Some(from);
    }
    let mut candidates: Vec<Timestamp> = Vec::new();
    for day in 0..=3 {
        let Ok(date) = local.date().checked_add(day.days()) else {
            continue;
        };
        for w in windows {
            for t in [w.start, w.end] {
                candidates.extend(instants_of(tz, date.to_datetime(t)));
            }
        }
    }
    // A boundary inside a spring-forward gap has no instant of its own: the
    // local clock reaches it at the transition, so transitions are candidates.
    let horizon = from
        .checked_add(SignedDuration::from_hours(4 * 24))
        .unwrap_or(Timestamp::MAX);
    candidates.extend(
        tz.following(from)
            .map(|t| t.timestamp())
            .take_while(|ts| *ts <= horizon),
    );
    candidates.retain(|ts| *ts > from);
    candidates.sort();
    candidates
        .into_iter()
        .find(|ts| pred(ts.to_zoned(tz.clone()).time()))
}

/// Every instant at which the local clock in `tz` shows `dt`: two in the
/// repeated hour of a fall-back, none in a spring-forward gap, one otherwise.
fn instants_of(tz: &TimeZone, dt: DateTime) -> Vec<Timestamp> {
    let offsets = match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => vec![offset],
        AmbiguousOffset::Fold { before, after } => vec![before, after],
        AmbiguousOffset::Gap { .. } => Vec::new(),
    };
    offsets
        .into_iter()
        .filter_map(|o| o.to_timestamp(dt).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    fn w(a: i8, b: i8) -> Window {
        Window::new(time(a, 0, 0, 0), time(b, 0, 0, 0))
    }

    #[test]
    fn windows_past_midnight_wrap() {
        let night = w(22, 7);
        assert!(night.contains(time(23, 30, 0, 0)));
        assert!(night.contains(time(3, 0, 0, 0)));
        assert!(!night.contains(time(7, 0, 0, 0)));
        assert!(!night.contains(time(12, 0, 0, 0)));
        assert!(w(9, 17).contains(time(9, 0, 0, 0)));
        assert!(!w(9, 17).contains(time(17, 0, 0, 0)));
    }

    #[test]
    fn counts_open_minutes() {
        assert_eq!(allowed_minutes(&[], &[]), 1440);
        assert_eq!(allowed_minutes(&[w(22, 7)], &[]), 15 * 60);
        assert_eq!(allowed_minutes(&[w(0, 12), w(12, 0)], &[]), 0);
        assert_eq!(allowed_minutes(&[w(8, 18)], &[w(9, 17)]), 0);
        assert_eq!(allowed_minutes(&[w(8, 10)], &[w(9, 17)]), 7 * 60);
    }

    #[test]
    fn finds_the_end_of_quiet_hours_in_the_zone() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        // 23:30 in Paris (summer, +02:00) is 21:30 UTC.
        let from: Timestamp = "2025-07-01T21:30:00Z".parse().unwrap();
        let quiet = [w(22, 7)];
        let next = next_matching(from, &tz, &quiet.iter().collect::<Vec<_>>(), |t| {
            is_open(t, &quiet, &[])
        })
        .unwrap();
        assert_eq!(next, "2025-07-02T05:00:00Z".parse::<Timestamp>().unwrap());
    }

    fn paris_night_until(from: &str) -> Timestamp {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let quiet = [Window::new(time(23, 0, 0, 0), time(2, 30, 0, 0))];
        next_matching(from.parse().unwrap(), &tz, &[&quiet[0]], |t| {
            is_open(t, &quiet, &[])
        })
        .unwrap()
    }

    #[test]
    fn the_repeated_hour_ends_quiet_hours_the_same_night() {
        // 2025-10-26: Paris falls back from 03:00 CEST to 02:00 CET at 01:00Z.
        // 01:10Z is the second 02:10 of the night; quiet hours end at 02:30 CET.
        assert_eq!(
            paris_night_until("2025-10-26T01:10:00Z"),
            "2025-10-26T01:30:00Z".parse::<Timestamp>().unwrap()
        );
        // The first 02:10 (CEST) ends at the first 02:30.
        assert_eq!(
            paris_night_until("2025-10-26T00:10:00Z"),
            "2025-10-26T00:30:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn a_boundary_in_the_spring_gap_opens_at_the_transition() {
        // 2025-03-30: Paris jumps from 02:00 CET to 03:00 CEST at 01:00Z, so
        // 02:30 never happens and the quiet hours end at 03:00 local.
        assert_eq!(
            paris_night_until("2025-03-30T00:10:00Z"),
            "2025-03-30T01:00:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn an_open_instant_is_kept() {
        let from: Timestamp = "2025-07-01T12:00:00Z".parse().unwrap();
        let quiet = [w(22, 7)];
        let next = next_matching(from, &TimeZone::UTC, &[&quiet[0]], |t| {
            is_open(t, &quiet, &[])
        });
        assert_eq!(next, Some(from));
    }
}
