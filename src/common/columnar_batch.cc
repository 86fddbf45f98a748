#include "bankscore/columnar_batch.h"

#include <algorithm>

namespace bankscore {

Value Column::ValueAt(std::size_t row) const {
  switch (type_[row]) {
    case CellType::kNull:
      return std::monostate{};
    case CellType::kInteger:
      return integer_[row];
    case CellType::kReal:
      return number_[row];
    case CellType::kText:
      return std::string(text(row));
  }
  return std::monostate{};
}

void Column::Clear() {
  type_.clear();
  number_.clear();
  integer_.clear();
  text_.clear();
  text_end_.clear();
}

void Column::Reserve(std::size_t rows) {
  type_.reserve(rows);
  number_.reserve(rows);
  integer_.reserve(rows);
  text_end_.reserve(rows);
}

void Column::AppendValue(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    AppendInteger(*i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    AppendReal(*d);
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    AppendText(*s);
  } else {
    AppendNull();
  }
}

void Column::AppendFrom(const Column& other, std::size_t row) {
  if (other.type_[row] == CellType::kText) text_.append(other.text(row));
  Append(other.type_[row], other.number_[row], other.integer_[row]);
}

void Column::Truncate(std::size_t rows) {
  if (rows >= size()) return;
  type_.resize(rows);
  number_.resize(rows);
  integer_.resize(rows);
  text_end_.resize(rows);
  text_.resize(rows == 0 ? 0 : text_end_.back());
}

void ColumnarBatch::AppendRowFrom(const ColumnarBatch& other, std::size_t row) {
  keys.push_back(other.keys[row]);
  for (std::size_t c = 0; c < columns.size(); ++c) columns[c].AppendFrom(other.columns[c], row);
}

void ColumnarBatch::Truncate(std::size_t rows) {
  if (rows >= keys.size()) return;
  keys.resize(rows);
  for (Column& c : columns) c.Truncate(rows);
}

void ColumnarBatch::Clear() {
  keys.clear();
  for (Column& c : columns) c.Clear();
}

void ColumnarBatch::Reset(const std::vector<std::string>& column_names) {
  names = column_names;
  keys.clear();
  columns.assign(names.size(), Column());
}

std::size_t ColumnarBatch::Find(std::string_view name) const {
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? kNotFound : static_cast<std::size_t>(it - names.begin());
}

ColumnarBatch ToColumnar(const std::vector<std::string>& names,
                         const std::vector<std::int64_t>& keys,
                         const std::vector<std::vector<Value>>& rows) {
  ColumnarBatch batch;
  batch.Reset(names);
  batch.keys = keys;
  for (std::size_t c = 0; c < names.size(); ++c) batch.columns[c].Reserve(rows.size());
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < names.size(); ++c) batch.columns[c].AppendValue(row[c]);
  }
  return batch;
}

}  // namespace bankscore
