#include "model/drift.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "bankscore/error.h"

namespace bankscore {
namespace {

constexpr std::size_t kNoCell = static_cast<std::size_t>(-1);

const char* KindName(DriftColumn::Kind kind) {
  switch (kind) {
    case DriftColumn::Kind::kNumeric:
      return "numeric";
    case DriftColumn::Kind::kCategorical:
      return "categorical";
    case DriftColumn::Kind::kProbability:
      return "probability";
  }
  return "numeric";
}

// Counts as shares; all zeros when there are no rows.
std::vector<double> Shares(const std::vector<std::int64_t>& counts, std::int64_t rows) {
  std::vector<double> out(counts.size(), 0.0);
  if (rows <= 0) return out;
  for (std::size_t b = 0; b < counts.size(); ++b) {
    out[b] = static_cast<double>(counts[b]) / static_cast<double>(rows);
  }
  return out;
}

void CheckColumn(const DriftColumn& column, const nlohmann::json& j) {
  if (column.shares.size() != column.bins()) {
    throw ModelError("drift reference of '" + column.name +
                     "': " + std::to_string(column.shares.size()) + " shares for " +
                     std::to_string(column.bins()) + " bins");
  }
  if (!std::is_sorted(column.edges.begin(), column.edges.end()) ||
      std::adjacent_find(column.edges.begin(), column.edges.end()) != column.edges.end()) {
    throw ModelError("drift reference of '" + column.name + "': edges not strictly increasing");
  }
  double sum = 0;
  for (double s : column.shares) {
    if (!(s >= 0 && s <= 1)) throw ModelError("drift reference: bad share in " + j.dump());
    sum += s;
  }
  if (std::abs(sum - 1) > 1e-6) {
    throw ModelError("drift reference of '" + column.name + "': shares sum to " +
                     std::to_string(sum));
  }
}

}  // namespace

double PopulationStabilityIndex(const std::vector<double>& expected,
                                const std::vector<std::int64_t>& counts) {
  std::int64_t rows = 0;
  for (std::int64_t c : counts) rows += c;
  if (rows == 0) return 0;
  double psi = 0;
  for (std::size_t b = 0; b < expected.size() && b < counts.size(); ++b) {
    const double a =
        std::max(static_cast<double>(counts[b]) / static_cast<double>(rows), kPsiShareFloor);
    const double e = std::max(expected[b], kPsiShareFloor);
    psi += (a - e) * std::log(a / e);
  }
  return psi;
}

std::optional<std::string> DriftStatus(double psi, std::int64_t rows,
                                       const MonitoringConfig& monitoring) {
  if (rows < monitoring.min_rows) return std::nullopt;
  if (psi >= monitoring.psi_alert) return "alert";
  if (psi >= monitoring.psi_warn) return "warn";
  return "ok";
}

std::vector<double> DecileEdges(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }),
               values.end());
  std::vector<double> edges;
  if (values.empty()) return edges;
  std::sort(values.begin(), values.end());
  // Ten values or fewer: one bin each (deciles would merge them all when one value has 90%).
  std::vector<double> distinct;
  std::unique_copy(values.begin(), values.end(), std::back_inserter(distinct));
  if (distinct.size() <= 10) return std::vector<double>(distinct.begin() + 1, distinct.end());
  const std::size_t n = values.size();
  for (int q = 1; q <= 9; ++q) {
    const double edge = values[std::min(n - 1, n * static_cast<std::size_t>(q) / 10)];
    // An edge at the smallest value would make an empty first bin; equal deciles make one bin.
    if (edge > values.front() && (edges.empty() || edge > edges.back())) edges.push_back(edge);
  }
  return edges;
}

std::size_t DriftColumn::bins() const {
  switch (kind) {
    case Kind::kNumeric:
      return edges.size() + 1 + 1 + (has_sentinel ? 1 : 0);
    case Kind::kCategorical:
      return categories + 2;
    case Kind::kProbability:
      return edges.size() + 1;
  }
  return 0;
}

std::size_t DriftColumn::ValueBin(double value) const {
  return static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), value) -
                                  edges.begin());
}

void DriftCounts::Add(const DriftCounts& other) {
  bins.resize(other.bins.size());
  for (std::size_t c = 0; c < other.bins.size(); ++c) {
    bins[c].resize(other.bins[c].size(), 0);
    for (std::size_t b = 0; b < other.bins[c].size(); ++b) bins[c][b] += other.bins[c][b];
  }
  rows += other.rows;
}

void DriftCounts::Clear() {
  for (auto& column : bins) std::fill(column.begin(), column.end(), 0);
  rows = 0;
}

void DriftReference::Bind(const FeatureEncoder& encoder) {
  first_cell_.clear();
  sentinel_cell_.assign(encoder.categorical().size() + encoder.numeric().size(), kNoCell);
  std::size_t cell = 0;
  for (const auto& vocabulary : encoder.vocabularies()) {
    first_cell_.push_back(cell);
    cell += vocabulary.size();
  }
  const std::size_t numeric_start = cell;
  for (std::size_t n = 0; n < encoder.numeric().size(); ++n) first_cell_.push_back(cell++);
  // The sentinel flags follow the numeric values; each belongs to its source column.
  const std::vector<std::size_t> source = encoder.EncodedSourceColumns();
  for (std::size_t e = numeric_start + encoder.numeric().size(); e < source.size(); ++e) {
    sentinel_cell_[source[e]] = e;
  }
}

DriftReference DriftReference::Fit(const FeatureEncoder& encoder, const FeatureMatrix& features,
                                   const std::vector<double>& probabilities) {
  DriftReference ref;
  ref.Bind(encoder);
  const std::size_t n_cat = encoder.categorical().size();
  for (std::size_t c = 0; c < n_cat; ++c) {
    DriftColumn column{encoder.categorical()[c], DriftColumn::Kind::kCategorical, {}, 0, false, {}};
    column.categories = encoder.vocabularies()[c].size();
    ref.columns_.push_back(std::move(column));
  }
  for (std::size_t n = 0; n < encoder.numeric().size(); ++n) {
    std::vector<double> values(static_cast<std::size_t>(features.rows()));
    const auto cell = static_cast<Eigen::Index>(ref.first_cell_[n_cat + n]);
    for (Eigen::Index r = 0; r < features.rows(); ++r) {
      values[static_cast<std::size_t>(r)] = features(r, cell);  // NaN: NULL or sentinel
    }
    ref.columns_.push_back({encoder.numeric()[n],
                            DriftColumn::Kind::kNumeric,
                            DecileEdges(std::move(values)),
                            0,
                            ref.sentinel_cell_[n_cat + n] != kNoCell,
                            {}});
  }
  ref.columns_.push_back({kProbabilityColumn,
                          DriftColumn::Kind::kProbability,
                          DecileEdges(probabilities),
                          0,
                          false,
                          {}});

  // The reference shares: the same counting as at scoring, features and probability apart.
  DriftCounts counts = ref.NewCounts();
  for (Eigen::Index r = 0; r < features.rows(); ++r)
    ref.CountRow(features.row(r).data(), NAN, counts);
  for (double p : probabilities) ++counts.bins.back()[ref.columns_.back().ValueBin(p)];
  ref.feature_rows_ = features.rows();
  ref.probability_rows_ = static_cast<std::int64_t>(probabilities.size());
  for (std::size_t c = 0; c + 1 < ref.columns_.size(); ++c) {
    ref.columns_[c].shares = Shares(counts.bins[c], ref.feature_rows_);
  }
  ref.columns_.back().shares = Shares(counts.bins.back(), ref.probability_rows_);
  return ref;
}

DriftCounts DriftReference::NewCounts() const {
  DriftCounts counts;
  for (const DriftColumn& column : columns_) counts.bins.emplace_back(column.bins(), 0);
  return counts;
}

void DriftReference::CountRow(const float* row, double probability, DriftCounts& counts) const {
  for (std::size_t c = 0; c + 1 < columns_.size(); ++c) {
    const DriftColumn& column = columns_[c];
    const float* cells = row + first_cell_[c];
    std::size_t bin = 0;
    if (column.kind == DriftColumn::Kind::kCategorical) {
      // The one-hot group: NaN for NULL, a 1 at the category, all 0 for an unseen category.
      if (column.categories > 0 && std::isnan(cells[0])) {
        bin = column.categories;
      } else {
        bin = column.categories + 1;
        for (std::size_t k = 0; k < column.categories; ++k) {
          if (cells[k] == 1.0f) bin = k;
        }
      }
    } else if (!std::isnan(cells[0])) {
      bin = column.ValueBin(cells[0]);
    } else {  // NaN: the sentinel when its flag is set, else NULL
      const bool sentinel = sentinel_cell_[c] != kNoCell && row[sentinel_cell_[c]] == 1.0f;
      bin = column.edges.size() + 1 + (sentinel ? 1 : 0);
    }
    ++counts.bins[c][bin];
  }
  if (!std::isnan(probability)) ++counts.bins.back()[columns_.back().ValueBin(probability)];
  ++counts.rows;
}

void DriftReference::Count(const EncodedBatch& encoded, const std::vector<std::size_t>& rows,
                           const std::vector<double>& probabilities, DriftCounts& counts) const {
  if (columns_.empty()) return;
  if (counts.bins.size() != columns_.size()) counts = NewCounts();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CountRow(encoded.row(rows[i]), probabilities[rows[i]], counts);
  }
}

std::vector<DriftRow> DriftReference::Compare(const DriftCounts& counts,
                                              const MonitoringConfig& monitoring) const {
  std::vector<DriftRow> out;
  if (counts.bins.size() != columns_.size()) return out;
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    const double psi = PopulationStabilityIndex(columns_[c].shares, counts.bins[c]);
    out.push_back({columns_[c].name, psi, DriftStatus(psi, counts.rows, monitoring), counts.rows});
  }
  return out;
}

nlohmann::json DriftReference::ToJson() const {
  nlohmann::json columns = nlohmann::json::array();
  for (const DriftColumn& column : columns_) {
    nlohmann::json j = {
        {"column", column.name}, {"kind", KindName(column.kind)}, {"shares", column.shares}};
    if (column.kind == DriftColumn::Kind::kCategorical) {
      j["categories"] = column.categories;
    } else {
      j["edges"] = column.edges;
    }
    if (column.has_sentinel) j["sentinel"] = true;
    columns.push_back(std::move(j));
  }
  return {{"feature_rows", feature_rows_},
          {"probability_rows", probability_rows_},
          {"columns", std::move(columns)}};
}

DriftReference DriftReference::FromJson(const nlohmann::json& j, const FeatureEncoder& encoder) {
  try {
    DriftReference ref;
    ref.Bind(encoder);
    ref.feature_rows_ = j.at("feature_rows").get<std::int64_t>();
    ref.probability_rows_ = j.at("probability_rows").get<std::int64_t>();
    std::vector<std::string> expected = encoder.input_columns();
    expected.push_back(kProbabilityColumn);
    const nlohmann::json& columns = j.at("columns");
    if (columns.size() != expected.size()) {
      throw ModelError("drift reference has " + std::to_string(columns.size()) +
                       " columns, the encoder " + std::to_string(expected.size() - 1) + " + 1");
    }
    const std::size_t n_cat = encoder.categorical().size();
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const nlohmann::json& e = columns[c];
      DriftColumn column;
      column.name = e.at("column").get<std::string>();
      column.kind = c < n_cat                 ? DriftColumn::Kind::kCategorical
                    : c + 1 < expected.size() ? DriftColumn::Kind::kNumeric
                                              : DriftColumn::Kind::kProbability;
      if (column.name != expected[c] || e.at("kind").get<std::string>() != KindName(column.kind)) {
        throw ModelError("drift reference column " + std::to_string(c + 1) + " is '" + column.name +
                         "', the encoder's is '" + expected[c] + "'");
      }
      if (column.kind == DriftColumn::Kind::kCategorical) {
        column.categories = e.at("categories").get<std::size_t>();
        if (column.categories != encoder.vocabularies()[c].size()) {
          throw ModelError("drift reference of '" + column.name + "' has other categories");
        }
      } else {
        column.edges = e.at("edges").get<std::vector<double>>();
      }
      column.has_sentinel = e.value("sentinel", false);
      if (column.kind == DriftColumn::Kind::kNumeric &&
          column.has_sentinel != (ref.sentinel_cell_[c] != kNoCell)) {
        throw ModelError("drift reference of '" + column.name + "' disagrees on its sentinel");
      }
      column.shares = e.at("shares").get<std::vector<double>>();
      CheckColumn(column, e);
      ref.columns_.push_back(std::move(column));
    }
    return ref;
  } catch (const nlohmann::json::exception& e) {
    throw ModelError(std::string("invalid drift reference in model bundle: ") + e.what());
  }
}

}  // namespace bankscore
