// TreeShap, the table-driven exact TreeSHAP: Shapley values worked out by hand on small trees,
// agreement with Python's xgboost `pred_contribs=True` on a model bankscore wrote, missing values,
// and the models it refuses.
#include "model/tree_shap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "bankscore/error.h"
#include "common/files.h"

namespace bankscore {
namespace {

using ::testing::HasSubstr;

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();

// An XGBoost 1.7 JSON model of `trees` (JSON text of tree objects) over `features` features.
std::string ModelJson(const std::string& trees, int features,
                      const std::string& objective = "binary:logistic",
                      const std::string& base_score = "5E-1") {
  return R"({"learner": {"objective": {"name": ")" + objective +
         R"("}, "learner_model_param": {"base_score": ")" + base_score +
         R"(", "num_class": "0", "num_feature": ")" + std::to_string(features) +
         R"(", "num_target": "1"}, "gradient_booster": {"name": "gbtree", "model": {"trees": [)" +
         trees + "]}}}}";
}

// Node arrays of one tree; a leaf is a node whose children are -1 and whose condition is its value.
std::string Tree(const std::string& left, const std::string& right, const std::string& features,
                 const std::string& conditions, const std::string& default_left,
                 const std::string& cover) {
  return R"({"left_children": [)" + left + R"(], "right_children": [)" + right +
         R"(], "split_indices": [)" + features + R"(], "split_conditions": [)" + conditions +
         R"(], "default_left": [)" + default_left + R"(], "sum_hessian": [)" + cover + "]}";
}

// x0 < 0.5 (missing: left) -> leaf 1.0 (cover 30), else leaf -1.0 (cover 10).
const std::string kStump =
    Tree("1, -1, -1", "2, -1, -1", "0, 0, 0", "0.5, 1.0, -1.0", "1, 0, 0", "40, 30, 10");

// x0 < 0.5 -> (x1 < 0.5 -> leaf 2 (cover 20), else leaf 0 (cover 40)), else leaf -1 (cover 40).
const std::string kTwoFeatures =
    Tree("1, 3, -1, -1, -1", "2, 4, -1, -1, -1", "0, 1, 0, 0, 0", "0.5, 0.5, -1.0, 2.0, 0.0",
         "0, 0, 0, 0, 0", "100, 60, 40, 20, 40");

TreeShap Build(const std::string& json) {
  std::string why_not;
  std::optional<TreeShap> shap = TreeShap::Build(json, why_not);
  EXPECT_TRUE(shap.has_value()) << why_not;
  return shap ? std::move(*shap) : TreeShap();
}

std::vector<float> Explain(const TreeShap& shap, const std::vector<float>& rows, std::size_t cols) {
  std::vector<float> out(rows.size() / cols * (cols + 1));
  shap.Contributions(rows.data(), rows.size() / cols, cols, out.data(), 2);
  return out;
}

TEST(TreeShapTest, StumpGivesTheLeafMinusTheMeanToItsFeature) {
  const TreeShap shap = Build(ModelJson(kStump, 2));
  // Mean leaf value (1 * 30 - 1 * 10) / 40 = 0.5 is the bias (base_score 0.5: margin 0).
  const std::vector<float> out = Explain(shap, {0.2f, 7.0f, 0.9f, 7.0f, kNan, 7.0f}, 2);
  const std::vector<float> want = {0.5f, 0.0f, 0.5f, -1.5f, 0.0f, 0.5f, 0.5f, 0.0f, 0.5f};
  ASSERT_EQ(out.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(out[i], want[i], 1e-6) << i;
}

TEST(TreeShapTest, TwoFeaturesGetTheirShapleyValuesWorkedOutByHand) {
  const TreeShap shap = Build(ModelJson(kTwoFeatures, 2));
  // For x = (0.2, 0.2), the leaf of value 2: f({}) = 0, f({0}) = 2/3 (the left subtree's mean),
  // f({1}) = 0.6 * 2 + 0.4 * -1 = 0.8, f({0, 1}) = 2. phi_0 = (2/3 + (2 - 0.8)) / 2 = 0.9333,
  // phi_1 = (0.8 + (2 - 2/3)) / 2 = 1.0667.
  // For x = (0.2, 0.9), the leaf of value 0: f({0}) = 2/3, f({1}) = 0.6 * 0 + 0.4 * -1 = -0.4,
  // f({0, 1}) = 0: phi_0 = (2/3 + 0.4) / 2 = 0.5333, phi_1 = (-0.4 + (0 - 2/3)) / 2 = -0.5333.
  // For x = (0.9, *): f({0}) = -1 whatever x1, f({1}) = 0.6 * (2 or 0) - 0.4: x1 = 0.2 gives
  // phi_0 = (-1 + (-1 - 0.8)) / 2 = -1.4, phi_1 = (0.8 + 0) / 2 = 0.4.
  const std::vector<float> out = Explain(shap, {0.2f, 0.2f, 0.2f, 0.9f, 0.9f, 0.2f}, 2);
  const std::vector<float> want = {0.93333f, 1.06667f, 0.0f, 0.53333f, -0.53333f,
                                   0.0f,     -1.4f,    0.4f, 0.0f};
  ASSERT_EQ(out.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(out[i], want[i], 1e-5) << i;
}

TEST(TreeShapTest, TreesAddUpAndTheBiasHoldsTheBaseMargin) {
  const TreeShap shap = Build(ModelJson(kStump + ", " + kTwoFeatures, 2, "binary:logistic", "0.2"));
  const std::vector<float> out = Explain(shap, {0.2f, 0.2f}, 2);
  EXPECT_NEAR(out[0], 0.5f + 0.93333f, 1e-5);
  EXPECT_NEAR(out[1], 1.06667f, 1e-5);
  EXPECT_NEAR(out[2], std::log(0.2 / 0.8) + 0.5 + 0.0, 1e-5);
  // Contributions plus bias are the margin: leaf 1 plus leaf 2 plus logit(0.2).
  EXPECT_NEAR(out[0] + out[1] + out[2], 3.0 + std::log(0.2 / 0.8), 1e-5);
}

// Rows of comma-separated floats ("nan" = missing).
std::vector<float> ReadRows(const std::string& path, std::size_t& cols) {
  std::istringstream in(ReadFile(path));
  std::vector<float> values;
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string field;
    cols = 0;
    while (std::getline(fields, field, ',')) {
      values.push_back(field == "nan" ? kNan : std::stof(field));
      ++cols;
    }
  }
  return values;
}

// small_contribs.csv: Python's xgboost 1.7 `pred_contribs=True` for small_rows.csv.
TEST(TreeShapTest, MatchesPythonXgboostOnAModelBankscoreWrote) {
  const std::string dir = std::string(BANKSCORE_SOURCE_DIR) + "/tests/data/";
  const TreeShap shap = Build(ReadFile(dir + "small_model.json"));
  std::size_t cols = 0;
  std::size_t width = 0;
  const std::vector<float> rows = ReadRows(dir + "small_rows.csv", cols);
  const std::vector<float> expected = ReadRows(dir + "small_contribs.csv", width);
  ASSERT_EQ(width, cols + 1);
  const std::vector<float> out = Explain(shap, rows, cols);
  ASSERT_EQ(out.size(), expected.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_NEAR(out[i], expected[i], 1e-5) << "row " << i / width << " column " << i % width;
  }
}

TEST(TreeShapTest, RefusesModelsItDoesNotExplainExactly) {
  std::string why_not;
  EXPECT_FALSE(TreeShap::Build(ModelJson(kStump, 2, "reg:squarederror"), why_not));
  EXPECT_EQ(why_not, "objective reg:squarederror");
  const std::string categorical =
      R"({"left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [0, 0, 0],
          "split_conditions": [0.5, 1.0, -1.0], "default_left": [1, 0, 0],
          "sum_hessian": [40, 30, 10], "split_type": [1, 0, 0]})";
  EXPECT_FALSE(TreeShap::Build(ModelJson(categorical, 2), why_not));
  EXPECT_EQ(why_not, "the model has categorical splits");
}

TEST(TreeShapTest, MalformedModelsAreErrorsThatSaySo) {
  std::string why_not;
  EXPECT_THROW(TreeShap::Build("{", why_not), ModelError);
  const std::string out_of_range =
      Tree("1, -1, -1", "2, -1, -1", "5, 0, 0", "0.5, 1, -1", "0, 0, 0", "40, 30, 10");
  try {
    TreeShap::Build(ModelJson(out_of_range, 2), why_not);
    FAIL() << "a split on feature 5 of 2 was accepted";
  } catch (const ModelError& e) {
    EXPECT_THAT(e.what(), HasSubstr("a split uses feature 5 of 2"));
  }
  const std::string cyclic =
      Tree("0, -1, -1", "2, -1, -1", "0, 0, 0", "0.5, 1, -1", "0, 0, 0", "40, 30, 10");
  EXPECT_THROW(TreeShap::Build(ModelJson(cyclic, 2), why_not), ModelError);
}

TEST(TreeShapTest, RowsOfAnotherWidthAreRefused) {
  const TreeShap shap = Build(ModelJson(kStump, 2));
  std::vector<float> out(4);
  const std::vector<float> rows = {0.1f, 0.2f, 0.3f};
  EXPECT_THROW(shap.Contributions(rows.data(), 1, 3, out.data(), 1), ModelError);
}

}  // namespace
}  // namespace bankscore
