// Booster: a gradient-boosted tree classifier, the one wrapper around the XGBoost C API.
//
// A Booster owns its XGBoost handle (released in the destructor; movable, not copyable). Every
// XGBoost return code is checked: a failure throws ModelError carrying XGBGetLastError(). The model
// is saved in XGBoost's JSON format, which Python's xgboost loads as is.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/matrix.h"

namespace bankscore {

struct BoosterTrainOptions {
  std::map<std::string, std::string> params;  // XGBoost parameters (objective, max_depth, ...)
  int num_boost_round = 1000;
  int early_stopping_rounds = 50;  // on the validation set's first eval_metric; 0 disables
  // Called after each round evaluated on the validation set, with the round (from 0), XGBoost's
  // eval string ("valid-logloss:0.2123") and the best round so far; for progress logs. May be
  // empty.
  std::function<void(int round, const std::string& eval, int best_round, double best_score)>
      on_round;
};

struct BoosterTrainResult;

class Booster {
 public:
  Booster(Booster&&) noexcept;
  Booster& operator=(Booster&&) noexcept;
  ~Booster();

  // Trains on `features`/`labels` (0/1), with optional per-row `weights` (empty: all 1). With a
  // non-empty validation set, stops after `early_stopping_rounds` rounds without improvement and
  // keeps only the trees up to the best round.
  static BoosterTrainResult Train(const FeatureMatrix& features, const std::vector<float>& labels,
                                  const std::vector<float>& weights,
                                  const FeatureMatrix& valid_features,
                                  const std::vector<float>& valid_labels,
                                  const BoosterTrainOptions& options);

  // Positive-class probabilities, one per row, in one batched call.
  std::vector<double> Predict(const FeatureMatrix& features) const;

  // The same from `rows` x `cols` floats, row-major, NaN = missing: XGBoost's in-place prediction
  // reads the array without copying it into a DMatrix. Writes `rows` probabilities to `out`.
  // PredictDense and PredictContributions may run on several threads at once (the pipeline's
  // scorers); SetThreads may not run meanwhile.
  void PredictDense(const float* data, std::size_t rows, std::size_t cols,
                    std::vector<double>& out) const;

  // TreeSHAP contributions of the same input to the margin (log-odds), in one batched call:
  // `rows` x (`cols` + 1) values to `out`, per row one per feature and then the bias, so that a
  // row's values sum to its margin. Computed by TreeShap (tree_shap.h), many times faster, when
  // it explains the model and agrees with XGBoost's own on the first call's rows within
  // kTreeShapTolerance; by XGBoost otherwise.
  void PredictContributions(const float* data, std::size_t rows, std::size_t cols,
                            std::vector<float>& out) const;

  // The largest difference from XGBoost's contributions allowed of TreeShap (float rounding),
  // relative to values above 1.
  static constexpr float kTreeShapTolerance = 1e-4f;

  // Threads used for prediction and contributions (0: all cores).
  void SetThreads(int threads);

  // Serialized model in XGBoost's JSON format, and back. FromJson throws ModelError on bad input.
  std::string ToJson() const;
  static Booster FromJson(const std::string& json_text);

  // Importance per feature index ("f0", "f1", ...) of the given XGBoost type ("gain",
  // "total_gain", "weight", ...). Features never used in a split are absent.
  std::map<int, double> FeatureImportance(const std::string& importance_type) const;

  int num_features() const;

 private:
  struct Handle;
  explicit Booster(std::unique_ptr<Handle> handle);

  std::unique_ptr<Handle> handle_;
};

struct BoosterTrainResult {
  Booster booster;
  int best_iteration = 0;   // 0-based index of the best round (the last one without validation)
  double best_score = 0.0;  // validation metric at best_iteration
  std::string eval_metric;
};

}  // namespace bankscore
