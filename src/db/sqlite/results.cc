#include "db/sqlite/results.h"

#include <unistd.h>

#include <sqlite3.h>

#include <algorithm>
#include <array>

#include "bankscore/error.h"
#include "common/clock.h"
#include "db/sql_text.h"

namespace bankscore::internal::sqlite {
namespace {

// Predictions go in multi-row INSERTs: one statement of 1,000 rows costs a third less CPU than
// 1,000 single-row ones (the cursors open once; a million predictions, 1.37 against 2.10 CPU s).
// A batch is written in the largest of these that fit, so any batch size takes at most 9
// statements of each smaller size. Without RETURNING (which cost 0.4 of those seconds): the
// number of rows a statement inserted says whether each was new.
constexpr std::array<int, 4> kPredictionsPerInsert = {1000, 100, 10, 1};
// ?1..?4 are the batch's (model_version, threshold, run_id, scored_at); then 5 per prediction.
constexpr int kSharedParameters = 4;
constexpr int kParametersPerPrediction = 5;

std::string InsertPredictionsSql(const ResultsConfig& results, int rows) {
  std::string sql = "INSERT INTO " + QuoteIdentifier(results.table) +
                    " (model_version, threshold, run_id, scored_at, source_key, probability,"
                    " label, raw_score, top_reasons) VALUES ";
  for (int row = 0; row < rows; ++row) {
    const int p = kSharedParameters + row * kParametersPerPrediction;
    if (row > 0) sql += ", ";
    sql += "(?1, ?2, ?3, ?4, ?" + std::to_string(p + 1) + ", ?" + std::to_string(p + 2) + ", ?" +
           std::to_string(p + 3) + ", ?" + std::to_string(p + 4) + ", ?" + std::to_string(p + 5) +
           ")";
  }
  return sql + " ON CONFLICT DO NOTHING";
}

// The sizes of kPredictionsPerInsert that this SQLite's limit on parameters allows (and 1).
std::vector<int> PredictionsPerInsert(Connection& db) {
  const int limit = sqlite3_limit(db.handle(), SQLITE_LIMIT_VARIABLE_NUMBER, -1);
  std::vector<int> sizes;
  for (const int rows : kPredictionsPerInsert) {
    if (rows == 1 || kSharedParameters + rows * kParametersPerPrediction <= limit) {
      sizes.push_back(rows);
    }
  }
  return sizes;
}

}  // namespace

struct ResultStatements::BatchStatements {
  BatchStatements(Connection& db, const ResultsConfig& results)
      : reason(db,
               "INSERT INTO " + QuoteIdentifier(results.reasons_table) +
                   " (source_key, model_version, rank, feature, value, contribution)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
               "insert prediction reasons"),
        rejection(db,
                  "INSERT INTO " + QuoteIdentifier(results.rejected_table) +
                      " (source_key, model_version, run_id, reason)"
                      " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                  "insert rejected rows"),
        totals(db,
               "UPDATE " + QuoteIdentifier(results.runs_table) +
                   " SET rows_read = rows_read + ?1, rows_scored = rows_scored + ?2,"
                   " rows_rejected = rows_rejected + ?3, rows_positive = rows_positive + ?4,"
                   " threshold = ?5 WHERE run_id = ?6",
               "update run totals") {
    for (const int rows : PredictionsPerInsert(db)) {
      predictions.push_back({static_cast<std::size_t>(rows),
                             std::make_unique<Statement>(db, InsertPredictionsSql(results, rows),
                                                         "insert predictions")});
    }
  }

  struct MultiRowInsert {
    std::size_t rows;
    std::unique_ptr<Statement> statement;
  };
  std::vector<MultiRowInsert> predictions;  // largest first, down to a single row
  Statement reason;
  Statement rejection;
  Statement totals;
};

ResultStatements::ResultStatements(Connection& db, const Config& config)
    : db_(db), config_(config) {}

ResultStatements::~ResultStatements() = default;

ResultStatements::BatchStatements& ResultStatements::Prepared() {
  if (!prepared_) prepared_ = std::make_unique<BatchStatements>(db_, config_.results);
  return *prepared_;
}

BatchWriteResult ResultStatements::WriteBatch(std::int64_t run_id, const std::string& model_version,
                                              double threshold,
                                              const std::vector<Prediction>& predictions,
                                              const std::vector<Rejection>& rejections,
                                              const std::vector<PredictionReason>& reasons) {
  // Nearly always every prediction of a batch is new. When one was stored already (a batch
  // replayed after a lost COMMIT acknowledgement), that transaction is rolled back and the batch
  // written again a row at a time, so that only the new rows are counted and get reasons.
  for (const bool all_new : {true, false}) {
    BatchWriteResult result;
    Transaction tx(db_);
    if (!InsertPredictions(run_id, model_version, threshold, predictions, all_new, result)) {
      continue;
    }
    InsertReasons(model_version, reasons);
    InsertRejections(run_id, model_version, rejections, result);
    AddRunTotals(run_id, threshold, result);
    tx.Commit();
    return result;
  }
  throw DatabaseError("writing a batch row by row left rows uncounted");  // cannot happen
}

bool ResultStatements::InsertPredictions(std::int64_t run_id, const std::string& model_version,
                                         double threshold,
                                         const std::vector<Prediction>& predictions, bool all_new,
                                         BatchWriteResult& result) {
  inserted_.clear();
  auto& inserts = Prepared().predictions;
  // One timestamp per batch (they commit together), not a strftime() per row.
  const std::string scored_at = UtcTimestampMillis();
  for (auto& insert : inserts) {
    insert.statement->Bind(1, model_version);
    insert.statement->Bind(2, threshold);
    insert.statement->Bind(3, run_id);
    insert.statement->Bind(4, scored_at);
  }
  bool counted = true;
  for (std::size_t next = 0; counted && next < predictions.size();) {
    const std::size_t left = predictions.size() - next;
    const auto insert = all_new ? std::find_if(inserts.begin(), inserts.end(),
                                               [&](const auto& i) { return i.rows <= left; })
                                : std::prev(inserts.end());  // a row at a time
    Statement& s = *insert->statement;
    for (std::size_t row = 0; row < insert->rows; ++row) {
      const Prediction& p = predictions[next + row];
      const int first = kSharedParameters + static_cast<int>(row) * kParametersPerPrediction;
      s.Bind(first + 1, p.key);
      s.Bind(first + 2, p.probability);
      s.Bind(first + 3, static_cast<std::int64_t>(p.label));
      s.Bind(first + 4, p.raw_score);  // SQLite stores NaN as NULL
      s.Bind(first + 5, p.top_reasons.empty() ? Value{} : Value{p.top_reasons});
    }
    s.Step();
    s.Rewind();
    // Counted as inserted only when new: a batch replayed after a lost COMMIT acknowledgement
    // inserts nothing and adds nothing to the run's totals. Some rows of a multi-row INSERT new
    // and some not: which ones is not known, so the caller writes the batch again.
    const std::int64_t added = db_.Changes();
    if (added == static_cast<std::int64_t>(insert->rows)) {
      for (std::size_t row = next; row < next + insert->rows; ++row) {
        inserted_.push_back(predictions[row].key);
        result.positives_inserted += predictions[row].label;
      }
      result.predictions_inserted += added;
    }
    counted = added == static_cast<std::int64_t>(insert->rows) || insert->rows == 1;
    next += insert->rows;
  }
  for (auto& insert : inserts) insert.statement->Reset();
  return counted;
}

// Reasons only of the predictions inserted now: one that was there already keeps the reasons (or
// none) it was written with.
void ResultStatements::InsertReasons(const std::string& model_version,
                                     const std::vector<PredictionReason>& reasons) {
  if (reasons.empty()) return;
  std::sort(inserted_.begin(), inserted_.end());  // already sorted when in key order, as a run's
  Statement& s = Prepared().reason;
  s.Bind(2, model_version);
  for (const auto& r : reasons) {
    if (!std::binary_search(inserted_.begin(), inserted_.end(), r.key)) continue;
    s.Bind(1, r.key);
    s.Bind(3, static_cast<std::int64_t>(r.rank));
    s.Bind(4, r.feature);
    s.Bind(5, r.value ? Value{*r.value} : Value{});
    s.Bind(6, r.contribution);
    s.Step();
    s.Rewind();
  }
  s.Reset();
}

void ResultStatements::InsertRejections(std::int64_t run_id, const std::string& model_version,
                                        const std::vector<Rejection>& rejections,
                                        BatchWriteResult& result) {
  Statement& s = Prepared().rejection;
  s.Bind(2, model_version);
  s.Bind(3, run_id);
  for (const auto& r : rejections) {
    s.Bind(1, r.key);
    s.Bind(4, r.reason);
    s.Step();
    result.rejections_inserted += db_.Changes();
    s.Rewind();
  }
  s.Reset();
}

void ResultStatements::AddRunTotals(std::int64_t run_id, double threshold,
                                    const BatchWriteResult& result) {
  Statement& s = Prepared().totals;
  s.Bind(1, result.predictions_inserted + result.rejections_inserted);
  s.Bind(2, result.predictions_inserted);
  s.Bind(3, result.rejections_inserted);
  s.Bind(4, result.positives_inserted);
  s.Bind(5, threshold);
  s.Bind(6, run_id);
  s.Step();
  s.Reset();
}

void ResultStatements::EnsureResultsSchema() {
  Transaction tx(db_);
  db_.Exec(ResultsDdl("sqlite", config_.results), "create results tables");
  // Tables created by an earlier version lack the columns added since.
  for (const AddedColumn& added : AddedResultsColumns("sqlite", config_.results)) {
    Statement has(db_, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
                  "look up column " + added.column);
    has.Bind(1, added.table);
    has.Bind(2, added.column);
    if (has.Step()) continue;
    db_.Exec("ALTER TABLE " + QuoteIdentifier(added.table) + " ADD COLUMN " +
                 QuoteIdentifier(added.column) + " " + added.definition,
             "add column " + added.column + " to " + added.table);
  }
  tx.Commit();
}

std::int64_t ResultStatements::BeginRun(const RunRecord& run) {
  Statement s(db_,
              "INSERT INTO " + QuoteIdentifier(config_.results.runs_table) +
                  " (kind, model_version, threshold, status, message, pid, source_table)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
              "record run start");
  s.Bind(1, run.kind);
  s.Bind(2, run.model_version);
  s.Bind(3, run.threshold);
  s.Bind(4, run.status);
  s.Bind(5, run.message.empty() ? Value{} : Value{run.message});
  s.Bind(6, static_cast<std::int64_t>(getpid()));
  s.Bind(7, run.source_table.empty() ? Value{} : Value{run.source_table});
  s.Step();
  return db_.LastInsertRowid();
}

void ResultStatements::FinishRun(std::int64_t run_id, const RunRecord& run) {
  Transaction tx(db_);
  {
    Statement s(db_,
                "UPDATE " + QuoteIdentifier(config_.results.runs_table) +
                    " SET status = ?1, message = ?2, threshold = ?3,"
                    " finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), unseen_categories = ?5,"
                    " out_of_training_range = ?6, column_counts = ?7 WHERE run_id = ?4",
                "record run end");
    s.Bind(1, run.status);
    s.Bind(2, run.message.empty() ? Value{} : Value{run.message});
    s.Bind(3, run.threshold);
    s.Bind(4, run_id);
    s.Bind(5, run.unseen_categories);
    s.Bind(6, run.out_of_training_range);
    s.Bind(7, run.column_counts.empty() ? Value{} : Value{run.column_counts});
    s.Step();
  }
  if (!run.drift.empty()) InsertDrift(run_id, run);
  tx.Commit();
}

// The run's drift rows; a run's end recorded twice (a retry after a lost acknowledgement) keeps
// the rows of the first.
void ResultStatements::InsertDrift(std::int64_t run_id, const RunRecord& run) {
  Statement s(db_,
              "INSERT INTO " + QuoteIdentifier(config_.results.drift_table) +
                  " (run_id, model_version, column_name, psi, status, rows)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
              "record the run's drift");
  s.Bind(1, run_id);
  s.Bind(2, run.model_version);
  for (const DriftRow& d : run.drift) {
    s.Bind(3, d.column);
    s.Bind(4, d.psi);
    s.Bind(5, d.status ? Value{*d.status} : Value{});
    s.Bind(6, d.rows);
    s.Step();
    s.Rewind();
  }
}

std::optional<RunDrift> ResultStatements::ReadRunDrift(std::optional<std::int64_t> run_id) {
  const std::string runs = QuoteIdentifier(config_.results.runs_table);
  const std::string drift = QuoteIdentifier(config_.results.drift_table);
  // Without a run: the latest run with drift rows, else the latest score run.
  Statement find(db_,
                 "SELECT run_id, model_version, status, COALESCE(message, '') FROM " + runs +
                     " WHERE run_id = COALESCE(?1, (SELECT MAX(run_id) FROM " + drift +
                     "), (SELECT MAX(run_id) FROM " + runs + " WHERE kind = 'score'))",
                 "look up the run");
  find.Bind(1, run_id ? Value{*run_id} : Value{});
  if (!find.Step()) return std::nullopt;
  RunDrift out{find.Int(0),
               std::get<std::string>(find.Cell(1)),
               std::get<std::string>(find.Cell(2)),
               std::get<std::string>(find.Cell(3)),
               {}};
  Statement rows(db_,
                 "SELECT column_name, psi, status, rows FROM " + drift +
                     " WHERE run_id = ?1 ORDER BY psi DESC, column_name",
                 "read the run's drift");
  rows.Bind(1, out.run_id);
  while (rows.Step()) {
    const Value status = rows.Cell(2);
    out.columns.push_back(
        {std::get<std::string>(rows.Cell(0)), rows.Double(1),
         IsNull(status) ? std::nullopt : std::optional<std::string>(std::get<std::string>(status)),
         rows.Int(3)});
  }
  return out;
}

std::vector<std::string> ResultStatements::ResultsSources() {
  Statement s(db_,
              "SELECT DISTINCT source_table FROM " + QuoteIdentifier(config_.results.runs_table) +
                  " WHERE source_table IS NOT NULL",
              "look up the sources of the results tables");
  std::vector<std::string> out;
  while (s.Step()) out.push_back(std::get<std::string>(s.Cell(0)));
  return out;
}

std::int64_t ResultStatements::MarkAbandonedRuns() {
  db_.Exec("UPDATE " + QuoteIdentifier(config_.results.runs_table) +
               " SET status = 'abandoned', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),"
               " message = 'the process ended before the run finished'"
               " WHERE status = 'running'",
           "mark abandoned runs");
  return db_.Changes();
}

std::int64_t ResultStatements::ForgetRejections(const std::string& model_version) {
  Statement s(
      db_,
      "DELETE FROM " + QuoteIdentifier(config_.results.rejected_table) + " WHERE model_version = ?",
      "forget the rejections of model " + model_version);
  s.Bind(1, model_version);
  s.Step();
  return db_.Changes();
}

RelabelResult ResultStatements::Relabel(std::int64_t run_id, const std::string& model_version,
                                        const Decision& decision) {
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

}  // namespace bankscore::internal::sqlite
