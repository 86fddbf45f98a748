// Internal: the model report's SHAP summary (dependence plots): per source column, each sampled
// test row's value of the column against the column's contribution to the row's log-odds
// (model/shap_summary.h), as small charts side by side in report.html and a compact table of where
// the contribution is highest and lowest in both pages.
#pragma once

#include <string>
#include <vector>

#include "model/shap_summary.h"
#include "report/html_document.h"

namespace bankscore::report {

// Where a column's values push a row's score, in groups: a category, a range of numbers (rows of
// a numeric column in up to five groups of equal size), or a special value (NULL, a sentinel).
struct ShapValueGroup {
  std::string text;  // plain text (data): "admin.", "20 to 29", "NULL"
  std::size_t rows = 0;
  double mean = 0.0;  // mean contribution, log-odds
};
std::vector<ShapValueGroup> ShapValueGroups(const ShapColumnSummary& column);

// One column's chart: a scatter of contribution (y) against value (x), or, for a categorical
// column, one jittered strip per category ordered by mean contribution. `id` must be unique on
// the page.
std::string ShapDependenceChart(const ShapColumnSummary& column, const std::string& id);

// A numeric column's rows without a number on the axis (NULL, sentinels), one strip per value;
// "" when it has none, and for categorical columns.
std::string ShapMissingValuesChart(const ShapColumnSummary& column, const std::string& id);

// The section "SHAP summary per source column"; says the model has none when `columns` is empty
// (bundles trained before it was recorded).
void ShapSummarySection(ReportDocument& doc, const std::vector<ShapColumnSummary>& columns);

}  // namespace bankscore::report
