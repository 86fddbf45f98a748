// Loading a CSV file into the source table.
//
// The whole file is validated first (it must contain every configured feature column and the
// label), then inserted in one transaction: a bad file loads nothing. If the CSV has no key column,
// keys are assigned in file order, continuing after the table's largest key (1..N on an empty
// table). Column types: categorical features and the label are TEXT; numeric features and other
// columns are INTEGER when every value is an integer, REAL when every value is a number, else TEXT.
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
