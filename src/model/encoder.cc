#include "model/encoder.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

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
  ColumnIndices(source.numeric, columns);  // fail early on a missing numeric column
  encoder.vocabularies_.resize(source.categorical.size());
  for (std::size_t c = 0; c < source.categorical.size(); ++c) {
    std::set<std::string> seen;  // sorted, so the encoding does not depend on row order
    for (const auto& row : rows) {
      const Value& v = row[index[c]];
      if (!IsNull(v)) seen.insert(ValueText(v));
    }
    encoder.vocabularies_[c].assign(seen.begin(), seen.end());
  }
  encoder.BuildOutputNames();
  return encoder;
}

void FeatureEncoder::BuildOutputNames() {
  output_names_.clear();
  for (std::size_t c = 0; c < categorical_.size(); ++c) {
    for (const auto& category : vocabularies_[c])
      output_names_.push_back(categorical_[c] + "=" + category);
  }
  for (const auto& name : numeric_) output_names_.push_back(name);
  for (const auto& [name, value] : sentinels_)
    output_names_.push_back(SentinelFlagName(name, value));
}

std::vector<std::string> FeatureEncoder::input_columns() const {
  std::vector<std::string> out = categorical_;
  out.insert(out.end(), numeric_.begin(), numeric_.end());
  return out;
}

EncodedRows FeatureEncoder::Transform(const std::vector<std::string>& columns,
                                      const std::vector<std::vector<Value>>& rows) const {
  const std::vector<std::size_t> cat_index = ColumnIndices(categorical_, columns);
  const std::vector<std::size_t> num_index = ColumnIndices(numeric_, columns);

  // Per categorical column: category -> offset of its one-hot column.
  std::vector<std::unordered_map<std::string, std::size_t>> lookup(categorical_.size());
  std::vector<std::size_t> group_start(categorical_.size());
  std::size_t offset = 0;
  for (std::size_t c = 0; c < categorical_.size(); ++c) {
    group_start[c] = offset;
    for (const auto& category : vocabularies_[c]) lookup[c].emplace(category, offset++);
  }
  const std::size_t numeric_start = offset;
  const std::size_t sentinel_start = numeric_start + numeric_.size();
  // Sentinel flags follow the numeric columns in map order (see BuildOutputNames).
  std::vector<std::pair<std::size_t, double>> sentinel_of_numeric;  // numeric idx -> value
  for (const auto& [name, value] : sentinels_) {
    auto it = std::find(numeric_.begin(), numeric_.end(), name);
    sentinel_of_numeric.emplace_back(static_cast<std::size_t>(it - numeric_.begin()), value);
  }

  EncodedRows out;
  out.matrix.resize(static_cast<Eigen::Index>(rows.size()),
                    static_cast<Eigen::Index>(output_names_.size()));
  Eigen::Index kept = 0;
  std::vector<float> values(numeric_.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    // Numeric cells first: a bad one rejects the row before anything is written.
    std::string reason;
    for (std::size_t n = 0; n < numeric_.size() && reason.empty(); ++n) {
      const Value& v = row[num_index[n]];
      if (IsNull(v)) {
        values[n] = kMissing;
      } else if (auto number = AsNumber(v)) {
        if (!std::isfinite(*number)) {
          reason =
              "column '" + numeric_[n] + "': expected a finite number, got " + DescribeValue(v);
        }
        values[n] = static_cast<float>(*number);
      } else if (auto parsed = ParseNumber(std::get<std::string>(v))) {
        values[n] = static_cast<float>(*parsed);
      } else {
        reason = "column '" + numeric_[n] + "': expected a number, got text " + DescribeValue(v);
      }
    }
    if (!reason.empty()) {
      out.rejected.push_back(r);
      out.reasons.push_back(std::move(reason));
      continue;
    }
    auto dest = out.matrix.row(kept);
    dest.setZero();
    for (std::size_t c = 0; c < categorical_.size(); ++c) {
      const Value& v = row[cat_index[c]];
      const std::size_t width = vocabularies_[c].size();
      if (IsNull(v)) {
        dest.segment(static_cast<Eigen::Index>(group_start[c]), static_cast<Eigen::Index>(width))
            .setConstant(kMissing);
        continue;
      }
      auto hit = lookup[c].find(ValueText(v));
      if (hit == lookup[c].end()) {
        ++out.unseen_categories;  // all zeros: "none of the categories seen in training"
      } else {
        dest(static_cast<Eigen::Index>(hit->second)) = 1.0f;
      }
    }
    for (std::size_t n = 0; n < numeric_.size(); ++n) {
      dest(static_cast<Eigen::Index>(numeric_start + n)) = values[n];
    }
    for (std::size_t s = 0; s < sentinel_of_numeric.size(); ++s) {
      auto [n, sentinel] = sentinel_of_numeric[s];
      float& cell = dest(static_cast<Eigen::Index>(numeric_start + n));
      const bool is_sentinel = !std::isnan(cell) && cell == static_cast<float>(sentinel);
      dest(static_cast<Eigen::Index>(sentinel_start + s)) = is_sentinel ? 1.0f : 0.0f;
      if (is_sentinel) cell = kMissing;
    }
    out.accepted.push_back(r);
    ++kept;
  }
  out.matrix.conservativeResize(kept, Eigen::NoChange);
  return out;
}

std::string FeatureEncoder::ToJson() const {
  nlohmann::json j;
  j["categorical"] = nlohmann::json::array();
  for (std::size_t c = 0; c < categorical_.size(); ++c) {
    j["categorical"].push_back({{"column", categorical_[c]}, {"categories", vocabularies_[c]}});
  }
  j["numeric"] = numeric_;
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
