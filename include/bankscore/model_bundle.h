// ModelBundle: everything needed to score, saved together in one directory.
//
// Layout of `model.path` (a directory):
//   model.json    the XGBoost model, in XGBoost's JSON format (loadable by Python's xgboost)
//   bundle.json   metadata, the fitted encoder, holdout metrics and the holdout/validation scores
// SaveBundle writes a new directory next to the target and swaps it in with renames, so a reader
// never sees half a bundle. LoadBundle throws ModelError when a file is missing or malformed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bankscore/booster.h"
#include "bankscore/config.h"
#include "bankscore/encoder.h"

namespace bankscore {

// Labels and scores of a held-out set, kept so evaluate and report recompute honestly at any
// threshold without touching training data.
struct ScoredSet {
  std::vector<std::int64_t> keys;
  std::vector<int> labels;
  std::vector<double> scores;
};

struct ModelMetadata {
  std::string version;     // e.g. "20261122T101500Z-3fa9c2d1": creation time + content hash
  std::string created_at;  // ISO 8601 UTC
  std::string source_table;
  std::string label_column;
  std::string positive_label;
  std::vector<std::string> feature_columns;  // raw source columns, categorical then numeric
  std::int64_t training_rows = 0;            // rows the booster was fitted on (after resampling)
  std::int64_t original_training_rows = 0;   // before resampling
  std::int64_t synthetic_rows = 0;           // made by oversampling / SMOTE
  std::int64_t validation_rows = 0;
  std::int64_t test_rows = 0;
  double threshold = 0.5;  // chosen by the threshold policy on validation data
  std::string threshold_policy;
  int best_iteration = 0;
  nlohmann::json training;     // the training configuration used (split, imbalance, params, ...)
  nlohmann::json test_metrics; // ToJson(BinaryMetrics) on the test split at `threshold`
  nlohmann::json extra;        // cross-validation, time-split figures, warnings
};

struct ModelBundle {
  ModelMetadata metadata;
  FeatureEncoder encoder;
  Booster booster;
  ScoredSet validation;
  ScoredSet test;
};

void SaveBundle(const ModelBundle& bundle, const std::string& directory);
ModelBundle LoadBundle(const std::string& directory);

// Throws ConfigError when the bundle was trained on other feature columns than `source` lists.
void CheckBundleMatchesSource(const ModelBundle& bundle, const SourceConfig& source,
                              const std::string& directory);

// The threshold to use: the config's explicit scoring.threshold if set, else the bundle's.
double EffectiveThreshold(const ModelBundle& bundle, const ScoringConfig& scoring);

}  // namespace bankscore
