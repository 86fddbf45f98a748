#include "db/postgres/session.h"

#include <spdlog/spdlog.h>

#include <thread>
#include <vector>

#include "bankscore/error.h"

namespace bankscore::internal::pg {
namespace {

constexpr std::chrono::milliseconds kLockPollInterval{100};

// The scorer lock's key: one lock per schema and results table, so scorers of other tables do not
// exclude each other. Bound parameter $1 is the results table name.
constexpr const char* kScorerLockKeySql =
    "(hashtextextended('bankscore scorer ' || coalesce(current_schema(), '') || '.' || $1::text, "
    "0))";

// One attempt to take the scorer lock on `session`; throws DatabaseError.
bool TryScorerLock(Session& session, const ConnectSettings& settings,
                   const std::string& results_table, LockMode mode) {
  try {
    pqxx::nontransaction tx(*session.connection);
    const std::string function =
        mode == LockMode::kShared ? "pg_try_advisory_lock_shared" : "pg_try_advisory_lock";
    return tx.exec_params1("SELECT " + function + kScorerLockKeySql, results_table)[0].as<bool>();
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
               std::string results_table, std::string runs_table, LockMode mode,
               spdlog::logger& log)
      : session_(std::move(session)),
        settings_(settings),
        results_table_(std::move(results_table)),
        runs_table_(std::move(runs_table)),
        mode_(mode),
        log_(log) {}

  void HoldRun(std::int64_t run_id) override {
    runs_.push_back(run_id);
    if (!session_) return;  // taken with the scorer lock when EnsureHeld reconnects
    try {
      TakeRunLock(*session_, run_id);
    } catch (const pqxx::pqxx_exception&) {
      // The connection is gone: EnsureHeld, before the next write, reconnects and takes it.
      session_.reset();
    }
  }

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
    if (!TryScorerLock(*session, settings_, results_table_, mode_)) {
      throw DatabaseError("lost the scorer lock: its connection to PostgreSQL at " +
                          settings_.server +
                          " was cut and another bankscore scorer holds the lock now; this run "
                          "stops so that only one scorer writes");
    }
    try {
      for (std::int64_t run : runs_) TakeRunLock(*session, run);
    } catch (...) {
      RethrowAsDatabaseError("take a run lock", settings_.server, {},
                             session->connection->is_open());
    }
    session_ = std::move(session);
    log_.warn("the scorer lock's connection to PostgreSQL at {} was cut; lock taken again",
              settings_.server);
  }

 private:
  void TakeRunLock(Session& session, std::int64_t run_id) {
    pqxx::nontransaction tx(*session.connection);
    tx.exec_params("SELECT pg_advisory_lock(" + RunLockKeySql("$1::text", "$2::bigint") + ")",
                   runs_table_, run_id);
  }

  std::unique_ptr<Session> session_;
  ConnectSettings settings_;
  std::string results_table_;
  std::string runs_table_;
  LockMode mode_;
  std::vector<std::int64_t> runs_;  // runs held (HoldRun), taken again after a reconnect
  spdlog::logger& log_;
};

}  // namespace

std::unique_ptr<Session> Connect(const ConnectSettings& settings, const char* application_name,
                                 spdlog::logger& log) {
  auto session = std::make_unique<Session>();
  try {
    session->connection = std::make_unique<pqxx::connection>(
        WithOptions(settings.conninfo, {{"fallback_application_name", application_name}}));
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

Session& Connection::session() {
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
  return *session_;
}

pqxx::result Connection::Exec(const std::string& what, const Needs& needs, const std::string& sql) {
  return Run(what, needs, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    pqxx::result out = tx.exec(sql);
    tx.commit();
    return out;
  });
}

std::unique_ptr<ScorerLock> TryLockScorer(const ConnectSettings& settings,
                                          const std::string& results_table,
                                          const std::string& runs_table, LockMode mode, bool wait,
                                          std::chrono::milliseconds timeout,
                                          const std::function<bool()>& stop, spdlog::logger& log) {
  // One connection for the whole wait: it becomes the lock's connection once acquired.
  auto session = Connect(settings, kLockApplicationName, log);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!TryScorerLock(*session, settings, results_table, mode)) {
    if (!wait || std::chrono::steady_clock::now() >= deadline || (stop && stop())) {
      return nullptr;
    }
    std::this_thread::sleep_for(kLockPollInterval);
  }
  return std::make_unique<AdvisoryLock>(std::move(session), settings, results_table, runs_table,
                                        mode, log);
}

}  // namespace bankscore::internal::pg
