#include "service/model_description.h"

#include <cmath>

#include "model/metrics.h"

namespace bankscore::service {
namespace {

nlohmann::json Features(const FeatureEncoder& encoder) {
  nlohmann::json features = nlohmann::json::array();
  for (std::size_t c = 0; c < encoder.categorical().size(); ++c) {
    features.push_back({{"name", encoder.categorical()[c]},
                        {"kind", "categorical"},
                        {"categories", encoder.vocabularies()[c]}});
  }
  for (std::size_t n = 0; n < encoder.numeric().size(); ++n) {
    nlohmann::json feature = {{"name", encoder.numeric()[n]}, {"kind", "numeric"}};
    // NaN: no training value to take a range from (the column was all NULL or sentinel).
    const auto [low, high] = encoder.numeric_ranges()[n];
    if (!std::isnan(low) && !std::isnan(high)) {
      feature["min"] = low;
      feature["max"] = high;
    }
    features.push_back(std::move(feature));
  }
  return features;
}

}  // namespace

nlohmann::json DescribeModel(const ServingSnapshot& snapshot, std::size_t explain_top) {
  const ModelBundle& model = *snapshot.model;
  const ModelMetadata& m = model.metadata;
  const double threshold = snapshot.decision.threshold;
  nlohmann::json out = {
      {"model_version", m.version},
      {"created_at", m.created_at},
      {"source_table", m.source_table},
      {"label", {{"column", m.label_column}, {"positive", m.positive_label}}},
      {"features", Features(model.encoder)},
      {"threshold", threshold},
      {"threshold_source", snapshot.threshold_from_config ? "config" : "model"},
      {"threshold_policy", m.threshold_policy},
      {"training_rows", m.original_training_rows},
      {"test_rows", m.test_rows},
      // At the threshold in force, which may not be the bundle's (scoring.threshold).
      {"test_metrics", ToJson(ComputeMetrics(model.test.labels, model.test.scores, threshold))},
      // What a score returns besides the probability: reasons (TreeSHAP, scoring.explain_top per
      // client) and segments, when a segmentation is published (issue 14).
      {"capabilities",
       {{"reasons", explain_top > 0},
        {"explain_top", explain_top},
        {"segments", snapshot.segments != nullptr}}},
  };
  if (snapshot.segments) {
    out["segmentation"] = {{"version", snapshot.segments->version()},
                           {"k", snapshot.segments->model().k}};
  }
  return out;
}

}  // namespace bankscore::service
