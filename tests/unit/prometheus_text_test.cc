// The Prometheus text writer (src/service/prometheus_text) against the exposition format's rules,
// checked by the independent parser of tests/support/prometheus_format.h, which is itself checked
// here on text that breaks the rules.
#include "service/prometheus_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "support/prometheus_format.h"

namespace bankscore::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Type = PrometheusText::Type;

TEST(PrometheusTextTest, FamiliesHaveHelpAndTypeBeforeTheirSamples) {
  PrometheusText out;
  out.Family("bankscore_runs", Type::kGauge, "Runs by status.");
  out.Sample({{"kind", "score"}, {"status", "succeeded"}}, 3);
  out.Sample({{"kind", "score"}, {"status", "failed"}}, 1);
  out.Family("bankscore_rows_scored_total", Type::kCounter, "Rows scored.");
  out.Sample({}, 41188);
  EXPECT_EQ(out.text(),
            "# HELP bankscore_runs Runs by status.\n"
            "# TYPE bankscore_runs gauge\n"
            "bankscore_runs{kind=\"score\",status=\"succeeded\"} 3\n"
            "bankscore_runs{kind=\"score\",status=\"failed\"} 1\n"
            "# HELP bankscore_rows_scored_total Rows scored.\n"
            "# TYPE bankscore_rows_scored_total counter\n"
            "bankscore_rows_scored_total 41188\n");
  const testing::PrometheusScrape scrape = testing::ParsePrometheus(out.text());
  EXPECT_THAT(scrape.problems, IsEmpty());
  EXPECT_EQ(scrape.samples.at("bankscore_rows_scored_total"), 41188);
  EXPECT_EQ(scrape.types.at("bankscore_runs"), "gauge");
}

TEST(PrometheusTextTest, LabelValuesAndHelpAreEscaped) {
  PrometheusText out;
  out.Family("m", Type::kGauge, "back\\slash\nnew line");
  out.Sample({{"version", "a\"b\\c\nd"}}, 1);
  EXPECT_THAT(out.text(), HasSubstr("# HELP m back\\\\slash\\nnew line\n"));
  EXPECT_THAT(out.text(), HasSubstr("m{version=\"a\\\"b\\\\c\\nd\"} 1\n"));
  const testing::PrometheusScrape scrape = testing::ParsePrometheus(out.text());
  EXPECT_THAT(scrape.problems, IsEmpty());
}

TEST(PrometheusTextTest, NumbersAsTheFormatWritesThem) {
  EXPECT_EQ(PrometheusNumber(42), "42");
  EXPECT_EQ(PrometheusNumber(-3), "-3");
  EXPECT_EQ(PrometheusNumber(0.25), "0.25");
  EXPECT_EQ(std::stod(PrometheusNumber(0.1 + 0.2)), 0.1 + 0.2);  // reads back exactly
  EXPECT_EQ(PrometheusNumber(std::nan("")), "NaN");
  EXPECT_EQ(PrometheusNumber(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(PrometheusNumber(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(PrometheusNumber(1795956090.5), "1795956090.5");
}

TEST(PrometheusTextTest, HistogramBucketsAreCumulativeAndEndWithInfEqualToCount) {
  PrometheusText out;
  out.Family("latency_seconds", Type::kHistogram, "Latency.");
  out.Histogram({{"route", "/v1/score"}}, {0.001, 0.01}, {2, 3}, 1, 0.5);
  EXPECT_EQ(out.text(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{route=\"/v1/score\",le=\"0.001\"} 2\n"
            "latency_seconds_bucket{route=\"/v1/score\",le=\"0.01\"} 5\n"
            "latency_seconds_bucket{route=\"/v1/score\",le=\"+Inf\"} 6\n"
            "latency_seconds_sum{route=\"/v1/score\"} 0.5\n"
            "latency_seconds_count{route=\"/v1/score\"} 6\n");
  EXPECT_THAT(testing::ParsePrometheus(out.text()).problems, IsEmpty());
}

TEST(PrometheusTextTest, BrokenRulesAreProgrammingErrors) {
  PrometheusText out;
  EXPECT_THROW(out.Sample({}, 1), std::logic_error);  // no family yet
  EXPECT_THROW(out.Family("9lives", Type::kGauge, ""), std::logic_error);
  EXPECT_THROW(out.Family("has space", Type::kGauge, ""), std::logic_error);
  out.Family("ok:name_1", Type::kGauge, "");
  EXPECT_THROW(out.Family("ok:name_1", Type::kCounter, ""), std::logic_error);  // twice
  EXPECT_THROW(out.Sample({{"__reserved", "x"}}, 1), std::logic_error);
  EXPECT_THROW(out.Sample({{"bad-label", "x"}}, 1), std::logic_error);
  EXPECT_THROW(out.Histogram({}, {1}, {1}, 0, 1), std::logic_error);  // not a histogram family
  out.Family("h", Type::kHistogram, "");
  EXPECT_THROW(out.Sample({}, 1), std::logic_error);
  EXPECT_THROW(out.Histogram({{"le", "1"}}, {1}, {1}, 0, 1), std::logic_error);
  EXPECT_THROW(out.Histogram({}, {1, 2}, {1}, 0, 1), std::logic_error);
}

// The checker used on /metrics finds what it must.
TEST(PrometheusFormatCheckTest, FindsBrokenRules) {
  EXPECT_THAT(testing::ParsePrometheus("a 1\n").problems,
              ElementsAre(HasSubstr("before (or without) its family's TYPE")));
  EXPECT_THAT(testing::ParsePrometheus("# TYPE a gauge\na{x=\"1\" 2\n").problems,
              ElementsAre(HasSubstr("not a sample line")));
  EXPECT_THAT(testing::ParsePrometheus("# TYPE a gauge\na one\n").problems,
              ElementsAre(HasSubstr("value is not a number")));
  EXPECT_THAT(
      testing::ParsePrometheus("# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x=\"2\"} 1\n").problems,
      ElementsAre(HasSubstr("interleaved")));
  EXPECT_THAT(testing::ParsePrometheus("# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                                       "h_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n")
                  .problems,
              ElementsAre(HasSubstr("do not rise")));
  EXPECT_THAT(testing::ParsePrometheus("# TYPE a gauge\na{x=\"\\t\"} 1\n").problems,
              ElementsAre(HasSubstr("malformed labels")));
}

}  // namespace
}  // namespace bankscore::service
