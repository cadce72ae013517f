//! The timing rules: the earliest instant every one of them allows.

use jiff::{SignedDuration, Timestamp, ToSpan, Unit, Zoned};
use xpost_core::SourcePost;

use crate::decide::{Context, Decision, Verdict};
use crate::rule::Rule;
use crate::settings::{LinkSettings, OverCap};
use crate::trace::Trace;
use crate::window::{Window, is_open, next_matching};

/// The earliest time every timing rule allows, or a skip for a cap set to skip.
pub(crate) fn schedule(
    post: &SourcePost,
    settings: &LinkSettings,
    ctx: &Context,
    now: Timestamp,
    cost: f64,
    trace: &mut Trace,
) -> Decision {
    let s = &settings.schedule;
    let tz = s.time_zone.zone();
    let mut hold = Hold {
        at: now,
        rule: Rule::Default,
        detail: String::new(),
        chain: Vec::new(),
    };
    if let Some(cap) = settings.cost.monthly_cap_usd {
        let spent = ctx.spent_this_month_usd;
        if cost > cap + 1e-9 {
            let why = format!(
                "posting costs ${cost:.3}, more than the whole monthly cap of ${cap:.2}: it could never go"
            );
            trace.skipped(Rule::MonthlyCap, why.clone());
            return Decision::skip(Rule::MonthlyCap, why);
        }
        let figures =
            format!("${spent:.3} spent of the ${cap:.2} monthly cap, and posting costs ${cost:.3}");
        if spent + cost > cap + 1e-9 {
            if settings.cost.on_cap == OverCap::Skip {
                trace.skipped(Rule::MonthlyCap, figures.clone());
                return Decision::skip(Rule::MonthlyCap, figures);
            }
            let next = next_month(now);
            trace.held(Rule::MonthlyCap, next, figures.clone());
            hold.bump(next, Rule::MonthlyCap, figures);
        } else {
            trace.passed(Rule::MonthlyCap, figures);
        }
    }
    if let Some(min_age) = settings.filters.min_age {
        let until = add(post.timestamp, min_age);
        let why = format!("min_age {min_age:#} after it was published");
        if until > now {
            trace.held(Rule::MinAge, until, why.clone());
        }
        hold.bump(until, Rule::MinAge, why);
    }
    let (seen, seen_what) = match ctx.first_seen {
        Some(t) => (t, "first seen"),
        None => (post.timestamp, "published (first-seen time unknown)"),
    };
    if let Some(delay) = s.delay {
        let until = add(seen, delay);
        let why = format!("delay {delay:#} after it was {seen_what} at {seen}");
        if until > now {
            trace.held(Rule::Delay, until, why.clone());
        } else {
            trace.passed(Rule::Delay, why.clone());
        }
        hold.bump(until, Rule::Delay, why);
    }
    let open_bounds: Vec<&Window> = s.quiet_hours.iter().chain(&s.posting_windows).collect();
    let peak_bounds: Vec<&Window> = open_bounds.iter().copied().chain(&s.peak_hours).collect();
    let peak_deadline = add(seen, s.peak_max_wait);
    let last = ctx.recent_posts.iter().max().copied();
    for _ in 0..64 {
        let before = hold.at;
        if let (Some(last), Some(spacing)) = (last, s.min_spacing) {
            let why = format!("min_spacing {spacing:#} after the previous post at {last}");
            hold.bump(add(last, spacing), Rule::MinSpacing, why);
        }
        if let Some(cap) = settings.filters.max_posts_per_day {
            let day = hold.at.to_zoned(tz.clone()).date();
            let count = ctx
                .recent_posts
                .iter()
                .filter(|p| p.to_zoned(tz.clone()).date() == day)
                .count();
            if count >= cap as usize {
                let why = format!("{count} posts already on {day}, the daily cap is {cap}");
                if settings.filters.on_daily_cap == OverCap::Skip {
                    trace.skipped(Rule::DailyCap, why.clone());
                    return Decision::skip(Rule::DailyCap, why);
                }
                let next = day
                    .checked_add(1.day())
                    .ok()
                    .and_then(|d| d.to_zoned(tz.clone()).ok())
                    .map(|z| z.timestamp());
                if let Some(next) = next {
                    hold.bump(next, Rule::DailyCap, why);
                }
            }
        }
        let local = hold.at.to_zoned(tz.clone()).time();
        if !is_open(local, &s.quiet_hours, &s.posting_windows) {
            let (by, which) = match s.quiet_hours.iter().find(|w| w.contains(local)) {
                Some(w) => (Rule::QuietHours, format!("inside quiet hours {w}")),
                None => (
                    Rule::PostingWindows,
                    "outside every posting window".to_owned(),
                ),
            };
            match next_matching(hold.at, tz, &open_bounds, |t| {
                is_open(t, &s.quiet_hours, &s.posting_windows)
            }) {
                Some(next) => hold.bump(next, by, format!("{which} in {}", s.time_zone.name())),
                None => {
                    let why = "no time of day is open for posting";
                    trace.skipped(by, why);
                    return Decision::skip(by, why);
                }
            }
        }
        if !s.peak_hours.is_empty() {
            let in_peak = |t| {
                is_open(t, &s.quiet_hours, &s.posting_windows)
                    && s.peak_hours.iter().any(|w: &Window| w.contains(t))
            };
            if let Some(next) = next_matching(hold.at, tz, &peak_bounds, in_peak) {
                if next <= peak_deadline {
                    let why =
                        format!("queued to the next peak window (at most until {peak_deadline})");
                    hold.bump(next, Rule::PeakHours, why);
                }
            }
        }
        if hold.at == before {
            break;
        }
    }
    let moved: Vec<Rule> = hold.chain.iter().map(|(rule, _, _)| *rule).collect();
    let configured = [
        (Rule::MinSpacing, s.min_spacing.is_some() && last.is_some()),
        (Rule::DailyCap, settings.filters.max_posts_per_day.is_some()),
        (Rule::QuietHours, !s.quiet_hours.is_empty()),
        (Rule::PostingWindows, !s.posting_windows.is_empty()),
        (Rule::PeakHours, !s.peak_hours.is_empty()),
    ];
    for (rule, _) in configured
        .iter()
        .filter(|(r, set)| *set && !moved.contains(r))
    {
        trace.passed(*rule, "does not hold the post");
    }
    // The holds before the window loop were traced as they were met.
    for (rule, until, why) in &hold.chain {
        if !matches!(rule, Rule::MonthlyCap | Rule::MinAge | Rule::Delay) {
            trace.held(*rule, *until, why.clone());
        }
    }
    if hold.at <= now {
        return Decision::new(Verdict::PostNow, Rule::Default, "every rule passed");
    }
    let local: Zoned = hold.at.to_zoned(tz.clone());
    let mut reason = format!(
        "held by {} until {} ({}): {}",
        hold.rule,
        local.strftime("%Y-%m-%d %H:%M %Z"),
        hold.at,
        hold.detail
    );
    // A hold that only set the stage for the last one (a cap wait ending in
    // quiet hours) still explains most of the wait, so it is named too.
    let mut named = vec![hold.rule];
    for (rule, _, detail) in hold.chain.iter().rev() {
        if !named.contains(rule) {
            named.push(*rule);
            reason.push_str(&format!("; before that by {rule}: {detail}"));
        }
    }
    Decision::new(Verdict::PostAt(hold.at), hold.rule, reason)
}

/// The latest instant the timing rules ask for so far, and the rule that asked.
struct Hold {
    at: Timestamp,
    rule: Rule,
    detail: String,
    /// Every hold that moved the post, in order.
    chain: Vec<(Rule, Timestamp, String)>,
}

impl Hold {
    fn bump(&mut self, candidate: Timestamp, by: Rule, detail: String) {
        if candidate > self.at {
            self.chain.push((by, candidate, detail.clone()));
            self.at = candidate;
            self.rule = by;
            self.detail = detail;
        }
    }
}

/// `ts + d`, saturating at the end of time.
pub(crate) fn add(ts: Timestamp, d: SignedDuration) -> Timestamp {
    ts.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// A duration rounded to the minute, for messages.
pub(crate) fn round(d: SignedDuration) -> SignedDuration {
    d.round(Unit::Minute).unwrap_or(d)
}

/// The first instant of the next calendar month in UTC.
fn next_month(now: Timestamp) -> Timestamp {
    let date = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    date.first_of_month()
        .checked_add(1.month())
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map_or(Timestamp::MAX, |z| z.timestamp())
}
