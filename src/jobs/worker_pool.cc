#include "jobs/worker_pool.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <thread>

#include "bankscore/error.h"

namespace bankscore {
namespace {

constexpr int kMaxWorkers = 256;

// "host:pid:n": unique among the workers of every process and host sharing the database.
std::string WorkerName(int n) {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}:{}", host[0] ? host : "localhost", getpid(), n);
}

std::unique_ptr<ScorerLock> TakeSharedLock(Database& db, const WorkerPoolOptions& options) {
  const bool wait = options.lock_wait.count() > 0;
  auto lock = db.TryLockScorerShared(wait, options.lock_wait, options.should_stop);
  if (lock) return lock;
  if (options.should_stop && options.should_stop()) {
    throw Error("stopped by signal while waiting for the scorer lock");
  }
  throw DatabaseError(
      "a single bankscore scorer or relabel holds the scorer lock of this database; try again "
      "later or pass --wait");
}

void RunWorker(const Config& config, const ModelBundle& model, const WorkerPoolOptions& options,
               int n, spdlog::logger& log, WorkerOutcome& outcome) {
  try {
    auto db = options.open_database();
    auto lock = TakeSharedLock(*db, options);
    ScoreOptions score;
    score.threshold = options.threshold;
    score.should_stop = options.should_stop;
    score.worker = WorkerName(n);
    score.started_run_id = &outcome.started_run_id;
    outcome.summary = ScoreNewRows(*db, *lock, config, model, score, log);
    // A worker's run logs its own totals; one that found nothing to claim recorded no run.
    if (outcome.summary.run_id == 0) log.info("{}", WorkerSummaryLine(outcome.summary));
  } catch (...) {
    outcome.failure = std::current_exception();
  }
}

}  // namespace

void CheckWorkerCount(const Config& config, int workers, const std::string& option) {
  if (workers < 1 || workers > kMaxWorkers) {
    throw ConfigError(fmt::format("{} {}: the number of scoring workers must be 1 to {}", option,
                                  workers, kMaxWorkers));
  }
  if (workers > 1 && config.database.backend != DatabaseConfig::Backend::kPostgres) {
    throw ConfigError(fmt::format(
        "{} {}: the SQLite backend admits one scorer at a time; several scoring workers need "
        "PostgreSQL (database.backend: postgres)",
        option, workers));
  }
}

std::vector<WorkerOutcome> RunScoringWorkers(const Config& config, const ModelBundle& model,
                                             const WorkerPoolOptions& options,
                                             spdlog::logger& log) {
  std::vector<WorkerOutcome> outcomes(static_cast<std::size_t>(options.workers));
  std::vector<std::thread> threads;
  threads.reserve(outcomes.size());
  for (int n = 1; n <= options.workers; ++n) {
    threads.emplace_back(RunWorker, std::cref(config), std::cref(model), std::cref(options), n,
                         std::ref(log), std::ref(outcomes[static_cast<std::size_t>(n - 1)]));
  }
  for (std::thread& t : threads) t.join();
  return outcomes;
}

std::string WorkerSummaryLine(const RunSummary& s) {
  if (s.run_id == 0) return fmt::format("worker {}: nothing left to claim", s.worker);
  const double seconds = s.duration.count() / 1000.0;
  return fmt::format(
      "worker {}: run {} {}: read {}, scored {}, rejected {}, {} key range(s) claimed, {} taken "
      "over, {:.2f} s ({:.0f} rows/s)",
      s.worker, s.run_id, s.status, s.rows_read, s.rows_scored, s.rows_rejected, s.leases_claimed,
      s.lease_takeovers, seconds, seconds > 0 ? s.rows_read / seconds : 0.0);
}

std::int64_t RowsRead(const std::vector<WorkerOutcome>& outcomes) {
  std::int64_t rows = 0;
  for (const WorkerOutcome& o : outcomes) {
    if (!o.failure) rows += o.summary.rows_read;
  }
  return rows;
}

}  // namespace bankscore
