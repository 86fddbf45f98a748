// The analyst reports rendered from plain structs: every chart and section is present, the numbers
// shown are the ones computed by hand, optional parts appear only when the bundle has them, and the
// profile's statistics and hypotheses come from the data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
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
  in.test = {{1, 2, 3, 4}, {1, 0, 1, 0}, {0.9, 0.8, 0.6, 0.2}};
  in.validation = {{5, 6, 7, 8, 9, 10}, {1, 0, 0, 1, 0, 1}, {0.95, 0.1, 0.4, 0.75, 0.72, 0.3}};
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
  EXPECT_THAT(r.html, HasSubstr("Moro"));
  EXPECT_THAT(r.html, HasSubstr("CC BY 4.0"));
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
  EXPECT_THAT(r.markdown, HasSubstr("much higher subscription rate (90.0% in the last rows"));
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

TEST(ModelReportTest, RefusesEmptyScoredSets) {
  ModelReportInput in = TinyInput();
  in.test = {};
  EXPECT_THROW(RenderModelReport(in), DataError);
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
  const RenderedReport r = RenderProfile(p, {"2026-01-02T03:04:05Z", "", ""});
  for (const char* id : {"target-balance", "hist-age", "rate-age", "freq-job", "rate-job",
                         "hist-pdays", "rate-pdays", "hist-duration", "rate-duration"}) {
    EXPECT_THAT(r.html, HasSubstr("<svg id=\"" + std::string(id) + "\"")) << id;
  }
  for (const char* section : {"overview", "target", "notes", "hypotheses", "columns"}) {
    EXPECT_THAT(r.html, HasSubstr("<section id=\"" + std::string(section) + "\">")) << section;
  }
  EXPECT_THAT(r.html, HasSubstr("no model trained yet"));
  EXPECT_THAT(r.html, HasSubstr("Moro"));
  EXPECT_THAT(r.html, Not(HasSubstr("<script")));
  EXPECT_THAT(r.markdown, HasSubstr("Sentinel **pdays = 999**"));
  EXPECT_THAT(r.markdown, HasSubstr("**duration** is known only after the call"));
  EXPECT_THAT(r.markdown, HasSubstr("90.0%"));  // 180 of 200 rows hold the sentinel
  EXPECT_FALSE(HasBadNumber(r.html));
  EXPECT_FALSE(HasBadNumber(r.markdown));
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
  EXPECT_THAT(RenderProfile(p, {"now", "", ""}).html, HasSubstr("uniform sample"));
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

}  // namespace
}  // namespace bankscore
