//! The emulator's clock: wall time (or a fixed start) plus whatever tests advanced.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use crate::error::EmulatorError;

/// The longest single jump [`Clock::advance`] takes: ten years, past every token life,
/// quota window and expiry either platform has, yet far from overflowing.
pub const MAX_ADVANCE_S: i64 = 10 * 366 * 86_400;

/// Emulator time, in Unix milliseconds.
///
/// Every expiry, rate window and processing state reads this clock, never the system
/// clock, so a test can skip hours with [`Clock::advance`] and see tokens expire,
/// stories vanish and rate windows reset at once.
#[derive(Debug)]
pub struct Clock {
    start: Instant,
    base_ms: i64,
    frozen: bool,
    offset_ms: AtomicI64,
}

impl Clock {
    /// A clock that starts at `start_unix_ms` (the system time when `None`) and runs with
    /// wall time unless `frozen`, in which case only [`Clock::advance`] moves it.
    pub fn new(start_unix_ms: Option<i64>, frozen: bool) -> Self {
        let base_ms = start_unix_ms.unwrap_or_else(|| jiff::Timestamp::now().as_millisecond());
        Self {
            start: Instant::now(),
            base_ms,
            frozen,
            offset_ms: AtomicI64::new(0),
        }
    }

    /// Now, in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        let run = if self.frozen {
            0
        } else {
            i64::try_from(self.start.elapsed().as_millis()).unwrap_or(i64::MAX)
        };
        self.base_ms
            .saturating_add(run)
            .saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Now, as a timestamp (the Unix epoch if the clock was pushed beyond jiff's range).
    pub fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_millisecond(self.now_ms()).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// Now, in whole Unix seconds.
    pub fn now_s(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves the clock forward by `seconds`.
    ///
    /// # Errors
    /// [`EmulatorError::BadInput`] for a negative jump (time running backwards would bring
    /// expired tokens and spent windows back to life) or one longer than ten years.
    pub fn advance(&self, seconds: i64) -> Result<(), EmulatorError> {
        if seconds < 0 {
            return Err(EmulatorError::BadInput(
                "advance_s must not be negative: the clock never runs backwards".into(),
            ));
        }
        if seconds > MAX_ADVANCE_S {
            return Err(EmulatorError::BadInput(format!(
                "advance_s must be at most {MAX_ADVANCE_S} (ten years)"
            )));
        }
        self.offset_ms
            .fetch_add(seconds.saturating_mul(1000), Ordering::Relaxed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_moves_only_when_advanced() {
        let clock = Clock::new(Some(1_700_000_000_000), true);
        assert_eq!(clock.now_s(), 1_700_000_000);
        assert!(clock.advance(3600).is_ok());
        assert_eq!(clock.now_s(), 1_700_003_600);
        assert!(clock.advance(-10).is_err());
        assert!(clock.advance(MAX_ADVANCE_S + 1).is_err());
        assert_eq!(clock.now_s(), 1_700_003_600);
        assert_eq!(clock.now().to_string(), "2023-11-14T23:13:20Z");
        assert!(clock.advance(MAX_ADVANCE_S).is_ok());
    }
}
