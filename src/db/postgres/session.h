// Internal: PostgreSQL sessions. A Connection is the adapter's work session, connected lazily and
// dropped after a transient failure so the next call reconnects; every statement runs through
// Connection::Run, where libpqxx exceptions become DatabaseError. The scorer lock (a session
// advisory lock on a connection of its own) lives here too.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <utility>

#include "bankscore/database.h"
#include "bankscore/error.h"
#include "db/postgres/conninfo.h"
#include "db/postgres/errors.h"

namespace bankscore::internal::pg {

// application_name of the adapter's connections, so an operator (or a test) can find them in
// pg_stat_activity. The scorer lock's connection is named differently: killing a scorer's work
// connection must not silently release its lock.
inline constexpr const char* kApplicationName = "bankscore";
inline constexpr const char* kLockApplicationName = "bankscore-lock";

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

// Opens a session: connects, routes notices to the log, and sets it up (exact doubles, UTF-8,
// database.schema as search_path). Throws a transient DatabaseError if the server is unreachable.
std::unique_ptr<Session> Connect(const ConnectSettings& settings, const char* application_name,
                                 spdlog::logger& log);

class Connection {
 public:
  Connection(ConnectSettings settings, spdlog::logger& log)
      : settings_(std::move(settings)), log_(log) {}

  const ConnectSettings& settings() const { return settings_; }
  spdlog::logger& log() const { return log_; }

  // The live session, connecting (again) if there is none.
  Session& session();

  // Runs `body(pqxx::connection&)`; libpqxx exceptions become DatabaseError naming `what` (and the
  // grant from `needs` on a permission error), and after a transient one the session is dropped.
  template <typename Body>
  auto Run(const std::string& what, const Needs& needs, Body&& body)
      -> decltype(body(std::declval<pqxx::connection&>())) {
    pqxx::connection& connection = *session().connection;
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

  // Convenience: one statement in its own transaction.
  pqxx::result Exec(const std::string& what, const Needs& needs, const std::string& sql);

 private:
  ConnectSettings settings_;
  spdlog::logger& log_;
  std::unique_ptr<Session> session_;
  bool ever_connected_ = false;
};

// The scorer lock's mode: one scorer alone, or one of the workers of --workers N (any number of
// workers hold it together; a lone scorer, relabel included, waits for all of them).
enum class LockMode { kExclusive, kShared };

// Takes the scorer lock of `results_table` on a connection of its own. With `wait`, polls until
// `deadline`-like `timeout` passes or `stop` returns true; nullptr if not acquired. The lock's
// HoldRun takes the run lock of a run of `runs_table` on the same connection.
std::unique_ptr<ScorerLock> TryLockScorer(const ConnectSettings& settings,
                                          const std::string& results_table,
                                          const std::string& runs_table, LockMode mode, bool wait,
                                          std::chrono::milliseconds timeout,
                                          const std::function<bool()>& stop, spdlog::logger& log);

// The bigint key of the advisory lock a live process holds on its run (ScorerLock::HoldRun), as
// SQL over the runs table's name and the run id, so MarkAbandonedRuns can find it in pg_locks.
inline std::string RunLockKeySql(const std::string& runs_table, const std::string& run_id) {
  return "hashtextextended('bankscore run ' || coalesce(current_schema(), '') || '.' || " +
         runs_table + " || ' ' || " + run_id + "::text, 0)";
}

}  // namespace bankscore::internal::pg
