#include "db/sqlite/connection.h"

#include <sqlite3.h>

#include <filesystem>

#include "bankscore/error.h"
#include "common/files.h"

namespace bankscore::internal::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 30000;

bool IsTransient(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

}  // namespace

Statement::Statement(Connection& connection, const std::string& sql, std::string what)
    : connection_(connection), what_(std::move(what)) {
  const int rc = sqlite3_prepare_v2(connection.handle(), sql.c_str(), static_cast<int>(sql.size()),
                                    &stmt_, nullptr);
  if (rc != SQLITE_OK) connection_.Fail(rc, what_);
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::Bind(int index, const Value& v) {
  int rc = SQLITE_OK;
  if (IsNull(v)) {
    rc = sqlite3_bind_null(stmt_, index);
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    rc = sqlite3_bind_int64(stmt_, index, *i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    rc = sqlite3_bind_double(stmt_, index, *d);
  } else {
    const auto& s = std::get<std::string>(v);
    rc = sqlite3_bind_text(stmt_, index, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  if (rc != SQLITE_OK) connection_.Fail(rc, what_ + " (bind)");
}

bool Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  connection_.Fail(rc, what_);
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::Rewind() { sqlite3_reset(stmt_); }

void Statement::AppendCell(int i, Column& column) const {
  switch (sqlite3_column_type(stmt_, i)) {
    case SQLITE_NULL:
      column.AppendNull();
      break;
    case SQLITE_INTEGER:
      column.AppendInteger(sqlite3_column_int64(stmt_, i));
      break;
    case SQLITE_FLOAT:
      column.AppendReal(sqlite3_column_double(stmt_, i));
      break;
    default: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
      column.AppendText(std::string_view(text ? text : "",
                                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))));
    }
  }
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }
std::string Statement::ColumnName(int i) const { return sqlite3_column_name(stmt_, i); }
std::int64_t Statement::Int(int i) const { return sqlite3_column_int64(stmt_, i); }
double Statement::Double(int i) const { return sqlite3_column_double(stmt_, i); }

Value Statement::Cell(int i) const {
  switch (sqlite3_column_type(stmt_, i)) {
    case SQLITE_NULL:
      return std::monostate{};
    case SQLITE_INTEGER:
      return static_cast<std::int64_t>(sqlite3_column_int64(stmt_, i));
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt_, i);
    default: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
      return std::string(text ? text : "",
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
    }
  }
}

namespace {

// SQLite counts every allocation under a process-wide mutex unless told not to (about 2% of a
// scoring run's CPU, in every thread that touches SQLite); bankscore never reads those counts.
// It can only be said before SQLite initializes, hence once, before the first connection opens;
// if something else initialized SQLite first, the call fails and changes nothing.
void DisableMemoryStatisticsOnce() {
  static const int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  static_cast<void>(rc);
}

}  // namespace

Connection::Connection(std::string path, OpenMode mode) : path_(std::move(path)) {
  DisableMemoryStatisticsOnce();
  if (mode == OpenMode::kCreate) {
    try {
      CreateDirectories(std::filesystem::path(path_).parent_path());
    } catch (const FileError&) {
      // sqlite3_open_v2 below reports the missing directory with the path.
    }
  }
  // NOMUTEX: a connection is used by one thread at a time, so SQLite need not lock its mutex on
  // every call (13% of a scoring run's time when it did).
  const int flags = SQLITE_OPEN_NOMUTEX |
                    (mode == OpenMode::kReadOnly ? SQLITE_OPEN_READONLY
                     : mode == OpenMode::kCreate ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                                 : SQLITE_OPEN_READWRITE);
  const int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw DatabaseError("cannot open SQLite database " + path_ + ": " + message);
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  if (mode != OpenMode::kReadOnly) Exec("PRAGMA journal_mode = WAL", "enable WAL");
  // NORMAL is safe in WAL mode: a power cut can lose the last commits, never corrupt the file,
  // and a batch whose commit is lost is simply scored again by the next run.
  Exec("PRAGMA synchronous = NORMAL", "set synchronous");
  Exec("PRAGMA foreign_keys = ON", "enable foreign keys");
}

Connection::~Connection() { sqlite3_close_v2(db_); }

void Connection::Exec(const std::string& sql, const std::string& what) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    const std::string detail = error ? error : "";
    sqlite3_free(error);
    Fail(rc, what, detail);
  }
}

std::int64_t Connection::ScalarInt(const std::string& sql, const std::string& what) {
  Statement s(*this, sql, what);
  s.Step();
  return s.Int(0);
}

std::int64_t Connection::Changes() const { return sqlite3_changes(db_); }
std::int64_t Connection::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

void Connection::Fail(int rc, const std::string& what, const std::string& detail) const {
  const std::string message = !detail.empty() ? detail : sqlite3_errmsg(db_);
  throw DatabaseError("SQLite database " + path_ + ": " + what + ": " + message, IsTransient(rc));
}

Transaction::Transaction(Connection& connection) : connection_(connection) {
  connection_.Exec("BEGIN IMMEDIATE", "begin a transaction");
}

Transaction::~Transaction() {
  if (!committed_) sqlite3_exec(connection_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::Commit() {
  connection_.Exec("COMMIT", "commit");
  committed_ = true;
}

}  // namespace bankscore::internal::sqlite
