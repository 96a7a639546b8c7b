//! Charts drawn on the server as SVG. This module only lays a chart out as data (each bar's
//! position, width, colour and words); `templates/chart.html` draws it, so no markup is built
//! by hand. Every bar segment carries a `<title>` with its figure, and each page shows the
//! same figures in a table, so nothing is told by colour alone.

use shishi_core::Status;

/// The viewBox width: narrow enough that the labels stay legible when a phone scales the
/// chart down to about 330 px, wide enough for a bureau's name and the legend.
const WIDTH: u32 = 400;
/// Where the bars start; the row labels end a little before.
const BARS_X: u32 = 136;
/// Room kept right of the longest bar for its total.
const TOTAL_ROOM: u32 = 40;
const ROW_HEIGHT: u32 = 26;
const BAR_HEIGHT: u32 = 18;
const LEGEND_HEIGHT: u32 = 28;
/// Labels longer than this are shortened in the chart (the full name is in its title and
/// in the table).
const LABEL_CHARS: usize = 9;

/// One kind of segment: a status, with its colour and word.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Series {
    pub class: &'static str,
    pub label: &'static str,
    pub fill: &'static str,
}

/// The statuses in the order the bars stack them, worst first so the eye meets them first,
/// then items that have no targets to judge. The colours are the stylesheet's.
pub(crate) const STATUS_SERIES: [Series; 5] = [
    Series {
        class: "seriously_behind",
        label: "严重滞后",
        fill: "#c62828",
    },
    Series {
        class: "behind",
        label: "慢序时",
        fill: "#9a6700",
    },
    Series {
        class: "on_schedule",
        label: "按序时",
        fill: "#0b6bcb",
    },
    Series {
        class: "completed",
        label: "已完成",
        fill: "#1a7f37",
    },
    Series {
        class: "none",
        label: "无量化目标",
        fill: "#8c959f",
    },
];

/// The place of a status (or of "no targets") in [`STATUS_SERIES`].
pub(crate) fn series_index(status: Option<Status>) -> usize {
    match status {
        Some(Status::SeriouslyBehind) => 0,
        Some(Status::Behind) => 1,
        Some(Status::OnSchedule) => 2,
        Some(Status::Completed) => 3,
        None => 4,
    }
}

/// A horizontal stacked bar chart, laid out.
#[derive(Debug, Clone)]
pub(crate) struct Chart {
    /// Unique on the page: the SVG's title and description are referred to by it.
    pub id: String,
    pub caption: String,
    /// What the chart shows in one sentence, for a screen reader.
    pub summary: String,
    pub width: u32,
    pub height: u32,
    pub legend: Vec<LegendKey>,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone)]
pub(crate) struct LegendKey {
    pub x: u32,
    pub y: u32,
    pub text_x: u32,
    pub text_y: u32,
    pub fill: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub label: String,
    pub short_label: String,
    pub label_x: u32,
    pub text_y: u32,
    pub total: u32,
    pub total_x: u32,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub fill: &'static str,
    pub class: &'static str,
    /// "区教育局：严重滞后 3 项" — what a pointer or a screen reader gets.
    pub title: String,
}

/// One row of figures: a label and a count per series.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub label: String,
    pub counts: Vec<u32>,
}

impl Row {
    pub(crate) fn total(&self) -> u32 {
        self.counts.iter().sum()
    }
}

/// Lays out `rows` as stacked bars of `series`, all on one scale (the largest total spans
/// the bar area), so bars compare by length.
pub(crate) fn stacked(id: &str, caption: &str, series: &[Series], rows: &[Row]) -> Chart {
    let legend = legend(series);
    let max_total = rows.iter().map(Row::total).max().unwrap_or(0).max(1);
    let area = WIDTH - BARS_X - TOTAL_ROOM;
    let top = LEGEND_HEIGHT + 4;
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let y = top + u32::try_from(i).unwrap_or(u32::MAX / ROW_HEIGHT) * ROW_HEIGHT;
            // Each edge is placed from the running total, so rounding never opens a gap
            // between segments or makes a bar longer than its total.
            let edge = |count: u32| BARS_X + scale(count, max_total, area);
            let mut done = 0;
            let mut segments = Vec::new();
            for (s, count) in series.iter().zip(&row.counts) {
                if *count == 0 {
                    continue;
                }
                let x = edge(done);
                done += count;
                segments.push(Segment {
                    x,
                    y: y + (ROW_HEIGHT - BAR_HEIGHT) / 2,
                    width: edge(done).saturating_sub(x).max(1),
                    height: BAR_HEIGHT,
                    fill: s.fill,
                    class: s.class,
                    title: format!("{}：{} {} 项", row.label, s.label, count),
                });
            }
            Bar {
                short_label: shorten(&row.label),
                label: row.label.clone(),
                label_x: BARS_X - 6,
                text_y: y + ROW_HEIGHT / 2 + 4,
                total: row.total(),
                total_x: edge(row.total()) + 4,
                segments,
            }
        })
        .collect();
    let rows_height = u32::try_from(rows.len()).unwrap_or(0) * ROW_HEIGHT;
    Chart {
        id: id.to_owned(),
        caption: caption.to_owned(),
        summary: format!(
            "{}：共 {} 行，每行按状态分段，数字见下表。",
            caption,
            rows.len()
        ),
        width: WIDTH,
        height: top + rows_height.max(ROW_HEIGHT) + 4,
        legend,
        bars,
    }
}

/// The legend along the top: a square and the word of each series.
fn legend(series: &[Series]) -> Vec<LegendKey> {
    let mut x = 4;
    series
        .iter()
        .map(|s| {
            let key = LegendKey {
                x,
                y: 8,
                text_x: x + 16,
                text_y: 19,
                fill: s.fill,
                label: s.label,
            };
            // About 13 units a character at the chart's font size, and a gap.
            let chars = u32::try_from(s.label.chars().count()).unwrap_or(0);
            x += 16 + chars * 13 + 12;
            key
        })
        .collect()
}

fn scale(count: u32, max_total: u32, area: u32) -> u32 {
    let exact = f64::from(count) * f64::from(area) / f64::from(max_total);
    exact.round() as u32
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_owned();
    }
    let mut short: String = label.chars().take(LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn row(label: &str, counts: &[u32]) -> Row {
        Row {
            label: label.to_owned(),
            counts: counts.to_vec(),
        }
    }

    #[test]
    fn the_longest_total_spans_the_bar_area_and_segments_touch() {
        let chart = stacked(
            "c",
            "按单位",
            &STATUS_SERIES,
            &[
                row("区教育局", &[1, 2, 0, 3, 0]),
                row("区卫健委", &[0, 0, 3, 0, 0]),
            ],
        );
        let first = &chart.bars[0];
        assert_eq!(first.total, 6);
        assert_eq!(first.segments.len(), 3, "empty series draw nothing");
        assert_eq!(first.segments[0].x, BARS_X);
        for pair in first.segments.windows(2) {
            assert_eq!(pair[0].x + pair[0].width, pair[1].x);
        }
        let last = first.segments.last().unwrap();
        assert_eq!(last.x + last.width, WIDTH - TOTAL_ROOM);
        assert_eq!(
            chart.bars[1].segments[0].width,
            (WIDTH - BARS_X - TOTAL_ROOM) / 2
        );
        assert_eq!(first.segments[0].title, "区教育局：严重滞后 1 项");
    }

    #[test]
    fn long_names_are_shortened_in_the_chart_only() {
        let chart = stacked(
            "c",
            "x",
            &STATUS_SERIES,
            &[row("海州区住房和城乡建设局", &[1])],
        );
        assert_eq!(chart.bars[0].short_label, "海州区住房和城乡…");
        assert_eq!(chart.bars[0].label, "海州区住房和城乡建设局");
    }

    #[test]
    fn an_empty_chart_still_has_a_height() {
        let chart = stacked("c", "x", &STATUS_SERIES, &[]);
        assert!(chart.height > LEGEND_HEIGHT);
    }
}
