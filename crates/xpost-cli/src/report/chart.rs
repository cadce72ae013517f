//! The report's charts, drawn by `plotters` into SVG strings.
//!
//! Only the SVG backend is compiled in and no font library: the SVG names a
//! generic `sans-serif` family, so the viewer's own font draws the labels and
//! nothing is fetched.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::{PostPerformance, SeriesPoint, Totals};
use crate::error::CliError;

const WIDTH: u32 = 880;
const HEIGHT: u32 = 360;
/// X's brand blue, for X numbers.
const X_BLUE: RGBColor = RGBColor(29, 155, 240);
/// Instagram's magenta, for Instagram numbers.
const IG_MAGENTA: RGBColor = RGBColor(193, 53, 132);

fn draw_error(error: impl std::fmt::Display) -> CliError {
    CliError::Input(format!("cannot draw a report chart: {error}"))
}

/// A line chart of X impressions and Instagram likes per post, by the
/// Instagram post's date.
///
/// # Errors
/// [`CliError::Input`] if `plotters` fails (it only writes to a string).
pub fn over_time(posts: &[PostPerformance]) -> Result<String, CliError> {
    let at = |p: &PostPerformance| p.published.as_second() as f64;
    let impressions: Vec<(f64, f64)> = posts
        .iter()
        .map(|p| (at(p), p.x.map_or(0, |x| x.impressions) as f64))
        .collect();
    let likes: Vec<(f64, f64)> = posts
        .iter()
        .map(|p| (at(p), p.ig_likes.unwrap_or(0) as f64))
        .collect();
    two_lines(
        "X impressions and Instagram likes per post",
        &impressions,
        &likes,
    )
}

/// A line chart of the sampled totals over time: X impressions and Instagram
/// likes of every reported post at each sampling.
///
/// # Errors
/// [`CliError::Input`] if `plotters` fails (it only writes to a string).
pub fn sampled(series: &[SeriesPoint]) -> Result<String, CliError> {
    let at = |p: &SeriesPoint| p.at.as_second() as f64;
    let impressions: Vec<(f64, f64)> = series
        .iter()
        .map(|p| (at(p), p.x_impressions as f64))
        .collect();
    let likes: Vec<(f64, f64)> = series.iter().map(|p| (at(p), p.ig_likes as f64)).collect();
    two_lines(
        "X impressions and Instagram likes over time (sampled)",
        &impressions,
        &likes,
    )
}

/// X impressions on the left axis and Instagram likes on the right, by time.
fn two_lines(
    title: &str,
    impressions: &[(f64, f64)],
    likes: &[(f64, f64)],
) -> Result<String, CliError> {
    let times = || impressions.iter().chain(likes).map(|(t, _)| *t);
    let first = times().fold(f64::INFINITY, f64::min);
    let last = times().fold(f64::NEG_INFINITY, f64::max);
    // One post, or posts of one instant, still get a readable axis.
    let pad = ((last - first) * 0.05).max(3600.0);
    let (lo, hi) = (first - pad, last + pad);
    let span = hi - lo;
    let top = |points: &[(f64, f64)]| points.iter().map(|(_, v)| *v).fold(1.0, f64::max) * 1.15;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        // Impressions run in thousands where likes run in tens: one axis each.
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(14)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .right_y_label_area_size(64)
            .build_cartesian_2d(lo..hi, 0f64..top(impressions))
            .map_err(draw_error)?
            .set_secondary_coord(lo..hi, 0f64..top(likes));
        let date = |x: &f64| time_label(*x, span);
        let count = |y: &f64| format!("{y:.0}");
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&date)
            .y_label_formatter(&count)
            .y_desc("X impressions")
            .light_line_style(WHITE)
            .draw()
            .map_err(draw_error)?;
        chart
            .configure_secondary_axes()
            .y_labels(6)
            .y_label_formatter(&count)
            .y_desc("Instagram likes")
            .draw()
            .map_err(draw_error)?;
        chart
            .draw_series(LineSeries::new(
                impressions.iter().copied(),
                X_BLUE.stroke_width(2),
            ))
            .map_err(draw_error)?
            .label("X impressions (left)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], X_BLUE.stroke_width(2)));
        chart
            .draw_series(
                impressions
                    .iter()
                    .map(|&p| Circle::new(p, 3, X_BLUE.filled())),
            )
            .map_err(draw_error)?;
        chart
            .draw_secondary_series(LineSeries::new(
                likes.iter().copied(),
                IG_MAGENTA.stroke_width(2),
            ))
            .map_err(draw_error)?
            .label("Instagram likes (right)")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], IG_MAGENTA.stroke_width(2))
            });
        chart
            .draw_secondary_series(
                likes
                    .iter()
                    .map(|&p| Circle::new(p, 3, IG_MAGENTA.filled())),
            )
            .map_err(draw_error)?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(draw_error)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// A bar chart of the engagement totals on both platforms.
///
/// # Errors
/// [`CliError::Input`] if `plotters` fails (it only writes to a string).
pub fn totals(totals: &Totals) -> Result<String, CliError> {
    let bars = [
        ("Instagram likes", totals.ig_likes, IG_MAGENTA),
        ("Instagram comments", totals.ig_comments, IG_MAGENTA),
        ("X likes", totals.x.likes, X_BLUE),
        ("X reposts", totals.x.reposts, X_BLUE),
        ("X replies", totals.x.replies, X_BLUE),
    ];
    let top = bars.iter().map(|b| b.1 as f64).fold(1.0, f64::max) * 1.15;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Engagement, all posts", ("sans-serif", 18))
            .margin(14)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d((0..bars.len()).into_segmented(), 0f64..top)
            .map_err(draw_error)?;
        let name = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => bars.get(*i).map_or("", |b| b.0).to_owned(),
            _ => String::new(),
        };
        let count = |y: &f64| format!("{y:.0}");
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(bars.len())
            .y_labels(6)
            .x_label_formatter(&name)
            .y_label_formatter(&count)
            .light_line_style(WHITE)
            .draw()
            .map_err(draw_error)?;
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, value, color))| {
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), *value as f64),
                    ],
                    color.filled(),
                );
                bar.set_margin(0, 0, 18, 18);
                bar
            }))
            .map_err(draw_error)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// A date for the time axis; with the hour when the axis spans under three days.
fn time_label(second: f64, span: f64) -> String {
    let Ok(at) = jiff::Timestamp::from_second(second.round() as i64) else {
        return String::new();
    };
    let format = if span < 3.0 * 86_400.0 {
        "%m-%d %H:%M"
    } else {
        "%Y-%m-%d"
    };
    at.strftime(format).to_string()
}
