// The SHAP summary chart's data (model/shap_summary.h) on the synthetic clients' model (job, age,
// pdays with the sentinel 999): the sample is even and the same for every column, each point's
// value is what the row holds (a category, a number, NULL, the sentinel), a row's points over all
// columns add up to its margin minus the bias, and the bundle keeps it as rounded JSON.
#include "model/shap_summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "bankscore/error.h"
#include "fakes/synthetic_clients.h"

namespace bankscore {
namespace {

using ::testing::ElementsAre;

// 60 synthetic clients as raw rows (job, age, pdays), the first with a NULL age.
std::vector<std::vector<Value>> SummaryClientRows() {
  std::vector<std::vector<Value>> rows;
  for (const auto& row : testing::SyntheticClients(1, 60).rows) {
    rows.push_back({row[1], row[2], row[3]});
  }
  rows[0][1] = Value{};
  return rows;
}

const std::vector<std::string> kSummaryColumns = {"job", "age", "pdays"};

TEST(ShapSummaryTest, EvenSampleSpreadsTheRowsAndKeepsThemAllWhenFew) {
  EXPECT_THAT(EvenSample(10, 4), ElementsAre(0u, 2u, 5u, 7u));
  EXPECT_THAT(EvenSample(3, 300), ElementsAre(0u, 1u, 2u));
  EXPECT_TRUE(EvenSample(0, 300).empty());
  EXPECT_TRUE(EvenSample(5, 0).empty());
}

TEST(ShapSummaryTest, ARowsPointsAddUpToItsMarginMinusTheBias) {
  const ModelBundle& model = *testing::SyntheticModel().bundle;
  const std::vector<std::vector<Value>> rows = SummaryClientRows();
  const ShapSummary summary =
      SummarizeShap(model.booster, model.encoder, kSummaryColumns, rows, {3, 25});
  ASSERT_EQ(summary.columns.size(), 3u);
  ASSERT_EQ(summary.importance.size(), 3u);
  const EncodedRows encoded = model.encoder.Transform(kSummaryColumns, rows);
  ASSERT_EQ(encoded.accepted.size(), rows.size());
  const SourceContributions sums =
      ContributionsBySource(model.booster, model.encoder, encoded.matrix);
  const std::vector<double> probabilities = model.booster.Predict(encoded.matrix);
  const std::vector<std::size_t> sample = EvenSample(rows.size(), 25);
  for (std::size_t k = 0; k < sample.size(); ++k) {
    double total = 0.0;
    for (const ShapColumnSummary& c : summary.columns) {
      ASSERT_EQ(c.points.size(), 25u);
      total += c.points[k].contribution;
    }
    const double p = probabilities[sample[k]];
    const double margin = std::log(p / (1 - p));
    EXPECT_NEAR(total, margin - sums.bias[sample[k]], 1e-4) << "sampled row " << sample[k];
  }
  // The columns come in the mean |SHAP| order, with the mean over every row.
  for (std::size_t i = 0; i < summary.columns.size(); ++i) {
    EXPECT_EQ(summary.columns[i].column, summary.importance[i].column);
    EXPECT_DOUBLE_EQ(summary.columns[i].mean_abs_shap, summary.importance[i].mean_abs_shap);
  }
}

const ShapColumnSummary& ColumnNamed(const ShapSummary& s, const std::string& name) {
  for (const ShapColumnSummary& c : s.columns) {
    if (c.column == name) return c;
  }
  throw std::runtime_error("no column " + name);
}

TEST(ShapSummaryTest, PointsHoldTheRowsValuesNullAndSentinelMarked) {
  const ModelBundle& model = *testing::SyntheticModel().bundle;
  const std::vector<std::vector<Value>> rows = SummaryClientRows();
  const ShapSummary summary = SummarizeShap(model.booster, model.encoder, kSummaryColumns, rows);
  const ShapColumnSummary& job = ColumnNamed(summary, "job");
  const ShapColumnSummary& age = ColumnNamed(summary, "age");
  const ShapColumnSummary& pdays = ColumnNamed(summary, "pdays");
  EXPECT_TRUE(job.categorical);
  EXPECT_FALSE(age.categorical);
  ASSERT_EQ(age.points.size(), rows.size());  // fewer rows than the sample: every one
  EXPECT_EQ(age.points[0].number, std::nullopt);
  EXPECT_EQ(age.points[0].label, "NULL");
  for (std::size_t r = 0; r < rows.size(); ++r) {
    EXPECT_EQ(job.points[r].label, std::get<std::string>(rows[r][0]));
    EXPECT_EQ(job.points[r].number, std::nullopt);
    if (r > 0) {
      EXPECT_EQ(age.points[r].number, static_cast<double>(std::get<std::int64_t>(rows[r][1])));
    }
    const auto days = std::get<std::int64_t>(rows[r][2]);
    if (days == 999) {
      EXPECT_EQ(pdays.points[r].label, "999 (sentinel)");
      EXPECT_EQ(pdays.points[r].number, std::nullopt);
    } else {
      EXPECT_EQ(pdays.points[r].number, static_cast<double>(days));
    }
  }
}

TEST(ShapSummaryTest, KeepsOnlyTheTopColumns) {
  const ModelBundle& model = *testing::SyntheticModel().bundle;
  const ShapSummary summary =
      SummarizeShap(model.booster, model.encoder, kSummaryColumns, SummaryClientRows(), {2, 10});
  ASSERT_EQ(summary.columns.size(), 2u);
  EXPECT_EQ(summary.columns[0].column, summary.importance[0].column);
  EXPECT_EQ(summary.columns[1].column, summary.importance[1].column);
  EXPECT_EQ(summary.importance.size(), 3u);
}

TEST(ShapSummaryTest, JsonRoundsAndReadsBack) {
  std::vector<ShapColumnSummary> columns(2);
  columns[0] = {"age", false, 0.123456, {{0.123456789, 41.0, ""}, {-0.5, std::nullopt, "NULL"}}};
  columns[1] = {"job", true, 0.2, {{1.0 / 3.0, std::nullopt, "<script>"}}};
  const nlohmann::json j = ShapSummaryToJson(columns);
  EXPECT_EQ(j[0]["type"], "numeric");
  EXPECT_EQ(j[0]["points"][0][0].get<double>(), 0.1235);
  EXPECT_EQ(j[0]["points"][0][1].get<double>(), 41.0);
  EXPECT_EQ(j[0]["points"][1][1], "NULL");
  const std::vector<ShapColumnSummary> back = ShapSummaryFromJson(j);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].column, "age");
  EXPECT_FALSE(back[0].categorical);
  EXPECT_EQ(back[0].points[0].number, 41.0);
  EXPECT_EQ(back[0].points[1].label, "NULL");
  EXPECT_TRUE(back[1].categorical);
  EXPECT_EQ(back[1].points[0].label, "<script>");
  EXPECT_NEAR(back[1].points[0].contribution, 0.3333, 1e-12);
  EXPECT_THROW(ShapSummaryFromJson(nlohmann::json::object()), ModelError);
  EXPECT_THROW(ShapSummaryFromJson(nlohmann::json::parse(R"([{"column": "a"}])")), ModelError);
}

TEST(ShapSummaryTest, TrainingRecordsItInTheBundle) {
  const ModelBundle& model = *testing::SyntheticModel().bundle;
  const std::vector<ShapColumnSummary> recorded =
      ShapSummaryFromJson(model.metadata.extra.at("shap_summary"));
  ASSERT_EQ(recorded.size(), 3u);  // fewer columns than the top 8
  const nlohmann::json& importance = model.metadata.extra.at("shap_importance");
  EXPECT_EQ(recorded[0].column, importance[0].at("column").get<std::string>());
  for (const ShapColumnSummary& c : recorded) {
    EXPECT_FALSE(c.points.empty());
    EXPECT_LE(c.points.size(), 300u);
  }
}

}  // namespace
}  // namespace bankscore
