// TrainModel over a FakeDatabase: too few labelled rows and a single class are refused with the
// documented messages, only labelled rows are used and split as configured, training is
// reproducible, and the test split influences neither the model nor the threshold.
#include "jobs/trainer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "bankscore/error.h"
#include "fakes/fake_database.h"
#include "fakes/synthetic_clients.h"
#include "model/metrics.h"

namespace bankscore::testing {
namespace {

std::string TrainingError(Database& db, const Config& config) {
  try {
    TrainModel(db, config, QuietLogger());
  } catch (const DataError& e) {
    return e.what();
  }
  ADD_FAILURE() << "training succeeded, but should have been refused";
  return "";
}

// Rows of the clients table whose label is NULL (not labelled yet).
RowBatch UnlabelledClients(std::int64_t first_key, int n) {
  RowBatch batch = SyntheticClients(first_key, n);
  for (auto& row : batch.rows) row.back() = std::monostate{};
  return batch;
}

TEST(TrainerTest, RefusesTooFewLabelledRows) {
  const Config config = ClientsConfig();
  FakeDatabase db(config);
  AddClients(db, 1, 49);
  db.InsertRows("clients", UnlabelledClients(100, 30));  // not counted
  EXPECT_EQ(TrainingError(db, config),
            "too few labelled rows to train on: 49 (at least 50 needed)");
}

TEST(TrainerTest, RefusesASingleClass) {
  const Config config = ClientsConfig();
  FakeDatabase db(config);
  RowBatch rows = SyntheticClients(1, 100);
  for (auto& row : rows.rows) row.back() = std::string("no");
  db.CreateSourceTable("clients", ClientColumns(), "id");
  db.InsertRows("clients", rows);
  EXPECT_EQ(TrainingError(db, config),
            "the labelled rows contain only one class (source.positive_label is 'yes'); both "
            "classes are needed to train");
}

TEST(TrainerTest, RefusesAPositiveLabelThatNoRowHas) {
  Config config = ClientsConfig();
  config.source.positive_label = "Yes";  // the data says "yes"
  FakeDatabase db(config);
  AddClients(db, 1, 100);
  EXPECT_EQ(TrainingError(db, config),
            "no labelled row holds source.positive_label 'Yes'; source.label y holds 'no' (36 "
            "rows), 'yes' (64 rows) (values in another case count with "
            "source.label_case_insensitive: true)");
}

TEST(TrainerTest, UsesOnlyLabelledRowsSplitAsConfigured) {
  const Config config = ClientsConfig();  // test_fraction 0.2, validation_fraction 0.15
  FakeDatabase db(config);
  AddClients(db, 1, 300);
  db.InsertRows("clients", UnlabelledClients(1001, 40));
  std::int64_t positives = 0;
  for (const auto& row : SyntheticClients(1, 300).rows) positives += row.back() == Value("yes");
  const std::int64_t negatives = 300 - positives;
  // Stratified: each class rounded on its own, first the test split, then validation.
  const auto held = [](std::int64_t n, double fraction) { return std::llround(fraction * n); };
  const std::int64_t test = held(positives, 0.2) + held(negatives, 0.2);
  const std::int64_t validation =
      held(positives - held(positives, 0.2), 0.15) + held(negatives - held(negatives, 0.2), 0.15);

  const ModelBundle model = TrainModel(db, config, QuietLogger());
  EXPECT_EQ(model.metadata.test_rows, test);
  EXPECT_EQ(model.metadata.validation_rows, validation);
  // The saved booster is the refit on training + validation rows (scale_pos_weight: no
  // resampling), with early stopping's rounds scaled by the row ratio.
  EXPECT_EQ(model.metadata.original_training_rows, 300 - test);
  EXPECT_EQ(model.metadata.training_rows, 300 - test);
  const double fit_rows = static_cast<double>(300 - test - validation);
  EXPECT_EQ(model.metadata.training.at("refit_rounds").get<int>(),
            std::lround((model.metadata.best_iteration + 1) * (300 - test) / fit_rows));
  EXPECT_EQ(model.metadata.training.at("calibration"), "isotonic");
  // The test rows were never seen: their raw scores are the refit booster's, calibrated.
  ASSERT_EQ(model.test.raw_scores.size(), model.test.scores.size());
  for (std::size_t i = 0; i < model.test.scores.size(); ++i) {
    EXPECT_DOUBLE_EQ(model.test.scores[i], model.calibrator.Apply(model.test.raw_scores[i]));
  }
  // Held-out keys are labelled rows, each in one split only.
  std::set<std::int64_t> keys(model.test.keys.begin(), model.test.keys.end());
  keys.insert(model.validation.keys.begin(), model.validation.keys.end());
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(test + validation));
  EXPECT_LE(*keys.rbegin(), 300);
}

TEST(TrainerTest, AllLabelledRefitsOnEveryRowAndSaysTheFiguresArePreRefit) {
  Config config = ClientsConfig();
  config.training.final_fit = TrainingConfig::FinalFit::kAllLabelled;
  FakeDatabase db(config);
  AddClients(db, 1, 300);
  const ModelBundle model = TrainModel(db, config, QuietLogger());
  EXPECT_EQ(model.metadata.original_training_rows, 300);
  EXPECT_THAT(model.metadata.extra.at("metrics_note").get<std::string>(),
              ::testing::HasSubstr("the model before the refit"));
}

TEST(TrainerTest, TrainingIsReproducible) {
  const Config config = ClientsConfig();
  FakeDatabase db(config);
  AddClients(db, 1, 300);
  const ModelBundle again = TrainModel(db, config, QuietLogger());
  const ModelBundle& first = *SyntheticModel().bundle;  // the same data and config
  EXPECT_EQ(again.metadata.content_sha256, first.metadata.content_sha256);
  EXPECT_EQ(again.metadata.threshold, first.metadata.threshold);
  EXPECT_EQ(again.metadata.test_metrics, first.metadata.test_metrics);
  EXPECT_EQ(again.test.scores, first.test.scores);
}

TEST(TrainerTest, TestSplitInfluencesNeitherTheModelNorTheThreshold) {
  const Config config = ClientsConfig();
  FakeDatabase original(config);
  AddClients(original, 1, 300);
  const ModelBundle a = TrainModel(original, config, QuietLogger());

  // The same rows, but the test rows' features replaced (their labels, and so the stratified
  // split, unchanged): a job never seen elsewhere and another age.
  const std::set<std::int64_t> test_keys(a.test.keys.begin(), a.test.keys.end());
  RowBatch rows = SyntheticClients(1, 300);
  for (auto& row : rows.rows) {
    if (!test_keys.count(std::get<std::int64_t>(row[0]))) continue;
    row[1] = std::string("unemployed");
    row[2] = 105 - std::get<std::int64_t>(row[2]);
  }
  FakeDatabase changed(config);
  changed.CreateSourceTable("clients", ClientColumns(), "id");
  changed.InsertRows("clients", rows);
  const ModelBundle b = TrainModel(changed, config, QuietLogger());

  EXPECT_EQ(b.test.keys, a.test.keys);
  EXPECT_NE(b.test.scores, a.test.scores);  // the test rows did change
  // Encoder and booster identical, so the threshold chosen on validation is too.
  EXPECT_EQ(b.metadata.content_sha256, a.metadata.content_sha256);
  EXPECT_EQ(b.validation.scores, a.validation.scores);
  EXPECT_EQ(b.metadata.threshold, a.metadata.threshold);
  EXPECT_EQ(a.metadata.threshold, ChooseThreshold(config.scoring.threshold_policy,
                                                  a.validation.labels, a.validation.scores));
}

// The promotion gate compares the new model with the current one on the same test rows: the
// trainer scores them with the incumbent and records its figure, when the incumbent can read them.
TEST(TrainerTest, ScoresTheIncumbentOnTheNewModelsTestRows) {
  const Config config = ClientsConfig();
  FakeDatabase db(config);
  AddClients(db, 1, 300);
  const ModelBundle& incumbent = *SyntheticModel().bundle;  // the same data and config
  const ModelBundle model = TrainModel(db, config, QuietLogger(), &incumbent);
  const nlohmann::json& figure = model.metadata.extra.at("incumbent");
  EXPECT_EQ(figure.at("version"), incumbent.metadata.version);
  EXPECT_EQ(figure.at("rows"), model.metadata.test_rows);
  // The same model on the same rows: the same figure as the new model's own.
  EXPECT_DOUBLE_EQ(figure.at("roc_auc").get<double>(),
                   model.metadata.test_metrics.at("roc_auc").get<double>());

  EXPECT_FALSE(TrainModel(db, config, QuietLogger()).metadata.extra.contains("incumbent"));
  const ModelBundle& other_features = *SyntheticModel({"age"}).bundle;
  EXPECT_FALSE(
      TrainModel(db, config, QuietLogger(), &other_features).metadata.extra.contains("incumbent"));
}

}  // namespace
}  // namespace bankscore::testing
