// The XGBoost wrapper: training, prediction, JSON round trip, the error path, and agreement with
// Python's xgboost on a model file bankscore wrote.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "bankscore/error.h"
#include "model/booster.h"

namespace bankscore {
namespace {

using ::testing::HasSubstr;

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Rows of comma-separated floats ("nan" = missing).
FeatureMatrix ReadMatrix(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<float>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<float> row;
    std::stringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) {
      row.push_back(field == "nan" ? kMissing : std::stof(field));
    }
    rows.push_back(row);
  }
  FeatureMatrix m(static_cast<Eigen::Index>(rows.size()),
                  static_cast<Eigen::Index>(rows.empty() ? 0 : rows[0].size()));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = rows[r][c];
    }
  }
  return m;
}

// y = 1 exactly when x0 > 0.5: a tree model must learn it perfectly.
void SeparableData(FeatureMatrix& x, std::vector<float>& y, int n) {
  x.resize(n, 2);
  y.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    x(i, 0) = static_cast<float>(i % 10) / 10.0f;
    x(i, 1) = static_cast<float>((i * 7) % 13);
    y[static_cast<std::size_t>(i)] = x(i, 0) > 0.5f ? 1.0f : 0.0f;
  }
}

BoosterTrainOptions SmallOptions() {
  BoosterTrainOptions options;
  options.params = {{"objective", "binary:logistic"},
                    {"max_depth", "2"},
                    {"eta", "0.5"},
                    {"nthread", "1"},
                    {"eval_metric", "logloss"}};
  options.num_boost_round = 20;
  options.early_stopping_rounds = 5;
  return options;
}

TEST(BoosterTest, LearnsASeparableRuleAndPredictsOneProbabilityPerRow) {
  FeatureMatrix x;
  std::vector<float> y;
  SeparableData(x, y, 200);
  BoosterTrainResult result = Booster::Train(x, y, {}, x, y, SmallOptions());
  std::vector<double> p = result.booster.Predict(x);
  ASSERT_EQ(p.size(), 200u);
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(p[i] >= 0.5, y[i] == 1.0f) << "row " << i << " p=" << p[i];
  }
  EXPECT_EQ(result.booster.num_features(), 2);
}

TEST(BoosterTest, EarlyStoppingKeepsOnlyTheTreesUpToTheBestRound) {
  FeatureMatrix x;
  std::vector<float> y;
  SeparableData(x, y, 200);
  BoosterTrainOptions options = SmallOptions();
  options.num_boost_round = 200;
  BoosterTrainResult result = Booster::Train(x, y, {}, x, y, options);
  EXPECT_LT(result.best_iteration, 199);  // the perfect fit stops improving long before
  // The saved model holds best_iteration + 1 trees.
  const std::string json = result.booster.ToJson();
  EXPECT_THAT(json,
              HasSubstr("\"num_trees\":\"" + std::to_string(result.best_iteration + 1) + "\""));
}

TEST(BoosterTest, JsonRoundTripGivesIdenticalPredictions) {
  FeatureMatrix x;
  std::vector<float> y;
  SeparableData(x, y, 100);
  BoosterTrainResult result = Booster::Train(x, y, {}, x, y, SmallOptions());
  Booster copy = Booster::FromJson(result.booster.ToJson());
  EXPECT_EQ(copy.Predict(x), result.booster.Predict(x));
}

TEST(BoosterTest, InvalidModelTextThrowsModelErrorWithXgboostsMessage) {
  try {
    Booster::FromJson("{\"this is\": \"not a model\"}");
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_THAT(e.what(), HasSubstr("XGBoosterLoadModelFromBuffer failed"));
  }
}

// Found by tests/fuzz/bundle_fuzzer.cc: XGBoost loads a model whose num_trees disagrees with
// its trees (or whose tree points outside itself) and then crashes predicting with it, and its
// lenient JSON parser crashes loading a malformed array.
TEST(BoosterTest, ModelWhoseTreesDoNotHoldTogetherThrowsModelErrorAtLoad) {
  const std::string text =
      ReadText(std::string(BANKSCORE_SOURCE_DIR) + "/tests/data/small_model.json");
  const auto tampered = [&](const std::string& from, const std::string& to) {
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return std::string(text).replace(at, from.size(), to);
  };
  EXPECT_NO_THROW(Booster::FromJson(text));
  const auto refused = [](const std::string& model, const std::string& why) {
    try {
      Booster::FromJson(model);
      ADD_FAILURE() << "expected ModelError: " << why;
    } catch (const ModelError& e) {
      EXPECT_THAT(e.what(), HasSubstr(why));
    }
  };
  refused(tampered("\"num_trees\":\"20\"", "\"num_trees\":\"0\""),
          "num_trees, tree_info and trees");
  refused(tampered("\"left_children\":[1,", "\"left_children\":[99,"), "child index outside");
  refused(tampered("\"left_children\":[1,", "\"left_children\":[0,"), "reached twice");
  // XGBoost's own parser takes [00,] for an array and loads past its end.
  refused(tampered("\"split_type\":[0,", "\"split_type\":[00,"), "not JSON");
  refused(tampered("\"split_type\":[0,", "\"split_type\":[0.5,"), "split_type is not");
}

TEST(BoosterTest, UnknownParameterValueThrowsModelError) {
  FeatureMatrix x;
  std::vector<float> y;
  SeparableData(x, y, 50);
  BoosterTrainOptions options = SmallOptions();
  options.params["objective"] = "binary:no_such_objective";
  EXPECT_THROW(Booster::Train(x, y, {}, x, y, options), ModelError);
}

TEST(BoosterTest, PredictingWithTheWrongNumberOfColumnsThrows) {
  FeatureMatrix x;
  std::vector<float> y;
  SeparableData(x, y, 50);
  BoosterTrainResult result = Booster::Train(x, y, {}, x, y, SmallOptions());
  FeatureMatrix wide = FeatureMatrix::Zero(3, 5);
  EXPECT_THROW(result.booster.Predict(wide), ModelError);
}

// tests/data/small_model.json was trained by bankscore; small_expected.csv holds what Python's
// xgboost 1.7 predicts with it for small_rows.csv (scripts/python_crosscheck.py).
TEST(BoosterTest, MatchesPythonXgboostOnTheSameModelFileWithin1e6) {
  const std::string dir = std::string(BANKSCORE_SOURCE_DIR) + "/tests/data/";
  Booster booster = Booster::FromJson(ReadText(dir + "small_model.json"));
  FeatureMatrix rows = ReadMatrix(dir + "small_rows.csv");
  ASSERT_EQ(rows.rows(), 64);
  ASSERT_EQ(rows.cols(), booster.num_features());
  std::vector<double> expected;
  std::ifstream in(dir + "small_expected.csv");
  for (double v; in >> v;) expected.push_back(v);
  ASSERT_EQ(expected.size(), 64u);
  std::vector<double> actual = booster.Predict(rows);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], 1e-6) << "row " << i;
  }
}

// small_contribs.csv: Python's xgboost 1.7 `pred_contribs=True` for the same rows and model (per
// row one TreeSHAP value per feature, then the bias).
TEST(BoosterTest, ContributionsMatchPythonXgboostAndAddUpToTheMargin) {
  const std::string dir = std::string(BANKSCORE_SOURCE_DIR) + "/tests/data/";
  Booster booster = Booster::FromJson(ReadText(dir + "small_model.json"));
  const FeatureMatrix rows = ReadMatrix(dir + "small_rows.csv");
  const FeatureMatrix expected = ReadMatrix(dir + "small_contribs.csv");
  const std::size_t n = static_cast<std::size_t>(rows.rows());
  const std::size_t width = static_cast<std::size_t>(rows.cols());
  ASSERT_EQ(expected.rows(), rows.rows());
  ASSERT_EQ(static_cast<std::size_t>(expected.cols()), width + 1);
  std::vector<float> actual;
  booster.PredictContributions(rows.data(), n, width, actual);
  ASSERT_EQ(actual.size(), n * (width + 1));
  const std::vector<double> probabilities = booster.Predict(rows);
  for (std::size_t r = 0; r < n; ++r) {
    double sum = 0;
    for (std::size_t c = 0; c <= width; ++c) {
      const float want = expected(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
      EXPECT_NEAR(actual[r * (width + 1) + c], want, 1e-5) << "row " << r << " column " << c;
      sum += actual[r * (width + 1) + c];
    }
    const double p = probabilities[r];
    EXPECT_NEAR(sum, std::log(p / (1 - p)), 1e-4) << "row " << r;
  }
}

TEST(BoosterTest, ContributionsOfNoRowsAreEmpty) {
  const std::string dir = std::string(BANKSCORE_SOURCE_DIR) + "/tests/data/";
  Booster booster = Booster::FromJson(ReadText(dir + "small_model.json"));
  std::vector<float> out = {1.0f};
  booster.PredictContributions(nullptr, 0, 63, out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace bankscore
