// FeatureEncoder turns raw source rows into the numeric matrix the classifier reads.
//
// It is fitted once on training rows and saved inside the model bundle, so scoring encodes exactly
// as training did. Encoding rules:
//   - categorical column: one-hot over the categories seen in training (sorted; the literal
//     "unknown" is a category like any other). NULL sets the whole group to NaN (missing, so
//     XGBoost follows its learned default branch). A category never seen in training sets the whole
//     group to 0 ("none of the known categories"); it is counted, not fatal. Text that is not
//     valid UTF-8 (or holds NUL) is no category: Fit leaves it out, and it rejects the row.
//   - numeric column: its value as float; NULL is NaN. Integers and reals both accepted; text that
//     parses as a number is accepted (SQLite may store "1.5" as text); other text, infinity,
//     NaN and values beyond single precision (|v| > 3.4e38, which the float matrix would hold
//     as an infinity) reject the row.
//   - sentinel (e.g. pdays = 999): an extra 0/1 flag column "<name>_is_<value>" and the value
//     itself becomes NaN.
// Transform never throws for bad rows: it reports them as rejections with a reason.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bankscore/columnar_batch.h"
#include "bankscore/config.h"
#include "bankscore/value.h"
#include "model/matrix.h"

namespace bankscore {

// The encoded rows of one ColumnarBatch, in memory reused from batch to batch: `values` is the
// dense row-major float matrix XGBoost predicts from (NaN = missing).
struct EncodedBatch {
  std::vector<float> values;          // rows() x width
  std::size_t width = 0;              // encoded features per row
  std::vector<std::size_t> accepted;  // batch row of each encoded row
  std::vector<std::size_t> rejected;  // batch rows that could not be encoded
  std::vector<std::string> reasons;   // parallel to `rejected`
  std::vector<std::int64_t> unseen;   // per categorical column: cells of an unseen category
  // Per numeric column: values beyond the training range by more than its width (a population
  // that has moved, or a unit that changed). Counted, not rejected.
  std::vector<std::int64_t> out_of_training_range;

  std::size_t rows() const { return accepted.size(); }
  const float* row(std::size_t i) const { return values.data() + i * width; }
};

struct EncodedRows {
  FeatureMatrix matrix;               // one row per accepted input row
  std::vector<std::size_t> accepted;  // input row index of each matrix row
  std::vector<std::size_t> rejected;  // input row indices that could not be encoded
  std::vector<std::string> reasons;   // parallel to `rejected`
  std::size_t unseen_categories = 0;  // cells whose category was not seen in training
};

// Per numeric feature (in FeatureEncoder::numeric() order): the [min, max] a value must lie in,
// from source.ranges; nullopt where none is configured. A row outside is rejected.
using NumericLimits = std::vector<std::optional<std::pair<double, double>>>;

class FeatureEncoder {
 public:
  FeatureEncoder() = default;

  // Learns vocabularies from `rows` (columns named in `columns`). Throws DataError if a configured
  // feature column is missing from `columns`.
  static FeatureEncoder Fit(const SourceConfig& source, const std::vector<std::string>& columns,
                            const std::vector<std::vector<Value>>& rows);

  // Encodes a batch whose columns include the feature columns (any order, extra columns ignored)
  // into `out`, reusing its memory; rows that cannot be encoded are listed with a reason, never
  // thrown. Throws DataError only if a feature column is missing from the batch.
  void Encode(const ColumnarBatch& batch, EncodedBatch& out,
              const NumericLimits& limits = {}) const;

  // source.ranges as limits for Encode.
  NumericLimits Limits(const std::map<std::string, std::pair<double, double>>& ranges) const;
  // [min, max] of each numeric feature's training values (NaN when it had none).
  const std::vector<std::pair<double, double>>& numeric_ranges() const { return numeric_ranges_; }

  // The same for rows of Values, as an Eigen matrix (training, tests).
  EncodedRows Transform(const std::vector<std::string>& columns,
                        const std::vector<std::vector<Value>>& rows) const;

  // Names of the encoded columns, e.g. "job=admin.", "age", "pdays_is_999".
  const std::vector<std::string>& output_names() const { return output_names_; }
  // The raw source columns the encoder needs.
  std::vector<std::string> input_columns() const;
  // Per encoded column, the index in input_columns() of the source column it comes from: a
  // category's indicator and a sentinel flag belong to their column, so that attributions to
  // encoded columns can be summed back into the columns a DBA knows.
  std::vector<std::size_t> EncodedSourceColumns() const;
  const std::vector<std::string>& categorical() const { return categorical_; }
  const std::vector<std::string>& numeric() const { return numeric_; }
  // Categories of each categorical column, in one-hot order; the groups come first in the matrix.
  const std::vector<std::vector<std::string>>& vocabularies() const { return vocabularies_; }

  std::string ToJson() const;
  // Throws ModelError if the text is not a valid encoder.
  static FeatureEncoder FromJson(const std::string& json_text);

 private:
  void BuildOutputNames();
  // Writes one row's features to `dest`; returns a rejection reason, or "" when encoded.
  std::string EncodeRow(const ColumnarBatch& batch, const std::vector<std::size_t>& cat_index,
                        const std::vector<std::size_t>& num_index, std::size_t row, float* dest,
                        const NumericLimits& limits, EncodedBatch& out) const;
  std::string EncodeNumbers(const ColumnarBatch& batch, const std::vector<std::size_t>& num_index,
                            std::size_t row, float* numbers, const NumericLimits& limits,
                            EncodedBatch& out) const;
  std::string EncodeCategories(const ColumnarBatch& batch,
                               const std::vector<std::size_t>& cat_index, std::size_t row,
                               float* dest, EncodedBatch& out) const;
  void FitRanges(const std::vector<std::size_t>& num_index,
                 const std::vector<std::vector<Value>>& rows);
  // Position of `category` in column c's one-hot group, or -1 when unseen.
  std::ptrdiff_t CategoryIndex(std::size_t c, std::string_view category) const;

  std::vector<std::string> categorical_;
  std::vector<std::vector<std::string>> vocabularies_;  // parallel to categorical_, sorted
  std::vector<std::string> numeric_;
  std::map<std::string, double> sentinels_;
  std::vector<std::pair<double, double>> numeric_ranges_;  // parallel to numeric_
  std::vector<std::string> output_names_;
  std::vector<std::size_t> group_start_;  // first matrix column of each categorical group
  std::vector<std::pair<std::size_t, float>> sentinel_flags_;  // (numeric index, sentinel value)
};

}  // namespace bankscore
