// Global importance per source column: the mean absolute TreeSHAP contribution (log-odds) of each
// column of the encoder's input over a set of rows, with one-hot and sentinel indicators summed
// into their column first (as the per-row reasons do). Unlike XGBoost's gain per encoded column, it
// ranks the columns a DBA knows by how much they move predictions on those rows.
#pragma once

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

// One entry per input column of `encoder`, largest first (ties in column order); `features` are
// rows encoded by `encoder`. Empty when there are no rows.
std::vector<ColumnImportance> MeanAbsoluteShap(const Booster& booster,
                                               const FeatureEncoder& encoder,
                                               const FeatureMatrix& features);

}  // namespace bankscore
