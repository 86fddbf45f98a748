#include "ingest/loader.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_set>

#include "bankscore/error.h"
#include "common/progress.h"
#include "common/text.h"
#include "ingest/csv.h"

namespace bankscore {
namespace {

constexpr std::size_t kInsertBatchRows = 10000;

CsvOptions CsvOptionsOf(const LoadingConfig& load) {
  CsvOptions options;
  options.separator = load.separator;
  options.max_field_bytes = load.max_field_bytes;
  options.max_record_bytes = load.max_field_bytes;
  return options;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// What every value of a column turned out to be, over the whole file.
struct ColumnShape {
  bool all_integer = true;
  bool all_number = true;
};

// The first pass over the file: its header and shape, every key checked. Nothing is loaded yet.
struct FilePlan {
  std::vector<std::string> header;
  std::vector<ColumnShape> shapes;
  std::ptrdiff_t key_field = -1;  // index of the key column in the file, -1 when absent
  std::int64_t rows = 0;
};

void CheckHeader(const std::vector<std::string>& header, const SourceConfig& src,
                 const std::string& path) {
  for (const auto& name : header) {
    if (!IsValidIdentifier(name)) {
      throw DataError(path + ": column name '" + EscapeControl(name) +
                      "' is not a valid identifier");
    }
  }
  std::vector<std::string> required = src.FeatureColumns();
  required.push_back(src.label);
  for (const auto& name : required) {
    if (!Contains(header, name)) {
      throw DataError(path + ": column '" + name +
                      "' named in the config (source) is missing from the header");
    }
  }
}

// A key given in the file must be a unique integer: anything else would be a row that can never
// be scored or traced back.
void CheckKey(const CsvField& field, const std::string& key, const CsvReader& reader,
              std::unordered_set<std::int64_t>& seen) {
  const std::string where = reader.name() + ":" + std::to_string(reader.line()) + ": ";
  if (!field || field->empty()) throw DataError(where + "the key " + key + " is empty");
  const auto value = ParseInt64(*field);
  if (!value) {
    throw DataError(where + "the key " + key + " is " + DescribeValue(Value(*field)) +
                    ", not an integer");
  }
  if (!seen.insert(*value).second) {
    throw DataError(where + "the key " + key + " = " + *field + " appears twice in the file");
  }
}

FilePlan Inspect(const std::string& path, const Config& config) {
  CsvReader reader = CsvReader::OpenFile(path, CsvOptionsOf(config.load));
  FilePlan plan;
  plan.header = reader.header();
  CheckHeader(plan.header, config.source, path);
  plan.shapes.resize(plan.header.size());
  const auto key = std::find(plan.header.begin(), plan.header.end(), config.source.key);
  if (key != plan.header.end()) plan.key_field = key - plan.header.begin();
  std::unordered_set<std::int64_t> keys;
  std::vector<CsvField> fields;
  while (reader.Next(fields)) {
    ++plan.rows;
    if (plan.key_field >= 0) CheckKey(fields[plan.key_field], config.source.key, reader, keys);
    for (std::size_t c = 0; c < fields.size(); ++c) {
      if (!fields[c]) continue;
      ColumnShape& shape = plan.shapes[c];
      if (shape.all_integer && !ParseInt64(*fields[c])) shape.all_integer = false;
      if (shape.all_number && !shape.all_integer && !ParseNumber(*fields[c])) {
        shape.all_number = false;
      }
    }
  }
  return plan;
}

// Column types come from the config where it says what a column is: text for categorical
// features and the label, double precision for numeric features (whatever a first file happens
// to hold), an integer key. Other columns take the narrowest type that holds every value.
std::vector<ColumnSpec> Specs(const FilePlan& plan, const SourceConfig& src) {
  std::vector<ColumnSpec> specs;
  if (plan.key_field < 0) specs.push_back({src.key, ColumnType::kInteger});
  for (std::size_t c = 0; c < plan.header.size(); ++c) {
    const std::string& name = plan.header[c];
    ColumnType type = ColumnType::kText;
    if (name == src.key) {
      type = ColumnType::kInteger;
    } else if (Contains(src.numeric, name)) {
      type = ColumnType::kReal;
    } else if (!Contains(src.categorical, name) && name != src.label) {
      const ColumnShape& shape = plan.shapes[c];
      type = shape.all_integer  ? ColumnType::kInteger
             : shape.all_number ? ColumnType::kReal
                                : ColumnType::kText;
    }
    specs.push_back({name, type});
  }
  return specs;
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

// Creates the table, or checks that the existing one has every column of the file.
bool PrepareTable(Database& db, const std::vector<ColumnSpec>& specs, const SourceConfig& src,
                  const std::string& path) {
  if (!db.TableExists(src.table)) {
    db.CreateSourceTable(src.table, specs, src.key);
    return true;
  }
  const std::vector<std::string> existing = db.TableColumns(src.table);
  for (const auto& spec : specs) {
    if (!Contains(existing, spec.name)) {
      throw DataError(path + ": column '" + spec.name + "' does not exist in table " + src.table);
    }
  }
  return false;
}

// The second pass: every row, converted, in batches through one transaction.
void Insert(Database& db, const std::string& path, const Config& config,
            const std::vector<ColumnSpec>& specs, std::optional<std::int64_t> first_key,
            ProgressLog& progress) {
  CsvReader reader = CsvReader::OpenFile(path, CsvOptionsOf(config.load));
  RowBatch batch;
  for (const auto& spec : specs) batch.columns.push_back(spec.name);
  auto inserter = db.BeginInsert(config.source.table, batch.columns);
  const std::size_t offset = first_key ? 1 : 0;
  std::int64_t next_key = first_key.value_or(0);
  std::vector<CsvField> fields;
  while (reader.Next(fields)) {
    std::vector<Value> row;
    row.reserve(specs.size());
    if (first_key) row.emplace_back(next_key++);
    for (std::size_t c = 0; c < fields.size(); ++c) {
      row.push_back(Convert(fields[c], specs[c + offset].type));
    }
    batch.rows.push_back(std::move(row));
    if (batch.rows.size() == kInsertBatchRows) {
      inserter->Write(batch);
      progress.Add(static_cast<std::int64_t>(batch.rows.size()));
      batch.rows.clear();
    }
  }
  if (!batch.rows.empty()) {
    inserter->Write(batch);
    progress.Add(static_cast<std::int64_t>(batch.rows.size()));
  }
  inserter->Commit();
}

}  // namespace

LoadSummary LoadCsv(Database& db, const Config& config, const std::string& csv_path,
                    spdlog::logger& log) {
  const SourceConfig& src = config.source;
  const FilePlan plan = Inspect(csv_path, config);
  const std::vector<ColumnSpec> specs = Specs(plan, src);
  LoadSummary summary;
  summary.table_created = PrepareTable(db, specs, src, csv_path);
  std::optional<std::int64_t> first_key;
  if (plan.key_field < 0) {
    first_key = db.MaxKey(src.table, src.key).value_or(0) + 1;
    summary.keys_assigned = true;
  }
  ProgressLog progress(log, config.logging.json, "load " + csv_path,
                       static_cast<std::int64_t>(plan.rows),
                       static_cast<std::int64_t>(kInsertBatchRows));
  Insert(db, csv_path, config, specs, first_key, progress);
  summary.rows_loaded = plan.rows;
  summary.rows_in_table = db.CountRows(src.table);
  log.info("loaded {} rows from {} into {} ({} rows in table)", summary.rows_loaded, csv_path,
           src.table, summary.rows_in_table);
  return summary;
}

}  // namespace bankscore
