//! The HTML report's charts, drawn with plotters into SVG strings that the page inlines
//! (no image files, no scripts): sessions per day by attribution, MFA coverage,
//! findings by severity, and a person × day activity heat map.

use std::io;

use plotters::prelude::*;

use super::model::Report;

const EXACT: RGBColor = RGBColor(46, 125, 50);
const AMBIGUOUS: RGBColor = RGBColor(245, 166, 35);
const UNATTRIBUTED: RGBColor = RGBColor(198, 40, 40);
const GREY: RGBColor = RGBColor(120, 120, 120);
const FONT: &str = "sans-serif";

fn err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("drawing a chart: {e}"))
}

/// A category label under its bar.
fn category(labels: &[String]) -> impl Fn(&SegmentValue<i32>) -> String + '_ {
    move |v| match v {
        SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

/// `n` category slots (plotters' integer range includes its end, hence `n - 1`).
fn categories(
    n: i32,
) -> plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordi32> {
    (0..(n - 1).max(1)).into_segmented()
}

/// Bars per category, stacked in the order of `series` (name, colour, values).
fn stacked_bars(
    title: &str,
    y_desc: &str,
    labels: &[String],
    series: &[(&str, RGBColor, Vec<f64>)],
    y_max: Option<f64>,
    size: (u32, u32),
) -> io::Result<String> {
    let n = labels.len() as i32;
    let totals: Vec<f64> = (0..labels.len())
        .map(|i| series.iter().map(|s| s.2[i]).sum())
        .collect();
    let top = y_max.unwrap_or_else(|| totals.iter().copied().fold(1.0, f64::max) * 1.15);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d(categories(n), 0.0..top)
            .map_err(err)?;
        let labeler = category(labels);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(labels.len().max(1))
            .x_label_formatter(&labeler)
            .y_desc(y_desc)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 13))
            .draw()
            .map_err(err)?;
        let mut base = vec![0.0; labels.len()];
        for (name, color, values) in series {
            let bars: Vec<Rectangle<(SegmentValue<i32>, f64)>> = values
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0.0)
                .map(|(i, v)| {
                    let x = i as i32;
                    let mut r = Rectangle::new(
                        [
                            (SegmentValue::Exact(x), base[i]),
                            (SegmentValue::Exact(x + 1), base[i] + v),
                        ],
                        color.filled(),
                    );
                    r.set_margin(0, 0, 8, 8);
                    r
                })
                .collect();
            for (i, v) in values.iter().enumerate() {
                base[i] += v;
            }
            let color = *color;
            chart
                .draw_series(bars)
                .map_err(err)?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.9))
                .border_style(GREY)
                .label_font((FONT, 13))
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Successful database sessions per day, stacked by attribution.
pub fn sessions_per_day(r: &Report) -> io::Result<String> {
    let days = &r.charts.daily_sessions;
    let labels: Vec<String> = days.iter().map(|d| d.day[5..].to_string()).collect();
    let pick =
        |f: fn(&super::model::DaySessions) -> i64| days.iter().map(|d| f(d) as f64).collect();
    stacked_bars(
        "Database sessions per day by attribution",
        "sessions",
        &labels,
        &[
            ("exact", EXACT, pick(|d| d.exact)),
            ("ambiguous", AMBIGUOUS, pick(|d| d.ambiguous)),
            ("unattributed", UNATTRIBUTED, pick(|d| d.unattributed)),
        ],
        None,
        (720, 340),
    )
}

/// MFA status of exactly attributed sessions, in percent.
pub fn mfa_coverage(r: &Report) -> io::Result<String> {
    let value = |name: &str| {
        r.figures
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.value)
            .unwrap_or(0.0)
    };
    let labels = vec!["verified".to_string(), "absent".into(), "unknown".into()];
    stacked_bars(
        "MFA of federated database access (%)",
        "% of exactly attributed sessions",
        &labels,
        &[
            ("verified", EXACT, vec![value("mfa_verified_pct"), 0.0, 0.0]),
            (
                "absent",
                UNATTRIBUTED,
                vec![0.0, value("mfa_absent_pct"), 0.0],
            ),
            ("unknown", GREY, vec![0.0, 0.0, value("mfa_unknown_pct")]),
        ],
        Some(100.0),
        (420, 300),
    )
}

/// Findings of the period per severity: new on top of persisting.
pub fn findings_by_severity(r: &Report) -> io::Result<String> {
    let rows = &r.findings.by_severity;
    let labels: Vec<String> = rows.iter().map(|s| s.severity.clone()).collect();
    stacked_bars(
        "Findings by severity",
        "findings",
        &labels,
        &[
            (
                "persisting",
                GREY,
                rows.iter().map(|s| (s.findings - s.new) as f64).collect(),
            ),
            (
                "new",
                UNATTRIBUTED,
                rows.iter().map(|s| s.new as f64).collect(),
            ),
        ],
        None,
        (420, 300),
    )
}

/// Exactly attributed sessions per person (rows) and day (columns).
pub fn activity_heat_map(r: &Report) -> io::Result<String> {
    let days: Vec<String> = r
        .charts
        .daily_sessions
        .iter()
        .map(|d| d.day.clone())
        .collect();
    let mut people: Vec<String> = r
        .charts
        .person_days
        .iter()
        .map(|p| p.person.clone())
        .collect();
    people.dedup();
    let max = r
        .charts
        .person_days
        .iter()
        .map(|p| p.sessions)
        .max()
        .unwrap_or(1)
        .max(1);
    let (n_days, n_people) = (days.len().max(1) as i32, people.len().max(1) as i32);
    let height = 90 + 26 * n_people as u32;
    let day_labels: Vec<String> = days.iter().map(|d| d[5..].to_string()).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Activity per person and day (attributed sessions)",
                (FONT, 18),
            )
            .margin(12)
            .x_label_area_size(28)
            .y_label_area_size(200)
            .build_cartesian_2d(categories(n_days), categories(n_people))
            .map_err(err)?;
        let x_labels = category(&day_labels);
        let y_labels = category(&people);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(days.len().max(1))
            .y_labels(people.len().max(1))
            .x_label_formatter(&x_labels)
            .y_label_formatter(&y_labels)
            .label_style((FONT, 13))
            .draw()
            .map_err(err)?;
        let cells: Vec<(i32, i32, i64)> = r
            .charts
            .person_days
            .iter()
            .filter_map(|p| {
                let x = days.iter().position(|d| *d == p.day)? as i32;
                let y = people.iter().position(|q| *q == p.person)? as i32;
                Some((x, y, p.sessions))
            })
            .collect();
        chart
            .draw_series(cells.iter().map(|&(x, y, n)| {
                let shade = 0.25 + 0.75 * n as f64 / max as f64;
                let mut cell = Rectangle::new(
                    [
                        (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                        (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                    ],
                    RGBColor(21, 101, 192).mix(shade).filled(),
                );
                cell.set_margin(1, 1, 1, 1);
                cell
            }))
            .map_err(err)?;
        chart
            .draw_series(cells.iter().map(|&(x, y, n)| {
                Text::new(
                    n.to_string(),
                    (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                    (FONT, 13).into_font().color(&WHITE),
                )
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
