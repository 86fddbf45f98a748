#include "model/encoder.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "bankscore/error.h"
#include "common/text.h"

namespace bankscore {
namespace {

// Index of each named column in `columns`; throws DataError naming the first missing one.
std::vector<std::size_t> ColumnIndices(const std::vector<std::string>& wanted,
                                       const std::vector<std::string>& columns) {
  std::vector<std::size_t> out;
  out.reserve(wanted.size());
  for (const auto& name : wanted) {
    auto it = std::find(columns.begin(), columns.end(), name);
    if (it == columns.end()) throw DataError("feature column '" + name + "' is missing");
    out.push_back(static_cast<std::size_t>(it - columns.begin()));
  }
  return out;
}

// The model reads single-precision floats: a finite double beyond their range (1e39, 1e300)
// would become an infinity in the matrix, which XGBoost takes for a real value of the feature.
bool FitsTheModel(double value) {
  return std::isfinite(value) && std::abs(value) <= std::numeric_limits<float>::max();
}

std::string SentinelFlagName(const std::string& column, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", value);
  return column + "_is_" + buf;
}

}  // namespace

FeatureEncoder FeatureEncoder::Fit(const SourceConfig& source,
                                   const std::vector<std::string>& columns,
                                   const std::vector<std::vector<Value>>& rows) {
  FeatureEncoder encoder;
  encoder.categorical_ = source.categorical;
  encoder.numeric_ = source.numeric;
  encoder.sentinels_ = source.sentinels;
  std::vector<std::size_t> index = ColumnIndices(source.categorical, columns);
  encoder.vocabularies_.resize(source.categorical.size());
  for (std::size_t c = 0; c < source.categorical.size(); ++c) {
    std::set<std::string> seen;  // sorted, so the encoding does not depend on row order
    for (const auto& row : rows) {
      const Value& v = row[index[c]];
      if (IsNull(v)) continue;
      std::string category = ValueText(v);
      // Text that is not valid UTF-8 is never a category: Encode rejects the rows that hold it,
      // and the bundle's JSON could not hold it (saving the encoder would throw).
      if (IsValidUtf8(category)) seen.insert(std::move(category));
    }
    encoder.vocabularies_[c].assign(seen.begin(), seen.end());
  }
  encoder.FitRanges(ColumnIndices(source.numeric, columns), rows);
  encoder.BuildOutputNames();
  return encoder;
}

// The training values' [min, max] per numeric column; NULL, text that is no number, values the
// model cannot read (non-finite or beyond float) and sentinels do not count.
void FeatureEncoder::FitRanges(const std::vector<std::size_t>& num_index,
                               const std::vector<std::vector<Value>>& rows) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  numeric_ranges_.assign(numeric_.size(), {nan, nan});
  for (std::size_t n = 0; n < numeric_.size(); ++n) {
    const auto sentinel = sentinels_.find(numeric_[n]);
    auto& [low, high] = numeric_ranges_[n];
    for (const auto& row : rows) {
      const Value& v = row[num_index[n]];
      std::optional<double> value = AsNumber(v);
      if (const auto* text = std::get_if<std::string>(&v)) value = ParseNumber(*text);
      if (!value || !FitsTheModel(*value)) continue;  // Encode rejects these rows
      if (sentinel != sentinels_.end() && *value == sentinel->second) continue;
      if (std::isnan(low) || *value < low) low = *value;
      if (std::isnan(high) || *value > high) high = *value;
    }
  }
}

void FeatureEncoder::BuildOutputNames() {
  output_names_.clear();
  group_start_.clear();
  for (std::size_t c = 0; c < categorical_.size(); ++c) {
    group_start_.push_back(output_names_.size());
    for (const auto& category : vocabularies_[c]) {
      output_names_.push_back(categorical_[c] + "=" + category);
    }
  }
  for (const auto& name : numeric_) output_names_.push_back(name);
  // Sentinel flags follow the numeric columns, in map order.
  sentinel_flags_.clear();
  for (const auto& [name, value] : sentinels_) {
    output_names_.push_back(SentinelFlagName(name, value));
    const auto it = std::find(numeric_.begin(), numeric_.end(), name);
    sentinel_flags_.emplace_back(static_cast<std::size_t>(it - numeric_.begin()),
                                 static_cast<float>(value));
  }
}

std::vector<std::string> FeatureEncoder::input_columns() const {
  std::vector<std::string> out = categorical_;
  out.insert(out.end(), numeric_.begin(), numeric_.end());
  return out;
}

std::vector<std::size_t> FeatureEncoder::EncodedSourceColumns() const {
  std::vector<std::size_t> out;
  out.reserve(output_names_.size());
  for (std::size_t c = 0; c < categorical_.size(); ++c)
    out.insert(out.end(), vocabularies_[c].size(), c);
  for (std::size_t n = 0; n < numeric_.size(); ++n) out.push_back(categorical_.size() + n);
  for (const auto& flag : sentinel_flags_) out.push_back(categorical_.size() + flag.first);
  return out;
}

std::ptrdiff_t FeatureEncoder::CategoryIndex(std::size_t c, std::string_view category) const {
  const std::vector<std::string>& vocabulary = vocabularies_[c];
  const auto it = std::lower_bound(
      vocabulary.begin(), vocabulary.end(), category,
      [](const std::string& a, std::string_view b) { return std::string_view(a) < b; });
  if (it == vocabulary.end() || *it != category) return -1;
  return it - vocabulary.begin();
}

// Numeric cells first: a bad one rejects the row before anything else is decided.
std::string FeatureEncoder::EncodeNumbers(const ColumnarBatch& batch,
                                          const std::vector<std::size_t>& num_index,
                                          std::size_t row, float* numbers,
                                          const NumericLimits& limits, EncodedBatch& out) const {
  for (std::size_t n = 0; n < numeric_.size(); ++n) {
    const Column& column = batch.columns[num_index[n]];
    double value = 0;
    if (column.type(row) == CellType::kNull) {
      numbers[n] = kMissing;
      continue;
    }
    if (column.type(row) == CellType::kText) {
      const auto parsed = ParseNumber(column.text(row));
      if (!parsed) {
        return "column '" + numeric_[n] + "': expected a number, got text " +
               DescribeValue(column.ValueAt(row));
      }
      value = *parsed;
    } else {
      value = column.number(row);
      if (!std::isfinite(value)) {
        return "column '" + numeric_[n] + "': expected a finite number, got " +
               DescribeValue(column.ValueAt(row));
      }
    }
    if (!FitsTheModel(value)) {
      return "column '" + numeric_[n] + "': " + FormatDouble(value) +
             " is beyond the range the model reads (a magnitude of at most 3.4e38)";
    }
    if (n < limits.size() && limits[n] && (value < limits[n]->first || value > limits[n]->second)) {
      return "column '" + numeric_[n] + "': " + FormatDouble(value) +
             " is outside source.ranges [" + FormatDouble(limits[n]->first) + ", " +
             FormatDouble(limits[n]->second) + "]";
    }
    const auto [low, high] = numeric_ranges_[n];
    const auto sentinel = sentinels_.find(numeric_[n]);
    const bool is_sentinel = sentinel != sentinels_.end() && value == sentinel->second;
    if (!is_sentinel && (value < low - (high - low) || value > high + (high - low))) {
      ++out.out_of_training_range[n];
    }
    numbers[n] = static_cast<float>(value);
  }
  return "";
}

std::string FeatureEncoder::EncodeCategories(const ColumnarBatch& batch,
                                             const std::vector<std::size_t>& cat_index,
                                             std::size_t row, float* dest,
                                             EncodedBatch& out) const {
  char digits[24];
  for (std::size_t c = 0; c < categorical_.size(); ++c) {
    const Column& column = batch.columns[cat_index[c]];
    std::string_view category;
    std::string formatted;
    switch (column.type(row)) {
      case CellType::kNull:  // missing: XGBoost follows its learned default branch
        std::fill_n(dest + group_start_[c], vocabularies_[c].size(), kMissing);
        continue;
      case CellType::kText:
        category = column.text(row);
        if (!IsValidUtf8(category)) {
          return "column '" + categorical_[c] + "': text that is not valid UTF-8, " +
                 DescribeValue(column.ValueAt(row));
        }
        break;
      case CellType::kInteger: {
        const auto end = std::to_chars(digits, digits + sizeof digits, column.integer(row)).ptr;
        category = std::string_view(digits, static_cast<std::size_t>(end - digits));
        break;
      }
      case CellType::kReal:
        formatted = FormatDouble(column.number(row));
        category = formatted;
        break;
    }
    const std::ptrdiff_t index = CategoryIndex(c, category);
    if (index < 0) {
      ++out.unseen[c];  // all zeros: "none of the categories seen in training"
    } else {
      dest[group_start_[c] + static_cast<std::size_t>(index)] = 1.0f;
    }
  }
  return "";
}

std::string FeatureEncoder::EncodeRow(const ColumnarBatch& batch,
                                      const std::vector<std::size_t>& cat_index,
                                      const std::vector<std::size_t>& num_index, std::size_t row,
                                      float* dest, const NumericLimits& limits,
                                      EncodedBatch& out) const {
  float* numbers = dest + (output_names_.size() - numeric_.size() - sentinel_flags_.size());
  std::string reason = EncodeNumbers(batch, num_index, row, numbers, limits, out);
  if (!reason.empty()) return reason;
  std::fill(dest, numbers, 0.0f);
  reason = EncodeCategories(batch, cat_index, row, dest, out);
  if (!reason.empty()) return reason;
  float* flags = numbers + numeric_.size();
  for (std::size_t s = 0; s < sentinel_flags_.size(); ++s) {
    float& cell = numbers[sentinel_flags_[s].first];
    const bool is_sentinel = !std::isnan(cell) && cell == sentinel_flags_[s].second;
    flags[s] = is_sentinel ? 1.0f : 0.0f;
    if (is_sentinel) cell = kMissing;
  }
  return "";
}

void FeatureEncoder::Encode(const ColumnarBatch& batch, EncodedBatch& out,
                            const NumericLimits& limits) const {
  const std::vector<std::size_t> cat_index = ColumnIndices(categorical_, batch.names);
  const std::vector<std::size_t> num_index = ColumnIndices(numeric_, batch.names);
  out.width = output_names_.size();
  out.values.resize(batch.rows() * out.width);
  out.accepted.clear();
  out.rejected.clear();
  out.reasons.clear();
  out.unseen.assign(categorical_.size(), 0);
  out.out_of_training_range.assign(numeric_.size(), 0);
  for (std::size_t row = 0; row < batch.rows(); ++row) {
    float* dest = out.values.data() + out.accepted.size() * out.width;
    std::string reason = EncodeRow(batch, cat_index, num_index, row, dest, limits, out);
    if (reason.empty()) {
      out.accepted.push_back(row);
    } else {
      out.rejected.push_back(row);
      out.reasons.push_back(std::move(reason));
    }
  }
  out.values.resize(out.accepted.size() * out.width);
}

NumericLimits FeatureEncoder::Limits(
    const std::map<std::string, std::pair<double, double>>& ranges) const {
  NumericLimits limits(numeric_.size());
  for (std::size_t n = 0; n < numeric_.size(); ++n) {
    const auto it = ranges.find(numeric_[n]);
    if (it != ranges.end()) limits[n] = it->second;
  }
  return limits;
}

EncodedRows FeatureEncoder::Transform(const std::vector<std::string>& columns,
                                      const std::vector<std::vector<Value>>& rows) const {
  ColumnIndices(categorical_, columns);  // a missing column is an error even without rows
  ColumnIndices(numeric_, columns);
  const ColumnarBatch batch = ToColumnar(columns, std::vector<std::int64_t>(rows.size()), rows);
  EncodedBatch encoded;
  Encode(batch, encoded);
  EncodedRows out;
  out.matrix = Eigen::Map<const FeatureMatrix>(encoded.values.data(),
                                               static_cast<Eigen::Index>(encoded.rows()),
                                               static_cast<Eigen::Index>(encoded.width));
  out.accepted = std::move(encoded.accepted);
  out.rejected = std::move(encoded.rejected);
  out.reasons = std::move(encoded.reasons);
  for (std::int64_t n : encoded.unseen) out.unseen_categories += static_cast<std::size_t>(n);
  return out;
}

std::string FeatureEncoder::ToJson() const {
  nlohmann::json j;
  j["categorical"] = nlohmann::json::array();
  for (std::size_t c = 0; c < categorical_.size(); ++c) {
    j["categorical"].push_back({{"column", categorical_[c]}, {"categories", vocabularies_[c]}});
  }
  j["numeric"] = numeric_;
  // NaN (a column without training values) is written as null, which JSON has.
  j["numeric_ranges"] = nlohmann::json::array();
  for (const auto& [low, high] : numeric_ranges_) {
    const auto number = [](double v) {
      return std::isnan(v) ? nlohmann::json() : nlohmann::json(v);
    };
    j["numeric_ranges"].push_back({number(low), number(high)});
  }
  j["sentinels"] = sentinels_;
  j["output_names"] = output_names_;
  return j.dump();
}

FeatureEncoder FeatureEncoder::FromJson(const std::string& json_text) {
  try {
    nlohmann::json j = nlohmann::json::parse(json_text);
    FeatureEncoder encoder;
    for (const auto& entry : j.at("categorical")) {
      encoder.categorical_.push_back(entry.at("column").get<std::string>());
      encoder.vocabularies_.push_back(entry.at("categories").get<std::vector<std::string>>());
    }
    encoder.numeric_ = j.at("numeric").get<std::vector<std::string>>();
    encoder.sentinels_ = j.at("sentinels").get<std::map<std::string, double>>();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto& range : j.at("numeric_ranges")) {
      const auto number = [&](const nlohmann::json& v) {
        return v.is_null() ? nan : v.get<double>();
      };
      encoder.numeric_ranges_.emplace_back(number(range.at(0)), number(range.at(1)));
    }
    if (encoder.numeric_ranges_.size() != encoder.numeric_.size()) {
      throw ModelError("encoder numeric_ranges do not match its numeric columns");
    }
    for (std::size_t c = 0; c < encoder.vocabularies_.size(); ++c) {
      const auto& v = encoder.vocabularies_[c];
      // Lookups binary-search the vocabulary: it must be sorted and without repeats.
      if (std::adjacent_find(v.begin(), v.end(), std::greater_equal<std::string>()) != v.end()) {
        throw ModelError("encoder categories of '" + encoder.categorical_[c] +
                         "' are not sorted and unique");
      }
    }
    for (const auto& [name, value] : encoder.sentinels_) {
      if (std::find(encoder.numeric_.begin(), encoder.numeric_.end(), name) ==
          encoder.numeric_.end()) {
        throw ModelError("encoder sentinel for '" + name + "', which is not a numeric feature");
      }
    }
    encoder.BuildOutputNames();
    if (encoder.output_names_ != j.at("output_names").get<std::vector<std::string>>()) {
      throw ModelError("encoder output names do not match its vocabularies");
    }
    return encoder;
  } catch (const nlohmann::json::exception& e) {
    throw ModelError(std::string("invalid encoder in model bundle: ") + e.what());
  }
}

}  // namespace bankscore
