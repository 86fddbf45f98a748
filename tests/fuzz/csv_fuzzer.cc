// Fuzz target: the streaming CSV reader (src/ingest/csv.*), on arbitrary bytes.
//
// Each input is read three ways:
//   1. ParseCsv from a string stream (the reader gets the whole input in one read);
//   2. CsvReader over an input that hands out a few bytes per read (PerRead, from the input's
//      size), so that every CRLF, doubled quote and byte order mark can fall across a refill of
//      the reader's buffer;
//   3. the same (another read size) with ',' as the separator and limits of 64 bytes per field
//      and 256 per record.
// 1 and 2 must agree exactly: the same header and rows, or the same DataError message. A
// DataError is the expected refusal; any other exception, a crash or a sanitizer report is a
// finding, and so is a row without header().size() fields.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bankscore/error.h"
#include "fuzz_support.h"
#include "ingest/csv.h"

namespace {

using bankscore::CsvField;

class TrickleInput : public bankscore::CsvInput {
 public:
  TrickleInput(std::string bytes, std::size_t per_read)
      : bytes_(std::move(bytes)), per_read_(per_read) {}
  std::size_t Read(char* buffer, std::size_t size) override {
    const std::size_t n = std::min({size, per_read_, bytes_.size() - pos_});
    std::memcpy(buffer, bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  const std::string& name() const override { return name_; }

 private:
  std::string bytes_;
  std::size_t per_read_;
  std::size_t pos_ = 0;
  std::string name_ = "fuzz.csv";
};

// The outcome of one read as text, to compare two reads.
std::string Outcome(const std::vector<std::string>& header,
                    const std::vector<std::vector<CsvField>>& rows) {
  std::string out = "header";
  for (const auto& name : header) out += "|" + name;
  for (const auto& row : rows) {
    if (row.size() != header.size()) {
      bankscore::fuzz::Fail("a row of " + std::to_string(row.size()) +
                            " fields under a header of " + std::to_string(header.size()));
    }
    out += "\nrow";
    for (const auto& field : row) out += field ? "|'" + *field + "'" : std::string("|NULL");
  }
  return out;
}

std::string ReadWhole(const std::string& bytes) {
  try {
    std::istringstream in(bytes);
    const bankscore::CsvTable table = bankscore::ParseCsv(in, "fuzz.csv");
    return Outcome(table.header, table.rows);
  } catch (const bankscore::DataError& e) {
    return std::string("DataError: ") + e.what();
  }
}

std::string ReadTrickled(const std::string& bytes, std::size_t per_read,
                         const bankscore::CsvOptions& options) {
  try {
    bankscore::CsvReader reader(std::make_unique<TrickleInput>(bytes, per_read), options);
    std::vector<std::vector<CsvField>> rows;
    std::vector<CsvField> fields;
    while (reader.Next(fields)) {
      if (reader.line() < 2) bankscore::fuzz::Fail("a record before the header's line");
      rows.push_back(fields);
    }
    return Outcome(reader.header(), rows);
  } catch (const bankscore::DataError& e) {
    return std::string("DataError: ") + e.what();
  }
}

// Bytes per read. The reader asks for 64 KiB at a time and sizes its buffer for that before each
// read, so a read of a few bytes costs a 64 KiB fill: reads of 1 to 7 bytes only for inputs of up
// to 512 bytes (where a boundary bug shows as well), bigger reads for the rest.
std::size_t PerRead(std::size_t size) { return size <= 512 ? 1 + size % 7 : 61 + size % 67; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::string whole = ReadWhole(bytes);
  const std::string trickled = ReadTrickled(bytes, PerRead(size), bankscore::CsvOptions{});
  if (whole != trickled) {
    bankscore::fuzz::Fail("read whole and read " + std::to_string(PerRead(size)) +
                          " bytes at a time differ:\n--- whole\n" + whole + "\n--- trickled\n" +
                          trickled);
  }
  bankscore::CsvOptions small;
  small.separator = ',';
  small.max_field_bytes = 64;
  small.max_record_bytes = 256;
  ReadTrickled(bytes, PerRead(size + 1), small);
  return 0;
}
