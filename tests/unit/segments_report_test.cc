// Segment profiles and their descriptions from hand-made aggregates, and the segments report
// rendered from a fitted segmentation: every chart, no broken numbers, a self-contained page.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "model/segment_profile.h"
#include "model/segmentation.h"
#include "report/segments_report.h"
#include "report/svg_chart.h"

namespace bankscore {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Ages 30 and 50 (mean 40, sd 10), jobs admin and retired.
SegmentationModel TwoSegmentModel() {
  SegmentationModel m;
  m.k = 2;
  m.encoder = SegmentEncoder::Fit(
      {"job"}, {"age"}, {}, {"job", "age"},
      {{std::string("admin"), std::int64_t{30}}, {std::string("retired"), std::int64_t{50}}});
  return m;
}

SegmentStats Stats(int segment, std::int64_t rows, std::int64_t positives, double age_sum,
                   std::int64_t admin, std::int64_t retired) {
  SegmentStats s;
  s.segment = segment;
  s.rows = rows;
  s.labelled = rows;
  s.positives = positives;
  s.numeric_count = {rows};
  s.numeric_sum = {age_sum};
  s.category_counts = {{{"admin", admin}, {"retired", retired}}};
  return s;
}

TEST(SegmentProfileTest, DescribesTheMostDistinctiveTraitsAndTheOutcome) {
  // Segment 1: 100 clients, age 30, 90% admin, 10% subscribe. Segment 2: 50 clients, age 60, 80%
  // retired, 50% subscribe. All: age 40, admin 67%, retired 33%.
  const SegmentProfiles p =
      BuildProfiles({Stats(1, 100, 10, 3000, 90, 10), Stats(2, 50, 25, 3000, 10, 40)},
                    TwoSegmentModel(), {"y", "yes"});
  ASSERT_EQ(p.segments.size(), 2u);
  // Age: (60 - 40) / 10 = 2 sd; retired: (0.8 - 1/3) / sqrt(1/3 * 2/3) = 0.99 sd.
  EXPECT_EQ(p.segments[1].description,
            "age high (60 vs 40), job retired (80% vs 33%): 50% y = yes");
  // Admin: (0.9 - 2/3) / 0.471 = 0.49 sd, under the half-sd bar.
  EXPECT_EQ(p.segments[0].description, "age low (30 vs 40): 10% y = yes");
  EXPECT_EQ(p.overall.size, 150);
  EXPECT_NEAR(p.segments[1].share, 1.0 / 3, 1e-12);
  EXPECT_NEAR(*p.overall.positive_rate, 35.0 / 150, 1e-12);
  EXPECT_EQ(p.segments[1].categorical[0].top, "retired");
  EXPECT_NEAR(p.segments[1].categorical[0].share, 0.8, 1e-12);
  EXPECT_NEAR(*p.segments[0].numeric[0].mean, 30.0, 1e-12);
  EXPECT_FALSE(p.segments[0].mean_probability.has_value());
}

TEST(SegmentProfileTest, NamesPredictionsAndEmptySegmentsAndSurvivesItsRow) {
  SegmentStats s = Stats(1, 100, 10, 4000, 67, 33);
  s.predicted = 100;
  s.probability_sum = 21;
  const SegmentProfiles p = BuildProfiles({s}, TwoSegmentModel(), {"y", "yes"});
  EXPECT_EQ(p.segments[0].description,
            "close to the average client: 10% y = yes, mean probability 0.21");
  EXPECT_EQ(p.segments[1].description, "empty");  // no rows in segment 2
  EXPECT_EQ(p.segments[1].size, 0);
  const SegmentProfile back = FromRow(ToRow(p.segments[0]));
  EXPECT_EQ(back.description, p.segments[0].description);
  EXPECT_EQ(back.size, 100);
  EXPECT_NEAR(*back.mean_probability, 0.21, 1e-12);
  ASSERT_EQ(back.categorical.size(), 1u);
  EXPECT_EQ(back.categorical[0].top, "admin");
  ASSERT_EQ(back.numeric.size(), 1u);
  EXPECT_NEAR(*back.numeric[0].mean, 40.0, 1e-12);
}

// Three blobs in two numeric columns, with a category.
SegmentsReportInput ReportInput() {
  std::vector<std::vector<Value>> rows;
  for (int i = 0; i < 90; ++i) {
    const int blob = i % 3;
    rows.push_back({std::int64_t{i}, 10.0 * blob + 0.1 * (i % 7), 5.0 * (blob == 2) + 0.1 * (i % 5),
                    std::string(blob == 0 ? "a" : "b")});
  }
  SegmentationConfig config;
  config.numeric = {"x", "y"};
  config.categorical = {"kind"};
  config.k_min = 2;
  config.k_max = 5;
  config.n_init = 2;
  SegmentsReportInput in;
  in.model = FitSegmentation(config, {}, {"id", "x", "y", "kind"}, rows);
  std::vector<SegmentStats> stats;
  for (int s = 1; s <= in.model.k; ++s) {
    SegmentStats st;
    st.segment = s;
    st.rows = 30;
    st.labelled = 30;
    st.positives = 3 * s;
    st.predicted = 30;
    st.probability_sum = 2.0 * s;
    st.numeric_count = {30, 30};
    st.numeric_sum = {300.0 * s, 30};
    st.category_counts = {{{"a", 10 * s}, {"b", 30 - 10 * s}}};
    stats.push_back(st);
  }
  in.profiles = BuildProfiles(stats, in.model, {"y", "yes"});
  in.source_table = "bank_clients";
  in.label = "y";
  in.positive_label = "yes";
  in.fitted_at = "2026-11-22T10:15:00Z";
  in.generated_at = "2026-11-22T10:16:00Z";
  in.segments_table = "segments";
  in.profiles_table = "segment_profiles";
  in.view = "segmented_predictions";
  return in;
}

TEST(SegmentsReportTest, HasEveryChartAndNoBrokenNumbers) {
  const SegmentsReportInput in = ReportInput();
  ASSERT_EQ(in.model.k, 3);
  const RenderedReport r = RenderSegmentsReport(in);
  for (const char* id : {"elbow-curve", "silhouette-curve", "segment-sizes", "segment-rates",
                         "segment-probability", "pca-scatter"}) {
    EXPECT_THAT(r.html, HasSubstr(std::string("<svg id=\"") + id + "\"")) << id;
  }
  const std::regex bad(R"((^|[^A-Za-z])(nan|inf|infinity)([^A-Za-z]|$))", std::regex::icase);
  EXPECT_FALSE(std::regex_search(r.html, bad));
  EXPECT_FALSE(std::regex_search(r.markdown, bad));
  EXPECT_THAT(r.html, Not(HasSubstr("<script")));
  EXPECT_THAT(r.html, Not(HasSubstr("src=\"http")));
  EXPECT_THAT(r.markdown, Not(HasSubstr("<svg")));
  EXPECT_THAT(r.html, HasSubstr("chosen k = 3"));
  for (const SegmentProfile& p : in.profiles.segments) {
    EXPECT_THAT(r.markdown, HasSubstr(p.description.substr(0, 20)));
  }
  EXPECT_THAT(r.markdown, HasSubstr("ORDER BY segment, probability DESC"));
  EXPECT_THAT(r.markdown, HasSubstr(in.model.version));
  // One dot per sample point and one centre per segment in the scatter.
  const std::string scatter = r.html.substr(r.html.find("<svg id=\"pca-scatter\""));
  const std::string svg = scatter.substr(0, scatter.find("</svg>"));
  std::size_t dots = 0;
  for (auto at = svg.find("r=\"2.4\""); at != std::string::npos;
       at = svg.find("r=\"2.4\"", at + 1)) {
    ++dots;
  }
  EXPECT_EQ(dots, in.model.picture.points.size());
  std::size_t centres = 0;
  for (auto at = svg.find("r=\"8\""); at != std::string::npos; at = svg.find("r=\"8\"", at + 1)) {
    ++centres;
  }
  EXPECT_EQ(centres, 3u);
}

TEST(ScatterChartTest, SkipsNonFiniteAndSaysNoDataWhenEmpty) {
  report::ScatterSpec spec;
  spec.id = "s";
  spec.title = "t";
  spec.groups = {{"g", {0, 1, NAN}, {0, 1, 2}, ""}};
  const std::string svg = report::ScatterChart(spec);
  std::size_t dots = 0;
  for (auto at = svg.find("<circle"); at != std::string::npos; at = svg.find("<circle", at + 1)) {
    ++dots;
  }
  EXPECT_EQ(dots, 2u);
  spec.groups.clear();
  EXPECT_THAT(report::ScatterChart(spec), HasSubstr("no data"));
}

}  // namespace
}  // namespace bankscore
