#include "db/sql_params.h"

#include <utility>

namespace bankscore::internal {

SqlParams::SqlParams(Spelling spelling) : spelling_(std::move(spelling)) {}

std::string SqlParams::Add(const Value& value) {
  values_.push_back(value);
  return spelling_(static_cast<int>(values_.size()), value);
}

}  // namespace bankscore::internal
