// The SHAP summary charts (report/shap_summary_chart.h): one dot per sampled point, the zero line,
// categories ordered by mean contribution, text from the data escaped, and the table of where
// each column pushes the score most.
#include "report/shap_summary_chart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace bankscore::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::size_t CountOf(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// age: 40 numbers from 20 to 59 whose contribution grows with them, and 3 NULLs.
ShapColumnSummary AgeColumn() {
  ShapColumnSummary c{"age", false, 0.3, {}};
  for (int i = 0; i < 40; ++i) c.points.push_back({(i - 20) * 0.05, 20.0 + i, ""});
  for (int i = 0; i < 3; ++i) c.points.push_back({-0.4, std::nullopt, "NULL"});
  return c;
}

// job: "retired" pushes up, "<script>alert(1)</script>" down, "admin." in between.
ShapColumnSummary JobColumn() {
  ShapColumnSummary c{"job", true, 0.2, {}};
  for (int i = 0; i < 5; ++i) {
    c.points.push_back({0.8, std::nullopt, "retired"});
    c.points.push_back({-0.6, std::nullopt, "<script>alert(1)</script>"});
    c.points.push_back({0.1, std::nullopt, "admin."});
  }
  return c;
}

TEST(ShapSummaryChartTest, NumericChartHasOneDotPerNumberAndAZeroLine) {
  const std::string svg = ShapDependenceChart(AgeColumn(), "shap-age");
  EXPECT_THAT(svg, HasSubstr("<svg id=\"shap-age\""));
  EXPECT_EQ(CountOf(svg, "<circle"), 40u);  // the NULLs are not on the value axis
  EXPECT_THAT(svg, HasSubstr("contribution to log-odds"));
  EXPECT_THAT(svg, HasSubstr("age (value)"));
  EXPECT_THAT(svg, HasSubstr("above zero: raises the score"));
  // The zero line: the chart's only solid dark line across the plot.
  EXPECT_EQ(CountOf(svg, "stroke=\"#1f2328\" stroke-width=\"1.2\""), 1u);
}

TEST(ShapSummaryChartTest, CategoricalChartEscapesNamesAndOrdersThemByMeanContribution) {
  const std::string svg = ShapDependenceChart(JobColumn(), "shap-job");
  EXPECT_EQ(CountOf(svg, "<circle"), 15u);
  EXPECT_THAT(svg, Not(HasSubstr("<script")));
  EXPECT_THAT(svg, HasSubstr(">&lt;script&gt;alert(1)&lt;"));  // escaped, cut to 18 characters
  const std::size_t hostile = svg.find("&lt;script&gt;");
  const std::size_t admin = svg.find(">admin.<");
  const std::size_t retired = svg.find(">retired<");
  ASSERT_NE(admin, std::string::npos);
  ASSERT_NE(retired, std::string::npos);
  EXPECT_LT(svg.find(">&lt;script", 0), admin);  // lowest mean first (left)
  EXPECT_LT(admin, retired);
  EXPECT_NE(hostile, std::string::npos);
}

TEST(ShapSummaryChartTest, NullAndSentinelRowsOfANumericColumnGetStripsOfTheirOwn) {
  ShapColumnSummary pdays = AgeColumn();
  pdays.column = "pdays";
  for (int i = 0; i < 4; ++i) pdays.points.push_back({0.2, std::nullopt, "999 (sentinel)"});
  const std::string svg = ShapMissingValuesChart(pdays, "shap-pdays-missing");
  EXPECT_EQ(CountOf(svg, "<circle"), 7u);  // 3 NULL, 4 sentinel
  EXPECT_THAT(svg, HasSubstr("pdays: values the model sees as missing"));
  EXPECT_LT(svg.find(">NULL<"), svg.find(">999 (sentinel)<"));  // -0.4 before +0.2
  EXPECT_EQ(ShapMissingValuesChart(JobColumn(), "x"), "");      // categories are on their own axis
  ShapColumnSummary numbers_only = AgeColumn();
  numbers_only.points.resize(40);
  EXPECT_EQ(ShapMissingValuesChart(numbers_only, "x"), "");
}

TEST(ShapSummaryChartTest, ManyCategoriesKeepTheCommonestTwelve) {
  ShapColumnSummary c{"month", true, 0.1, {}};
  for (int m = 0; m < 15; ++m) {
    for (int i = 0; i <= m; ++i)
      c.points.push_back({0.01 * m, std::nullopt, "m" + std::to_string(m)});
  }
  const std::string svg = ShapDependenceChart(c, "shap-month");
  EXPECT_THAT(svg, Not(HasSubstr(">m0<")));  // the rarest three are left out
  EXPECT_THAT(svg, Not(HasSubstr(">m2<")));
  EXPECT_THAT(svg, HasSubstr(">m3<"));
  EXPECT_EQ(CountOf(svg, "<circle"), 120u - 6u);  // 1 + 2 + 3 points left out
}

TEST(ShapSummaryChartTest, ValueGroupsAreRangesThenSpecialValues) {
  const std::vector<ShapValueGroup> groups = ShapValueGroups(AgeColumn());
  ASSERT_EQ(groups.size(), 6u);  // five ranges of 8 values, then NULL
  EXPECT_EQ(groups[0].text, "20 to 27");
  EXPECT_EQ(groups[0].rows, 8u);
  EXPECT_EQ(groups[4].text, "52 to 59");
  EXPECT_EQ(groups[5].text, "NULL");
  EXPECT_NEAR(groups[5].mean, -0.4, 1e-12);
  EXPECT_LT(groups[0].mean, groups[4].mean);
}

TEST(ShapSummaryChartTest, SectionHasAChartPerColumnAndTheTableOfExtremes) {
  ReportDocument doc("t");
  ShapSummarySection(doc, {AgeColumn(), JobColumn()});
  const std::string html = doc.RenderHtml();
  const std::string md = doc.RenderMarkdown();
  EXPECT_THAT(html, HasSubstr("<svg id=\"shap-summary-1-age\""));
  EXPECT_THAT(html, HasSubstr("<svg id=\"shap-summary-1-age-missing\""));
  EXPECT_THAT(html, HasSubstr("<svg id=\"shap-summary-2-job\""));
  EXPECT_THAT(html, Not(HasSubstr("shap-summary-2-job-missing")));
  EXPECT_THAT(html, HasSubstr("3 of them have no value on the axis"));
  EXPECT_THAT(html, HasSubstr("Points above zero push the score up"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(md, HasSubstr("| `age` | 52 to 59 (+0.78, 8 rows) | 20 to 27 (-0.83, 8 rows) |"));
  EXPECT_THAT(md, HasSubstr("| `job` | retired (+0.80, 5 rows) |"));
  EXPECT_THAT(md, Not(HasSubstr("<svg")));
  // Quoted, so that a Markdown viewer shows the name instead of taking it for a tag.
  EXPECT_THAT(md, HasSubstr("| \\<script\\>alert(1)\\</script\\> (-0.60, 5 rows) |"));
}

TEST(ShapSummaryChartTest, SectionSaysWhenTheModelHasNone) {
  ReportDocument doc("t");
  ShapSummarySection(doc, {});
  EXPECT_THAT(doc.RenderHtml(), HasSubstr("not available for this model (trained before"));
  EXPECT_THAT(doc.RenderMarkdown(), HasSubstr("not available for this model"));
}

}  // namespace
}  // namespace bankscore::report
