#include "ingest/loader.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "bankscore/error.h"
#include "common/text.h"
#include "ingest/csv.h"

namespace bankscore {
namespace {

// The narrowest type that holds every non-NULL value of column `c`.
ColumnType InferType(const CsvTable& table, std::size_t c) {
  bool all_integer = true;
  for (const auto& row : table.rows) {
    if (!row[c]) continue;
    if (all_integer && ParseInt64(*row[c])) continue;
    all_integer = false;
    if (!ParseNumber(*row[c])) return ColumnType::kText;
  }
  return all_integer ? ColumnType::kInteger : ColumnType::kReal;
}

Value Convert(const CsvField& field, ColumnType type) {
  if (!field) return std::monostate{};
  if (type == ColumnType::kInteger) {
    if (auto i = ParseInt64(*field)) return *i;
  }
  if (type != ColumnType::kText) {
    if (auto d = ParseNumber(*field)) return *d;
  }
  return *field;  // SQLite keeps text in a numeric column; the scorer rejects such rows later
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

LoadSummary LoadCsv(Database& db, const Config& config, const std::string& csv_path,
                    spdlog::logger& log) {
  const SourceConfig& src = config.source;
  CsvTable csv = ReadCsvFile(csv_path);
  for (const auto& name : csv.header) {
    if (!IsValidIdentifier(name)) {
      throw DataError(csv_path + ": column name '" + name + "' is not a valid identifier");
    }
  }
  std::vector<std::string> required = src.FeatureColumns();
  required.push_back(src.label);
  for (const auto& name : required) {
    if (!Contains(csv.header, name)) {
      throw DataError(csv_path + ": column '" + name +
                      "' named in the config (source) is missing from the header");
    }
  }

  LoadSummary summary;
  const bool has_key = Contains(csv.header, src.key);
  std::vector<ColumnSpec> specs;
  if (!has_key) specs.push_back({src.key, ColumnType::kInteger});
  for (std::size_t c = 0; c < csv.header.size(); ++c) {
    const std::string& name = csv.header[c];
    ColumnType type;
    if (Contains(src.categorical, name) || name == src.label) {
      type = ColumnType::kText;
    } else {
      type = InferType(csv, c);
      if (Contains(src.numeric, name) && type == ColumnType::kText) {
        type = ColumnType::kReal;  // keep the declared type; bad cells are rejected at scoring
      }
    }
    if (name == src.key) type = ColumnType::kInteger;
    specs.push_back({name, type});
  }

  if (db.TableExists(src.table)) {
    std::vector<std::string> existing = db.TableColumns(src.table);
    for (const auto& spec : specs) {
      if (!Contains(existing, spec.name)) {
        throw DataError(csv_path + ": column '" + spec.name + "' does not exist in table " +
                        src.table);
      }
    }
  } else {
    db.CreateSourceTable(src.table, specs, src.key);
    summary.table_created = true;
  }

  RowBatch batch;
  for (const auto& spec : specs) batch.columns.push_back(spec.name);
  std::int64_t next_key = 1;
  if (!has_key) {
    next_key = db.MaxKey(src.table, src.key).value_or(0) + 1;
    summary.keys_assigned = true;
  }
  batch.rows.reserve(csv.rows.size());
  for (const auto& record : csv.rows) {
    std::vector<Value> row;
    row.reserve(specs.size());
    if (!has_key) row.emplace_back(next_key++);
    for (std::size_t c = 0; c < record.size(); ++c) {
      row.push_back(Convert(record[c], specs[has_key ? c : c + 1].type));
    }
    batch.rows.push_back(std::move(row));
  }
  db.InsertRows(src.table, batch);
  summary.rows_loaded = static_cast<std::int64_t>(batch.rows.size());
  summary.rows_in_table = db.CountRows(src.table);
  log.info("loaded {} rows from {} into {} ({} rows in table)", summary.rows_loaded, csv_path,
           src.table, summary.rows_in_table);
  return summary;
}

}  // namespace bankscore
