//! `[analytics]`: engagement of cross-posted posts, sampled on a schedule, with
//! a cap on the X reads that pay-per-use bills.

use serde::{Deserialize, Serialize};

use crate::error::PolicyError;

/// How and how often engagement is sampled. Off by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyticsSettings {
    /// Sample likes, comments and X public metrics. Default `false`.
    pub enabled: bool,
    /// Sample at most this often, in minutes. Default 360 (four times a day).
    pub every_minutes: u32,
    /// Only posts cross-posted within this many days are sampled. Default 30.
    pub max_age_days: u32,
    /// Read Instagram's like and comment counts (free). Default `true`.
    pub instagram: bool,
    /// Read X's public metrics (billed per post read on pay-per-use). Default `true`.
    pub x: bool,
    /// At most this many X posts read per UTC day. Default 100.
    pub x_reads_per_day: u64,
    /// At most this many X posts read per UTC calendar month. Default 1000.
    pub x_reads_per_month: u64,
}

impl Default for AnalyticsSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            every_minutes: 360,
            max_age_days: 30,
            instagram: true,
            x: true,
            x_reads_per_day: 100,
            x_reads_per_month: 1000,
        }
    }
}

impl AnalyticsSettings {
    /// Checks the values.
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] for a zero interval or age, or a daily cap above
    /// the monthly one.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.every_minutes == 0 {
            return Err(PolicyError::invalid(
                "analytics.every_minutes",
                "must be at least 1",
            ));
        }
        if self.max_age_days == 0 {
            return Err(PolicyError::invalid(
                "analytics.max_age_days",
                "must be at least 1",
            ));
        }
        if self.x_reads_per_day > self.x_reads_per_month {
            return Err(PolicyError::invalid(
                "analytics.x_reads_per_day",
                format!(
                    "{} is more than x_reads_per_month ({}); the monthly cap would stop it first",
                    self.x_reads_per_day, self.x_reads_per_month
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_checked() {
        let s = AnalyticsSettings::default();
        assert!(!s.enabled);
        assert!(s.validate().is_ok());
        let bad = AnalyticsSettings {
            x_reads_per_day: 5000,
            ..AnalyticsSettings::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("x_reads_per_day")
        );
        let zero = AnalyticsSettings {
            every_minutes: 0,
            ..AnalyticsSettings::default()
        };
        assert!(zero.validate().is_err());
    }
}
