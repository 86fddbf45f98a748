#include "ingest/csv.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "bankscore/error.h"
#include "common/text.h"

namespace bankscore {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::size_t kChunk = 1 << 16;

std::string DescribeChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", u);
  return hex;
}

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// A file through zlib, which decompresses gzip and passes other files through as they are.
class FileInput : public CsvInput {
 public:
  explicit FileInput(std::string path) : path_(std::move(path)) {
    errno = 0;
    file_.reset(gzopen(path_.c_str(), "rb"));
    if (!file_) {
      // gzopen leaves errno at 0 when it failed for lack of memory rather than in open().
      throw DataError("cannot open " + path_ + ": " +
                      (errno != 0 ? std::strerror(errno) : "out of memory"));
    }
    gzbuffer(file_.get(), 1 << 17);
  }

  std::size_t Read(char* buffer, std::size_t size) override {
    const int got = gzread(file_.get(), buffer, static_cast<unsigned>(size));
    int code = Z_OK;
    const char* message = gzerror(file_.get(), &code);
    if (got < 0 || (got == 0 && code != Z_OK)) {
      // A truncated download does not make gzread fail: it returns what it could decompress and
      // only leaves Z_BUF_ERROR ("unexpected end of file"). Never read half a file as a whole.
      throw DataError("cannot read " + path_ + ": " +
                      (code == Z_ERRNO ? std::strerror(errno) : message));
    }
    return static_cast<std::size_t>(got);
  }

  const std::string& name() const override { return path_; }

 private:
  std::string path_;
  std::unique_ptr<gzFile_s, GzCloser> file_;
};

class StreamInput : public CsvInput {
 public:
  StreamInput(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}
  std::size_t Read(char* buffer, std::size_t size) override {
    in_.read(buffer, static_cast<std::streamsize>(size));
    if (in_.bad()) throw DataError(name_ + ": read error");
    return static_cast<std::size_t>(in_.gcount());
  }
  const std::string& name() const override { return name_; }

 private:
  std::istream& in_;
  std::string name_;
};

}  // namespace

// A state machine over a refilled buffer, with one byte of lookahead beyond the current one (for
// CRLF and doubled quotes).
class CsvReader::Parser {
 public:
  Parser(std::unique_ptr<CsvInput> input, const CsvOptions& options)
      : input_(std::move(input)), options_(options) {
    const char s = options.separator;
    if (s == '"' || s == '\n' || s == '\r') {
      throw ConfigError("invalid CSV separator " + DescribeChar(s));
    }
    if (Fill(kUtf8Bom.size()) && std::string_view(buffer_).substr(0, 3) == kUtf8Bom) pos_ = 3;
    ReadHeader();
  }

  const std::vector<std::string>& header() const { return header_; }
  long line() const { return record_line_; }
  const std::string& name() const { return input_->name(); }

  bool Next(std::vector<CsvField>& fields) {
    if (!NextRecord(fields)) return false;
    if (fields.size() != header_.size()) {
      Fail(record_line_, "expected " + std::to_string(header_.size()) + " fields, found " +
                             std::to_string(fields.size()));
    }
    for (std::size_t i = 0; i < fields.size(); ++i) CheckText(fields[i], i);
    return true;
  }

 private:
  [[noreturn]] void Fail(long line, const std::string& what) const {
    throw DataError(input_->name() + ":" + std::to_string(line) + ": " + what);
  }

  // Makes at least `n` bytes available from pos_ unless the input ends; false if it ended first.
  bool Fill(std::size_t n) {
    while (buffer_.size() - pos_ < n && !ended_) {
      buffer_.erase(0, pos_);
      pos_ = 0;
      const std::size_t old = buffer_.size();
      buffer_.resize(old + kChunk);
      const std::size_t got = input_->Read(buffer_.data() + old, kChunk);
      buffer_.resize(old + got);
      ended_ = got == 0;
    }
    return buffer_.size() - pos_ >= n;
  }

  bool AtEnd() { return !Fill(1); }
  char Current() const { return buffer_[pos_]; }

  // LF, or CRLF. A lone CR is data, except at the very end where it can only be a cut-off CRLF.
  bool AtLineEnd() {
    if (AtEnd()) return false;
    if (Current() == '\n') return true;
    if (Current() != '\r') return false;
    return !Fill(2) || buffer_[pos_ + 1] == '\n';
  }

  void ConsumeLineEnd() {
    pos_ += Current() == '\r' && Fill(2) ? 2 : 1;
    ++line_;
  }

  void ReadHeader() {
    std::vector<CsvField> fields;
    // An input of only blank lines has no header either; report it at line 1.
    if (!NextRecord(fields)) Fail(1, "no header line");
    std::unordered_set<std::string> seen;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (!fields[i] || fields[i]->empty()) {
        Fail(record_line_, "empty column name in header (field " + std::to_string(i + 1) + ")");
      }
      CheckText(fields[i], i);
      if (!seen.insert(*fields[i]).second) {
        Fail(record_line_, "duplicate column '" + *fields[i] + "' in header");
      }
      header_.push_back(std::move(*fields[i]));
    }
  }

  // Valid UTF-8 without NUL: anything else is not text a bank's table should get.
  void CheckText(const CsvField& field, std::size_t index) const {
    if (!field || IsValidUtf8(*field)) return;
    const std::string column =
        index < header_.size() ? " (column '" + header_[index] + "')" : std::string();
    Fail(record_line_, "field " + std::to_string(index + 1) + column +
                           (field->find('\0') != std::string::npos
                                ? " contains a NUL byte"
                                : " is not valid UTF-8: " + EscapeControl(field->substr(0, 60))));
  }

  // Empty lines are skipped rather than read as one-NULL-field records.
  bool NextRecord(std::vector<CsvField>& fields) {
    while (AtLineEnd()) ConsumeLineEnd();
    if (AtEnd()) return false;
    record_line_ = line_;
    record_bytes_ = 0;
    fields.clear();
    while (true) {
      fields.push_back(!AtEnd() && Current() == '"' ? CsvField(ReadQuoted(fields.size()))
                                                    : ReadUnquoted(fields.size()));
      if (AtEnd()) return true;
      if (Current() == options_.separator) {
        ++pos_;
        continue;
      }
      if (AtLineEnd()) {
        ConsumeLineEnd();
        return true;
      }
      Fail(record_line_, "unexpected character " + DescribeChar(Current()) +
                             " after closing quote in field " + std::to_string(fields.size()));
    }
  }

  void Grow(std::string& field, const char* data, std::size_t size, std::size_t index) {
    if (field.size() + size > options_.max_field_bytes) {
      Fail(record_line_, "field " + std::to_string(index + 1) + " is longer than the limit of " +
                             std::to_string(options_.max_field_bytes) + " bytes");
    }
    record_bytes_ += size;
    if (record_bytes_ > options_.max_record_bytes) {
      Fail(record_line_, "record is longer than the limit of " +
                             std::to_string(options_.max_record_bytes) + " bytes");
    }
    field.append(data, size);
  }

  CsvField ReadUnquoted(std::size_t index) {
    std::string value;
    bool any = false;
    while (!AtEnd()) {
      const std::size_t begin = pos_;
      while (pos_ < buffer_.size() && buffer_[pos_] != options_.separator &&
             buffer_[pos_] != '\n' && buffer_[pos_] != '\r') {
        ++pos_;
      }
      any = any || pos_ > begin;
      Grow(value, buffer_.data() + begin, pos_ - begin, index);
      if (pos_ < buffer_.size()) {
        if (Current() != '\r' || AtLineEnd()) break;
        Grow(value, "\r", 1, index);  // a lone CR inside a line is data
        any = true;
        ++pos_;
      }
    }
    if (!any) return std::nullopt;  // unquoted empty field means NULL
    return value;
  }

  // pos_ is at the opening quote. Leaves pos_ just past the closing quote.
  std::string ReadQuoted(std::size_t index) {
    const long quote_line = line_;
    std::string value;
    ++pos_;
    while (true) {
      if (AtEnd()) {
        Fail(record_line_,
             "unterminated quoted field starting at line " + std::to_string(quote_line));
      }
      const std::size_t begin = pos_;
      while (pos_ < buffer_.size() && buffer_[pos_] != '"') {
        if (buffer_[pos_] == '\n') ++line_;  // line breaks inside quotes are data, but count
        ++pos_;
      }
      Grow(value, buffer_.data() + begin, pos_ - begin, index);
      if (pos_ == buffer_.size()) continue;
      ++pos_;  // the quote
      if (AtEnd() || Current() != '"') return value;
      Grow(value, "\"", 1, index);  // a doubled quote stands for one quote
      ++pos_;
    }
  }

  std::unique_ptr<CsvInput> input_;
  CsvOptions options_;
  std::string buffer_;
  std::size_t pos_ = 0;
  bool ended_ = false;
  long line_ = 1;
  long record_line_ = 1;
  std::size_t record_bytes_ = 0;
  std::vector<std::string> header_;
};

CsvReader::CsvReader(std::unique_ptr<CsvInput> input, const CsvOptions& options)
    : parser_(std::make_unique<Parser>(std::move(input), options)) {}
CsvReader::~CsvReader() = default;
CsvReader::CsvReader(CsvReader&&) noexcept = default;

CsvReader CsvReader::OpenFile(const std::string& path, const CsvOptions& options) {
  return CsvReader(std::make_unique<FileInput>(path), options);
}

const std::vector<std::string>& CsvReader::header() const { return parser_->header(); }
bool CsvReader::Next(std::vector<CsvField>& fields) { return parser_->Next(fields); }
long CsvReader::line() const { return parser_->line(); }
const std::string& CsvReader::name() const { return parser_->name(); }

namespace {

CsvTable ReadAll(CsvReader reader) {
  CsvTable table;
  table.header = reader.header();
  std::vector<CsvField> fields;
  while (reader.Next(fields)) table.rows.push_back(fields);
  return table;
}

}  // namespace

CsvTable ParseCsv(std::istream& in, const std::string& source_name, char separator) {
  CsvOptions options;
  options.separator = separator;
  return ReadAll(CsvReader(std::make_unique<StreamInput>(in, source_name), options));
}

CsvTable ReadCsvFile(const std::string& path, char separator) {
  CsvOptions options;
  options.separator = separator;
  return ReadAll(CsvReader::OpenFile(path, options));
}

}  // namespace bankscore
