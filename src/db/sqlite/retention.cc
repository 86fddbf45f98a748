#include "db/sqlite/retention.h"

#include <algorithm>
#include <limits>

#include "common/clock.h"
#include "common/text.h"
#include "db/sql_text.h"

namespace bankscore::internal::sqlite {

std::vector<StoredVersion> RetentionStatements::StoredVersions() {
  Statement s(db_, StoredVersionsSql(config_.results), "list the stored model versions");
  std::vector<StoredVersion> out;
  while (s.Step()) {
    const Value version = s.Cell(0);
    out.push_back({IsNull(version) ? std::string() : ValueText(version), s.Int(1), s.Int(2),
                   s.Int(3), s.Int(4)});
  }
  return out;
}

std::optional<std::int64_t> RetentionStatements::DeleteBatch(const std::string& model_version,
                                                             std::int64_t from,
                                                             std::int64_t batch_keys,
                                                             PruneResult& out) {
  const std::string what = "delete the results of model " + model_version;
  Transaction tx(db_);
  Statement next(db_, NextPruneKeySql(config_.results, "?1", "?2"), what);
  next.Bind(1, model_version);
  next.Bind(2, from);
  if (!next.Step() || IsNull(next.Cell(0))) return std::nullopt;
  const PruneKeyRange range = PruneRangeFrom(next.Int(0), batch_keys);
  const std::vector<std::string> tables = PrunedTables(config_.results);
  for (std::size_t i = 0; i < tables.size(); ++i) {
    Statement d(db_, DeleteVersionRangeSql(tables[i], "?1", "?2", "?3"), what);
    d.Bind(1, model_version);
    d.Bind(2, range.lo);
    d.Bind(3, range.hi);
    d.Step();
    RemovedRows(out, i) += db_.Changes();
  }
  tx.Commit();
  return range.Next();
}

PruneResult RetentionStatements::PruneVersion(const std::string& model_version,
                                              std::int64_t batch_keys,
                                              const std::string& kept_versions) {
  PruneResult out;
  std::optional<std::int64_t> from = std::numeric_limits<std::int64_t>::min();
  while (from) from = DeleteBatch(model_version, *from, std::max<std::int64_t>(batch_keys, 1), out);
  if (out.predictions + out.reasons + out.rejections == 0) return out;
  Statement s(db_,
              "INSERT INTO " + QuoteIdentifier(config_.results.prunes_table) +
                  " (model_version, method, predictions_removed, reasons_removed,"
                  " rejections_removed, kept_versions) VALUES (?1, 'delete', ?2, ?3, ?4, ?5)",
              "record the prune of model " + model_version);
  s.Bind(1, model_version);
  s.Bind(2, out.predictions);
  s.Bind(3, out.reasons);
  s.Bind(4, out.rejections);
  s.Bind(5, kept_versions);
  s.Step();
  return out;
}

void RetentionStatements::RecordCheck(const std::string& model_version,
                                      std::optional<std::int64_t> run_id, std::int64_t rows_found) {
  const std::string checks = QuoteIdentifier(config_.results.checks_table);
  Statement s(db_,
              "INSERT INTO " + checks +
                  " (model_version, checked_at, rows_found, last_run_id) VALUES (?1, ?2, ?3, ?4)"
                  " ON CONFLICT (model_version) DO UPDATE SET checked_at = excluded.checked_at,"
                  " rows_found = excluded.rows_found, last_run_id = COALESCE("
                  "excluded.last_run_id, " +
                  checks + ".last_run_id)",
              "record the check for unscored rows");
  s.Bind(1, model_version);
  s.Bind(2, UtcTimestampMillis());
  s.Bind(3, rows_found);
  s.Bind(4, run_id ? Value{*run_id} : Value{});
  s.Step();
}

}  // namespace bankscore::internal::sqlite
