// Internal: which label values are positives and negatives, decided from the config and the
// values the labelled rows actually hold. A value that is neither is never taken for a negative
// silently: training is refused with the count of every unexpected value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bankscore/config.h"

namespace bankscore {

class LabelRule {
 public:
  // `counts`: every label value the labelled rows hold (as text), with its number of rows.
  // Throws DataError naming the unexpected values: with source.negative_labels, any value that
  // is neither positive nor listed; without, more than one value besides the positive one.
  LabelRule(const SourceConfig& source, const std::map<std::string, std::int64_t>& counts);

  // 1 for the positive label, 0 for a negative; only for values seen in `counts`.
  int Classify(const std::string& value) const;

 private:
  std::string Normal(const std::string& value) const;

  bool case_insensitive_;
  std::string positive_;
};

}  // namespace bankscore
