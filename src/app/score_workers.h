// Internal: `bankscore score --workers N`: N scoring workers (threads) in this process, each with
// its own database connections, sharing the work of one model version through the leases of
// PostgreSQL (LeaseStore) with every other worker of every process scoring the same tables.
#pragma once

#include "bankscore/commands.h"

namespace bankscore {

// Runs `workers` (>= 1) workers until no range is left to claim and prints one line per worker
// and a total. Throws ConfigError before anything is scored when the backend has no leases
// (SQLite) and `workers` > 1, or with --retry-rejected; rethrows the first worker's failure once
// all have stopped; throws Error when a signal interrupted a worker (the rest is scored next time).
int ScoreWithWorkers(const CommandContext& ctx, int workers, bool wait);

}  // namespace bankscore
