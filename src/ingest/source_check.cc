#include "ingest/source_check.h"

#include <algorithm>
#include <cctype>

#include "bankscore/error.h"

namespace bankscore {
namespace {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Whether a key of this declared type can hold integers only (PostgreSQL) or at least integers
// (SQLite's INTEGER, NUMERIC or no affinity; each value is then checked as it is read).
bool IsIntegerKeyType(const std::string& backend, const std::string& declared) {
  const std::string type = Lower(declared);
  if (backend == "postgres") return type == "smallint" || type == "integer" || type == "bigint";
  if (backend != "sqlite") return true;
  const auto has = [&](const char* part) { return type.find(part) != std::string::npos; };
  if (has("int")) return true;  // SQLite's affinity rules, in their order
  if (has("char") || has("clob") || has("text")) return false;
  if (has("blob") || type.empty()) return true;
  return !(has("real") || has("floa") || has("doub"));
}

// A key column that cannot hold integers would make every row unscorable, or (PostgreSQL) fail
// with raw SQL: refused up front.
void CheckKeyType(Database& db, const Config& config) {
  const SourceConfig& src = config.source;
  const std::string type = db.ColumnSqlType(src.table, src.key);
  if (IsIntegerKeyType(db.BackendName(), type)) return;
  throw ConfigError(config.file + ": source.key: column '" + src.key + "' of table '" + src.table +
                    "' is " + (type.empty() ? "untyped" : type) +
                    "; bankscore needs an integer key column (smallint, integer or bigint)");
}

}  // namespace

void ValidateSourceTable(Database& db, const Config& config) {
  const SourceConfig& src = config.source;
  if (!db.TableExists(src.table)) {
    throw ConfigError(config.file + ": source.table: table '" + src.table +
                      "' does not exist in the " + db.BackendName() +
                      " database (load data first: bankscore load --csv FILE)");
  }
  std::vector<std::string> columns = db.TableColumns(src.table);
  auto require = [&](const std::string& column, const std::string& key) {
    if (std::find(columns.begin(), columns.end(), column) == columns.end()) {
      throw ConfigError(config.file + ": " + key + ": column '" + column +
                        "' does not exist in table '" + src.table + "'");
    }
  };
  require(src.key, "source.key");
  CheckKeyType(db, config);
  require(src.label, "source.label");
  for (const auto& c : src.categorical) require(c, "source.features.categorical");
  for (const auto& c : src.numeric) require(c, "source.features.numeric");
}

}  // namespace bankscore
