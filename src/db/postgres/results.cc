#include "db/postgres/results.h"

#include <unistd.h>

#include <cmath>
#include <optional>

#include "bankscore/error.h"
#include "common/text.h"
#include "db/postgres/copy_writer.h"
#include "db/postgres/partitions.h"
#include "db/postgres/values.h"
#include "db/sql_text.h"

namespace bankscore::internal::pg {
namespace {

std::optional<std::string> NullIfEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

namespace {

bool RelationExists(pqxx::transaction_base& tx, const std::string& name) {
  return tx
      .exec_params1(
          "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.relname = $1::text AND"
          " c.relnamespace = (SELECT oid FROM pg_catalog.pg_namespace"
          " WHERE nspname = current_schema()))",
          name)[0]
      .as<bool>();
}

bool ColumnExists(pqxx::transaction_base& tx, const AddedColumn& added) {
  return tx
      .exec_params1(
          "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid ="
          " to_regclass(quote_ident($1::text)) AND attname = $2::text AND NOT attisdropped)",
          added.table, added.column)[0]
      .as<bool>();
}

// Whether the current role owns the predictions and they still have what an earlier version made
// that every write pays for (the run foreign key, two indexes) or lack the positives index, so the
// DDL can set them right; a restricted scoring role just writes slower until the owner runs it.
bool OwnedWriteLeftovers(pqxx::transaction_base& tx, const ResultsConfig& results) {
  return tx
      .exec_params1(
          "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c"
          " WHERE c.oid = to_regclass(quote_ident($1::text))"
          " AND pg_catalog.pg_has_role(c.relowner, 'USAGE') AND ("
          " EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid"
          " AND k.contype = 'f' AND k.confrelid = to_regclass(quote_ident($2::text)))"
          " OR EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class x"
          " ON x.oid = i.indexrelid WHERE i.indrelid = c.oid AND x.relname IN"
          " ($1::text || '_version_label_idx', $1::text || '_key_run_idx'))"
          " OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class x"
          " ON x.oid = i.indexrelid WHERE i.indrelid = c.oid"
          " AND x.relname = $1::text || '_positives_idx')))",
          results.table, results.runs_table)[0]
      .as<bool>();
}

}  // namespace

// Whether every relation and every column added since the first release exists (and, for the
// owner, what earlier versions made that slows the writes is gone).
bool ResultStatements::ResultsSchemaComplete(pqxx::transaction_base& tx) {
  for (const std::string& name : ResultsRelations(config_.results)) {
    if (!RelationExists(tx, name)) return false;
  }
  // The top-N index came with the anti-join form of the latest view: without it, the DDL (as the
  // owner) replaces the view and builds the indexes.
  if (!RelationExists(tx, config_.results.table + "_probability_idx")) return false;
  if (!RelationExists(tx, config_.results.leases_table)) return false;
  for (const AddedColumn& added : AddedResultsColumns("postgres", config_.results)) {
    if (!ColumnExists(tx, added)) return false;
  }
  return !OwnedWriteLeftovers(tx, config_.results);
}

void ResultStatements::EnsureResultsSchema() {
  const std::string ddl = ResultsDdl("postgres", config_.results);
  db_.Run("create the results tables", {}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    CheckPartitioning(tx, config_);  // never a silent conversion (results.partition_by)
    // When everything exists there is nothing to do, and nothing is locked: the DDL's
    // CREATE INDEX IF NOT EXISTS and COMMENT ON would lock tables other scorers are writing (a
    // deadlock with a running scorer), and a restricted scoring role may not run them at all.
    if (ResultsSchemaComplete(tx)) return;
    // Serializes concurrent bankscore processes creating the same schema's tables (CREATE ...
    // IF NOT EXISTS alone can still collide on the catalog's unique indexes).
    tx.exec(
        "SELECT pg_advisory_xact_lock(hashtextextended("
        "'bankscore results ddl ' || coalesce(current_schema(), ''), 0))");
    if (ResultsSchemaComplete(tx)) return;
    // Tables created by an earlier version get the columns added since; the DDL creates the
    // rest (and its comments describe the new columns).
    for (const AddedColumn& added : AddedResultsColumns("postgres", config_.results)) {
      if (RelationExists(tx, added.table) && !ColumnExists(tx, added)) {
        tx.exec("ALTER TABLE " + QuoteIdentifier(added.table) + " ADD COLUMN " +
                QuoteIdentifier(added.column) + " " + added.definition);
      }
    }
    tx.exec(ddl);
    tx.commit();
  });
}

namespace {

template <typename Rows, typename Line>
void CopyInto(pqxx::transaction_base& tx, const std::string& table,
              const std::vector<std::string>& columns, const Rows& rows, Line&& line) {
  CopyWriter copy(tx, table, columns);
  std::string text;
  for (const auto& row : rows) {
    text.clear();
    line(row, text);
    copy.WriteLine(text);
  }
  copy.Complete();
}

void AppendField(std::string& line, const Value& v) {
  AppendCopyField(line, v);
  line += '\t';
}

// A raw score in COPY text: NaN (unknown) is NULL.
void AppendRawScore(std::string& line, double raw_score) {
  line += std::isnan(raw_score) ? "\\N" : FormatDouble(raw_score);
}

// top_reasons in COPY text: empty (reasons off) is NULL.
void AppendTopReasons(std::string& line, const std::string& top_reasons) {
  if (top_reasons.empty()) {
    line += "\\N";
  } else {
    AppendCopyField(line, top_reasons);
  }
}

// A reason's fields, in the order of kReasonColumns.
void AppendReasonLine(const PredictionReason& r, std::string& line) {
  line += std::to_string(r.key) + "\t" + std::to_string(r.rank) + "\t";
  AppendField(line, r.feature);
  AppendField(line, r.value ? Value{*r.value} : Value{});
  line += FormatDouble(r.contribution);
}

const std::vector<std::string> kReasonColumns = {"source_key", "rank", "feature", "value",
                                                 "contribution"};

}  // namespace

void ResultStatements::CreateStaging(pqxx::transaction_base& tx) {
  if (db_.session().staging_ready) return;
  // Once per connection; ON COMMIT DELETE ROWS empties them after every batch without the
  // catalog churn of creating and dropping a table per batch.
  tx.exec(
      "CREATE TEMP TABLE IF NOT EXISTS bankscore_stage_predictions"
      " (source_key BIGINT, probability DOUBLE PRECISION, label SMALLINT,"
      " raw_score DOUBLE PRECISION, top_reasons TEXT)"
      " ON COMMIT DELETE ROWS;"
      " CREATE TEMP TABLE IF NOT EXISTS bankscore_stage_rejections"
      " (source_key BIGINT, reason TEXT) ON COMMIT DELETE ROWS;"
      " CREATE TEMP TABLE IF NOT EXISTS bankscore_stage_reasons"
      " (source_key BIGINT, rank SMALLINT, feature TEXT, value TEXT,"
      " contribution DOUBLE PRECISION) ON COMMIT DELETE ROWS");
}

// The fast path: COPY straight into the predictions and reasons tables, inside a savepoint. A
// batch replayed after an unconfirmed commit (or a key another worker wrote) fails it with a
// unique violation; then nothing of it stays and false is returned.
bool ResultStatements::CopyPredictions(pqxx::work& tx, std::int64_t run_id,
                                       const std::string& model_version,
                                       const std::string& threshold,
                                       const std::vector<Prediction>& predictions,
                                       const std::vector<PredictionReason>& reasons,
                                       BatchWriteResult& out) {
  // Constant fields of every line: version, threshold and run.
  std::string tail;
  AppendField(tail, model_version);
  tail += threshold + "\t" + std::to_string(run_id);
  try {
    pqxx::subtransaction savepoint(tx, "copy_predictions");
    CopyInto(savepoint, QuoteIdentifier(config_.results.table),
             {"source_key", "probability", "label", "raw_score", "top_reasons", "model_version",
              "threshold", "run_id"},
             predictions, [&](const Prediction& p, std::string& line) {
               line += std::to_string(p.key);
               line += '\t';
               line += FormatDouble(p.probability);
               line += p.label ? "\t1\t" : "\t0\t";
               AppendRawScore(line, p.raw_score);
               line += '\t';
               AppendTopReasons(line, p.top_reasons);
               line += '\t';
               line += tail;
             });
    if (!reasons.empty()) {
      std::vector<std::string> columns = kReasonColumns;
      columns.push_back("model_version");
      CopyInto(savepoint, QuoteIdentifier(config_.results.reasons_table), columns, reasons,
               [&](const PredictionReason& r, std::string& line) {
                 AppendReasonLine(r, line);
                 line += '\t';
                 AppendCopyField(line, model_version);
               });
    }
    savepoint.commit();
  } catch (const pqxx::unique_violation&) {
    return false;
  }
  out.predictions_inserted = static_cast<std::int64_t>(predictions.size());
  for (const auto& p : predictions) out.positives_inserted += p.label;
  return true;
}

// The careful path: stage the batch, then INSERT ... ON CONFLICT DO NOTHING, counting what was
// new, so a replayed batch inserts nothing and adds nothing to the run's totals.
void ResultStatements::InsertPredictions(pqxx::work& tx, std::int64_t run_id,
                                         const std::string& model_version,
                                         const std::string& threshold,
                                         const std::vector<Prediction>& predictions,
                                         const std::vector<PredictionReason>& reasons,
                                         BatchWriteResult& out) {
  CopyInto(tx, "pg_temp.bankscore_stage_predictions",
           {"source_key", "probability", "label", "raw_score", "top_reasons"}, predictions,
           [](const Prediction& p, std::string& line) {
             line += std::to_string(p.key) + "\t" + FormatDouble(p.probability) +
                     (p.label ? "\t1\t" : "\t0\t");
             AppendRawScore(line, p.raw_score);
             line += '\t';
             AppendTopReasons(line, p.top_reasons);
           });
  CopyInto(tx, "pg_temp.bankscore_stage_reasons", kReasonColumns, reasons, AppendReasonLine);
  // Reasons only of the predictions inserted now: one that was there already keeps the reasons
  // (or none) it was written with.
  const pqxx::row inserted = tx.exec_params1(
      "WITH inserted AS (INSERT INTO " + QuoteIdentifier(config_.results.table) +
          " (source_key, model_version, probability, label, threshold, run_id, raw_score,"
          " top_reasons)"
          " SELECT source_key, $1::text, probability, label, $2::double precision, $3::bigint,"
          " raw_score, top_reasons FROM pg_temp.bankscore_stage_predictions"
          " ON CONFLICT DO NOTHING RETURNING source_key, label),"
          " reasons AS (INSERT INTO " +
          QuoteIdentifier(config_.results.reasons_table) +
          " (source_key, model_version, rank, feature, value, contribution)"
          " SELECT r.source_key, $1::text, r.rank, r.feature, r.value, r.contribution"
          " FROM pg_temp.bankscore_stage_reasons AS r JOIN inserted AS i"
          " ON i.source_key = r.source_key ON CONFLICT DO NOTHING)"
          " SELECT count(*), coalesce(sum(label), 0) FROM inserted",
      model_version, threshold, run_id);
  out.predictions_inserted = ToInt64(inserted[0], "count inserted predictions");
  out.positives_inserted = ToInt64(inserted[1], "count inserted positives");
}

void ResultStatements::InsertRejections(pqxx::work& tx, std::int64_t run_id,
                                        const std::string& model_version,
                                        const std::vector<Rejection>& rejections,
                                        BatchWriteResult& out) {
  CopyInto(tx, "pg_temp.bankscore_stage_rejections", {"source_key", "reason"}, rejections,
           [](const Rejection& r, std::string& line) {
             line += std::to_string(r.key) + "\t";
             AppendCopyField(line, r.reason);
           });
  out.rejections_inserted = static_cast<std::int64_t>(
      tx.exec_params("INSERT INTO " + QuoteIdentifier(config_.results.rejected_table) +
                         " (source_key, model_version, run_id, reason)"
                         " SELECT source_key, $1::text, $2::bigint, reason"
                         " FROM pg_temp.bankscore_stage_rejections ON CONFLICT DO NOTHING",
                     model_version, run_id)
          .affected_rows());
}

BatchWriteResult ResultStatements::WriteBatch(std::int64_t run_id, const std::string& model_version,
                                              double threshold,
                                              const std::vector<Prediction>& predictions,
                                              const std::vector<Rejection>& rejections,
                                              const std::vector<PredictionReason>& reasons) {
  const ResultsConfig& results = config_.results;
  const std::string threshold_text = FormatDouble(threshold);
  BatchWriteResult out;
  db_.Run(
      "write a batch of predictions",
      {{results.table, "INSERT"},
       {results.rejected_table, "INSERT"},
       {results.reasons_table, "INSERT"},
       {results.runs_table, "UPDATE"}},
      [&](pqxx::connection& c) {
        out = BatchWriteResult{};
        pqxx::work tx(c);
        CreateStaging(tx);
        if (!predictions.empty() && !CopyPredictions(tx, run_id, model_version, threshold_text,
                                                     predictions, reasons, out)) {
          InsertPredictions(tx, run_id, model_version, threshold_text, predictions, reasons, out);
        }
        if (!rejections.empty()) InsertRejections(tx, run_id, model_version, rejections, out);
        tx.exec_params("UPDATE " + QuoteIdentifier(results.runs_table) +
                           " SET rows_read = rows_read + $1::bigint,"
                           " rows_scored = rows_scored + $2::bigint,"
                           " rows_rejected = rows_rejected + $3::bigint,"
                           " rows_positive = rows_positive + $4::bigint,"
                           " threshold = $5::double precision WHERE run_id = $6::bigint",
                       out.predictions_inserted + out.rejections_inserted, out.predictions_inserted,
                       out.rejections_inserted, out.positives_inserted, threshold_text, run_id);
        tx.commit();
        db_.session().staging_ready = true;
      });
  return out;
}

std::int64_t ResultStatements::BeginRun(const RunRecord& run) {
  const std::string& runs = config_.results.runs_table;
  return db_.Run("record the run start", {{runs, "INSERT"}}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    pqxx::row r = tx.exec_params1(
        "INSERT INTO " + QuoteIdentifier(runs) +
            " (kind, model_version, threshold, status, message, pid, source_table,"
            " worker_id) VALUES ($1::text, $2::text, $3::double precision,"
            " $4::text, $5::text, $6::integer, $7::text, $8::text) RETURNING run_id",
        run.kind, run.model_version, FormatDouble(run.threshold), run.status,
        NullIfEmpty(run.message), static_cast<std::int64_t>(getpid()),
        NullIfEmpty(run.source_table), NullIfEmpty(run.worker));
    tx.commit();
    return ToInt64(r[0], "record the run start");
  });
}

void ResultStatements::FinishRun(std::int64_t run_id, const RunRecord& run) {
  const std::string& runs = config_.results.runs_table;
  const std::string& drift = config_.results.drift_table;
  db_.Run("record the run end", {{runs, "UPDATE"}, {drift, "INSERT"}}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params("UPDATE " + QuoteIdentifier(runs) +
                       " SET status = $1::text, message = $2::text,"
                       " threshold = $3::double precision, finished_at = clock_timestamp(),"
                       " unseen_categories = $5::bigint, out_of_training_range = $6::bigint,"
                       " column_counts = $7::text, leases_claimed = $8::bigint,"
                       " lease_takeovers = $9::bigint WHERE run_id = $4::bigint",
                   run.status, NullIfEmpty(run.message), FormatDouble(run.threshold), run_id,
                   run.unseen_categories, run.out_of_training_range, NullIfEmpty(run.column_counts),
                   run.leases_claimed, run.lease_takeovers);
    // A run's end recorded twice (a retry after a lost acknowledgement) keeps the first rows.
    for (const DriftRow& d : run.drift) {
      tx.exec_params("INSERT INTO " + QuoteIdentifier(drift) +
                         " (run_id, model_version, column_name, psi, status, rows)"
                         " VALUES ($1::bigint, $2::text, $3::text, $4::double precision, $5::text,"
                         " $6::bigint) ON CONFLICT DO NOTHING",
                     run_id, run.model_version, d.column, FormatDouble(d.psi), d.status, d.rows);
    }
    tx.commit();
  });
}

std::optional<RunDrift> ResultStatements::ReadRunDrift(std::optional<std::int64_t> run_id) {
  const std::string& runs = config_.results.runs_table;
  const std::string& drift = config_.results.drift_table;
  return db_.Run("read the run's drift", {{runs, "SELECT"}, {drift, "SELECT"}},
                 [&](pqxx::connection& c) -> std::optional<RunDrift> {
                   pqxx::read_transaction tx(c);
                   // Without a run: the latest run with drift rows, else the latest score run.
                   const pqxx::result found = tx.exec_params(
                       "SELECT run_id, model_version, status, COALESCE(message, '') FROM " +
                           QuoteIdentifier(runs) +
                           " WHERE run_id = COALESCE($1::bigint, (SELECT max(run_id) FROM " +
                           QuoteIdentifier(drift) + "), (SELECT max(run_id) FROM " +
                           QuoteIdentifier(runs) + " WHERE kind = 'score'))",
                       run_id);
                   if (found.empty()) return std::nullopt;
                   RunDrift out{ToInt64(found[0][0], "read the run's drift"),
                                found[0][1].as<std::string>(),
                                found[0][2].as<std::string>(),
                                found[0][3].as<std::string>(),
                                {}};
                   for (const auto& row : tx.exec_params(
                            "SELECT column_name, psi, status, rows FROM " + QuoteIdentifier(drift) +
                                " WHERE run_id = $1::bigint"
                                " ORDER BY psi DESC, column_name",
                            out.run_id)) {
                     out.columns.push_back(
                         {row[0].as<std::string>(), row[1].as<double>(),
                          row[2].is_null() ? std::nullopt
                                           : std::optional<std::string>(row[2].as<std::string>()),
                          ToInt64(row[3], "read the run's drift")});
                   }
                   return out;
                 });
}

std::vector<std::string> ResultStatements::ResultsSources() {
  const std::string& runs = config_.results.runs_table;
  const pqxx::result r = db_.Exec("look up the sources of the results tables", {{runs, "SELECT"}},
                                  "SELECT DISTINCT source_table FROM " + QuoteIdentifier(runs) +
                                      " WHERE source_table IS NOT NULL");
  std::vector<std::string> out;
  for (const auto& row : r) out.push_back(row[0].as<std::string>());
  return out;
}

std::int64_t ResultStatements::MarkAbandonedRuns() {
  const std::string& runs = config_.results.runs_table;
  return db_.Run("mark abandoned runs", {{runs, "UPDATE"}}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    // A run whose process is alive holds its run lock (ScorerLock::HoldRun): with several
    // workers, 'running' alone does not mean dead.
    pqxx::result r = tx.exec_params(
        "UPDATE " + QuoteIdentifier(runs) +
            " SET status = 'abandoned', finished_at = clock_timestamp(),"
            " message = 'the process ended before the run finished'"
            " WHERE status = 'running' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND ((l.classid::bigint << 32) | l.objid::bigint) = " +
            RunLockKeySql("$1::text", "run_id") + ")",
        runs);
    tx.commit();
    return static_cast<std::int64_t>(r.affected_rows());
  });
}

std::int64_t ResultStatements::ForgetRejections(const std::string& model_version) {
  const std::string& rejected = config_.results.rejected_table;
  return db_.Run("forget the rejections of model " + model_version, {{rejected, "DELETE"}},
                 [&](pqxx::connection& c) {
                   pqxx::work tx(c);
                   const pqxx::result r = tx.exec_params(
                       "DELETE FROM " + QuoteIdentifier(rejected) + " WHERE model_version = $1",
                       model_version);
                   tx.commit();
                   return static_cast<std::int64_t>(r.affected_rows());
                 });
}

RelabelResult ResultStatements::Relabel(std::int64_t run_id, const std::string& model_version,
                                        const Decision& decision) {
  const std::string label = Decision::SqlLabel("probability", "$1::double precision");
  const std::string& table = config_.results.table;
  const std::string& runs = config_.results.runs_table;
  const std::string t = FormatDouble(decision.threshold);
  return db_.Run(
      "relabel predictions", {{table, "UPDATE"}, {runs, "UPDATE"}}, [&](pqxx::connection& c) {
        pqxx::work tx(c);
        // What is about to change, per previous threshold, for the run's record.
        pqxx::result before = tx.exec_params(
            "SELECT threshold, count(*),"
            " count(*) FILTER (WHERE label <> " +
                label +
                "),"
                " count(*) FILTER (WHERE " +
                label +
                " = 1)"
                " FROM " +
                QuoteIdentifier(table) +
                " WHERE model_version = $2::text AND threshold <> $1::double precision"
                " GROUP BY threshold ORDER BY count(*) DESC, threshold",
            t, model_version);
        RelabelResult result;
        std::vector<std::pair<double, std::int64_t>> previous;
        for (const auto& row : before) {
          const std::int64_t rows = ToInt64(row[1], "relabel: count");
          previous.emplace_back(row[0].as<double>(), rows);
          result.rows_relabeled += rows;
          result.labels_changed += ToInt64(row[2], "relabel: count");
          result.positives_after += ToInt64(row[3], "relabel: count");
        }
        result.previous_thresholds = DescribeThresholdCounts(previous);
        tx.exec_params("UPDATE " + QuoteIdentifier(table) +
                           " SET threshold = $1::double precision,"
                           " label = " +
                           label +
                           ","
                           " relabeled_at = clock_timestamp()"
                           " WHERE model_version = $2::text AND threshold <> $1::double precision",
                       t, model_version);
        tx.exec_params("UPDATE " + QuoteIdentifier(runs) +
                           " SET rows_read = $1::bigint, rows_scored = $1::bigint,"
                           " rows_positive = $2::bigint WHERE run_id = $3::bigint",
                       result.rows_relabeled, result.positives_after, run_id);
        tx.commit();
        return result;
      });
}

void ResultStatements::CheckScoringAccess() {
  const SourceConfig& src = config_.source;
  const ResultsConfig& results = config_.results;
  // (relation, privilege) pairs a scoring run uses; see sql/postgres/roles.sql.
  const Needs needs = {{src.table, "SELECT"},
                       {results.table, "SELECT"},
                       {results.table, "INSERT"},
                       {results.rejected_table, "SELECT"},
                       {results.rejected_table, "INSERT"},
                       {results.reasons_table, "INSERT"},
                       {results.drift_table, "INSERT"},
                       {results.runs_table, "SELECT"},
                       {results.runs_table, "INSERT"},
                       {results.runs_table, "UPDATE"},
                       {results.checks_table, "INSERT"},
                       {results.checks_table, "UPDATE"}};
  std::vector<std::string> missing = db_.Run("check privileges", {}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::vector<std::string> out;
    for (const auto& [relation, privilege] : needs) {
      // to_regclass resolves the name through search_path like the statements will; a missing
      // table is reported by the statements themselves, with their own message.
      pqxx::row r = tx.exec_params1(
          "SELECT to_regclass(quote_ident($1::text)) IS NULL OR"
          " has_table_privilege(to_regclass(quote_ident($1::text)), $2::text)",
          relation, privilege);
      if (!r[0].as<bool>()) out.push_back(privilege + " on " + relation);
    }
    pqxx::row seq = tx.exec_params1(
        "SELECT s IS NULL OR has_sequence_privilege(s, 'USAGE') FROM"
        " (SELECT CASE WHEN to_regclass(quote_ident($1::text)) IS NOT NULL"
        " THEN pg_get_serial_sequence(quote_ident($1::text), 'run_id') END AS s) AS seq",
        results.runs_table);
    if (!seq[0].as<bool>()) out.push_back("USAGE on the sequence of " + results.runs_table);
    tx.commit();
    return out;
  });
  if (missing.empty()) return;
  std::string list;
  for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
  throw DatabaseError("PostgreSQL at " + db_.settings().server + ": permission denied: role " +
                      CurrentUser() + " lacks " + list + " (see " + kRolesScript +
                      "); nothing was written");
}

std::string ResultStatements::CurrentUser() {
  return db_.Run("look up the current role", {}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::string user = tx.exec("SELECT current_user")[0][0].as<std::string>();
    tx.commit();
    return user;
  });
}

}  // namespace bankscore::internal::pg
