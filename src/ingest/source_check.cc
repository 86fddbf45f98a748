#include "ingest/source_check.h"

#include <algorithm>

#include "bankscore/error.h"

namespace bankscore {

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
  require(src.label, "source.label");
  for (const auto& c : src.categorical) require(c, "source.features.categorical");
  for (const auto& c : src.numeric) require(c, "source.features.numeric");
}

}  // namespace bankscore
