// PSI, the drift bins and statuses (model/drift.h), against values computed by hand.

#include "model/drift.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "bankscore/error.h"

namespace bankscore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(PopulationStabilityIndexTest, MatchesHandComputedValues) {
  // (0.3 - 0.5) ln(0.3 / 0.5) + (0.7 - 0.5) ln(0.7 / 0.5) = 0.102165 + 0.067294
  EXPECT_NEAR(PopulationStabilityIndex({0.5, 0.5}, {30, 70}), 0.1694595721, 1e-9);
  EXPECT_NEAR(PopulationStabilityIndex({0.2, 0.3, 0.5}, {20, 30, 50}), 0.0, 1e-12);
  EXPECT_EQ(PopulationStabilityIndex({0.5, 0.5}, {0, 0}), 0.0);  // no rows
}

TEST(PopulationStabilityIndexTest, EmptyBinsAreFlooredAtTheEpsilon) {
  // Scored shares (0, .5, .5, 0) against (.25, .25, .5, 0): the empty scored bin counts as 1e-4,
  // (1e-4 - .25) ln(1e-4 / .25) = 1.955229, plus .25 ln 2 = 0.173287; the bin empty on both sides
  // adds nothing.
  EXPECT_NEAR(PopulationStabilityIndex({0.25, 0.25, 0.5, 0.0}, {0, 50, 50, 0}), 2.1285158933, 1e-9);
  EXPECT_EQ(kPsiShareFloor, 1e-4);
  // A bin the reference never saw (share 0, floored) but every scored row falls in: finite.
  const double psi = PopulationStabilityIndex({1.0, 0.0}, {0, 10});
  EXPECT_TRUE(std::isfinite(psi));
  EXPECT_NEAR(psi, 2 * (1 - 1e-4) * std::log(1e4), 1e-9);
}

TEST(DriftStatusTest, ThresholdsAndMinimumRows) {
  const MonitoringConfig m;  // warn 0.1, alert 0.25, min_rows 500
  EXPECT_EQ(DriftStatus(0.0999, 500, m), "ok");
  EXPECT_EQ(DriftStatus(0.1, 500, m), "warn");
  EXPECT_EQ(DriftStatus(0.2499, 1000, m), "warn");
  EXPECT_EQ(DriftStatus(0.25, 1000, m), "alert");
  EXPECT_EQ(DriftStatus(3.0, 499, m), std::nullopt);
  const MonitoringConfig none{0.2, 0.5, 0};
  EXPECT_EQ(DriftStatus(0.3, 0, none), "warn");
}

TEST(DecileEdgesTest, CutsAtTheDecilesAndMergesEqualOnes) {
  std::vector<double> hundred;
  for (int v = 100; v >= 1; --v) hundred.push_back(v);  // any order
  EXPECT_THAT(DecileEdges(hundred), ElementsAre(11, 21, 31, 41, 51, 61, 71, 81, 91));
  // Ten distinct values or fewer: a bin per value, even when one value holds 95% (its deciles
  // would all be 0); none starts at the smallest value.
  EXPECT_THAT(DecileEdges({1, 1, 1, 1, 1, 1, 1, 2, 2, 3}), ElementsAre(2, 3));
  std::vector<double> mostly_zero(95, 0.0);
  mostly_zero.insert(mostly_zero.end(), {1, 1, 1, 4, 4});
  EXPECT_THAT(DecileEdges(mostly_zero), ElementsAre(1, 4));
  // Eleven distinct values: deciles, equal ones merged (0 holds 90%, the rest one each).
  std::vector<double> eleven(90, 0.0);
  for (int v = 1; v <= 10; ++v) eleven.push_back(v);
  EXPECT_THAT(DecileEdges(eleven), ElementsAre(1));
  EXPECT_THAT(DecileEdges({NAN, 5, NAN}), ElementsAre());
  EXPECT_THAT(DecileEdges({}), ElementsAre());
}

// An encoder of job (categorical), age and pdays (sentinel 999), and its reference: ten training
// rows, probabilities 0.1 .. 1.0.
struct DriftFixture {
  FeatureEncoder encoder;
  DriftReference reference;
};

DriftFixture MakeDriftFixture() {
  SourceConfig source;
  source.categorical = {"job"};
  source.numeric = {"age", "pdays"};
  source.sentinels = {{"pdays", 999.0}};
  const std::vector<std::string> columns = {"job", "age", "pdays"};
  const Value null;
  const std::vector<std::vector<Value>> rows = {{"a", std::int64_t{20}, std::int64_t{999}},
                                                {"a", std::int64_t{21}, std::int64_t{999}},
                                                {"a", std::int64_t{22}, std::int64_t{999}},
                                                {"b", std::int64_t{23}, std::int64_t{5}},
                                                {"b", std::int64_t{24}, std::int64_t{5}},
                                                {"c", std::int64_t{25}, std::int64_t{5}},
                                                {"c", std::int64_t{26}, std::int64_t{5}},
                                                {"c", std::int64_t{27}, null},
                                                {"c", std::int64_t{28}, null},
                                                {null, std::int64_t{29}, std::int64_t{10}}};
  DriftFixture f;
  f.encoder = FeatureEncoder::Fit(source, columns, rows);
  const EncodedRows encoded = f.encoder.Transform(columns, rows);
  f.reference = DriftReference::Fit(f.encoder, encoded.matrix,
                                    {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0});
  return f;
}

TEST(DriftReferenceTest, BinsCategoriesNullUnseenDecilesAndSentinel) {
  const DriftFixture f = MakeDriftFixture();
  const auto& columns = f.reference.columns();
  ASSERT_EQ(columns.size(), 4u);
  // job: a, b, c, then NULL and unseen.
  EXPECT_EQ(columns[0].name, "job");
  EXPECT_THAT(columns[0].shares, ElementsAre(0.3, 0.2, 0.4, 0.1, 0.0));
  // age: ten distinct values, ten bins of one row each, then NULL.
  EXPECT_EQ(columns[1].name, "age");
  EXPECT_THAT(columns[1].edges, ElementsAre(21, 22, 23, 24, 25, 26, 27, 28, 29));
  EXPECT_EQ(columns[1].shares.size(), 11u);
  EXPECT_DOUBLE_EQ(columns[1].shares[0], 0.1);
  EXPECT_DOUBLE_EQ(columns[1].shares[10], 0.0);
  // pdays: values 5 (x4) and 10 only: one edge; then NULL (2 rows) and 999 (3 rows).
  EXPECT_EQ(columns[2].name, "pdays");
  EXPECT_TRUE(columns[2].has_sentinel);
  EXPECT_THAT(columns[2].edges, ElementsAre(10));
  EXPECT_THAT(columns[2].shares, ElementsAre(0.4, 0.1, 0.2, 0.3));
  EXPECT_EQ(columns[3].name, "(probability)");
  EXPECT_EQ(columns[3].shares.size(), 10u);
  EXPECT_EQ(f.reference.feature_rows(), 10);
}

TEST(DriftReferenceTest, CountsScoredRowsIntoTheSameBinsAndComparesThem) {
  const DriftFixture f = MakeDriftFixture();
  const Value null;
  const ColumnarBatch batch = ToColumnar(
      {"job", "age", "pdays"}, {1, 2, 3, 4},
      {{"d", std::int64_t{19}, std::int64_t{999}},  // unseen category, below every edge, 999
       {null, std::int64_t{35}, null},              // NULL job, above every edge, NULL pdays
       {"a", std::int64_t{25}, std::int64_t{7}},
       {"a", std::int64_t{25}, std::int64_t{11}}});
  EncodedBatch encoded;
  f.encoder.Encode(batch, encoded);
  ASSERT_EQ(encoded.rows(), 4u);
  DriftCounts counts = f.reference.NewCounts();
  f.reference.Count(encoded, {0, 1, 2, 3}, {0.05, 0.5, 0.5, 0.95}, counts);
  EXPECT_EQ(counts.rows, 4);
  EXPECT_THAT(counts.bins[0], ElementsAre(2, 0, 0, 1, 1));  // a, b, c, NULL, unseen
  EXPECT_THAT(counts.bins[1], ElementsAre(1, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0));
  EXPECT_THAT(counts.bins[2], ElementsAre(1, 1, 1, 1));  // <10, >=10, NULL, 999
  EXPECT_THAT(counts.bins[3], ElementsAre(1, 0, 0, 0, 2, 0, 0, 0, 1, 0));

  // Batches add up: the second batch counts only the rows asked for.
  DriftCounts more = f.reference.NewCounts();
  f.reference.Count(encoded, {2}, {0.05, 0.5, 0.5, 0.95}, more);
  counts.Add(more);
  EXPECT_EQ(counts.rows, 5);
  EXPECT_THAT(counts.bins[0], ElementsAre(3, 0, 0, 1, 1));

  counts.Clear();
  f.reference.Count(encoded, {0, 1, 2, 3}, {0.05, 0.5, 0.5, 0.95}, counts);
  const std::vector<DriftRow> below = f.reference.Compare(counts, MonitoringConfig{});
  ASSERT_EQ(below.size(), 4u);
  EXPECT_EQ(below[0].column, "job");
  // (.5 - .3) ln(.5/.3) + (1e-4 - .2) ln(1e-4/.2) + (1e-4 - .4) ln(1e-4/.4)
  //   + (.25 - .1) ln(.25/.1) + (.25 - 1e-4) ln(.25/1e-4)
  EXPECT_NEAR(below[0].psi, 7.0310486854, 1e-9);
  EXPECT_NEAR(below[2].psi, 0.2282174096, 1e-9);
  EXPECT_NEAR(below[3].psi, 5.7492556511, 1e-9);
  EXPECT_EQ(below[0].status, std::nullopt);  // 4 rows < min_rows 500
  EXPECT_EQ(below[0].rows, 4);

  const std::vector<DriftRow> rated = f.reference.Compare(counts, MonitoringConfig{0.1, 0.25, 4});
  EXPECT_EQ(rated[0].status, "alert");
  EXPECT_EQ(rated[2].status, "warn");
}

TEST(DriftReferenceTest, JsonRoundTripAndMismatchedEncoderIsRefused) {
  const DriftFixture f = MakeDriftFixture();
  const DriftReference back = DriftReference::FromJson(f.reference.ToJson(), f.encoder);
  ASSERT_EQ(back.columns().size(), f.reference.columns().size());
  for (std::size_t c = 0; c < back.columns().size(); ++c) {
    EXPECT_EQ(back.columns()[c].name, f.reference.columns()[c].name);
    EXPECT_EQ(back.columns()[c].edges, f.reference.columns()[c].edges);
    EXPECT_EQ(back.columns()[c].shares, f.reference.columns()[c].shares);
    EXPECT_EQ(back.columns()[c].bins(), f.reference.columns()[c].bins());
  }

  nlohmann::json renamed = f.reference.ToJson();
  renamed["columns"][1]["column"] = "income";
  try {
    DriftReference::FromJson(renamed, f.encoder);
    FAIL() << "a profile of other columns was accepted";
  } catch (const ModelError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("drift reference column 2 is 'income', the encoder's is 'age'"));
  }
  nlohmann::json short_shares = f.reference.ToJson();
  short_shares["columns"][0]["shares"] = {0.5, 0.5};
  EXPECT_THROW(DriftReference::FromJson(short_shares, f.encoder), ModelError);
}

}  // namespace
}  // namespace bankscore
