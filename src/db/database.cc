#include "bankscore/database.h"

#include <filesystem>
#include <system_error>

#include "bankscore/error.h"
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

namespace {

// A SQLite path that does not exist is almost always a typo: opening it would create an empty
// database and the command would fail later, further from the cause (or succeed on nothing).
void RequireExistingSqliteFile(const Config& config) {
  const DatabaseConfig& d = config.database;
  if (d.backend != DatabaseConfig::Backend::kSqlite || d.path == ":memory:") return;
  std::error_code ec;
  if (std::filesystem::exists(d.path, ec)) return;
  const std::string file = config.file.empty() ? "CONFIG" : config.file;
  throw ConfigError("SQLite database " + d.path + " (database.path in " + file +
                    ") does not exist; correct the path, or create the database with "
                    "`bankscore load --config " +
                    file + " --csv FILE` or `bankscore init-db --config " + file + "`");
}

}  // namespace

std::unique_ptr<Database> OpenDatabase(const Config& config, spdlog::logger& log) {
  RequireExistingSqliteFile(config);
  return OpenOrCreateDatabase(config, log);
}

std::unique_ptr<Database> OpenOrCreateDatabase(const Config& config, spdlog::logger& log) {
  switch (config.database.backend) {
    case DatabaseConfig::Backend::kSqlite:
      return internal::OpenSqliteDatabase(config, log);
    case DatabaseConfig::Backend::kPostgres:
      return internal::OpenPostgresDatabase(config, log);
  }
  return nullptr;
}

}  // namespace bankscore
