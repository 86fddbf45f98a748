// The PostgreSQL implementation of Database, over libpqxx 6.4 (see postgres_database.h).
//
// A thin facade: the work session and its error handling live in postgres/session, the
// connection string in postgres/conninfo, and the statements in postgres/source (the source
// table) and postgres/results (the results tables). libpqxx exceptions never leave the adapter:
// they become DatabaseError. Bulk data moves with COPY and server-side cursors, never one
// statement per row.
#include "db/postgres_database.h"

#include "db/composed_database.h"
#include "db/postgres/leases.h"
#include "db/postgres/partitions.h"
#include "db/postgres/results.h"
#include "db/postgres/retention.h"
#include "db/postgres/segments.h"
#include "db/postgres/serving.h"
#include "db/postgres/session.h"
#include "db/postgres/source.h"
#include "db/postgres/values.h"

namespace bankscore::internal {
namespace {

class PostgresDatabase
    : public ComposedDatabase<pg::SourceStatements, pg::ResultStatements, pg::SegmentStatements,
                              pg::ServingQueries, pg::RetentionStatements> {
 public:
  PostgresDatabase(const Config& config, spdlog::logger& log)
      : config_(config),
        db_(pg::MakeConnectSettings(config.database), log),
        source_(db_, config_),
        results_(db_, config_),
        segments_(db_, config_),
        serving_(db_, config_),
        leases_(db_, config_),
        retention_(db_, config_) {
    db_.session();  // fail now, with the one-line message, if the server cannot be reached
  }

  std::string BackendName() const override { return "postgres"; }

  std::unique_ptr<ScorerLock> TryLockScorer(bool wait, std::chrono::milliseconds timeout,
                                            const std::function<bool()>& stop) override {
    return pg::TryLockScorer(db_.settings(), config_.results.table, config_.results.runs_table,
                             pg::LockMode::kExclusive, wait, timeout, stop, db_.log());
  }
  std::unique_ptr<ScorerLock> TryLockScorerShared(bool wait, std::chrono::milliseconds timeout,
                                                  const std::function<bool()>& stop) override {
    return pg::TryLockScorer(db_.settings(), config_.results.table, config_.results.runs_table,
                             pg::LockMode::kShared, wait, timeout, stop, db_.log());
  }
  LeaseStore* Leases() override { return &leases_; }

  RowBatch Query(const std::string& sql) override {
    const pqxx::result r = db_.Exec("query", {}, sql);
    RowBatch out;
    for (pqxx::row_size_type i = 0; i < r.columns(); ++i) out.columns.push_back(r.column_name(i));
    out.rows = pg::ToRows(r, 0);
    return out;
  }

  // results.partition_by: a version's partitions exist before its first run writes.
  void EnsureVersionPartition(const std::string& model_version) override {
    pg::EnsureVersionPartitions(db_, config_, model_version);
  }

 protected:
  pg::SourceStatements& source() override { return source_; }
  pg::ResultStatements& results() override { return results_; }
  pg::SegmentStatements& segments() override { return segments_; }
  pg::ServingQueries& serving() override { return serving_; }
  pg::RetentionStatements& retention() override { return retention_; }

 private:
  const Config config_;
  pg::Connection db_;
  pg::SourceStatements source_;
  pg::ResultStatements results_;
  pg::SegmentStatements segments_;
  pg::ServingQueries serving_;         // issue 13
  pg::LeaseStatements leases_;         // --workers (issue 15)
  pg::RetentionStatements retention_;  // prune, last check (issue 15)
};

}  // namespace

std::unique_ptr<Database> OpenPostgresDatabase(const Config& config, spdlog::logger& log) {
  return std::make_unique<PostgresDatabase>(config, log);
}

}  // namespace bankscore::internal
