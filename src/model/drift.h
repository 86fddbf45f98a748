// Internal: drift of the scored population against the training population, as the Population
// Stability Index (PSI) of every feature column and of the predicted probability.
//
// A DriftReference is fitted at training time and kept in the model bundle. It bins every column
// as the encoder sees it, so bins are the same at training and at scoring:
//   - numeric column: value bins cut at the deciles of its training values, i.e. up to ten bins
//     [-inf, e1), [e1, e2), ..., [e9, +inf) (equal deciles merge into one bin), or one bin per
//     value for a column of at most ten distinct values; then a NULL bin, and a sentinel bin when
//     source.sentinels names one;
//   - categorical column: one bin per training category, then a NULL bin and an "unseen" bin
//     (categories never seen in training, whose training share is 0);
//   - the predicted (calibrated) probability, column "(probability)": bins cut at its deciles.
// Each bin keeps its share of the reference rows. DriftCounts counts scored rows into the same
// bins, batch by batch: its memory is the number of bins, whatever the number of rows.
//
// PSI of a column = sum over its bins of (a - e) * ln(a / e), a and e the scored and reference
// shares of the bin, each floored at kPsiShareFloor (1e-4) so that an empty bin contributes a
// large but finite amount instead of an infinity. Errors: FromJson throws ModelError for a profile
// that does not fit its encoder; nothing else throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bankscore/config.h"
#include "bankscore/database.h"
#include "model/encoder.h"
#include "model/matrix.h"

namespace bankscore {

// Shares below this count as this, in both the reference and the scored rows.
inline constexpr double kPsiShareFloor = 1e-4;
// The name of the predicted probability among the drift columns (no source column has brackets).
inline constexpr const char* kProbabilityColumn = "(probability)";

// PSI of `counts` (scored rows per bin) against `expected` (reference shares per bin, same size).
// No rows: 0.
double PopulationStabilityIndex(const std::vector<double>& expected,
                                const std::vector<std::int64_t>& counts);

// ok / warn / alert for a PSI (psi >= psi_alert: alert; >= psi_warn: warn), or nullopt when the
// run scored fewer than monitoring.min_rows rows (too few for the figure to mean much).
std::optional<std::string> DriftStatus(double psi, std::int64_t rows,
                                       const MonitoringConfig& monitoring);

// The cut points of the deciles of `values` (any order; NaN left out): the sorted, distinct values
// at ranks floor(q * n) for q = 0.1 .. 0.9, leaving out the smallest value (nothing lies below it).
// Values of at most ten distinct values are cut at each of them instead (one bin per value).
std::vector<double> DecileEdges(std::vector<double> values);

// The bins of one column and their reference shares.
struct DriftColumn {
  enum class Kind { kNumeric, kCategorical, kProbability };
  std::string name;
  Kind kind = Kind::kNumeric;
  std::vector<double> edges;   // numeric and probability: value bins are edges.size() + 1
  std::size_t categories = 0;  // categorical: category bins (the encoder's vocabulary)
  bool has_sentinel = false;   // numeric: a sentinel bin after the NULL bin
  std::vector<double> shares;  // per bin, summing to 1

  std::size_t bins() const;
  // The bin of a value (numeric, probability), NaN not allowed.
  std::size_t ValueBin(double value) const;
};

// Scored rows per bin of each column of a reference (its columns' order).
struct DriftCounts {
  std::vector<std::vector<std::int64_t>> bins;
  std::int64_t rows = 0;

  void Add(const DriftCounts& other);
  void Clear();
};

class DriftReference {
 public:
  DriftReference() = default;

  // Bins the encoded rows `features` (encoded by `encoder`) and the calibrated `probabilities` of
  // `probability_rows` (the rows may differ: see the trainer). Cut points from these rows.
  static DriftReference Fit(const FeatureEncoder& encoder, const FeatureMatrix& features,
                            const std::vector<double>& probabilities);

  // Empty counts for this reference's bins.
  DriftCounts NewCounts() const;
  // Counts the encoded rows `rows` of `encoded` (indices into it) into `counts`, each with its
  // probability, `probabilities[row]` (one per encoded row).
  void Count(const EncodedBatch& encoded, const std::vector<std::size_t>& rows,
             const std::vector<double>& probabilities, DriftCounts& counts) const;
  // PSI and status of every column, features first (encoder order), then the probability.
  std::vector<DriftRow> Compare(const DriftCounts& counts,
                                const MonitoringConfig& monitoring) const;

  const std::vector<DriftColumn>& columns() const { return columns_; }
  std::int64_t feature_rows() const { return feature_rows_; }
  std::int64_t probability_rows() const { return probability_rows_; }

  nlohmann::json ToJson() const;
  // Throws ModelError when the profile does not match `encoder` (columns, categories) or its
  // shares are not shares.
  static DriftReference FromJson(const nlohmann::json& j, const FeatureEncoder& encoder);

 private:
  // Where each column's cells are in an encoded row.
  void Bind(const FeatureEncoder& encoder);
  void CountRow(const float* row, double probability, DriftCounts& counts) const;

  std::vector<DriftColumn> columns_;  // features in encoder input order, then the probability
  std::int64_t feature_rows_ = 0;
  std::int64_t probability_rows_ = 0;
  // Per column: the first encoded column (a categorical group's first indicator, or the numeric
  // value) and a numeric column's sentinel flag (npos when none).
  std::vector<std::size_t> first_cell_;
  std::vector<std::size_t> sentinel_cell_;
};

}  // namespace bankscore
