// Internal: ModelBundle, everything needed to score, saved together in one directory.
//
// Layout of a bundle directory:
//   model.json    the XGBoost model, in XGBoost's JSON format (loadable by Python's xgboost)
//   bundle.json   metadata, the fitted encoder and calibrator, holdout metrics, the
//                 holdout/validation scores and the drift reference profile (model/drift.h;
//                 absent from bundles made before it, which load without one)
// The version's content hash (SHA-256 of model.json, the encoder and the calibrator) is checked
// at load, so a
// bundle edited after training is refused. SaveBundle writes a new directory next to the target
// and swaps it in with renames, so a reader never sees half a bundle. LoadBundle throws ModelError
// when a file is missing, malformed or does not match its hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bankscore/config.h"
#include "bankscore/decision.h"
#include "model/booster.h"
#include "model/calibrator.h"
#include "model/drift.h"
#include "model/encoder.h"

namespace bankscore {

// Labels and scores of a held-out set, kept so evaluate and report recompute honestly at any
// threshold without touching training data.
struct ScoredSet {
  std::vector<std::int64_t> keys;
  std::vector<int> labels;
  std::vector<double> scores;      // calibrated probabilities, what predictions.probability holds
  std::vector<double> raw_scores;  // the booster's output before calibration (empty in bundles
                                   // made before calibration existed)
};

struct ModelMetadata {
  std::string version;         // e.g. "20261122T101500Z-3fa9c2d1e0b7": creation time + hash
  std::string content_sha256;  // ContentHash of model.json and the encoder
  std::string created_at;      // ISO 8601 UTC
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
  nlohmann::json training;      // the training configuration used (split, imbalance, params, ...)
  nlohmann::json test_metrics;  // ToJson(BinaryMetrics) on the test split at `threshold`
  nlohmann::json extra;         // cross-validation, time-split figures, warnings
};

struct ModelBundle {
  ModelMetadata metadata;
  FeatureEncoder encoder;
  Booster booster;
  ScoredSet validation;
  ScoredSet test;
  Calibrator calibrator;  // booster output -> probability; the identity in older bundles
  // The training profile scoring runs measure drift against; nullopt in older bundles (their
  // runs record no drift rows and say "no reference"). Not part of the content hash: it
  // describes the training rows, not what the model computes, like the held-out scores.
  std::optional<DriftReference> drift;
};

void SaveBundle(const ModelBundle& bundle, const std::string& directory);
ModelBundle LoadBundle(const std::string& directory);
// Only the metadata of the bundle in `directory` (no model, encoder or held-out scores checked):
// enough to list versions. Throws ModelError when bundle.json is missing or malformed.
ModelMetadata LoadBundleMetadata(const std::string& directory);

// The current bundle of the registry at config.model.path (model/registry.h), checked against the
// configured features and set up to predict with scoring.threads. Throws ModelError / ConfigError.
ModelBundle LoadConfiguredModel(const Config& config);

// Throws ConfigError when the bundle was trained on other feature columns than `source` lists.
void CheckBundleMatchesSource(const ModelBundle& bundle, const SourceConfig& source,
                              const std::string& directory);

// The decision rule to use: the config's explicit scoring.threshold if set, else the bundle's.
Decision EffectiveDecision(const ModelBundle& bundle, const ScoringConfig& scoring);

// SHA-256 (hex) of a model's content: its XGBoost JSON, its encoder and its calibrator (an
// identity calibrator adds nothing, so bundles made before calibration keep their hash).
std::string ContentHash(const std::string& model_json, const FeatureEncoder& encoder,
                        const Calibrator& calibrator);

}  // namespace bankscore
