// SVG charts: escaping, data-to-pixel mapping, nice ticks, and degenerate input.
#include "report/svg_chart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "report/html_document.h"

namespace bankscore::report {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// "nan" or "inf" as a word: what a bad number turns into when printed.
bool HasBadNumber(const std::string& text) {
  static const std::regex bad(R"((^|[^A-Za-z])(nan|inf|infinity)([^A-Za-z]|$))", std::regex::icase);
  return std::regex_search(text, bad);
}

Series MakeSeries(std::string name, std::vector<double> x, std::vector<double> y) {
  Series s;
  s.name = std::move(name);
  s.x = std::move(x);
  s.y = std::move(y);
  return s;
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(EscapeHtmlTest, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(EscapeHtml(R"(<a href="x">Tom & 'Jerry'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(EscapeHtml("plain text, 100%"), "plain text, 100%");
}

TEST(SvgChartTest, LineChartEscapesTitleLabelsAndSeriesNames) {
  LineChartSpec spec;
  spec.id = "c1";
  spec.title = "Scores <script>alert(1)</script> & \"more\"";
  spec.x_axis.label = "x < 1 & y > 0";
  spec.y_axis.label = "it's";
  spec.series.push_back(MakeSeries("a&b <i>", {0, 1}, {0, 1}));
  spec.series.push_back(MakeSeries("second", {0, 1}, {1, 0}));
  spec.markers.push_back({0.5, "t <= 0.5", "#000000"});
  const std::string svg = LineChart(spec);
  EXPECT_THAT(svg, Not(HasSubstr("<script>")));
  EXPECT_THAT(svg, Not(HasSubstr("<i>")));
  EXPECT_THAT(svg, HasSubstr("<title id=\"c1-title\">Scores &lt;script&gt;alert(1)&lt;/script&gt; "
                             "&amp; &quot;more&quot;</title>"));
  EXPECT_THAT(svg, HasSubstr(">x &lt; 1 &amp; y &gt; 0</text>"));
  EXPECT_THAT(svg, HasSubstr(">it&#39;s</text>"));
  EXPECT_THAT(svg, HasSubstr(">a&amp;b &lt;i&gt;</text>"));
  EXPECT_THAT(svg, HasSubstr(">t &lt;= 0.5</text>"));
}

TEST(SvgChartTest, BarAndConfusionChartsEscapeCategoryNames) {
  BarChartSpec bars;
  bars.id = "b1";
  bars.title = "Rate by <job>";
  bars.category_label = "job & co";
  bars.bars = {{"blue-collar <x>", 0.1, "10% \"n\""}, {"a'b", 0.2, ""}};
  const std::string svg = BarChart(bars);
  EXPECT_THAT(svg, HasSubstr("blue-collar &lt;x&gt;"));
  EXPECT_THAT(svg, HasSubstr("10% &quot;n&quot;"));
  EXPECT_THAT(svg, HasSubstr("a&#39;b"));
  EXPECT_THAT(svg, HasSubstr("job &amp; co"));
  EXPECT_THAT(svg, Not(HasSubstr("<job>")));

  ConfusionSpec confusion;
  confusion.id = "cm";
  confusion.title = "CM";
  confusion.negative_name = "<no>";
  confusion.positive_name = "y&s";
  const std::string cm = ConfusionChart(confusion);
  EXPECT_THAT(cm, HasSubstr("&lt;no&gt;"));
  EXPECT_THAT(cm, HasSubstr("y&amp;s"));
  EXPECT_THAT(cm, Not(HasSubstr("<no>")));
}

TEST(SvgChartTest, LineChartMapsDataToPixels) {
  // Plot area: x from 80 to 500 - 10 = 490 (410 px), y from 30 down to 300 - 40 = 260 (230 px).
  LineChartSpec spec;
  spec.id = "map";
  spec.title = "mapping";
  spec.layout = {500, 300, 80, 10, 30, 40};
  spec.x_axis.label = "x";
  spec.x_axis.range = std::make_pair(0.0, 10.0);
  spec.y_axis.label = "y";
  spec.y_axis.range = std::make_pair(0.0, 100.0);
  spec.series.push_back(MakeSeries("s", {0, 2.5, 10}, {0, 40, 100}));
  const std::string svg = LineChart(spec);
  // (2.5, 40): x = 80 + 2.5 / 10 * 410 = 182.5; y = 260 - 40 / 100 * 230 = 168.
  EXPECT_THAT(svg, HasSubstr("points=\"80.0,260.0 182.5,168.0 490.0,30.0\""));
  EXPECT_THAT(svg, HasSubstr("viewBox=\"0 0 500.0 300.0\""));
}

TEST(SvgChartTest, LinearMapInvertsForAnUpwardYAxis) {
  const LinearMap y{0, 1, 260, 30};
  EXPECT_DOUBLE_EQ(y(0), 260);
  EXPECT_DOUBLE_EQ(y(1), 30);
  EXPECT_DOUBLE_EQ(y(0.25), 202.5);
}

TEST(NiceScaleTest, PicksOneTwoFiveSteps) {
  const NiceScale a = MakeNiceScale(0, 0.87, 6);
  EXPECT_DOUBLE_EQ(a.step, 0.2);
  ASSERT_EQ(a.ticks.size(), 6u);
  EXPECT_DOUBLE_EQ(a.ticks.front(), 0.0);
  EXPECT_NEAR(a.ticks.back(), 1.0, 1e-12);
  EXPECT_NEAR(a.hi, 1.0, 1e-12);

  const NiceScale ages = MakeNiceScale(17, 98, 6);
  EXPECT_DOUBLE_EQ(ages.step, 20);
  EXPECT_THAT(ages.ticks, ElementsAre(0, 20, 40, 60, 80, 100));

  // -3.4 .. 1.4 would need 7 ticks at step 1, so the step grows to 2.
  const NiceScale rates = MakeNiceScale(-3.4, 1.4, 6);
  EXPECT_DOUBLE_EQ(rates.step, 2);
  EXPECT_THAT(rates.ticks, ElementsAre(-4, -2, 0, 2));

  const NiceScale employed = MakeNiceScale(4963.6, 5228.1, 6);
  EXPECT_DOUBLE_EQ(employed.step, 100);
  EXPECT_THAT(employed.ticks, ElementsAre(4900, 5000, 5100, 5200, 5300));
}

TEST(NiceScaleTest, DegenerateAndNonFiniteRanges) {
  const NiceScale single = MakeNiceScale(5, 5, 6);
  EXPECT_LT(single.lo, 5);
  EXPECT_GT(single.hi, 5);
  EXPECT_GE(single.ticks.size(), 2u);

  const NiceScale zero = MakeNiceScale(0, 0, 6);
  EXPECT_LT(zero.lo, 0);
  EXPECT_GT(zero.hi, 0);

  const NiceScale bad = MakeNiceScale(kNaN, std::numeric_limits<double>::infinity(), 6);
  EXPECT_DOUBLE_EQ(bad.lo, 0);
  EXPECT_DOUBLE_EQ(bad.hi, 1);
}

TEST(NiceScaleTest, TickLabelsUseTheStepsDecimals) {
  EXPECT_EQ(FormatTick(0.2, 0.2), "0.2");
  EXPECT_EQ(FormatTick(0.0, 0.05), "0.00");
  EXPECT_EQ(FormatTick(40, 20), "40");
  EXPECT_EQ(FormatTick(0.25, 0.05, true), "25%");
  EXPECT_EQ(FormatTick(20000, 5000), "20,000");
  EXPECT_EQ(FormatTick(-0.0, 0.5), "0.0");
}

TEST(SvgChartTest, EmptySeriesGiveAxesAndNoData) {
  LineChartSpec spec;
  spec.id = "empty";
  spec.title = "nothing";
  spec.series.push_back(MakeSeries("none", {}, {}));
  const std::string svg = LineChart(spec);
  EXPECT_THAT(svg, HasSubstr("<svg id=\"empty\""));
  EXPECT_THAT(svg, HasSubstr("no data"));
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  EXPECT_THAT(svg, Not(HasSubstr("<polyline")));
  EXPECT_FALSE(HasBadNumber(svg));

  LineChartSpec no_series;
  no_series.id = "none";
  EXPECT_THAT(LineChart(no_series), HasSubstr("no data"));

  HistogramSpec histogram;
  histogram.id = "h";
  EXPECT_THAT(Histogram(histogram), HasSubstr("no data"));
  EXPECT_FALSE(HasBadNumber(Histogram(histogram)));

  BarChartSpec bars;
  bars.id = "b";
  EXPECT_THAT(BarChart(bars), HasSubstr("no data"));
  EXPECT_FALSE(HasBadNumber(BarChart(bars)));
}

TEST(SvgChartTest, NonFinitePointsBreakTheLineAndNeverPrint) {
  LineChartSpec spec;
  spec.id = "gaps";
  spec.series.push_back(MakeSeries("s", {0, 0.25, 0.5, 0.75, 1}, {0, 0.5, kNaN, 0.5, 1}));
  spec.markers.push_back({kNaN, "bad", "#000000"});
  spec.points.push_back({std::numeric_limits<double>::infinity(), 0.5, "bad point", "#000000"});
  const std::string svg = LineChart(spec);
  EXPECT_EQ(Count(svg, "<polyline"), 2u);
  EXPECT_FALSE(HasBadNumber(svg));
  EXPECT_THAT(svg, Not(HasSubstr("no data")));
}

TEST(SvgChartTest, HistogramDrawsOneBarPerBinAndSeries) {
  HistogramSpec spec;
  spec.id = "hist";
  spec.title = "two classes";
  spec.edges = {0, 0.5, 1};
  spec.series = {{"a", {0.2, 0.8}, ""}, {"b", {0.6, 0.4}, ""}};
  spec.markers.push_back({0.5, "threshold", "#000000"});
  const std::string svg = Histogram(spec);
  // Background + clip area + 2 series x 2 bins + 2 legend swatches.
  EXPECT_EQ(Count(svg, "<rect"), 1u + 1u + 4u + 2u);
  EXPECT_THAT(svg, HasSubstr(">threshold</text>"));
}

TEST(SvgChartTest, ConfusionChartShowsCountsAndRowShares) {
  ConfusionSpec spec;
  spec.id = "confusion-matrix";
  spec.title = "CM";
  spec.true_negative = 6596;
  spec.false_positive = 714;
  spec.false_negative = 385;
  spec.true_positive = 543;
  const std::string svg = ConfusionChart(spec);
  EXPECT_THAT(svg, HasSubstr(">6,596</text>"));
  EXPECT_THAT(svg, HasSubstr(">543</text>"));
  EXPECT_THAT(svg, HasSubstr("58.5% of actual yes"));  // 543 / 928
  EXPECT_THAT(svg, HasSubstr("n = 8,238"));
}

TEST(SvgChartTest, LongCategoryLabelsAreTruncatedOnCharacterBoundaries) {
  BarChartSpec spec;
  spec.id = "long";
  spec.bars = {{std::string(50, 'x') + "\xC3\xA9", 1, ""}};
  const std::string svg = BarChart(spec);
  EXPECT_THAT(svg, HasSubstr(std::string(kMaxLabelChars - 1, 'x') + "\xE2\x80\xA6"));
  EXPECT_THAT(svg, Not(HasSubstr(std::string(kMaxLabelChars, 'x'))));
}

}  // namespace
}  // namespace bankscore::report
