#include "db/postgres/errors.h"

#include <cctype>
#include <cstring>
#include <pqxx/pqxx>
#include <sstream>

#include "bankscore/error.h"

namespace bankscore::internal::pg {
namespace {

std::string StripSeverity(std::string line) {
  for (const char* prefix : {"ERROR:  ", "FATAL:  ", "PANIC:  "}) {
    if (line.rfind(prefix, 0) == 0) return line.substr(std::strlen(prefix));
  }
  return line;
}

}  // namespace

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return StripSeverity(line);
}

namespace {

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

}  // namespace

// libpqxx 6.4 reports these as a plain sql_error (it maps class 08 to broken_connection, 40xxx to
// transaction_rollback and 42501 to insufficient_privilege itself, the last without setting
// sqlstate()); the COPY reader, on libpq directly, sees them on its results.
bool IsLostSessionSqlState(const std::string& state) {
  return state.rfind("08", 0) == 0  // connection exception
         || state == "57P01"        // admin_shutdown: pg_terminate_backend, fast shutdown
         || state == "57P02"        // crash_shutdown
         || state == "57P03";       // cannot_connect_now: server starting up
}

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

}  // namespace bankscore::internal::pg
