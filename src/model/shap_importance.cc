#include "model/shap_importance.h"

#include <algorithm>
#include <cmath>

#include "model/reasons.h"

namespace bankscore {

SourceContributions ContributionsBySource(const Booster& booster, const FeatureEncoder& encoder,
                                          const FeatureMatrix& features) {
  SourceContributions out;
  out.rows = static_cast<std::size_t>(features.rows());
  out.sources = encoder.input_columns().size();
  if (out.rows == 0) return out;
  const auto width = static_cast<std::size_t>(features.cols());
  std::vector<float> contributions;
  booster.PredictContributions(features.data(), out.rows, width, contributions);
  const std::vector<std::size_t> source_of = encoder.EncodedSourceColumns();
  out.values.reserve(out.rows * out.sources);
  out.bias.reserve(out.rows);
  std::vector<double> sums;
  for (std::size_t r = 0; r < out.rows; ++r) {
    const float* row = contributions.data() + r * (width + 1);
    SumBySourceColumn(row, source_of, out.sources, sums);
    out.values.insert(out.values.end(), sums.begin(), sums.end());
    out.bias.push_back(row[width]);
  }
  return out;
}

std::vector<ColumnImportance> MeanAbsoluteShap(const SourceContributions& sums,
                                               const std::vector<std::string>& columns) {
  if (sums.rows == 0) return {};
  std::vector<ColumnImportance> out;
  for (std::size_t c = 0; c < columns.size() && c < sums.sources; ++c) {
    // Summed per column before the absolute value: a client has one category, and the indicators
    // of the others (all 0) should not add up as if they had moved it separately.
    double total = 0.0;
    for (std::size_t r = 0; r < sums.rows; ++r) total += std::fabs(sums.at(r, c));
    out.push_back({columns[c], total / static_cast<double>(sums.rows)});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ColumnImportance& a, const ColumnImportance& b) {
                     return a.mean_abs_shap > b.mean_abs_shap;
                   });
  return out;
}

std::vector<ColumnImportance> MeanAbsoluteShap(const Booster& booster,
                                               const FeatureEncoder& encoder,
                                               const FeatureMatrix& features) {
  return MeanAbsoluteShap(ContributionsBySource(booster, encoder, features),
                          encoder.input_columns());
}

}  // namespace bankscore
