// Internal: the PostgreSQL reader of unscored rows. It streams `COPY (SELECT ...) TO STDOUT` in
// text format over a libpq connection of its own (so batches are written on the adapter's
// connection while it reads), and parses each line straight into a ColumnarBatch: numeric
// columns (by their result type) as numbers, everything else as text.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bankscore/database.h"
#include "db/postgres/conninfo.h"

namespace bankscore::internal::pg {

// `select_sql` is a complete SELECT whose first column is the integer key; it must not contain
// parameters (COPY takes none), so values are already quoted literals. `names` are the columns
// after the key. Throws DatabaseError (transient when the server cannot be reached).
std::unique_ptr<UnscoredRowReader> OpenCopyReader(const ConnectSettings& settings,
                                                  const std::string& select_sql,
                                                  std::vector<std::string> names);

// `text` as a SQL string literal for the server at `settings` ('it''s'). Quoting is done
// locally, the standard_conforming_strings way the session uses.
std::string QuoteLiteral(const std::string& text);

}  // namespace bankscore::internal::pg
