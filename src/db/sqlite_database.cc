// The SQLite implementation of Database (see sqlite_database.h). The C API is wrapped in
// sqlite/connection; this file holds the statements.
#include "db/sqlite_database.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "bankscore/error.h"
#include "db/sql_text.h"
#include "db/sqlite/connection.h"

namespace bankscore::internal {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

class FileLock : public ScorerLock {
 public:
  explicit FileLock(int fd) : fd_(fd) {}
  ~FileLock() override {
    flock(fd_, LOCK_UN);
    close(fd_);
  }
  // An flock lives as long as the open file: it cannot be lost while this object exists.
  void EnsureHeld() override {}

 private:
  int fd_;
};

class SqliteDatabase : public Database {
 public:
  SqliteDatabase(const Config& config, spdlog::logger& log)
      : config_(config), log_(log), db_(config.database.path, /*create=*/true) {
    log_.debug("opened SQLite database {}", db_.path());
  }

  std::string BackendName() const override { return "sqlite"; }

  bool TableExists(const std::string& table) override {
    Statement s(db_, "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?",
                "look up table");
    s.Bind(1, table);
    return s.Step();
  }

  std::vector<std::string> TableColumns(const std::string& table) override {
    if (!TableExists(table))
      throw DatabaseError("table " + table + " does not exist in " + db_.path());
    Statement s(db_, "SELECT name FROM pragma_table_info(?) ORDER BY cid", "list columns");
    s.Bind(1, table);
    std::vector<std::string> out;
    while (s.Step()) out.push_back(std::get<std::string>(s.Cell(0)));
    return out;
  }

  void CreateSourceTable(const std::string& table, const std::vector<ColumnSpec>& columns,
                         const std::string& key) override {
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

  void InsertRows(const std::string& table, const RowBatch& batch) override {
    std::string sql = "INSERT INTO " + QuoteIdentifier(table) + " (" + JoinQuoted(batch.columns) +
                      ") VALUES (" + Placeholders(batch.columns.size()) + ")";
    Transaction tx(db_);
    Statement s(db_, sql, "insert into " + table);
    for (const auto& row : batch.rows) {
      for (std::size_t i = 0; i < row.size(); ++i) s.Bind(static_cast<int>(i + 1), row[i]);
      s.Step();
      s.Reset();
    }
    tx.Commit();
  }

  std::int64_t CountRows(const std::string& table) override {
    return db_.ScalarInt("SELECT COUNT(*) FROM " + QuoteIdentifier(table),
                         "count rows of " + table);
  }

  std::optional<std::int64_t> MaxKey(const std::string& table, const std::string& key) override {
    Statement s(db_, "SELECT MAX(" + QuoteIdentifier(key) + ") FROM " + QuoteIdentifier(table),
                "max key of " + table);
    s.Step();
    Value v = s.Cell(0);
    if (IsNull(v)) return std::nullopt;
    return s.Int(0);
  }

  void ScanTable(const std::string& table, const std::string& key,
                 const std::vector<std::string>& columns,
                 const std::optional<std::string>& where_not_null, std::size_t batch_size,
                 const std::function<void(const RowBatch&)>& sink) override {
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

  void EnsureResultsSchema() override {
    Transaction tx(db_);
    db_.Exec(ResultsDdl("sqlite", config_.results), "create results tables");
    tx.Commit();
  }

  SourceBatch ReadUnscored(const std::string& model_version, std::optional<std::int64_t> after_key,
                           std::size_t limit) override {
    const auto& src = config_.source;
    SourceBatch batch;
    batch.columns = src.FeatureColumns();
    const std::string sql = UnscoredRowsSql(config_, after_key.has_value(), {"?1", "?2", "?3"});
    Statement s(db_, sql, "read unscored rows");
    s.Bind(1, model_version);
    s.Bind(2, static_cast<std::int64_t>(limit));
    if (after_key) s.Bind(3, *after_key);
    while (s.Step()) {
      batch.keys.push_back(s.Int(0));
      std::vector<Value> row(batch.columns.size());
      for (std::size_t i = 0; i < row.size(); ++i) row[i] = s.Cell(static_cast<int>(i + 1));
      batch.rows.push_back(std::move(row));
    }
    return batch;
  }

  std::int64_t CountNullKeys() override {
    const auto& src = config_.source;
    return db_.ScalarInt("SELECT COUNT(*) FROM " + QuoteIdentifier(src.table) + " WHERE " +
                             QuoteIdentifier(src.key) + " IS NULL",
                         "count NULL keys");
  }

  BatchWriteResult WriteBatch(std::int64_t run_id, const std::string& model_version,
                              double threshold, const std::vector<Prediction>& predictions,
                              const std::vector<Rejection>& rejections) override {
    BatchWriteResult result;
    Transaction tx(db_);
    {
      Statement s(db_,
                  "INSERT INTO " + QuoteIdentifier(config_.results.table) +
                      " (source_key, model_version, probability, label, threshold, run_id)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                  "insert predictions");
      for (const auto& p : predictions) {
        s.Bind(1, p.key);
        s.Bind(2, model_version);
        s.Bind(3, p.probability);
        s.Bind(4, static_cast<std::int64_t>(p.label));
        s.Bind(5, threshold);
        s.Bind(6, run_id);
        s.Step();
        if (db_.Changes() > 0) {
          ++result.predictions_inserted;
          result.positives_inserted += p.label;
        }
        s.Reset();
      }
    }
    {
      Statement s(db_,
                  "INSERT INTO " + QuoteIdentifier(config_.results.rejected_table) +
                      " (source_key, model_version, run_id, reason)"
                      " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                  "insert rejected rows");
      for (const auto& r : rejections) {
        s.Bind(1, r.key);
        s.Bind(2, model_version);
        s.Bind(3, run_id);
        s.Bind(4, r.reason);
        s.Step();
        result.rejections_inserted += db_.Changes();
        s.Reset();
      }
    }
    // Totals count what this transaction inserted: a batch replayed after a lost COMMIT
    // acknowledgement inserts nothing and adds nothing.
    {
      Statement s(db_,
                  "UPDATE " + QuoteIdentifier(config_.results.runs_table) +
                      " SET rows_read = rows_read + ?1, rows_scored = rows_scored + ?2,"
                      " rows_rejected = rows_rejected + ?3, rows_positive = rows_positive + ?4,"
                      " threshold = ?5 WHERE run_id = ?6",
                  "update run totals");
      s.Bind(1, result.predictions_inserted + result.rejections_inserted);
      s.Bind(2, result.predictions_inserted);
      s.Bind(3, result.rejections_inserted);
      s.Bind(4, result.positives_inserted);
      s.Bind(5, threshold);
      s.Bind(6, run_id);
      s.Step();
    }
    tx.Commit();
    return result;
  }

  std::int64_t BeginRun(const RunRecord& run) override {
    Statement s(db_,
                "INSERT INTO " + QuoteIdentifier(config_.results.runs_table) +
                    " (kind, model_version, threshold, status, message, pid)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                "record run start");
    s.Bind(1, run.kind);
    s.Bind(2, run.model_version);
    s.Bind(3, run.threshold);
    s.Bind(4, run.status);
    s.Bind(5, run.message.empty() ? Value{} : Value{run.message});
    s.Bind(6, static_cast<std::int64_t>(getpid()));
    s.Step();
    return db_.LastInsertRowid();
  }

  void FinishRun(std::int64_t run_id, const RunRecord& run) override {
    Statement s(db_,
                "UPDATE " + QuoteIdentifier(config_.results.runs_table) +
                    " SET status = ?1, message = ?2, threshold = ?3,"
                    " finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE run_id = ?4",
                "record run end");
    s.Bind(1, run.status);
    s.Bind(2, run.message.empty() ? Value{} : Value{run.message});
    s.Bind(3, run.threshold);
    s.Bind(4, run_id);
    s.Step();
  }

  std::int64_t MarkAbandonedRuns() override {
    db_.Exec("UPDATE " + QuoteIdentifier(config_.results.runs_table) +
                 " SET status = 'abandoned', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),"
                 " message = 'the process ended before the run finished'"
                 " WHERE status = 'running'",
             "mark abandoned runs");
    return db_.Changes();
  }

  RelabelResult Relabel(std::int64_t run_id, const std::string& model_version,
                        const Decision& decision) override {
    const double threshold = decision.threshold;
    const std::string label = Decision::SqlLabel("probability", "?1");
    RelabelResult result;
    Transaction tx(db_);
    {
      // What is about to change, per previous threshold, for the run's record.
      Statement s(db_,
                  "SELECT threshold, COUNT(*), SUM(CASE WHEN label <> " + label +
                      " THEN 1 ELSE 0 END), SUM(" + label +
                      ")"
                      " FROM " +
                      QuoteIdentifier(config_.results.table) +
                      " WHERE model_version = ?2 AND threshold <> ?1"
                      " GROUP BY threshold ORDER BY COUNT(*) DESC, threshold",
                  "summarize predictions to relabel");
      s.Bind(1, threshold);
      s.Bind(2, model_version);
      std::vector<std::pair<double, std::int64_t>> previous;
      while (s.Step()) {
        previous.emplace_back(s.Double(0), s.Int(1));
        result.rows_relabeled += s.Int(1);
        result.labels_changed += s.Int(2);
        result.positives_after += s.Int(3);
      }
      result.previous_thresholds = DescribeThresholdCounts(previous);
    }
    {
      Statement s(db_,
                  "UPDATE " + QuoteIdentifier(config_.results.table) +
                      " SET threshold = ?1, label = " + label +
                      ","
                      " relabeled_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
                      " WHERE model_version = ?2 AND threshold <> ?1",
                  "relabel predictions");
      s.Bind(1, threshold);
      s.Bind(2, model_version);
      s.Step();
    }
    {
      Statement s(db_,
                  "UPDATE " + QuoteIdentifier(config_.results.runs_table) +
                      " SET rows_read = ?1, rows_scored = ?1, rows_positive = ?2 WHERE run_id = ?3",
                  "record relabel totals");
      s.Bind(1, result.rows_relabeled);
      s.Bind(2, result.positives_after);
      s.Bind(3, run_id);
      s.Step();
    }
    tx.Commit();
    return result;
  }

  void CheckScoringAccess() override {
    // SQLite has no privileges: a read-only file fails at the first write, with the path.
  }

  std::unique_ptr<ScorerLock> TryLockScorer(bool wait, std::chrono::milliseconds timeout,
                                            const std::function<bool()>& stop) override {
    const std::string lock_path = db_.path() + ".scorer-lock";
    int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw DatabaseError("cannot open lock file " + lock_path + ": " + std::strerror(errno));
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK || !wait || std::chrono::steady_clock::now() >= deadline ||
          (stop && stop())) {
        close(fd);
        return nullptr;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::make_unique<FileLock>(fd);
  }

  RowBatch Query(const std::string& sql) override {
    Statement s(db_, sql, "query");
    RowBatch out;
    for (int i = 0; i < s.ColumnCount(); ++i) out.columns.push_back(s.ColumnName(i));
    while (s.Step()) {
      std::vector<Value> row(out.columns.size());
      for (std::size_t i = 0; i < row.size(); ++i) row[i] = s.Cell(static_cast<int>(i));
      out.rows.push_back(std::move(row));
    }
    return out;
  }

 private:
  static std::string Placeholders(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
    return out;
  }

  const Config config_;
  spdlog::logger& log_;
  sqlite::Connection db_;
};

}  // namespace

std::unique_ptr<Database> OpenSqliteDatabase(const Config& config, spdlog::logger& log) {
  return std::make_unique<SqliteDatabase>(config, log);
}

}  // namespace bankscore::internal
