#include "report/shap_summary_chart.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "common/text.h"
#include "report/svg_chart.h"

namespace bankscore::report {
namespace {

constexpr std::size_t kMaxStrips = 12;    // categories drawn; the rarer ones are named as left out
constexpr std::size_t kNumberGroups = 5;  // value ranges of a numeric column in the table
const char* const kRaises = "#D55E00";    // Okabe-Ito vermillion: pushes the score up
const char* const kLowers = "#0072B2";    // Okabe-Ito blue: pushes it down

// The points without a number (categories, NULL, sentinels), one group per label, in order of
// first appearance.
std::vector<ShapValueGroup> GroupsByLabel(const std::vector<ShapPoint>& points) {
  std::vector<ShapValueGroup> out;
  std::map<std::string, std::size_t> index;
  for (const ShapPoint& p : points) {
    if (p.number) continue;
    const auto [it, added] = index.emplace(p.label, out.size());
    if (added) out.push_back({p.label, 0, 0.0});
    ShapValueGroup& g = out[it->second];
    g.mean += (p.contribution - g.mean) / static_cast<double>(++g.rows);
  }
  return out;
}

// The points with a number in up to kNumberGroups ranges of about equal size, ascending; equal
// values always share a range.
std::vector<ShapValueGroup> NumberRanges(const std::vector<ShapPoint>& points) {
  std::vector<std::pair<double, double>> sorted;  // (value, contribution)
  for (const ShapPoint& p : points) {
    if (p.number) sorted.emplace_back(*p.number, p.contribution);
  }
  std::sort(sorted.begin(), sorted.end());
  std::vector<ShapValueGroup> out;
  std::size_t begin = 0;
  while (begin < sorted.size()) {
    std::size_t end = std::max(begin + 1, sorted.size() * (out.size() + 1) / kNumberGroups);
    while (end < sorted.size() && sorted[end].first == sorted[end - 1].first) ++end;
    ShapValueGroup g{FormatSignificant(sorted[begin].first, 4), end - begin, 0.0};
    if (sorted[end - 1].first != sorted[begin].first) {
      g.text += " to " + FormatSignificant(sorted[end - 1].first, 4);
    }
    for (std::size_t i = begin; i < end; ++i)
      g.mean += sorted[i].second / static_cast<double>(g.rows);
    out.push_back(std::move(g));
    begin = end;
  }
  return out;
}

// The categories drawn, lowest mean contribution first; `left_out` counts the rarer ones not.
std::vector<ShapValueGroup> Strips(const ShapColumnSummary& column, std::size_t& left_out) {
  std::vector<ShapValueGroup> groups = GroupsByLabel(column.points);
  std::stable_sort(
      groups.begin(), groups.end(),
      [](const ShapValueGroup& a, const ShapValueGroup& b) { return a.rows > b.rows; });
  left_out = groups.size() > kMaxStrips ? groups.size() - kMaxStrips : 0;
  groups.resize(std::min(groups.size(), kMaxStrips));
  std::stable_sort(
      groups.begin(), groups.end(),
      [](const ShapValueGroup& a, const ShapValueGroup& b) { return a.mean < b.mean; });
  return groups;
}

// A spread of up to +-0.3 of a strip's width, the same for the same point in every run: the golden
// ratio's fractional multiples fill the interval evenly.
double Jitter(std::size_t i) {
  const double fraction = std::fmod(static_cast<double>(i) * 0.6180339887, 1.0);
  return (fraction - 0.5) * 0.6;
}

// Two groups of dots by the sign of the contribution, so the colour says what the caption says.
std::vector<ScatterGroup> SignGroups() {
  return {{"above zero: raises the score", {}, {}, kRaises},
          {"below zero: lowers it", {}, {}, kLowers}};
}

void AddDot(std::vector<ScatterGroup>& groups, double x, double contribution) {
  ScatterGroup& g = groups[contribution > 0 ? 0 : 1];
  g.x.push_back(x);
  g.y.push_back(contribution);
}

ScatterSpec BaseSpec(const std::string& id, const std::string& title) {
  ScatterSpec spec;
  spec.id = id;
  spec.title = title;
  spec.y_axis.label = "contribution to log-odds";
  spec.y_axis.include_zero = true;
  spec.y_reference = 0.0;
  spec.groups = SignGroups();
  spec.layout.width = kHalfRowChartWidth;
  spec.layout.height = 330;
  return spec;
}

// One jittered strip of dots per category (the commonest kMaxStrips), lowest mean on the left.
std::string StripChart(const ShapColumnSummary& column, const std::string& id,
                       const std::string& title, const std::string& x_label) {
  ScatterSpec spec = BaseSpec(id, title);
  spec.x_axis.label = x_label;
  std::size_t left_out = 0;
  std::map<std::string, double> position;
  for (const ShapValueGroup& s : Strips(column, left_out)) {
    position.emplace(s.text, static_cast<double>(spec.x_axis.categories.size()));
    spec.x_axis.categories.push_back(s.text);
  }
  for (std::size_t i = 0; i < column.points.size(); ++i) {
    const ShapPoint& p = column.points[i];
    const auto it = position.find(p.label);
    if (!p.number && it != position.end()) {
      AddDot(spec.groups, it->second + Jitter(i), p.contribution);
    }
  }
  return ScatterChart(spec);
}

std::string Signed(double v) { return (v >= 0 ? "+" : "") + FormatFixed(v, 2); }

std::string GroupText(const ShapValueGroup& g) {
  return Md(g.text) + " (" + Signed(g.mean) + ", " +
         FormatCount(static_cast<std::int64_t>(g.rows)) + (g.rows == 1 ? " row)" : " rows)");
}

// Under one chart: what it shows, and the points it cannot place on its axis.
std::string ChartCaption(const ShapColumnSummary& column) {
  std::string text =
      "`" + Md(column.column) + "`: " + (column.categorical ? "categorical" : "numeric") +
      ", mean |contribution| " + FormatFixed(column.mean_abs_shap, 3) + ", " +
      FormatCount(static_cast<std::int64_t>(column.points.size())) + " sampled test rows.";
  if (column.categorical) {
    std::size_t left_out = 0;
    Strips(column, left_out);
    if (left_out > 0) {
      text += " The " + std::to_string(left_out) + " rarest categories are not drawn.";
    }
    return text;
  }
  std::size_t missing = 0;
  for (const ShapPoint& p : column.points) missing += p.number ? 0 : 1;
  if (missing > 0) {
    text += " " + FormatCount(static_cast<std::int64_t>(missing)) +
            " of them have no value on the axis (NULL or a sentinel): see the next chart.";
  }
  return text;
}

// Under a numeric column's chart of NULL and sentinel rows.
std::string MissingCaption(const ShapColumnSummary& column) {
  std::vector<std::string> groups;
  for (const ShapValueGroup& g : GroupsByLabel(column.points)) groups.push_back(GroupText(g));
  return "`" + Md(column.column) +
         "`: the sampled rows whose value the model sees as missing, "
         "with their mean contribution: " +
         Join(groups, "; ") + ".";
}

// Per column, the group of values with the highest and with the lowest mean contribution.
Table SummaryTable(const std::vector<ShapColumnSummary>& columns) {
  Table t;
  t.header = {"source column", "values with the highest mean contribution",
              "values with the lowest mean contribution"};
  t.caption =
      "Mean contribution to the log-odds of the sampled test rows, per category or per "
      "range of values (five ranges of about equal size; NULL and sentinels apart).";
  for (const ShapColumnSummary& c : columns) {
    const std::vector<ShapValueGroup> groups = ShapValueGroups(c);
    if (groups.empty()) continue;
    const auto by_mean = [](const ShapValueGroup& a, const ShapValueGroup& b) {
      return a.mean < b.mean;
    };
    const auto [lowest, highest] = std::minmax_element(groups.begin(), groups.end(), by_mean);
    t.rows.push_back({"`" + Md(c.column) + "`", GroupText(*highest), GroupText(*lowest)});
  }
  return t;
}

}  // namespace

std::vector<ShapValueGroup> ShapValueGroups(const ShapColumnSummary& column) {
  std::vector<ShapValueGroup> out = NumberRanges(column.points);
  for (ShapValueGroup& g : GroupsByLabel(column.points)) out.push_back(std::move(g));
  return out;
}

std::string ShapDependenceChart(const ShapColumnSummary& column, const std::string& id) {
  if (column.categorical) {
    return StripChart(column, id, column.column + ": contribution against value",
                      column.column + " (by mean contribution)");
  }
  ScatterSpec spec = BaseSpec(id, column.column + ": contribution against value");
  spec.x_axis.label = column.column + " (value)";
  for (const ShapPoint& p : column.points) {
    if (p.number) AddDot(spec.groups, *p.number, p.contribution);
  }
  return ScatterChart(spec);
}

std::string ShapMissingValuesChart(const ShapColumnSummary& column, const std::string& id) {
  if (column.categorical) return "";
  // NULL and sentinels have no place on the value axis, and can be most of the rows (pdays = 999):
  // strips of their own, like categories.
  ShapColumnSummary missing{column.column, true, column.mean_abs_shap, {}};
  for (const ShapPoint& p : column.points) {
    if (!p.number) missing.points.push_back(p);
  }
  if (missing.points.empty()) return "";
  return StripChart(missing, id, column.column + ": values the model sees as missing",
                    column.column + " (NULL or sentinel)");
}

void ShapSummarySection(ReportDocument& doc, const std::vector<ShapColumnSummary>& columns) {
  doc.BeginSection("shap-summary", "SHAP summary per source column (contribution against value)");
  if (columns.empty()) {
    doc.AddParagraph(
        "The SHAP summary chart is not available for this model (trained before bankscore "
        "recorded it); train again to see it.");
    return;
  }
  doc.AddParagraph(
      "How each of the " + std::to_string(columns.size()) +
      " source columns with the largest mean |SHAP| moves the score, row by row. Every dot is one "
      "test row (the same evenly spread sample in every chart): its value of the column across, "
      "and the column's contribution to that row's log-odds up. **Points above zero push the "
      "score up, points below zero push it down**; a contribution of +0.69 doubles the odds of a "
      "positive row, -0.69 halves them. A column whose dots sit close to zero barely matters. "
      "Categories are ordered by their mean contribution. The charts describe the model, not "
      "causes in the data.");
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const std::string id = "shap-summary-" + std::to_string(i + 1) + "-" + Slug(columns[i].column);
    doc.AddFigure(ShapDependenceChart(columns[i], id), ChartCaption(columns[i]));
    const std::string missing = ShapMissingValuesChart(columns[i], id + "-missing");
    if (!missing.empty()) doc.AddFigure(missing, MissingCaption(columns[i]));
  }
  doc.AddTable(SummaryTable(columns));
}

}  // namespace bankscore::report
