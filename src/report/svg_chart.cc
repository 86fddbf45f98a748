#include "report/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include "report/html_document.h"

namespace bankscore::report {
namespace {

constexpr const char* kFontFamily =
    "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";
constexpr const char* kInk = "#1f2328";
constexpr const char* kMuted = "#57606a";
constexpr const char* kGrid = "#e4e7eb";
constexpr const char* kAxis = "#6e7781";
// Average advance of a character as a fraction of the font size, for the common sans fonts; errs
// on the wide side so that estimated room is enough.
constexpr double kCharWidth = 0.6;

// Coordinates with one decimal: sharp enough on any screen, and keeps large curves small.
std::string Px(double v) { return FormatFixed(std::isfinite(v) ? v : 0, 1); }

std::size_t CodePoints(const std::string& text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

double TextWidth(const std::string& text, double font_size) {
  return static_cast<double>(CodePoints(text)) * font_size * kCharWidth;
}

// Cuts to `max_chars` code points, ending in an ellipsis, without splitting a UTF-8 sequence.
std::string Truncate(const std::string& text, std::size_t max_chars) {
  if (CodePoints(text) <= max_chars) return text;
  std::size_t kept = 0, i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (kept == max_chars - 1) break;
      ++kept;
    }
  }
  return text.substr(0, i) + "\xE2\x80\xA6";
}

std::string SeriesColor(const std::string& color, std::size_t index) {
  if (!color.empty()) return color;
  return kPalette[index % (sizeof(kPalette) / sizeof(kPalette[0]))];
}

struct TextStyle {
  TextStyle(double size_, const char* anchor_ = "start", const char* fill_ = kInk,
            const char* weight_ = nullptr, std::string transform_ = {}, bool halo_ = false)
      : size(size_),
        anchor(anchor_),
        fill(fill_),
        weight(weight_),
        transform(std::move(transform_)),
        halo(halo_) {}
  double size;
  const char* anchor;
  const char* fill;
  const char* weight;  // nullptr: normal
  std::string transform;
  bool halo;  // a white outline, so text stays readable over lines and grid
};

void Text(std::string& out, double x, double y, const std::string& text, const TextStyle& style) {
  out += "<text x=\"" + Px(x) + "\" y=\"" + Px(y) + "\" font-size=\"" + FormatFixed(style.size, 1) +
         "\" text-anchor=\"" + style.anchor + "\" fill=\"" + style.fill + "\"";
  if (style.weight != nullptr) out += std::string(" font-weight=\"") + style.weight + "\"";
  if (!style.transform.empty()) out += " transform=\"" + style.transform + "\"";
  if (style.halo) {
    out +=
        " stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"";
  }
  out += ">" + EscapeHtml(text) + "</text>\n";
}

void Line(std::string& out, double x1, double y1, double x2, double y2, const std::string& color,
          double width = 1, const char* dash = nullptr) {
  out += "<line x1=\"" + Px(x1) + "\" y1=\"" + Px(y1) + "\" x2=\"" + Px(x2) + "\" y2=\"" + Px(y2) +
         "\" stroke=\"" + color + "\" stroke-width=\"" + FormatFixed(width, 1) + "\"";
  if (dash != nullptr) out += std::string(" stroke-dasharray=\"") + dash + "\"";
  out += "/>\n";
}

// Opening tag, accessible title, white background and the visible title (shrunk to fit).
void Open(std::string& out, const std::string& id, const std::string& title, double width,
          double height) {
  const std::string w = Px(width), h = Px(height);
  out += "<svg id=\"" + EscapeHtml(id) + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w +
         "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h +
         "\" role=\"img\" "
         "aria-labelledby=\"" +
         EscapeHtml(id) + "-title\" font-family=\"" + kFontFamily + "\">\n";
  out += "<title id=\"" + EscapeHtml(id) + "-title\">" + EscapeHtml(title) + "</title>\n";
  out += "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"#ffffff\"/>\n";
  double size = 15;
  while (size > 11 && TextWidth(title, size) > width - 24) size -= 0.5;
  Text(out, 12, 22, title, {size, "start", kInk, "600", {}});
}

void Close(std::string& out) { out += "</svg>"; }

constexpr double kInf = std::numeric_limits<double>::infinity();

// The range of the finite values seen; empty (lo > hi) until one is.
struct Extent {
  double lo = kInf;
  double hi = -kInf;
  void Add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

// A fixed axis range: the nice ticks that fall inside it, and exactly its ends.
NiceScale FixedScale(const AxisSpec& axis) {
  const auto [lo, hi] = *axis.range;
  NiceScale fixed = MakeNiceScale(lo, hi, axis.max_ticks);
  const double eps = 1e-9 * std::max(1.0, std::abs(fixed.step));
  std::vector<double> inside;
  for (double t : fixed.ticks) {
    if (t >= lo - eps && t <= hi + eps) inside.push_back(t);
  }
  fixed.lo = lo;
  fixed.hi = hi;
  fixed.ticks = std::move(inside);
  if (fixed.hi == fixed.lo) fixed.hi = fixed.lo + 1;
  return fixed;
}

// A categorical axis of `n` categories: one tick per category, half a step of room at both ends.
NiceScale CategoryScale(std::size_t n) {
  NiceScale scale{-0.5, static_cast<double>(n) - 0.5, 1.0, {}};
  for (std::size_t i = 0; i < n; ++i) scale.ticks.push_back(static_cast<double>(i));
  return scale;
}

// The axis scale for `axis` over the data's extent.
NiceScale ResolveScale(const AxisSpec& axis, const Extent& data) {
  if (!axis.categories.empty()) return CategoryScale(axis.categories.size());
  if (axis.range) return FixedScale(axis);
  double lo = data.empty() ? 0 : data.lo, hi = data.empty() ? 1 : data.hi;
  if (axis.include_zero) {
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
  }
  return MakeNiceScale(lo, hi, axis.max_ticks);
}

struct Frame {
  double left, right, top, bottom;
  NiceScale xs, ys;
  LinearMap x, y;
  double CenterX() const { return (left + right) / 2; }
  double CenterY() const { return (top + bottom) / 2; }
};

// Room left of the plot for the y tick labels and the rotated y-axis title.
double YTickWidth(const NiceScale& ys, bool percent) {
  double width = 0;
  for (double t : ys.ticks)
    width = std::max(width, TextWidth(FormatTick(t, ys.step, percent), 11.5));
  return width;
}

// The layout, with the left margin widened when the y tick labels would reach the axis title.
ChartLayout FitLeftMargin(ChartLayout layout, const NiceScale& ys, const AxisSpec& ya) {
  const double needed = YTickWidth(ys, ya.percent) + 8 + (ya.label.empty() ? 6 : 30);
  layout.margin_left = std::max(layout.margin_left, needed);
  return layout;
}

Frame MakeFrame(const ChartLayout& layout, const NiceScale& xs, const NiceScale& ys) {
  Frame f;
  f.left = layout.margin_left;
  f.right = layout.width - layout.margin_right;
  f.top = layout.margin_top;
  f.bottom = layout.height - layout.margin_bottom;
  f.xs = xs;
  f.ys = ys;
  f.x = {xs.lo, xs.hi, f.left, f.right};
  f.y = {ys.lo, ys.hi, f.bottom, f.top};
  return f;
}

// A filled rectangle; `extra` holds further attributes, each with a leading space.
void Rect(std::string& out, double x, double y, double width, double height,
          const std::string& fill, const std::string& extra = "") {
  out += "<rect x=\"" + Px(x) + "\" y=\"" + Px(y) + "\" width=\"" + Px(width) + "\" height=\"" +
         Px(height) + "\" fill=\"" + fill + "\"" + extra + "/>\n";
}

// Horizontal grid lines at the y ticks, labelled left of the plot.
void YGrid(std::string& out, const Frame& f, bool percent) {
  for (double t : f.ys.ticks) {
    const double y = f.y(t);
    Line(out, f.left, y, f.right, y, kGrid);
    Text(out, f.left - 8, y + 4, FormatTick(t, f.ys.step, percent), {11.5, "end", kMuted});
  }
}

constexpr std::size_t kMaxCategoryChars = 18;  // a slanted category name, longer ones truncated
constexpr double kCategorySlant = 35;          // degrees
constexpr double kCategoryFont = 11.5;

// True when the category names do not fit side by side under a plot `width` px wide.
bool SlantedCategories(const std::vector<std::string>& names, double width) {
  double widest = 0;
  for (const std::string& n : names) {
    widest = std::max(widest, TextWidth(Truncate(n, kMaxCategoryChars), kCategoryFont));
  }
  return !names.empty() && widest + 6 > width / static_cast<double>(names.size());
}

// The extra height slanted names take below the plot.
double SlantedCategoryDrop(const std::vector<std::string>& names) {
  double widest = 0;
  for (const std::string& n : names) {
    widest = std::max(widest, TextWidth(Truncate(n, kMaxCategoryChars), kCategoryFont));
  }
  return widest * std::sin(kCategorySlant * 3.14159265358979 / 180) + 6;
}

// The names of a categorical x axis under their ticks, slanted when they would overlap.
void CategoryTicks(std::string& out, const Frame& f, const std::vector<std::string>& names) {
  const bool slanted = SlantedCategories(names, f.right - f.left);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double x = f.x(static_cast<double>(i));
    const std::string name = Truncate(names[i], kMaxCategoryChars);
    Line(out, x, f.bottom, x, f.bottom + 5, kAxis);
    if (!slanted) {
      Text(out, x, f.bottom + 19, name, {kCategoryFont, "middle", kMuted});
      continue;
    }
    const double y = f.bottom + 16;
    Text(out, x + 4, y, name,
         {kCategoryFont, "end", kMuted, nullptr,
          "rotate(-" + FormatFixed(kCategorySlant, 0) + " " + Px(x + 4) + " " + Px(y) + ")"});
  }
}

// Vertical grid lines at the x ticks, with tick marks and labels below the plot.
void XGrid(std::string& out, const Frame& f, const AxisSpec& axis) {
  if (!axis.categories.empty()) return CategoryTicks(out, f, axis.categories);
  for (double t : f.xs.ticks) {
    const double x = f.x(t);
    Line(out, x, f.top, x, f.bottom, kGrid);
    Line(out, x, f.bottom, x, f.bottom + 5, kAxis);
    Text(out, x, f.bottom + 19, FormatTick(t, f.xs.step, axis.percent), {11.5, "middle", kMuted});
  }
}

// An axis title centred under the plot, at height `y`.
void XAxisTitle(std::string& out, const Frame& f, double y, const std::string& title) {
  Text(out, f.CenterX(), y, title, {13, "middle", kInk});
}

// The y-axis title, rotated, left of the tick labels.
void YAxisTitle(std::string& out, const Frame& f, const std::string& title, bool percent) {
  const double x = std::max(14.0, f.left - 8 - YTickWidth(f.ys, percent) - 12);
  Text(out, 0, 0, title,
       {13, "middle", kInk, nullptr,
        "translate(" + Px(x) + "," + Px(f.CenterY()) + ") rotate(-90)"});
}

// Grid lines, tick labels, the axis lines and both axis labels.
void Axes(std::string& out, const Frame& f, const ChartLayout& layout, const AxisSpec& xa,
          const AxisSpec& ya) {
  out += "<g>\n";
  YGrid(out, f, ya.percent);
  XGrid(out, f, xa);
  Line(out, f.left, f.bottom, f.right, f.bottom, kAxis);
  Line(out, f.left, f.top, f.left, f.bottom, kAxis);
  if (!xa.label.empty()) XAxisTitle(out, f, layout.height - 12, xa.label);
  if (!ya.label.empty()) YAxisTitle(out, f, ya.label, ya.percent);
  out += "</g>\n";
}

void NoData(std::string& out, double cx, double cy) {
  Text(out, cx, cy, "no data", {14, "middle", kMuted, "600"});
}

struct LegendItem {
  std::string name;
  std::string color;
  bool dashed = false;
  bool box = false;  // a filled square (bars) instead of a line
};

void Legend(std::string& out, double x, double y, const std::vector<LegendItem>& items) {
  for (const LegendItem& item : items) {
    if (item.box) {
      out += "<rect x=\"" + Px(x) + "\" y=\"" + Px(y - 9) +
             "\" width=\"14\" height=\"12\" fill=\"" + item.color +
             "\" fill-opacity=\"0.7\" stroke=\"" + item.color + "\"/>\n";
      x += 20;
    } else {
      Line(out, x, y - 4, x + 24, y - 4, item.color, 2.5, item.dashed ? "6 4" : nullptr);
      x += 30;
    }
    Text(out, x, y, item.name, {12.5, "start", kInk});
    x += TextWidth(item.name, 12.5) + 20;
  }
}

// Labels go at the top inside the plot, or at `label_y` when given (above the plot).
void Markers(std::string& out, const Frame& f, const std::vector<VerticalMarker>& markers,
             std::optional<double> label_y = std::nullopt) {
  for (const VerticalMarker& m : markers) {
    if (!std::isfinite(m.x)) continue;
    const double x = f.x(m.x);
    if (x < f.left - 0.5 || x > f.right + 0.5) continue;
    Line(out, x, f.top, x, f.bottom, m.color, 1.6, "5 4");
    if (m.label.empty()) continue;
    // Labels near the right edge are drawn to the left of the line, so they are never clipped.
    const bool left_side = x + TextWidth(m.label, 12) + 8 > f.right;
    Text(out, left_side ? x - 6 : x + 6, label_y.value_or(f.top + 14), m.label,
         {12, left_side ? "end" : "start", kInk, "600", {}, true});
  }
}

void ClipPath(std::string& out, const std::string& id, const Frame& f) {
  out += "<clipPath id=\"" + EscapeHtml(id) + "-clip\"><rect x=\"" + Px(f.left - 3) + "\" y=\"" +
         Px(f.top - 3) + "\" width=\"" + Px(f.right - f.left + 6) + "\" height=\"" +
         Px(f.bottom - f.top + 6) + "\"/></clipPath>\n";
}

// A chart with two numeric axes (line charts and histograms).
struct Plot {
  ChartLayout layout;  // the left margin fitted to the y tick labels
  AxisSpec x_axis;
  AxisSpec y_axis;
  Frame frame;
};

Plot MakePlot(const ChartLayout& layout, const AxisSpec& x_axis, const Extent& x,
              const AxisSpec& y_axis, const Extent& y) {
  const NiceScale ys = ResolveScale(y_axis, y);
  Plot plot{FitLeftMargin(layout, ys, y_axis), x_axis, y_axis, {}};
  plot.frame = MakeFrame(plot.layout, ResolveScale(x_axis, x), ys);
  return plot;
}

// The chart's opening, its axes, and a group clipped to the plot that the data goes into.
void OpenPlot(std::string& out, const std::string& id, const std::string& title, const Plot& p) {
  Open(out, id, title, p.layout.width, p.layout.height);
  Axes(out, p.frame, p.layout, p.x_axis, p.y_axis);
  ClipPath(out, id, p.frame);
  out += "<g clip-path=\"url(#" + EscapeHtml(id) + "-clip)\">\n";
}

// After the data and markers: the "no data" message when there was none, the legend, the end.
void ClosePlot(std::string& out, const Frame& f, bool any_data,
               const std::vector<LegendItem>& legend) {
  if (!any_data) NoData(out, f.CenterX(), f.CenterY());
  Legend(out, f.left, 46, legend);
  Close(out);
}

// Polylines of one series: broken at non-finite points; points closer than half a pixel to the
// previous one are dropped (they would not show, and a ROC curve can have thousands).
void Polylines(std::string& out, const Series& s, const Frame& f, const std::string& color) {
  const std::size_t n = std::min(s.x.size(), s.y.size());
  std::string points;
  double last_x = 0, last_y = 0;
  std::size_t count = 0;
  auto flush = [&]() {
    if (count >= 2) {
      out += "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"" +
             FormatFixed(s.stroke_width, 1) + "\" stroke-linejoin=\"round\"" +
             (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + " points=\"" + points + "\"/>\n";
    }
    points.clear();
    count = 0;
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
      flush();
      continue;
    }
    const double px = f.x(s.x[i]), py = f.y(s.y[i]);
    const bool last = i + 1 == n;
    if (count > 0 && !last && std::abs(px - last_x) < 0.5 && std::abs(py - last_y) < 0.5) continue;
    points += (count ? " " : "") + Px(px) + "," + Px(py);
    last_x = px;
    last_y = py;
    ++count;
  }
  flush();
  if (s.show_points) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      out += "<circle cx=\"" + Px(f.x(s.x[i])) + "\" cy=\"" + Px(f.y(s.y[i])) +
             "\" r=\"3.5\" fill=\"" + color + "\"/>\n";
    }
  }
}

// Blend of white and an sRGB colour given as "#rrggbb"; t = 0 is white.
std::string Tint(const char* hex, double t) {
  unsigned rgb = static_cast<unsigned>(std::strtoul(hex + 1, nullptr, 16));
  auto channel = [t](unsigned c) {
    return static_cast<unsigned>(std::lround(255.0 + (static_cast<double>(c) - 255.0) * t));
  };
  return fmt::format("#{:02x}{:02x}{:02x}", channel((rgb >> 16) & 0xff), channel((rgb >> 8) & 0xff),
                     channel(rgb & 0xff));
}

// Where a line chart's data lies; `any` is false when no series has a finite point.
struct LineExtent {
  Extent x, y;
  bool any = false;
};

LineExtent DataExtent(const LineChartSpec& spec) {
  LineExtent e;
  for (const Series& s : spec.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      e.any = true;
      e.x.Add(s.x[i]);
      e.y.Add(s.y[i]);
    }
  }
  // Markers and points stay in view.
  for (const VerticalMarker& m : spec.markers) e.x.Add(m.x);
  for (const PointMarker& p : spec.points) {
    e.x.Add(p.x);
    e.y.Add(p.y);
  }
  return e;
}

// A labelled dot; labels near the right edge or the top go left of or below the dot.
void Point(std::string& out, const Frame& f, const PointMarker& p) {
  if (!std::isfinite(p.x) || !std::isfinite(p.y)) return;
  const double px = f.x(p.x), py = f.y(p.y);
  out += "<circle cx=\"" + Px(px) + "\" cy=\"" + Px(py) + "\" r=\"5\" fill=\"" + p.color +
         "\" stroke=\"#ffffff\" stroke-width=\"1.5\"/>\n";
  if (p.label.empty()) return;
  const bool left_side = px + TextWidth(p.label, 12) + 12 > f.right;
  Text(out, left_side ? px - 9 : px + 9, py + (py < f.top + 20 ? 16 : -8), p.label,
       {12, left_side ? "end" : "start", kInk, "600", {}, true});
}

std::size_t BinCount(const HistogramSpec& spec) {
  return spec.edges.size() >= 2 ? spec.edges.size() - 1 : 0;
}

// The range of the bar heights (the y data of a histogram).
Extent HeightExtent(const HistogramSpec& spec) {
  Extent e;
  for (const HistogramSeries& s : spec.series) {
    for (std::size_t b = 0; b < std::min(BinCount(spec), s.heights.size()); ++b)
      e.Add(s.heights[b]);
  }
  return e;
}

// The x axis of a histogram: over the bin edges unless the spec fixes its range.
AxisSpec HistogramXAxis(const HistogramSpec& spec) {
  AxisSpec x_axis = spec.x_axis;
  if (!x_axis.range && BinCount(spec) > 0 && std::isfinite(spec.edges.front()) &&
      std::isfinite(spec.edges.back()) && spec.edges.back() > spec.edges.front()) {
    x_axis.range = std::make_pair(spec.edges.front(), spec.edges.back());
  }
  return x_axis;
}

// The bars of series `index`: translucent and outlined when several series are overlaid.
void HistogramBars(std::string& out, const Frame& f, const HistogramSpec& spec, std::size_t index) {
  const HistogramSeries& s = spec.series[index];
  const std::string color = SeriesColor(s.color, index);
  const bool overlaid = spec.series.size() > 1;
  const std::size_t bins = std::min(BinCount(spec), s.heights.size());
  std::string outline;
  for (std::size_t b = 0; b < bins; ++b) {
    const double h = s.heights[b];
    if (!std::isfinite(h) || !std::isfinite(spec.edges[b]) || !std::isfinite(spec.edges[b + 1]))
      continue;
    const double x0 = f.x(spec.edges[b]), x1 = f.x(spec.edges[b + 1]);
    const double gap = overlaid || x1 - x0 < 4 ? 0 : 1;
    const double top = f.y(h), base = f.y(0);
    Rect(out, x0 + gap / 2, std::min(top, base), std::max(0.0, x1 - x0 - gap), std::abs(base - top),
         color, std::string(" fill-opacity=\"") + (overlaid ? "0.35" : "0.85") + "\"");
    outline += (outline.empty() ? "M" + Px(x0) + "," + Px(base) : std::string()) + " L" + Px(x0) +
               "," + Px(top) + " L" + Px(x1) + "," + Px(top);
    if (b + 1 == bins) outline += " L" + Px(x1) + "," + Px(base);
  }
  // Overlaid bars are hard to tell apart by fill alone; a solid outline per series helps.
  if (overlaid && !outline.empty()) {
    out += "<path d=\"" + outline + "\" fill=\"none\" stroke=\"" + color +
           "\" stroke-width=\"1.8\"/>\n";
  }
}

// Horizontal bar charts: one row per bar (the chart grows with them), labels left, notes right.
constexpr double kBarRow = 22, kBarThickness = 15, kBarLabelSize = 12, kBarNoteSize = 11;

// Margins wide enough for the longest label and note.
ChartLayout HorizontalBarLayout(const BarChartSpec& spec) {
  double label_width = 0, note_width = 0;
  for (const Bar& b : spec.bars) {
    label_width =
        std::max(label_width, TextWidth(Truncate(b.label, kMaxLabelChars), kBarLabelSize));
    note_width = std::max(note_width, TextWidth(b.note, kBarNoteSize));
  }
  label_width = std::max(label_width, TextWidth(spec.category_label, 12));
  ChartLayout layout;
  layout.margin_left = std::clamp(label_width + 20, 60.0, 280.0);
  layout.margin_right = std::max(24.0, note_width + 14);
  layout.margin_top = 50;
  layout.margin_bottom = 48;
  layout.width = std::max(spec.width, layout.margin_left + layout.margin_right + 160);
  const double rows = static_cast<double>(std::max<std::size_t>(spec.bars.size(), 1));
  layout.height = layout.margin_top + rows * kBarRow + layout.margin_bottom;
  return layout;
}

// The value axis along the bottom: grid lines, tick labels, the axis line and its title.
void HorizontalValueAxis(std::string& out, const Frame& f, double height, const AxisSpec& axis) {
  for (double t : f.xs.ticks) {
    const double x = f.x(t);
    Line(out, x, f.top, x, f.bottom, kGrid);
    Text(out, x, f.bottom + 17, FormatTick(t, f.xs.step, axis.percent), {11.5, "middle", kMuted});
  }
  Line(out, f.left, f.bottom, f.right, f.bottom, kAxis);
  if (!axis.label.empty()) XAxisTitle(out, f, height - 10, axis.label);
}

// One bar in the row starting at `y`: its label, the bar from zero, and its note after the end.
void HorizontalBar(std::string& out, const Frame& f, const Bar& b, double y,
                   const std::string& color) {
  const double zero = f.x(0);
  Text(out, f.left - 8, y + kBarThickness - 3.5, Truncate(b.label, kMaxLabelChars),
       {kBarLabelSize, "end", kInk});
  double end = zero;
  if (std::isfinite(b.value)) {
    end = f.x(b.value);
    Rect(out, std::min(zero, end), y, std::abs(end - zero), kBarThickness, color);
  }
  if (b.note.empty()) return;
  // On a white box, so a reference line or grid line never runs through the text.
  const double note_x = std::max(zero, end) + 5;
  Rect(out, note_x - 2, y, TextWidth(b.note, kBarNoteSize) * 0.92 + 4, kBarThickness, "#ffffff");
  Text(out, note_x, y + kBarThickness - 3.5, b.note, {kBarNoteSize, "start", kMuted});
}

void HorizontalBars(std::string& out, const BarChartSpec& spec, const AxisSpec& axis,
                    const NiceScale& scale) {
  const ChartLayout layout = HorizontalBarLayout(spec);
  const Frame f = MakeFrame(layout, scale, NiceScale{});
  Open(out, spec.id, spec.title, layout.width, layout.height);
  HorizontalValueAxis(out, f, layout.height, axis);
  if (!spec.category_label.empty()) {
    Text(out, f.left - 8, f.top - 10, spec.category_label, {12, "end", kMuted, "600"});
  }
  // The reference line goes under the bars; its label sits above the plot, clear of them.
  if (spec.reference) Markers(out, f, {*spec.reference}, f.top - 10);
  for (std::size_t i = 0; i < spec.bars.size(); ++i) {
    const double y = f.top + static_cast<double>(i) * kBarRow + (kBarRow - kBarThickness) / 2;
    HorizontalBar(out, f, spec.bars[i], y, spec.color);
  }
  Line(out, f.x(0), f.top, f.x(0), f.bottom, kAxis);
  if (spec.bars.empty()) NoData(out, f.CenterX(), f.top + 14);
}

// A column's place along the x axis of a vertical bar chart.
struct Slot {
  double center;
  double width;
};

// One column: its label under the axis, the bar from zero, and its note above the bar's end.
void VerticalBar(std::string& out, const Frame& f, const Bar& b, Slot slot,
                 const std::string& color) {
  const double zero = f.y(0);
  const double bar_width = std::min(slot.width * 0.7, 60.0);
  const auto fit = static_cast<std::size_t>(std::max(3.0, slot.width / (11.5 * kCharWidth)));
  Text(out, slot.center, f.bottom + 18, Truncate(b.label, std::min(fit, kMaxLabelChars)),
       {11.5, "middle", kInk});
  double end = zero;
  if (std::isfinite(b.value)) {
    end = f.y(b.value);
    Rect(out, slot.center - bar_width / 2, std::min(zero, end), bar_width, std::abs(zero - end),
         color);
  }
  if (!b.note.empty()) {
    const double size = TextWidth(b.note, 11) <= slot.width ? 11 : 9.5;
    Text(out, slot.center, std::min(zero, end) - 5, b.note,
         {size, "middle", kMuted, nullptr, {}, true});
  }
}

// The reference value as a dashed line across the plot, labelled at its right end.
void HorizontalReference(std::string& out, const Frame& f, const VerticalMarker& reference) {
  const double y = f.y(reference.x);
  Line(out, f.left, y, f.right, y, reference.color, 1.6, "5 4");
  Text(out, f.right, y - 6, reference.label, {12, "end", kInk, "600", {}, true});
}

void VerticalBars(std::string& out, const BarChartSpec& spec, const AxisSpec& axis,
                  const NiceScale& scale) {
  ChartLayout layout;
  layout.width = spec.width;
  layout.height = spec.height;
  layout.margin_top = 50;
  layout = FitLeftMargin(layout, scale, axis);
  const Frame f = MakeFrame(layout, NiceScale{}, scale);
  Open(out, spec.id, spec.title, layout.width, layout.height);
  YGrid(out, f, axis.percent);
  Line(out, f.left, f.top, f.left, f.bottom, kAxis);
  if (!axis.label.empty()) YAxisTitle(out, f, axis.label, axis.percent);
  if (!spec.category_label.empty()) {
    XAxisTitle(out, f, layout.height - 12, spec.category_label);
  }
  const double n = static_cast<double>(std::max<std::size_t>(spec.bars.size(), 1));
  const double slot = (f.right - f.left) / n;
  for (std::size_t i = 0; i < spec.bars.size(); ++i) {
    const double center = f.left + (static_cast<double>(i) + 0.5) * slot;
    VerticalBar(out, f, spec.bars[i], {center, slot}, spec.color);
  }
  Line(out, f.left, f.y(0), f.right, f.y(0), kAxis);
  if (spec.reference) HorizontalReference(out, f, *spec.reference);
  if (spec.bars.empty()) NoData(out, f.CenterX(), f.CenterY());
}

// The confusion matrix: chart size, cell size, and the top left corner of the cells.
constexpr double kConfusionWidth = 500, kConfusionHeight = 330;
constexpr double kCellWidth = 150, kCellHeight = 88;
constexpr double kCellsX = 170, kCellsY = 96;

// Cell (r, c) of the confusion matrix: its count and share of the actual class, shaded by that
// share, blue when correct (r == c) and orange for errors.
void ConfusionCell(std::string& out, const std::int64_t (&cells)[2][2], int r, int c,
                   const std::string& actual_name) {
  const std::int64_t row_total = cells[r][0] + cells[r][1];
  const double share =
      row_total > 0 ? static_cast<double>(cells[r][c]) / static_cast<double>(row_total) : 0;
  const double strength = 0.12 + 0.78 * share;
  const char* base = r == c ? kPalette[0] : kPalette[1];
  const double x = kCellsX + c * kCellWidth, y = kCellsY + r * kCellHeight;
  Rect(out, x, y, kCellWidth, kCellHeight, Tint(base, strength),
       " stroke=\"#ffffff\" stroke-width=\"2\"");
  const char* ink = strength > 0.55 ? "#ffffff" : kInk;
  Text(out, x + kCellWidth / 2, y + 38, FormatCount(cells[r][c]), {21, "middle", ink, "700"});
  const char* what = r == c ? (r == 0 ? "true negative" : "true positive")
                            : (r == 0 ? "false positive" : "false negative");
  Text(out, x + kCellWidth / 2, y + 58,
       FormatPercent(share) + " of actual " + Truncate(actual_name, 8), {11.5, "middle", ink});
  Text(out, x + kCellWidth / 2, y + 75, what, {11, "middle", ink});
}

}  // namespace

NiceScale MakeNiceScale(double lo, double hi, int max_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(lo))) {
    const double pad = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  max_ticks = std::max(max_ticks, 2);
  const double raw = (hi - lo) / (max_ticks - 1);
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  static constexpr double kSteps[] = {1, 2, 5};
  NiceScale scale;
  // Try 1, 2, 5 x 10^k upwards until the ticks covering [lo, hi] number at most max_ticks.
  for (int attempt = 0; attempt < 12; ++attempt) {
    const double step = kSteps[attempt % 3] * magnitude * std::pow(10.0, attempt / 3);
    if (step < raw * (1 - 1e-9)) continue;
    const double first = std::floor(lo / step + 1e-9);
    const double last = std::ceil(hi / step - 1e-9);
    if (last - first + 1 > max_ticks && attempt < 11) continue;
    scale.step = step;
    scale.lo = first * step;
    scale.hi = last * step;
    scale.ticks.clear();
    for (double k = first; k <= last + 0.5; k += 1) {
      double t = k * step;
      if (std::abs(t) < step * 1e-9) t = 0;  // no "-0"
      scale.ticks.push_back(t);
    }
    break;
  }
  return scale;
}

std::string FormatTick(double value, double step, bool percent) {
  if (percent) {
    value *= 100;
    step *= 100;
  }
  int decimals = 0;
  if (step > 0 && std::isfinite(step)) {
    decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  }
  if (decimals == 0 && std::abs(value) >= 1000 && std::abs(value) < 1e15) {
    return FormatCount(std::llround(value)) + (percent ? "%" : "");  // 40,000 reads faster
  }
  return FormatFixed(value, std::min(decimals, 6)) + (percent ? "%" : "");
}

std::string LineChart(const LineChartSpec& spec) {
  const LineExtent data = DataExtent(spec);
  const Plot plot = MakePlot(spec.layout, spec.x_axis, data.x, spec.y_axis, data.y);
  std::string out;
  OpenPlot(out, spec.id, spec.title, plot);
  std::vector<LegendItem> legend;
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    const Series& s = spec.series[i];
    const std::string color = SeriesColor(s.color, i);
    Polylines(out, s, plot.frame, color);
    if (!s.name.empty()) legend.push_back({s.name, color, s.dashed, false});
  }
  out += "</g>\n";
  Markers(out, plot.frame, spec.markers);
  for (const PointMarker& p : spec.points) Point(out, plot.frame, p);
  ClosePlot(out, plot.frame, data.any, legend);
  return out;
}

std::string Histogram(const HistogramSpec& spec) {
  AxisSpec y_axis = spec.y_axis;
  y_axis.include_zero = true;
  const Extent heights = HeightExtent(spec);
  const Plot plot = MakePlot(spec.layout, HistogramXAxis(spec), Extent{}, y_axis, heights);
  std::string out;
  OpenPlot(out, spec.id, spec.title, plot);
  std::vector<LegendItem> legend;
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    HistogramBars(out, plot.frame, spec, i);
    const HistogramSeries& s = spec.series[i];
    if (!s.name.empty()) legend.push_back({s.name, SeriesColor(s.color, i), false, true});
  }
  out += "</g>\n";
  Markers(out, plot.frame, spec.markers);
  ClosePlot(out, plot.frame, !heights.empty(), legend);
  return out;
}

std::string BarChart(const BarChartSpec& spec) {
  Extent values;
  for (const Bar& b : spec.bars) values.Add(b.value);
  if (spec.reference) values.Add(spec.reference->x);
  AxisSpec axis = spec.value_axis;
  axis.include_zero = true;
  // A horizontal value axis is long: more ticks keep the nice range close to the data.
  if (spec.horizontal) axis.max_ticks = std::max(axis.max_ticks, 8);
  const NiceScale scale = ResolveScale(axis, values);
  std::string out;
  if (spec.horizontal) {
    HorizontalBars(out, spec, axis, scale);
  } else {
    VerticalBars(out, spec, axis, scale);
  }
  Close(out);
  return out;
}

std::string ConfusionChart(const ConfusionSpec& spec) {
  std::string out;
  Open(out, spec.id, spec.title, kConfusionWidth, kConfusionHeight);
  Text(out, kCellsX + kCellWidth, 56, "Predicted", {13, "middle", kInk, "600"});
  Text(out, 0, 0, "Actual",
       {13, "middle", kInk, "600", "translate(24," + Px(kCellsY + kCellHeight) + ") rotate(-90)"});
  const std::string names[2] = {spec.negative_name, spec.positive_name};
  for (int c = 0; c < 2; ++c) {
    Text(out, kCellsX + (c + 0.5) * kCellWidth, kCellsY - 10, Truncate(names[c], 18),
         {12.5, "middle", kInk});
    Text(out, kCellsX - 10, kCellsY + (c + 0.5) * kCellHeight + 4, Truncate(names[c], 18),
         {12.5, "end", kInk});
  }
  const std::int64_t cells[2][2] = {{spec.true_negative, spec.false_positive},
                                    {spec.false_negative, spec.true_positive}};
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 2; ++c) ConfusionCell(out, cells, r, c, names[r]);
  }
  const std::int64_t total =
      spec.true_negative + spec.false_positive + spec.false_negative + spec.true_positive;
  Text(out, kCellsX + kCellWidth, kCellsY + 2 * kCellHeight + 26,
       "n = " + FormatCount(total) + "; shading: share of the actual class",
       {12, "middle", kMuted});
  Close(out);
  return out;
}

// --- Scatter charts ------------------------------------------------------------------------------

namespace {

std::string GroupColor(const std::string& color, std::size_t index) {
  if (!color.empty()) return color;
  return kGroupPalette[index % (sizeof(kGroupPalette) / sizeof(kGroupPalette[0]))];
}

Extent ScatterExtent(const ScatterSpec& spec, bool x_axis) {
  Extent e;
  for (const ScatterGroup& g : spec.groups) {
    for (double v : x_axis ? g.x : g.y) e.Add(v);
  }
  for (const PointMarker& c : spec.centres) e.Add(x_axis ? c.x : c.y);
  return e;
}

void ScatterDots(std::string& out, const Frame& f, const ScatterGroup& g,
                 const std::string& color) {
  out += "<g fill=\"" + color + "\" fill-opacity=\"0.55\">\n";
  for (std::size_t i = 0; i < std::min(g.x.size(), g.y.size()); ++i) {
    if (!std::isfinite(g.x[i]) || !std::isfinite(g.y[i])) continue;
    out += "<circle cx=\"" + Px(f.x(g.x[i])) + "\" cy=\"" + Px(f.y(g.y[i])) + "\" r=\"2.4\"/>\n";
  }
  out += "</g>\n";
}

// A centre: a large dot with a dark outline and its label beside it on a white halo.
void Centre(std::string& out, const Frame& f, const PointMarker& c, const std::string& color) {
  if (!std::isfinite(c.x) || !std::isfinite(c.y)) return;
  const double px = f.x(c.x), py = f.y(c.y);
  out += "<circle cx=\"" + Px(px) + "\" cy=\"" + Px(py) + "\" r=\"8\" fill=\"" + color +
         "\" stroke=\"#111111\" stroke-width=\"2\"/>\n";
  if (!c.label.empty()) Text(out, px + 11, py + 5, c.label, {13, "start", kInk, "700", {}, true});
}

}  // namespace

std::string ScatterChart(const ScatterSpec& spec) {
  const Extent x = ScatterExtent(spec, true), y = ScatterExtent(spec, false);
  Plot plot = MakePlot(spec.layout, spec.x_axis, x, spec.y_axis, y);
  if (SlantedCategories(spec.x_axis.categories, plot.frame.right - plot.frame.left)) {
    ChartLayout taller = spec.layout;
    const double drop = SlantedCategoryDrop(spec.x_axis.categories);
    taller.height += drop;
    taller.margin_bottom += drop;
    plot = MakePlot(taller, spec.x_axis, x, spec.y_axis, y);
  }
  std::string out;
  OpenPlot(out, spec.id, spec.title, plot);
  if (spec.y_reference && std::isfinite(*spec.y_reference)) {
    const double ry = plot.frame.y(*spec.y_reference);
    Line(out, plot.frame.left, ry, plot.frame.right, ry, kInk, 1.2);
  }
  std::vector<LegendItem> legend;
  for (std::size_t i = 0; i < spec.groups.size(); ++i) {
    const std::string color = GroupColor(spec.groups[i].color, i);
    ScatterDots(out, plot.frame, spec.groups[i], color);
    if (!spec.groups[i].name.empty()) legend.push_back({spec.groups[i].name, color, false, true});
  }
  for (std::size_t i = 0; i < spec.centres.size(); ++i) {
    const std::string color = GroupColor(i < spec.groups.size() ? spec.groups[i].color : "", i);
    Centre(out, plot.frame, spec.centres[i], color);
  }
  out += "</g>\n";
  ClosePlot(out, plot.frame, !x.empty(), legend);
  return out;
}

}  // namespace bankscore::report
