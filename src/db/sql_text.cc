#include "db/sql_text.h"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

#include "bankscore/database.h"

namespace bankscore::internal {

std::string RenderTemplate(const std::string& text,
                           const std::map<std::string, std::string>& names) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (true) {
    std::size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    std::size_t close = text.find("}}", open);
    if (close == std::string::npos) break;
    std::string name = text.substr(open + 2, close - open - 2);
    auto it = names.find(name);
    if (it == names.end()) throw std::logic_error("unknown template name {{" + name + "}}");
    out.append(text, pos, open - pos);
    out += it->second;
    pos = close + 2;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

namespace {

// What follows the closing parenthesis of a partitioned table's CREATE TABLE.
std::string Partitioning(const ResultsConfig& results) {
  return results.partition_by_model_version ? " PARTITION BY LIST (model_version)" : "";
}

}  // namespace

std::string ResultsDdl(const std::string& backend, const ResultsConfig& results) {
  const char* text = EmbeddedSql("sql/" + backend + "/results.sql");
  if (text == nullptr) throw std::logic_error("no embedded DDL for backend " + backend);
  return RenderTemplate(text, {{"predictions", results.table},
                               {"scoring_runs", results.runs_table},
                               {"rejected_rows", results.rejected_table},
                               {"latest_predictions", results.latest_view},
                               {"prediction_reasons", results.reasons_table},
                               {"run_drift", results.drift_table},
                               {"scoring_leases", results.leases_table},
                               {"scoring_checks", results.checks_table},
                               {"pruned_versions", results.prunes_table},
                               {"predictions_partitioning", Partitioning(results)},
                               {"reasons_partitioning", Partitioning(results)}});
}

std::vector<AddedColumn> AddedResultsColumns(const std::string& backend,
                                             const ResultsConfig& results) {
  const bool sqlite = backend == "sqlite";
  const std::string count = sqlite ? "INTEGER NOT NULL DEFAULT 0" : "BIGINT NOT NULL DEFAULT 0";
  std::vector<AddedColumn> added = {
      {results.table, "raw_score", sqlite ? "REAL" : "DOUBLE PRECISION"},
      {results.runs_table, "source_table", "TEXT"},
      {results.runs_table, "unseen_categories", count},
      {results.runs_table, "out_of_training_range", count},
      {results.runs_table, "column_counts", "TEXT"},
      {results.table, "top_reasons", "TEXT"}};
  if (!sqlite) {  // leased scoring (--workers) is PostgreSQL's only
    added.push_back({results.runs_table, "worker_id", "TEXT"});
    added.push_back({results.runs_table, "leases_claimed", count});
    added.push_back({results.runs_table, "lease_takeovers", count});
  }
  return added;
}

std::vector<std::string> ResultsRelations(const ResultsConfig& results) {
  return {results.table,         results.runs_table,  results.rejected_table, results.latest_view,
          results.reasons_table, results.drift_table, results.checks_table,   results.prunes_table};
}

std::string QualifyRelations(const std::string& ddl, const std::string& schema,
                             const std::vector<std::string>& relations) {
  std::string out = ddl;
  const std::string prefix = QuoteIdentifier(schema) + ".";
  for (const std::string& relation : relations) {
    const std::string quoted = QuoteIdentifier(relation);
    for (std::size_t at = out.find(quoted); at != std::string::npos;
         at = out.find(quoted, at + quoted.size())) {
      if (at > 0 && out[at - 1] == '.') continue;  // qualified already
      out.insert(at, prefix);
      at += prefix.size();
    }
  }
  return out;
}

std::string JoinQuoted(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += QuoteIdentifier(names[i]);
  }
  return out;
}

std::string ScanSql(const std::string& table, const std::string& key,
                    const std::vector<std::string>& columns,
                    const std::optional<std::string>& where_not_null) {
  std::vector<std::string> all = {key};
  all.insert(all.end(), columns.begin(), columns.end());
  std::string sql = "SELECT " + JoinQuoted(all) + " FROM " + QuoteIdentifier(table);
  if (where_not_null) sql += " WHERE " + QuoteIdentifier(*where_not_null) + " IS NOT NULL";
  return sql + " ORDER BY " + QuoteIdentifier(key);
}

std::string SourceKey(const Config& config) { return "s." + QuoteIdentifier(config.source.key); }

std::string UnscoredRowsSql(const Config& config, const UnscoredRowsParams& params) {
  const SourceConfig& src = config.source;
  const ResultsConfig& results = config.results;
  const std::string key = SourceKey(config);
  std::string sql = "SELECT " + key;
  if (params.shape == UnscoredShape::kRows) {
    for (const auto& c : src.FeatureColumns()) sql += ", s." + QuoteIdentifier(c);
  }
  sql += " FROM " + QuoteIdentifier(src.table) + " AS s WHERE " + params.key_is_integer;
  if (!params.after_key.empty()) sql += " AND " + key + " > " + params.after_key;
  if (!params.up_to_key.empty()) sql += " AND " + key + " <= " + params.up_to_key;
  // NOT EXISTS on the (source_key, model_version) primary keys: an index lookup per row.
  if (!params.no_results) {
    sql += " AND NOT EXISTS (SELECT 1 FROM " + QuoteIdentifier(results.table) +
           " AS p WHERE p.source_key = " + key + " AND p.model_version = " + params.model_version +
           ") AND NOT EXISTS (SELECT 1 FROM " + QuoteIdentifier(results.rejected_table) +
           " AS r WHERE r.source_key = " + key + " AND r.model_version = " + params.model_version +
           ")";
  }
  switch (params.shape) {
    case UnscoredShape::kRows:
      return sql + " ORDER BY " + key;
    case UnscoredShape::kFirst:
      return sql + " LIMIT 1";
    case UnscoredShape::kKeys:
      break;
  }
  return sql;
}

std::string VersionHasResultsSql(const ResultsConfig& results, const std::string& model_version) {
  return "SELECT EXISTS (SELECT 1 FROM " + QuoteIdentifier(results.runs_table) +
         " WHERE model_version = " + model_version + " AND kind = 'score' AND rows_read > 0)";
}

std::string StoredVersionsSql(const ResultsConfig& results) {
  const auto counts = [](const std::string& table) {
    return "(SELECT model_version, COUNT(*) AS n FROM " + QuoteIdentifier(table) +
           " GROUP BY model_version)";
  };
  return "WITH runs AS (SELECT model_version, MIN(run_id) AS first_run FROM " +
         QuoteIdentifier(results.runs_table) +
         " WHERE kind = 'score' GROUP BY model_version), p AS " + counts(results.table) +
         ", x AS " + counts(results.reasons_table) + ", j AS " + counts(results.rejected_table) +
         ", v AS (SELECT model_version FROM runs UNION SELECT model_version FROM p"
         " UNION SELECT model_version FROM x UNION SELECT model_version FROM j)"
         " SELECT v.model_version, COALESCE(runs.first_run, 0), COALESCE(p.n, 0),"
         " COALESCE(x.n, 0), COALESCE(j.n, 0) FROM v LEFT JOIN runs USING (model_version)"
         " LEFT JOIN p USING (model_version) LEFT JOIN x USING (model_version)"
         " LEFT JOIN j USING (model_version) ORDER BY 2, 1";
}

std::vector<std::string> PrunedTables(const ResultsConfig& results) {
  return {results.reasons_table, results.table, results.rejected_table};
}

std::int64_t& RemovedRows(PruneResult& result, std::size_t index) {
  std::int64_t* const counts[] = {&result.reasons, &result.predictions, &result.rejections};
  return *counts[index];
}

std::optional<std::int64_t> PruneKeyRange::Next() const {
  if (hi == std::numeric_limits<std::int64_t>::max()) return std::nullopt;
  return hi + 1;
}

PruneKeyRange PruneRangeFrom(std::int64_t lo, std::int64_t batch_keys) {
  constexpr std::int64_t kLargestKey = std::numeric_limits<std::int64_t>::max();
  return {lo, lo > kLargestKey - (batch_keys - 1) ? kLargestKey : lo + (batch_keys - 1)};
}

std::string NextPruneKeySql(const ResultsConfig& results, const std::string& version,
                            const std::string& from) {
  // Each subquery walks the table's primary key (source_key, model_version, ...) from `from`
  // and stops at the first row of the version (ORDER BY ... LIMIT 1: both engines stop there,
  // where a MIN with this WHERE could scan the rest of the table).
  std::string sql = "SELECT MIN(k) FROM (";
  const std::vector<std::string> tables = PrunedTables(results);
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (i) sql += " UNION ALL ";
    sql += "SELECT (SELECT source_key FROM " + QuoteIdentifier(tables[i]) +
           " WHERE model_version = " + version + " AND source_key >= " + from +
           " ORDER BY source_key LIMIT 1) AS k";
  }
  return sql + ") AS m";
}

std::string DeleteVersionRangeSql(const std::string& table, const std::string& version,
                                  const std::string& lo, const std::string& hi) {
  return "DELETE FROM " + QuoteIdentifier(table) + " WHERE model_version = " + version +
         " AND source_key BETWEEN " + lo + " AND " + hi;
}

std::string DescribeThresholdCounts(const std::vector<std::pair<double, std::int64_t>>& counts) {
  std::string out;
  for (const auto& [threshold, rows] : counts) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{:g} ({} {})", threshold, rows, rows == 1 ? "row" : "rows");
  }
  return out.empty() ? "none" : out;
}

}  // namespace bankscore::internal
