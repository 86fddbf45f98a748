#include "db/postgres/values.h"

#include <charconv>

#include "bankscore/error.h"
#include "common/text.h"

namespace bankscore::internal::pg {
namespace {

// Type OIDs from PostgreSQL's pg_type.dat; they are fixed across server versions.
constexpr pqxx::oid kInt8Oid = 20;
constexpr pqxx::oid kInt2Oid = 21;
constexpr pqxx::oid kInt4Oid = 23;
constexpr pqxx::oid kFloat4Oid = 700;
constexpr pqxx::oid kFloat8Oid = 701;
constexpr pqxx::oid kNumericOid = 1700;

}  // namespace

// Appends a Value as a field of a COPY text-format line: \N for NULL, text with backslash, tab
// and line breaks escaped (the only bytes COPY treats specially; the session is UTF-8, so they
// never occur inside a multibyte character).
void AppendCopyField(std::string& line, const Value& v) {
  if (IsNull(v)) {
    line += "\\N";
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    line += std::to_string(*i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    line += FormatDouble(*d);
  } else {
    for (char c : std::get<std::string>(v)) {
      switch (c) {
        case '\\':
          line += "\\\\";
          break;
        case '\t':
          line += "\\t";
          break;
        case '\n':
          line += "\\n";
          break;
        case '\r':
          line += "\\r";
          break;
        default:
          line += c;
      }
    }
  }
}

// A result cell as a Value, by column type: integers, floating and numeric (whose 'NaN' and
// 'Infinity' parse too) as numbers; everything else as its text.
Value Cell(const pqxx::field& field, pqxx::oid type) {
  if (field.is_null()) return std::monostate{};
  const char* begin = field.c_str();
  const char* end = begin + field.size();
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      std::int64_t i = 0;
      auto [ptr, ec] = std::from_chars(begin, end, i);
      if (ec == std::errc() && ptr == end) return i;
      break;
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid: {
      double d = 0;
      auto [ptr, ec] = std::from_chars(begin, end, d);
      if (ec == std::errc() && ptr == end) return d;
      break;
    }
    default:
      break;
  }
  return std::string(begin, end);
}

std::int64_t ToInt64(const pqxx::field& field, const std::string& what) {
  std::int64_t i = 0;
  const char* begin = field.c_str();
  const char* end = begin + field.size();
  auto [ptr, ec] = std::from_chars(begin, end, i);
  if (field.is_null() || ec != std::errc() || ptr != end) {
    throw DatabaseError("PostgreSQL: " + what + ": expected an integer, got '" +
                        std::string(begin, end) + "'");
  }
  return i;
}

std::string ColumnSqlType(ColumnType type) {
  switch (type) {
    case ColumnType::kInteger:
      return "BIGINT";
    case ColumnType::kReal:
      return "DOUBLE PRECISION";
    case ColumnType::kText:
      return "TEXT";
  }
  return "TEXT";
}

std::vector<std::vector<Value>> ToRows(const pqxx::result& r, pqxx::row_size_type first) {
  std::vector<pqxx::oid> types;
  for (pqxx::row_size_type i = first; i < r.columns(); ++i) types.push_back(r.column_type(i));
  std::vector<std::vector<Value>> rows;
  rows.reserve(r.size());
  for (const auto& row : r) {
    std::vector<Value> values(types.size());
    for (std::size_t i = 0; i < types.size(); ++i) {
      values[i] = Cell(row[static_cast<pqxx::row_size_type>(first + i)], types[i]);
    }
    rows.push_back(std::move(values));
  }
  return rows;
}

}  // namespace bankscore::internal::pg
