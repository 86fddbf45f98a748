#include "jobs/labels.h"

#include <algorithm>
#include <cctype>

#include "bankscore/error.h"
#include "common/text.h"

namespace bankscore {
namespace {

std::string Quoted(const std::string& value, std::int64_t rows) {
  return "'" + EscapeControl(value) + "' (" + std::to_string(rows) +
         (rows == 1 ? " row)" : " rows)");
}

}  // namespace

LabelRule::LabelRule(const SourceConfig& source, const std::map<std::string, std::int64_t>& counts)
    : case_insensitive_(source.label_case_insensitive), positive_(Normal(source.positive_label)) {
  std::vector<std::string> negatives;
  for (const auto& n : source.negative_labels) negatives.push_back(Normal(n));
  std::vector<std::string> unexpected;
  std::vector<std::string> others;  // values besides the positive one
  bool positive_seen = false;
  for (const auto& [value, rows] : counts) {
    const std::string normal = Normal(value);
    if (normal == positive_) {
      positive_seen = true;
      continue;
    }
    others.push_back(Quoted(value, rows));
    if (std::find(negatives.begin(), negatives.end(), normal) == negatives.end()) {
      unexpected.push_back(Quoted(value, rows));
    }
  }
  if (!positive_seen && others.size() > 1) {
    throw DataError("no labelled row holds source.positive_label '" + source.positive_label +
                    "'; source.label " + source.label + " holds " + Join(others) +
                    (case_insensitive_ ? ""
                                       : " (values in another case count with "
                                         "source.label_case_insensitive: true)"));
  }
  if (!negatives.empty() && !unexpected.empty()) {
    throw DataError("source.label " + source.label +
                    " holds values that are neither the positive '" + source.positive_label +
                    "' nor in source.negative_labels: " + Join(unexpected) +
                    "; fix the data or list them");
  }
  if (negatives.empty() && others.size() > 1) {
    throw DataError("source.label " + source.label + " holds " + std::to_string(others.size()) +
                    " values besides the positive '" + source.positive_label +
                    "': " + Join(others) +
                    "; list the negative ones in source.negative_labels (values in another case "
                    "count with source.label_case_insensitive), or fix the data");
  }
}

int LabelRule::Classify(const std::string& value) const {
  return Normal(value) == positive_ ? 1 : 0;
}

std::string LabelRule::Normal(const std::string& value) const {
  if (!case_insensitive_) return value;
  std::string lower = value;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

}  // namespace bankscore
