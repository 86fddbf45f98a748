// The scoring daemon behind `bankscore run`: a scoring cycle at start, then one per interval (or
// daily at a fixed UTC time), until SIGTERM/SIGINT.
//
// Each cycle takes the scorer lock, scores the rows that have no prediction for the current model
// version and logs one summary line (with DaemonOptions::workers, one per worker). SIGHUP re-reads
// the config file: a valid file takes effect (a new threshold from the next batch, a new model at
// the next cycle); an invalid one is logged with the offending key and the daemon keeps the last
// good config. A new current version at model.path (train, models promote, models rollback) is
// picked up at the next cycle. Database failures are logged and retried with backoff; the daemon
// does not exit because the database is down.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "bankscore/config.h"
#include "bankscore/database.h"
#include "bankscore/signals.h"

namespace spdlog {
class logger;
}

namespace bankscore {

// Opens the configured database; tests substitute a fake.
using DatabaseOpener =
    std::function<std::unique_ptr<Database>(const Config& config, spdlog::logger& log)>;

struct DaemonOptions {
  std::string config_path;  // re-read on SIGHUP
  bool once = false;        // one cycle, then return
  // With `once`: a failed cycle is retried with backoff until one succeeds or this much time has
  // passed since the start (zero: no retry). The run --retry-until DURATION option.
  std::chrono::milliseconds retry_until{0};
  bool json_logs = false;  // --json-logs: JSON lines whatever logging.json says, also on reload
  // --workers N: each cycle runs N scoring workers (threads, each with its own connection) that
  // share the rows in leased key ranges with every other worker on the database (PostgreSQL
  // only; a reload to a config that cannot take N workers is refused).
  int workers = 1;
  DatabaseOpener open_database = OpenDatabase;
};

// Runs until a stop is requested through `signals` (returns 0) or, with `once`, after one cycle
// (returns 0 if it succeeded, 1 otherwise; with retry_until, after the first cycle that
// succeeded, or 1 when the time is up). Throws ConfigError / ModelError only for problems found
// before the first cycle (bad model bundle at start).
int RunDaemon(const Config& initial_config, const DaemonOptions& options, SignalWatcher& signals,
              spdlog::logger& log);

}  // namespace bankscore
