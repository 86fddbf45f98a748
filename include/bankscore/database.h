// The database interface: everything bankscore reads from or writes to a bank's database.
//
// Two implementations exist (SQLite and PostgreSQL, created by OpenDatabase); loading, training and
// scoring only ever talk to this interface. All table and column names come from a validated Config
// and are quoted; all values are bound parameters. Each write method is one transaction: it either
// commits completely or leaves nothing behind, and throws DatabaseError. A DatabaseError with
// transient() == true (lost connection) may be retried by the caller after reconnecting, which the
// implementation does by itself on the next call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/columnar_batch.h"
#include "bankscore/config.h"
#include "bankscore/decision.h"
#include "bankscore/value.h"

namespace spdlog {
class logger;
}

namespace bankscore {

// The unscored rows of one model version as a stream, in key order, read through a connection
// (and snapshot) of its own so that batches can be written while it reads. Only rows whose key is
// an integer are returned; the rest are counted by Database::CountUnkeyedRows. Throws
// DatabaseError; after a transient one, open a new reader after the last key received.
class UnscoredRowReader {
 public:
  virtual ~UnscoredRowReader() = default;
  // Appends the next rows (at most `max_rows`) to `batch`, whose columns must be the feature
  // columns of SourceConfig::FeatureColumns() in that order (see ColumnarBatch::Reset). Returns
  // false once no rows are left (then nothing was appended).
  virtual bool Next(ColumnarBatch& batch, std::size_t max_rows) = 0;
};

// Source rows whose key cannot be used: NULL, or (SQLite, where any cell can hold anything) not
// an integer, such as 'seven' or 1.5.
struct UnkeyedRows {
  std::int64_t null_keys = 0;
  std::int64_t non_integer_keys = 0;
  std::vector<std::string> examples;  // a few non-integer keys, quoted as SQL literals
};

struct Prediction {
  std::int64_t key = 0;
  double probability = 0.0;  // calibrated: the model's estimate that the row is a positive
  int label = 0;
  // The booster's output before calibration; NaN (stored as NULL) when unknown.
  double raw_score = std::numeric_limits<double>::quiet_NaN();
  // Its reasons as one line, "poutcome=success (+1.21); nr.employed=5099.1 (+0.54)"; empty
  // (stored as NULL) when scoring.explain_top is 0.
  std::string top_reasons{};
};

// One of a prediction's top reasons: a source column's TreeSHAP contribution to its log-odds
// (its one-hot and sentinel indicators summed into it). Rank 1 has the largest |contribution|.
struct PredictionReason {
  std::int64_t key = 0;
  int rank = 0;                      // 1..scoring.explain_top
  std::string feature;               // the source column, e.g. "poutcome"
  std::optional<std::string> value;  // the row's value as text; nullopt for NULL
  double contribution = 0.0;         // signed, in log-odds
};

struct Rejection {
  std::int64_t key = 0;
  std::string reason;
};

// What one committed batch changed. Counts are rows actually inserted (a row already present for
// the model version is skipped, never duplicated).
struct BatchWriteResult {
  std::int64_t predictions_inserted = 0;
  std::int64_t rejections_inserted = 0;
  std::int64_t positives_inserted = 0;  // inserted predictions with label 1
};

// What a relabel changed, for the record of its run.
struct RelabelResult {
  std::int64_t rows_relabeled = 0;   // predictions whose threshold differed and was replaced
  std::int64_t labels_changed = 0;   // of those, how many changed label
  std::int64_t positives_after = 0;  // of those, how many are now label 1
  std::string previous_thresholds;   // e.g. "0.5 (41000 rows), 0.3 (188 rows)"
};

// One column's drift in one scoring run (table results.drift_table, README "Drift").
struct DriftRow {
  std::string column;  // a source feature column, or "(probability)"
  double psi = 0.0;    // Population Stability Index against the model's training profile
  std::optional<std::string> status;  // ok, warn, alert; nullopt below monitoring.min_rows rows
  std::int64_t rows = 0;              // rows the run scored
};

// A run's drift rows as `bankscore drift` shows them.
struct RunDrift {
  std::int64_t run_id = 0;
  std::string model_version;
  std::string status;             // the run's status (succeeded, failed, ...)
  std::string message;            // the run's message
  std::vector<DriftRow> columns;  // worst (highest PSI) first; empty when none were recorded
};

// What BeginRun and FinishRun write about a run. Its row counts are not here: WriteBatch and
// Relabel add them in the transactions that write the rows.
struct RunRecord {
  std::string kind = "score";  // "score" or "relabel"
  std::string model_version;
  double threshold = 0.5;
  std::string status = "running";  // running, succeeded, failed, interrupted, abandoned
  std::string message;             // failure reason or a note
  std::string source_table;        // "table(key)": written by BeginRun
  // Written by FinishRun: what the run met that training never saw.
  std::int64_t unseen_categories = 0;      // cells of a category not seen in training
  std::int64_t out_of_training_range = 0;  // values beyond the training range by > its width
  std::string column_counts;               // JSON: both counts per column; "" for none
  // Written by FinishRun, in its transaction, into results.drift_table (score runs only; empty
  // when the model has no drift reference).
  std::vector<DriftRow> drift;
  // Leased scoring (--workers): the worker that ran it, the key ranges it claimed and how many of
  // those it took over from a worker whose heartbeat had stopped. Written by BeginRun (worker)
  // and FinishRun; the SQLite backend, which has no workers, leaves them empty.
  std::string worker;
  std::int64_t leases_claimed = 0;
  std::int64_t lease_takeovers = 0;
};

// An exclusive "one scorer at a time" lock; released when destroyed or when the process dies.
class ScorerLock {
 public:
  virtual ~ScorerLock() = default;
  // Confirms the lock is still held before a write. A PostgreSQL advisory lock is released by the
  // server when its connection drops; it is then taken again if it is free. Throws DatabaseError:
  // transient when the server cannot be reached to check, not transient when another scorer
  // holds the lock now (the run must stop).
  virtual void EnsureHeld() = 0;
  // Marks run `run_id` as alive for as long as this lock is held, so that another worker's
  // MarkAbandonedRuns leaves it alone (PostgreSQL: an advisory lock per run on the lock's
  // connection). A no-op where only one scorer runs at a time.
  virtual void HoldRun(std::int64_t /*run_id*/) {}
};

// One claimed range of source keys, lo..hi inclusive, of one model version.
struct KeyLease {
  std::int64_t lease_id = 0;
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  bool taken_over = false;      // it was claimed by a worker whose heartbeat had stopped
  std::string previous_worker;  // that worker, when taken_over
};

// The leases of `bankscore score/run --workers N` (PostgreSQL): the unscored key space of a model
// version cut into ranges that workers claim one at a time (FOR UPDATE SKIP LOCKED), so several
// workers in several processes or hosts score one table together. Leases only share out the
// work: exactly-once per (key, model version) is still the predictions' primary key and the
// batch's transaction, so a range scored twice after a takeover writes nothing twice. Every
// method is one short transaction on the caller's connection and throws DatabaseError.
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  // Adds ranges of about `rows_per_lease` source keys for the keys above every range planned so
  // far, and reopens finished ranges that hold unscored rows again (rows loaded later, rejections
  // forgotten). Planners are serialised, so two workers never plan the same keys. Returns the
  // ranges added or reopened.
  virtual std::int64_t PlanLeases(const std::string& model_version,
                                  std::int64_t rows_per_lease) = 0;
  // Claims the first open range of `model_version`, or a claimed one whose heartbeat is older
  // than `timeout` (a takeover, counted in the range's row); nullopt when none is left.
  virtual std::optional<KeyLease> ClaimLease(const std::string& model_version,
                                             const std::string& worker,
                                             std::chrono::milliseconds timeout) = 0;
  // Renews the heartbeat of a range `worker` holds; false when it no longer holds it (taken over).
  virtual bool Heartbeat(std::int64_t lease_id, const std::string& worker) = 0;
  // Marks a range `worker` holds as done (nothing of it is left unscored).
  virtual void FinishLease(std::int64_t lease_id, const std::string& worker) = 0;
  // Gives a range back unfinished (the worker stops), so another worker claims it at once.
  virtual void ReleaseLease(std::int64_t lease_id, const std::string& worker) = 0;
};

// Rows going into one table in one transaction: Write any number of batches (each with the
// columns given to BeginInsert), then Commit. Destroyed without Commit, nothing stays.
class RowInserter {
 public:
  virtual ~RowInserter() = default;
  virtual void Write(const RowBatch& batch) = 0;
  virtual void Commit() = 0;
};

// --- Segmentation (bankscore segment) ------------------------------------------------------------

// One fitted segmentation as stored in segmentation.models_table. The JSON texts are the model
// layer's (the encoder and centroids; how k was chosen and the PCA picture); the database only
// keeps them.
struct SegmentationRecord {
  std::string version;  // content-derived, e.g. "k4-9bd8bf0e1a2c"
  int k = 0;
  std::int64_t rows_fitted = 0;
  double silhouette = 0;  // mean silhouette of the chosen k
  std::string features;   // the columns it reads, comma-separated (for people)
  // The source it was fitted on and assigns, "table(key)" (SourceConfig::Identity): one source
  // per segmentation tables, as for the results tables.
  std::string source_table;
  std::string model_json;
  std::string diagnostics_json;
  std::string fitted_at;  // set by the database when first stored; ISO 8601 text when read
};

// A source row's segment in one segmentation version.
struct SegmentAssignment {
  std::int64_t key = 0;
  int segment = 0;      // 1..k
  double distance = 0;  // Euclidean distance to the segment's centroid (standardised space)
};

// Aggregates of one segment over the source rows assigned to it (SummarizeSegments).
struct SegmentStats {
  int segment = 0;
  std::int64_t rows = 0;
  // Labels classified as LabelRule does (source.positive_label, .negative_labels,
  // .label_case_insensitive): a value that is neither counts as unlabelled.
  std::int64_t labelled = 0;   // rows with a positive or negative label
  std::int64_t positives = 0;  // rows with the positive label
  std::int64_t predicted = 0;  // rows with a prediction in results.latest_view
  double probability_sum = 0;  // sum of those predictions' probabilities
  // Per requested numeric column: number and sum of its numeric values (NULL, text, the
  // column's source.sentinels value and values outside its source.ranges left out).
  std::vector<std::int64_t> numeric_count;
  std::vector<double> numeric_sum;
  // Per requested categorical column: rows per value, as text ("" keys NULL cells).
  std::vector<std::map<std::string, std::int64_t>> category_counts;
};

// One row of segmentation.profiles_table.
struct SegmentProfileRow {
  int segment = 0;
  std::int64_t size = 0;
  double share = 0;  // of all assigned rows
  std::optional<double> positive_rate;
  std::optional<double> mean_probability;
  std::string profile_json;  // per column: mean, or top category and its share
  std::string description;   // one line for people
};

// --- Serving (issue 13): what the HTTP service of `bankscore serve` reads ----------------------

// One stored prediction, as the latest-predictions view shows it.
struct PredictionRecord {
  std::int64_t key = 0;
  std::string model_version;
  double probability = 0.0;
  int label = 0;
  double threshold = 0.0;
  std::int64_t run_id = 0;
  std::string scored_at;     // ISO 8601 UTC, "2026-11-22T10:15:00.123Z"
  std::string relabeled_at;  // the same form; empty when never relabeled
};

// One row of the runs table, with its times also as numbers for charts and metrics.
struct RunInfo {
  std::int64_t run_id = 0;
  std::string kind;  // score, relabel
  std::string status;
  std::string model_version;
  double threshold = 0.0;
  std::string started_at;                  // ISO 8601 UTC
  std::string finished_at;                 // empty while running (or if the process died)
  double started_unix = 0.0;               // started_at as seconds since 1970 (UTC)
  std::optional<double> duration_seconds;  // finished_at - started_at
  std::int64_t rows_read = 0;
  std::int64_t rows_scored = 0;
  std::int64_t rows_rejected = 0;
  std::int64_t rows_positive = 0;
  std::string message;
  // What the run met that training never saw (RunRecord), written when it finished.
  std::int64_t unseen_categories = 0;
  std::int64_t out_of_training_range = 0;
  std::string column_counts;  // JSON per column, "" for none
};

// The runs of one kind and status, summed (the /metrics counters).
struct RunTotals {
  std::string kind;
  std::string status;
  std::int64_t runs = 0;
  std::int64_t rows_scored = 0;
  std::int64_t rows_rejected = 0;
  std::int64_t rows_positive = 0;
  std::optional<double> last_finished_unix;  // the latest finished_at, seconds since 1970
};

// --- Retention (bankscore prune) -------------------------------------------------------------

// A model version with results in the results tables, as `bankscore prune` sees it.
struct StoredVersion {
  std::string model_version;
  // Its first score run (scoring_runs.run_id): the order of "newest". 0 when it has rows but no
  // score run (never written by bankscore).
  std::int64_t first_run_id = 0;
  std::int64_t predictions = 0;  // rows in results.table
  std::int64_t reasons = 0;      // rows in results.reasons_table
  std::int64_t rejections = 0;   // rows in results.rejected_table
};

// What Database::PruneVersion removed.
struct PruneResult {
  std::int64_t predictions = 0;
  std::int64_t reasons = 0;
  std::int64_t rejections = 0;
  bool dropped_partitions = false;  // PostgreSQL with results.partition_by
};

class Database {
 public:
  virtual ~Database() = default;

  // "sqlite" or "postgres", for logs.
  virtual std::string BackendName() const = 0;

  // --- Source table --------------------------------------------------------------------------
  virtual bool TableExists(const std::string& table) = 0;
  // Column names of `table` in table order. Throws DatabaseError if it does not exist.
  virtual std::vector<std::string> TableColumns(const std::string& table) = 0;
  // Creates the source table if it does not exist; `key` becomes its primary key.
  virtual void CreateSourceTable(const std::string& table, const std::vector<ColumnSpec>& columns,
                                 const std::string& key) = 0;
  // Starts inserting rows into `columns` of `table`, in one transaction (bulk: COPY on
  // PostgreSQL, one prepared statement on SQLite).
  virtual std::unique_ptr<RowInserter> BeginInsert(const std::string& table,
                                                   const std::vector<std::string>& columns) = 0;
  // One batch in one transaction.
  virtual void InsertRows(const std::string& table, const RowBatch& batch) = 0;
  // Number of rows in `table`.
  virtual std::int64_t CountRows(const std::string& table) = 0;
  // Largest value of the integer column `key` in `table`, nullopt when the table is empty.
  virtual std::optional<std::int64_t> MaxKey(const std::string& table, const std::string& key) = 0;
  // Calls `sink` with successive batches of at most `batch_size` rows of `columns` (the key column
  // first, then the others), ordered by key, optionally only rows where `where_not_null` is not
  // NULL. Used for training and reports.
  virtual void ScanTable(const std::string& table, const std::string& key,
                         const std::vector<std::string>& columns,
                         const std::optional<std::string>& where_not_null, std::size_t batch_size,
                         const std::function<void(const RowBatch&)>& sink) = 0;

  // --- Results tables --------------------------------------------------------------------------
  // Applies the DDL from sql/<backend>/ for the configured result tables (idempotent).
  virtual void EnsureResultsSchema() = 0;
  // True when some source row with an integer key has neither a prediction nor a rejection for
  // `model_version`: one query, so a run with nothing to do costs almost nothing.
  virtual bool HasUnscoredRows(const std::string& model_version) = 0;
  // How many such rows there are (a scan: called only when there is something to score, so a
  // run's progress can say how much is left).
  virtual std::int64_t CountUnscoredRows(const std::string& model_version) = 0;
  // The source rows with an integer key above `after_key` (all when nullopt) that have neither a
  // prediction nor a rejection for `model_version`, in key order.
  // With `up_to_key`, only keys up to it (a leased range). (The default argument is for callers
  // that read everything; every override repeats it.)
  virtual std::unique_ptr<UnscoredRowReader> ReadUnscored(
      const std::string& model_version, std::optional<std::int64_t> after_key,
      std::optional<std::int64_t> up_to_key = std::nullopt) = 0;
  // Source rows without a usable key: they are never scored, and each run reports them.
  virtual UnkeyedRows CountUnkeyedRows() = 0;
  // The declared SQL type of a column ("bigint", "TEXT"; "" when SQLite has none). Throws
  // DatabaseError if the table or column does not exist.
  virtual std::string ColumnSqlType(const std::string& table, const std::string& column) = 0;
  // Refuses, with a DatabaseError naming every missing privilege, a session that could not write
  // a run's results (read the source; read and insert predictions and rejections; insert and
  // update runs). Called before a run is recorded, so a role without write access writes nothing.
  virtual void CheckScoringAccess() = 0;
  // Writes predictions, rejections and the predictions' reasons of one batch and adds what it
  // inserted to the run's totals, in one transaction. A (key, model_version) already present is
  // skipped, and so are its reasons: a replayed batch writes nothing twice. (The default
  // argument is for callers that store no reasons; every override repeats it.)
  virtual BatchWriteResult WriteBatch(std::int64_t run_id, const std::string& model_version,
                                      double threshold, const std::vector<Prediction>& predictions,
                                      const std::vector<Rejection>& rejections,
                                      const std::vector<PredictionReason>& reasons = {}) = 0;

  // --- Runs ----------------------------------------------------------------------------------
  // Inserts a run row (committed at once, so a crash leaves a trace) and returns its id.
  virtual std::int64_t BeginRun(const RunRecord& run) = 0;
  // Sets status, threshold, message, the unseen/out-of-range counts and finished_at of a run, and
  // inserts its drift rows, in one transaction.
  // Its row counts are not touched: they are added by WriteBatch (or Relabel) in the transaction
  // that wrote the rows, so they stay exact even when the process dies or the end of the run
  // cannot be recorded.
  virtual void FinishRun(std::int64_t run_id, const RunRecord& run) = 0;
  // The drift rows of run `run_id`, or without it of the latest run that has any (else the latest
  // score run, with none). nullopt when there is no such run.
  virtual std::optional<RunDrift> ReadRunDrift(std::optional<std::int64_t> run_id) = 0;
  // The sources (RunRecord::source_table) earlier runs recorded in these results tables.
  virtual std::vector<std::string> ResultsSources() = 0;
  // Marks runs still 'running' as 'abandoned' (their process died). Call only while holding the
  // scorer lock. Returns how many were marked.
  virtual std::int64_t MarkAbandonedRuns() = 0;
  // Deletes the rejections of `model_version`, so the next read delivers their rows again
  // (bankscore score --retry-rejected, after the rows were corrected). Call only while holding the
  // scorer lock. Returns how many were deleted.
  virtual std::int64_t ForgetRejections(const std::string& model_version) = 0;
  // Relabels the stored predictions of `model_version` whose threshold differs, from their stored
  // probability, and records what changed in run `run_id` (rows_read = rows_scored = rows
  // relabeled, rows_positive = those now positive, message = previous thresholds and labels
  // changed). One transaction.
  virtual RelabelResult Relabel(std::int64_t run_id, const std::string& model_version,
                                const Decision& decision) = 0;

  // Takes the scorer lock. With `wait`, blocks up to `timeout`, or until `stop` (may be null)
  // returns true; returns nullptr if not acquired.
  virtual std::unique_ptr<ScorerLock> TryLockScorer(bool wait, std::chrono::milliseconds timeout,
                                                    const std::function<bool()>& stop) = 0;
  // The scorer lock shared by the workers of `--workers N` (any number of them hold it at once,
  // and TryLockScorer waits for all of them) and the leases they claim; nullptr where the backend
  // has no leases (SQLite: one scorer at a time).
  virtual std::unique_ptr<ScorerLock> TryLockScorerShared(bool /*wait*/,
                                                          std::chrono::milliseconds /*timeout*/,
                                                          const std::function<bool()>& /*stop*/) {
    return nullptr;
  }
  virtual LeaseStore* Leases() { return nullptr; }

  // --- Retention and the last check (issue 15) -------------------------------------------------
  // Every model version with a score run or a row in the predictions, reasons or rejections
  // tables, with its row counts (one scan of each table), oldest first (by first score run).
  virtual std::vector<StoredVersion> StoredVersions() = 0;
  // Removes the predictions, reasons and rejections of `model_version`: a partitioned table's
  // partition of it is dropped (PostgreSQL, results.partition_by), the rest deleted in
  // transactions of at most `batch_keys` source keys each (a range of the primary keys' first
  // column), so no lock is held for long. Then records what it removed in results.prunes_table
  // (with `kept_versions`, for the record), unless nothing was removed. Idempotent; an interrupted
  // call leaves whole batches removed and the rest for the next call. Throws DatabaseError.
  virtual PruneResult PruneVersion(const std::string& model_version, std::int64_t batch_keys,
                                   const std::string& kept_versions) = 0;
  // Upserts the last-check row of `model_version` (results.checks_table): checked now, finding
  // `rows_found` unscored rows; `run_id` is the run started for them (nullopt: none, the last
  // run id stays).
  virtual void RecordCheck(const std::string& model_version, std::optional<std::int64_t> run_id,
                           std::int64_t rows_found) = 0;
  // Before the first run of `model_version`: creates its partitions where the results tables are
  // partitioned (PostgreSQL, results.partition_by); a no-op otherwise or when they exist. Throws
  // DatabaseError naming the fix when the role may not create them (run init-db as the owner).
  virtual void EnsureVersionPartition(const std::string& /*model_version*/) {}

  // Runs a read-only query for display (the demo's "show results"); values as text.
  virtual RowBatch Query(const std::string& sql) = 0;

  // --- Segmentation (bankscore segment) --------------------------------------------------------
  // Names come from config.segmentation. Every write is one transaction.

  // Applies the DDL of sql/<backend>/segments.sql (idempotent). Needs the results schema: its
  // view joins results.latest_view.
  virtual void EnsureSegmentsSchema() = 0;
  // Stores `record` unless its version is there already, and makes it the current segmentation
  // (the one --assign, the view and lookups use). Returns true when the version was new.
  virtual bool ActivateSegmentation(const SegmentationRecord& record) = 0;
  // The current segmentation (the last one activated); nullopt when there is none.
  virtual std::optional<SegmentationRecord> CurrentSegmentation() = 0;
  // Up to `limit` source rows with an integer key above `after_key` (all when nullopt) and no
  // segment in `version`, in key order: the key column first, then `columns`. One query per
  // call (keyset pagination), so a caller's memory stays at one batch.
  virtual RowBatch ReadUnsegmented(const std::string& version,
                                   const std::vector<std::string>& columns,
                                   std::optional<std::int64_t> after_key, std::size_t limit) = 0;
  // Inserts one batch of assignments; a (key, version) already present is skipped. Returns the
  // rows inserted.
  virtual std::int64_t WriteSegments(const std::string& version,
                                     const std::vector<SegmentAssignment>& rows) = 0;
  // Per segment of `version` (ordered by segment): counts, label and prediction aggregates, and
  // the sums and category counts of the given source columns, over the rows assigned to it.
  virtual std::vector<SegmentStats> SummarizeSegments(
      const std::string& version, const std::vector<std::string>& numeric,
      const std::vector<std::string>& categorical) = 0;
  // Replaces the profiles of `version` with `profiles`.
  virtual void WriteSegmentProfiles(const std::string& version,
                                    const std::vector<SegmentProfileRow>& profiles) = 0;
  // The profiles of `version`, ordered by segment.
  virtual std::vector<SegmentProfileRow> ReadSegmentProfiles(const std::string& version) = 0;
  // The stored segments of those of `keys` that have one in `version` (in key order).
  virtual std::vector<SegmentAssignment> FindSegments(const std::string& version,
                                                      const std::vector<std::int64_t>& keys) = 0;
  // --- Serving (issue 13): read-only queries of the HTTP service, one statement each ----------
  // The newest prediction of source key `key` (the highest run id, whatever the model version,
  // as latest_view shows it); nullopt when the key has none.
  virtual std::optional<PredictionRecord> LatestPrediction(std::int64_t key) = 0;
  // The `limit` newest runs, newest first.
  virtual std::vector<RunInfo> RecentRuns(std::size_t limit) = 0;
  // Every run summed per kind and status, ordered by kind then status.
  virtual std::vector<RunTotals> TotalsByRunStatus() = 0;
  // How the probabilities of the predictions run `run_id` wrote fall into `bins` equal-width bins
  // over [0, 1] (1 falls in the last): `bins` counts.
  virtual std::vector<std::int64_t> ScoreHistogram(std::int64_t run_id, int bins) = 0;
};

// Opens the configured backend. Throws DatabaseError (message names the file, or host/port/dbname,
// never the password) if it cannot connect, and ConfigError naming database.path and the fix if
// the SQLite file does not exist (a typo must not create an empty database).
std::unique_ptr<Database> OpenDatabase(const Config& config, spdlog::logger& log);
// The same, but creates a missing SQLite file (and its directory): for `load` and `init-db`.
std::unique_ptr<Database> OpenOrCreateDatabase(const Config& config, spdlog::logger& log);

// Quotes an identifier for SQL ("name", with embedded quotes doubled).
std::string QuoteIdentifier(const std::string& name);

}  // namespace bankscore
