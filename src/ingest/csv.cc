#include "ingest/csv.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "bankscore/error.h"

namespace bankscore {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::size_t kReadChunk = 1 << 16;

std::string DescribeChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", u);
  return hex;
}

// Scans the whole input held in memory; the caller keeps `text` alive. Working on one buffer
// instead of per-character stream reads keeps the 41k-row UCI file well under a second.
class Parser {
 public:
  Parser(std::string_view text, const std::string& source_name, char separator)
      : text_(text), source_name_(source_name), separator_(separator) {
    if (text_.substr(0, kUtf8Bom.size()) == kUtf8Bom) pos_ = kUtf8Bom.size();
  }

  CsvTable Parse() {
    CsvTable table;
    std::vector<CsvField> fields;
    long line = 0;
    // An input of only blank lines has no header either; report it at line 1.
    if (!NextRecord(&fields, &line)) Fail(1, "no header line");
    std::unordered_set<std::string_view> seen;
    table.header.reserve(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (!fields[i] || fields[i]->empty()) {
        Fail(line, "empty column name in header (field " + std::to_string(i + 1) + ")");
      }
      table.header.push_back(std::move(*fields[i]));
    }
    // A second pass: string_views into `header` stay valid once it is complete.
    for (const std::string& name : table.header) {
      if (!seen.insert(name).second) Fail(line, "duplicate column '" + name + "' in header");
    }

    const std::size_t width = table.header.size();
    fields.reserve(width);
    while (NextRecord(&fields, &line)) {
      if (fields.size() != width) {
        Fail(line, "expected " + std::to_string(width) + " fields, found " +
                       std::to_string(fields.size()));
      }
      table.rows.push_back(std::move(fields));
      fields = std::vector<CsvField>();
      fields.reserve(width);
    }
    return table;
  }

 private:
  [[noreturn]] void Fail(long line, const std::string& what) const {
    throw DataError(source_name_ + ":" + std::to_string(line) + ": " + what);
  }

  bool AtEnd() const { return pos_ >= text_.size(); }

  // LF, or CRLF. A lone CR is data, except at the very end where it can only be a cut-off CRLF.
  bool AtLineEnd() const {
    if (AtEnd()) return false;
    if (text_[pos_] == '\n') return true;
    return text_[pos_] == '\r' && (pos_ + 1 == text_.size() || text_[pos_ + 1] == '\n');
  }

  void ConsumeLineEnd() {
    pos_ += text_[pos_] == '\r' && pos_ + 1 < text_.size() ? 2 : 1;
    ++line_;
  }

  // Reads the next record into `fields` and its first physical line into `start_line`. Returns
  // false at end of input. Empty lines are skipped rather than read as one-NULL-field records.
  bool NextRecord(std::vector<CsvField>* fields, long* start_line) {
    while (AtLineEnd()) ConsumeLineEnd();
    if (AtEnd()) return false;
    *start_line = line_;
    fields->clear();
    for (;;) {
      if (!AtEnd() && text_[pos_] == '"') {
        fields->emplace_back(ReadQuoted(*start_line));
        if (AtEnd()) return true;
        if (text_[pos_] == separator_) {
          ++pos_;
          continue;
        }
        if (AtLineEnd()) {
          ConsumeLineEnd();
          return true;
        }
        Fail(*start_line, "unexpected character " + DescribeChar(text_[pos_]) +
                              " after closing quote in field " + std::to_string(fields->size()));
      }

      const std::size_t begin = pos_;
      while (!AtEnd() && text_[pos_] != separator_ && !AtLineEnd()) ++pos_;
      if (pos_ == begin) {
        fields->emplace_back(std::nullopt);  // unquoted empty field means NULL
      } else {
        fields->emplace_back(std::string(text_.substr(begin, pos_ - begin)));
      }
      if (AtEnd()) return true;
      if (text_[pos_] == separator_) {
        ++pos_;
        continue;
      }
      ConsumeLineEnd();
      return true;
    }
  }

  // pos_ is at the opening quote. Leaves pos_ just past the closing quote.
  std::string ReadQuoted(long record_line) {
    const long quote_line = line_;
    std::string value;
    ++pos_;
    for (;;) {
      const std::size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos) {
        Fail(record_line,
             "unterminated quoted field starting at line " + std::to_string(quote_line));
      }
      // Line breaks inside quotes are data, but still count for later error messages.
      line_ += std::count(text_.begin() + pos_, text_.begin() + quote, '\n');
      value.append(text_.data() + pos_, quote - pos_);
      pos_ = quote + 1;
      if (AtEnd() || text_[pos_] != '"') return value;
      value.push_back('"');  // a doubled quote stands for one quote
      ++pos_;
    }
  }

  std::string_view text_;
  const std::string& source_name_;
  char separator_;
  std::size_t pos_ = 0;
  long line_ = 1;
};

CsvTable ParseText(std::string_view text, const std::string& source_name, char separator) {
  if (separator == '"' || separator == '\n' || separator == '\r') {
    throw ConfigError("invalid CSV separator " + DescribeChar(separator));
  }
  return Parser(text, source_name, separator).Parse();
}

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// The whole file, decompressed if it is gzip: zlib's gzread reads plain files as they are, so
// one reader serves both (whatever the file name says).
std::string ReadMaybeCompressed(const std::string& path) {
  errno = 0;
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (!file) {
    // gzopen leaves errno at 0 when it failed for lack of memory rather than in open().
    throw DataError("cannot open " + path + ": " +
                    (errno != 0 ? std::strerror(errno) : "out of memory"));
  }
  gzbuffer(file.get(), 1 << 17);
  std::string text;
  std::size_t size = 0;
  for (;;) {
    text.resize(size + kReadChunk);
    const int got = gzread(file.get(), text.data() + size, static_cast<unsigned>(kReadChunk));
    if (got < 0) {
      int code = 0;
      const char* message = gzerror(file.get(), &code);
      throw DataError("cannot read " + path + ": " +
                      (code == Z_ERRNO ? std::strerror(errno) : message));
    }
    size += static_cast<std::size_t>(got);
    if (got == 0) break;
  }
  // A truncated download does not make gzread fail: it returns what it could decompress and only
  // leaves Z_BUF_ERROR ("unexpected end of file") behind. Never parse half a file as a whole one.
  int code = Z_OK;
  const char* message = gzerror(file.get(), &code);
  if (code != Z_OK) throw DataError("cannot read " + path + ": " + message);
  text.resize(size);
  return text;
}

}  // namespace

CsvTable ParseCsv(std::istream& in, const std::string& source_name, char separator) {
  std::string text;
  char buffer[kReadChunk];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw DataError(source_name + ": read error");
  return ParseText(text, source_name, separator);
}

CsvTable ReadCsvFile(const std::string& path, char separator) {
  const std::string text = ReadMaybeCompressed(path);
  return ParseText(text, path, separator);
}

}  // namespace bankscore
