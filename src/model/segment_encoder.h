// Internal: SegmentEncoder, the numeric space K-means and PCA work in (bankscore segment).
//
// Fitted once on the fitting sample and stored with the segmentation, so every later assignment
// encodes exactly as the fit did. Encoding rules, and why:
//   - numeric column: standardised, (x - mean) / sd over the sample's values, so a column's unit
//     does not decide its weight. A configured sentinel (pdays = 999), a value outside the
//     column's source.ranges (implausible, as scoring rejects it), NULL, text that is not a
//     number, and non-finite values are missing and become 0, the column's mean: they pull a row
//     neither way. A constant column (sd = 0) encodes as 0 everywhere.
//   - categorical column: one-hot over the categories seen in the sample (sorted), each indicator
//     0 or 1 (weight 1). Two rows in different categories are then at squared distance 2, which
//     is also the expected squared distance between two random rows in a standardised numeric
//     column (E[(x - y)^2] = 2 var = 2): a column with many evenly spread categories weighs about
//     as much as a numeric one, and a column where one category dominates (default = no for 80%
//     of clients) weighs less, 2 (1 - sum of squared category shares) in expectation. NULL and a
//     category not seen in the sample encode as all zeros.
// Encoding never fails on a value; it throws DataError only when a column is missing from the
// input. A plain value: copy it freely.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bankscore/value.h"
#include "model/segment_matrix.h"

namespace bankscore {

// What makes a numeric cell missing besides NULL, text and non-finite values: the source's
// "no value" markers (source.sentinels) and plausible [min, max] ranges (source.ranges).
struct NumericScreen {
  std::map<std::string, double> sentinels;
  std::map<std::string, std::pair<double, double>> ranges;
};

class SegmentEncoder {
 public:
  SegmentEncoder() = default;

  // Learns means, standard deviations and categories from `rows`, whose cells are named by
  // `columns` (which must include every feature). `screen`: the numeric values that are missing.
  static SegmentEncoder Fit(const std::vector<std::string>& categorical,
                            const std::vector<std::string>& numeric, const NumericScreen& screen,
                            const std::vector<std::string>& columns,
                            const std::vector<std::vector<Value>>& rows);

  // One row per input row, width() columns. Throws DataError if a feature column is missing.
  SegmentMatrix Encode(const std::vector<std::string>& columns,
                       const std::vector<std::vector<Value>>& rows) const;

  std::size_t width() const;
  // Names of the encoded columns: "job=retired", ..., then "age", ... (one-hot groups first).
  std::vector<std::string> OutputNames() const;
  const std::vector<std::string>& categorical() const { return categorical_; }
  const std::vector<std::string>& numeric() const { return numeric_; }
  const std::vector<std::vector<std::string>>& vocabularies() const { return vocabularies_; }
  const std::vector<double>& means() const { return means_; }
  const std::vector<double>& sds() const { return sds_; }
  // The number a numeric cell holds, or NaN for missing (NULL, text, non-finite, the sentinel,
  // outside the range).
  double NumericValue(std::size_t i, const Value& cell) const;

  nlohmann::json ToJson() const;
  // Throws ModelError if `j` is not an encoder written by ToJson.
  static SegmentEncoder FromJson(const nlohmann::json& j);

 private:
  std::vector<std::string> categorical_;
  std::vector<std::vector<std::string>> vocabularies_;  // per categorical column, sorted
  std::vector<std::string> numeric_;
  std::vector<double> means_;      // per numeric column
  std::vector<double> sds_;        // per numeric column (population sd; 0 for a constant)
  std::vector<double> sentinels_;  // per numeric column; NaN when none
  std::vector<std::pair<double, double>> ranges_;  // per numeric column; -inf, inf when none
};

}  // namespace bankscore
