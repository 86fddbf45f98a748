// Internal: loading a CSV file into the source table.
//
// The file is read twice, streamed: first to check it whole (every configured feature column and
// the label in the header; every field valid UTF-8 and within load.max_field_bytes; a key column,
// when present, holding a unique integer on every line), then to insert it in batches inside one
// transaction: a bad file loads nothing. Without a key column, keys are assigned in file order,
// continuing after the table's largest key (1..N on an empty table). Column types of a new table
// come from the config: categorical features and the label are TEXT, numeric features REAL
// (DOUBLE PRECISION), the key an integer; other columns take the narrowest type that holds every
// value of the file (INTEGER, REAL, else TEXT).
#pragma once

#include <cstdint>
#include <string>

#include "bankscore/config.h"
#include "bankscore/database.h"

namespace bankscore {

struct LoadSummary {
  std::int64_t rows_loaded = 0;
  std::int64_t rows_in_table = 0;
  bool table_created = false;
  bool keys_assigned = false;
};

LoadSummary LoadCsv(Database& db, const Config& config, const std::string& csv_path,
                    spdlog::logger& log);

}  // namespace bankscore
