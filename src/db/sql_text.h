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

namespace bankscore::internal {

// Contents of an embedded file such as "sql/sqlite/results.sql"; nullptr if unknown.
const char* EmbeddedSql(const std::string& name);

// Replaces every {{name}} in `text` by names.at(name). Throws std::logic_error on an unknown name.
std::string RenderTemplate(const std::string& text,
                           const std::map<std::string, std::string>& names);

// The results DDL of `backend` ("sqlite" or "postgres") with the configured table names.
std::string ResultsDdl(const std::string& backend, const ResultsConfig& results);

// "a", "b" quoted and joined: "\"a\", \"b\"".
std::string JoinQuoted(const std::vector<std::string>& names);

// SELECT of `key` and `columns` from `table` in key order, optionally only rows where
// `where_not_null` is not NULL (Database::ScanTable).
std::string ScanSql(const std::string& table, const std::string& key,
                    const std::vector<std::string>& columns,
                    const std::optional<std::string>& where_not_null);

// Placeholders of the three bound values of UnscoredRowsSql, in the backend's syntax.
struct UnscoredRowsParams {
  std::string model_version;  // text
  std::string limit;          // integer
  std::string after_key;      // integer; used only when the query has a lower key bound
};

// The keyset-paginated "rows not yet scored" query shared by both backends: the key, then the
// configured feature columns (SourceConfig::FeatureColumns order), of source rows with a non-NULL
// key above `after_key` (when `with_after_key`) that have neither a prediction nor a rejection for
// the model version, in key order, at most `limit` of them.
std::string UnscoredRowsSql(const Config& config, bool with_after_key,
                            const UnscoredRowsParams& params);

// "0.5 (41000 rows), 0.3 (188 rows)": the thresholds a relabel replaced, for its run's record.
std::string DescribeThresholdCounts(const std::vector<std::pair<double, std::int64_t>>& counts);

}  // namespace bankscore::internal
