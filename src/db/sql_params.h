// Internal: the bound parameters of one statement that the database adapters build piece by piece
// (the segmentation queries of segments_sql.h): Add returns the placeholder text for a value and
// remembers the value, in order. A backend builds it with its own placeholder spelling.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bankscore/value.h"

namespace bankscore::internal {

class SqlParams {
 public:
  // `placeholder(n, value)`: the text standing for parameter n (1-based), e.g. "?1" or
  // "$1::text".
  using Spelling = std::function<std::string(int n, const Value& value)>;
  explicit SqlParams(Spelling spelling);

  // Out of line on purpose: inlined into a caller that passes a temporary integer, GCC 12 at -O2
  // reports the variant's string alternative "may be used uninitialized" (a false positive).
  std::string Add(const Value& value);
  const std::vector<Value>& values() const { return values_; }

 private:
  Spelling spelling_;
  std::vector<Value> values_;
};

}  // namespace bankscore::internal
