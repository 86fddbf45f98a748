// The PostgreSQL implementation of Database, over libpqxx 6.4 (see postgres_database.h).
//
// A thin facade: the work session and its error handling live in postgres/session, the
// connection string in postgres/conninfo, and the statements in postgres/source (the source
// table) and postgres/results (the results tables). libpqxx exceptions never leave the adapter:
// they become DatabaseError. Bulk data moves with COPY and server-side cursors, never one
// statement per row.
#include "db/postgres_database.h"

#include "db/postgres/results.h"
#include "db/postgres/session.h"
#include "db/postgres/source.h"
#include "db/postgres/values.h"

namespace bankscore::internal {
namespace {

class PostgresDatabase : public Database {
 public:
  PostgresDatabase(const Config& config, spdlog::logger& log)
      : config_(config),
        db_(pg::MakeConnectSettings(config.database), log),
        source_(db_, config_),
        results_(db_, config_) {
    db_.session();  // fail now, with the one-line message, if the server cannot be reached
  }

  std::string BackendName() const override { return "postgres"; }

  bool TableExists(const std::string& table) override { return source_.TableExists(table); }
  std::vector<std::string> TableColumns(const std::string& table) override {
    return source_.TableColumns(table);
  }
  void CreateSourceTable(const std::string& table, const std::vector<ColumnSpec>& columns,
                         const std::string& key) override {
    source_.CreateSourceTable(table, columns, key);
  }
  void InsertRows(const std::string& table, const RowBatch& batch) override {
    source_.InsertRows(table, batch);
  }
  std::int64_t CountRows(const std::string& table) override { return source_.CountRows(table); }
  std::optional<std::int64_t> MaxKey(const std::string& table, const std::string& key) override {
    return source_.MaxKey(table, key);
  }
  void ScanTable(const std::string& table, const std::string& key,
                 const std::vector<std::string>& columns,
                 const std::optional<std::string>& where_not_null, std::size_t batch_size,
                 const std::function<void(const RowBatch&)>& sink) override {
    source_.ScanTable(table, key, columns, where_not_null, batch_size, sink);
  }
  SourceBatch ReadUnscored(const std::string& model_version, std::optional<std::int64_t> after_key,
                           std::size_t limit) override {
    return source_.ReadUnscored(model_version, after_key, limit);
  }
  std::int64_t CountNullKeys() override { return source_.CountNullKeys(); }

  void EnsureResultsSchema() override { results_.EnsureResultsSchema(); }
  void CheckScoringAccess() override { results_.CheckScoringAccess(); }
  BatchWriteResult WriteBatch(std::int64_t run_id, const std::string& model_version,
                              double threshold, const std::vector<Prediction>& predictions,
                              const std::vector<Rejection>& rejections) override {
    return results_.WriteBatch(run_id, model_version, threshold, predictions, rejections);
  }
  std::int64_t BeginRun(const RunRecord& run) override { return results_.BeginRun(run); }
  void FinishRun(std::int64_t run_id, const RunRecord& run) override {
    results_.FinishRun(run_id, run);
  }
  std::int64_t MarkAbandonedRuns() override { return results_.MarkAbandonedRuns(); }
  RelabelResult Relabel(std::int64_t run_id, const std::string& model_version,
                        const Decision& decision) override {
    return results_.Relabel(run_id, model_version, decision);
  }

  std::unique_ptr<ScorerLock> TryLockScorer(bool wait, std::chrono::milliseconds timeout,
                                            const std::function<bool()>& stop) override {
    return pg::TryLockScorer(db_.settings(), config_.results.table, wait, timeout, stop, db_.log());
  }

  RowBatch Query(const std::string& sql) override {
    const pqxx::result r = db_.Exec("query", {}, sql);
    RowBatch out;
    for (pqxx::row_size_type i = 0; i < r.columns(); ++i) out.columns.push_back(r.column_name(i));
    out.rows = pg::ToRows(r, 0);
    return out;
  }

 private:
  const Config config_;
  pg::Connection db_;
  pg::SourceStatements source_;
  pg::ResultStatements results_;
};

}  // namespace

std::unique_ptr<Database> OpenPostgresDatabase(const Config& config, spdlog::logger& log) {
  return std::make_unique<PostgresDatabase>(config, log);
}

}  // namespace bankscore::internal
