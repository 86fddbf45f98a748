// Internal: libpqxx's exceptions and the server's messages turned into bankscore's one-line
// DatabaseError, with a hint naming the missing grant when a privilege is the problem.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace bankscore::internal::pg {

// (table, privilege) pairs an operation needs, to explain a permission error.
using Needs = std::vector<std::pair<std::string, std::string>>;

// Where the privileges bankscore needs are granted; named in permission errors.
inline constexpr const char* kRolesScript = "sql/postgres/roles.sql";

// The first line of a libpq/libpqxx message without its severity prefix ("ERROR:  ").
std::string FirstLine(const std::string& text);

// True for the SQLSTATEs that mean the session is gone: class 08 (connection exception), 57P01
// (admin_shutdown: pg_terminate_backend, fast shutdown), 57P02 (crash_shutdown) and 57P03
// (cannot_connect_now: server starting up).
bool IsLostSessionSqlState(const std::string& state);

// Call only inside a catch block: turns the exception in flight into a DatabaseError (transient
// when the session is gone, so the caller may reconnect and retry). Exceptions that are not
// libpqxx's (bankscore's own, or from a ScanTable sink) pass through unchanged.
[[noreturn]] void RethrowAsDatabaseError(const std::string& what, const std::string& server,
                                         const Needs& needs, bool connection_open);

}  // namespace bankscore::internal::pg
