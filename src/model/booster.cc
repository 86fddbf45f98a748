// The only file that includes the XGBoost C API. Every call goes through Check(), which turns a
// non-zero return code into a ModelError carrying XGBGetLastError().
#include "model/booster.h"

#include <xgboost/c_api.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>

#include "bankscore/error.h"
#include "common/text.h"
#include "model/tree_shap.h"

namespace bankscore {
namespace {

// XGBoost's message without the stack trace it appends: the first line, minus the
// "[hh:mm:ss] file:line: " prefix of its logger.
std::string XgboostMessage() {
  std::string message = XGBGetLastError();
  message = message.substr(0, message.find('\n'));
  if (!message.empty() && message[0] == '[') {
    const std::size_t source = message.find(": ");
    if (source != std::string::npos) message = message.substr(source + 2);
  }
  return message;
}

void Check(int code, const char* call) {
  if (code != 0) throw ModelError(std::string("XGBoost ") + call + " failed: " + XgboostMessage());
}

// RAII owner of a DMatrix handle.
class DMatrix {
 public:
  DMatrix(const FeatureMatrix& features, const std::vector<float>* labels,
          const std::vector<float>* weights) {
    Check(XGDMatrixCreateFromMat(features.data(), static_cast<bst_ulong>(features.rows()),
                                 static_cast<bst_ulong>(features.cols()), kMissing, &handle_),
          "XGDMatrixCreateFromMat");
    if (labels != nullptr) SetInfo("label", *labels);
    if (weights != nullptr && !weights->empty()) SetInfo("weight", *weights);
  }
  // Rows of `data` (row-major, NaN = missing), which XGBoost copies.
  DMatrix(const float* data, std::size_t rows, std::size_t cols) {
    Check(XGDMatrixCreateFromMat(data, static_cast<bst_ulong>(rows), static_cast<bst_ulong>(cols),
                                 kMissing, &handle_),
          "XGDMatrixCreateFromMat");
  }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  ~DMatrix() { XGDMatrixFree(handle_); }
  DMatrixHandle get() const { return handle_; }

 private:
  void SetInfo(const char* field, const std::vector<float>& values) {
    Check(
        XGDMatrixSetFloatInfo(handle_, field, values.data(), static_cast<bst_ulong>(values.size())),
        "XGDMatrixSetFloatInfo");
  }
  DMatrixHandle handle_ = nullptr;
};

// Parses the score out of an eval line such as "[12]\tvalid-auc:0.812345".
double ParseEvalScore(const std::string& line) {
  std::size_t colon = line.rfind(':');
  if (colon == std::string::npos) throw ModelError("unexpected XGBoost eval output: " + line);
  const auto score = ParseNumber(line.substr(colon + 1));
  if (!score) throw ModelError("unexpected XGBoost eval output: " + line);
  return *score;
}

// Metrics where a larger value is better; everything else (logloss, error, rmse) is minimised.
bool HigherIsBetter(const std::string& metric) {
  return metric.rfind("auc", 0) == 0 || metric.rfind("aucpr", 0) == 0 ||
         metric.rfind("map", 0) == 0 || metric.rfind("ndcg", 0) == 0 || metric.rfind("pre", 0) == 0;
}

// XGBoost 1.7 trusts the shape of a JSON model: a gbtree whose num_trees disagrees with its list
// of trees, or a tree whose children point outside it or back up, loads without an error and then
// crashes the first prediction, and its lenient JSON parser reads past the end of a malformed
// array while loading (both found by tests/fuzz/bundle_fuzzer.cc). Checked before XGBoost reads
// the text: it is JSON; for a model (a "learner"; XGBoost says why anything else is none) the
// counts agree, every tree's node arrays are num_nodes integers or numbers, the children form a
// tree from node 0, and every split reads a feature the model has. Throws ModelError.
void CheckTreeShapes(const std::string& json_text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    // XGBoost's own parser is lenient ([0,00,] is an array to it) and then reads past the end.
    throw ModelError(std::string("invalid XGBoost model, not JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("learner")) return;  // XGBoost says why it is no model
  const auto count = [](const nlohmann::json& text) {
    const auto value = ParseInteger<std::int64_t>(text.get<std::string>());
    if (!value || *value < 0) throw ModelError("invalid XGBoost model: bad count " + text.dump());
    return static_cast<std::size_t>(*value);
  };
  try {
    const nlohmann::json& learner = j.at("learner");
    const nlohmann::json* booster = &learner.at("gradient_booster");
    const std::string name = booster->at("name").get<std::string>();
    if (name == "dart") booster = &booster->at("gbtree");
    if (name != "gbtree" && name != "dart") return;  // gblinear has no trees
    const nlohmann::json& model = booster->at("model");
    const nlohmann::json& trees = model.at("trees");
    const std::size_t features = count(learner.at("learner_model_param").at("num_feature"));
    if (count(model.at("gbtree_model_param").at("num_trees")) != trees.size() ||
        model.at("tree_info").size() != trees.size()) {
      throw ModelError("invalid XGBoost model: num_trees, tree_info and trees disagree");
    }
    for (const nlohmann::json& tree : trees) {
      const std::size_t nodes = count(tree.at("tree_param").at("num_nodes"));
      const auto left = tree.at("left_children").get<std::vector<std::int64_t>>();
      const auto right = tree.at("right_children").get<std::vector<std::int64_t>>();
      const auto split = tree.at("split_indices").get<std::vector<std::int64_t>>();
      if (nodes == 0) throw ModelError("invalid XGBoost model: a tree without nodes");
      // Every per-node array XGBoost reads: num_nodes integers or numbers (split_type may be
      // absent in models from before categorical splits).
      const auto check_nodes = [&](const char* key, bool integers) {
        if (!tree.contains(key) && std::string_view(key) == "split_type") return;
        const nlohmann::json& values = tree.at(key);
        if (!values.is_array() || values.size() != nodes ||
            !std::all_of(values.begin(), values.end(), [&](const nlohmann::json& v) {
              return integers ? v.is_number_integer() : v.is_number();
            })) {
          throw ModelError(std::string("invalid XGBoost model: a tree's ") + key + " is not " +
                           std::to_string(nodes) + (integers ? " integers" : " numbers"));
        }
      };
      for (const char* key : {"left_children", "right_children", "parents", "split_indices",
                              "split_type", "default_left"}) {
        check_nodes(key, true);
      }
      for (const char* key : {"base_weights", "split_conditions", "loss_changes", "sum_hessian"}) {
        check_nodes(key, false);
      }
      std::vector<bool> seen(nodes, false);
      std::vector<std::int64_t> pending = {0};
      while (!pending.empty()) {
        const auto node = static_cast<std::size_t>(pending.back());
        pending.pop_back();
        if (seen[node]) throw ModelError("invalid XGBoost model: a tree node is reached twice");
        seen[node] = true;
        if (left[node] == -1 && right[node] == -1) continue;  // a leaf
        for (const std::int64_t child : {left[node], right[node]}) {
          if (child < 0 || static_cast<std::size_t>(child) >= nodes) {
            throw ModelError("invalid XGBoost model: a child index outside its tree");
          }
          pending.push_back(child);
        }
        if (split[node] < 0 || static_cast<std::size_t>(split[node]) >= features) {
          throw ModelError("invalid XGBoost model: a split on feature " +
                           std::to_string(split[node]) + " of " + std::to_string(features));
        }
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw ModelError(std::string("invalid XGBoost model: ") + e.what());
  }
}

}  // namespace

struct Booster::Handle {
  BoosterHandle raw = nullptr;
  int threads = 0;  // SetThreads: XGBoost's and TreeShap's
  // Our TreeSHAP (tree_shap.h), made and checked against XGBoost's on the first call for
  // contributions; empty when the model is one it does not explain: XGBoost's is used then.
  std::once_flag shap_once;
  std::optional<TreeShap> shap;
  // XGBoost's contributions go through a DMatrix and the booster's prediction cache, which
  // in-place prediction does not use; the scorers take turns there rather than rely on it.
  std::mutex xgboost_contributions;
  explicit Handle(BoosterHandle h) : raw(h) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (raw != nullptr) XGBoosterFree(raw);
  }
};

Booster::Booster(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
Booster::Booster(Booster&&) noexcept = default;
Booster& Booster::operator=(Booster&&) noexcept = default;
Booster::~Booster() = default;

BoosterTrainResult Booster::Train(const FeatureMatrix& features, const std::vector<float>& labels,
                                  const std::vector<float>& weights,
                                  const FeatureMatrix& valid_features,
                                  const std::vector<float>& valid_labels,
                                  const BoosterTrainOptions& options) {
  if (features.rows() == 0) throw ModelError("cannot train on zero rows");
  if (static_cast<std::size_t>(features.rows()) != labels.size()) {
    throw ModelError("feature rows and labels differ in number");
  }
  const bool has_valid = valid_features.rows() > 0;
  DMatrix train(features, &labels, &weights);
  std::unique_ptr<DMatrix> valid;
  if (has_valid) valid = std::make_unique<DMatrix>(valid_features, &valid_labels, nullptr);

  DMatrixHandle cache[2] = {train.get(), has_valid ? valid->get() : nullptr};
  BoosterHandle raw = nullptr;
  Check(XGBoosterCreate(cache, has_valid ? 2 : 1, &raw), "XGBoosterCreate");
  auto handle = std::make_unique<Handle>(raw);

  std::string eval_metric = "logloss";
  for (const auto& [name, value] : options.params) {
    Check(XGBoosterSetParam(raw, name.c_str(), value.c_str()), "XGBoosterSetParam");
    if (name == "eval_metric") eval_metric = value;
  }
  if (options.params.count("eval_metric") == 0) {
    Check(XGBoosterSetParam(raw, "eval_metric", eval_metric.c_str()), "XGBoosterSetParam");
  }
  Check(XGBoosterSetParam(raw, "verbosity", "0"), "XGBoosterSetParam");

  const bool higher_better = HigherIsBetter(eval_metric);
  int best_iteration = 0;
  double best_score = higher_better ? -std::numeric_limits<double>::infinity()
                                    : std::numeric_limits<double>::infinity();
  for (int iter = 0; iter < options.num_boost_round; ++iter) {
    Check(XGBoosterUpdateOneIter(raw, iter, train.get()), "XGBoosterUpdateOneIter");
    if (!has_valid) {
      best_iteration = iter;
      continue;
    }
    DMatrixHandle eval_sets[1] = {valid->get()};
    const char* eval_names[1] = {"valid"};
    const char* eval_out = nullptr;
    Check(XGBoosterEvalOneIter(raw, iter, eval_sets, eval_names, 1, &eval_out),
          "XGBoosterEvalOneIter");
    double score = ParseEvalScore(eval_out);
    bool improved = higher_better ? score > best_score : score < best_score;
    if (options.early_stopping_rounds <= 0) {  // no early stopping: keep every round
      best_iteration = iter;
      best_score = score;
    } else if (improved) {
      best_score = score;
      best_iteration = iter;
    } else if (iter - best_iteration >= options.early_stopping_rounds) {
      break;
    }
    if (options.on_round) {
      // "[12]\tvalid-logloss:0.2123": the round number is passed separately.
      std::string eval = eval_out;
      eval.erase(0, eval.find('\t') == std::string::npos ? 0 : eval.find('\t') + 1);
      options.on_round(iter, eval, best_iteration, best_score);
    }
  }

  // Keep only the trees up to the best round, so the saved model is exactly the evaluated one.
  BoosterHandle sliced = nullptr;
  Check(XGBoosterSlice(raw, 0, best_iteration + 1, 1, &sliced), "XGBoosterSlice");
  Booster booster(std::make_unique<Handle>(sliced));
  return BoosterTrainResult{std::move(booster), best_iteration, has_valid ? best_score : 0.0,
                            eval_metric};
}

namespace {

// What XGBoosterPredictFromDMatrix returns; the values belong to the booster until its next call.
struct DMatrixPrediction {
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* values = nullptr;
};

// One prediction of `type` (0: probabilities, 2: TreeSHAP contributions) over `data`.
DMatrixPrediction PredictFromDMatrix(BoosterHandle booster, DMatrixHandle data, int type) {
  const std::string config =
      fmt::format(R"({{"type": {}, "training": false, "iteration_begin": 0, "iteration_end": 0, )"
                  R"("strict_shape": false}})",
                  type);
  DMatrixPrediction p;
  Check(XGBoosterPredictFromDMatrix(booster, data, config.c_str(), &p.shape, &p.dim, &p.values),
        "XGBoosterPredictFromDMatrix");
  return p;
}

void XgboostContributions(BoosterHandle booster, const float* data, std::size_t rows,
                          std::size_t cols, std::vector<float>& out) {
  // In-place prediction has no contribution type in XGBoost 1.7: a DMatrix it is.
  DMatrix matrix(data, rows, cols);
  const DMatrixPrediction p = PredictFromDMatrix(booster, matrix.get(), 2);
  // A model of another shape (multi-class: one block per class) is not what the caller expects.
  if (p.dim != 2 || p.shape[0] != rows || p.shape[1] != cols + 1) {
    throw ModelError(fmt::format(
        "XGBoost returned contributions of an unexpected shape for {} x {}", rows, cols));
  }
  out.resize(rows * (cols + 1));
  std::copy(p.values, p.values + out.size(), out.begin());
}

// Our TreeSHAP of this model if it explains it, and gives XGBoost's values on the first rows of
// `data` (at most 64): a model it reads differently from XGBoost (a format change, say) falls
// back to XGBoost's slower computation instead of storing wrong reasons.
std::optional<TreeShap> CheckedTreeShap(const Booster& model, BoosterHandle booster,
                                        const float* data, std::size_t rows, std::size_t cols) {
  std::string why_not;
  std::optional<TreeShap> shap = TreeShap::Build(model.ToJson(), why_not);
  if (!shap || shap->num_features() != cols) return std::nullopt;
  const std::size_t sample = std::min<std::size_t>(rows, 64);
  std::vector<float> ours(sample * (cols + 1));
  std::vector<float> theirs;
  shap->Contributions(data, sample, cols, ours.data(), 1);
  XgboostContributions(booster, data, sample, cols, theirs);
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const float allowed = Booster::kTreeShapTolerance * std::max(1.0f, std::abs(theirs[i]));
    if (!(std::abs(ours[i] - theirs[i]) <= allowed)) return std::nullopt;
  }
  return shap;
}

}  // namespace

std::vector<double> Booster::Predict(const FeatureMatrix& features) const {
  if (features.rows() == 0) return {};
  DMatrix data(features, nullptr, nullptr);
  const float* result = PredictFromDMatrix(handle_->raw, data.get(), 0).values;
  std::vector<double> out(static_cast<std::size_t>(features.rows()));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = result[i];
  return out;
}

void Booster::PredictDense(const float* data, std::size_t rows, std::size_t cols,
                           std::vector<double>& out) const {
  out.resize(rows);
  if (rows == 0) return;
  // numpy's __array_interface__, which the C API takes for dense input.
  const std::string array =
      fmt::format(R"({{"data": [{}, true], "shape": [{}, {}], "typestr": "<f4", "version": 3}})",
                  reinterpret_cast<std::uintptr_t>(data), rows, cols);
  const char* config = R"({"type": 0, "training": false, "iteration_begin": 0,
                          "iteration_end": 0, "strict_shape": false, "missing": NaN,
                          "cache_id": 0})";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  Check(XGBoosterPredictFromDense(handle_->raw, array.c_str(), config, nullptr, &shape, &dim,
                                  &result),
        "XGBoosterPredictFromDense");
  std::copy(result, result + rows, out.begin());
}

void Booster::PredictContributions(const float* data, std::size_t rows, std::size_t cols,
                                   std::vector<float>& out) const {
  out.resize(rows * (cols + 1));
  if (rows == 0) return;
  std::call_once(handle_->shap_once,
                 [&] { handle_->shap = CheckedTreeShap(*this, handle_->raw, data, rows, cols); });
  if (handle_->shap && handle_->shap->num_features() == cols) {
    handle_->shap->Contributions(data, rows, cols, out.data(), handle_->threads);
  } else {
    std::lock_guard<std::mutex> lock(handle_->xgboost_contributions);
    XgboostContributions(handle_->raw, data, rows, cols, out);
  }
}

void Booster::SetThreads(int threads) {
  handle_->threads = threads;
  Check(XGBoosterSetParam(handle_->raw, "nthread", std::to_string(threads).c_str()),
        "XGBoosterSetParam");
}

std::string Booster::ToJson() const {
  bst_ulong length = 0;
  const char* buffer = nullptr;
  Check(XGBoosterSaveModelToBuffer(handle_->raw, R"({"format": "json"})", &length, &buffer),
        "XGBoosterSaveModelToBuffer");
  return std::string(buffer, length);
}

Booster Booster::FromJson(const std::string& json_text) {
  BoosterHandle raw = nullptr;
  Check(XGBoosterCreate(nullptr, 0, &raw), "XGBoosterCreate");
  auto handle = std::make_unique<Handle>(raw);
  CheckTreeShapes(json_text);  // what XGBoost would load, or crash on, but cannot predict with
  Check(XGBoosterLoadModelFromBuffer(raw, json_text.data(), json_text.size()),
        "XGBoosterLoadModelFromBuffer");
  return Booster(std::move(handle));
}

std::map<int, double> Booster::FeatureImportance(const std::string& importance_type) const {
  nlohmann::json config = {{"importance_type", importance_type}};
  std::string config_text = config.dump();
  bst_ulong n_features = 0;
  const char** names = nullptr;
  bst_ulong dim = 0;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  Check(XGBoosterFeatureScore(handle_->raw, config_text.c_str(), &n_features, &names, &dim, &shape,
                              &scores),
        "XGBoosterFeatureScore");
  std::map<int, double> out;
  for (bst_ulong i = 0; i < n_features; ++i) {
    std::string name = names[i];  // "f12" when the booster has no feature names
    const auto index =
        name.size() > 1 && name[0] == 'f' ? ParseInteger<int>(name.substr(1)) : std::nullopt;
    if (!index) throw ModelError("unexpected XGBoost feature name '" + name + "'");
    out[*index] = scores[i];
  }
  return out;
}

int Booster::num_features() const {
  bst_ulong n = 0;
  Check(XGBoosterGetNumFeature(handle_->raw, &n), "XGBoosterGetNumFeature");
  return static_cast<int>(n);
}

}  // namespace bankscore
