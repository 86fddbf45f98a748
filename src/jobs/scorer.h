// Internal: scoring, one run over the source rows not yet scored by the current model version.
//
// A run is recorded in the runs table before the first batch. Each batch is read (keyset order),
// encoded, predicted in one XGBoost call and written in one transaction with the run's totals, so a
// crash loses at most the batch in flight and nothing is ever half-written; the unique key
// (source key, model version) makes a replayed batch a no-op. Rows that cannot be encoded go to the
// rejected table with a reason. Invariant per run: rows_read = rows_scored + rows_rejected.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/database.h"
#include "common/retry.h"
#include "jobs/live_threshold.h"
#include "jobs/score_batch.h"
#include "model/bundle.h"

namespace bankscore {

// The end of a run that could not be recorded because the database was unreachable. A process
// that keeps going (the daemon) keeps these and the next run records them, so the run shows as
// failed with its reason rather than as abandoned.
struct UnrecordedRunEnd {
  std::int64_t run_id = 0;
  RunRecord record;
};

struct ScoreOptions {
  // The scoring.threshold override, read before each batch; null means the config's at start.
  const LiveThreshold* threshold = nullptr;
  // Polled between batches; returning true ends the run as "interrupted" after the current batch.
  StopRequested should_stop;
  // Optional, owned by the caller: run ends still to be recorded. Written (and removed) at the
  // start of the run; this run's end is added if it cannot be recorded.
  std::vector<UnrecordedRunEnd>* unrecorded_ends = nullptr;
  // Read again the rows this model version rejected before (they may have been corrected since);
  // those still bad are rejected again, with today's reason.
  bool retry_rejected = false;
  // Optional, owned by the caller: set to the run's id once the run is recorded. From then on the
  // scorer logs the run's end (run_finished) itself, also when it fails.
  std::int64_t* started_run_id = nullptr;
  // Leased scoring (--workers, PostgreSQL): this worker's name, unique among all workers of all
  // processes. The run then scores the key ranges it claims from Database::Leases() (planned
  // first, see LeaseStore) until none is left, and `lock` must be the shared scorer lock. Empty:
  // one scorer, the whole table in one pass.
  std::string worker;
};

struct RunSummary {
  std::int64_t run_id = 0;
  // succeeded, failed, interrupted; "nothing to score" when no row was waiting (no run recorded,
  // run_id 0)
  std::string status;
  std::string message;
  std::string model_version;
  double threshold = 0.5;  // in force at the end of the run
  std::int64_t rows_read = 0;
  std::int64_t rows_scored = 0;
  std::int64_t rows_rejected = 0;
  std::int64_t rows_positive = 0;
  std::int64_t null_keys = 0;         // source rows with a NULL key: never scored
  std::int64_t non_integer_keys = 0;  // source rows whose key is not an integer: never scored
  std::vector<std::int64_t> unseen;   // per categorical feature: cells of unseen categories
  std::vector<std::int64_t> out_of_training_range;  // per numeric feature
  std::vector<DriftRow> drift;       // PSI per column (empty without a drift reference or rows)
  std::string worker;                // ScoreOptions::worker
  std::int64_t leases_claimed = 0;   // key ranges this worker claimed
  std::int64_t lease_takeovers = 0;  // of those, taken over from a worker that had stopped
  StageTimes times;                  // summed over batches (and scoring threads)
  std::chrono::milliseconds duration{0};
};

// Scores every unscored row. `lock` is the scorer lock the caller holds; it is confirmed before
// every write and the run fails if another scorer took it over. A role that lacks a privilege the
// run needs is refused before anything is written; then runs left 'running' by dead processes are
// marked abandoned and the run is recorded. Database failures are retried per batch
// (config.database.connect_attempts, with backoff); when retries run out the run is recorded as
// failed and the DatabaseError is rethrown. A stop request during a retry ends the run as
// interrupted, without an exception. With ScoreOptions::worker, see there: a worker that finds
// no range to claim records no run ("nothing to score").
RunSummary ScoreNewRows(Database& db, ScorerLock& lock, const Config& config,
                        const ModelBundle& model, const ScoreOptions& options, spdlog::logger& log);

}  // namespace bankscore
