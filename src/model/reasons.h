// Per-row reasons: a row's TreeSHAP contributions (one per encoded column, in log-odds) summed back
// into the source columns they were encoded from, the K largest by magnitude kept, and written as
// one readable line. Pure functions on arrays: the scorer calls them once per row of a batch whose
// contributions came from one XGBoost call.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace bankscore {

// One source column's summed contribution to a row's margin.
struct SourceContribution {
  std::size_t column = 0;     // index among the encoder's input columns
  double contribution = 0.0;  // signed, log-odds
};

// Adds each of `width` encoded contributions of one row to its source column
// (`source_of[i]`, FeatureEncoder::EncodedSourceColumns). `sums` is resized to `sources` and
// overwritten. The bias (the value after the `width` contributions) is not a column's and is left
// out.
void SumBySourceColumn(const float* contributions, const std::vector<std::size_t>& source_of,
                       std::size_t sources, std::vector<double>& sums);

// The min(`k`, sums.size()) source columns with the largest |contribution|, largest first; ties
// go to the column listed first, so the order is deterministic. `out` is overwritten.
void TopContributions(const std::vector<double>& sums, std::size_t k,
                      std::vector<SourceContribution>& out);

// "poutcome=success (+1.21)": a reason for people, the contribution to two decimals with its sign.
std::string FormatReason(const std::string& feature, const std::string& value, double contribution);

// Reasons joined with "; ", the form of predictions.top_reasons.
void AppendReason(std::string& line, const std::string& feature, const std::string& value,
                  double contribution);

}  // namespace bankscore
