// Internal: the DDL files from sql/, compiled into the binary, and their rendering.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bankscore/config.h"

namespace bankscore::internal {

// Contents of an embedded file such as "sql/sqlite/results.sql"; nullptr if unknown.
const char* EmbeddedSql(const std::string& name);

// Replaces every {{name}} in `text` by names.at(name). Throws std::logic_error on an unknown name.
std::string RenderTemplate(const std::string& text, const std::map<std::string, std::string>& names);

// The results DDL of `backend` ("sqlite" or "postgres") with the configured table names.
std::string ResultsDdl(const std::string& backend, const ResultsConfig& results);

// "0.5 (41000 rows), 0.3 (188 rows)": the thresholds a relabel replaced, for its run's record.
std::string DescribeThresholdCounts(const std::vector<std::pair<double, std::int64_t>>& counts);

}  // namespace bankscore::internal
