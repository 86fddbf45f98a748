#include "model/imbalance.h"

#include <numeric>
#include <random>

#include "bankscore/error.h"

namespace bankscore::internal {

std::vector<std::size_t> ShuffledIndices(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);  // mt19937_64's output is fixed by the standard
  for (std::size_t i = n; i > 1; --i) {
    std::size_t j = static_cast<std::size_t>(rng() % i);
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

ResampledTraining ApplyImbalance(TrainingConfig::Imbalance method, const FeatureMatrix& features,
                                 const std::vector<float>& labels,
                                 const std::vector<OneHotGroup>& categorical_groups,
                                 int smote_neighbors, std::uint64_t seed) {
  ResampledTraining out;
  std::vector<Eigen::Index> positive_rows;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 0.5f) positive_rows.push_back(static_cast<Eigen::Index>(i));
  }
  const auto positives = static_cast<std::int64_t>(positive_rows.size());
  const auto negatives = static_cast<std::int64_t>(labels.size()) - positives;
  using Imbalance = TrainingConfig::Imbalance;
  if (method == Imbalance::kNone || positives == 0 || positives >= negatives) {
    out.features = features;
    out.labels = labels;
    return out;
  }
  if (method == Imbalance::kScalePosWeight) {
    out.features = features;
    out.labels = labels;
    out.scale_pos_weight = static_cast<double>(negatives) / static_cast<double>(positives);
    return out;
  }
  const std::int64_t extra = negatives - positives;
  FeatureMatrix added;
  if (method == Imbalance::kRandomOversample) {
    added.resize(extra, features.cols());
    std::mt19937_64 rng(seed);
    for (std::int64_t i = 0; i < extra; ++i) {
      added.row(i) = features.row(positive_rows[rng() % positive_rows.size()]);
    }
  } else {
    FeatureMatrix positive_features(positives, features.cols());
    for (std::int64_t i = 0; i < positives; ++i) {
      positive_features.row(i) = features.row(positive_rows[static_cast<std::size_t>(i)]);
    }
    added = SmoteNc(positive_features, categorical_groups, smote_neighbors, extra, seed);
  }
  out.features.resize(features.rows() + added.rows(), features.cols());
  out.features.topRows(features.rows()) = features;
  out.features.bottomRows(added.rows()) = added;
  out.labels = labels;
  out.labels.insert(out.labels.end(), static_cast<std::size_t>(added.rows()), 1.0f);
  out.synthetic_rows = added.rows();
  return out;
}

}  // namespace bankscore::internal
