// Reading delimited text files in the UCI Bank Marketing format.
//
// The format: a header line, then one record per line; fields separated by ';' (configurable);
// fields may be quoted with '"' (a doubled quote inside means one quote, and quoted fields may hold
// separators and line breaks); CRLF or LF line ends; a trailing line break is optional. An unquoted
// empty field is NULL (nullopt); a quoted empty field is the empty string. Files ending in ".gz"
// are decompressed on the fly. Errors throw DataError with "file:line: what".
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace bankscore {

using CsvField = std::optional<std::string>;

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<CsvField>> rows;  // every row has header.size() fields
};

// Parses a whole stream. `source_name` names the input in error messages.
CsvTable ParseCsv(std::istream& in, const std::string& source_name, char separator = ';');

// Reads a file (plain or .gz). Throws DataError if it cannot be opened or parsed.
CsvTable ReadCsvFile(const std::string& path, char separator = ';');

}  // namespace bankscore
