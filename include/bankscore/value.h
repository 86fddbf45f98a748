// A single database cell and the column types bankscore understands.
//
// Value is what the database adapters hand to the rest of the library: SQLite is dynamically typed,
// so a numeric column can hold text, and the encoder decides what to do with it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace bankscore {

// std::monostate is SQL NULL.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

enum class ColumnType { kInteger, kReal, kText };

const char* ColumnTypeName(ColumnType type);  // "INTEGER", "REAL", "TEXT"

inline bool IsNull(const Value& v) { return std::holds_alternative<std::monostate>(v); }

// Numeric view of a value: integers and reals convert; NULL and text give nullopt.
std::optional<double> AsNumber(const Value& v);

// Human-readable rendering for error messages and the CLI ("NULL", 42, 1.5, 'text').
std::string DescribeValue(const Value& v);

struct ColumnSpec {
  std::string name;
  ColumnType type = ColumnType::kText;
};

// A batch of rows, row-major, all with the same columns.
struct RowBatch {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

}  // namespace bankscore
