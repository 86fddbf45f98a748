// Global importance per source column: the mean absolute TreeSHAP contribution (log-odds) of each
// column of the encoder's input over a set of rows, with one-hot and sentinel indicators summed
// into their column first (as the per-row reasons do). Unlike XGBoost's gain per encoded column, it
// ranks the columns a DBA knows by how much they move predictions on those rows.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/booster.h"
#include "model/encoder.h"
#include "model/matrix.h"

namespace bankscore {

struct ColumnImportance {
  std::string column;         // a source column
  double mean_abs_shap = 0.;  // mean |contribution| over the rows, log-odds
};

// Every row's TreeSHAP contributions summed into the encoder's input columns (SumBySourceColumn),
// from one batched call: what the mean |SHAP| and the SHAP summary chart (shap_summary.h) read.
struct SourceContributions {
  std::size_t rows = 0;
  std::size_t sources = 0;     // the encoder's input columns
  std::vector<double> values;  // rows x sources, row-major, log-odds
  std::vector<double> bias;    // per row: the part of the margin no column has

  double at(std::size_t row, std::size_t source) const { return values[row * sources + source]; }
};

// `features` are rows encoded by `encoder`.
SourceContributions ContributionsBySource(const Booster& booster, const FeatureEncoder& encoder,
                                          const FeatureMatrix& features);

// One entry per column of `columns` (the encoder's input columns, as `sums` has them), largest
// first (ties in column order). Empty when there are no rows.
std::vector<ColumnImportance> MeanAbsoluteShap(const SourceContributions& sums,
                                               const std::vector<std::string>& columns);

// The same straight from encoded rows.
std::vector<ColumnImportance> MeanAbsoluteShap(const Booster& booster,
                                               const FeatureEncoder& encoder,
                                               const FeatureMatrix& features);

}  // namespace bankscore
