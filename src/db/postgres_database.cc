// The PostgreSQL implementation of Database, over libpqxx 6.4 (see postgres_database.h).
//
// One session (connection) per object, created lazily and dropped after a transient failure so the
// next call reconnects. Every public method is one transaction; libpqxx exceptions never leave this
// file: they become DatabaseError. Bulk data moves with COPY ... FROM STDIN and server-side
// cursors, never one statement per row.
#include "db/postgres_database.h"

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>
#include <sstream>
#include <thread>
#include <tuple>
#include <utility>

#include "bankscore/error.h"
#include "common/files.h"
#include "common/text.h"
#include "db/sql_text.h"

namespace bankscore::internal {
namespace {

// Type OIDs from PostgreSQL's pg_type.dat; they are fixed across server versions.
constexpr pqxx::oid kInt8Oid = 20;
constexpr pqxx::oid kInt2Oid = 21;
constexpr pqxx::oid kInt4Oid = 23;
constexpr pqxx::oid kFloat4Oid = 700;
constexpr pqxx::oid kFloat8Oid = 701;
constexpr pqxx::oid kNumericOid = 1700;

// application_name of the adapter's connections, so an operator (or a test) can find them in
// pg_stat_activity. The scorer lock's connection is named differently: killing a scorer's work
// connection must not silently release its lock.
constexpr const char* kApplicationName = "bankscore";
constexpr const char* kLockApplicationName = "bankscore-lock";
constexpr const char* kRolesScript = "sql/postgres/roles.sql";
constexpr std::chrono::milliseconds kLockPollInterval{100};

// (table, privilege) pairs an operation needs, to explain a permission error.
using Needs = std::vector<std::pair<std::string, std::string>>;

// ---- Connection strings ------------------------------------------------------------------------

bool IsUri(const std::string& dsn) {
  return dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0;
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int value = 0;
      auto [ptr, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, value, 16);
      if (ec == std::errc() && ptr == s.data() + i + 3) {
        out += static_cast<char>(value);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string PercentEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Parses "key=value key2='quoted \' value'" the way libpq does, leniently: only used to name the
// server in messages (libpq does the real parsing when connecting).
std::map<std::string, std::string> ParseKeywordValue(const std::string& s) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  while (true) {
    skip_space();
    if (i >= s.size()) break;
    std::string key;
    while (i < s.size() && s[i] != '=' && !std::isspace(static_cast<unsigned char>(s[i]))) {
      key += s[i++];
    }
    skip_space();
    if (i >= s.size() || s[i] != '=') break;
    ++i;
    skip_space();
    std::string value;
    if (i < s.size() && s[i] == '\'') {
      for (++i; i < s.size() && s[i] != '\''; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value += s[i];
      }
      ++i;
    } else {
      for (; i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value += s[i];
      }
    }
    out[key] = value;
  }
  return out;
}

// postgresql://[user[:password]@][host][:port][,...][/dbname][?key=value&...]
std::map<std::string, std::string> ParseUri(const std::string& uri) {
  std::map<std::string, std::string> out;
  std::string rest = uri.substr(uri.find("://") + 3);
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest.resize(q);
  }
  std::string authority = rest;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    authority = rest.substr(0, slash);
    if (slash + 1 < rest.size()) out["dbname"] = PercentDecode(rest.substr(slash + 1));
  }
  if (auto at = authority.rfind('@'); at != std::string::npos) {
    std::string user = authority.substr(0, at);
    out["user"] = PercentDecode(user.substr(0, user.find(':')));
    authority = authority.substr(at + 1);
  }
  // Host list "h1:p1,h2:p2": split into libpq's "host=h1,h2 port=p1,p2".
  std::string hosts, ports;
  std::stringstream entries(authority);
  for (std::string entry; std::getline(entries, entry, ',');) {
    std::string host = entry, port;
    std::size_t colon = entry.rfind(':');
    if (!entry.empty() && entry[0] == '[') {
      std::size_t close = entry.find(']');
      host = entry.substr(1, close == std::string::npos ? std::string::npos : close - 1);
      if (close != std::string::npos && close + 1 < entry.size() && entry[close + 1] == ':') {
        port = entry.substr(close + 2);
      }
    } else if (colon != std::string::npos) {
      host = entry.substr(0, colon);
      port = entry.substr(colon + 1);
    }
    hosts += (hosts.empty() ? "" : ",") + PercentDecode(host);
    ports += (ports.empty() ? "" : ",") + port;
  }
  if (!hosts.empty() && hosts.find_first_not_of(',') != std::string::npos) out["host"] = hosts;
  if (ports.find_first_not_of(',') != std::string::npos) out["port"] = ports;
  std::stringstream params(query);
  for (std::string param; std::getline(params, param, '&');) {
    std::size_t eq = param.find('=');
    if (eq == std::string::npos) continue;
    out[PercentDecode(param.substr(0, eq))] = PercentDecode(param.substr(eq + 1));
  }
  return out;
}

// "host H port P database D" for messages: the DSN's values, else libpq's environment variables,
// else libpq's defaults. Never mentions the user or password.
std::string DescribeServer(const std::string& dsn) {
  std::map<std::string, std::string> options = IsUri(dsn) ? ParseUri(dsn) : ParseKeywordValue(dsn);
  auto pick = [&](const char* key, const char* env, std::string fallback) {
    auto it = options.find(key);
    if (it != options.end() && !it->second.empty()) return it->second;
    const char* value = env ? std::getenv(env) : nullptr;
    return value && *value ? std::string(value) : fallback;
  };
  std::string host = pick("host", "PGHOST", "");
  if (host.empty()) host = pick("hostaddr", "PGHOSTADDR", "(default unix socket)");
  const char* login = std::getenv("USER");
  std::string user = pick("user", "PGUSER", login ? login : "");
  return "host " + host + " port " + pick("port", "PGPORT", "5432") + " database " +
         pick("dbname", "PGDATABASE", user);
}

// Appends keyword/value pairs to a DSN in its own syntax; later values override earlier ones in
// both syntaxes, so these win over the same keys in the DSN.
std::string AppendOptions(const std::string& dsn,
                          const std::vector<std::pair<std::string, std::string>>& options) {
  std::string out = dsn;
  for (const auto& [key, value] : options) {
    if (IsUri(dsn)) {
      out += (out.find('?') == std::string::npos ? "?" : "&") + key + "=" + PercentEncode(value);
    } else {
      out += " " + key + "='";
      for (char c : value) {
        if (c == '\\' || c == '\'') out += '\\';
        out += c;
      }
      out += "'";
    }
  }
  return out;
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

// ---- Messages ----------------------------------------------------------------------------------

std::string StripSeverity(std::string line) {
  for (const char* prefix : {"ERROR:  ", "FATAL:  ", "PANIC:  "}) {
    if (line.rfind(prefix, 0) == 0) return line.substr(std::strlen(prefix));
  }
  return line;
}

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return StripSeverity(line);
}

// The server's message on one line: the first line plus DETAIL and the first CONTEXT (which names
// the COPY line and column of a bad value); the echoed statement and caret lines are dropped.
std::string ServerMessage(const std::string& text) {
  std::string out = FirstLine(text);
  bool have_context = false;
  std::stringstream lines(text);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    if (line.rfind("DETAIL:  ", 0) == 0) {
      out += "; " + line.substr(9);
    } else if (line.rfind("CONTEXT:  ", 0) == 0 && !have_context) {
      out += "; " + line.substr(10);
      have_context = true;
    }
  }
  return out;
}

// Explains a "permission denied for <kind> <name>" with the grant that is missing.
std::string PermissionHint(const std::string& message, const Needs& needs) {
  const std::string see = "; see " + std::string(kRolesScript) + ")";
  const std::string marker = "permission denied for ";
  if (auto at = message.find(marker); at != std::string::npos) {
    std::stringstream rest(message.substr(at + marker.size()));
    std::string kind, name;
    rest >> kind >> name;
    if (kind == "table" || kind == "view" || kind == "relation") {
      for (const auto& [table, privilege] : needs) {
        if (table == name) return " (the scoring role needs " + privilege + " on it" + see;
      }
      return " (the scoring role lacks a privilege on it" + see;
    }
    if (kind == "sequence") return " (the scoring role needs USAGE on it" + see;
    if (kind == "schema") {
      return " (the scoring role needs USAGE on the schema, and the results tables must be "
             "created beforehand by their owner with `bankscore init-db`" +
             see;
    }
  }
  if (message.find("temporary tables") != std::string::npos) {
    return " (the scoring role needs TEMPORARY on the database for its staging tables" + see;
  }
  if (message.find("must be owner") != std::string::npos) {
    return " (only the owner can change the results tables; let the owner run "
           "`bankscore init-db`" +
           see;
  }
  return " (see " + std::string(kRolesScript) + " for the privileges bankscore needs)";
}

// SQLSTATEs that libpqxx 6.4 reports as a plain sql_error but that mean the session is gone.
// (It maps class 08 to broken_connection, 40xxx to transaction_rollback and 42501 to
// insufficient_privilege itself, the last without setting sqlstate().)
bool IsLostSessionSqlState(const std::string& state) {
  return state.rfind("08", 0) == 0  // connection exception
         || state == "57P01"        // admin_shutdown: pg_terminate_backend, fast shutdown
         || state == "57P02"        // crash_shutdown
         || state == "57P03";       // cannot_connect_now: server starting up
}

// Call only inside a catch block: turns the exception in flight into a DatabaseError. Exceptions
// that are not libpqxx's (bankscore's own, or from a ScanTable sink) pass through unchanged.
[[noreturn]] void RethrowAsDatabaseError(const std::string& what, const std::string& server,
                                         const Needs& needs, bool connection_open) {
  const std::string lost = "lost the connection to PostgreSQL at " + server + " during " + what;
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    throw DatabaseError(lost + ": " + FirstLine(e.what()), true);
  } catch (const pqxx::in_doubt_error& e) {
    // The commit may or may not have happened; every write here is safe to repeat.
    throw DatabaseError(lost + " (commit unconfirmed): " + FirstLine(e.what()), true);
  } catch (const pqxx::transaction_rollback& e) {
    // Serialization failure or deadlock: the transaction was rolled back and may be retried.
    throw DatabaseError("PostgreSQL: " + what + ": " + ServerMessage(e.what()), true);
  } catch (const pqxx::insufficient_privilege& e) {
    const std::string message = ServerMessage(e.what());
    throw DatabaseError("PostgreSQL: " + what + ": " + message + PermissionHint(message, needs));
  } catch (const pqxx::sql_error& e) {
    const std::string message = ServerMessage(e.what());
    if (e.sqlstate() == "42501") {
      throw DatabaseError("PostgreSQL: " + what + ": " + message + PermissionHint(message, needs));
    }
    if (IsLostSessionSqlState(e.sqlstate()) || !connection_open) {
      throw DatabaseError(lost + ": " + message, true);
    }
    throw DatabaseError("PostgreSQL: " + what + ": " + message);
  } catch (const pqxx::failure& e) {
    // COPY failures arrive as plain pqxx::failure; a dead connection makes them transient.
    if (!connection_open) throw DatabaseError(lost + ": " + FirstLine(e.what()), true);
    throw DatabaseError("PostgreSQL: " + what + ": " + ServerMessage(e.what()));
  } catch (const pqxx::pqxx_exception& e) {
    throw DatabaseError("PostgreSQL: " + what + ": " + FirstLine(e.base().what()));
  }
}

// ---- Values ------------------------------------------------------------------------------------

// Appends a Value as a field of a COPY text-format line: \N for NULL, text with backslash, tab
// and line breaks escaped (the only bytes COPY treats specially; the session is UTF-8, so they
// never occur inside a multibyte character).
void AppendCopyField(std::string& line, const Value& v) {
  if (IsNull(v)) {
    line += "\\N";
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    line += std::to_string(*i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    line += FormatDouble(*d);
  } else {
    for (char c : std::get<std::string>(v)) {
      switch (c) {
        case '\\':
          line += "\\\\";
          break;
        case '\t':
          line += "\\t";
          break;
        case '\n':
          line += "\\n";
          break;
        case '\r':
          line += "\\r";
          break;
        default:
          line += c;
      }
    }
  }
}

// A result cell as a Value, by column type: integers, floating and numeric (whose 'NaN' and
// 'Infinity' parse too) as numbers; everything else as its text.
Value Cell(const pqxx::field& field, pqxx::oid type) {
  if (field.is_null()) return std::monostate{};
  const char* begin = field.c_str();
  const char* end = begin + field.size();
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      std::int64_t i = 0;
      auto [ptr, ec] = std::from_chars(begin, end, i);
      if (ec == std::errc() && ptr == end) return i;
      break;
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid: {
      double d = 0;
      auto [ptr, ec] = std::from_chars(begin, end, d);
      if (ec == std::errc() && ptr == end) return d;
      break;
    }
    default:
      break;
  }
  return std::string(begin, end);
}

std::int64_t ToInt64(const pqxx::field& field, const std::string& what) {
  std::int64_t i = 0;
  const char* begin = field.c_str();
  const char* end = begin + field.size();
  auto [ptr, ec] = std::from_chars(begin, end, i);
  if (field.is_null() || ec != std::errc() || ptr != end) {
    throw DatabaseError("PostgreSQL: " + what + ": expected an integer, got '" +
                        std::string(begin, end) + "'");
  }
  return i;
}

std::string ColumnSqlType(ColumnType type) {
  switch (type) {
    case ColumnType::kInteger:
      return "BIGINT";
    case ColumnType::kReal:
      return "DOUBLE PRECISION";
    case ColumnType::kText:
      return "TEXT";
  }
  return "TEXT";
}

// ---- Sessions ----------------------------------------------------------------------------------

// Routes server notices to the log instead of libpq's default of printing them on stderr.
class NoticeLogger : public pqxx::errorhandler {
 public:
  NoticeLogger(pqxx::connection_base& connection, spdlog::logger& log)
      : pqxx::errorhandler(connection), log_(log) {}
  bool operator()(const char message[]) noexcept override {
    log_.debug("PostgreSQL: {}", FirstLine(message));
    return false;
  }

 private:
  spdlog::logger& log_;
};

// One connection and its per-connection state.
struct Session {
  std::unique_ptr<pqxx::connection> connection;
  std::unique_ptr<NoticeLogger> notices;  // declared last: unregisters before the connection goes
  bool staging_ready = false;             // the TEMP staging tables exist on this connection
};

// What every connection needs: where to connect (with the password, never logged) and how.
struct ConnectSettings {
  std::string conninfo;  // the DSN plus the password from password_file
  std::string server;    // "host H port P database D", for messages
  std::string schema;    // database.schema, may be empty
};

std::unique_ptr<Session> Connect(const ConnectSettings& settings, const char* application_name,
                                 spdlog::logger& log) {
  auto session = std::make_unique<Session>();
  try {
    session->connection = std::make_unique<pqxx::connection>(
        AppendOptions(settings.conninfo, {{"fallback_application_name", application_name}}));
  } catch (const pqxx::pqxx_exception& e) {
    throw DatabaseError(
        "cannot connect to PostgreSQL at " + settings.server + ": " + FirstLine(e.base().what()),
        true);
  }
  session->notices = std::make_unique<NoticeLogger>(*session->connection, log);
  // libpqxx 6 would otherwise reconnect silently after a broken connection and lose the session
  // settings below; we want to see the break and set the session up again ourselves.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  session->connection->inhibit_reactivation(true);
#pragma GCC diagnostic pop
  // extra_float_digits = 3 makes the server print doubles exactly (a role or database default
  // could lower it); UTF-8 is what bankscore's text is and what the COPY escaping assumes;
  // client_min_messages hides the "already exists, skipping" notices of the idempotent DDL.
  std::string setup =
      "SET extra_float_digits = 3; SET client_encoding = 'UTF8'; "
      "SET client_min_messages = warning";
  if (!settings.schema.empty()) setup += "; SET search_path TO " + QuoteIdentifier(settings.schema);
  try {
    pqxx::nontransaction tx(*session->connection);
    tx.exec(setup);
  } catch (...) {
    RethrowAsDatabaseError("session setup", settings.server, {}, session->connection->is_open());
  }
  return session;
}

// The scorer lock's key: one lock per schema and results table, so scorers of other tables do not
// exclude each other. Bound parameter $1 is the results table name.
constexpr const char* kTryScorerLockSql =
    "SELECT pg_try_advisory_lock(hashtextextended("
    "'bankscore scorer ' || coalesce(current_schema(), '') || '.' || $1::text, 0))";

// One attempt to take the scorer lock on `session`; throws DatabaseError.
bool TryScorerLock(Session& session, const ConnectSettings& settings,
                   const std::string& results_table) {
  try {
    pqxx::nontransaction tx(*session.connection);
    return tx.exec_params1(kTryScorerLockSql, results_table)[0].as<bool>();
  } catch (...) {
    RethrowAsDatabaseError("take the scorer lock", settings.server, {},
                           session.connection->is_open());
  }
}

// The scorer lock: a session-level advisory lock, held by its own connection, so it is released
// when this object is destroyed or when the process (and with it the connection) dies. The server
// also releases it when only that connection drops, so EnsureHeld checks before every write.
class AdvisoryLock : public ScorerLock {
 public:
  AdvisoryLock(std::unique_ptr<Session> session, const ConnectSettings& settings,
               std::string results_table, spdlog::logger& log)
      : session_(std::move(session)),
        settings_(settings),
        results_table_(std::move(results_table)),
        log_(log) {}

  void EnsureHeld() override {
    if (session_ && session_->connection->is_open()) {
      try {
        pqxx::nontransaction tx(*session_->connection);
        // Any advisory lock of this session is ours: the session exists only to hold it.
        if (tx.exec("SELECT count(*) FROM pg_catalog.pg_locks WHERE locktype = 'advisory'"
                    " AND pid = pg_backend_pid() AND granted")[0][0]
                .as<std::int64_t>() > 0) {
          return;
        }
      } catch (const pqxx::pqxx_exception&) {
        // The session is gone (terminated, server restarted): take the lock again below.
      }
    }
    session_.reset();
    auto session = Connect(settings_, kLockApplicationName, log_);  // transient if unreachable
    if (!TryScorerLock(*session, settings_, results_table_)) {
      throw DatabaseError("lost the scorer lock: its connection to PostgreSQL at " +
                          settings_.server +
                          " was cut and another bankscore scorer holds the lock now; this run "
                          "stops so that only one scorer writes");
    }
    session_ = std::move(session);
    log_.warn("the scorer lock's connection to PostgreSQL at {} was cut; lock taken again",
              settings_.server);
  }

 private:
  std::unique_ptr<Session> session_;
  ConnectSettings settings_;
  std::string results_table_;
  spdlog::logger& log_;
};

// ---- The adapter -------------------------------------------------------------------------------

class PostgresDatabase : public Database {
 public:
  PostgresDatabase(const Config& config, spdlog::logger& log) : config_(config), log_(log) {
    const DatabaseConfig& db = config.database;
    settings_.server = DescribeServer(db.dsn);
    settings_.schema = db.schema;
    settings_.conninfo = db.dsn;
    if (!db.password_file.empty()) {
      settings_.conninfo =
          AppendOptions(db.dsn, {{"password", ReadPasswordFile(db.password_file)}});
    }
    Connection();  // fail now, with the one-line message, if the server cannot be reached
  }

  std::string BackendName() const override { return "postgres"; }

  bool TableExists(const std::string& table) override {
    return Run("look up table " + table, {}, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      pqxx::row r = tx.exec_params1(
          "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c"
          " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          " WHERE n.nspname = current_schema() AND c.relname = $1::text"
          " AND c.relkind IN ('r', 'p', 'v', 'm', 'f'))",
          table);
      tx.commit();
      return r[0].as<bool>();
    });
  }

  std::vector<std::string> TableColumns(const std::string& table) override {
    auto columns = Run("list columns of " + table, {}, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      pqxx::result r = tx.exec_params(
          "SELECT a.attname FROM pg_catalog.pg_attribute a"
          " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
          " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          " WHERE n.nspname = current_schema() AND c.relname = $1::text"
          " AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped"
          " ORDER BY a.attnum",
          table);
      tx.commit();
      std::vector<std::string> out;
      for (const auto& row : r) out.push_back(row[0].as<std::string>());
      return out;
    });
    if (columns.empty() && !TableExists(table)) {
      throw DatabaseError("table " + table + " does not exist in PostgreSQL at " +
                          settings_.server + CurrentSchemaSuffix());
    }
    return columns;
  }

  void CreateSourceTable(const std::string& table, const std::vector<ColumnSpec>& columns,
                         const std::string& key) override {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + QuoteIdentifier(table) + " (";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i) sql += ", ";
      sql += QuoteIdentifier(columns[i].name) + " " +
             (columns[i].name == key ? "BIGINT PRIMARY KEY" : ColumnSqlType(columns[i].type));
    }
    sql += ")";
    Run("create table " + table, {}, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec(sql);
      tx.commit();
    });
  }

  void InsertRows(const std::string& table, const RowBatch& batch) override {
    std::vector<std::string> quoted;
    for (const auto& column : batch.columns) quoted.push_back(QuoteIdentifier(column));
    Run("load rows into " + table, {{table, "INSERT"}}, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      // COPY FROM STDIN. libpqxx 6.4's stream_to only accepts rows as std::tuple (its container
      // overload does not compile), and these rows have a run-time number of columns, so the
      // lines are built here and sent with tablewriter, the 6.x writer that takes raw lines.
      // Both paste the table and column names into COPY as given: they are quoted here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      pqxx::tablewriter copy(tx, QuoteIdentifier(table), quoted.begin(), quoted.end());
#pragma GCC diagnostic pop
      std::string line;
      for (const auto& row : batch.rows) {
        line.clear();
        for (std::size_t i = 0; i < row.size(); ++i) {
          if (i) line += '\t';
          AppendCopyField(line, row[i]);
        }
        copy.write_raw_line(line);
      }
      copy.complete();
      tx.commit();
    });
  }

  std::int64_t CountRows(const std::string& table) override {
    return ScalarInt("SELECT COUNT(*) FROM " + QuoteIdentifier(table), "count rows of " + table,
                     {{table, "SELECT"}})
        .value_or(0);
  }

  std::optional<std::int64_t> MaxKey(const std::string& table, const std::string& key) override {
    return ScalarInt("SELECT MAX(" + QuoteIdentifier(key) + ") FROM " + QuoteIdentifier(table),
                     "max key of " + table, {{table, "SELECT"}});
  }

  void ScanTable(const std::string& table, const std::string& key,
                 const std::vector<std::string>& columns,
                 const std::optional<std::string>& where_not_null, std::size_t batch_size,
                 const std::function<void(const RowBatch&)>& sink) override {
    std::vector<std::string> all = {key};
    all.insert(all.end(), columns.begin(), columns.end());
    const std::string sql = "DECLARE bankscore_scan NO SCROLL CURSOR FOR " +
                            ScanSql(table, key, columns, where_not_null);
    const std::string fetch = "FETCH FORWARD " +
                              std::to_string(std::max<std::size_t>(batch_size, 1)) +
                              " FROM bankscore_scan";
    Run("scan " + table, {{table, "SELECT"}}, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec(sql);
      RowBatch batch;
      batch.columns = all;
      while (true) {
        pqxx::result r = tx.exec(fetch);
        if (r.empty()) break;
        batch.rows = ToRows(r, 0);
        sink(batch);
        if (r.size() < batch_size) break;
      }
      tx.commit();
    });
  }

  void EnsureResultsSchema() override {
    const ResultsConfig& results = config_.results;
    const std::string ddl = ResultsDdl("postgres", results);
    Run("create the results tables", {}, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      // Serializes concurrent bankscore processes creating the same schema's tables (CREATE ...
      // IF NOT EXISTS alone can still collide on the catalog's unique indexes).
      tx.exec(
          "SELECT pg_advisory_xact_lock(hashtextextended("
          "'bankscore results ddl ' || coalesce(current_schema(), ''), 0))");
      // A restricted scoring role can neither create nor alter (COMMENT ON, CREATE INDEX) tables
      // it does not own; when the owner has created them all, there is nothing to do.
      pqxx::row r = tx.exec_params1(
          "SELECT count(c.oid), count(c.oid) FILTER (WHERE pg_has_role(c.relowner, 'USAGE'))"
          " FROM unnest(ARRAY[$1::text, $2::text, $3::text, $4::text]) AS t(name)"
          " LEFT JOIN pg_catalog.pg_class c ON c.relname = t.name AND c.relnamespace ="
          " (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = current_schema())",
          results.table, results.runs_table, results.rejected_table, results.latest_view);
      const auto present = r[0].as<std::int64_t>(), owned = r[1].as<std::int64_t>();
      if (present == 4 && owned < 4) {
        log_.debug("results tables exist and belong to another role; not applying the DDL");
      } else {
        tx.exec(ddl);
      }
      tx.commit();
    });
  }

  SourceBatch ReadUnscored(const std::string& model_version, std::optional<std::int64_t> after_key,
                           std::size_t limit) override {
    const SourceConfig& src = config_.source;
    const ResultsConfig& results = config_.results;
    SourceBatch batch;
    batch.columns = src.FeatureColumns();
    const std::string sql =
        UnscoredRowsSql(config_, after_key.has_value(), {"$1::text", "$2::bigint", "$3::bigint"});
    const auto n = static_cast<std::int64_t>(limit);
    pqxx::result r =
        Run("read unscored rows of " + src.table,
            {{src.table, "SELECT"}, {results.table, "SELECT"}, {results.rejected_table, "SELECT"}},
            [&](pqxx::connection& c) {
              pqxx::work tx(c);
              pqxx::result out = after_key ? tx.exec_params(sql, model_version, n, *after_key)
                                           : tx.exec_params(sql, model_version, n);
              tx.commit();
              return out;
            });
    batch.rows = ToRows(r, 1);
    for (const auto& row : r) batch.keys.push_back(ToInt64(row[0], "read " + src.key));
    return batch;
  }

  std::int64_t CountNullKeys() override {
    const SourceConfig& src = config_.source;
    return ScalarInt("SELECT COUNT(*) FROM " + QuoteIdentifier(src.table) + " WHERE " +
                         QuoteIdentifier(src.key) + " IS NULL",
                     "count NULL keys of " + src.table, {{src.table, "SELECT"}})
        .value_or(0);
  }

  BatchWriteResult WriteBatch(std::int64_t run_id, const std::string& model_version,
                              double threshold, const std::vector<Prediction>& predictions,
                              const std::vector<Rejection>& rejections) override {
    const ResultsConfig& results = config_.results;
    const std::string threshold_text = FormatDouble(threshold);
    BatchWriteResult out;
    Run("write a batch of predictions",
        {{results.table, "INSERT"},
         {results.rejected_table, "INSERT"},
         {results.runs_table, "UPDATE"}},
        [&](pqxx::connection& c) {
          pqxx::work tx(c);
          if (!session_->staging_ready) {
            // Once per connection; ON COMMIT DELETE ROWS empties them after every batch without
            // the catalog churn of creating and dropping a table per batch.
            tx.exec(
                "CREATE TEMP TABLE IF NOT EXISTS bankscore_stage_predictions"
                " (source_key BIGINT, probability DOUBLE PRECISION, label SMALLINT)"
                " ON COMMIT DELETE ROWS;"
                " CREATE TEMP TABLE IF NOT EXISTS bankscore_stage_rejections"
                " (source_key BIGINT, reason TEXT) ON COMMIT DELETE ROWS");
          }
          if (!predictions.empty()) {
            pqxx::stream_to copy(tx, "pg_temp.bankscore_stage_predictions",
                                 std::vector<std::string>{"source_key", "probability", "label"});
            for (const auto& p : predictions) {
              copy << std::make_tuple(p.key, FormatDouble(p.probability), p.label);
            }
            copy.complete();
            // Counts what this transaction inserted: a batch replayed after an unconfirmed
            // commit inserts nothing and so adds nothing to the run's totals.
            pqxx::row inserted = tx.exec_params1(
                "WITH inserted AS (INSERT INTO " + QuoteIdentifier(results.table) +
                    " (source_key, model_version, probability, label, threshold, run_id)"
                    " SELECT source_key, $1::text, probability, label, $2::double precision,"
                    " $3::bigint FROM pg_temp.bankscore_stage_predictions"
                    " ON CONFLICT DO NOTHING RETURNING label)"
                    " SELECT count(*), coalesce(sum(label), 0) FROM inserted",
                model_version, threshold_text, run_id);
            out.predictions_inserted = ToInt64(inserted[0], "count inserted predictions");
            out.positives_inserted = ToInt64(inserted[1], "count inserted positives");
          }
          if (!rejections.empty()) {
            pqxx::stream_to copy(tx, "pg_temp.bankscore_stage_rejections",
                                 std::vector<std::string>{"source_key", "reason"});
            for (const auto& r : rejections) copy << std::make_tuple(r.key, r.reason);
            copy.complete();
            out.rejections_inserted = static_cast<std::int64_t>(
                tx.exec_params("INSERT INTO " + QuoteIdentifier(results.rejected_table) +
                                   " (source_key, model_version, run_id, reason)"
                                   " SELECT source_key, $1::text, $2::bigint, reason"
                                   " FROM pg_temp.bankscore_stage_rejections"
                                   " ON CONFLICT DO NOTHING",
                               model_version, run_id)
                    .affected_rows());
          }
          tx.exec_params("UPDATE " + QuoteIdentifier(results.runs_table) +
                             " SET rows_read = rows_read + $1::bigint,"
                             " rows_scored = rows_scored + $2::bigint,"
                             " rows_rejected = rows_rejected + $3::bigint,"
                             " rows_positive = rows_positive + $4::bigint,"
                             " threshold = $5::double precision WHERE run_id = $6::bigint",
                         out.predictions_inserted + out.rejections_inserted,
                         out.predictions_inserted, out.rejections_inserted, out.positives_inserted,
                         threshold_text, run_id);
          tx.commit();
          session_->staging_ready = true;
        });
    return out;
  }

  std::int64_t BeginRun(const RunRecord& run) override {
    const std::string& runs = config_.results.runs_table;
    return Run("record the run start", {{runs, "INSERT"}}, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      pqxx::row r = tx.exec_params1(
          "INSERT INTO " + QuoteIdentifier(runs) +
              " (kind, model_version, threshold, status, message, pid)"
              " VALUES ($1::text, $2::text, $3::double precision, $4::text, $5::text,"
              " $6::integer) RETURNING run_id",
          run.kind, run.model_version, FormatDouble(run.threshold), run.status,
          NullIfEmpty(run.message), static_cast<std::int64_t>(getpid()));
      tx.commit();
      return ToInt64(r[0], "record the run start");
    });
  }

  void FinishRun(std::int64_t run_id, const RunRecord& run) override {
    const std::string& runs = config_.results.runs_table;
    Run("record the run end", {{runs, "UPDATE"}}, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec_params("UPDATE " + QuoteIdentifier(runs) +
                         " SET status = $1::text, message = $2::text,"
                         " threshold = $3::double precision, finished_at = clock_timestamp()"
                         " WHERE run_id = $4::bigint",
                     run.status, NullIfEmpty(run.message), FormatDouble(run.threshold), run_id);
      tx.commit();
    });
  }

  std::int64_t MarkAbandonedRuns() override {
    const std::string& runs = config_.results.runs_table;
    return Run("mark abandoned runs", {{runs, "UPDATE"}}, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      pqxx::result r = tx.exec("UPDATE " + QuoteIdentifier(runs) +
                               " SET status = 'abandoned', finished_at = clock_timestamp(),"
                               " message = 'the process ended before the run finished'"
                               " WHERE status = 'running'");
      tx.commit();
      return static_cast<std::int64_t>(r.affected_rows());
    });
  }

  RelabelResult Relabel(std::int64_t run_id, const std::string& model_version,
                        const Decision& decision) override {
    const std::string label = Decision::SqlLabel("probability", "$1::double precision");
    const std::string& table = config_.results.table;
    const std::string& runs = config_.results.runs_table;
    const std::string t = FormatDouble(decision.threshold);
    return Run("relabel predictions", {{table, "UPDATE"}, {runs, "UPDATE"}},
               [&](pqxx::connection& c) {
                 pqxx::work tx(c);
                 // What is about to change, per previous threshold, for the run's record.
                 pqxx::result before = tx.exec_params(
                     "SELECT threshold, count(*),"
                     " count(*) FILTER (WHERE label <> " +
                         label +
                         "),"
                         " count(*) FILTER (WHERE " +
                         label +
                         " = 1)"
                         " FROM " +
                         QuoteIdentifier(table) +
                         " WHERE model_version = $2::text AND threshold <> $1::double precision"
                         " GROUP BY threshold ORDER BY count(*) DESC, threshold",
                     t, model_version);
                 RelabelResult result;
                 std::vector<std::pair<double, std::int64_t>> previous;
                 for (const auto& row : before) {
                   const std::int64_t rows = ToInt64(row[1], "relabel: count");
                   previous.emplace_back(row[0].as<double>(), rows);
                   result.rows_relabeled += rows;
                   result.labels_changed += ToInt64(row[2], "relabel: count");
                   result.positives_after += ToInt64(row[3], "relabel: count");
                 }
                 result.previous_thresholds = DescribeThresholdCounts(previous);
                 tx.exec_params(
                     "UPDATE " + QuoteIdentifier(table) +
                         " SET threshold = $1::double precision,"
                         " label = " +
                         label +
                         ","
                         " relabeled_at = clock_timestamp()"
                         " WHERE model_version = $2::text AND threshold <> $1::double precision",
                     t, model_version);
                 tx.exec_params("UPDATE " + QuoteIdentifier(runs) +
                                    " SET rows_read = $1::bigint, rows_scored = $1::bigint,"
                                    " rows_positive = $2::bigint WHERE run_id = $3::bigint",
                                result.rows_relabeled, result.positives_after, run_id);
                 tx.commit();
                 return result;
               });
  }

  void CheckScoringAccess() override {
    const SourceConfig& src = config_.source;
    const ResultsConfig& results = config_.results;
    // (relation, privilege) pairs a scoring run uses; see sql/postgres/roles.sql.
    const Needs needs = {{src.table, "SELECT"},
                         {results.table, "SELECT"},
                         {results.table, "INSERT"},
                         {results.rejected_table, "SELECT"},
                         {results.rejected_table, "INSERT"},
                         {results.runs_table, "SELECT"},
                         {results.runs_table, "INSERT"},
                         {results.runs_table, "UPDATE"}};
    std::vector<std::string> missing = Run("check privileges", {}, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      std::vector<std::string> out;
      for (const auto& [relation, privilege] : needs) {
        // to_regclass resolves the name through search_path like the statements will; a missing
        // table is reported by the statements themselves, with their own message.
        pqxx::row r = tx.exec_params1(
            "SELECT to_regclass(quote_ident($1::text)) IS NULL OR"
            " has_table_privilege(to_regclass(quote_ident($1::text)), $2::text)",
            relation, privilege);
        if (!r[0].as<bool>()) out.push_back(privilege + " on " + relation);
      }
      pqxx::row seq = tx.exec_params1(
          "SELECT s IS NULL OR has_sequence_privilege(s, 'USAGE') FROM"
          " (SELECT CASE WHEN to_regclass(quote_ident($1::text)) IS NOT NULL"
          " THEN pg_get_serial_sequence(quote_ident($1::text), 'run_id') END AS s) AS seq",
          results.runs_table);
      if (!seq[0].as<bool>()) out.push_back("USAGE on the sequence of " + results.runs_table);
      tx.commit();
      return out;
    });
    if (missing.empty()) return;
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw DatabaseError("PostgreSQL at " + settings_.server + ": permission denied: role " +
                        CurrentUser() + " lacks " + list + " (see " + kRolesScript +
                        "); nothing was written");
  }

  std::unique_ptr<ScorerLock> TryLockScorer(bool wait, std::chrono::milliseconds timeout,
                                            const std::function<bool()>& stop) override {
    // One connection for the whole wait: it becomes the lock's connection once acquired.
    auto session = Connect(settings_, kLockApplicationName, log_);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!TryScorerLock(*session, settings_, config_.results.table)) {
      if (!wait || std::chrono::steady_clock::now() >= deadline || (stop && stop())) {
        return nullptr;
      }
      std::this_thread::sleep_for(kLockPollInterval);
    }
    return std::make_unique<AdvisoryLock>(std::move(session), settings_, config_.results.table,
                                          log_);
  }

  RowBatch Query(const std::string& sql) override {
    pqxx::result r = Run("query", {}, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      pqxx::result out = tx.exec(sql);
      tx.commit();
      return out;
    });
    RowBatch out;
    for (pqxx::row_size_type i = 0; i < r.columns(); ++i) out.columns.push_back(r.column_name(i));
    out.rows = ToRows(r, 0);
    return out;
  }

 private:
  // The live connection, connecting (again) if there is none.
  pqxx::connection& Connection() {
    if (session_ && !session_->connection->is_open()) session_.reset();
    if (!session_) {
      session_ = Connect(settings_, kApplicationName, log_);
      // A reconnect follows a logged failure; say at the same level that it recovered.
      if (ever_connected_) {
        log_.warn("reconnected to PostgreSQL at {}", settings_.server);
      } else {
        log_.debug("connected to PostgreSQL at {}", settings_.server);
      }
      ever_connected_ = true;
    }
    return *session_->connection;
  }

  // Runs `body` on the connection; libpqxx exceptions become DatabaseError, and after a transient
  // one the session is dropped so the next call reconnects.
  template <typename Body>
  auto Run(const std::string& what, const Needs& needs, Body&& body)
      -> decltype(body(std::declval<pqxx::connection&>())) {
    pqxx::connection& connection = Connection();
    try {
      return body(connection);
    } catch (...) {
      try {
        RethrowAsDatabaseError(what, settings_.server, needs, connection.is_open());
      } catch (const DatabaseError& e) {
        if (e.transient()) session_.reset();
        throw;
      }
    }
  }

  std::optional<std::int64_t> ScalarInt(const std::string& sql, const std::string& what,
                                        const Needs& needs) {
    pqxx::result r = Run(what, needs, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      pqxx::result out = tx.exec(sql);
      tx.commit();
      return out;
    });
    if (r.empty() || r[0][0].is_null()) return std::nullopt;
    return ToInt64(r[0][0], what);
  }

  // Rows of `r` from column `first` on, as Values typed by the columns' OIDs.
  static std::vector<std::vector<Value>> ToRows(const pqxx::result& r, pqxx::row_size_type first) {
    std::vector<pqxx::oid> types;
    for (pqxx::row_size_type i = first; i < r.columns(); ++i) types.push_back(r.column_type(i));
    std::vector<std::vector<Value>> rows;
    rows.reserve(r.size());
    for (const auto& row : r) {
      std::vector<Value> values(types.size());
      for (std::size_t i = 0; i < types.size(); ++i) {
        values[i] = Cell(row[static_cast<pqxx::row_size_type>(first + i)], types[i]);
      }
      rows.push_back(std::move(values));
    }
    return rows;
  }

  static std::optional<std::string> NullIfEmpty(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return s;
  }

  std::string CurrentUser() {
    return Run("look up the current role", {}, [&](pqxx::connection& c) {
      pqxx::work tx(c);
      std::string user = tx.exec("SELECT current_user")[0][0].as<std::string>();
      tx.commit();
      return user;
    });
  }

  std::string CurrentSchemaSuffix() {
    return settings_.schema.empty() ? "" : " (schema " + settings_.schema + ")";
  }

  const Config config_;
  spdlog::logger& log_;
  ConnectSettings settings_;
  std::unique_ptr<Session> session_;
  bool ever_connected_ = false;
};

}  // namespace

std::unique_ptr<Database> OpenPostgresDatabase(const Config& config, spdlog::logger& log) {
  return std::make_unique<PostgresDatabase>(config, log);
}

}  // namespace bankscore::internal
