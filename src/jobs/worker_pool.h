// Internal: a pool of scoring workers, the threads behind `score --workers N` and
// `run --workers N`.
//
// Each worker opens its own database connections, takes the shared scorer lock and scores the key
// ranges it claims from PostgreSQL's leases (LeaseStore) until none is left, together with every
// other worker of every process and host scoring the same tables. The workers share one loaded
// model (prediction and TreeSHAP are safe on several threads) and the caller's LiveThreshold.
// A worker's failure does not stop the others: each outcome is returned.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/database.h"
#include "jobs/live_threshold.h"
#include "jobs/scorer.h"
#include "model/bundle.h"

namespace bankscore {

struct WorkerPoolOptions {
  int workers = 1;
  // Opens one worker's database; called once per worker, on that worker's thread.
  std::function<std::unique_ptr<Database>()> open_database;
  const LiveThreshold* threshold = nullptr;  // as ScoreOptions::threshold
  StopRequested should_stop;                 // polled between batches and while waiting
  // How long a worker waits for the shared scorer lock while a single scorer or a relabel holds
  // it; zero: it fails at once.
  std::chrono::milliseconds lock_wait{0};
};

struct WorkerOutcome {
  RunSummary summary;          // run_id 0 when the worker found no range to claim
  std::exception_ptr failure;  // set when the worker failed; summary is then incomplete
  // The worker's run once recorded (0 before): its scorer then logged the run's end itself.
  std::int64_t started_run_id = 0;
};

// Throws ConfigError unless `workers` can score `config`'s database: 1 to 256, and above 1 only
// on PostgreSQL (SQLite admits one scorer at a time). `option` names the flag in the message.
void CheckWorkerCount(const Config& config, int workers, const std::string& option);

// Runs options.workers workers to the end and returns their outcomes, in worker order. Each
// worker's run logs its rows/s, claimed ranges and takeovers; a worker that found nothing to claim
// logs that.
std::vector<WorkerOutcome> RunScoringWorkers(const Config& config, const ModelBundle& model,
                                             const WorkerPoolOptions& options, spdlog::logger& log);

// "worker W: run R succeeded: read ..., N key range(s) claimed, T taken over, S s (X rows/s)", or
// "worker W: nothing left to claim".
std::string WorkerSummaryLine(const RunSummary& summary);

// The workers' rows read, summed over those that did not fail.
std::int64_t RowsRead(const std::vector<WorkerOutcome>& outcomes);

}  // namespace bankscore
