#include "bankscore/value.h"

#include <cmath>
#include <cstdlib>
#include "common/text.h"

namespace bankscore {

const char* ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kInteger:
      return "INTEGER";
    case ColumnType::kReal:
      return "REAL";
    case ColumnType::kText:
      return "TEXT";
  }
  return "TEXT";
}

std::optional<double> AsNumber(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

std::string DescribeValue(const Value& v) {
  if (IsNull(v)) return "NULL";
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return FormatDouble(*d);
  // Data text goes into messages, logs and the rejected table: escaped so it is one line of
  // valid UTF-8 whatever the bytes, and cut short.
  const std::string& s = std::get<std::string>(v);
  constexpr std::size_t kMaxShown = 40;  // keep error messages one readable line
  return "'" + EscapeControl(s.size() > kMaxShown ? s.substr(0, kMaxShown) : s) +
         (s.size() > kMaxShown ? "...'" : "'");
}

}  // namespace bankscore
