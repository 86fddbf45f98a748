// bankscore report: the data scientist's view of the current model bundle (report.html and its
// Markdown summary report.md). Every number is computed from the bundle: the held-out scores of the
// validation and test splits, the metadata the trainer stored, and the booster's importances.

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "bankscore/error.h"
#include "common/text.h"
#include "model/metrics.h"
#include "report/html_document.h"
#include "report/model_report.h"
#include "report/shap_summary_chart.h"
#include "report/svg_chart.h"

namespace bankscore {
namespace {

using report::AxisSpec;
using report::FormatCount;
using report::FormatFixed;
using report::FormatPercent;
using report::FormatSignificant;
using report::Md;
using report::NoteKind;
using report::ReportDocument;
using report::Series;
using report::Share;
using report::Table;

constexpr int kTopFeatures = 20;
constexpr int kSweepSteps = 100;  // thresholds 0, 0.01, ..., 1
constexpr int kScoreBins = 20;
const char* const kGrey = "#8c959f";

struct ClassNames {
  std::string positive;
  std::string negative;
};

ClassNames NamesOf(const ModelMetadata& m) {
  const std::string& p = m.positive_label.empty() ? std::string("1") : m.positive_label;
  // The bundle stores only the positive value; the usual pairs get their usual other value.
  static const std::map<std::string, std::string> kOpposites = {
      {"yes", "no"}, {"1", "0"}, {"true", "false"}, {"Yes", "No"}, {"Y", "N"}, {"y", "n"}};
  const auto it = kOpposites.find(p);
  return {p, it != kOpposites.end() ? it->second : "not " + p};
}

// "`churned` = "1"": what makes a row positive, in the bundle's own terms.
std::string PositiveCondition(const ModelMetadata& m) {
  return "`" + Md(m.label_column) + "` = \"" + Md(NamesOf(m).positive) + "\"";
}

std::string PositiveRowsText(const ModelMetadata& m) { return "rows with " + PositiveCondition(m); }

std::string F4(double v) { return FormatFixed(v, 4); }
std::string F3(double v) { return FormatFixed(v, 3); }

double PositiveRate(const BinaryMetrics& m) { return Share(m.positives, m.rows); }

// The share of rows the model flags (predicts positive) at the threshold.
double FlaggedShare(const BinaryMetrics& m) {
  return Share(m.confusion.true_positive + m.confusion.false_positive, m.rows);
}

// JSON scalar as report text.
std::string JsonText(const nlohmann::json& j) {
  if (j.is_string()) return Md(j.get<std::string>());
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_number_integer() || j.is_number_unsigned()) return j.dump();
  if (j.is_number_float()) {
    const double v = j.get<double>();
    return v == std::round(v) && std::abs(v) < 1e15 ? FormatFixed(v, 0) : FormatSignificant(v, 6);
  }
  if (j.is_null()) return "(none)";
  return "`" + Md(j.dump()) + "`";
}

double JsonNumber(const nlohmann::json& j, const char* key, double fallback = NAN) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

std::string JsonString(const nlohmann::json& j, const char* key, const std::string& fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// How the report names the metrics of BinaryMetrics and of the bundle's JSON.
const std::string& MetricLabel(const std::string& key) {
  static const std::map<std::string, std::string> kLabels = {
      {"roc_auc", "ROC AUC"},     {"pr_auc", "PR AUC"},     {"f1", "F1"},
      {"precision", "precision"}, {"recall", "recall"},     {"accuracy", "accuracy"},
      {"log_loss", "log loss"},   {"brier", "Brier score"}, {"threshold", "threshold"}};
  return kLabels.at(key);
}

std::string ThresholdOrigin(const ModelReportInput& in) {
  return in.threshold_from_config ? std::string("scoring.threshold in the config")
                                  : "threshold policy " + Md(in.metadata.threshold_policy);
}

Series Diagonal(const std::string& name) {
  Series s;
  s.name = name;
  s.x = {0, 1};
  s.y = {0, 1};
  s.color = kGrey;
  s.dashed = true;
  s.stroke_width = 1.6;
  return s;
}

// The model's curve, in the model's colour.
Series CurveSeries(const std::vector<CurvePoint>& points) {
  Series s{"model", {}, {}, report::kPalette[0]};
  for (const CurvePoint& p : points) {
    s.x.push_back(p.x);
    s.y.push_back(p.y);
  }
  return s;
}

report::LineChartSpec UnitChart(const std::string& id, const std::string& title,
                                const std::string& x_label, const std::string& y_label) {
  report::LineChartSpec spec;
  spec.id = id;
  spec.title = title;
  spec.x_axis = AxisSpec{x_label, std::make_pair(0.0, 1.0), false, false, 6, {}};
  spec.y_axis = AxisSpec{y_label, std::make_pair(0.0, 1.0), false, false, 6, {}};
  spec.layout.width = report::kHalfRowChartWidth;
  spec.layout.height = 420;
  return spec;
}

void CheckScoredSets(const ModelReportInput& in) {
  if (in.test.labels.empty() || in.test.labels.size() != in.test.scores.size()) {
    throw DataError("model report: the bundle holds no test-split scores");
  }
  if (in.validation.labels.empty() || in.validation.labels.size() != in.validation.scores.size()) {
    throw DataError("model report: the bundle holds no validation-split scores");
  }
}

// The page with its title and header lines.
ReportDocument StartDocument(const ModelReportInput& in) {
  const ModelMetadata& m = in.metadata;
  ReportDocument doc(ReportTitle(in.report, "model report", "Model report: " + m.version));
  doc.AddMeta("Data",
              DataSourceText(in.report, m.source_table, m.label_column, NamesOf(m).positive));
  doc.AddMeta("Model", "version `" + Md(m.version) + "`, created " + Md(m.created_at) +
                           ", trained on table `" + Md(m.source_table) + "`");
  doc.AddMeta("Threshold", F4(in.threshold) + " (" + ThresholdOrigin(in) + ")");
  doc.AddMeta("Generated", Md(in.generated_at) + " (UTC)");
  return doc;
}

// The trainer's word on what the test figures measure (final_fit: all_labelled), if it left one.
std::string MetricsNote(const ModelMetadata& m) { return JsonString(m.extra, "metrics_note", ""); }

void SummarySection(ReportDocument& doc, const ModelReportInput& in, const BinaryMetrics& test) {
  doc.BeginSection("summary", "Summary");
  const std::string note = MetricsNote(in.metadata);
  if (!note.empty()) doc.AddNote(NoteKind::kWarning, "**Test figures:** " + Md(note));
  doc.AddParagraph(
      "On the held-out test split (" + FormatCount(test.rows) + " rows, " +
      FormatCount(test.positives) + " of them with " + PositiveCondition(in.metadata) +
      ") the model ranks rows with ROC AUC **" + F3(test.roc_auc) + "** and PR AUC **" +
      F3(test.pr_auc) + "**. At threshold " + F3(in.threshold) + " it flags " +
      FormatPercent(FlaggedShare(test)) + " of the rows, with precision " + F3(test.precision) +
      ", recall " + F3(test.recall) + " and F1 **" + F3(test.f1) +
      "**. Charts name the split they use: the threshold curve uses "
      "the validation split (where the threshold is chosen), everything else the test split.");
}

std::vector<std::string> Warnings(const ModelReportInput& in) {
  std::vector<std::string> out;
  const nlohmann::json& extra = in.metadata.extra;
  bool mentions_duration = false;
  if (extra.is_object() && extra.contains("warnings") && extra["warnings"].is_array()) {
    for (const auto& w : extra["warnings"]) {
      const std::string text = w.is_string() ? w.get<std::string>() : w.dump();
      if (text.find("duration") != std::string::npos) mentions_duration = true;
      out.push_back(Md(text));
    }
  }
  // Only a feature actually named duration can leak the call's outcome; other tables have none.
  const auto& cols = in.metadata.feature_columns;
  const bool duration_feature = std::find(cols.begin(), cols.end(), "duration") != cols.end();
  if (duration_feature && !mentions_duration) {
    out.push_back(
        "The model uses `duration`, the length of the call, which is known only after "
        "the call: it leaks the outcome, inflates every figure in this report, and the "
        "model is not usable before a call (for benchmarks only).");
  }
  return out;
}

// Only when there is something to warn about.
void WarningsSection(ReportDocument& doc, const ModelReportInput& in) {
  const std::vector<std::string> warnings = Warnings(in);
  if (warnings.empty()) return;
  doc.BeginSection("warnings", "Warnings");
  for (const auto& w : warnings) doc.AddNote(NoteKind::kWarning, w);
}

void MetricsSection(ReportDocument& doc, const ModelReportInput& in, const BinaryMetrics& test,
                    const BinaryMetrics& valid) {
  doc.BeginSection("metrics", "Metrics at the threshold");
  doc.AddParagraph("At threshold " + F4(in.threshold) + " (" + ThresholdOrigin(in) +
                   "). The test split (" + FormatCount(test.rows) +
                   " rows) was held out from training, early stopping and threshold "
                   "choice; the validation split (" +
                   FormatCount(valid.rows) +
                   " rows) chose the threshold and "
                   "stopped the boosting, so its figures flatter the model a little.");
  Table t;
  t.header = {"metric", "test split", "validation split"};
  t.numeric = {false, true, true};
  auto row = [&t](const std::string& name, const std::string& a, const std::string& b) {
    t.rows.push_back({name, a, b});
  };
  row("rows (positives)", FormatCount(test.rows) + " (" + FormatCount(test.positives) + ")",
      FormatCount(valid.rows) + " (" + FormatCount(valid.positives) + ")");
  row("positive rate", FormatPercent(PositiveRate(test), 2), FormatPercent(PositiveRate(valid), 2));
  row("accuracy", F4(test.accuracy), F4(valid.accuracy));
  row("precision", F4(test.precision), F4(valid.precision));
  row("recall", F4(test.recall), F4(valid.recall));
  row("F1", F4(test.f1), F4(valid.f1));
  row("ROC AUC", F4(test.roc_auc), F4(valid.roc_auc));
  row("PR AUC (average precision)", F4(test.pr_auc), F4(valid.pr_auc));
  row("log loss", F4(test.log_loss), F4(valid.log_loss));
  row("Brier score", F4(test.brier), F4(valid.brier));
  doc.AddTable(t);
}

// The ROC curve with the operating point at the threshold (false positive rate `fpr`).
report::LineChartSpec RocChart(const ModelReportInput& in, const BinaryMetrics& test, double fpr) {
  auto spec = UnitChart("roc-curve", "ROC curve, test split (AUC " + F3(test.roc_auc) + ")",
                        "false positive rate", "true positive rate (recall)");
  spec.series = {CurveSeries(RocCurve(in.test.labels, in.test.scores)), Diagonal("random ranking")};
  spec.points.push_back({fpr, test.recall, "threshold " + F3(in.threshold)});
  return spec;
}

// Precision against recall, over the positive rate (what random ranking achieves).
report::LineChartSpec PrChart(const ModelReportInput& in, const BinaryMetrics& test) {
  auto spec =
      UnitChart("pr-curve", "Precision-recall curve, test split (AUC " + F3(test.pr_auc) + ")",
                "recall", "precision");
  const double base = PositiveRate(test);
  Series baseline{"random ranking (" + FormatPercent(base) + ")",
                  {0, 1},
                  {base, base},
                  kGrey,
                  true,
                  false,
                  1.6};
  spec.series = {CurveSeries(PrecisionRecallCurve(in.test.labels, in.test.scores)), baseline};
  spec.points.push_back({test.recall, test.precision, "threshold " + F3(in.threshold)});
  return spec;
}

void CurvesSection(ReportDocument& doc, const ModelReportInput& in, const BinaryMetrics& test) {
  doc.BeginSection("curves", "ROC and precision-recall curves (test split)");
  const ConfusionMatrix& c = test.confusion;
  const double fpr = Share(c.false_positive, c.false_positive + c.true_negative);
  doc.AddParagraph("Test split (" + FormatCount(test.rows) + " rows): ROC AUC " + F4(test.roc_auc) +
                   ", PR AUC (average precision) " + F4(test.pr_auc) + " against " +
                   F4(PositiveRate(test)) + " for random ranking. At threshold " +
                   F3(in.threshold) + " the operating point is a false positive rate of " +
                   F3(fpr) + " with recall " + F3(test.recall) + " and precision " +
                   F3(test.precision) + ".");
  doc.AddFigure(report::LineChart(RocChart(in, test, fpr)),
                "ROC curve on the test split; the dot is the operating point at the threshold.");
  doc.AddFigure(report::LineChart(PrChart(in, test)),
                "Precision against recall on the test split; PR AUC is the average precision. "
                "The dashed line is the positive rate, what random ranking achieves.");
}

void ConfusionSection(ReportDocument& doc, const ModelReportInput& in, const BinaryMetrics& test) {
  const ClassNames names = NamesOf(in.metadata);
  const ConfusionMatrix& c = test.confusion;
  doc.BeginSection("confusion", "Confusion matrix (test split)");
  report::ConfusionSpec spec;
  spec.id = "confusion-matrix";
  spec.title = "Confusion matrix, test split, threshold " + F3(in.threshold);
  spec.negative_name = names.negative;
  spec.positive_name = names.positive;
  spec.true_negative = c.true_negative;
  spec.false_positive = c.false_positive;
  spec.false_negative = c.false_negative;
  spec.true_positive = c.true_positive;
  doc.AddFigure(report::ConfusionChart(spec),
                "Rows: the actual answer; columns: the model's at the threshold.");
  doc.AddParagraph("Of " + FormatCount(test.rows) + " test rows the model flags " +
                   FormatCount(c.true_positive + c.false_positive) + " (" +
                   FormatPercent(FlaggedShare(test)) + "); " + FormatCount(c.true_positive) +
                   " of them are positive (precision " + FormatPercent(test.precision) +
                   "), which finds " + FormatCount(c.true_positive) + " of the " +
                   FormatCount(test.positives) + " " + PositiveRowsText(in.metadata) + " (recall " +
                   FormatPercent(test.recall) + ").");
  Table t;
  t.header = {"actual \\ predicted", Md(names.negative), Md(names.positive)};
  t.numeric = {false, true, true};
  t.rows.push_back(
      {Md(names.negative), FormatCount(c.true_negative), FormatCount(c.false_positive)});
  t.rows.push_back(
      {Md(names.positive), FormatCount(c.false_negative), FormatCount(c.true_positive)});
  t.in_page = false;  // the chart shows these counts
  doc.AddTable(t);
}

// Precision, recall, F1 and the share flagged along the sweep. With nobody flagged precision is
// undefined (0 by the metrics convention), so it is not drawn there.
std::vector<Series> SweepSeries(const std::vector<ThresholdPoint>& sweep) {
  Series precision{"precision", {}, {}, report::kPalette[0]};
  Series recall{"recall", {}, {}, report::kPalette[1]};
  Series f1{"F1", {}, {}, report::kPalette[2]};
  Series flagged{"share flagged", {}, {}, kGrey, true, false, 1.6};
  for (const ThresholdPoint& p : sweep) {
    precision.x.push_back(p.threshold);
    precision.y.push_back(p.positive_rate > 0 ? p.precision
                                              : std::numeric_limits<double>::quiet_NaN());
    recall.x.push_back(p.threshold);
    recall.y.push_back(p.recall);
    f1.x.push_back(p.threshold);
    f1.y.push_back(p.f1);
    flagged.x.push_back(p.threshold);
    flagged.y.push_back(p.positive_rate);
  }
  return {precision, recall, f1, flagged};
}

report::LineChartSpec ThresholdChart(const ModelReportInput& in) {
  std::vector<double> thresholds;
  for (int i = 0; i <= kSweepSteps; ++i) thresholds.push_back(static_cast<double>(i) / kSweepSteps);
  report::LineChartSpec spec =
      UnitChart("threshold-curve", "Precision, recall and F1 against threshold, validation split",
                "threshold (a row is flagged when its score is at least this)", "value");
  spec.series = SweepSeries(ThresholdSweep(in.validation.labels, in.validation.scores, thresholds));
  spec.markers.push_back(
      {in.threshold,
       "chosen " + F3(in.threshold) +
           (in.threshold_from_config ? std::string(" (config)")
                                     : " (" + in.metadata.threshold_policy + ")"),
       "#333333"});
  return spec;
}

std::string ThresholdInUseText(const ModelReportInput& in) {
  const BinaryMetrics at = ComputeMetrics(in.validation.labels, in.validation.scores, in.threshold);
  std::string text = "The threshold in use, " + F4(in.threshold) + ", comes from the " +
                     ThresholdOrigin(in) + ". On the validation split (" + FormatCount(at.rows) +
                     " rows) it gives precision " + F3(at.precision) + ", recall " + F3(at.recall) +
                     " and F1 " + F3(at.f1) + ".";
  if (in.threshold_from_config) {
    text += " The bundle's own threshold, chosen by " + Md(in.metadata.threshold_policy) + ", is " +
            F4(in.metadata.threshold) + ".";
  }
  return text;
}

// Thresholds 0.1 to 0.9 and the one in use (in bold), on the validation split.
Table SelectedThresholdsTable(const ModelReportInput& in) {
  Table t;
  t.caption = "Selected thresholds, validation split.";
  t.header = {"threshold", "precision", "recall", "F1", "share flagged"};
  t.numeric.assign(5, true);
  std::vector<double> shown;
  for (int i = 1; i <= 9; ++i) shown.push_back(i / 10.0);
  shown.push_back(in.threshold);
  std::sort(shown.begin(), shown.end());
  // A threshold in use such as 0.3 is one of the tenths already: one row, not two.
  shown.erase(std::unique(shown.begin(), shown.end()), shown.end());
  for (const ThresholdPoint& p :
       ThresholdSweep(in.validation.labels, in.validation.scores, shown)) {
    const bool chosen = p.threshold == in.threshold;
    auto mark = [chosen](const std::string& s) { return chosen ? "**" + s + "**" : s; };
    t.rows.push_back({mark(F4(p.threshold) + (chosen ? " (in use)" : "")), mark(F3(p.precision)),
                      mark(F3(p.recall)), mark(F3(p.f1)), mark(FormatPercent(p.positive_rate))});
  }
  return t;
}

void ThresholdSection(ReportDocument& doc, const ModelReportInput& in) {
  doc.BeginSection("threshold",
                   "Precision, recall and F1 against the threshold (validation split)");
  doc.AddFigure(report::LineChart(ThresholdChart(in)),
                "On the validation split, where the threshold is chosen (the test split plays no "
                "part). " +
                    std::to_string(kSweepSteps + 1) +
                    " thresholds from 0 to 1; the "
                    "dashed vertical line is the threshold in use. Precision is not drawn where no "
                    "row is flagged.");
  doc.AddParagraph(ThresholdInUseText(in));
  doc.AddTable(SelectedThresholdsTable(in));
}

// Cumulative gains against random and perfect ranking (`base`: the positive rate).
report::LineChartSpec GainsChart(const std::vector<GainsRow>& gains, double base) {
  report::LineChartSpec spec =
      UnitChart("gains-lift", "Cumulative gains, test split",
                "share of rows selected, highest scores first", "share of positives found");
  spec.x_axis.percent = true;
  spec.y_axis.percent = true;
  Series model{"model", {0}, {0}, report::kPalette[0], false, true};
  for (const GainsRow& g : gains) {
    model.x.push_back(g.cumulative_fraction);
    model.y.push_back(g.cumulative_gain);
  }
  Series ideal{"perfect ranking", {0, base, 1}, {0, 1, 1}, report::kPalette[2], true, false, 1.6};
  spec.series = {model, Diagonal("random"), ideal};
  return spec;
}

report::BarChartSpec LiftChart(const std::vector<GainsRow>& gains) {
  report::BarChartSpec lift;
  lift.id = "lift-by-decile";
  lift.title = "Lift by decile, test split";
  lift.horizontal = false;
  lift.width = report::kHalfRowChartWidth;
  lift.height = 420;
  lift.value_axis.label = "lift (decile rate / overall rate)";
  lift.category_label = "decile (1 = highest scores)";
  for (const GainsRow& g : gains) {
    lift.bars.push_back({std::to_string(g.group), g.lift, FormatFixed(g.lift, 2)});
  }
  lift.reference = report::VerticalMarker{1.0, "random = 1", "#333333"};
  return lift;
}

Table DecileTable(const std::vector<GainsRow>& gains) {
  Table t;
  t.header = {
      "decile",          "rows",           "positives", "rate", "lift", "cumulative share selected",
      "cumulative gain", "cumulative lift"};
  t.numeric.assign(t.header.size(), true);
  for (const GainsRow& g : gains) {
    t.rows.push_back({std::to_string(g.group), FormatCount(g.rows), FormatCount(g.positives),
                      FormatPercent(Share(g.positives, g.rows)), FormatFixed(g.lift, 2),
                      FormatPercent(g.cumulative_fraction), FormatPercent(g.cumulative_gain),
                      FormatFixed(g.cumulative_lift, 2)});
  }
  return t;
}

void GainsSection(ReportDocument& doc, const ModelReportInput& in, const BinaryMetrics& test) {
  doc.BeginSection("gains", "Cumulative gains and lift by decile (test split)");
  const std::vector<GainsRow> gains = GainsTable(in.test.labels, in.test.scores, 10);
  const double base = PositiveRate(test);
  doc.AddFigure(report::LineChart(GainsChart(gains, base)),
                "Share of all positives in the test split found by selecting the top-scored "
                "deciles.");
  doc.AddFigure(
      report::BarChart(LiftChart(gains)),
      "Positive rate of each decile over the overall rate (" + FormatPercent(base) + ").");
  doc.AddTable(DecileTable(gains));
  if (gains.size() >= 3) {
    doc.AddParagraph("Selecting the top 30% of rows by score finds " +
                     FormatPercent(gains[2].cumulative_gain) + " of the " +
                     PositiveRowsText(in.metadata) +
                     " (a random selection: 30%); the top decile's positive rate is " +
                     FormatFixed(gains[0].lift, 2) + " times the overall rate.");
  }
}

// The calibration method the trainer recorded; empty for a bundle made before calibration.
std::string CalibrationMethod(const ModelMetadata& m) {
  return JsonString(m.training, "calibration", "");
}

// Old bundles hold no booster output next to the stored scores: nothing to compare against.
bool HasRawScores(const ScoredSet& set) {
  return !set.raw_scores.empty() && set.raw_scores.size() == set.labels.size();
}

// The reliability curve of one set of scores: a point per non-empty bin.
Series ReliabilitySeries(const std::string& name, const std::vector<CalibrationBin>& bins,
                         const std::string& color) {
  Series s{name, {}, {}, color, false, true, 2.2};
  for (const CalibrationBin& b : bins) {
    if (b.rows == 0) continue;
    s.x.push_back(b.mean_predicted);
    s.y.push_back(b.observed_rate);
  }
  return s;
}

std::string CalibratedName(const ModelMetadata& m) {
  const std::string method = CalibrationMethod(m);
  return method.empty() ? std::string("stored scores") : "calibrated (" + method + ")";
}

const char* const kUncalibratedName = "uncalibrated (booster output)";

report::LineChartSpec CalibrationChart(const ModelReportInput& in) {
  report::LineChartSpec spec =
      UnitChart("calibration", "Reliability, test split", "mean predicted probability (bin)",
                "observed positive rate");
  spec.layout.width = 760;  // a one-row legend of three long names; the chart stands alone
  spec.series = {ReliabilitySeries(CalibratedName(in.metadata),
                                   CalibrationTable(in.test.labels, in.test.scores, 10),
                                   report::kPalette[0])};
  if (HasRawScores(in.test)) {
    spec.series.push_back(ReliabilitySeries(
        kUncalibratedName, CalibrationTable(in.test.labels, in.test.raw_scores, 10),
        report::kPalette[1]));
  }
  spec.series.push_back(Diagonal("perfectly calibrated"));
  return spec;
}

// The base-rate predictor (every row given the positive rate) as a ProbabilityQuality row.
ProbabilityQuality BaseRateQuality(const ProbabilityQuality& q, const std::vector<int>& labels) {
  const std::vector<double> constant(labels.size(), q.positive_rate);
  return {q.positive_rate,     q.positive_rate,      ExpectedCalibrationError(labels, constant, 10),
          q.base_rate_brier,   q.base_rate_log_loss, q.base_rate_brier,
          q.base_rate_log_loss};
}

Table ProbabilityQualityTable(const ModelReportInput& in, const ProbabilityQuality& calibrated) {
  Table t;
  t.caption = "Test split. ECE: expected calibration error over ten equal-width bins.";
  t.header = {"predictor", "mean predicted", "positive rate", "ECE", "Brier score", "log loss"};
  t.numeric = {false, true, true, true, true, true};
  auto row = [&t](const std::string& name, const ProbabilityQuality& q) {
    t.rows.push_back(
        {name, F4(q.mean_predicted), F4(q.positive_rate), F4(q.ece), F4(q.brier), F4(q.log_loss)});
  };
  row("**" + Md(CalibratedName(in.metadata)) + "**", calibrated);
  if (HasRawScores(in.test)) {
    row(kUncalibratedName, AssessProbabilities(in.test.labels, in.test.raw_scores));
  }
  row("base rate (every row " + FormatPercent(calibrated.positive_rate) + ")",
      BaseRateQuality(calibrated, in.test.labels));
  return t;
}

// Whether the stored scores read as probabilities: their mean and ECE, and Brier score and log loss
// against the base-rate predictor, which any useful probability beats.
std::string CalibrationText(const ModelReportInput& in, const ProbabilityQuality& q) {
  const std::string method = CalibrationMethod(in.metadata);
  std::string text =
      method.empty()
          ? std::string(
                "This bundle predates calibration: it holds only the booster's output, "
                "shown as is, and no uncalibrated scores to compare with. ")
          : "Calibration method: **" + Md(method) +
                "**, fitted on the validation split's booster output (never on the test split). ";
  text += "On the test split the " + std::string(method.empty() ? "scores" : "probabilities") +
          " average " + F3(q.mean_predicted) + " against a positive rate of " +
          F3(q.positive_rate) + " (ECE " + F3(q.ece) + ")";
  if (HasRawScores(in.test)) {
    const ProbabilityQuality raw = AssessProbabilities(in.test.labels, in.test.raw_scores);
    text += "; before calibration they averaged " + F3(raw.mean_predicted) + " (ECE " +
            F3(raw.ece) + ")";
  }
  const bool beats = q.brier < q.base_rate_brier && q.log_loss < q.base_rate_log_loss;
  text += ". Brier score " + F3(q.brier) + " and log loss " + F3(q.log_loss) + " against " +
          F3(q.base_rate_brier) + " and " + F3(q.base_rate_log_loss) +
          " for the base-rate predictor: " +
          (beats ? "the scores carry more than the base rate."
                 : "the scores do not beat the base rate as probabilities; read them as a "
                   "ranking.");
  const std::string imbalance = JsonString(in.metadata.training, "imbalance", "");
  if (method.empty() && imbalance != "" && imbalance != "none" &&
      q.mean_predicted > q.positive_rate * 1.2) {
    text += " The imbalance treatment (" + Md(imbalance) + ") shifts scores upwards.";
  }
  return text;
}

Table CalibrationBinsTable(const std::vector<CalibrationBin>& bins) {
  Table t;
  t.caption = "The stored (calibrated) scores of the test split in ten equal-width bins.";
  t.header = {"score bin", "rows", "mean predicted", "observed rate"};
  t.numeric = {false, true, true, true};
  for (const CalibrationBin& b : bins) {
    t.rows.push_back({"[" + FormatFixed(b.lower, 1) + ", " + FormatFixed(b.upper, 1) +
                          (b.upper >= 1 ? "]" : ")"),
                      FormatCount(b.rows), b.rows ? F3(b.mean_predicted) : "n/a",
                      b.rows ? F3(b.observed_rate) : "n/a"});
  }
  return t;
}

void CalibrationSection(ReportDocument& doc, const ModelReportInput& in) {
  doc.BeginSection("calibration-section", "Calibration (test split)");
  const std::string note = MetricsNote(in.metadata);
  if (!note.empty()) doc.AddNote(NoteKind::kWarning, Md(note));
  const ProbabilityQuality q = AssessProbabilities(in.test.labels, in.test.scores);
  doc.AddParagraph(CalibrationText(in, q));
  doc.AddFigure(report::LineChart(CalibrationChart(in)),
                "Test rows in ten equal-width bins of predicted probability: the mean prediction "
                "against the share that is positive, " +
                    std::string(HasRawScores(in.test) ? "before and after calibration. "
                                                      : "for the stored scores only. ") +
                    "Points below the diagonal mean the predictions run high; bins with few rows "
                    "(see the table below) are noisy.");
  doc.AddTable(ProbabilityQualityTable(in, q));
  doc.AddTable(CalibrationBinsTable(CalibrationTable(in.test.labels, in.test.scores, 10)));
}

// The columns a DBA knows, ranked by how far they move this model's log-odds on the test rows.
void ShapImportanceSection(ReportDocument& doc, const ModelReportInput& in) {
  doc.BeginSection("shap-importance", "Feature importance per source column (mean |SHAP|)");
  if (in.shap_importance.empty()) {
    doc.AddParagraph(
        "This model was trained before bankscore recorded SHAP importance; train again to see "
        "it.");
    return;
  }
  report::BarChartSpec spec;
  spec.id = "shap-importance";
  spec.title = "Source columns by mean |SHAP contribution|, test split";
  spec.value_axis.label = "mean |contribution| to the log-odds";
  spec.category_label = "source column";
  spec.width = 760;
  for (const ColumnImportance& c : in.shap_importance) {
    spec.bars.push_back({c.column, c.mean_abs_shap, FormatFixed(c.mean_abs_shap, 3)});
  }
  doc.AddFigure(report::BarChart(spec),
                "The mean over the test split of each source column's absolute TreeSHAP "
                "contribution to a row's log-odds, its one-hot and sentinel indicators summed into "
                "it first: how far the column moves this model's predictions, on average. The "
                "per-row reasons (predictions.top_reasons) are the same contributions for one "
                "row. Unlike gain below, a column is not split into its categories. It describes "
                "the model, not causes in the data.");
  Table t;
  t.header = {"#", "source column", "mean absolute SHAP (log-odds)"};
  t.numeric = {true, false, true};
  for (std::size_t i = 0; i < in.shap_importance.size(); ++i) {
    t.rows.push_back({std::to_string(i + 1), "`" + Md(in.shap_importance[i].column) + "`",
                      FormatFixed(in.shap_importance[i].mean_abs_shap, 3)});
  }
  t.in_page = false;
  doc.AddTable(t);
}

void ImportanceSection(ReportDocument& doc, const ModelReportInput& in) {
  doc.BeginSection("importance", "Feature importance (gain)");
  std::vector<FeatureImportanceEntry> sorted = in.importance;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.gain > b.gain; });
  if (sorted.size() > static_cast<std::size_t>(kTopFeatures)) sorted.resize(kTopFeatures);
  report::BarChartSpec spec;
  spec.id = "feature-importance";
  spec.title = "Top " + std::to_string(sorted.size()) + " encoded features by gain";
  spec.value_axis.label = "gain (average loss reduction per split)";
  spec.category_label = "encoded feature";
  spec.width = 760;
  for (const auto& e : sorted) spec.bars.push_back({e.feature, e.gain, FormatFixed(e.gain, 1)});
  doc.AddFigure(report::BarChart(spec),
                "XGBoost \"gain\" of the encoded features (one-hot columns are named "
                "column=category; a sentinel flag is column_is_value). Features never used in a "
                "split are absent. Importance describes the model, not causes in the data.");
  Table t;
  t.header = {"#", "encoded feature", "gain", "total gain"};
  t.numeric = {true, false, true, true};
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    t.rows.push_back({std::to_string(i + 1), "`" + Md(sorted[i].feature) + "`",
                      FormatFixed(sorted[i].gain, 2), FormatFixed(sorted[i].total_gain, 1)});
  }
  t.in_page = false;
  doc.AddTable(t);
}

// Test scores in kScoreBins equal bins per actual class, each class normalised to 1 (the classes
// differ in size).
struct ClassHistograms {
  std::vector<double> positive = std::vector<double>(kScoreBins, 0);
  std::vector<double> negative = std::vector<double>(kScoreBins, 0);
  std::int64_t positives = 0;
  std::int64_t negatives = 0;
};

ClassHistograms ScoresByClass(const ScoredSet& set) {
  ClassHistograms h;
  for (std::size_t i = 0; i < set.scores.size(); ++i) {
    const int b = std::clamp(static_cast<int>(set.scores[i] * kScoreBins), 0, kScoreBins - 1);
    if (set.labels[i] == 1) {
      h.positive[b] += 1;
      ++h.positives;
    } else {
      h.negative[b] += 1;
      ++h.negatives;
    }
  }
  for (double& v : h.positive) v = h.positives > 0 ? v / static_cast<double>(h.positives) : 0;
  for (double& v : h.negative) v = h.negatives > 0 ? v / static_cast<double>(h.negatives) : 0;
  return h;
}

report::HistogramSpec ScoreHistogram(const ModelReportInput& in, const ClassNames& names,
                                     const ClassHistograms& h) {
  report::HistogramSpec spec;
  spec.id = "score-distribution";
  spec.title = "Scores by actual class, test split";
  spec.x_axis.label = "model score";
  spec.y_axis.label = "share of the class";
  spec.y_axis.percent = true;
  spec.layout.width = 760;
  spec.layout.height = 400;
  for (int i = 0; i <= kScoreBins; ++i) spec.edges.push_back(static_cast<double>(i) / kScoreBins);
  spec.series = {{"actual " + names.negative + " (" + FormatCount(h.negatives) + ")", h.negative,
                  report::kPalette[0]},
                 {"actual " + names.positive + " (" + FormatCount(h.positives) + ")", h.positive,
                  report::kPalette[1]}};
  spec.markers.push_back({in.threshold, "threshold " + F3(in.threshold), "#333333"});
  return spec;
}

// The median score of the rows with `label`; NaN when there are none.
double MedianScore(const ScoredSet& set, int label) {
  std::vector<double> v;
  for (std::size_t i = 0; i < set.scores.size(); ++i) {
    if (set.labels[i] == label) v.push_back(set.scores[i]);
  }
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const std::size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

std::string ScoresText(const ModelReportInput& in, const ClassNames& names,
                       const ClassHistograms& h) {
  const ConfusionMatrix c = Confusion(in.test.labels, in.test.scores, in.threshold);
  return "Median score " + F3(MedianScore(in.test, 1)) + " for actual " + Md(names.positive) +
         " and " + F3(MedianScore(in.test, 0)) + " for actual " + Md(names.negative) +
         " (test split). At or above the threshold: " +
         FormatPercent(Share(c.true_positive, h.positives)) + " of the actual " +
         Md(names.positive) + " and " + FormatPercent(Share(c.false_positive, h.negatives)) +
         " of the actual " + Md(names.negative) + ".";
}

void ScoresSection(ReportDocument& doc, const ModelReportInput& in) {
  const ClassNames names = NamesOf(in.metadata);
  const ClassHistograms h = ScoresByClass(in.test);
  doc.BeginSection("scores", "Score distributions by class (test split)");
  doc.AddParagraph(ScoresText(in, names, h));
  doc.AddFigure(report::Histogram(ScoreHistogram(in, names, h)),
                "Each class normalised to 100% (the classes differ in size); overlapping mass is "
                "where the model cannot separate the classes.");
}

// Mean ± sd and the per-fold values of every metric, the usual ones first.
Table CrossValidationTable(const nlohmann::json& metrics) {
  static const char* const kOrder[] = {"roc_auc", "pr_auc",   "f1",       "precision",
                                       "recall",  "accuracy", "log_loss", "brier"};
  std::vector<std::pair<std::string, std::string>> names;  // key, label
  for (const char* key : kOrder) names.push_back({key, MetricLabel(key)});
  for (const auto& [key, value] : metrics.items()) {
    if (std::none_of(std::begin(kOrder), std::end(kOrder),
                     [&](const char* k) { return k == key; })) {
      names.push_back({key, Md(key)});
    }
  }
  Table t;
  t.header = {"metric", "mean ± sd", "per fold"};
  t.numeric = {false, true, false};
  for (const auto& [key, label] : names) {
    if (!metrics.contains(key)) continue;
    const nlohmann::json& m = metrics[key];
    std::vector<std::string> values;
    if (m.is_object() && m.contains("values") && m["values"].is_array()) {
      for (const auto& v : m["values"])
        values.push_back(v.is_number() ? F3(v.get<double>()) : "n/a");
    }
    t.rows.push_back(
        {label, F4(JsonNumber(m, "mean")) + " ± " + F4(JsonNumber(m, "std")), Join(values)});
  }
  return t;
}

void CrossValidationSection(ReportDocument& doc, const nlohmann::json& cv) {
  doc.BeginSection("cross-validation", "Cross-validation");
  const nlohmann::json metrics =
      cv.is_object() ? cv.value("metrics", nlohmann::json()) : nlohmann::json();
  if (!metrics.is_object() || metrics.empty()) {
    doc.AddParagraph("The bundle's cross-validation entry holds no metrics.");
    return;
  }
  const std::string folds = cv.contains("folds") ? JsonText(cv["folds"]) : "?";
  doc.AddParagraph(folds +
                   "-fold cross-validation on the training part (before the final fit; "
                   "the test split is not involved): mean ± standard deviation over the folds.");
  doc.AddTable(CrossValidationTable(metrics));
}
// ": much higher", ": much lower" or nothing, comparing a positive rate with a reference rate.
std::string RateComparison(double rate, double reference) {
  if (!std::isfinite(rate) || !std::isfinite(reference)) return "";
  if (rate > 1.5 * reference) return " (much higher)";
  if (rate < reference / 1.5) return " (much lower)";
  return "";
}

// This model's test split against the bundle's time-ordered split, metric by metric.
Table TimeSplitTable(const nlohmann::json& ts, const BinaryMetrics& test) {
  const double rows = JsonNumber(ts, "rows"), positives = JsonNumber(ts, "positives");
  Table t;
  t.header = {"metric", "this model's test split", "time-ordered split (last rows)"};
  t.numeric = {false, true, true};
  t.rows.push_back({"rows", FormatCount(test.rows),
                    std::isfinite(rows) ? FormatCount(static_cast<std::int64_t>(rows)) : "n/a"});
  t.rows.push_back({"positive rate", FormatPercent(PositiveRate(test)),
                    FormatPercent(rows > 0 ? positives / rows : NAN)});
  const std::pair<const char*, double BinaryMetrics::*> kRows[] = {
      {"roc_auc", &BinaryMetrics::roc_auc},
      {"pr_auc", &BinaryMetrics::pr_auc},
      {"f1", &BinaryMetrics::f1},
      {"precision", &BinaryMetrics::precision},
      {"recall", &BinaryMetrics::recall},
      {"accuracy", &BinaryMetrics::accuracy},
      {"threshold", &BinaryMetrics::threshold}};
  for (const auto& [key, member] : kRows) {
    t.rows.push_back({MetricLabel(key), F4(test.*member), F4(JsonNumber(ts, key))});
  }
  return t;
}

// What the time-ordered split says about this model's figures, from this bundle's figures only:
// how much lower they are and how the last rows' positive rate compares with the test split's.
std::string TimeSplitText(const nlohmann::json& ts, const BinaryMetrics& test) {
  const double roc = JsonNumber(ts, "roc_auc"), pr = JsonNumber(ts, "pr_auc");
  if (!std::isfinite(roc)) return "The bundle's time-split entry has no ROC AUC.";
  const double rows = JsonNumber(ts, "rows"), positives = JsonNumber(ts, "positives");
  const double rate = rows > 0 ? positives / rows : NAN;
  const double test_rate = PositiveRate(test);
  const double drop = test.roc_auc - roc;
  std::string text =
      "A model trained on the rows with the lowest keys and tested on the last ones reaches ROC "
      "AUC " +
      F3(roc) + " and PR AUC " + F3(pr) + ", against " + F3(test.roc_auc) + " and " +
      F3(test.pr_auc) + " on this model's test split. ";
  if (drop >= 0.05) {
    text += "These figures are much lower. ";
  } else if (drop > 0.01) {
    text += "These figures are lower. ";
  } else if (drop < -0.01) {
    text += "These figures are higher than the test split's. ";
  } else {
    text += "These figures are about the test split's. ";
  }
  return text + "The last rows' positive rate is " + FormatPercent(rate) + " against " +
         FormatPercent(test_rate) + " in the stratified test split" +
         RateComparison(rate, test_rate) +
         ". A random split mixes early and late rows into training and test; when the keys "
         "follow time, the time-ordered split is the more honest estimate of how the model does "
         "on the next rows.";
}

void TimeSplitSection(ReportDocument& doc, const nlohmann::json& ts, const BinaryMetrics& test) {
  doc.BeginSection("time-split", "Time-ordered split");
  doc.AddParagraph(TimeSplitText(ts, test));
  if (ts.is_object() && ts.contains("note") && ts["note"].is_string()) {
    doc.AddParagraph("Trainer's note: " + Md(ts["note"].get<std::string>()));
  }
  doc.AddTable(TimeSplitTable(ts, test));
}

// The sections the bundle has data for: cross-validation and the time-ordered split.
void OptionalSections(ReportDocument& doc, const ModelReportInput& in, const BinaryMetrics& test) {
  const nlohmann::json& extra = in.metadata.extra;
  if (extra.is_object() && extra.contains("cross_validation")) {
    CrossValidationSection(doc, extra["cross_validation"]);
  }
  if (extra.is_object() && extra.contains("time_split") && extra["time_split"].is_object()) {
    TimeSplitSection(doc, extra["time_split"], test);
  }
}

// How the training rows were rebalanced, and that the held-out splits were not.
std::string ImbalanceText(const ModelMetadata& m) {
  const std::string imbalance = JsonString(m.training, "imbalance", "(not recorded)");
  std::string text = "Imbalance treatment: **" + Md(imbalance) + "**. ";
  if (imbalance == "none") {
    text += "The booster saw the classes as they are. ";
  } else if (imbalance == "scale_pos_weight") {
    text += "Positive rows weighted by " +
            FormatFixed(JsonNumber(m.training, "scale_pos_weight", 0), 3) +
            " (negatives per positive in the training rows); no rows added. ";
  } else {
    text += FormatCount(m.synthetic_rows) + " synthetic positive rows were added to the " +
            FormatCount(m.original_training_rows) + " original training rows (" +
            FormatCount(m.training_rows) + " rows fitted). ";
  }
  return text + "Resampling and weighting touch only the training rows; the validation (" +
         FormatCount(m.validation_rows) + " rows) and test (" + FormatCount(m.test_rows) +
         " rows) splits are untouched. Synthetic rows: " + FormatCount(m.synthetic_rows) + ".";
}

// The bundle's facts and every training setting but the XGBoost parameters.
Table TrainingSettingsTable(const ModelReportInput& in) {
  const ModelMetadata& m = in.metadata;
  Table t;
  t.header = {"setting", "value"};
  auto row = [&t](const std::string& k, const std::string& v) { t.rows.push_back({k, v}); };
  row("model version", "`" + Md(m.version) + "`");
  row("created", Md(m.created_at));
  row("source table", "`" + Md(m.source_table) + "`, label `" + Md(m.label_column) + "` = \"" +
                          Md(m.positive_label) + "\"");
  std::vector<std::string> features;
  for (const auto& f : m.feature_columns) features.push_back(Md(f));
  row("feature columns (" + std::to_string(m.feature_columns.size()) + ")", Join(features));
  row("rows fitted (original + synthetic)", FormatCount(m.training_rows) + " (" +
                                                FormatCount(m.original_training_rows) + " + " +
                                                FormatCount(m.synthetic_rows) + ")");
  row("validation rows / test rows",
      FormatCount(m.validation_rows) + " / " + FormatCount(m.test_rows));
  row("boosting rounds kept", std::to_string(m.best_iteration + 1) + " (best iteration " +
                                  std::to_string(m.best_iteration) + ", 0-based)");
  row("threshold (bundle)", F4(m.threshold) + " by " + Md(m.threshold_policy));
  row("threshold (in use)", F4(in.threshold) + " from the " + ThresholdOrigin(in));
  if (m.training.is_object()) {
    for (const auto& [key, value] : m.training.items()) {
      if (key != "xgboost") row("training." + Md(key), JsonText(value));
    }
  }
  return t;
}

void TrainingSection(ReportDocument& doc, const ModelReportInput& in) {
  doc.BeginSection("training", "Training configuration and imbalance treatment");
  doc.AddParagraph(ImbalanceText(in.metadata));
  doc.AddTable(TrainingSettingsTable(in));
  const nlohmann::json& tr = in.metadata.training;
  if (tr.is_object() && tr.contains("xgboost") && tr["xgboost"].is_object()) {
    doc.AddParagraph("XGBoost parameters, as passed to the library:");
    Table x;
    x.header = {"parameter", "value"};
    for (const auto& [key, value] : tr["xgboost"].items()) {
      x.rows.push_back({"`" + Md(key) + "`", JsonText(value)});
    }
    doc.AddTable(x);
  }
}

}  // namespace

RenderedReport RenderModelReport(const ModelReportInput& in) {
  CheckScoredSets(in);
  const BinaryMetrics test = ComputeMetrics(in.test.labels, in.test.scores, in.threshold);
  const BinaryMetrics valid =
      ComputeMetrics(in.validation.labels, in.validation.scores, in.threshold);
  ReportDocument doc = StartDocument(in);
  SummarySection(doc, in, test);
  WarningsSection(doc, in);
  MetricsSection(doc, in, test, valid);
  CurvesSection(doc, in, test);
  ConfusionSection(doc, in, test);
  ThresholdSection(doc, in);
  GainsSection(doc, in, test);
  CalibrationSection(doc, in);
  ShapImportanceSection(doc, in);
  report::ShapSummarySection(doc, in.shap_summary);
  ImportanceSection(doc, in);
  ScoresSection(doc, in);
  OptionalSections(doc, in, test);
  TrainingSection(doc, in);
  doc.SetFooter("Generated by bankscore report at " + Md(in.generated_at) +
                " from the bundle of model `" + Md(in.metadata.version) + "`. Data: " +
                DataSourceText(in.report, in.metadata.source_table, in.metadata.label_column,
                               NamesOf(in.metadata).positive) +
                ".");
  return {doc.RenderHtml(), doc.RenderMarkdown()};
}

}  // namespace bankscore
