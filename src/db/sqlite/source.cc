#include "db/sqlite/source.h"

#include <memory>

#include "bankscore/error.h"
#include "db/sql_text.h"

namespace bankscore::internal::sqlite {
namespace {

std::string Placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

// SQLite's typing is per value, so the key is tested row by row.
std::string IntegerKeyTest(const Config& config) {
  return "typeof(" + SourceKey(config) + ") = 'integer'";
}

// The first run of a version (a new model scoring the whole table) need not look each row up in
// the results tables: see VersionHasResultsSql. Half the time of reading a million rows.
bool VersionHasResults(Connection& db, const ResultsConfig& results,
                       const std::string& model_version) {
  Statement s(db, VersionHasResultsSql(results, "?1"), "look for results of the model version");
  s.Bind(1, model_version);
  s.Step();
  return s.Int(0) != 0;
}

// A statement keeps its read snapshot until it is reset, and while a reader holds a snapshot
// SQLite can neither copy the WAL back into the file nor start the WAL over: a run's whole
// output piled up in the WAL (170 MB for a million predictions) and was copied back on one
// thread after the last batch. So after a call that read at least kRowsPerSnapshot rows the
// reader lets its snapshot go, while the pipeline scores and writes, and the next call reads on
// after the last key returned, in a fresh snapshot; the WAL is then checkpointed as the run goes.
constexpr std::size_t kRowsPerSnapshot = 1000;

class Reader : public UnscoredRowReader {
 public:
  Reader(const Config& config, const std::string& model_version,
         std::optional<std::int64_t> after_key, std::optional<std::int64_t> up_to_key)
      : model_version_(model_version),
        up_to_key_(up_to_key),
        what_("read unscored rows of " + config.source.table),
        connection_(config.database.path, OpenMode::kReadOnly),
        no_results_(!VersionHasResults(connection_, config.results, model_version)),
        after_sql_(ReadSql(config, /*after_key=*/true)) {
    if (after_key) {
      StartAfter(*after_key);
    } else {
      first_ =
          std::make_unique<Statement>(connection_, ReadSql(config, /*after_key=*/false), what_);
      Bind(*first_);
      current_ = first_.get();
    }
  }

  bool Next(ColumnarBatch& batch, std::size_t max_rows) override {
    if (start_after_last_key_) StartAfter(last_key_);
    std::size_t appended = 0;
    if (row_waiting_ && max_rows > 0) {
      row_waiting_ = false;
      Append(batch);
      ++appended;
    }
    for (; !done_ && appended < max_rows; ++appended) {
      if (!current_->Step()) {
        done_ = true;
        break;
      }
      Append(batch);
    }
    if (!done_ && !row_waiting_ && rows_in_snapshot_ >= kRowsPerSnapshot) LetSnapshotGo();
    return appended > 0;
  }

 private:
  std::string ReadSql(const Config& config, bool after_key) const {
    return UnscoredRowsSql(config, {"?1", after_key ? "?2" : "", IntegerKeyTest(config),
                                    UnscoredShape::kRows, up_to_key_ ? "?3" : "", no_results_});
  }

  void Bind(Statement& statement) const {
    if (!no_results_) statement.Bind(1, model_version_);
    if (up_to_key_) statement.Bind(3, *up_to_key_);
  }

  void StartAfter(std::int64_t key) {
    start_after_last_key_ = false;
    if (current_) current_->Reset();
    if (!after_) after_ = std::make_unique<Statement>(connection_, after_sql_, what_);
    after_->Reset();
    Bind(*after_);
    after_->Bind(2, key);
    current_ = after_.get();
    rows_in_snapshot_ = 0;
  }

  // Ends the snapshot if every row of the last key returned has been returned: the rows come in
  // key order, so the next row shows it. A next row of another key is read again after the
  // restart; one more row of the same key waits for the next call, and the snapshot stays.
  void LetSnapshotGo() {
    if (!current_->Step()) {
      done_ = true;
      return;
    }
    if (current_->Int(0) == last_key_) {
      row_waiting_ = true;
      return;
    }
    current_->Reset();
    start_after_last_key_ = true;
  }

  void Append(ColumnarBatch& batch) {
    last_key_ = current_->Int(0);
    batch.keys.push_back(last_key_);
    for (std::size_t c = 0; c < batch.columns.size(); ++c) {
      current_->AppendCell(static_cast<int>(c + 1), batch.columns[c]);
    }
    ++rows_in_snapshot_;
  }

  const std::string model_version_;
  const std::optional<std::int64_t> up_to_key_;
  const std::string what_;
  Connection connection_;
  // Decided once: later rows of the version are this run's own, behind the reader.
  const bool no_results_;
  const std::string after_sql_;
  std::unique_ptr<Statement> first_;  // from the first key (no after_key given)
  std::unique_ptr<Statement> after_;  // after a key; prepared once, rebound at each start
  Statement* current_ = nullptr;
  std::int64_t last_key_ = 0;
  std::size_t rows_in_snapshot_ = 0;
  bool row_waiting_ = false;           // current_ is on a row not returned yet
  bool start_after_last_key_ = false;  // the snapshot was let go: read on after last_key_
  bool done_ = false;
};

}  // namespace

bool SourceStatements::TableExists(const std::string& table) {
  Statement s(db_, "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?",
              "look up table");
  s.Bind(1, table);
  return s.Step();
}

std::vector<std::string> SourceStatements::TableColumns(const std::string& table) {
  if (!TableExists(table))
    throw DatabaseError("table " + table + " does not exist in " + db_.path());
  Statement s(db_, "SELECT name FROM pragma_table_info(?) ORDER BY cid", "list columns");
  s.Bind(1, table);
  std::vector<std::string> out;
  while (s.Step()) out.push_back(std::get<std::string>(s.Cell(0)));
  return out;
}

void SourceStatements::CreateSourceTable(const std::string& table,
                                         const std::vector<ColumnSpec>& columns,
                                         const std::string& key) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + QuoteIdentifier(table) + " (";
  bool first = true;
  for (const auto& column : columns) {
    if (!first) sql += ", ";
    first = false;
    sql += QuoteIdentifier(column.name);
    sql += column.name == key ? " INTEGER PRIMARY KEY"
                              : std::string(" ") + ColumnTypeName(column.type);
  }
  sql += ")";
  db_.Exec(sql, "create table " + table);
}

namespace {

// One transaction and one prepared INSERT, fed batch by batch.
class Inserter : public RowInserter {
 public:
  Inserter(Connection& db, const std::string& table, const std::vector<std::string>& columns)
      : tx_(db),
        insert_(db,
                "INSERT INTO " + QuoteIdentifier(table) + " (" + JoinQuoted(columns) +
                    ") VALUES (" + Placeholders(columns.size()) + ")",
                "insert into " + table) {}

  void Write(const RowBatch& batch) override {
    for (const auto& row : batch.rows) {
      for (std::size_t i = 0; i < row.size(); ++i) insert_.Bind(static_cast<int>(i + 1), row[i]);
      insert_.Step();
      insert_.Reset();
    }
  }

  void Commit() override { tx_.Commit(); }

 private:
  Transaction tx_;
  Statement insert_;  // finalized before the transaction ends
};

}  // namespace

std::unique_ptr<RowInserter> SourceStatements::BeginInsert(
    const std::string& table, const std::vector<std::string>& columns) {
  return std::make_unique<Inserter>(db_, table, columns);
}

void SourceStatements::InsertRows(const std::string& table, const RowBatch& batch) {
  auto inserter = BeginInsert(table, batch.columns);
  inserter->Write(batch);
  inserter->Commit();
}

std::int64_t SourceStatements::CountRows(const std::string& table) {
  return db_.ScalarInt("SELECT COUNT(*) FROM " + QuoteIdentifier(table), "count rows of " + table);
}

std::optional<std::int64_t> SourceStatements::MaxKey(const std::string& table,
                                                     const std::string& key) {
  Statement s(db_, "SELECT MAX(" + QuoteIdentifier(key) + ") FROM " + QuoteIdentifier(table),
              "max key of " + table);
  s.Step();
  Value v = s.Cell(0);
  if (IsNull(v)) return std::nullopt;
  return s.Int(0);
}

void SourceStatements::ScanTable(const std::string& table, const std::string& key,
                                 const std::vector<std::string>& columns,
                                 const std::optional<std::string>& where_not_null,
                                 std::size_t batch_size,
                                 const std::function<void(const RowBatch&)>& sink) {
  std::vector<std::string> all = {key};
  all.insert(all.end(), columns.begin(), columns.end());
  Statement s(db_, ScanSql(table, key, columns, where_not_null), "scan " + table);
  RowBatch batch;
  batch.columns = all;
  while (s.Step()) {
    std::vector<Value> row(all.size());
    for (std::size_t i = 0; i < all.size(); ++i) row[i] = s.Cell(static_cast<int>(i));
    batch.rows.push_back(std::move(row));
    if (batch.rows.size() >= batch_size) {
      sink(batch);
      batch.rows.clear();
    }
  }
  if (!batch.rows.empty()) sink(batch);
}

// True when the key column is the table's rowid (declared INTEGER PRIMARY KEY in a rowid table):
// SQLite then keeps it a non-NULL integer, and counting the rows without one is a scan that can
// only find none. A WITHOUT ROWID table or INTEGER PRIMARY KEY DESC has a primary key index of its
// own (origin 'pk'), and a view has no primary key.
bool SourceStatements::KeyIsRowid() {
  const auto& src = config_.source;
  Statement pk(db_, "SELECT name, upper(type) FROM pragma_table_info(?1) WHERE pk > 0",
               "look up the primary key of " + src.table);
  pk.Bind(1, src.table);
  std::vector<std::pair<std::string, std::string>> columns;
  while (pk.Step()) {
    columns.emplace_back(std::get<std::string>(pk.Cell(0)), std::get<std::string>(pk.Cell(1)));
  }
  if (columns.size() != 1 || columns[0].first != src.key || columns[0].second != "INTEGER") {
    return false;
  }
  Statement index(db_, "SELECT count(*) FROM pragma_index_list(?1) WHERE origin = 'pk'",
                  "look up the primary key index of " + src.table);
  index.Bind(1, src.table);
  index.Step();
  return index.Int(0) == 0;
}

UnkeyedRows SourceStatements::CountUnkeyedRows() {
  const auto& src = config_.source;
  const std::string key = QuoteIdentifier(src.key);
  const std::string table = QuoteIdentifier(src.table);
  UnkeyedRows out;
  if (KeyIsRowid()) return out;
  Statement counts(db_,
                   "SELECT count(*) FILTER (WHERE " + key + " IS NULL), count(*) FILTER (WHERE " +
                       key + " IS NOT NULL AND typeof(" + key + ") <> 'integer') FROM " + table,
                   "count rows without a usable key in " + src.table);
  counts.Step();
  out.null_keys = counts.Int(0);
  out.non_integer_keys = counts.Int(1);
  if (out.non_integer_keys == 0) return out;
  Statement examples(db_,
                     "SELECT quote(" + key + ") FROM " + table + " WHERE " + key +
                         " IS NOT NULL AND typeof(" + key + ") <> 'integer' LIMIT 5",
                     "list keys that are not integers in " + src.table);
  while (examples.Step()) out.examples.push_back(std::get<std::string>(examples.Cell(0)));
  return out;
}

std::string SourceStatements::ColumnSqlType(const std::string& table, const std::string& column) {
  Statement s(db_, "SELECT type FROM pragma_table_info(?1) WHERE name = ?2",
              "look up the type of " + table + "." + column);
  s.Bind(1, table);
  s.Bind(2, column);
  if (!s.Step()) {
    throw DatabaseError("column " + column + " does not exist in table " + table + " of " +
                        db_.path());
  }
  return std::get<std::string>(s.Cell(0));
}

// One integer over the unscored rows of `model_version`: their query (of `shape`) between
// `before` and `after`.
std::int64_t SourceStatements::OverUnscoredRows(const std::string& model_version,
                                                UnscoredShape shape, const std::string& before,
                                                const std::string& after, const std::string& what) {
  const bool no_results = !VersionHasResults(db_, config_.results, model_version);
  Statement s(
      db_,
      before +
          UnscoredRowsSql(config_, {"?1", "", IntegerKeyTest(config_), shape, "", no_results}) +
          after,
      what + " of " + config_.source.table);
  if (!no_results) s.Bind(1, model_version);
  s.Step();
  return s.Int(0);
}

bool SourceStatements::HasUnscoredRows(const std::string& model_version) {
  return OverUnscoredRows(model_version, UnscoredShape::kFirst, "SELECT EXISTS (", ")",
                          "look for unscored rows") != 0;
}

std::int64_t SourceStatements::CountUnscoredRows(const std::string& model_version) {
  return OverUnscoredRows(model_version, UnscoredShape::kKeys, "SELECT COUNT(*) FROM (", ") AS u",
                          "count unscored rows");
}

std::unique_ptr<UnscoredRowReader> SourceStatements::ReadUnscored(
    const std::string& model_version, std::optional<std::int64_t> after_key,
    std::optional<std::int64_t> up_to_key) {
  return std::make_unique<Reader>(config_, model_version, after_key, up_to_key);
}

}  // namespace bankscore::internal::sqlite
