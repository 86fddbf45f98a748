// Internal: the DDL files from sql/, compiled into the binary, and their rendering; and the SQL
// text both database adapters share, so the backends differ only where their dialects do.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bankscore/config.h"

namespace bankscore {
struct PruneResult;  // bankscore/database.h
}

namespace bankscore::internal {

// Contents of an embedded file such as "sql/sqlite/results.sql"; nullptr if unknown.
const char* EmbeddedSql(const std::string& name);

// Replaces every {{name}} in `text` by names.at(name). Throws std::logic_error on an unknown name.
std::string RenderTemplate(const std::string& text,
                           const std::map<std::string, std::string>& names);

// The results DDL of `backend` ("sqlite" or "postgres") with the configured table names.
std::string ResultsDdl(const std::string& backend, const ResultsConfig& results);

// A column the results DDL gained after the tables were first released: a database created
// before gets it from EnsureResultsSchema with ALTER TABLE ... ADD COLUMN.
struct AddedColumn {
  std::string table;  // configured name
  std::string column;
  std::string definition;  // type and default, in the backend's dialect
};
std::vector<AddedColumn> AddedResultsColumns(const std::string& backend,
                                             const ResultsConfig& results);

// The relations the results DDL creates, by configured name.
std::vector<std::string> ResultsRelations(const ResultsConfig& results);

// "a", "b" quoted and joined: "\"a\", \"b\"".
std::string JoinQuoted(const std::vector<std::string>& names);

// `ddl` (as ResultsDdl and SegmentsDdl render it) with every quoted reference to one of
// `relations` ("predictions") schema-qualified ("bank"."predictions"), for `bankscore schema`
// when database.schema is set. Index names are other identifiers and stay unqualified, as
// PostgreSQL requires (an index lives in its table's schema).
std::string QualifyRelations(const std::string& ddl, const std::string& schema,
                             const std::vector<std::string>& relations);

// SELECT of `key` and `columns` from `table` in key order, optionally only rows where
// `where_not_null` is not NULL (Database::ScanTable).
std::string ScanSql(const std::string& table, const std::string& key,
                    const std::vector<std::string>& columns,
                    const std::optional<std::string>& where_not_null);

// "s.<key>": the source key column as UnscoredRowsSql names it.
std::string SourceKey(const Config& config);

// The parts of UnscoredRowsSql that differ between backends and uses.
// What the "rows not yet scored" query returns.
enum class UnscoredShape {
  kRows,   // the key and the feature columns, in key order: the rows to score
  kFirst,  // the key only, LIMIT 1: "is there anything to score?"
  kKeys,   // the key only, in no order: to count (no column read, nothing sorted)
};

struct UnscoredRowsParams {
  std::string model_version;   // placeholder of the bound model version (text)
  std::string after_key;       // placeholder of the lower key bound (integer); empty: none
  std::string key_is_integer;  // the backend's test that SourceKey() holds an integer
  UnscoredShape shape = UnscoredShape::kRows;
  std::string up_to_key;  // placeholder of the upper key bound (integer); empty: none
  // The version has no prediction and no rejection at all (VersionHasResultsSql said so): the
  // per-row look-ups into the results tables are left out, and `model_version` is not used.
  bool no_results = false;
};

// The "rows not yet scored" query shared by both backends: the key, then the configured feature
// columns (SourceConfig::FeatureColumns order), of source rows with an integer key (above
// `after_key`) that have neither a prediction nor a rejection for the model version, in key
// order.
std::string UnscoredRowsSql(const Config& config, const UnscoredRowsParams& params);

// One row, one column: 1 when a score run of the version (placeholder `model_version`) has
// written a prediction or a rejection, else 0. Each batch adds to its run's totals in the
// transaction that writes it, so 0 means the results tables hold no row of the version; while
// one scorer holds the scorer lock, only its own batches, behind its reader, add any.
std::string VersionHasResultsSql(const ResultsConfig& results, const std::string& model_version);

// --- Retention (bankscore prune), shared by both backends; placeholders are the backend's. ---

// Every model version with a score run or rows, oldest first: model_version, its first score
// run id (0 for none), then its row counts in the predictions, reasons and rejected tables.
std::string StoredVersionsSql(const ResultsConfig& results);

// The smallest source key >= `from` that has a prediction, reason or rejection of `version`
// (NULL when none): the start of the next batch a prune deletes.
std::string NextPruneKeySql(const ResultsConfig& results, const std::string& version,
                            const std::string& from);

// Deletes the rows of `version` with source_key between `lo` and `hi` from `table`.
std::string DeleteVersionRangeSql(const std::string& table, const std::string& version,
                                  const std::string& lo, const std::string& hi);

// The tables a prune deletes from, in the order it deletes: reasons, predictions, rejections.
std::vector<std::string> PrunedTables(const ResultsConfig& results);

// The count in `result` of the rows removed from PrunedTables(...)[index] (index < 3).
std::int64_t& RemovedRows(PruneResult& result, std::size_t index);

// The source keys one prune transaction deletes: `batch_keys` (>= 1) keys from `lo`, the last
// range ending at the largest key.
struct PruneKeyRange {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  // Where the next transaction starts; nullopt after the range that ends at the largest key.
  std::optional<std::int64_t> Next() const;
};
PruneKeyRange PruneRangeFrom(std::int64_t lo, std::int64_t batch_keys);

// "0.5 (41000 rows), 0.3 (188 rows)": the thresholds a relabel replaced, for its run's record.
std::string DescribeThresholdCounts(const std::vector<std::pair<double, std::int64_t>>& counts);

}  // namespace bankscore::internal
