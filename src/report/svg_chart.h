// Internal: SVG charts for the analyst reports, as self-contained <svg> fragments.
//
// Every chart is a pure function from a spec (plain data) to a string: an <svg> element with the
// spec's id, a <title> (its accessible name), labelled axes with "nice" ticks (1, 2 or 5 times a
// power of ten), and presentation attributes only (no CSS classes, no script, no external
// reference), so it renders the same inside a report page, on its own, and in print. All text from
// the spec is XML-escaped. Non-finite data points are skipped (a line breaks there), empty input
// gives the axes and a "no data" message, never "nan" in the output. Chart ids must be unique
// within a page (they also prefix the chart's internal clip-path id).
//
// Text widths are estimated (no font metrics without a browser): the layout reserves room for the
// longest category label and truncates labels longer than kMaxLabelChars.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bankscore::report {

inline constexpr std::size_t kMaxLabelChars = 34;

// Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
inline constexpr const char* kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                           "#E69F00", "#56B4E9", "#7f7f7f"};

// A numeric axis: ticks at multiples of `step` covering [lo, hi].
struct NiceScale {
  double lo = 0.0;
  double hi = 1.0;
  double step = 0.2;
  std::vector<double> ticks;
};
// The smallest "nice" step (1, 2 or 5 x 10^k) giving at most `max_ticks` ticks, and the range
// [lo, hi] widened to multiples of it. A degenerate range (lo == hi) is widened around the value;
// non-finite input gives [0, 1].
NiceScale MakeNiceScale(double lo, double hi, int max_ticks = 6);
// Tick label with as many decimals as the step needs; `percent` multiplies by 100 and adds "%".
std::string FormatTick(double value, double step, bool percent = false);

// Linear map from data values [d0, d1] to pixels [r0, r1] (r1 < r0 for a y axis pointing up).
struct LinearMap {
  double d0 = 0, d1 = 1, r0 = 0, r1 = 1;
  double operator()(double v) const {
    return d1 == d0 ? r0 : r0 + (v - d0) / (d1 - d0) * (r1 - r0);
  }
};

// The width of a chart that shares a row with another in a report's 1164 px content column.
inline constexpr double kHalfRowChartWidth = 556;

// Outer size and the margins around the plotting area, in pixels (SVG user units).
struct ChartLayout {
  double width = 620;
  double height = 400;
  double margin_left = 66;
  double margin_right = 24;
  double margin_top = 66;  // title and legend live here
  double margin_bottom = 56;
};

struct AxisSpec {
  std::string label;
  std::optional<std::pair<double, double>> range;  // fixed range; default: nice range over data
  bool percent = false;                            // ticks as percentages of 1
  bool include_zero = false;                       // extend the data range to 0
  int max_ticks = 6;
  // A categorical axis (scatter charts' x only): category i at value i, the range [-0.5, n - 0.5]
  // and each tick labelled with its name, slanted when the names do not fit side by side.
  std::vector<std::string> categories;
};

struct Series {
  std::string name;  // legend text; empty: not in the legend
  std::vector<double> x;
  std::vector<double> y;  // same length as x
  std::string color;      // default: palette colour by position
  bool dashed = false;
  bool show_points = false;  // a dot on every point (for short series such as deciles)
  double stroke_width = 2.2;
};

// A vertical line across the plot at data value x, labelled at its top.
struct VerticalMarker {
  double x = 0;
  std::string label;
  std::string color = "#333333";
};

// A labelled dot at (x, y).
struct PointMarker {
  double x = 0;
  double y = 0;
  std::string label;
  std::string color = "#111111";
};

struct LineChartSpec {
  std::string id;
  std::string title;
  AxisSpec x_axis;
  AxisSpec y_axis;
  std::vector<Series> series;
  std::vector<VerticalMarker> markers;
  std::vector<PointMarker> points;
  ChartLayout layout;
};
std::string LineChart(const LineChartSpec& spec);

struct Bar {
  std::string label;
  double value = 0;
  std::string note;  // shown at the end of the bar, e.g. "12.3% (n = 1,234)"
};

struct BarChartSpec {
  std::string id;
  std::string title;
  AxisSpec value_axis;         // include_zero is implied
  std::string category_label;  // names the categories (shown above them / below the axis)
  std::vector<Bar> bars;       // drawn in the given order (top to bottom, or left to right)
  bool horizontal = true;
  std::string color = kPalette[0];
  std::optional<VerticalMarker> reference;  // a value line, e.g. the overall rate
  double width = 560;
  double height = 320;  // vertical bars only; horizontal charts grow with the number of bars
};
std::string BarChart(const BarChartSpec& spec);

struct HistogramSeries {
  std::string name;
  std::vector<double> heights;  // one per bin
  std::string color;
};

// Bars over numeric bins [edges[i], edges[i+1]); several series are overlaid translucently.
struct HistogramSpec {
  std::string id;
  std::string title;
  AxisSpec x_axis;  // the range defaults to [edges.front(), edges.back()]
  AxisSpec y_axis;  // include_zero is implied
  std::vector<double> edges;
  std::vector<HistogramSeries> series;
  std::vector<VerticalMarker> markers;
  ChartLayout layout;
};
std::string Histogram(const HistogramSpec& spec);

// A 2 x 2 confusion matrix drawn as a heat map: rows are the actual class, columns the predicted
// one; each cell shows its count and its share of the actual class, shaded by that share (blue for
// correct cells, orange for errors).
struct ConfusionSpec {
  std::string id;
  std::string title;
  std::string negative_name = "no";
  std::string positive_name = "yes";
  std::int64_t true_negative = 0;
  std::int64_t false_positive = 0;
  std::int64_t false_negative = 0;
  std::int64_t true_positive = 0;
};
std::string ConfusionChart(const ConfusionSpec& spec);

// --- Scatter charts (bankscore segment's PCA picture)
// ---------------------------------------------

// Colours for up to 10 groups (Tableau 10), for charts with more groups than kPalette has.
inline constexpr const char* kGroupPalette[] = {"#4E79A7", "#F28E2B", "#E15759", "#76B7B2",
                                                "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7",
                                                "#9C755F", "#BAB0AC"};

struct ScatterGroup {
  std::string name;  // legend text
  std::vector<double> x;
  std::vector<double> y;  // same length as x
  std::string color;      // default: kGroupPalette by position
};

struct ScatterSpec {
  std::string id;
  std::string title;
  AxisSpec x_axis;
  AxisSpec y_axis;
  std::vector<ScatterGroup> groups;  // small translucent dots, drawn in order
  // Large outlined dots with a label on top of the points (e.g. cluster centres), each in the
  // colour of the group at the same position (the markers' own colour is not used).
  std::vector<PointMarker> centres;
  // A horizontal line across the plot at this y value (e.g. 0), drawn under the dots.
  std::optional<double> y_reference;
  ChartLayout layout;
};
// With a categorical x axis whose names are slanted, the chart grows taller to make room for them.
std::string ScatterChart(const ScatterSpec& spec);

}  // namespace bankscore::report
