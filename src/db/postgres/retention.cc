#include "db/postgres/retention.h"

#include <limits>

#include "db/postgres/partitions.h"
#include "db/postgres/values.h"
#include "db/sql_text.h"

namespace bankscore::internal::pg {
namespace {

// A DROP TABLE of a partition locks its parent: rather than queue behind a long query (and make
// every reader queue behind the DROP), give up after this long and say so.
constexpr const char* kDropLockTimeout = "5s";

Needs DeleteNeeds(const ResultsConfig& results) {
  Needs needs;
  for (const std::string& table : PrunedTables(results)) needs.push_back({table, "DELETE"});
  return needs;
}

}  // namespace

std::vector<StoredVersion> RetentionStatements::StoredVersions() {
  const std::string what = "list the stored model versions";
  const ResultsConfig& r = config_.results;
  return db_.Run(
      what,
      {{r.runs_table, "SELECT"},
       {r.table, "SELECT"},
       {r.reasons_table, "SELECT"},
       {r.rejected_table, "SELECT"}},
      [&](pqxx::connection& c) {
        pqxx::read_transaction tx(c);
        std::vector<StoredVersion> out;
        for (const auto& row : tx.exec(StoredVersionsSql(r))) {
          out.push_back({row[0].as<std::string>(), ToInt64(row[1], what), ToInt64(row[2], what),
                         ToInt64(row[3], what), ToInt64(row[4], what)});
        }
        return out;
      });
}

void RetentionStatements::DropPartitions(const std::string& model_version, PruneResult& out) {
  if (!config_.results.partition_by_model_version) return;
  const std::string what = "drop the partitions of model " + model_version;
  db_.Run(what, {}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec(std::string("SET LOCAL lock_timeout = '") + kDropLockTimeout + "'");
    for (const std::string& table : PartitionedTables(config_.results)) {
      const std::string partition = PartitionName(table, model_version);
      if (!IsPartitionOf(tx, partition, table)) continue;
      const std::int64_t rows =
          ToInt64(tx.exec("SELECT COUNT(*) FROM " + QuoteIdentifier(partition))[0][0], what);
      tx.exec("DROP TABLE " + QuoteIdentifier(partition));
      (table == config_.results.table ? out.predictions : out.reasons) += rows;
      out.dropped_partitions = true;
    }
    tx.commit();
  });
}

void RetentionStatements::DeleteInBatches(const std::string& model_version, std::int64_t batch_keys,
                                          PruneResult& out) {
  const ResultsConfig& r = config_.results;
  const std::string what = "delete the results of model " + model_version;
  const std::string next_sql = NextPruneKeySql(r, "$1::text", "$2::bigint");
  std::optional<std::int64_t> from = std::numeric_limits<std::int64_t>::min();
  while (from) {
    from = db_.Run(what, DeleteNeeds(r), [&](pqxx::connection& c) -> std::optional<std::int64_t> {
      pqxx::work tx(c);
      const pqxx::field lo_field = tx.exec_params1(next_sql, model_version, *from)[0];
      if (lo_field.is_null()) return std::nullopt;
      const PruneKeyRange range = PruneRangeFrom(ToInt64(lo_field, what), batch_keys);
      const std::vector<std::string> tables = PrunedTables(r);
      for (std::size_t i = 0; i < tables.size(); ++i) {
        const pqxx::result d =
            tx.exec_params(DeleteVersionRangeSql(tables[i], "$1::text", "$2::bigint", "$3::bigint"),
                           model_version, range.lo, range.hi);
        RemovedRows(out, i) += static_cast<std::int64_t>(d.affected_rows());
      }
      tx.commit();
      return range.Next();
    });
  }
}

void RetentionStatements::RecordPrune(const std::string& model_version, const PruneResult& result,
                                      const std::string& kept_versions) {
  const std::string& prunes = config_.results.prunes_table;
  const std::string& leases = config_.results.leases_table;
  db_.Run("record the prune of model " + model_version, {{prunes, "INSERT"}, {leases, "DELETE"}},
          [&](pqxx::connection& c) {
            pqxx::work tx(c);
            // The version's key ranges go too: the leases table grows with versions, not time.
            tx.exec_params("DELETE FROM " + QuoteIdentifier(leases) + " WHERE model_version = $1",
                           model_version);
            tx.exec_params("INSERT INTO " + QuoteIdentifier(prunes) +
                               " (model_version, method, predictions_removed, reasons_removed,"
                               " rejections_removed, kept_versions) VALUES ($1::text, $2::text,"
                               " $3::bigint, $4::bigint, $5::bigint, $6::text)",
                           model_version, result.dropped_partitions ? "drop partition" : "delete",
                           result.predictions, result.reasons, result.rejections, kept_versions);
            tx.commit();
          });
}

PruneResult RetentionStatements::PruneVersion(const std::string& model_version,
                                              std::int64_t batch_keys,
                                              const std::string& kept_versions) {
  PruneResult out;
  DropPartitions(model_version, out);
  // Rows the partitions did not hold (rejections; a DBA's default partition) go in batches.
  DeleteInBatches(model_version, std::max<std::int64_t>(batch_keys, 1), out);
  if (out.dropped_partitions || out.predictions + out.reasons + out.rejections > 0) {
    RecordPrune(model_version, out, kept_versions);
  }
  return out;
}

void RetentionStatements::RecordCheck(const std::string& model_version,
                                      std::optional<std::int64_t> run_id, std::int64_t rows_found) {
  const std::string& checks = config_.results.checks_table;
  db_.Run("record the check for unscored rows", {{checks, "INSERT"}, {checks, "UPDATE"}},
          [&](pqxx::connection& c) {
            pqxx::work tx(c);
            tx.exec_params("INSERT INTO " + QuoteIdentifier(checks) +
                               " AS t (model_version, checked_at, rows_found, last_run_id)"
                               " VALUES ($1::text, clock_timestamp(), $2::bigint, $3::bigint)"
                               " ON CONFLICT (model_version) DO UPDATE SET checked_at ="
                               " EXCLUDED.checked_at, rows_found = EXCLUDED.rows_found,"
                               " last_run_id = COALESCE(EXCLUDED.last_run_id, t.last_run_id)",
                           model_version, rows_found, run_id);
            tx.commit();
          });
}

}  // namespace bankscore::internal::pg
