// Internal: the data profile behind `bankscore profile` (the analyst's view of the source table).
//
// TableProfiler accumulates a TableProfile from the batches Database::ScanTable delivers, in one
// pass and in memory bounded by ProfileOptions' caps. RenderProfile turns it into a self-contained
// HTML page (inline style and SVG charts, readable offline) and a Markdown summary; it does no I/O,
// so tests render profiles from hand-made input.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/value.h"
#include "report/html_document.h"

namespace bankscore {

struct ProfileOptions {
  std::string table;
  std::string key;
  std::string label;
  std::string positive_label = "yes";
  std::vector<std::string> categorical;  // configured features
  std::vector<std::string> numeric;
  std::map<std::string, double> sentinels;
  // Columns known only after the outcome (the UCI documentation: duration is the length of the
  // call, and duration = 0 means y = no): profiled, flagged, and kept out of the hypotheses.
  std::vector<std::string> leakage_columns = {"duration"};
  // Distinct values kept exactly per numeric column; past this, a uniform sample of this many
  // values stands in for quantiles and histograms (count, mean, sd, min and max stay exact).
  std::size_t max_exact_values = 200000;
  // Distinct categories kept per text column; rarer ones past this are counted as "(other)".
  std::size_t max_categories = 1000;
};
ProfileOptions ProfileOptionsFromConfig(const Config& config);

// A category, a numeric value, or a band of numeric values, with the label counts behind its
// subscription rate. `labelled` excludes rows whose label is NULL.
struct ValueGroup {
  std::string label;
  std::int64_t rows = 0;
  std::int64_t labelled = 0;
  std::int64_t positives = 0;
  double Rate() const { return labelled > 0 ? static_cast<double>(positives) / labelled : 0.0; }
};

struct NumericSummary {
  std::int64_t count = 0;  // non-NULL numeric values, sentinel values excluded
  double min = 0, q1 = 0, median = 0, q3 = 0, max = 0, mean = 0, sd = 0;
  bool sampled = false;              // quantiles and histogram from a sample (see ProfileOptions)
  std::int64_t distinct = 0;         // distinct values (of the sample when sampled)
  std::vector<double> edges;         // histogram bin edges (bins + 1)
  std::vector<std::int64_t> counts;  // histogram counts
  std::int64_t overflow_rows = 0;    // values beyond edges.back(), counted in the last bin
  double overflow_from = 0;          // the smallest of them
  std::vector<ValueGroup> bands;     // adjacent values merged into groups of useful size
  double rank_auc = 0.5;             // ROC AUC of the raw value as a score for the label
  std::optional<double> sentinel;    // the configured sentinel, if any
  std::int64_t sentinel_rows = 0;
  ValueGroup sentinel_group;  // label counts of the sentinel rows
};

struct ColumnProfile {
  std::string name;
  std::string role;  // "key", "label", "categorical feature", "numeric feature", "not a feature"
  bool numeric = false;  // profiled as numbers (configured numeric, or every value is a number)
  std::string storage;   // value types seen: "integer", "real", "text", joined with " + "
  std::int64_t rows = 0;
  std::int64_t nulls = 0;
  std::int64_t unknowns = 0;     // the literal text "unknown"
  std::int64_t non_numeric = 0;  // text values in a numeric column (not counted in the summary)
  std::int64_t distinct = 0;     // distinct non-NULL values (at least, when capped)
  NumericSummary summary;        // numeric columns
  std::vector<ValueGroup> categories;  // categorical columns, most frequent first
  std::int64_t other_categories = 0;   // categories folded into "(other)" past the cap
};

struct Correlation {
  std::string a, b;
  double r = 0;  // Pearson, over rows where both are numeric and not a sentinel
  std::int64_t rows = 0;
};

struct TableProfile {
  ProfileOptions options;
  std::int64_t rows = 0;
  std::int64_t labelled = 0;
  std::int64_t positives = 0;
  std::vector<ValueGroup>
      label_values;                    // every label value (NULL as "(NULL)"), most frequent first
  std::vector<ColumnProfile> columns;  // table order; the key first
  std::vector<Correlation> correlations;  // every pair of numeric feature columns
};

// Accumulates a profile from the batches ScanTable delivers, in one pass.
class TableProfiler {
 public:
  // `columns`: the columns of every batch, as ScanTable returns them (the key first).
  TableProfiler(ProfileOptions options, std::vector<std::string> columns);
  ~TableProfiler();
  TableProfiler(const TableProfiler&) = delete;
  TableProfiler& operator=(const TableProfiler&) = delete;

  // Throws DataError if the batch has other columns than announced.
  void Add(const RowBatch& batch);
  TableProfile Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A hypothesis the data suggests: the subscription rate differs between groups of one column.
struct Hypothesis {
  std::string column;
  ValueGroup high;            // the group with the highest rate among groups with enough rows
  ValueGroup low;             // ... the lowest
  double gap = 0;             // high.Rate() - low.Rate(): the effect size the list is ranked by
  std::int64_t min_rows = 0;  // the support a group needed
  std::optional<double> rank_auc;  // numeric columns: AUC of the value alone
};
// Every eligible column (features and other columns; not the key, the label or leakage columns)
// ranked by gap, largest first.
std::vector<Hypothesis> RankHypotheses(const TableProfile& profile);

struct ReportStamp {
  std::string generated_at;   // ISO 8601 UTC
  std::string model_version;  // empty: no model
  std::string model_created_at;
  ReportConfig report;  // title and data source line; the table and label stand in when unset
};

RenderedReport RenderProfile(const TableProfile& profile, const ReportStamp& stamp);

}  // namespace bankscore
