// Per-row reasons: summing encoded contributions back into source columns, the top K by
// magnitude, the one-line text, and ScoreBatch's reasons on a real (small) model: K per
// prediction, the line equal to the rows, and contributions plus bias equal to the margin.
#include "model/reasons.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "bankscore/columnar_batch.h"
#include "fakes/synthetic_clients.h"
#include "jobs/score_batch.h"
#include "model/shap_importance.h"

namespace bankscore {
namespace {

using ::testing::ElementsAre;

TEST(ReasonsTest, SumsTheIndicatorsOfOneSourceColumnIntoIt) {
  // Encoded: job=a, job=b, job=c (source 0), age (1), pdays (2), pdays_is_999 (2); then the bias.
  const float contributions[] = {0.5f, -0.25f, 0.125f, -1.0f, 0.25f, 0.5f, 9.0f};
  std::vector<double> sums;
  SumBySourceColumn(contributions, {0, 0, 0, 1, 2, 2}, 3, sums);
  EXPECT_THAT(sums, ElementsAre(0.375, -1.0, 0.75));  // the bias (9) belongs to no column
}

TEST(ReasonsTest, KeepsTheKLargestByMagnitudeWithTheirSign) {
  std::vector<SourceContribution> top;
  TopContributions({0.375, -1.0, 0.75, 0.0}, 3, top);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].column, 1u);
  EXPECT_EQ(top[0].contribution, -1.0);
  EXPECT_EQ(top[1].column, 2u);
  EXPECT_EQ(top[2].column, 0u);
}

TEST(ReasonsTest, TiesGoToTheColumnListedFirstAndKIsCappedByTheColumns) {
  std::vector<SourceContribution> top;
  TopContributions({0.5, -0.5, 0.0}, 10, top);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].column, 0u);
  EXPECT_EQ(top[1].column, 1u);
  EXPECT_EQ(top[2].column, 2u);
  TopContributions({0.5, -0.5}, 0, top);
  EXPECT_TRUE(top.empty());
}

TEST(ReasonsTest, FormatsReasonsAsColumnValueAndSignedLogOdds) {
  EXPECT_EQ(FormatReason("poutcome", "success", 1.2149), "poutcome=success (+1.21)");
  EXPECT_EQ(FormatReason("contact", "telephone", -0.334), "contact=telephone (-0.33)");
  // Below half a hundredth: shown as +0.00, never as -0.00.
  EXPECT_EQ(FormatReason("age", "NULL", -0.004), "age=NULL (+0.00)");
  std::string line;
  AppendReason(line, "poutcome", "success", 1.21);
  AppendReason(line, "nr.employed", "5099.1", 0.54);
  AppendReason(line, "contact", "telephone", -0.33);
  EXPECT_EQ(line,
            "poutcome=success (+1.21); nr.employed=5099.1 (+0.54); contact=telephone (-0.33)");
}

// --- On the synthetic clients' model (job, age, pdays with sentinel 999) ------------------------

ColumnarBatch SomeClients() {
  const RowBatch rows = testing::SyntheticClients(1, 40);
  std::vector<std::int64_t> keys;
  std::vector<std::vector<Value>> features;
  for (const auto& row : rows.rows) {
    keys.push_back(std::get<std::int64_t>(row[0]));
    features.push_back({row[1], row[2], row[3]});  // job, age, pdays
  }
  features[0][1] = Value{};  // a NULL age
  return ToColumnar({"job", "age", "pdays"}, keys, features);
}

TEST(ReasonsTest, EncodedColumnsMapBackToTheirSourceColumns) {
  const FeatureEncoder& encoder = testing::SyntheticModel().bundle->encoder;
  const std::vector<std::string>& names = encoder.output_names();
  const std::vector<std::size_t> source = encoder.EncodedSourceColumns();
  const std::vector<std::string> inputs = encoder.input_columns();
  ASSERT_EQ(source.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& column = inputs[source[i]];
    // "job=admin." and "pdays_is_999" start with their column's name.
    EXPECT_EQ(names[i].rfind(column, 0), 0u) << names[i] << " -> " << column;
  }
  EXPECT_EQ(inputs[source.back()], "pdays");  // the sentinel flag comes last
}

TEST(ReasonsTest, ScoreBatchGivesKReasonsPerPredictionThatAddUpToTheMargin) {
  const ModelBundle& model = *testing::SyntheticModel().bundle;
  const ColumnarBatch batch = SomeClients();
  ScoringWorkspace workspace;
  workspace.explain_top = 3;  // every source column: their sum plus the bias is the margin
  ScoredBatch scored;
  StageTimes times;
  ScoreBatch(model, batch, workspace, scored, times);
  ASSERT_EQ(scored.predictions.size(), batch.rows());
  ASSERT_EQ(scored.reasons.size(), 3 * scored.predictions.size());
  const std::size_t stride = workspace.encoded.width + 1;
  for (std::size_t j = 0; j < scored.predictions.size(); ++j) {
    const Prediction& p = scored.predictions[j];
    std::string line;
    double sum = workspace.reasons.contributions[j * stride + stride - 1];  // the bias
    for (int rank = 1; rank <= 3; ++rank) {
      const PredictionReason& r = scored.reasons[j * 3 + static_cast<std::size_t>(rank - 1)];
      EXPECT_EQ(r.key, p.key);
      EXPECT_EQ(r.rank, rank);
      AppendReason(line, r.feature, r.value.value_or("NULL"), r.contribution);
      sum += r.contribution;
      if (rank > 1) {
        EXPECT_GE(
            std::fabs(scored.reasons[j * 3 + static_cast<std::size_t>(rank - 2)].contribution),
            std::fabs(r.contribution));
      }
    }
    EXPECT_EQ(p.top_reasons, line);
    const double margin = std::log(p.raw_score / (1 - p.raw_score));
    EXPECT_NEAR(sum, margin, 1e-4) << "key " << p.key;
  }
  // The NULL age is a NULL value, shown as NULL in the line.
  for (const PredictionReason& r : scored.reasons) {
    if (r.key == 1 && r.feature == "age") {
      EXPECT_EQ(r.value, std::nullopt);
    }
  }
  EXPECT_THAT(scored.predictions[0].top_reasons, ::testing::HasSubstr("age=NULL ("));
}

TEST(ReasonsTest, ExplainTopZeroComputesNothing) {
  const ModelBundle& model = *testing::SyntheticModel().bundle;
  ScoringWorkspace workspace;
  ScoredBatch scored;
  StageTimes times;
  ScoreBatch(model, SomeClients(), workspace, scored, times);
  EXPECT_TRUE(scored.reasons.empty());
  EXPECT_TRUE(workspace.reasons.contributions.empty());
  for (const Prediction& p : scored.predictions) EXPECT_EQ(p.top_reasons, "");
}

TEST(ReasonsTest, TopOneIsTheLargestOfTheThree) {
  const ModelBundle& model = *testing::SyntheticModel().bundle;
  const ColumnarBatch batch = SomeClients();
  ScoringWorkspace all;
  all.explain_top = 3;
  ScoringWorkspace one;
  one.explain_top = 1;
  ScoredBatch scored_all, scored_one;
  StageTimes times;
  ScoreBatch(model, batch, all, scored_all, times);
  ScoreBatch(model, batch, one, scored_one, times);
  ASSERT_EQ(scored_one.reasons.size(), scored_one.predictions.size());
  for (std::size_t j = 0; j < scored_one.reasons.size(); ++j) {
    EXPECT_EQ(scored_one.reasons[j].feature, scored_all.reasons[j * 3].feature);
    EXPECT_EQ(scored_one.predictions[j].top_reasons.find(';'), std::string::npos);
  }
}

TEST(ReasonsTest, MeanAbsoluteShapRanksEverySourceColumnAndTrainingRecordsIt) {
  const ModelBundle& model = *testing::SyntheticModel().bundle;
  FeatureMatrix rows(2, static_cast<Eigen::Index>(model.encoder.output_names().size()));
  rows.setZero();
  const std::vector<ColumnImportance> importance =
      MeanAbsoluteShap(model.booster, model.encoder, rows);
  ASSERT_EQ(importance.size(), 3u);  // job, age, pdays
  for (std::size_t i = 1; i < importance.size(); ++i) {
    EXPECT_GE(importance[i - 1].mean_abs_shap, importance[i].mean_abs_shap);
  }
  EXPECT_TRUE(
      MeanAbsoluteShap(model.booster, model.encoder, FeatureMatrix(0, rows.cols())).empty());
  // TrainModel keeps the test split's figures in the bundle for the report.
  const nlohmann::json& recorded = model.metadata.extra.at("shap_importance");
  ASSERT_EQ(recorded.size(), 3u);
  EXPECT_GT(recorded[0].at("mean_abs_shap").get<double>(), 0.0);
}

}  // namespace
}  // namespace bankscore
