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
std::string Px(double v) {
  if (!std::isfinite(v)) v = 0;
  std::string s = fmt::format("{:.1f}", v);
  if (s == "-0.0") s = "0.0";
  return s;
}

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

// The axis scale for `axis` over data in [lo, hi] (lo > hi when there is no data).
NiceScale ResolveScale(const AxisSpec& axis, double lo, double hi) {
  if (axis.range) {
    NiceScale fixed = MakeNiceScale(axis.range->first, axis.range->second, axis.max_ticks);
    const double eps = 1e-9 * std::max(1.0, std::abs(fixed.step));
    std::vector<double> inside;
    for (double t : fixed.ticks) {
      if (t >= axis.range->first - eps && t <= axis.range->second + eps) inside.push_back(t);
    }
    fixed.lo = axis.range->first;
    fixed.hi = axis.range->second;
    fixed.ticks = std::move(inside);
    if (fixed.hi == fixed.lo) fixed.hi = fixed.lo + 1;
    return fixed;
  }
  if (lo > hi) {  // no data
    lo = 0;
    hi = 1;
  }
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

// Grid lines, tick labels, the axis lines and both axis labels.
void Axes(std::string& out, const Frame& f, const ChartLayout& layout, const AxisSpec& xa,
          const AxisSpec& ya) {
  out += "<g>\n";
  for (double t : f.ys.ticks) {
    const double y = f.y(t);
    Line(out, f.left, y, f.right, y, kGrid);
    Text(out, f.left - 8, y + 4, FormatTick(t, f.ys.step, ya.percent), {11.5, "end", kMuted});
  }
  for (double t : f.xs.ticks) {
    const double x = f.x(t);
    Line(out, x, f.top, x, f.bottom, kGrid);
    Line(out, x, f.bottom, x, f.bottom + 5, kAxis);
    Text(out, x, f.bottom + 19, FormatTick(t, f.xs.step, xa.percent), {11.5, "middle", kMuted});
  }
  Line(out, f.left, f.bottom, f.right, f.bottom, kAxis);
  Line(out, f.left, f.top, f.left, f.bottom, kAxis);
  if (!xa.label.empty()) {
    Text(out, (f.left + f.right) / 2, layout.height - 12, xa.label, {13, "middle", kInk});
  }
  if (!ya.label.empty()) {
    const double cy = (f.top + f.bottom) / 2;
    const double x = std::max(14.0, f.left - 8 - YTickWidth(f.ys, ya.percent) - 12);
    Text(out, 0, 0, ya.label,
         {13, "middle", kInk, nullptr, "translate(" + Px(x) + "," + Px(cy) + ") rotate(-90)"});
  }
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

void Extend(double v, double& lo, double& hi) {
  if (!std::isfinite(v)) return;
  lo = std::min(lo, v);
  hi = std::max(hi, v);
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
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double x_lo = kInf, x_hi = -kInf, y_lo = kInf, y_hi = -kInf;
  bool any_data = false;
  for (const Series& s : spec.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      any_data = true;
      Extend(s.x[i], x_lo, x_hi);
      Extend(s.y[i], y_lo, y_hi);
    }
  }
  for (const VerticalMarker& m : spec.markers) Extend(m.x, x_lo, x_hi);
  for (const PointMarker& p : spec.points) {
    Extend(p.x, x_lo, x_hi);
    Extend(p.y, y_lo, y_hi);
  }
  const NiceScale ys = ResolveScale(spec.y_axis, y_lo, y_hi);
  const ChartLayout layout = FitLeftMargin(spec.layout, ys, spec.y_axis);
  const Frame f = MakeFrame(layout, ResolveScale(spec.x_axis, x_lo, x_hi), ys);

  std::string out;
  Open(out, spec.id, spec.title, layout.width, layout.height);
  Axes(out, f, layout, spec.x_axis, spec.y_axis);
  ClipPath(out, spec.id, f);
  out += "<g clip-path=\"url(#" + EscapeHtml(spec.id) + "-clip)\">\n";
  std::vector<LegendItem> legend;
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    const Series& s = spec.series[i];
    const std::string color = SeriesColor(s.color, i);
    Polylines(out, s, f, color);
    if (!s.name.empty()) legend.push_back({s.name, color, s.dashed, false});
  }
  out += "</g>\n";
  Markers(out, f, spec.markers);
  for (const PointMarker& p : spec.points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    const double px = f.x(p.x), py = f.y(p.y);
    out += "<circle cx=\"" + Px(px) + "\" cy=\"" + Px(py) + "\" r=\"5\" fill=\"" + p.color +
           "\" stroke=\"#ffffff\" stroke-width=\"1.5\"/>\n";
    if (!p.label.empty()) {
      const bool left_side = px + TextWidth(p.label, 12) + 12 > f.right;
      Text(out, left_side ? px - 9 : px + 9, py + (py < f.top + 20 ? 16 : -8), p.label,
           {12, left_side ? "end" : "start", kInk, "600", {}, true});
    }
  }
  if (!any_data) NoData(out, (f.left + f.right) / 2, (f.top + f.bottom) / 2);
  Legend(out, f.left, 46, legend);
  Close(out);
  return out;
}

std::string Histogram(const HistogramSpec& spec) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const std::size_t bins = spec.edges.size() >= 2 ? spec.edges.size() - 1 : 0;
  double y_hi = -kInf, y_lo = kInf;
  bool any_data = false;
  for (const HistogramSeries& s : spec.series) {
    for (std::size_t b = 0; b < std::min(bins, s.heights.size()); ++b) {
      if (!std::isfinite(s.heights[b])) continue;
      any_data = true;
      Extend(s.heights[b], y_lo, y_hi);
    }
  }
  AxisSpec x_axis = spec.x_axis;
  if (!x_axis.range && bins > 0 && std::isfinite(spec.edges.front()) &&
      std::isfinite(spec.edges.back()) && spec.edges.back() > spec.edges.front()) {
    x_axis.range = std::make_pair(spec.edges.front(), spec.edges.back());
  }
  AxisSpec y_axis = spec.y_axis;
  y_axis.include_zero = true;
  const NiceScale ys = ResolveScale(y_axis, y_lo, y_hi);
  const ChartLayout layout = FitLeftMargin(spec.layout, ys, y_axis);
  const Frame f = MakeFrame(layout, ResolveScale(x_axis, kInf, -kInf), ys);

  std::string out;
  Open(out, spec.id, spec.title, layout.width, layout.height);
  Axes(out, f, layout, x_axis, y_axis);
  ClipPath(out, spec.id, f);
  out += "<g clip-path=\"url(#" + EscapeHtml(spec.id) + "-clip)\">\n";
  const bool overlaid = spec.series.size() > 1;
  std::vector<LegendItem> legend;
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    const HistogramSeries& s = spec.series[i];
    const std::string color = SeriesColor(s.color, i);
    std::string outline;
    for (std::size_t b = 0; b < std::min(bins, s.heights.size()); ++b) {
      const double h = s.heights[b];
      if (!std::isfinite(h) || !std::isfinite(spec.edges[b]) || !std::isfinite(spec.edges[b + 1]))
        continue;
      const double x0 = f.x(spec.edges[b]), x1 = f.x(spec.edges[b + 1]);
      const double gap = overlaid || x1 - x0 < 4 ? 0 : 1;
      const double top = f.y(h), base = f.y(0);
      out += "<rect x=\"" + Px(x0 + gap / 2) + "\" y=\"" + Px(std::min(top, base)) + "\" width=\"" +
             Px(std::max(0.0, x1 - x0 - gap)) + "\" height=\"" + Px(std::abs(base - top)) +
             "\" fill=\"" + color + "\" fill-opacity=\"" + (overlaid ? "0.35" : "0.85") + "\"/>\n";
      outline += (outline.empty() ? "M" + Px(x0) + "," + Px(base) : std::string()) + " L" + Px(x0) +
                 "," + Px(top) + " L" + Px(x1) + "," + Px(top);
      if (b + 1 == std::min(bins, s.heights.size())) outline += " L" + Px(x1) + "," + Px(base);
    }
    // Overlaid bars are hard to tell apart by fill alone; a solid outline per series helps.
    if (overlaid && !outline.empty()) {
      out += "<path d=\"" + outline + "\" fill=\"none\" stroke=\"" + color +
             "\" stroke-width=\"1.8\"/>\n";
    }
    if (!s.name.empty()) legend.push_back({s.name, color, false, true});
  }
  out += "</g>\n";
  Markers(out, f, spec.markers);
  if (!any_data) NoData(out, (f.left + f.right) / 2, (f.top + f.bottom) / 2);
  Legend(out, f.left, 46, legend);
  Close(out);
  return out;
}

std::string BarChart(const BarChartSpec& spec) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double lo = kInf, hi = -kInf;
  for (const Bar& b : spec.bars) Extend(b.value, lo, hi);
  if (spec.reference) Extend(spec.reference->x, lo, hi);
  AxisSpec axis = spec.value_axis;
  axis.include_zero = true;
  // A horizontal value axis is long: more ticks keep the nice range close to the data.
  if (spec.horizontal) axis.max_ticks = std::max(axis.max_ticks, 8);
  const NiceScale scale = ResolveScale(axis, lo, hi);

  std::string out;
  if (spec.horizontal) {
    constexpr double kRow = 22, kBar = 15, kLabelSize = 12, kNoteSize = 11;
    double label_width = 0, note_width = 0;
    for (const Bar& b : spec.bars) {
      label_width = std::max(label_width, TextWidth(Truncate(b.label, kMaxLabelChars), kLabelSize));
      note_width = std::max(note_width, TextWidth(b.note, kNoteSize));
    }
    label_width = std::max(label_width, TextWidth(spec.category_label, 12));
    ChartLayout layout;
    layout.margin_left = std::clamp(label_width + 20, 60.0, 280.0);
    layout.margin_right = std::max(24.0, note_width + 14);
    layout.margin_top = 50;
    layout.margin_bottom = 48;
    layout.width = std::max(spec.width, layout.margin_left + layout.margin_right + 160);
    const double rows = static_cast<double>(std::max<std::size_t>(spec.bars.size(), 1));
    layout.height = layout.margin_top + rows * kRow + layout.margin_bottom;
    Frame f = MakeFrame(layout, scale, NiceScale{});
    Open(out, spec.id, spec.title, layout.width, layout.height);
    for (double t : scale.ticks) {
      const double x = f.x(t);
      Line(out, x, f.top, x, f.bottom, kGrid);
      Text(out, x, f.bottom + 17, FormatTick(t, scale.step, axis.percent),
           {11.5, "middle", kMuted});
    }
    Line(out, f.left, f.bottom, f.right, f.bottom, kAxis);
    if (!axis.label.empty()) {
      Text(out, (f.left + f.right) / 2, layout.height - 10, axis.label, {13, "middle", kInk});
    }
    if (!spec.category_label.empty()) {
      Text(out, f.left - 8, f.top - 10, spec.category_label, {12, "end", kMuted, "600"});
    }
    const double zero = f.x(0);
    // The reference line goes under the bars; its label sits above the plot, clear of them.
    if (spec.reference) Markers(out, f, {*spec.reference}, f.top - 10);
    for (std::size_t i = 0; i < spec.bars.size(); ++i) {
      const Bar& b = spec.bars[i];
      const double y = f.top + static_cast<double>(i) * kRow + (kRow - kBar) / 2;
      Text(out, f.left - 8, y + kBar - 3.5, Truncate(b.label, kMaxLabelChars),
           {kLabelSize, "end", kInk});
      double end = zero;
      if (std::isfinite(b.value)) {
        end = f.x(b.value);
        out += "<rect x=\"" + Px(std::min(zero, end)) + "\" y=\"" + Px(y) + "\" width=\"" +
               Px(std::abs(end - zero)) + "\" height=\"" + Px(kBar) + "\" fill=\"" + spec.color +
               "\"/>\n";
      }
      if (!b.note.empty()) {
        // On a white box, so a reference line or grid line never runs through the text.
        const double note_x = std::max(zero, end) + 5;
        out += "<rect x=\"" + Px(note_x - 2) + "\" y=\"" + Px(y) + "\" width=\"" +
               Px(TextWidth(b.note, kNoteSize) * 0.92 + 4) + "\" height=\"" + Px(kBar) +
               "\" fill=\"#ffffff\"/>\n";
        Text(out, note_x, y + kBar - 3.5, b.note, {kNoteSize, "start", kMuted});
      }
    }
    Line(out, zero, f.top, zero, f.bottom, kAxis);
    if (spec.bars.empty()) NoData(out, (f.left + f.right) / 2, f.top + 14);
  } else {
    ChartLayout layout;
    layout.width = spec.width;
    layout.height = spec.height;
    layout.margin_top = 50;
    layout = FitLeftMargin(layout, scale, axis);
    Frame f = MakeFrame(layout, NiceScale{}, scale);
    Open(out, spec.id, spec.title, layout.width, layout.height);
    for (double t : scale.ticks) {
      const double y = f.y(t);
      Line(out, f.left, y, f.right, y, kGrid);
      Text(out, f.left - 8, y + 4, FormatTick(t, scale.step, axis.percent), {11.5, "end", kMuted});
    }
    Line(out, f.left, f.top, f.left, f.bottom, kAxis);
    if (!axis.label.empty()) {
      const double x = std::max(14.0, f.left - 8 - YTickWidth(scale, axis.percent) - 12);
      Text(out, 0, 0, axis.label,
           {13, "middle", kInk, nullptr,
            "translate(" + Px(x) + "," + Px((f.top + f.bottom) / 2) + ") rotate(-90)"});
    }
    if (!spec.category_label.empty()) {
      Text(out, (f.left + f.right) / 2, layout.height - 12, spec.category_label,
           {13, "middle", kInk});
    }
    const double n = static_cast<double>(std::max<std::size_t>(spec.bars.size(), 1));
    const double slot = (f.right - f.left) / n;
    const double zero = f.y(0);
    for (std::size_t i = 0; i < spec.bars.size(); ++i) {
      const Bar& b = spec.bars[i];
      const double cx = f.left + (static_cast<double>(i) + 0.5) * slot;
      const double bar_width = std::min(slot * 0.7, 60.0);
      const std::size_t fit = static_cast<std::size_t>(std::max(3.0, slot / (11.5 * kCharWidth)));
      Text(out, cx, f.bottom + 18, Truncate(b.label, std::min(fit, kMaxLabelChars)),
           {11.5, "middle", kInk});
      double end = zero;
      if (std::isfinite(b.value)) {
        end = f.y(b.value);
        out += "<rect x=\"" + Px(cx - bar_width / 2) + "\" y=\"" + Px(std::min(zero, end)) +
               "\" width=\"" + Px(bar_width) + "\" height=\"" + Px(std::abs(zero - end)) +
               "\" fill=\"" + spec.color + "\"/>\n";
      }
      if (!b.note.empty()) {
        const double size = TextWidth(b.note, 11) <= slot ? 11 : 9.5;
        Text(out, cx, std::min(zero, end) - 5, b.note, {size, "middle", kMuted, nullptr, {}, true});
      }
    }
    Line(out, f.left, zero, f.right, zero, kAxis);
    if (spec.reference) {
      const double y = f.y(spec.reference->x);
      Line(out, f.left, y, f.right, y, spec.reference->color, 1.6, "5 4");
      Text(out, f.right, y - 6, spec.reference->label, {12, "end", kInk, "600", {}, true});
    }
    if (spec.bars.empty()) NoData(out, (f.left + f.right) / 2, (f.top + f.bottom) / 2);
  }
  Close(out);
  return out;
}

std::string ConfusionChart(const ConfusionSpec& spec) {
  constexpr double kWidth = 500, kHeight = 330, kX0 = 170, kY0 = 96, kCellW = 150, kCellH = 88;
  std::string out;
  Open(out, spec.id, spec.title, kWidth, kHeight);
  Text(out, kX0 + kCellW, 56, "Predicted", {13, "middle", kInk, "600"});
  Text(out, 0, 0, "Actual",
       {13, "middle", kInk, "600", "translate(24," + Px(kY0 + kCellH) + ") rotate(-90)"});
  const std::string names[2] = {spec.negative_name, spec.positive_name};
  for (int c = 0; c < 2; ++c) {
    Text(out, kX0 + (c + 0.5) * kCellW, kY0 - 10, Truncate(names[c], 18), {12.5, "middle", kInk});
    Text(out, kX0 - 10, kY0 + (c + 0.5) * kCellH + 4, Truncate(names[c], 18), {12.5, "end", kInk});
  }
  const std::int64_t cells[2][2] = {{spec.true_negative, spec.false_positive},
                                    {spec.false_negative, spec.true_positive}};
  for (int r = 0; r < 2; ++r) {
    const std::int64_t row_total = cells[r][0] + cells[r][1];
    for (int c = 0; c < 2; ++c) {
      const double share =
          row_total > 0 ? static_cast<double>(cells[r][c]) / static_cast<double>(row_total) : 0;
      const double strength = 0.12 + 0.78 * share;
      const char* base = r == c ? kPalette[0] : kPalette[1];
      const double x = kX0 + c * kCellW, y = kY0 + r * kCellH;
      out += "<rect x=\"" + Px(x) + "\" y=\"" + Px(y) + "\" width=\"" + Px(kCellW) +
             "\" height=\"" + Px(kCellH) + "\" fill=\"" + Tint(base, strength) +
             "\" stroke=\"#ffffff\" stroke-width=\"2\"/>\n";
      const char* ink = strength > 0.55 ? "#ffffff" : kInk;
      Text(out, x + kCellW / 2, y + 38, FormatCount(cells[r][c]), {21, "middle", ink, "700"});
      const char* what = r == c ? (r == 0 ? "true negative" : "true positive")
                                : (r == 0 ? "false positive" : "false negative");
      Text(out, x + kCellW / 2, y + 58,
           FormatPercent(share) + " of actual " + Truncate(names[r], 8), {11.5, "middle", ink});
      Text(out, x + kCellW / 2, y + 75, what, {11, "middle", ink});
    }
  }
  const std::int64_t total =
      spec.true_negative + spec.false_positive + spec.false_negative + spec.true_positive;
  Text(out, kX0 + kCellW, kY0 + 2 * kCellH + 26,
       "n = " + FormatCount(total) + "; shading: share of the actual class",
       {12, "middle", kMuted});
  Close(out);
  return out;
}

}  // namespace bankscore::report
