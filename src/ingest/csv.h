// Internal: reading delimited text files in the UCI Bank Marketing format, streamed.
//
// The format: a header line, then one record per line; fields separated by ';' (configurable);
// fields may be quoted with '"' (a doubled quote inside means one quote, and quoted fields may hold
// separators and line breaks); CRLF or LF line ends; a trailing line break is optional; a UTF-8
// byte order mark is skipped. An unquoted empty field is NULL (nullopt); a quoted empty field is
// the empty string. Gzip files are decompressed on the fly (zlib reads plain files as they are).
//
// The input is read in chunks, never whole: a field or a record longer than the limits is refused
// with its line number before it takes more memory, and every field must be valid UTF-8 without
// NUL bytes. Errors throw DataError with "file:line: what".
#pragma once

#include <cstddef>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bankscore {

using CsvField = std::optional<std::string>;

struct CsvOptions {
  char separator = ';';
  std::size_t max_field_bytes = 1 << 20;   // one field, after unquoting
  std::size_t max_record_bytes = 1 << 20;  // all fields of one record together
};

// Bytes from a file (plain or gzip) or a stream.
class CsvInput {
 public:
  virtual ~CsvInput() = default;
  // Up to `size` bytes into `buffer`; 0 at the end. Throws DataError naming the input.
  virtual std::size_t Read(char* buffer, std::size_t size) = 0;
  virtual const std::string& name() const = 0;
};

class CsvReader {
 public:
  // Reads the header at once. Throws DataError (no header, bad header) or ConfigError (a
  // separator that cannot be one).
  CsvReader(std::unique_ptr<CsvInput> input, const CsvOptions& options = {});
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Opens a file (plain or gzip). Throws DataError if it cannot be opened.
  static CsvReader OpenFile(const std::string& path, const CsvOptions& options = {});
  CsvReader(CsvReader&&) noexcept;

  const std::vector<std::string>& header() const;
  // Reads the next record into `fields` (header().size() of them); false at the end.
  bool Next(std::vector<CsvField>& fields);
  // The first physical line of the last record read (1 is the header).
  long line() const;
  const std::string& name() const;

 private:
  class Parser;
  std::unique_ptr<Parser> parser_;
};

// A whole file or stream in memory, for small inputs and tests.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<CsvField>> rows;  // every row has header.size() fields
};
CsvTable ParseCsv(std::istream& in, const std::string& source_name, char separator = ';');
CsvTable ReadCsvFile(const std::string& path, char separator = ';');

}  // namespace bankscore
