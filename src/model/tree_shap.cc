#include "model/tree_shap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>

#include "bankscore/error.h"

namespace bankscore {
namespace {

using nlohmann::json;

constexpr float kNoBound = std::numeric_limits<float>::quiet_NaN();
constexpr std::size_t kShapBlockRows = 256;  // rows explained together, leaf by leaf

// The objectives whose margin is the log-odds and whose base_score is a probability.
bool IsLogistic(const std::string& objective) {
  return objective == "binary:logistic" || objective == "reg:logistic" ||
         objective == "binary:logitraw";
}

// |S|! (n - |S| - 1)! / n! for |S| = 0 .. n-1: the Shapley weight of a coalition S of the other
// n - 1 features.
std::vector<double> ShapleyWeights(std::size_t n) {
  std::vector<double> w(n);
  for (std::size_t s = 0; s < n; ++s) {
    double value = 1.0 / static_cast<double>(n);
    // s! (n-1-s)! / (n-1)! = 1 / C(n-1, s)
    for (std::size_t k = 1; k <= s; ++k) {
      value *= static_cast<double>(k) / static_cast<double>(n - 1 - s + k);
    }
    w[s] = value;
  }
  return w;
}

// The leaf's value for condition `k` when the row passes exactly the conditions in `pattern`.
double TableValue(double leaf_value, const std::vector<double>& zero_fractions,
                  const std::vector<double>& weights, unsigned pattern, std::size_t k) {
  const double one = (pattern >> k) & 1u ? 1.0 : 0.0;
  if (one == zero_fractions[k]) return 0.0;
  // Elementary symmetric polynomials of the passed features' z (but k's), and the product of the
  // failed features' z (but k's): sum over S of w(|S|) * prod_{passed, not in S} z.
  std::vector<double> e = {1.0};
  double failed = 1.0;
  for (std::size_t j = 0; j < zero_fractions.size(); ++j) {
    if (j == k) continue;
    if ((pattern >> j) & 1u) {
      e.push_back(0.0);
      for (std::size_t t = e.size() - 1; t > 0; --t) e[t] += e[t - 1] * zero_fractions[j];
    } else {
      failed *= zero_fractions[j];
    }
  }
  const std::size_t passed = e.size() - 1;
  double sum = 0;
  for (std::size_t s = 0; s <= passed; ++s) sum += weights[s] * e[passed - s];
  return leaf_value * (one - zero_fractions[k]) * failed * sum;
}

}  // namespace

// Walks one tree of the JSON model, adding its leaves to a TreeShap under construction.
struct TreeShap::TreeParser {
  struct PathFeature {
    Condition condition;
    double zero_fraction = 1.0;
  };

  TreeShap& shap;
  const json& tree;
  std::vector<int> left, right, feature, default_left;
  std::vector<float> threshold, cover;
  std::string refusal;  // set when the tree cannot be explained here

  TreeParser(TreeShap& s, const json& t) : shap(s), tree(t) {
    t.at("left_children").get_to(left);
    t.at("right_children").get_to(right);
    t.at("split_indices").get_to(feature);
    t.at("default_left").get_to(default_left);
    t.at("split_conditions").get_to(threshold);
    t.at("sum_hessian").get_to(cover);
    const std::size_t n = left.size();
    if (n == 0 || right.size() != n || feature.size() != n || default_left.size() != n ||
        threshold.size() != n || cover.size() != n) {
      throw ModelError("XGBoost model JSON: a tree's node arrays differ in length");
    }
    if (t.contains("split_type")) {
      for (int type : t.at("split_type").get<std::vector<int>>()) {
        if (type != 0) refusal = "the model has categorical splits";
      }
    }
  }

  bool IsLeaf(int node) const { return left[static_cast<std::size_t>(node)] < 0; }

  // XGBoost's node mean: the leaf value, or the children's means weighted by their cover.
  double MeanValue(int node, int depth = 0) const {
    CheckNode(node, depth);
    const auto n = static_cast<std::size_t>(node);
    if (IsLeaf(node)) return threshold[n];
    const auto l = static_cast<std::size_t>(left[n]);
    const auto r = static_cast<std::size_t>(right[n]);
    return (MeanValue(left[n], depth + 1) * cover[l] + MeanValue(right[n], depth + 1) * cover[r]) /
           cover[n];
  }

  void CheckNode(int node, int depth) const {
    if (node < 0 || static_cast<std::size_t>(node) >= left.size() || depth > 1000) {
      throw ModelError("XGBoost model JSON: a tree's child index is out of range or cyclic");
    }
  }

  void Walk(int node, std::vector<PathFeature>& path, int depth = 0) {
    CheckNode(node, depth);
    if (!refusal.empty()) return;
    const auto n = static_cast<std::size_t>(node);
    if (IsLeaf(node)) return AddLeaf(threshold[n], path);
    if (!(cover[n] > 0)) {
      refusal = "a split node has no training cover";
      return;
    }
    if (feature[n] < 0 || static_cast<std::size_t>(feature[n]) >= shap.num_features_) {
      throw ModelError("XGBoost model JSON: a split uses feature " + std::to_string(feature[n]) +
                       " of " + std::to_string(shap.num_features_));
    }
    for (const bool go_left : {true, false}) {
      const int child = go_left ? left[n] : right[n];
      CheckNode(child, depth + 1);
      std::vector<PathFeature> next = path;
      PathFeature& f = Find(next, static_cast<std::uint32_t>(feature[n]));
      // XGBoost goes left when x < threshold, right otherwise; missing goes the default way.
      float& bound = go_left ? f.condition.hi : f.condition.lo;
      if (std::isnan(bound)) {
        bound = threshold[n];
      } else {
        bound = go_left ? std::min(bound, threshold[n]) : std::max(bound, threshold[n]);
      }
      f.condition.missing_passes = f.condition.missing_passes && (default_left[n] != 0) == go_left;
      f.zero_fraction *= cover[static_cast<std::size_t>(child)] / cover[n];
      Walk(child, next, depth + 1);
    }
  }

  static PathFeature& Find(std::vector<PathFeature>& path, std::uint32_t feature_index) {
    for (PathFeature& f : path) {
      if (f.condition.feature == feature_index) return f;
    }
    path.push_back({{feature_index, kNoBound, kNoBound, true}, 1.0});
    return path.back();
  }

  void AddLeaf(double value, const std::vector<PathFeature>& path) {
    if (path.empty()) return;  // a tree of one leaf: its value is all bias
    if (path.size() > static_cast<std::size_t>(kMaxPathFeatures)) {
      refusal = "a path tests more than " + std::to_string(kMaxPathFeatures) + " features";
      return;
    }
    Leaf leaf;
    leaf.first = static_cast<std::uint32_t>(shap.conditions_.size());
    leaf.count = static_cast<std::uint32_t>(path.size());
    leaf.table = shap.table_.size();
    std::vector<double> zero_fractions;
    for (const PathFeature& f : path) {
      shap.conditions_.push_back(f.condition);
      zero_fractions.push_back(f.zero_fraction);
    }
    const std::vector<double> weights = ShapleyWeights(path.size());
    for (unsigned pattern = 0; pattern < (1u << path.size()); ++pattern) {
      for (std::size_t k = 0; k < path.size(); ++k) {
        shap.table_.push_back(
            static_cast<float>(TableValue(value, zero_fractions, weights, pattern, k)));
      }
    }
    shap.leaves_.push_back(leaf);
  }
};

std::optional<TreeShap> TreeShap::Build(const std::string& model_json, std::string& why_not) {
  json model;
  try {
    model = json::parse(model_json);
    const json& learner = model.at("learner");
    const std::string objective = learner.at("objective").at("name").get<std::string>();
    const json& param = learner.at("learner_model_param");
    const json& booster = learner.at("gradient_booster");
    if (!IsLogistic(objective)) {
      why_not = "objective " + objective;
      return std::nullopt;
    }
    if (booster.at("name").get<std::string>() != "gbtree") {
      why_not = "booster " + booster.at("name").get<std::string>();
      return std::nullopt;
    }
    if (std::stoi(param.value("num_class", std::string("0"))) > 1 ||
        std::stoi(param.value("num_target", std::string("1"))) > 1) {
      why_not = "a model with more than one output";
      return std::nullopt;
    }
    std::optional<TreeShap> shap = TreeShap();
    shap->num_features_ =
        static_cast<std::size_t>(std::stoul(param.at("num_feature").get<std::string>()));
    const double base_score = std::stod(param.at("base_score").get<std::string>());
    if (!(base_score > 0 && base_score < 1)) {
      why_not = "base_score outside (0, 1)";
      return std::nullopt;
    }
    shap->bias_ = -std::log(1.0 / base_score - 1.0);
    for (const json& tree : booster.at("model").at("trees")) {
      TreeParser parser(*shap, tree);
      std::vector<TreeParser::PathFeature> path;
      if (parser.refusal.empty()) parser.Walk(0, path);
      if (!parser.refusal.empty()) {
        why_not = parser.refusal;
        return std::nullopt;
      }
      shap->bias_ += parser.MeanValue(0);
    }
    return shap;
  } catch (const json::exception& e) {
    throw ModelError(std::string("XGBoost model JSON: ") + e.what());
  } catch (const std::logic_error& e) {  // std::stoi and friends
    throw ModelError(std::string("XGBoost model JSON: a number field is not a number: ") +
                     e.what());
  }
}

void TreeShap::ExplainBlock(const float* data, std::size_t rows, std::size_t cols,
                            double* sums) const {
  const std::size_t width = cols + 1;
  std::fill(sums, sums + rows * width, 0.0);
  for (const Leaf& leaf : leaves_) {
    const Condition* conditions = conditions_.data() + leaf.first;
    const float* table = table_.data() + leaf.table;
    for (std::size_t r = 0; r < rows; ++r) {
      const float* x = data + r * cols;
      unsigned pattern = 0;
      for (std::uint32_t c = 0; c < leaf.count; ++c) {
        const Condition& condition = conditions[c];
        const float value = x[condition.feature];
        // NaN bounds (no test that way) compare false, so they pass.
        const bool passes = std::isnan(value) ? condition.missing_passes
                                              : !(value < condition.lo) && !(value >= condition.hi);
        pattern |= static_cast<unsigned>(passes) << c;
      }
      const float* values = table + static_cast<std::size_t>(pattern) * leaf.count;
      double* row_sums = sums + r * width;
      for (std::uint32_t c = 0; c < leaf.count; ++c) row_sums[conditions[c].feature] += values[c];
    }
  }
  for (std::size_t r = 0; r < rows; ++r) sums[r * width + cols] = bias_;
}

void TreeShap::Contributions(const float* data, std::size_t rows, std::size_t cols, float* out,
                             int threads) const {
  if (cols != num_features_) {
    throw ModelError("TreeSHAP: rows have " + std::to_string(cols) + " features, the model " +
                     std::to_string(num_features_));
  }
  const std::size_t width = cols + 1;
  const auto explain = [&](std::size_t begin, std::size_t end) {
    std::vector<double> sums(kShapBlockRows * width);
    for (std::size_t first = begin; first < end; first += kShapBlockRows) {
      const std::size_t count = std::min(kShapBlockRows, end - first);
      ExplainBlock(data + first * cols, count, cols, sums.data());
      std::transform(sums.begin(), sums.begin() + static_cast<std::ptrdiff_t>(count * width),
                     out + first * width, [](double v) { return static_cast<float>(v); });
    }
  };
  std::size_t parts = threads > 0 ? static_cast<std::size_t>(threads)
                                  : std::max(1u, std::thread::hardware_concurrency());
  parts = std::max<std::size_t>(1, std::min(parts, rows / kShapBlockRows));
  std::vector<std::thread> workers;
  const std::size_t per_part = (rows + parts - 1) / parts;
  for (std::size_t p = 1; p < parts; ++p) {
    workers.emplace_back(explain, std::min(rows, p * per_part), std::min(rows, (p + 1) * per_part));
  }
  explain(0, std::min(rows, per_part));
  for (std::thread& worker : workers) worker.join();
}

}  // namespace bankscore
