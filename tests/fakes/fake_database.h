// FakeDatabase: an in-memory bankscore::Database for fast unit tests of the code above the
// adapters (scorer, daemon, loader, trainer). The real adapters are tested against the same
// contract in tests/integration/database_contract_test.cc; this fake follows it:
//
//   - Tables hold named columns and rows. CreateSourceTable makes `key` a primary key (unique,
//   never
//     NULL); CreateTable makes a table without one, as a bank's own table may be. InsertRows is all
//     or nothing.
//   - ReadUnscored snapshots, in key order, the rows of the connection's source table with an
//     integer key above `after_key` and neither a prediction nor a rejection for the version (as
//     a reader's own transaction would); each UnscoredRowReader::Next call is a kReadUnscored
//     call (faults can be injected per batch read).
//   - WriteBatch inserts with ON CONFLICT DO NOTHING on (key, model version) and adds what it
//     inserted to the run's totals, all under one lock (one transaction). Relabel uses Decision.
//   - BeginRun / FinishRun / MarkAbandonedRuns keep runs as the runs table does; FinishRun never
//     touches the counts. TableExists answers true for the results tables (and view) once
//     EnsureResultsSchema ran.
//   - One scorer lock per database, shared by all its connections (Connect, Opener); its shared
//     form admits any number of workers. MarkAbandonedRuns skips runs a live lock holds (HoldRun).
//   - Leases (FakeLeases) over the source table, with a fake clock.
//
// Test controls: FailNext injects faults (a DatabaseError, transient or not, or "commit, then lose
// the connection": the call's write lands and it throws a transient error, as when a COMMIT's
// acknowledgement is lost); BeforeCall runs a hook at the start of a call (to pause a worker or
// change something between batches); RefuseScoringAccess makes the privilege check fail; Calls
// counts calls. Every method is thread-safe; hooks run outside the internal lock.
//
// Not modelled: SQL (Query throws), type affinity (values are stored as given), time stamps, pids,
// CHECK constraints, connections that drop by themselves, and waiting on a lock held by another
// process (only other connections of the same FakeDatabase compete for the scorer lock).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/daemon.h"
#include "bankscore/database.h"
#include "fakes/fake_leases.h"

namespace bankscore::testing {

class FakeDatabase : public Database {
 public:
  // The calls FailNext, BeforeCall and Calls refer to: every Database method, ScorerLock::
  // EnsureHeld, and kOpen, a call of the DatabaseOpener returned by Opener().
  enum class Method {
    kOpen,
    kTableExists,
    kTableColumns,
    kCreateSourceTable,
    kInsertRows,
    kCountRows,
    kMaxKey,
    kScanTable,
    kEnsureResultsSchema,
    kHasUnscoredRows,
    kCountUnscoredRows,
    kOpenReader,    // ReadUnscored: opening the reader
    kReadUnscored,  // UnscoredRowReader::Next: one batch read
    kCountUnkeyedRows,
    kCheckScoringAccess,
    kWriteBatch,
    kBeginRun,
    kFinishRun,
    kResultsSources,
    kMarkAbandonedRuns,
    kForgetRejections,
    kRelabel,
    kTryLockScorer,
    kEnsureHeld,
    kQuery,
    // Serving (issue 13)
    kLatestPrediction,
    kRecentRuns,
    kTotalsByRunStatus,
    kScoreHistogram,
    kReadRunDrift,
    // Retention and the last check (issue 15)
    kStoredVersions,
    kPruneVersion,
    kRecordCheck,
  };
  enum class Fault {
    kTransient,                // throws DatabaseError(transient); nothing is written
    kPermanent,                // throws DatabaseError(not transient); nothing is written
    kCommitThenLoseConnection  // writes, then throws DatabaseError(transient)
  };

  struct StoredPrediction {
    std::int64_t key = 0;
    std::string model_version;
    double probability = 0;
    int label = 0;
    double threshold = 0;
    std::int64_t run_id = 0;
    bool relabeled = false;
    std::string top_reasons{};  // "" for NULL
  };
  struct StoredRejection {
    std::int64_t key = 0;
    std::string model_version;
    std::int64_t run_id = 0;
    std::string reason;
  };
  struct StoredRun {
    std::int64_t run_id = 0;
    RunRecord record;       // as BeginRun, then FinishRun or MarkAbandonedRuns, left it
    bool finished = false;  // finished_at is set
    std::int64_t rows_read = 0;
    std::int64_t rows_scored = 0;
    std::int64_t rows_rejected = 0;
    std::int64_t rows_positive = 0;
  };

  struct StoredCheck {  // a row of results.checks_table
    std::string model_version;
    std::int64_t rows_found = 0;
    std::optional<std::int64_t> last_run_id;
    int checks = 0;  // RecordCheck calls for this version
  };
  struct StoredPrune {  // a row of results.prunes_table
    std::string model_version;
    PruneResult removed;
    std::string kept_versions;
  };

  // An empty database; `config` names the source table, key and features this connection reads.
  explicit FakeDatabase(const Config& config);
  ~FakeDatabase() override;
  FakeDatabase(const FakeDatabase&) = delete;  // another connection: Connect()
  FakeDatabase& operator=(const FakeDatabase&) = delete;

  // Another connection to the same database (tables, results, runs, lock, faults and counters).
  std::unique_ptr<FakeDatabase> Connect(const Config& config) const;
  // For DaemonOptions::open_database: each call is a kOpen call, then a new connection.
  DatabaseOpener Opener() const;

  // --- Test controls -------------------------------------------------------------------------
  // After `skip` more calls of `method` succeed, the `times` calls after them fail with `fault`.
  // Replaces any fault still pending for `method`.
  void FailNext(Method method, Fault fault, int times = 1, int skip = 0);
  // Runs `hook(n)` at the start of the n-th call of `method` (n counts from 1), before any fault.
  void BeforeCall(Method method, std::function<void(int call)> hook);
  // CheckScoringAccess throws a non-transient DatabaseError naming `missing` (e.g. "INSERT on
  // predictions"), as the PostgreSQL adapter does for a role without that grant.
  void RefuseScoringAccess(const std::string& missing);
  // Sets `column` of the rows of `table` whose `key_column` is `key` to `value` (a DBA's UPDATE).
  void UpdateCell(const std::string& table, const std::string& key_column, std::int64_t key,
                  const std::string& column, const Value& value);
  // Creates a table whose key column is not a primary key: NULL keys and duplicates allowed.
  void CreateTable(const std::string& table, const std::vector<ColumnSpec>& columns);

  // --- Inspection (copies, taken under the lock) ---------------------------------------------
  int Calls(Method method) const;
  std::vector<StoredPrediction> Predictions() const;  // ordered by model version, then key
  std::vector<StoredRejection> Rejections() const;    // ordered by model version, then key
  // The stored reasons, ordered by model version, key and rank (model_version not kept).
  std::vector<PredictionReason> Reasons() const;
  std::vector<StoredRun> Runs() const;      // ordered by run id (1, 2, ...)
  std::vector<StoredCheck> Checks() const;  // ordered by model version
  std::vector<StoredPrune> Prunes() const;  // in the order recorded
  std::vector<ColumnSpec> TableSpecs(const std::string& table) const;
  RowBatch TableRows(const std::string& table) const;  // in insertion order
  bool ScorerLocked() const;

  // --- Database ------------------------------------------------------------------------------
  std::string BackendName() const override { return "fake"; }
  bool TableExists(const std::string& table) override;
  std::vector<std::string> TableColumns(const std::string& table) override;
  void CreateSourceTable(const std::string& table, const std::vector<ColumnSpec>& columns,
                         const std::string& key) override;
  // Buffers the batches; Commit is one InsertRows call.
  std::unique_ptr<RowInserter> BeginInsert(const std::string& table,
                                           const std::vector<std::string>& columns) override;
  void InsertRows(const std::string& table, const RowBatch& batch) override;
  std::int64_t CountRows(const std::string& table) override;
  std::optional<std::int64_t> MaxKey(const std::string& table, const std::string& key) override;
  void ScanTable(const std::string& table, const std::string& key,
                 const std::vector<std::string>& columns,
                 const std::optional<std::string>& where_not_null, std::size_t batch_size,
                 const std::function<void(const RowBatch&)>& sink) override;
  void EnsureResultsSchema() override;
  bool HasUnscoredRows(const std::string& model_version) override;
  std::int64_t CountUnscoredRows(const std::string& model_version) override;
  std::unique_ptr<UnscoredRowReader> ReadUnscored(
      const std::string& model_version, std::optional<std::int64_t> after_key,
      std::optional<std::int64_t> up_to_key = std::nullopt) override;
  UnkeyedRows CountUnkeyedRows() override;
  std::string ColumnSqlType(const std::string& table, const std::string& column) override;
  void CheckScoringAccess() override;
  BatchWriteResult WriteBatch(std::int64_t run_id, const std::string& model_version,
                              double threshold, const std::vector<Prediction>& predictions,
                              const std::vector<Rejection>& rejections,
                              const std::vector<PredictionReason>& reasons = {}) override;
  std::int64_t BeginRun(const RunRecord& run) override;
  void FinishRun(std::int64_t run_id, const RunRecord& run) override;
  std::vector<std::string> ResultsSources() override;
  std::optional<RunDrift> ReadRunDrift(std::optional<std::int64_t> run_id) override;
  std::int64_t MarkAbandonedRuns() override;
  std::int64_t ForgetRejections(const std::string& model_version) override;
  RelabelResult Relabel(std::int64_t run_id, const std::string& model_version,
                        const Decision& decision) override;
  std::unique_ptr<ScorerLock> TryLockScorer(bool wait, std::chrono::milliseconds timeout,
                                            const std::function<bool()>& stop) override;
  // Shared by any number of workers; excluded by (and excluding) TryLockScorer's lock.
  std::unique_ptr<ScorerLock> TryLockScorerShared(bool wait, std::chrono::milliseconds timeout,
                                                  const std::function<bool()>& stop) override;
  // The leases, shared by every connection (see fakes/fake_leases.h).
  LeaseStore* Leases() override;
  FakeLeaseStore& FakeLeases() const;
  RowBatch Query(const std::string& sql) override;
  // Retention and the last check (issue 15): as the SQL backends, without batches or partitions.
  std::vector<StoredVersion> StoredVersions() override;
  PruneResult PruneVersion(const std::string& model_version, std::int64_t batch_keys,
                           const std::string& kept_versions) override;
  void RecordCheck(const std::string& model_version, std::optional<std::int64_t> run_id,
                   std::int64_t rows_found) override;

  // --- Segmentation (bankscore segment) ------------------------------------------------------
  // Kept like the SQL tables: assignments keyed by (version, key) with ON CONFLICT DO NOTHING,
  // the current segmentation the last one activated, SummarizeSegments joining the source table
  // and each key's latest prediction (the highest run id). These calls are outside FailNext,
  // BeforeCall and Calls; their own controls follow.
  void EnsureSegmentsSchema() override;
  bool ActivateSegmentation(const SegmentationRecord& record) override;
  std::optional<SegmentationRecord> CurrentSegmentation() override;
  RowBatch ReadUnsegmented(const std::string& version, const std::vector<std::string>& columns,
                           std::optional<std::int64_t> after_key, std::size_t limit) override;
  std::int64_t WriteSegments(const std::string& version,
                             const std::vector<SegmentAssignment>& rows) override;
  std::vector<SegmentStats> SummarizeSegments(const std::string& version,
                                              const std::vector<std::string>& numeric,
                                              const std::vector<std::string>& categorical) override;
  void WriteSegmentProfiles(const std::string& version,
                            const std::vector<SegmentProfileRow>& profiles) override;
  std::vector<SegmentProfileRow> ReadSegmentProfiles(const std::string& version) override;
  std::vector<SegmentAssignment> FindSegments(const std::string& version,
                                              const std::vector<std::int64_t>& keys) override;

  // Segment controls and inspection: WriteSegments calls so far; after `successful` more
  // WriteSegments calls the next one throws a transient DatabaseError and writes nothing; every
  // stored assignment of `version`, in key order; the stored segmentations, by version.
  int SegmentWrites() const;
  void FailSegmentWriteAfter(int successful);
  std::vector<SegmentAssignment> StoredSegments(const std::string& version) const;
  std::vector<std::string> SegmentationVersions() const;
  // --- Serving (issue 13). Times are not modelled: started_at and finished_at are empty,
  // started_unix is the run id, durations and finish times are absent. -------------------------
  std::optional<PredictionRecord> LatestPrediction(std::int64_t key) override;
  std::vector<RunInfo> RecentRuns(std::size_t limit) override;
  std::vector<RunTotals> TotalsByRunStatus() override;
  std::vector<std::int64_t> ScoreHistogram(std::int64_t run_id, int bins) override;

 private:
  struct Store;  // the shared database, defined in fake_database.cc
  struct Table;
  class Lock;
  class SharedLock;

  FakeDatabase(std::shared_ptr<Store> store, const Config& config);
  // The source keys for FakeLeaseStore: every integer key of `source`, whether it is unscored.
  static std::vector<std::pair<std::int64_t, bool>> LeaseKeys(Store& store,
                                                              const SourceConfig& source,
                                                              const std::string& version);

  // Counts the call, runs its hook and throws a pending fault. Returns true when the call must
  // do its work and then throw (kCommitThenLoseConnection).
  static bool Enter(Store& store, Method method);
  // Enter, then `op` under the lock, then the lost connection if one was injected.
  class Reader;
  template <typename Op>
  auto Call(Method method, Op&& op);
  // The unscored rows (key, features) of the source table; the lock is held.
  std::vector<std::pair<std::int64_t, std::vector<Value>>> UnscoredRows(
      const std::string& model_version, std::optional<std::int64_t> after_key,
      std::optional<std::int64_t> up_to_key = std::nullopt) const;

  // Helpers for `op`s; the lock is held.
  Table& TableOrThrow(const std::string& table) const;
  void RequireResultsSchema() const;
  std::vector<std::size_t> ColumnIndices(const Table& table,
                                         const std::vector<std::string>& columns) const;

  std::shared_ptr<Store> store_;
  const Config config_;
};

const char* MethodName(FakeDatabase::Method method);

}  // namespace bankscore::testing
