// The analyst reports rendered from plain structs: every chart and section is present, the numbers
// shown are the ones computed by hand, optional parts appear only when the bundle has them, and the
// profile's statistics and hypotheses come from the data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bankscore/error.h"
#include "report/html_document.h"
#include "report/model_report.h"
#include "report/profile.h"

namespace bankscore {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bool HasBadNumber(const std::string& text) {
  static const std::regex bad(R"((^|[^A-Za-z])(nan|inf|infinity)([^A-Za-z]|$))", std::regex::icase);
  return std::regex_search(text, bad);
}

// The Markdown of one top-level section: from its "## heading" line to the next one (or the
// footer).
std::string MarkdownSection(const std::string& markdown, const std::string& heading) {
  const std::size_t start = markdown.find("\n## " + heading + "\n");
  if (start == std::string::npos) return "";
  std::size_t end = markdown.find("\n## ", start + 1);
  if (end == std::string::npos) end = markdown.find("\n---\n", start + 1);
  return markdown.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The HTML of one top-level section, <section id="..."> to </section>.
std::string HtmlSection(const std::string& html, const std::string& id) {
  const std::size_t start = html.find("<section id=\"" + id + "\">");
  if (start == std::string::npos) return "";
  return html.substr(start, html.find("</section>", start) - start);
}

const std::vector<std::string> kModelChartIds = {
    "roc-curve",  "pr-curve",    "confusion-matrix",   "threshold-curve",
    "gains-lift", "calibration", "feature-importance", "score-distribution"};

// Test split: labels 1 0 1 0, scores 0.9 0.8 0.6 0.2, threshold 0.7. By hand:
//   predicted positive: 0.9 (TP), 0.8 (FP); negative: 0.6 (FN), 0.2 (TN)
//   accuracy = precision = recall = F1 = 0.5
//   ROC AUC: positive/negative pairs (0.9,0.8) (0.9,0.2) (0.6,0.2) ranked right, (0.6,0.8) wrong
//     -> 3/4 = 0.75
//   PR AUC (average precision): 0.5 * 1 (at 0.9) + 0.5 * 2/3 (at 0.6) = 0.8333
//   log loss: -(ln 0.9 + ln 0.2 + ln 0.6 + ln 0.8) / 4 = 0.6122
//   Brier: (0.01 + 0.64 + 0.16 + 0.04) / 4 = 0.2125
ModelReportInput TinyInput() {
  ModelReportInput in;
  ModelMetadata& m = in.metadata;
  m.version = "20260101T000000Z-0000abcd";
  m.created_at = "2026-01-01T00:00:00Z";
  m.source_table = "bank_clients";
  m.label_column = "y";
  m.positive_label = "yes";
  m.feature_columns = {"job", "age"};
  m.training_rows = 10;
  m.original_training_rows = 8;
  m.synthetic_rows = 2;
  m.validation_rows = 6;
  m.test_rows = 4;
  m.threshold = 0.7;
  m.threshold_policy = "max_f1";
  m.best_iteration = 4;
  m.training = {{"split", "stratified"},
                {"imbalance", "smote"},
                {"seed", 42},
                {"include_duration", false},
                {"xgboost", {{"max_depth", "5"}, {"eta", "0.05"}}}};
  m.extra = nlohmann::json::object();
  in.test = {{1, 2, 3, 4}, {1, 0, 1, 0}, {0.9, 0.8, 0.6, 0.2}, {}};
  in.validation = {{5, 6, 7, 8, 9, 10}, {1, 0, 0, 1, 0, 1}, {0.95, 0.1, 0.4, 0.75, 0.72, 0.3}, {}};
  in.threshold = 0.7;
  in.importance = {{"age", 3.5, 35.0}, {"job=student", 7.25, 14.5}};
  in.generated_at = "2026-01-02T03:04:05Z";
  return in;
}

TEST(ModelReportTest, ContainsEveryChartAndSection) {
  const RenderedReport r = RenderModelReport(TinyInput());
  for (const std::string& id : kModelChartIds) {
    EXPECT_THAT(r.html, HasSubstr("<svg id=\"" + id + "\"")) << id;
  }
  for (const char* section : {"summary", "metrics", "curves", "confusion", "threshold", "gains",
                              "calibration-section", "importance", "scores", "training"}) {
    EXPECT_THAT(r.html, HasSubstr("<section id=\"" + std::string(section) + "\">")) << section;
    EXPECT_THAT(r.html, HasSubstr("<a href=\"#" + std::string(section) + "\">")) << section;
  }
  EXPECT_THAT(r.html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(r.html, HasSubstr("<style>"));
  EXPECT_THAT(r.html, Not(HasSubstr("<script")));
  // No external resource: the only URL is the SVG namespace, once per chart.
  std::size_t urls = 0, namespaces = 0;
  for (auto at = r.html.find("http"); at != std::string::npos; at = r.html.find("http", at + 1)) {
    ++urls;
  }
  for (auto at = r.html.find("xmlns=\"http://www.w3.org/2000/svg\""); at != std::string::npos;
       at = r.html.find("xmlns=\"http://www.w3.org/2000/svg\"", at + 1)) {
    ++namespaces;
  }
  EXPECT_EQ(urls, namespaces);
  // Without report.title / report.data_source the Data line names the table and the label.
  EXPECT_THAT(r.markdown, HasSubstr("- **Data:** table `bank_clients`, label `y` = \"yes\""));
  EXPECT_THAT(r.html, HasSubstr("20260101T000000Z-0000abcd"));
  EXPECT_THAT(r.html, HasSubstr("2026-01-02T03:04:05Z (UTC)"));
  EXPECT_FALSE(HasBadNumber(r.html));
  EXPECT_FALSE(HasBadNumber(r.markdown));
  // Optional parts are absent without their data.
  EXPECT_THAT(r.html, Not(HasSubstr("id=\"cross-validation\"")));
  EXPECT_THAT(r.html, Not(HasSubstr("id=\"time-split\"")));
  EXPECT_THAT(r.html, Not(HasSubstr("id=\"warnings\"")));
  // Markdown: the tables and numbers, no charts.
  EXPECT_THAT(r.markdown, Not(HasSubstr("<svg")));
  EXPECT_THAT(r.markdown, HasSubstr("## Metrics at the threshold"));
}

TEST(ModelReportTest, ShowsTheMetricsComputedByHand) {
  const RenderedReport r = RenderModelReport(TinyInput());
  // The first column of the metrics table is the test split.
  EXPECT_THAT(r.markdown, HasSubstr("| accuracy | 0.5000 |"));
  EXPECT_THAT(r.markdown, HasSubstr("| precision | 0.5000 |"));
  EXPECT_THAT(r.markdown, HasSubstr("| recall | 0.5000 |"));
  EXPECT_THAT(r.markdown, HasSubstr("| F1 | 0.5000 |"));
  EXPECT_THAT(r.markdown, HasSubstr("| ROC AUC | 0.7500 |"));
  EXPECT_THAT(r.markdown, HasSubstr("| PR AUC (average precision) | 0.8333 |"));
  EXPECT_THAT(r.markdown, HasSubstr("| log loss | 0.6122 |"));
  EXPECT_THAT(r.markdown, HasSubstr("| Brier score | 0.2125 |"));
  EXPECT_THAT(r.markdown, HasSubstr("| rows (positives) | 4 (2) |"));
  // Confusion matrix: rows actual no / yes, columns predicted no / yes.
  EXPECT_THAT(r.markdown, HasSubstr("| no | 1 | 1 |"));
  EXPECT_THAT(r.markdown, HasSubstr("| yes | 1 | 1 |"));
  // The same numbers in the page: chart titles and the metrics table.
  EXPECT_THAT(r.html, HasSubstr("ROC curve, test split (AUC 0.750)"));
  EXPECT_THAT(r.html, HasSubstr("Precision-recall curve, test split (AUC 0.833)"));
  EXPECT_THAT(r.html, HasSubstr("<td class=\"num\">0.7500</td>"));
  // Validation (threshold 0.7): flagged 0.95 (1), 0.75 (1), 0.72 (0) -> precision 2/3, recall
  // 2/3, F1 2/3.
  EXPECT_THAT(r.markdown, HasSubstr("gives precision 0.667, recall 0.667 and F1 0.667"));
  // Gains by decile on 4 rows: the first non-empty group holds the top score (a positive).
  EXPECT_THAT(r.html, HasSubstr("chosen 0.700 (max_f1)"));
  // Importance sorted by gain, with the encoded names.
  const auto student = r.markdown.find("job=student");
  const auto age = r.markdown.find("`age` | 3.50");
  ASSERT_NE(student, std::string::npos);
  ASSERT_NE(age, std::string::npos);
  EXPECT_LT(student, age);
  // Imbalance treatment with its synthetic rows.
  EXPECT_THAT(r.markdown, HasSubstr("2 synthetic positive rows were added to the 8 original"));
}

TEST(ModelReportTest, RendersCrossValidationTimeSplitAndWarningsWhenPresent) {
  ModelReportInput in = TinyInput();
  in.metadata.extra["cross_validation"] = {
      {"folds", 5},
      {"metrics",
       {{"roc_auc", {{"mean", 0.8012}, {"std", 0.0123}, {"values", {0.79, 0.80, 0.81}}}},
        {"f1", {{"mean", 0.47}, {"std", 0.02}, {"values", {0.45, 0.49}}}}}}};
  in.metadata.extra["time_split"] = {
      {"roc_auc", 0.61},  {"pr_auc", 0.30},
      {"f1", 0.2},        {"precision", 0.5},
      {"recall", 0.1},    {"accuracy", 0.6},
      {"threshold", 0.5}, {"rows", 100},
      {"positives", 90},  {"note", "trained on the first 80% <by key>"}};
  in.metadata.extra["warnings"] = {"duration is a feature: <not usable> before a call"};
  in.metadata.training["include_duration"] = true;
  const RenderedReport r = RenderModelReport(in);
  EXPECT_THAT(r.html, HasSubstr("<section id=\"cross-validation\">"));
  EXPECT_THAT(r.markdown, HasSubstr("| ROC AUC | 0.8012 ± 0.0123 | 0.790, 0.800, 0.810 |"));
  EXPECT_THAT(r.markdown, HasSubstr("| F1 | 0.4700 ± 0.0200 | 0.450, 0.490 |"));
  EXPECT_THAT(r.markdown, HasSubstr("5-fold cross-validation"));
  EXPECT_THAT(r.html, HasSubstr("<section id=\"time-split\">"));
  EXPECT_THAT(r.markdown, HasSubstr("These figures are much lower."));
  // 90% in the last rows against 50% in the test split.
  EXPECT_THAT(r.markdown, HasSubstr("The last rows' positive rate is 90.0% against 50.0% in the "
                                    "stratified test split (much higher)."));
  EXPECT_THAT(r.markdown, HasSubstr("| ROC AUC | 0.7500 | 0.6100 |"));
  EXPECT_THAT(r.html, HasSubstr("trained on the first 80% &lt;by key&gt;"));
  EXPECT_THAT(r.html, HasSubstr("<section id=\"warnings\">"));
  EXPECT_THAT(r.html, HasSubstr("&lt;not usable&gt; before a call"));
  // The trainer's duration warning is shown once, not doubled by the report's own.
  EXPECT_THAT(r.html, Not(HasSubstr("which is known only after the call")));
  EXPECT_FALSE(HasBadNumber(r.html));
}

TEST(ModelReportTest, WarnsAboutDurationWhenTheTrainerDidNot) {
  ModelReportInput in = TinyInput();
  in.metadata.feature_columns.push_back("duration");
  const RenderedReport r = RenderModelReport(in);
  EXPECT_THAT(r.html, HasSubstr("<section id=\"warnings\">"));
  EXPECT_THAT(r.markdown, HasSubstr("model is not usable before a call"));
}

TEST(ModelReportTest, ConfigThresholdOverrideIsShownWithTheBundles) {
  ModelReportInput in = TinyInput();
  in.threshold = 0.5;
  in.threshold_from_config = true;
  const RenderedReport r = RenderModelReport(in);
  EXPECT_THAT(r.markdown, HasSubstr("scoring.threshold in the config"));
  EXPECT_THAT(r.markdown, HasSubstr("The bundle's own threshold, chosen by max\\_f1, is 0.7000"));
  // At 0.5 the test split flags 0.9, 0.8, 0.6: TP 2, FP 1 -> precision 0.6667, recall 1.
  EXPECT_THAT(r.markdown, HasSubstr("| recall | 1.0000 |"));
}

TEST(ModelReportTest, EscapesTextFromTheBundle) {
  ModelReportInput in = TinyInput();
  in.metadata.version = "v<b>1</b>";
  in.metadata.training["split"] = "<script>x</script>";
  in.importance = {{"job=<img src=x>", 1.0, 1.0}};
  const RenderedReport r = RenderModelReport(in);
  EXPECT_THAT(r.html, Not(HasSubstr("<b>1</b>")));
  EXPECT_THAT(r.html, Not(HasSubstr("<script>")));
  EXPECT_THAT(r.html, Not(HasSubstr("<img")));
  EXPECT_THAT(r.html, HasSubstr("v&lt;b&gt;1&lt;/b&gt;"));
}

// Every section of the model report, with the numbers a reader checks (TinyInput, worked out above
// and in the tests before this one).
TEST(ModelReportTest, EverySectionShowsItsHeadingNumbersAndCharts) {
  const RenderedReport r = RenderModelReport(TinyInput());

  const std::string summary = MarkdownSection(r.markdown, "Summary");
  EXPECT_THAT(summary, HasSubstr("(4 rows, 2 of them with `y` = \"yes\")"));
  EXPECT_THAT(summary, HasSubstr("ROC AUC **0.750** and PR AUC **0.833**"));
  EXPECT_THAT(summary, HasSubstr("At threshold 0.700 it flags 50.0% of the rows"));

  const std::string metrics = MarkdownSection(r.markdown, "Metrics at the threshold");
  EXPECT_THAT(metrics, HasSubstr("At threshold 0.7000 (threshold policy max\\_f1)"));
  EXPECT_THAT(metrics, HasSubstr("| rows (positives) | 4 (2) | 6 (3) |"));
  EXPECT_THAT(metrics, HasSubstr("| positive rate | 50.00% | 50.00% |"));

  const std::string curves =
      MarkdownSection(r.markdown, "ROC and precision-recall curves (test split)");
  EXPECT_THAT(curves, HasSubstr("ROC AUC 0.7500, PR AUC (average precision) 0.8333 against "
                                "0.5000 for random ranking"));
  EXPECT_THAT(curves, HasSubstr("false positive rate of 0.500 with recall 0.500"));
  EXPECT_THAT(HtmlSection(r.html, "curves"), HasSubstr("<svg id=\"roc-curve\""));
  EXPECT_THAT(HtmlSection(r.html, "curves"), HasSubstr("<svg id=\"pr-curve\""));
  EXPECT_THAT(HtmlSection(r.html, "curves"), HasSubstr(">threshold 0.700</text>"));

  const std::string confusion = MarkdownSection(r.markdown, "Confusion matrix (test split)");
  EXPECT_THAT(confusion, HasSubstr("Of 4 test rows the model flags 2 (50.0%); 1 of them "
                                   "are positive (precision 50.0%), which finds 1 of the 2 rows "
                                   "with `y` = \"yes\" (recall 50.0%)"));
  EXPECT_THAT(HtmlSection(r.html, "confusion"), HasSubstr("<svg id=\"confusion-matrix\""));
  EXPECT_THAT(HtmlSection(r.html, "confusion"), HasSubstr(">true positive</text>"));

  const std::string threshold = MarkdownSection(
      r.markdown, "Precision, recall and F1 against the threshold (validation split)");
  EXPECT_THAT(threshold, HasSubstr("The threshold in use, 0.7000, comes from the threshold policy "
                                   "max\\_f1. On the validation split (6 rows)"));
  // Validation at 0.5: flagged 0.95, 0.75, 0.72 -> precision 2/3, recall 2/3, half flagged.
  EXPECT_THAT(threshold, HasSubstr("| 0.5000 | 0.667 | 0.667 | 0.667 | 50.0% |"));
  EXPECT_THAT(threshold, HasSubstr("| **0.7000 (in use)** | **0.667** |"));
  EXPECT_THAT(HtmlSection(r.html, "threshold"), HasSubstr("<svg id=\"threshold-curve\""));
  EXPECT_THAT(HtmlSection(r.html, "threshold"), HasSubstr(">share flagged</text>"));

  // Deciles of 4 rows: the top-scored row (0.9, a positive) falls in the third group.
  const std::string gains =
      MarkdownSection(r.markdown, "Cumulative gains and lift by decile (test split)");
  EXPECT_THAT(gains, HasSubstr("| 3 | 1 | 1 | 100.0% | 2.00 | 25.0% | 50.0% | 2.00 |"));
  EXPECT_THAT(gains, HasSubstr("| 10 | 1 | 0 | 0.0% | 0.00 | 100.0% | 100.0% | 1.00 |"));
  EXPECT_THAT(gains, HasSubstr("Selecting the top 30% of rows by score finds 50.0% of the rows "
                               "with `y` = \"yes\""));
  EXPECT_THAT(HtmlSection(r.html, "gains"), HasSubstr("<svg id=\"gains-lift\""));
  EXPECT_THAT(HtmlSection(r.html, "gains"), HasSubstr("<svg id=\"lift-by-decile\""));

  // Mean score (0.9 + 0.8 + 0.6 + 0.2) / 4 = 0.625 against 2 of 4 positive. TinyInput is a bundle
  // from before calibration: no method, no raw scores. ECE: one row per non-empty bin,
  // (|0.2 - 0| + |0.6 - 1| + |0.8 - 0| + |0.9 - 1|) / 4 = 0.375; the base rate 0.5 has Brier 0.25
  // and log loss ln 2 = 0.6931.
  const std::string calibration = MarkdownSection(r.markdown, "Calibration (test split)");
  EXPECT_THAT(calibration, HasSubstr("This bundle predates calibration"));
  EXPECT_THAT(calibration, HasSubstr("average 0.625 against a positive rate of 0.500 (ECE 0.375)"));
  EXPECT_THAT(calibration, HasSubstr("The imbalance treatment (smote) shifts scores upwards"));
  EXPECT_THAT(calibration, HasSubstr("| **stored scores** | 0.6250 | 0.5000 | 0.3750 | 0.2125 | "
                                     "0.6122 |"));
  EXPECT_THAT(calibration, HasSubstr("| 0.5000 | 0.5000 | 0.0000 | 0.2500 | 0.6931 |"));
  EXPECT_THAT(calibration, Not(HasSubstr("uncalibrated (booster output)")));
  EXPECT_THAT(HtmlSection(r.html, "calibration-section"), HasSubstr(">stored scores</text>"));
  EXPECT_THAT(calibration, HasSubstr("| [0.9, 1.0] | 1 | 0.900 | 1.000 |"));
  EXPECT_THAT(calibration, HasSubstr("| [0.0, 0.1) | 0 | n/a | n/a |"));
  EXPECT_THAT(HtmlSection(r.html, "calibration-section"), HasSubstr("<svg id=\"calibration\""));

  const std::string importance = MarkdownSection(r.markdown, "Feature importance (gain)");
  EXPECT_THAT(importance, HasSubstr("| 1 | `job=student` | 7.25 | 14.5 |"));
  EXPECT_THAT(importance, HasSubstr("| 2 | `age` | 3.50 | 35.0 |"));
  EXPECT_THAT(HtmlSection(r.html, "importance"), HasSubstr("Top 2 encoded features by gain"));

  // Medians: subscribers 0.9 and 0.6 -> 0.75; the others 0.8 and 0.2 -> 0.5.
  const std::string scores =
      MarkdownSection(r.markdown, "Score distributions by class (test split)");
  EXPECT_THAT(scores, HasSubstr("Median score 0.750 for actual yes and 0.500 for actual no"));
  EXPECT_THAT(scores, HasSubstr("50.0% of the actual yes and 50.0% of the actual no"));
  EXPECT_THAT(HtmlSection(r.html, "scores"), HasSubstr("<svg id=\"score-distribution\""));
  EXPECT_THAT(HtmlSection(r.html, "scores"), HasSubstr(">actual yes (2)</text>"));

  const std::string training =
      MarkdownSection(r.markdown, "Training configuration and imbalance treatment");
  EXPECT_THAT(training, HasSubstr("Imbalance treatment: **smote**."));
  EXPECT_THAT(training, HasSubstr("the validation (6 rows) and test (4 rows) splits"));
  EXPECT_THAT(training, HasSubstr("| feature columns (2) | job, age |"));
  EXPECT_THAT(training, HasSubstr("| rows fitted (original + synthetic) | 10 (8 + 2) |"));
  EXPECT_THAT(training, HasSubstr("| boosting rounds kept | 5 (best iteration 4, 0-based) |"));
  EXPECT_THAT(training, HasSubstr("| training.seed | 42 |"));
  EXPECT_THAT(training, HasSubstr("| `max_depth` | 5 |"));
  EXPECT_THAT(r.markdown, HasSubstr("Generated by bankscore report at 2026-01-02T03:04:05Z"));
}

TEST(ModelReportTest, ImbalanceTreatmentIsDescribedByKind) {
  ModelReportInput in = TinyInput();
  in.metadata.training["imbalance"] = "scale_pos_weight";
  in.metadata.training["scale_pos_weight"] = 7.5;
  EXPECT_THAT(RenderModelReport(in).markdown,
              HasSubstr("Positive rows weighted by 7.500 (negatives per positive"));
  in.metadata.training["imbalance"] = "none";
  const std::string none = RenderModelReport(in).markdown;
  EXPECT_THAT(none, HasSubstr("The booster saw the classes as they are."));
  EXPECT_THAT(none, Not(HasSubstr("shifts scores upwards")));
}

TEST(ModelReportTest, RefusesEmptyScoredSets) {
  ModelReportInput in = TinyInput();
  in.test = {};
  EXPECT_THROW(RenderModelReport(in), DataError);
}

// Words and facts that belong to the UCI Bank Marketing file, not to whatever table a report is
// given.
const std::vector<std::string> kUciFacts = {
    "UCI",     "Moro", "euribor", "emp.var.rate", "nr.employed",
    "subscri", "2008", "2010",    "campaign",     "Bank Marketing"};

void ExpectNoUciFacts(const RenderedReport& r) {
  for (const std::string& fact : kUciFacts) {
    EXPECT_THAT(r.html, Not(HasSubstr(fact))) << fact;
    EXPECT_THAT(r.markdown, Not(HasSubstr(fact))) << fact;
  }
}

// A churn model on another table, calibrated with isotonic. Test split: labels 1 0 1 0,
// calibrated 0.7 0.3 0.6 0.1, booster output 0.9 0.8 0.6 0.2. By hand (one row per bin):
//   calibrated:   mean 0.425, ECE (0.3 + 0.3 + 0.4 + 0.1) / 4 = 0.275,
//                 Brier (0.09 + 0.09 + 0.16 + 0.01) / 4 = 0.0875,
//                 log loss -(2 ln 0.7 + ln 0.6 + ln 0.9) / 4 = 0.3324
//   uncalibrated: mean 0.625, ECE 0.375, Brier 0.2125, log loss 0.6122 (TinyInput's figures)
//   base rate 0.5: ECE 0, Brier 0.25, log loss ln 2 = 0.6931
ModelReportInput ChurnInput() {
  ModelReportInput in = TinyInput();
  ModelMetadata& m = in.metadata;
  m.source_table = "customers";
  m.label_column = "churned";
  m.positive_label = "1";
  m.feature_columns = {"plan", "tenure"};
  m.training["calibration"] = "isotonic";
  m.training["imbalance"] = "scale_pos_weight";
  m.training.erase("include_duration");
  m.extra["metrics_note"] = "test figures are those of the <pre-refit> model";
  m.extra["cross_validation"] = {{"folds", 3},
                                 {"metrics", {{"roc_auc", {{"mean", 0.7}, {"std", 0.01}}}}}};
  m.extra["time_split"] = {{"roc_auc", 0.61},
                           {"pr_auc", 0.30},
                           {"rows", 100},
                           {"positives", 90},
                           {"note", "Trained on the earliest 80 rows by key"}};
  in.test = {{1, 2, 3, 4}, {1, 0, 1, 0}, {0.7, 0.3, 0.6, 0.1}, {0.9, 0.8, 0.6, 0.2}};
  in.validation.raw_scores = in.validation.scores;
  in.importance = {{"tenure", 3.5, 35.0}, {"plan=basic", 7.25, 14.5}};
  in.report = {"Churn model, spring 2026", "CRM extract of 2026-03-01"};
  return in;
}

TEST(ModelReportTest, AnotherTableGetsNoFactsAboutTheUciFile) {
  const RenderedReport r = RenderModelReport(ChurnInput());
  ExpectNoUciFacts(r);
  EXPECT_THAT(r.markdown, HasSubstr("# Churn model, spring 2026: model report"));
  EXPECT_THAT(r.markdown, HasSubstr("- **Data:** CRM extract of 2026-03-01; table `customers`, "
                                    "label `churned` = \"1\""));
  EXPECT_THAT(r.html, HasSubstr("<title>Churn model, spring 2026: model report</title>"));
  // The other class of a 0/1 label is 0. At 0.7 only the 0.7 row is flagged (a positive).
  EXPECT_THAT(r.markdown, HasSubstr("| 0 | 2 | 0 |"));
  EXPECT_THAT(r.markdown, HasSubstr("| 1 | 1 | 1 |"));
  EXPECT_THAT(r.markdown, HasSubstr("2 of them with `churned` = \"1\""));
  // The time split is described by its own figures: 90 of 100 against 2 of 4.
  EXPECT_THAT(r.markdown, HasSubstr("The last rows' positive rate is 90.0% against 50.0%"));
  EXPECT_THAT(r.markdown, HasSubstr("Trainer's note: Trained on the earliest 80 rows by key"));
  EXPECT_THAT(r.html, Not(HasSubstr("id=\"warnings\"")));  // no duration among the features
  EXPECT_FALSE(HasBadNumber(r.html));
  EXPECT_FALSE(HasBadNumber(r.markdown));
}

TEST(ModelReportTest, CalibrationShowsBothCurvesAndTheFiguresBeforeAndAfter) {
  const RenderedReport r = RenderModelReport(ChurnInput());
  const std::string calibration = MarkdownSection(r.markdown, "Calibration (test split)");
  EXPECT_THAT(calibration, HasSubstr("Calibration method: **isotonic**"));
  EXPECT_THAT(calibration, HasSubstr("average 0.425 against a positive rate of 0.500 (ECE 0.275); "
                                     "before calibration they averaged 0.625 (ECE 0.375)"));
  EXPECT_THAT(calibration, HasSubstr("| **calibrated (isotonic)** | 0.4250 | 0.5000 | 0.2750 | "
                                     "0.0875 | 0.3324 |"));
  EXPECT_THAT(calibration, HasSubstr("| uncalibrated (booster output) | 0.6250 | 0.5000 | 0.3750 | "
                                     "0.2125 | 0.6122 |"));
  EXPECT_THAT(calibration, HasSubstr("| base rate (every row 50.0%) | 0.5000 | 0.5000 | 0.0000 | "
                                     "0.2500 | 0.6931 |"));
  EXPECT_THAT(calibration, HasSubstr("the scores carry more than the base rate"));
  // The chart: both curves and the diagonal in the legend.
  const std::string html = HtmlSection(r.html, "calibration-section");
  EXPECT_THAT(html, HasSubstr("<svg id=\"calibration\""));
  EXPECT_THAT(html, HasSubstr(">calibrated (isotonic)</text>"));
  EXPECT_THAT(html, HasSubstr(">uncalibrated (booster output)</text>"));
  EXPECT_THAT(html, HasSubstr(">perfectly calibrated</text>"));
  // The refit note is shown where the figures are: in the summary and in this section.
  EXPECT_THAT(HtmlSection(r.html, "summary"), HasSubstr("the &lt;pre-refit&gt; model"));
  EXPECT_THAT(html, HasSubstr("the &lt;pre-refit&gt; model"));
}

// --- Profile -------------------------------------------------------------------------------

ProfileOptions TinyOptions() {
  ProfileOptions o;
  o.table = "bank_clients";
  o.key = "client_id";
  o.label = "y";
  o.positive_label = "yes";
  o.categorical = {"job"};
  o.numeric = {"age", "pdays"};
  o.sentinels = {{"pdays", 999}};
  return o;
}

// 200 rows: job "student" subscribes 3 in 4 times, "admin." 1 in 10, "unknown" 1 in 5;
// age 20 + (i % 50); pdays 999 except every 10th row (i % 10 == 0 -> pdays 5); duration i.
RowBatch TinyTable() {
  RowBatch b;
  b.columns = {"client_id", "age", "job", "pdays", "duration", "y"};
  for (int i = 0; i < 200; ++i) {
    const int kind = i % 4;
    std::string job = kind == 0 ? "student" : kind == 3 && i % 8 == 3 ? "unknown" : "admin.";
    bool yes = job == "student" ? i % 16 != 0 : job == "unknown" ? i % 40 == 3 : i % 10 == 1;
    const Value age = i == 7 ? Value{} : Value{std::int64_t{20 + i % 50}};  // one NULL
    b.rows.push_back({std::int64_t{i + 1}, age, job, std::int64_t{i % 10 == 0 ? 5 : 999},
                      std::int64_t{i}, std::string(yes ? "yes" : "no")});
  }
  return b;
}

TEST(ProfileTest, ComputesCountsRatesAndStatistics) {
  const RowBatch table = TinyTable();
  TableProfiler profiler(TinyOptions(), table.columns);
  // Two batches, as ScanTable delivers them.
  RowBatch first{table.columns, {table.rows.begin(), table.rows.begin() + 120}};
  RowBatch second{table.columns, {table.rows.begin() + 120, table.rows.end()}};
  profiler.Add(first);
  profiler.Add(second);
  const TableProfile p = profiler.Finish();

  std::int64_t positives = 0;
  for (const auto& row : table.rows) positives += std::get<std::string>(row[5]) == "yes";
  EXPECT_EQ(p.rows, 200);
  EXPECT_EQ(p.labelled, 200);
  EXPECT_EQ(p.positives, positives);
  ASSERT_EQ(p.columns.size(), 6u);

  const ColumnProfile& age = p.columns[1];
  EXPECT_EQ(age.role, "numeric feature");
  EXPECT_TRUE(age.numeric);
  EXPECT_EQ(age.nulls, 1);
  EXPECT_EQ(age.summary.count, 199);
  EXPECT_DOUBLE_EQ(age.summary.min, 20);
  EXPECT_DOUBLE_EQ(age.summary.max, 69);

  const ColumnProfile& job = p.columns[2];
  EXPECT_EQ(job.role, "categorical feature");
  EXPECT_FALSE(job.numeric);
  EXPECT_EQ(job.unknowns, 25);  // i % 8 == 3
  ASSERT_EQ(job.categories.size(), 3u);
  EXPECT_EQ(job.categories[0].label, "admin.");  // most frequent first
  EXPECT_EQ(job.categories[0].rows, 125);
  const ValueGroup& student = job.categories[1];
  EXPECT_EQ(student.label, "student");
  EXPECT_EQ(student.rows, 50);
  EXPECT_EQ(student.positives, 50 - 13);  // i % 16 == 0 among multiples of 4: 0, 16, ..., 192

  const ColumnProfile& pdays = p.columns[3];
  ASSERT_TRUE(pdays.summary.sentinel.has_value());
  EXPECT_EQ(pdays.summary.sentinel_rows, 180);
  EXPECT_EQ(pdays.summary.count, 20);  // the sentinel is not a value
  EXPECT_DOUBLE_EQ(pdays.summary.median, 5);

  const ColumnProfile& duration = p.columns[4];
  EXPECT_EQ(duration.role, "not a feature");
  EXPECT_TRUE(duration.numeric);  // every value is an integer
  // 0..199: type-7 quartiles 49.75, 99.5, 149.25; mean 99.5.
  EXPECT_DOUBLE_EQ(duration.summary.q1, 49.75);
  EXPECT_DOUBLE_EQ(duration.summary.median, 99.5);
  EXPECT_DOUBLE_EQ(duration.summary.q3, 149.25);
  EXPECT_DOUBLE_EQ(duration.summary.mean, 99.5);
  EXPECT_EQ(p.columns[5].role, "label");
}

TEST(ProfileTest, HypothesesAreRankedByTheGapAndSkipLeakage) {
  const RowBatch table = TinyTable();
  TableProfiler profiler(TinyOptions(), table.columns);
  profiler.Add(table);
  const TableProfile p = profiler.Finish();
  const std::vector<Hypothesis> h = RankHypotheses(p);
  ASSERT_FALSE(h.empty());
  for (std::size_t i = 1; i < h.size(); ++i) EXPECT_GE(h[i - 1].gap, h[i].gap);
  for (const Hypothesis& x : h) {
    EXPECT_NE(x.column, "duration");  // leakage
    EXPECT_NE(x.column, "client_id");
    EXPECT_NE(x.column, "y");
  }
  const auto job =
      std::find_if(h.begin(), h.end(), [](const Hypothesis& x) { return x.column == "job"; });
  ASSERT_NE(job, h.end());
  EXPECT_EQ(job->high.label, "student");
  EXPECT_DOUBLE_EQ(job->high.Rate(), 37.0 / 50.0);
  EXPECT_NEAR(job->gap, job->high.Rate() - job->low.Rate(), 1e-12);
}

TEST(ProfileTest, RenderedPageHasEveryChartAndNoBadNumbers) {
  const RowBatch table = TinyTable();
  TableProfiler profiler(TinyOptions(), table.columns);
  profiler.Add(table);
  const TableProfile p = profiler.Finish();
  const RenderedReport r = RenderProfile(p, {"2026-01-02T03:04:05Z", "", "", {}});
  for (const char* id : {"target-balance", "hist-age", "rate-age", "freq-job", "rate-job",
                         "hist-pdays", "rate-pdays", "hist-duration", "rate-duration"}) {
    EXPECT_THAT(r.html, HasSubstr("<svg id=\"" + std::string(id) + "\"")) << id;
  }
  for (const char* section : {"overview", "target", "notes", "hypotheses", "columns"}) {
    EXPECT_THAT(r.html, HasSubstr("<section id=\"" + std::string(section) + "\">")) << section;
  }
  EXPECT_THAT(r.html, HasSubstr("no model trained yet"));
  EXPECT_THAT(r.markdown, HasSubstr("- **Data:** table `bank_clients`, label `y` = \"yes\""));
  EXPECT_THAT(r.html, Not(HasSubstr("<script")));
  EXPECT_THAT(r.markdown, HasSubstr("Sentinel **pdays = 999**"));
  EXPECT_THAT(r.markdown, HasSubstr("**duration** is treated as known only with the outcome"));
  EXPECT_THAT(r.markdown, HasSubstr("90.0%"));  // 180 of 200 rows hold the sentinel
  EXPECT_FALSE(HasBadNumber(r.html));
  EXPECT_FALSE(HasBadNumber(r.markdown));
}

// Every section of the profile, with the numbers a reader checks (TinyTable, counted by hand from
// its comment: 57 of 200 rows are positive, 180 hold the pdays sentinel, 25 jobs are "unknown").
TEST(ProfileTest, EverySectionShowsItsHeadingNumbersAndCharts) {
  const RowBatch table = TinyTable();
  TableProfiler profiler(TinyOptions(), table.columns);
  profiler.Add(table);
  const RenderedReport r = RenderProfile(profiler.Finish(), {"2026-01-02T03:04:05Z", "", "", {}});

  EXPECT_THAT(r.markdown, HasSubstr("# Data profile: bank\\_clients"));
  EXPECT_THAT(r.markdown, HasSubstr("table `bank_clients`, key `client_id`, label `y`"));

  const std::string overview = MarkdownSection(r.markdown, "Overview");
  EXPECT_THAT(overview, HasSubstr("200 rows and 6 columns; 200 rows are labelled, of which 57 "
                                  "(28.5%) are \"yes\""));
  EXPECT_THAT(overview, HasSubstr("literal text `unknown`, held by 1 of the 6 columns."));
  EXPECT_THAT(overview, HasSubstr("| `age` | numeric feature | integer | 199 | 0.5% | 0.0% | 50 | "
                                  "median 45, range 20 to 69 |"));
  EXPECT_THAT(overview, HasSubstr("| `job` | categorical feature | text | 200 | 0.0% | 12.5% | 3 | "
                                  "most frequent `admin.` (62.5%) |"));
  EXPECT_THAT(overview, HasSubstr("median 5, range 5 to 5; sentinel 999 in 90.0% |"));
  EXPECT_THAT(HtmlSection(r.html, "overview"), HasSubstr("<a href=\"#col-age\">"));

  const std::string target = MarkdownSection(r.markdown, "Target balance");
  EXPECT_THAT(target, HasSubstr("57 of 200 labelled rows (28.5%) are positive: about 2.5 "
                                "negatives per positive"));
  EXPECT_THAT(target, HasSubstr("predicting negative for everyone is 71.5% accurate"));
  EXPECT_THAT(target, HasSubstr("| `no` | 143 | 71.5% |"));
  EXPECT_THAT(target, HasSubstr("| `yes` | 57 | 28.5% |"));
  EXPECT_THAT(HtmlSection(r.html, "target"), HasSubstr("<svg id=\"target-balance\""));
  EXPECT_THAT(HtmlSection(r.html, "target"), HasSubstr(">143 (71.5%)</text>"));

  const std::string notes = MarkdownSection(r.markdown, "Leakage, sentinels and unknowns");
  EXPECT_THAT(notes, HasSubstr("> **duration** is treated as known only with the outcome"));
  EXPECT_THAT(notes, HasSubstr("It is not a model feature here"));
  EXPECT_THAT(notes, HasSubstr("Sentinel **pdays = 999** (a configured \"no value\" marker)"));
  EXPECT_THAT(notes, HasSubstr("180 rows (90.0%). Positive rate 27.8% in those rows, 35.0% "
                               "in the others."));
  EXPECT_THAT(notes, HasSubstr("- `job`: 12.5% \"unknown\" (25 rows), positive rate 20.0%"));

  // job: student 37 of 50 (74%), admin. 15 of 125 (12%).
  const std::string hypotheses = MarkdownSection(r.markdown, "Hypotheses the data suggests");
  EXPECT_THAT(hypotheses, HasSubstr("Only groups with at least 20 labelled rows"));
  EXPECT_THAT(hypotheses, HasSubstr("1. **job**: 74.0% positive where job = `student` (50 "
                                    "labelled rows) against 12.0% where job = `admin.` (125); a "
                                    "gap of 62.0 percentage points (overall 28.5%)."));
  EXPECT_THAT(hypotheses, HasSubstr("| 1 | `job` | student | 74.0% | 50 | admin. | 12.0% | 125 | "
                                    "62.0 |"));
  EXPECT_THAT(hypotheses, Not(HasSubstr("**duration**")));  // leakage is left out
  EXPECT_THAT(HtmlSection(r.html, "hypotheses"), HasSubstr("<a href=\"#rate-job\">"));

  const std::string columns = MarkdownSection(r.markdown, "Columns");
  for (const char* name : {"client_id", "age", "job", "pdays", "duration", "y"}) {
    EXPECT_THAT(columns, HasSubstr("### `" + std::string(name) + "`")) << name;
  }
  EXPECT_THAT(columns, HasSubstr("| 199 | 20 | 32 | 45 | 44.588 | 57 | 69 | 14.45 |"));
  EXPECT_THAT(columns, HasSubstr("*Statistics exclude the sentinel 999 (180 rows, 90.0%).*"));
  EXPECT_THAT(columns, HasSubstr("| student | 50 | 25.0% | 50 | 74.0% |"));
  const std::string column_html = HtmlSection(r.html, "columns");
  EXPECT_THAT(column_html, HasSubstr("Role: label."));
  EXPECT_THAT(column_html, HasSubstr("The target: see <a href=\"#target\">"));
  EXPECT_THAT(column_html, HasSubstr("<svg id=\"hist-age\""));
  EXPECT_THAT(column_html, HasSubstr("<svg id=\"rate-age\""));
  EXPECT_THAT(column_html, HasSubstr("<svg id=\"freq-job\""));
  EXPECT_THAT(column_html, HasSubstr("<svg id=\"rate-job\""));
  EXPECT_THAT(column_html, HasSubstr(">74.0% of 50</text>"));
  EXPECT_THAT(column_html, Not(HasSubstr("<svg id=\"hist-client-id\"")));  // the key: no charts
  EXPECT_THAT(r.markdown, HasSubstr("Generated by bankscore profile at 2026-01-02T03:04:05Z"));
}

// months = 12 * age + (row % 5): it ranks like age, so it is named under age, not listed again.
TEST(ProfileTest, ACorrelatedFeatureIsNamedUnderTheListedOne) {
  ProfileOptions o = TinyOptions();
  o.numeric = {"age", "pdays", "months"};
  RowBatch table = TinyTable();
  table.columns.push_back("months");
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    // The age is copied out first: emplace_back may move the row's cells.
    const auto* age_cell = std::get_if<std::int64_t>(&table.rows[i][1]);
    const std::optional<std::int64_t> age =
        age_cell != nullptr ? std::optional<std::int64_t>(*age_cell) : std::nullopt;
    // Set in place, not through a temporary Value: GCC 12 at -O2 takes the copy of a temporary
    // holding an integer for a read of an uninitialised string (-Wmaybe-uninitialized).
    Value& months = table.rows[i].emplace_back();
    if (age) months = *age * 12 + static_cast<std::int64_t>(i % 5);
  }
  TableProfiler profiler(o, table.columns);
  profiler.Add(table);
  const std::string hypotheses =
      MarkdownSection(RenderProfile(profiler.Finish(), {"now", "", "", {}}).markdown,
                      "Hypotheses the data suggests");
  EXPECT_THAT(hypotheses, HasSubstr("2. **age**:"));
  EXPECT_THAT(hypotheses, HasSubstr("It moves with `months` (r = 1.00), whose rates tell much the "
                                    "same story."));
  EXPECT_THAT(hypotheses, Not(HasSubstr("**months**")));
  EXPECT_THAT(hypotheses, HasSubstr("- `age` and `months`: r = 1.00 over 199 rows"));
  EXPECT_THAT(hypotheses, HasSubstr("| 3 | `months` |"));  // still ranked in the full table
}

TEST(ProfileTest, PastTheCapQuantilesComeFromASampleButMomentsStayExact) {
  ProfileOptions o = TinyOptions();
  o.max_exact_values = 16;
  RowBatch b;
  b.columns = {"client_id", "age", "y"};
  for (int i = 0; i < 1000; ++i) {
    b.rows.push_back({std::int64_t{i}, std::int64_t{i}, std::string(i % 2 ? "yes" : "no")});
  }
  o.categorical = {};
  o.numeric = {"age"};
  TableProfiler profiler(o, b.columns);
  profiler.Add(b);
  const TableProfile p = profiler.Finish();
  const NumericSummary& s = p.columns[1].summary;
  EXPECT_TRUE(s.sampled);
  EXPECT_EQ(s.count, 1000);
  EXPECT_DOUBLE_EQ(s.mean, 499.5);
  EXPECT_DOUBLE_EQ(s.min, 0);
  EXPECT_DOUBLE_EQ(s.max, 999);
  EXPECT_LE(s.distinct, 16);
  EXPECT_THAT(RenderProfile(p, {"now", "", "", {}}).html, HasSubstr("uniform sample"));
}

// 120 customers: plan "basic" churns 1 in 2, "premium" 1 in 6; tenure 1 + (i % 60); label 0/1.
TEST(ProfileTest, AnotherTableGetsNoFactsAboutTheUciFile) {
  ProfileOptions o;
  o.table = "customers";
  o.key = "customer_id";
  o.label = "churned";
  o.positive_label = "1";
  o.categorical = {"plan"};
  o.numeric = {"tenure"};
  RowBatch b;
  b.columns = {"customer_id", "tenure", "plan", "churned"};
  for (int i = 0; i < 120; ++i) {
    const bool basic = i % 2 == 0;
    const bool churned = basic ? i % 4 == 0 : i % 12 == 1;
    b.rows.push_back({std::int64_t{i + 1}, std::int64_t{1 + i % 60},
                      std::string(basic ? "basic" : "premium"), std::string(churned ? "1" : "0")});
  }
  TableProfiler profiler(o, b.columns);
  profiler.Add(b);
  const RenderedReport r =
      RenderProfile(profiler.Finish(),
                    {"now", "", "", {"Churn model, spring 2026", "CRM extract of 2026-03-01"}});
  ExpectNoUciFacts(r);
  EXPECT_THAT(r.markdown, HasSubstr("# Churn model, spring 2026: data profile"));
  EXPECT_THAT(r.markdown, HasSubstr("- **Data:** CRM extract of 2026-03-01; table `customers`, "
                                    "label `churned` = \"1\""));
  EXPECT_THAT(r.markdown, HasSubstr("literal text `unknown`, which no column holds."));
  // basic: 30 of 60 churn; premium: 10 of 60.
  EXPECT_THAT(r.markdown, HasSubstr("**plan**: 50.0% positive where plan = `basic`"));
  EXPECT_THAT(r.markdown, Not(HasSubstr("duration")));
}

TEST(ProfileTest, RefusesABatchWithOtherColumns) {
  TableProfiler profiler(TinyOptions(), {"client_id", "age"});
  RowBatch b;
  b.columns = {"client_id", "job"};
  EXPECT_THROW(profiler.Add(b), DataError);
}

// --- Document markup and output --------------------------------------------------------------

TEST(ReportDocumentTest, InlineMarkupIsRenderedAndDataIsQuoted) {
  using report::InlineHtml;
  using report::InlineMarkdown;
  using report::Md;
  EXPECT_EQ(InlineHtml("**bold** and `code`"), "<strong>bold</strong> and <code>code</code>");
  EXPECT_EQ(InlineHtml("[see](#rate-job)"), "<a href=\"#rate-job\">see</a>");
  // Only links within the page.
  EXPECT_EQ(InlineHtml("[x](https://example.com)"), "x");
  EXPECT_EQ(InlineHtml(Md("a*b <c> & [d](#e)")), "a*b &lt;c&gt; &amp; [d](#e)");
  EXPECT_EQ(InlineHtml("**unclosed"), "<strong>unclosed</strong>");
  EXPECT_EQ(InlineMarkdown("[see](#x) **b**"), "see **b**");
  // Markdown code spans take no backslash escapes.
  EXPECT_EQ(InlineMarkdown("`" + Md("day_of_week") + "` " + Md("a_b")), "`day_of_week` a\\_b");
}

TEST(ReportDocumentTest, NumbersForPeople) {
  EXPECT_EQ(report::FormatCount(41188), "41,188");
  EXPECT_EQ(report::FormatCount(-1234567), "-1,234,567");
  EXPECT_EQ(report::FormatFixed(-0.0001, 3), "0.000");  // no "-0.000"
  EXPECT_EQ(report::FormatPercent(0.1127), "11.3%");
  EXPECT_EQ(report::FormatSignificant(44.58793, 5), "44.588");
  EXPECT_EQ(report::FormatSignificant(0.000123456, 3), "0.000123");
  EXPECT_EQ(report::FormatSignificant(NAN, 5), "n/a");
  EXPECT_EQ(report::FormatPercent(INFINITY), "n/a");
  EXPECT_DOUBLE_EQ(report::Share(1, 4), 0.25);
  EXPECT_DOUBLE_EQ(report::Share(3, 0), 0.0);  // nothing to share, not NaN
}

TEST(ReportDocumentTest, TablesGoWhereTheyAreAskedTo) {
  report::ReportDocument doc("T <1>");
  doc.BeginSection("s", "Section");
  report::Table page_only;
  page_only.header = {"only-page"};
  page_only.in_summary = false;
  report::Table summary_only;
  summary_only.header = {"only-summary"};
  summary_only.in_page = false;
  doc.AddTable(page_only);
  doc.AddTable(summary_only);
  doc.AddFigure("<svg id=\"f\" width=\"300\"></svg>", "caption");
  const std::string html = doc.RenderHtml();
  const std::string md = doc.RenderMarkdown();
  EXPECT_THAT(html, HasSubstr("only-page"));
  EXPECT_THAT(html, Not(HasSubstr("only-summary")));
  EXPECT_THAT(md, HasSubstr("only-summary"));
  EXPECT_THAT(md, Not(HasSubstr("only-page")));
  EXPECT_THAT(html, HasSubstr("<figure style=\"max-width:300px\">"));
  EXPECT_THAT(md, Not(HasSubstr("<svg")));
  EXPECT_THAT(html, HasSubstr("<title>T &lt;1&gt;</title>"));
}

TEST(ReportOutputTest, UnwritableDirectoryThrowsWithThePath) {
  namespace fs = std::filesystem;
  const fs::path base = fs::temp_directory_path() / "bankscore-report-test-file";
  { std::ofstream(base) << "a file, not a directory"; }
  const std::string target = (base / "reports").string();
  try {
    report::PrepareOutputDirectory(target);
    ADD_FAILURE() << "no exception";
  } catch (const ReportOutputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr(target));
  }
  fs::remove(base);
}

TEST(ModelReportTest, ShapImportanceRanksSourceColumnsAndSaysWhenTheModelHasNone) {
  ModelReportInput in = TinyInput();
  const RenderedReport without = RenderModelReport(in);
  EXPECT_THAT(HtmlSection(without.html, "shap-importance"), HasSubstr("train again to see it"));
  in.shap_importance = {{"euribor3m", 0.4126}, {"poutcome", 0.25}};
  const RenderedReport r = RenderModelReport(in);
  const std::string section = HtmlSection(r.html, "shap-importance");
  EXPECT_THAT(section, HasSubstr("<svg id=\"shap-importance\""));
  EXPECT_THAT(section, HasSubstr("mean |contribution| to the log-odds"));
  const std::string md =
      MarkdownSection(r.markdown, "Feature importance per source column (mean |SHAP|)");
  EXPECT_THAT(md, HasSubstr("| 1 | `euribor3m` | 0.413 |"));
  EXPECT_THAT(md, HasSubstr("| 2 | `poutcome` | 0.250 |"));
}

TEST(ModelReportTest, ShapSummaryChartsFollowTheImportanceOrSayTheModelHasNone) {
  ModelReportInput in = TinyInput();
  const RenderedReport without = RenderModelReport(in);
  EXPECT_THAT(HtmlSection(without.html, "shap-summary"),
              HasSubstr("not available for this model (trained before"));
  EXPECT_THAT(without.markdown, HasSubstr("not available for this model"));
  in.shap_summary = {{"age", false, 0.3, {{0.5, 61.0, ""}, {-0.2, 30.0, ""}}},
                     {"job", true, 0.2, {{0.4, std::nullopt, "<b>retired</b>"}}}};
  const RenderedReport r = RenderModelReport(in);
  const std::string section = HtmlSection(r.html, "shap-summary");
  EXPECT_THAT(section, HasSubstr("<svg id=\"shap-summary-1-age\""));
  EXPECT_THAT(section, HasSubstr("<svg id=\"shap-summary-2-job\""));
  EXPECT_THAT(section, HasSubstr("&lt;b&gt;retired&lt;/b&gt;"));
  EXPECT_THAT(section, Not(HasSubstr("<b>retired")));
  // Right after the mean |SHAP| section, and listed in the contents.
  EXPECT_LT(r.html.find("<section id=\"shap-importance\">"),
            r.html.find("<section id=\"shap-summary\">"));
  EXPECT_THAT(r.html, HasSubstr("<a href=\"#shap-summary\">"));
  EXPECT_FALSE(HasBadNumber(r.html));
}

}  // namespace
}  // namespace bankscore
