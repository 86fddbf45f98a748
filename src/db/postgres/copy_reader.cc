#include "db/postgres/copy_reader.h"

#include <libpq-fe.h>

#include <charconv>

#include "bankscore/error.h"
#include "db/postgres/errors.h"
#include "db/postgres/session.h"

namespace bankscore::internal::pg {
namespace {

using ConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Type OIDs of the numeric types (pg_type.dat): int8, int2, int4, float4, float8, numeric.
bool IsNumericType(Oid type) {
  return type == 20 || type == 21 || type == 23 || type == 700 || type == 701 || type == 1700;
}

// Decodes one field of a COPY text line: backslash escapes (\\, \t, \n, \r, \b, \f, \v, octal
// \NNN and \xHH). Fields without a backslash are returned as they are.
std::string_view Unescape(std::string_view field, std::string& scratch) {
  if (field.find('\\') == std::string_view::npos) return field;
  scratch.clear();
  for (std::size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (c != '\\' || i + 1 == field.size()) {
      scratch += c;
      continue;
    }
    c = field[++i];
    switch (c) {
      case 'b':
        scratch += '\b';
        break;
      case 'f':
        scratch += '\f';
        break;
      case 'n':
        scratch += '\n';
        break;
      case 'r':
        scratch += '\r';
        break;
      case 't':
        scratch += '\t';
        break;
      case 'v':
        scratch += '\v';
        break;
      case 'x': {
        int value = 0;
        const char* begin = field.data() + i + 1;
        const char* end = field.data() + std::min(field.size(), i + 3);
        auto [ptr, ec] = std::from_chars(begin, end, value, 16);
        scratch += static_cast<char>(value);
        i = static_cast<std::size_t>(ptr - field.data()) - 1;
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          int value = 0;
          std::size_t k = i;
          for (; k < field.size() && k < i + 3 && field[k] >= '0' && field[k] <= '7'; ++k) {
            value = value * 8 + (field[k] - '0');
          }
          scratch += static_cast<char>(value);
          i = k - 1;
        } else {
          scratch += c;  // \\ and any other escaped character stand for themselves
        }
    }
  }
  return scratch;
}

class CopyReader : public UnscoredRowReader {
 public:
  CopyReader(const ConnectSettings& settings, const std::string& select_sql,
             std::vector<std::string> names)
      : settings_(settings), connection_(Connect(settings), PQfinish), names_(std::move(names)) {
    numeric_ = ColumnTypes(select_sql);
    Check(Exec("COPY (" + select_sql + ") TO STDOUT"), PGRES_COPY_OUT, "start reading");
  }

  bool Next(ColumnarBatch& batch, std::size_t max_rows) override {
    const std::size_t before = batch.rows();
    while (!done_ && batch.rows() - before < max_rows) {
      char* line = nullptr;
      const int length = PQgetCopyData(connection_.get(), &line, 0);
      if (length < 0) {
        Finish(length);
        break;
      }
      std::unique_ptr<char, decltype(&PQfreemem)> owned(line, PQfreemem);
      ParseLine(std::string_view(line, static_cast<std::size_t>(length)), batch);
    }
    return batch.rows() > before;
  }

 private:
  static PGconn* Connect(const ConnectSettings& settings) {
    PGconn* raw = PQconnectdb(
        WithOptions(settings.conninfo, {{"fallback_application_name", kApplicationName}}).c_str());
    if (raw == nullptr || PQstatus(raw) != CONNECTION_OK) {
      const std::string message = raw ? FirstLine(PQerrorMessage(raw)) : "out of memory";
      PQfinish(raw);
      throw DatabaseError("cannot connect to PostgreSQL at " + settings.server + ": " + message,
                          true);
    }
    return raw;
  }

  ResultPtr Exec(const std::string& sql) {
    return ResultPtr(PQexec(connection_.get(), sql.c_str()), PQclear);
  }

  // Throws a DatabaseError unless `result` has `expected` status; transient when the connection
  // is gone. A backend terminated in the middle of the COPY (pg_terminate_backend, a server
  // shutdown) sends its FATAL error before it closes the socket, and libpq returns that error as
  // the COPY's result while the connection still reads as open: the error's SQLSTATE says the
  // session is gone.
  void Check(const ResultPtr& result, ExecStatusType expected, const std::string& what) {
    if (result && PQresultStatus(result.get()) == expected) return;
    const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
    const bool lost = PQstatus(connection_.get()) != CONNECTION_OK ||
                      (state != nullptr && IsLostSessionSqlState(state));
    const std::string message = FirstLine(PQerrorMessage(connection_.get()));
    if (lost) {
      throw DatabaseError("lost the connection to PostgreSQL at " + settings_.server + " during " +
                              what + " of unscored rows: " + message,
                          true);
    }
    throw DatabaseError("PostgreSQL: " + what + " of unscored rows: " + message);
  }

  // The session settings every bankscore connection has, then which result columns are numbers.
  std::vector<bool> ColumnTypes(const std::string& select_sql) {
    std::string setup =
        "SET extra_float_digits = 3; SET client_encoding = 'UTF8'; "
        "SET standard_conforming_strings = on";
    if (!settings_.schema.empty()) {
      setup += "; SET search_path TO " + QuoteIdentifier(settings_.schema);
    }
    Check(Exec(setup), PGRES_COMMAND_OK, "set-up");
    const ResultPtr shape = Exec("SELECT * FROM (" + select_sql + ") AS q LIMIT 0");
    Check(shape, PGRES_TUPLES_OK, "start");
    std::vector<bool> numeric;
    for (int i = 1; i < PQnfields(shape.get()); ++i) {
      numeric.push_back(IsNumericType(PQftype(shape.get(), i)));
    }
    return numeric;
  }

  void Finish(int code) {
    done_ = true;
    if (code == -2) Check(ResultPtr(nullptr, PQclear), PGRES_COMMAND_OK, "reading");
    Check(ResultPtr(PQgetResult(connection_.get()), PQclear), PGRES_COMMAND_OK, "reading");
  }

  void ParseLine(std::string_view line, ColumnarBatch& batch) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    std::size_t field = 0;
    while (true) {
      const std::size_t tab = line.find('\t');
      const std::string_view text = line.substr(0, tab);
      AppendField(field, text, batch);
      if (tab == std::string_view::npos) break;
      line.remove_prefix(tab + 1);
      ++field;
    }
    if (field != names_.size()) {
      throw DatabaseError("PostgreSQL: unexpected COPY line with " + std::to_string(field + 1) +
                          " fields while reading unscored rows");
    }
  }

  void AppendField(std::size_t field, std::string_view text, ColumnarBatch& batch) {
    if (field == 0) {
      std::int64_t key = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), key);
      if (ec != std::errc() || ptr != text.data() + text.size()) {
        throw DatabaseError("PostgreSQL: a key that is not an integer while reading unscored rows");
      }
      batch.keys.push_back(key);
      return;
    }
    if (field > names_.size()) return;  // reported by ParseLine
    Column& column = batch.columns[field - 1];
    if (text == "\\N") {
      column.AppendNull();
      return;
    }
    const std::string_view value = Unescape(text, scratch_);
    if (numeric_[field - 1]) {
      std::int64_t integer = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), integer);
      if (ec == std::errc() && ptr == value.data() + value.size()) {
        column.AppendInteger(integer);
        return;
      }
      double number = 0;
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (error == std::errc() && end == value.data() + value.size()) {
        column.AppendReal(number);
        return;
      }
    }
    column.AppendText(value);
  }

  ConnectSettings settings_;
  ConnPtr connection_;
  std::vector<std::string> names_;
  std::vector<bool> numeric_;  // per column after the key
  std::string scratch_;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<UnscoredRowReader> OpenCopyReader(const ConnectSettings& settings,
                                                  const std::string& select_sql,
                                                  std::vector<std::string> names) {
  return std::make_unique<CopyReader>(settings, select_sql, std::move(names));
}

std::string QuoteLiteral(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace bankscore::internal::pg
