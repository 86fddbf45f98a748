// The SQLite implementation of Database (see sqlite_database.h): the C API is wrapped in
// sqlite/connection, the statements are in sqlite/source and sqlite/results, the scorer lock in
// sqlite/lock.
#include "db/sqlite_database.h"

#include <spdlog/spdlog.h>

#include "db/composed_database.h"
#include "db/sqlite/connection.h"
#include "db/sqlite/lock.h"
#include "db/sqlite/results.h"
#include "db/sqlite/retention.h"
#include "db/sqlite/segments.h"
#include "db/sqlite/serving.h"
#include "db/sqlite/source.h"

namespace bankscore::internal {
namespace {

class SqliteDatabase : public ComposedDatabase<sqlite::SourceStatements, sqlite::ResultStatements,
                                               sqlite::SegmentStatements, sqlite::ServingQueries,
                                               sqlite::RetentionStatements> {
 public:
  SqliteDatabase(const Config& config, spdlog::logger& log)
      : config_(config),
        db_(config.database.path, sqlite::OpenMode::kCreate),
        source_(db_, config_),
        results_(db_, config_),
        segments_(db_, config_),
        serving_(db_, config_),
        retention_(db_, config_) {
    log.debug("opened SQLite database {}", db_.path());
  }

  std::string BackendName() const override { return "sqlite"; }

  std::unique_ptr<ScorerLock> TryLockScorer(bool wait, std::chrono::milliseconds timeout,
                                            const std::function<bool()>& stop) override {
    return sqlite::TryLockScorer(db_.path(), wait, timeout, stop);
  }

  RowBatch Query(const std::string& sql) override {
    sqlite::Statement s(db_, sql, "query");
    RowBatch out;
    for (int i = 0; i < s.ColumnCount(); ++i) out.columns.push_back(s.ColumnName(i));
    while (s.Step()) {
      std::vector<Value> row(out.columns.size());
      for (std::size_t i = 0; i < row.size(); ++i) row[i] = s.Cell(static_cast<int>(i));
      out.rows.push_back(std::move(row));
    }
    return out;
  }

 protected:
  sqlite::SourceStatements& source() override { return source_; }
  sqlite::ResultStatements& results() override { return results_; }
  sqlite::SegmentStatements& segments() override { return segments_; }
  sqlite::ServingQueries& serving() override { return serving_; }
  sqlite::RetentionStatements& retention() override { return retention_; }

 private:
  const Config config_;
  sqlite::Connection db_;
  sqlite::SourceStatements source_;
  sqlite::ResultStatements results_;
  sqlite::SegmentStatements segments_;     // declared last: its cached statement goes first
  sqlite::ServingQueries serving_;         // issue 13
  sqlite::RetentionStatements retention_;  // prune, last check (issue 15)
};

}  // namespace

std::unique_ptr<Database> OpenSqliteDatabase(const Config& config, spdlog::logger& log) {
  return std::make_unique<SqliteDatabase>(config, log);
}

}  // namespace bankscore::internal
