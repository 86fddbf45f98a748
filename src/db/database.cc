#include "bankscore/database.h"

#include "db/postgres_database.h"
#include "db/sqlite_database.h"

namespace bankscore {

std::string QuoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::unique_ptr<Database> OpenDatabase(const Config& config, spdlog::logger& log) {
  switch (config.database.backend) {
    case DatabaseConfig::Backend::kSqlite:
      return internal::OpenSqliteDatabase(config, log);
    case DatabaseConfig::Backend::kPostgres:
      return internal::OpenPostgresDatabase(config, log);
  }
  return nullptr;
}

}  // namespace bankscore
