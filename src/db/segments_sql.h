// Internal: the SQL text of the segmentation tables that both database adapters share (the DDL of
// sql/<backend>/segments.sql, reading unsegmented rows, the per-segment aggregates), so the
// backends differ only in their placeholders and in how they test a cell's type.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/value.h"
#include "db/sql_params.h"

namespace bankscore::internal {

// The segments DDL of `backend` ("sqlite" or "postgres") with the configured names.
std::string SegmentsDdl(const std::string& backend, const Config& config);

// What differs between the backends in the queries below.
struct SegmentDialect {
  std::string key_is_integer;  // the test that s.<key> holds an integer
  // A numeric source cell as a number, or NULL when it is not one (SQLite: text in the column).
  std::function<std::string(const std::string& cell)> number;
};

// Source rows with an integer key (above the bound `after_key`) and no segment in `version`, in
// key order, at most `limit`: the key, then `columns` (Database::ReadUnsegmented).
std::string UnsegmentedRowsSql(const Config& config, const SegmentDialect& dialect,
                               const std::vector<std::string>& columns,
                               std::optional<std::int64_t> after_key, std::size_t limit,
                               const std::string& version, SqlParams& params);

// Per segment of `version`: segment, rows, labelled, positives, predicted, probability sum, then
// per numeric column its count and sum (Database::SummarizeSegments).
std::string SegmentTotalsSql(const Config& config, const SegmentDialect& dialect,
                             const std::vector<std::string>& numeric, const std::string& version,
                             SqlParams& params);

// Per segment of `version` and value of `column`: segment, the value as text (NULL for NULL),
// rows.
std::string SegmentCategoriesSql(const Config& config, const std::string& column,
                                 const std::string& version, SqlParams& params);

}  // namespace bankscore::internal
