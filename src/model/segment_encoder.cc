#include "model/segment_encoder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "bankscore/error.h"
#include "common/text.h"

namespace bankscore {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A number, or JSON null for NaN and the infinite ends of an open range (JSON has neither).
nlohmann::json FiniteOrNull(double x) { return std::isfinite(x) ? nlohmann::json(x) : nullptr; }

double FromFiniteOrNull(const nlohmann::json& j, double null_value) {
  return j.is_null() ? null_value : j.get<double>();
}

// Position of each of `wanted` in `columns`; throws DataError naming a missing one.
std::vector<std::size_t> Positions(const std::vector<std::string>& wanted,
                                   const std::vector<std::string>& columns) {
  std::vector<std::size_t> out;
  for (const std::string& name : wanted) {
    const auto it = std::find(columns.begin(), columns.end(), name);
    if (it == columns.end()) {
      throw DataError("segmentation: column '" + name + "' is missing from the rows read");
    }
    out.push_back(static_cast<std::size_t>(it - columns.begin()));
  }
  return out;
}

double ParseCell(const Value& cell) {
  if (const auto* i = std::get_if<std::int64_t>(&cell)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&cell)) return std::isfinite(*d) ? *d : kNan;
  if (const auto* s = std::get_if<std::string>(&cell)) return ParseNumber(*s).value_or(kNan);
  return kNan;
}

// Mean and population sd of the non-missing values of numeric column `i`.
std::pair<double, double> MeanAndSd(const SegmentEncoder& encoder, std::size_t i,
                                    std::size_t position,
                                    const std::vector<std::vector<Value>>& rows) {
  double sum = 0, sum_squares = 0;
  std::size_t n = 0;
  for (const auto& row : rows) {
    const double x = encoder.NumericValue(i, row[position]);
    if (std::isnan(x)) continue;
    sum += x;
    ++n;
  }
  if (n == 0) return {0.0, 0.0};
  const double mean = sum / static_cast<double>(n);
  for (const auto& row : rows) {  // two passes: no cancellation for large values (nr.employed)
    const double x = encoder.NumericValue(i, row[position]);
    if (!std::isnan(x)) sum_squares += (x - mean) * (x - mean);
  }
  return {mean, std::sqrt(sum_squares / static_cast<double>(n))};
}

}  // namespace

SegmentEncoder SegmentEncoder::Fit(const std::vector<std::string>& categorical,
                                   const std::vector<std::string>& numeric,
                                   const NumericScreen& screen,
                                   const std::vector<std::string>& columns,
                                   const std::vector<std::vector<Value>>& rows) {
  SegmentEncoder e;
  e.categorical_ = categorical;
  e.numeric_ = numeric;
  const std::vector<std::size_t> cat_at = Positions(categorical, columns);
  for (std::size_t c = 0; c < categorical.size(); ++c) {
    std::set<std::string> seen;
    for (const auto& row : rows) {
      if (!IsNull(row[cat_at[c]])) seen.insert(ValueText(row[cat_at[c]]));
    }
    e.vocabularies_.emplace_back(seen.begin(), seen.end());
  }
  const std::vector<std::size_t> num_at = Positions(numeric, columns);
  for (const std::string& name : numeric) {
    const auto sentinel = screen.sentinels.find(name);
    e.sentinels_.push_back(sentinel == screen.sentinels.end() ? kNan : sentinel->second);
    const auto range = screen.ranges.find(name);
    e.ranges_.push_back(range == screen.ranges.end() ? std::pair(-kInf, kInf) : range->second);
  }
  for (std::size_t i = 0; i < numeric.size(); ++i) {
    const auto [mean, sd] = MeanAndSd(e, i, num_at[i], rows);
    e.means_.push_back(mean);
    e.sds_.push_back(sd);
  }
  return e;
}

double SegmentEncoder::NumericValue(std::size_t i, const Value& cell) const {
  const double x = ParseCell(cell);
  const bool sentinel = !std::isnan(sentinels_[i]) && x == sentinels_[i];
  return sentinel || x < ranges_[i].first || x > ranges_[i].second ? kNan : x;
}

std::size_t SegmentEncoder::width() const {
  std::size_t n = numeric_.size();
  for (const auto& v : vocabularies_) n += v.size();
  return n;
}

std::vector<std::string> SegmentEncoder::OutputNames() const {
  std::vector<std::string> names;
  for (std::size_t c = 0; c < categorical_.size(); ++c) {
    for (const std::string& category : vocabularies_[c]) {
      names.push_back(categorical_[c] + "=" + category);
    }
  }
  names.insert(names.end(), numeric_.begin(), numeric_.end());
  return names;
}

SegmentMatrix SegmentEncoder::Encode(const std::vector<std::string>& columns,
                                     const std::vector<std::vector<Value>>& rows) const {
  const std::vector<std::size_t> cat_at = Positions(categorical_, columns);
  const std::vector<std::size_t> num_at = Positions(numeric_, columns);
  SegmentMatrix out = SegmentMatrix::Zero(static_cast<Eigen::Index>(rows.size()),
                                          static_cast<Eigen::Index>(width()));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto row = static_cast<Eigen::Index>(r);
    Eigen::Index offset = 0;
    for (std::size_t c = 0; c < categorical_.size(); ++c) {
      const std::vector<std::string>& vocabulary = vocabularies_[c];
      const Value& cell = rows[r][cat_at[c]];
      if (!IsNull(cell)) {
        // Text cells are compared in place: no copy per cell on the assignment path.
        const auto* text = std::get_if<std::string>(&cell);
        const std::string converted = text ? std::string() : ValueText(cell);
        const std::string& category = text ? *text : converted;
        const auto it = std::lower_bound(vocabulary.begin(), vocabulary.end(), category);
        if (it != vocabulary.end() && *it == category) {
          out(row, offset + (it - vocabulary.begin())) = 1.0;
        }
      }
      offset += static_cast<Eigen::Index>(vocabulary.size());
    }
    for (std::size_t i = 0; i < numeric_.size(); ++i) {
      const double x = NumericValue(i, rows[r][num_at[i]]);
      if (!std::isnan(x) && sds_[i] > 0) out(row, offset) = (x - means_[i]) / sds_[i];
      ++offset;
    }
  }
  return out;
}

nlohmann::json SegmentEncoder::ToJson() const {
  nlohmann::json sentinels = nlohmann::json::array();
  for (double s : sentinels_) sentinels.push_back(FiniteOrNull(s));
  nlohmann::json ranges = nlohmann::json::array();
  for (const auto& [low, high] : ranges_) ranges.push_back({FiniteOrNull(low), FiniteOrNull(high)});
  return {{"categorical", categorical_},
          {"vocabularies", vocabularies_},
          {"numeric", numeric_},
          {"means", means_},
          {"sds", sds_},
          {"sentinels", sentinels},
          {"ranges", ranges}};
}

SegmentEncoder SegmentEncoder::FromJson(const nlohmann::json& j) {
  SegmentEncoder e;
  try {
    e.categorical_ = j.at("categorical").get<std::vector<std::string>>();
    e.vocabularies_ = j.at("vocabularies").get<std::vector<std::vector<std::string>>>();
    e.numeric_ = j.at("numeric").get<std::vector<std::string>>();
    e.means_ = j.at("means").get<std::vector<double>>();
    e.sds_ = j.at("sds").get<std::vector<double>>();
    for (const auto& s : j.at("sentinels")) e.sentinels_.push_back(FromFiniteOrNull(s, kNan));
    for (const auto& r : j.at("ranges")) {
      e.ranges_.emplace_back(FromFiniteOrNull(r.at(0), -kInf), FromFiniteOrNull(r.at(1), kInf));
    }
  } catch (const nlohmann::json::exception& ex) {
    throw ModelError(std::string("segmentation encoder: malformed JSON: ") + ex.what());
  }
  const std::size_t n = e.numeric_.size();
  if (e.vocabularies_.size() != e.categorical_.size() || e.means_.size() != n ||
      e.sds_.size() != n || e.sentinels_.size() != n || e.ranges_.size() != n) {
    throw ModelError("segmentation encoder: the JSON's lists differ in length");
  }
  return e;
}

}  // namespace bankscore
