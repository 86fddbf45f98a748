// Internal: class-imbalance treatments applied to the training rows only.
//
// kNone leaves the data alone; kScalePosWeight returns the XGBoost weight negatives/positives;
// kRandomOversample duplicates random positive rows until the classes are balanced; kSmote makes
// synthetic positives with SMOTE-NC (numeric columns interpolated between a positive row and one of
// its k nearest positive neighbours; each one-hot categorical group takes the majority category
// among those neighbours). Validation and test rows never pass through here.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "bankscore/config.h"
#include "model/matrix.h"

namespace bankscore::internal {

// A one-hot group in the encoded matrix: [start, start + width) columns.
struct OneHotGroup {
  int start = 0;
  int width = 0;
};

struct ResampledTraining {
  FeatureMatrix features;
  std::vector<float> labels;
  std::int64_t synthetic_rows = 0;
  double scale_pos_weight = 0.0;  // > 0 when XGBoost should weight positives
};

ResampledTraining ApplyImbalance(TrainingConfig::Imbalance method, const FeatureMatrix& features,
                                 const std::vector<float>& labels,
                                 const std::vector<OneHotGroup>& categorical_groups,
                                 int smote_neighbors, std::uint64_t seed);

// SMOTE-NC on its own (used by ApplyImbalance): returns `count` synthetic positive rows.
FeatureMatrix SmoteNc(const FeatureMatrix& positives, const std::vector<OneHotGroup>& groups,
                      int neighbors, std::int64_t count, std::uint64_t seed);

// Deterministic Fisher-Yates shuffle of 0..n-1 (same result on every platform for a seed).
std::vector<std::size_t> ShuffledIndices(std::size_t n, std::uint64_t seed);

}  // namespace bankscore::internal
