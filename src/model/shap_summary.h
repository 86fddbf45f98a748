// The data of the SHAP summary chart (the report's dependence plots): for the source columns that
// move a model most, a bounded sample of rows with each row's value of the column and the column's
// contribution to that row's log-odds. Contributions are summed into source columns exactly as
// for the mean |SHAP| and the per-row reasons (ContributionsBySource), so a row's points over all
// columns add up to its margin minus the bias. Computed by the trainer on the test split and kept
// in the bundle's metadata (extra["shap_summary"]), rounded so the bundle stays small.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/value.h"
#include "model/booster.h"
#include "model/encoder.h"
#include "model/shap_importance.h"

namespace bankscore {

// One row of the sample, for one column.
struct ShapPoint {
  double contribution = 0.0;     // the column's summed contribution, log-odds
  std::optional<double> number;  // a numeric column's value as the model saw it
  // Otherwise the value as a label: a category, "NULL", or a sentinel ("999 (sentinel)"), which
  // the model sees as missing plus a flag, not as a number on the axis.
  std::string label;
};

struct ShapColumnSummary {
  std::string column;
  bool categorical = false;
  double mean_abs_shap = 0.0;  // over all the rows, not only the sample
  std::vector<ShapPoint> points;
};

struct ShapSummary {
  std::vector<ColumnImportance> importance;  // every column, largest first (MeanAbsoluteShap)
  std::vector<ShapColumnSummary> columns;    // the first `columns` of it, same order
};

struct ShapSummaryOptions {
  std::size_t columns = 8;   // columns with the largest mean |SHAP| kept
  std::size_t points = 300;  // rows sampled, the same rows for every column
};

// `rows` (raw values, columns named by `columns`) are encoded by `encoder`; rows it rejects are
// left out. Throws DataError if a feature column is missing from `columns`.
ShapSummary SummarizeShap(const Booster& booster, const FeatureEncoder& encoder,
                          const std::vector<std::string>& columns,
                          const std::vector<std::vector<Value>>& rows,
                          const ShapSummaryOptions& options = {});

// min(`points`, `rows`) row indices spread evenly over [0, rows), ascending: deterministic, and
// over rows in key order a fair cross-section.
std::vector<std::size_t> EvenSample(std::size_t rows, std::size_t points);

// [{"column", "type": "numeric"|"categorical", "mean_abs_shap", "points": [[contribution, value],
// ...]}], value a number or a label; contributions to 4 decimals, numbers to 6 significant digits.
nlohmann::json ShapSummaryToJson(const std::vector<ShapColumnSummary>& columns);
// Throws ModelError when `j` is not of that form.
std::vector<ShapColumnSummary> ShapSummaryFromJson(const nlohmann::json& j);

}  // namespace bankscore
