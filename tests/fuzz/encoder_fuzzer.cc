// Fuzz target: the row encoder (src/model/encoder.*), fitting on rows and encoding arbitrary rows
// against the fitted encoder.
//
// Input, as text: the first line names the columns; the lines up to a line "--" are the training
// rows the encoder is fitted on, the lines after it the rows to encode (no "--": every row is
// both). Cells are separated by ';'. A cell is NULL when empty; text when it starts with '"' (the
// rest, less one closing '"', as raw bytes); an integer when it reads as one; a real when it
// reads as a number or is nan, inf or -inf; text otherwise. So the bank CSV's own lines are
// inputs as they are. Rows are padded with NULL or cut to the header's width.
//
// The features are those of config/bankscore.yaml (pdays = 999 a sentinel), with source.ranges
// age [0, 120]. A DataError (a feature column missing from the header) is the expected refusal.
// Checked on every encoded batch:
//   - every row is accepted or rejected with a reason, and the matrix has one row per accepted;
//   - an accepted row is a valid input for XGBoost: each one-hot group all NaN (NULL) or 0/1 with
//     at most one 1, each numeric cell finite or NaN (never infinite), each sentinel flag 0 or 1;
//   - Transform (rows of Values) encodes as Encode (a columnar batch) does;
//   - the encoder saved (ToJson) and loaded (FromJson) encodes bit for bit the same.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bankscore/columnar_batch.h"
#include "bankscore/error.h"
#include "common/text.h"
#include "fuzz_support.h"
#include "model/encoder.h"

namespace {

using bankscore::Value;
using bankscore::fuzz::Fail;

bankscore::SourceConfig BankSource() {
  bankscore::SourceConfig source;
  source.categorical = {"job",  "marital", "education", "default",     "housing",
                        "loan", "contact", "month",     "day_of_week", "poutcome"};
  source.numeric = {"age",           "campaign",     "pdays",
                    "previous",      "emp.var.rate", "cons.price.idx",
                    "cons.conf.idx", "euribor3m",    "nr.employed"};
  source.sentinels = {{"pdays", 999}};
  source.ranges = {{"age", {0, 120}}};
  return source;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t end = text.find(separator);
    parts.push_back(text.substr(0, end));
    if (end == std::string_view::npos) return parts;
    text.remove_prefix(end + 1);
  }
}

Value Cell(std::string_view cell) {
  if (cell.empty()) return std::monostate{};
  if (cell.front() == '"') {
    cell.remove_prefix(1);
    if (!cell.empty() && cell.back() == '"') cell.remove_suffix(1);
    return std::string(cell);
  }
  if (const auto integer = bankscore::ParseInteger<std::int64_t>(cell)) return *integer;
  if (const auto number = bankscore::ParseNumber(cell)) return *number;
  if (cell == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (cell == "inf") return std::numeric_limits<double>::infinity();
  if (cell == "-inf") return -std::numeric_limits<double>::infinity();
  return std::string(cell);
}

std::vector<Value> Row(std::string_view line, std::size_t width) {
  std::vector<Value> row;
  for (std::string_view cell : Split(line, ';')) {
    if (row.size() == width) break;
    row.push_back(Cell(cell));
  }
  row.resize(width);  // std::monostate: NULL
  return row;
}

void CheckRows(const bankscore::FeatureEncoder& encoder, const bankscore::EncodedBatch& out,
               std::size_t rows) {
  if (out.accepted.size() + out.rejected.size() != rows ||
      out.reasons.size() != out.rejected.size() ||
      out.values.size() != out.accepted.size() * out.width ||
      out.width != encoder.output_names().size()) {
    Fail("the encoded batch does not account for its rows");
  }
  std::size_t categories = 0;
  for (const auto& vocabulary : encoder.vocabularies()) categories += vocabulary.size();
  for (std::size_t r = 0; r < out.rows(); ++r) {
    const float* row = out.row(r);
    std::size_t start = 0;
    for (const auto& vocabulary : encoder.vocabularies()) {
      std::size_t ones = 0, nans = 0;
      for (std::size_t i = start; i < start + vocabulary.size(); ++i) {
        if (std::isnan(row[i])) {
          ++nans;
        } else if (row[i] == 1.0f) {
          ++ones;
        } else if (row[i] != 0.0f) {
          Fail("one-hot cell " + encoder.output_names()[i] + " is " + std::to_string(row[i]));
        }
      }
      if (ones > 1 || (nans != 0 && nans != vocabulary.size())) {
        Fail("a one-hot group with " + std::to_string(ones) + " ones and " + std::to_string(nans) +
             " NaN");
      }
      start += vocabulary.size();
    }
    for (std::size_t i = categories; i < out.width; ++i) {
      if (std::isinf(row[i])) {
        Fail("accepted row " + std::to_string(out.accepted[r]) + ": " + encoder.output_names()[i] +
             " is encoded as " + std::to_string(row[i]));
      }
    }
    for (std::size_t i = categories + encoder.numeric().size(); i < out.width; ++i) {
      if (row[i] != 0.0f && row[i] != 1.0f) Fail("a sentinel flag that is not 0 or 1");
    }
  }
}

bool SameFloats(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::string_view> lines =
      Split(std::string_view(reinterpret_cast<const char*>(data), size), '\n');
  std::vector<std::string> names;
  for (std::string_view name : Split(lines[0], ';')) {
    if (!name.empty() && name.front() == '"') name.remove_prefix(1);
    if (!name.empty() && name.back() == '"') name.remove_suffix(1);
    names.emplace_back(name);
  }
  std::vector<std::vector<Value>> training, scored;
  bool after_separator = false;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i] == "--") {
      after_separator = true;
      continue;
    }
    (after_separator ? scored : training).push_back(Row(lines[i], names.size()));
  }
  if (!after_separator) scored = training;

  const bankscore::SourceConfig source = BankSource();
  try {
    const bankscore::FeatureEncoder encoder =
        bankscore::FeatureEncoder::Fit(source, names, training);
    const std::vector<std::int64_t> keys(scored.size(), 1);
    const bankscore::ColumnarBatch batch = bankscore::ToColumnar(names, keys, scored);
    const bankscore::NumericLimits limits = encoder.Limits(source.ranges);
    bankscore::EncodedBatch out;
    encoder.Encode(batch, out, limits);
    CheckRows(encoder, out, scored.size());

    bankscore::EncodedBatch unlimited;
    encoder.Encode(batch, unlimited);
    const bankscore::EncodedRows transformed = encoder.Transform(names, scored);
    const std::vector<float> matrix(transformed.matrix.data(),
                                    transformed.matrix.data() + transformed.matrix.size());
    if (transformed.accepted != unlimited.accepted || !SameFloats(matrix, unlimited.values)) {
      Fail("Transform and Encode disagree");
    }

    const bankscore::FeatureEncoder loaded = bankscore::FeatureEncoder::FromJson(encoder.ToJson());
    bankscore::EncodedBatch again;
    loaded.Encode(batch, again, loaded.Limits(source.ranges));
    if (again.accepted != out.accepted || again.reasons != out.reasons ||
        !SameFloats(again.values, out.values)) {
      Fail("the encoder saved and loaded encodes differently");
    }
  } catch (const bankscore::DataError&) {
    // The expected refusal: a feature column missing from the header.
  }
  return 0;
}
