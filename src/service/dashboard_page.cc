#include "service/dashboard_page.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "model/metrics.h"
#include "report/html_document.h"
#include "report/svg_chart.h"
#include "service/page_layout.h"
#include "service/report_files.h"
#include "service/segments_panel.h"

namespace bankscore::service {
namespace {

using report::EscapeHtml;
using report::FormatCount;
using report::FormatFixed;
using report::FormatPercent;

constexpr std::size_t kTableRuns = 20;

// Score runs, oldest first: the x axis of the run charts.
std::vector<RunInfo> ScoreRunsOldestFirst(const std::vector<RunInfo>& runs) {
  std::vector<RunInfo> out;
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (it->kind == "score") out.push_back(*it);
  }
  return out;
}

report::LineChartSpec RunChart(const std::string& id, const std::string& title,
                               const std::string& y_label) {
  report::LineChartSpec spec;
  spec.id = id;
  spec.title = title;
  spec.x_axis.label = "run";
  spec.y_axis.label = y_label;
  spec.y_axis.include_zero = true;
  spec.layout.width = 370;
  spec.layout.height = 300;
  return spec;
}

// Runs are whole numbers: a range padded by one run on each side, and never more ticks than
// runs in it, so that every tick is a run number.
void RunAxis(report::LineChartSpec& spec, const std::vector<RunInfo>& score_runs) {
  const double lo = static_cast<double>(score_runs.front().run_id) - 1;
  const double hi = static_cast<double>(score_runs.back().run_id) + 1;
  spec.x_axis.range = std::make_pair(lo, hi);
  spec.x_axis.max_ticks = static_cast<int>(std::min(6.0, hi - lo + 1));
}

// "2026-11-22T10:15:00.123Z" -> "2026-11-22 10:15:00"
std::string ShortTime(const std::string& iso) {
  std::string text = iso.substr(0, 19);
  if (text.size() > 10 && text[10] == 'T') text[10] = ' ';
  return text;
}

report::Series Points(std::string name, const std::string& color) {
  report::Series s;
  s.name = std::move(name);
  s.color = color;
  s.show_points = true;
  return s;
}

std::string RunCharts(const std::vector<RunInfo>& score_runs) {
  auto rows = RunChart("runs-rows", "Rows scored and positives per run", "rows");
  auto rate = RunChart("runs-positive-rate", "Positive rate per run", "positive rate");
  rate.y_axis.percent = true;
  auto duration = RunChart("runs-duration", "Duration per run", "seconds");
  report::Series scored = Points("rows scored", report::kPalette[0]);
  report::Series positives = Points("positives", report::kPalette[1]);
  report::Series share = Points("", report::kPalette[2]);
  report::Series seconds = Points("", report::kPalette[4]);
  for (const RunInfo& run : score_runs) {
    const double x = static_cast<double>(run.run_id);
    scored.x.push_back(x);
    scored.y.push_back(static_cast<double>(run.rows_scored));
    positives.x.push_back(x);
    positives.y.push_back(static_cast<double>(run.rows_positive));
    if (run.rows_scored > 0) {
      share.x.push_back(x);
      share.y.push_back(report::Share(run.rows_positive, run.rows_scored));
    }
    if (run.duration_seconds) {
      seconds.x.push_back(x);
      seconds.y.push_back(*run.duration_seconds);
    }
  }
  rows.series = {scored, positives};
  rate.series = {share};
  duration.series = {seconds};
  for (report::LineChartSpec* spec : {&rows, &rate, &duration}) RunAxis(*spec, score_runs);
  return "<div class=\"figures\">" +
         RenderFigure(report::LineChart(rows),
                      "Rows each score run wrote, and how many were positive.") +
         RenderFigure(report::LineChart(rate), "Positives / rows scored, per run with rows.") +
         RenderFigure(report::LineChart(duration), "From start to end of each finished run.") +
         "</div>\n";
}

std::string ScoreDistribution(const DashboardData& data, double threshold) {
  if (!data.latest_score) return "<p class=\"muted\">No run has scored rows yet.</p>\n";
  report::HistogramSpec spec;
  spec.id = "score-distribution";
  spec.title = "Scores of run " + std::to_string(data.latest_score->run_id) + " (" +
               FormatCount(data.latest_score->rows_scored) + " rows)";
  spec.x_axis.label = "predicted probability";
  spec.x_axis.range = std::make_pair(0.0, 1.0);
  spec.y_axis.label = "clients";
  for (int i = 0; i <= kHistogramBins; ++i) {
    spec.edges.push_back(static_cast<double>(i) / kHistogramBins);
  }
  report::HistogramSeries series{"clients", {}, report::kPalette[0]};
  for (std::int64_t n : data.histogram) series.heights.push_back(static_cast<double>(n));
  spec.series = {series};
  spec.markers.push_back({threshold, "threshold " + FormatFixed(threshold, 3), "#c2410c"});
  spec.layout.width = 620;
  return "<div class=\"figures\">" +
         RenderFigure(
             report::Histogram(spec),
             "Probabilities the latest score run wrote; clients right of the threshold are "
             "labelled 1.") +
         "</div>\n";
}

std::string Card(const std::string& label, const std::string& value) {
  return "<div class=\"card\"><div class=\"value\">" + EscapeHtml(value) +
         "</div><div class=\"label\">" + EscapeHtml(label) + "</div></div>";
}

std::string ModelCard(const ServingSnapshot& snapshot) {
  if (!snapshot.model) {
    return "<p class=\"error\">No model is loaded: " + EscapeHtml(snapshot.model_problem) +
           "</p>\n";
  }
  const ModelBundle& model = *snapshot.model;
  const double threshold = snapshot.decision.threshold;
  const BinaryMetrics m = ComputeMetrics(model.test.labels, model.test.scores, threshold);
  return "<p>Version <code id=\"model-version\">" + EscapeHtml(model.metadata.version) +
         "</code>, trained " + EscapeHtml(model.metadata.created_at) + " on " +
         FormatCount(model.metadata.original_training_rows) + " rows of " +
         EscapeHtml(model.metadata.source_table) + "; threshold " + FormatFixed(threshold, 4) +
         (snapshot.threshold_from_config
              ? " (scoring.threshold)"
              : " (" + EscapeHtml(model.metadata.threshold_policy) + ")") +
         ".</p>\n<div class=\"cards\" id=\"model-card\">" +
         Card("ROC AUC (test)", FormatFixed(m.roc_auc, 3)) +
         Card("PR AUC (test)", FormatFixed(m.pr_auc, 3)) +
         Card("F1 at threshold", FormatFixed(m.f1, 3)) +
         Card("precision", FormatFixed(m.precision, 3)) + Card("recall", FormatFixed(m.recall, 3)) +
         Card("test rows", FormatCount(m.rows)) + "</div>\n";
}

// "job 2, month 1": the columns of one count in a run's column_counts JSON, largest first.
std::string ColumnsWith(const std::string& column_counts, const char* count) {
  const nlohmann::json counts = nlohmann::json::parse(column_counts, nullptr, false);
  if (!counts.is_object()) return "";
  std::vector<std::pair<std::int64_t, std::string>> columns;
  for (const auto& [column, entry] : counts.items()) {
    const auto it = entry.is_object() ? entry.find(count) : entry.end();
    if (it != entry.end() && it->is_number_integer())
      columns.emplace_back(it->get<std::int64_t>(), column);
  }
  std::sort(columns.begin(), columns.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string text;
  for (const auto& [n, column] : columns) {
    text += (text.empty() ? "" : ", ") + column + " " + FormatCount(n);
  }
  return text;
}

// Drift signs a finished score run recorded: cells of categories training never saw, and values
// beyond the training range by more than its width. Empty when the run recorded none (or is not
// a finished score run).
std::string DriftSigns(const RunInfo& run) {
  std::string text;
  const auto part = [&](std::int64_t n, const char* what, const char* key) {
    if (n == 0) return;
    const std::string columns = ColumnsWith(run.column_counts, key);
    text += (text.empty() ? "" : "; ") + FormatCount(n) + " " + what +
            (columns.empty() ? "" : " (" + columns + ")");
  };
  part(run.unseen_categories, "cells of unseen categories", "unseen");
  part(run.out_of_training_range, "values beyond the training range", "out_of_training_range");
  return text;
}

// The table's drift column: a short verdict; DetailRow spells the signs out.
std::string DriftCell(const RunInfo& run) {
  if (run.kind != "score" || run.status == "running") return "<td></td>";
  const std::int64_t cells = run.unseen_categories + run.out_of_training_range;
  if (cells == 0) return "<td class=\"muted\">none seen</td>";
  return "<td class=\"drift\">" + FormatCount(cells) + (cells == 1 ? " cell" : " cells") + "</td>";
}

// Below a run's row, across the table: its drift signs and its message, when it has any, so that
// long text does not squeeze the columns.
std::string DetailRow(const RunInfo& run) {
  const std::string drift = DriftSigns(run);
  if (drift.empty() && run.message.empty()) return "";
  std::string html = "<tr class=\"detail\"><td></td><td colspan=\"11\">";
  if (!drift.empty())
    html += "<span class=\"drift\">Drift signs: " + EscapeHtml(drift) + ".</span> ";
  if (!run.message.empty()) html += EscapeHtml(run.message);
  return html + "</td></tr>\n";
}

std::string RunRow(const RunInfo& run) {
  const std::string rate =
      run.rows_scored > 0 ? FormatPercent(report::Share(run.rows_positive, run.rows_scored)) : "";
  const std::string duration =
      run.duration_seconds ? FormatFixed(*run.duration_seconds, 2) + " s" : "";
  return "<tr><td class=\"num\">" + std::to_string(run.run_id) + "</td><td>" +
         EscapeHtml(run.kind) + "</td><td class=\"status-" + EscapeHtml(run.status) + "\">" +
         EscapeHtml(run.status) + "</td><td>" + EscapeHtml(ShortTime(run.started_at)) +
         "</td><td class=\"num\">" + duration + "</td><td class=\"num\">" +
         FormatCount(run.rows_scored) + "</td><td class=\"num\">" + FormatCount(run.rows_rejected) +
         "</td><td class=\"num\">" + FormatCount(run.rows_positive) + "</td><td class=\"num\">" +
         rate + "</td><td class=\"num\">" + FormatFixed(run.threshold, 4) + "</td><td><code>" +
         EscapeHtml(run.model_version) + "</code></td>" + DriftCell(run) + "</tr>\n" +
         DetailRow(run);
}

std::string RunTable(const std::vector<RunInfo>& runs) {
  std::string html =
      "<table id=\"runs\"><thead><tr><th class=\"num\">run</th><th>kind</th><th>status</th>"
      "<th>started (UTC)</th><th class=\"num\">duration</th><th class=\"num\">scored</th>"
      "<th class=\"num\">rejected</th><th class=\"num\">positive</th><th class=\"num\">rate</th>"
      "<th class=\"num\">threshold</th><th>model</th><th>drift signs</th></tr></thead><tbody>\n";
  for (std::size_t i = 0; i < runs.size() && i < kTableRuns; ++i) html += RunRow(runs[i]);
  return html +
         "</tbody></table>\n<p class=\"muted\">Drift signs: cells of a category training never "
         "saw (scored as none of the known categories), and values beyond a column's training "
         "range by more than its width; per column in <code>scoring_runs.column_counts</code>. "
         "A run's message, if any, is below its row.</p>\n";
}

std::string Reports(const DashboardData& data) {
  if (data.reports.empty()) {
    return "<p class=\"muted\">No report pages: set server.reports_dir to where bankscore report "
           "and bankscore profile write.</p>\n";
  }
  std::string html = "<ul id=\"reports\">";
  for (const auto& [file, title] : data.reports) {
    html += "<li><a href=\"/reports/" + EscapeHtml(file) + "\">" + EscapeHtml(title) + "</a> (" +
            EscapeHtml(file) + ")</li>";
  }
  return html + "</ul>\n";
}

DashboardData ReadDashboardData(ServiceContext& ctx) {
  DashboardData data;
  data.reports = AvailableReports(ctx.config.server);
  try {
    ctx.db.Use([&](Database& db) {
      if (!db.TableExists(ctx.config.results.runs_table)) return 0;
      data.runs = db.RecentRuns(kDashboardRuns);
      for (const RunInfo& run : data.runs) {
        if (run.kind != "score" || run.rows_scored == 0) continue;
        data.latest_score = run;
        data.histogram = db.ScoreHistogram(run.run_id, kHistogramBins);
        break;
      }
      return 0;
    });
  } catch (const DatabaseError& e) {
    data.database_problem = e.what();
  }
  return data;
}

}  // namespace

std::string DashboardHtml(const DashboardData& data, const ServingSnapshot& snapshot,
                          const SourceConfig& source) {
  std::string html = "<h1>Dashboard</h1>\n";
  if (!data.database_problem.empty()) {
    html += "<p class=\"error\">The database is unavailable: " + EscapeHtml(data.database_problem) +
            "</p>\n";
  }
  html += "<h2 id=\"model\">Current model</h2>\n" + ModelCard(snapshot);
  html += "<h2 id=\"runs-over-time\">Runs over time</h2>\n";
  const std::vector<RunInfo> score_runs = ScoreRunsOldestFirst(data.runs);
  html += score_runs.empty() ? "<p class=\"muted\">No score run yet.</p>\n" : RunCharts(score_runs);
  html += "<h2 id=\"latest-run\">Score distribution of the latest run</h2>\n" +
          ScoreDistribution(data, snapshot.model ? snapshot.decision.threshold : 0.5);
  html += "<h2 id=\"recent-runs\">Recent runs</h2>\n";
  html += data.runs.empty() ? "<p class=\"muted\">No run recorded yet.</p>\n" : RunTable(data.runs);
  html += "<h2 id=\"customer-segments\">Customer segments</h2>\n" +
          SegmentsPanelHtml(snapshot.segments.get(), source);
  html += "<h2 id=\"reports-links\">Reports</h2>\n" + Reports(data);
  return html;
}

HttpResponse HandleDashboard(ServiceContext& ctx, const HttpRequest&) {
  const DashboardData data = ReadDashboardData(ctx);
  return HtmlResponse(200,
                      RenderPage("Dashboard", "/dashboard",
                                 DashboardHtml(data, ctx.state.Snapshot(), ctx.config.source)));
}

}  // namespace bankscore::service
