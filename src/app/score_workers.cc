#include "app/score_workers.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <thread>
#include <vector>

#include "bankscore/database.h"
#include "bankscore/error.h"
#include "bankscore/signals.h"
#include "ingest/source_check.h"
#include "jobs/scorer.h"
#include "model/bundle.h"

namespace bankscore {
namespace {

constexpr std::chrono::hours kWorkerLockWaitLimit{24};

// "host:pid:n": unique among the workers of every process and host sharing the database.
std::string WorkerName(int n) {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}:{}", host[0] ? host : "localhost", getpid(), n);
}

struct WorkerOutcome {
  RunSummary summary;
  std::exception_ptr failure;
};

// One worker: its own connection, scorer lock (shared) and model, until nothing is left.
void RunWorker(const CommandContext& ctx, int n, bool wait, const StopRequested& stop,
               WorkerOutcome& outcome) {
  try {
    auto db = OpenDatabase(ctx.config, ctx.log);
    const ModelBundle bundle = LoadConfiguredModel(ctx.config);
    auto lock = db->TryLockScorerShared(
        wait, wait ? kWorkerLockWaitLimit : std::chrono::milliseconds(0), stop);
    if (!lock) {
      if (stop()) throw Error("stopped by signal while waiting for the scorer lock");
      throw DatabaseError(
          "a single bankscore scorer or relabel holds the scorer lock of this database; "
          "try again later or pass --wait");
    }
    ScoreOptions options;
    options.should_stop = stop;
    options.worker = WorkerName(n);
    outcome.summary = ScoreNewRows(*db, *lock, ctx.config, bundle, options, ctx.log);
  } catch (...) {
    outcome.failure = std::current_exception();
  }
}

void PrintWorker(std::ostream& out, const RunSummary& s) {
  if (s.run_id == 0) {
    out << fmt::format("worker {}: nothing left to claim\n", s.worker);
    return;
  }
  const double seconds = s.duration.count() / 1000.0;
  out << fmt::format(
      "worker {}: run {} {}: read {}, scored {}, rejected {}, {} key range(s) claimed, {} taken "
      "over, {:.2f} s ({:.0f} rows/s)\n",
      s.worker, s.run_id, s.status, s.rows_read, s.rows_scored, s.rows_rejected, s.leases_claimed,
      s.lease_takeovers, seconds, seconds > 0 ? s.rows_read / seconds : 0.0);
}

}  // namespace

int ScoreWithWorkers(const CommandContext& ctx, int workers, bool wait) {
  {
    auto db = OpenDatabase(ctx.config, ctx.log);
    if (!db->Leases() && workers > 1) {
      throw ConfigError("--workers " + std::to_string(workers) + ": the " + db->BackendName() +
                        " backend admits one scorer at a time; several scoring workers need "
                        "PostgreSQL (database.backend: postgres)");
    }
    ValidateSourceTable(*db, ctx.config);
    db->EnsureResultsSchema();
    if (!db->Leases()) return ScoreCommand(ctx, wait);  // SQLite, --workers 1: the lone scorer
  }
  const StopRequested stop = [&ctx] { return ctx.signals && ctx.signals->stop_requested(); };
  const auto started = std::chrono::steady_clock::now();
  std::vector<WorkerOutcome> outcomes(static_cast<std::size_t>(workers));
  std::vector<std::thread> threads;
  for (int n = 1; n <= workers; ++n) {
    threads.emplace_back(RunWorker, std::cref(ctx), n, wait, std::cref(stop),
                         std::ref(outcomes[static_cast<std::size_t>(n - 1)]));
  }
  for (std::thread& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::int64_t rows = 0;
  bool interrupted = false;
  for (const WorkerOutcome& o : outcomes) {
    if (o.failure) continue;
    PrintWorker(ctx.out, o.summary);
    rows += o.summary.rows_read;
    interrupted = interrupted || o.summary.status == "interrupted";
  }
  ctx.out << fmt::format("{} workers: read {} rows in {:.2f} s ({:.0f} rows/s)\n", workers, rows,
                         seconds, seconds > 0 ? rows / seconds : 0.0);
  for (const WorkerOutcome& o : outcomes) {
    if (o.failure) std::rethrow_exception(o.failure);
  }
  if (interrupted) {
    throw Error("scoring workers were interrupted by a signal after " + std::to_string(rows) +
                " rows; the next run scores the rest");
  }
  return 0;
}

}  // namespace bankscore
