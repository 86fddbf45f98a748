// Internal: PostgreSQL connection settings, parsed by libpq itself (PQconninfoParse), so a DSN
// means exactly what it means to libpq, whether keyword/value or URI.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "bankscore/config.h"

namespace bankscore::internal::pg {

// What every connection needs: where to connect (with the password, never logged) and how.
struct ConnectSettings {
  std::string conninfo;  // keyword/value string: the DSN, plus the password from password_file
  std::string server;    // "host H port P database D", for messages; never user or password
  std::string schema;    // database.schema, may be empty
};

// Parses database.dsn and reads database.password_file. Throws ConfigError when the DSN cannot be
// parsed (the message never repeats the DSN: it may hold a password) and DatabaseError when the
// password file cannot be read.
ConnectSettings MakeConnectSettings(const DatabaseConfig& database);

// `conninfo` with `options` added (they override the same keywords), as a keyword/value string.
// `conninfo` must be parseable (MakeConnectSettings checked it).
std::string WithOptions(const std::string& conninfo,
                        const std::vector<std::pair<std::string, std::string>>& options);

}  // namespace bankscore::internal::pg
