#include "model/shap_importance.h"

#include <algorithm>
#include <cmath>

#include "model/reasons.h"

namespace bankscore {

std::vector<ColumnImportance> MeanAbsoluteShap(const Booster& booster,
                                               const FeatureEncoder& encoder,
                                               const FeatureMatrix& features) {
  const auto rows = static_cast<std::size_t>(features.rows());
  if (rows == 0) return {};
  const auto width = static_cast<std::size_t>(features.cols());
  std::vector<float> contributions;
  booster.PredictContributions(features.data(), rows, width, contributions);
  const std::vector<std::size_t> source_of = encoder.EncodedSourceColumns();
  const std::vector<std::string> columns = encoder.input_columns();
  std::vector<double> totals(columns.size(), 0.0);
  std::vector<double> sums;
  for (std::size_t r = 0; r < rows; ++r) {
    // Summed per column before the absolute value: a client has one category, and the indicators
    // of the others (all 0) should not add up as if they had moved it separately.
    SumBySourceColumn(contributions.data() + r * (width + 1), source_of, columns.size(), sums);
    for (std::size_t c = 0; c < sums.size(); ++c) totals[c] += std::fabs(sums[c]);
  }
  std::vector<ColumnImportance> out;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    out.push_back({columns[c], totals[c] / static_cast<double>(rows)});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ColumnImportance& a, const ColumnImportance& b) {
                     return a.mean_abs_shap > b.mean_abs_shap;
                   });
  return out;
}

}  // namespace bankscore
