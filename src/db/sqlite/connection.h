// Internal: one SQLite connection and its prepared statements, the only code that calls the
// SQLite C API. Every failure becomes a DatabaseError that names the database file and what was
// being done ("SQLite database var/x.db: insert predictions: disk I/O error"); SQLITE_BUSY and
// SQLITE_LOCKED are transient.
#pragma once

#include <cstdint>
#include <string>

#include "bankscore/columnar_batch.h"
#include "bankscore/value.h"

struct sqlite3;
struct sqlite3_stmt;

namespace bankscore::internal::sqlite {

class Connection;

enum class OpenMode {
  kCreate,    // create the file (and its directory) if missing
  kExisting,  // the file must exist
  kReadOnly,  // the file must exist; no writes through this connection
};

// A prepared statement; binds Values and reads cells back as Values. Finalized on destruction.
class Statement {
 public:
  Statement(Connection& connection, const std::string& sql, std::string what);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  void Bind(int index, const Value& value);
  // Steps once; true while a row is available.
  bool Step();
  // Ready to run again with new bindings.
  void Reset();
  // Ready to run again, keeping the bindings (the hot loops rebind only what changes).
  void Rewind();
  // Appends column i of the current row to `column`, typed as SQLite stores it.
  void AppendCell(int i, Column& column) const;

  int ColumnCount() const;
  std::string ColumnName(int i) const;
  std::int64_t Int(int i) const;
  double Double(int i) const;
  Value Cell(int i) const;

 private:
  Connection& connection_;
  std::string what_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Connection {
 public:
  // Opens `path` in WAL mode with foreign keys on. Throws DatabaseError naming the path.
  Connection(std::string path, OpenMode mode);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  // Runs SQL text without results (may hold several statements).
  void Exec(const std::string& sql, const std::string& what);
  // The first column of the first row of a query, as an integer.
  std::int64_t ScalarInt(const std::string& sql, const std::string& what);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t Changes() const;
  std::int64_t LastInsertRowid() const;

  // Throws the DatabaseError for result code `rc` of `what`.
  [[noreturn]] void Fail(int rc, const std::string& what, const std::string& detail = "") const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction, ROLLBACK unless Commit() was called.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void Commit();

 private:
  Connection& connection_;
  bool committed_ = false;
};

}  // namespace bankscore::internal::sqlite
