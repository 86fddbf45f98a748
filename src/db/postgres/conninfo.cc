#include "db/postgres/conninfo.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <map>
#include <memory>

#include "bankscore/error.h"
#include "common/files.h"

namespace bankscore::internal::pg {
namespace {

using Options = std::map<std::string, std::string>;

// The keywords a DSN sets, with their values. Throws ConfigError without echoing the DSN or
// libpq's message, either of which may contain part of a password.
Options ParseConninfo(const std::string& conninfo) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(
      PQconninfoParse(conninfo.c_str(), &error), PQconninfoFree);
  if (!parsed) {
    PQfreemem(error);
    throw ConfigError(
        "database.dsn: libpq cannot parse the connection string (quote values that contain "
        "spaces, e.g. password='a b'; the string is not shown because it may hold a password)");
  }
  Options out;
  for (const PQconninfoOption* o = parsed.get(); o->keyword != nullptr; ++o) {
    if (o->val != nullptr) out[o->keyword] = o->val;
  }
  return out;
}

// A value for a keyword/value conninfo string: single-quoted, with \ and ' escaped.
std::string Quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string Serialize(const Options& options) {
  std::string out;
  for (const auto& [keyword, value] : options) {
    if (!out.empty()) out += ' ';
    out += keyword + "=" + Quote(value);
  }
  return out;
}

// "host H port P database D": the DSN's values, else libpq's environment variables, else
// libpq's defaults.
std::string DescribeServer(const Options& options) {
  auto pick = [&](const char* key, const char* env, const std::string& fallback) {
    auto it = options.find(key);
    if (it != options.end() && !it->second.empty()) return it->second;
    const char* value = std::getenv(env);
    return value && *value ? std::string(value) : fallback;
  };
  std::string host = pick("host", "PGHOST", "");
  if (host.empty()) host = pick("hostaddr", "PGHOSTADDR", "(default unix socket)");
  const char* login = std::getenv("USER");
  const std::string user = pick("user", "PGUSER", login ? login : "");
  return "host " + host + " port " + pick("port", "PGPORT", "5432") + " database " +
         pick("dbname", "PGDATABASE", user);
}

std::string ReadPasswordFile(const std::string& path) {
  constexpr std::size_t kMaxPasswordBytes = 64 * 1024;
  std::string password;
  try {
    password = ReadFile(path, kMaxPasswordBytes);
  } catch (const FileError& e) {
    throw DatabaseError("cannot read database.password_file " + path + ": " + e.reason());
  }
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  return password;
}

}  // namespace

ConnectSettings MakeConnectSettings(const DatabaseConfig& database) {
  Options options = ParseConninfo(database.dsn);
  ConnectSettings settings;
  settings.server = DescribeServer(options);
  settings.schema = database.schema;
  // The password file wins over a password in the DSN and over PGPASSWORD/.pgpass.
  if (!database.password_file.empty()) {
    options["password"] = ReadPasswordFile(database.password_file);
  }
  settings.conninfo = Serialize(options);
  return settings;
}

std::string WithOptions(const std::string& conninfo,
                        const std::vector<std::pair<std::string, std::string>>& extra) {
  Options options = ParseConninfo(conninfo);
  for (const auto& [keyword, value] : extra) options[keyword] = value;
  return Serialize(options);
}

}  // namespace bankscore::internal::pg
