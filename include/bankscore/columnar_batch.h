// ColumnarBatch: source rows as typed column arrays, the form in which the scorer reads, encodes
// and scores them (no Value object per cell, and every array reused from batch to batch).
//
// A Column holds one cell per row: its type (NULL, integer, real or text), the number (integers
// also as their exact int64), and text cells end to end in one string. SQLite is dynamically
// typed, so a numeric column may hold text; the encoder decides what to do with it. A batch owns
// its memory; Clear() empties it but keeps the capacity.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bankscore/value.h"

namespace bankscore {

enum class CellType : std::uint8_t { kNull, kInteger, kReal, kText };

class Column {
 public:
  std::size_t size() const { return type_.size(); }
  CellType type(std::size_t row) const { return type_[row]; }
  double number(std::size_t row) const { return number_[row]; }          // kInteger and kReal
  std::int64_t integer(std::size_t row) const { return integer_[row]; }  // kInteger
  std::string_view text(std::size_t row) const {                         // kText
    const std::uint32_t begin = row == 0 ? 0 : text_end_[row - 1];
    return std::string_view(text_).substr(begin, text_end_[row] - begin);
  }
  // The cell as a Value (for messages and the row-based paths).
  Value ValueAt(std::size_t row) const;

  void Clear();
  void Reserve(std::size_t rows);
  void AppendNull() { Append(CellType::kNull, 0, 0); }
  void AppendInteger(std::int64_t v) { Append(CellType::kInteger, static_cast<double>(v), v); }
  void AppendReal(double v) { Append(CellType::kReal, v, 0); }
  void AppendText(std::string_view v) {
    text_.append(v);
    Append(CellType::kText, 0, 0);
  }
  void AppendValue(const Value& v);
  // Appends row `row` of `other`.
  void AppendFrom(const Column& other, std::size_t row);
  // Keeps the first `rows` cells.
  void Truncate(std::size_t rows);

 private:
  void Append(CellType type, double number, std::int64_t integer) {
    type_.push_back(type);
    number_.push_back(number);
    integer_.push_back(integer);
    text_end_.push_back(static_cast<std::uint32_t>(text_.size()));
  }

  std::vector<CellType> type_;
  std::vector<double> number_;
  std::vector<std::int64_t> integer_;
  std::string text_;
  std::vector<std::uint32_t> text_end_;  // end offset of each row's text in text_
};

struct ColumnarBatch {
  std::vector<std::string> names;  // the columns, in the order of `columns`
  std::vector<std::int64_t> keys;  // one per row; never NULL
  std::vector<Column> columns;     // parallel to names; each has keys.size() cells

  std::size_t rows() const { return keys.size(); }
  // Empties every column, keeping names and capacity.
  void Clear();
  // Sets the column names (and as many empty columns).
  void Reset(const std::vector<std::string>& column_names);
  // Appends row `row` of `other`, which has the same columns.
  void AppendRowFrom(const ColumnarBatch& other, std::size_t row);
  // Keeps the first `rows` rows.
  void Truncate(std::size_t rows);
  // Index of a column, or kNotFound.
  std::size_t Find(std::string_view name) const;
  static constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);
};

// Rows of Values (as ScanTable or a JSON request gives them) as a columnar batch: `keys` and
// `rows` are parallel; each row has one Value per name.
ColumnarBatch ToColumnar(const std::vector<std::string>& names,
                         const std::vector<std::int64_t>& keys,
                         const std::vector<std::vector<Value>>& rows);

}  // namespace bankscore
