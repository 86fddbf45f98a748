#include "app/score_workers.h"

#include <fmt/format.h>

#include <chrono>
#include <exception>

#include "bankscore/database.h"
#include "bankscore/error.h"
#include "bankscore/signals.h"
#include "ingest/source_check.h"
#include "jobs/worker_pool.h"
#include "model/bundle.h"

namespace bankscore {
namespace {

// --wait: as long as a single scorer or relabel may reasonably hold the lock.
constexpr std::chrono::hours kWorkerLockWaitLimit{24};

}  // namespace

int ScoreWithWorkers(const CommandContext& ctx, int workers, bool wait) {
  CheckWorkerCount(ctx.config, workers, "--workers");
  {
    auto db = OpenDatabase(ctx.config, ctx.log);
    ValidateSourceTable(*db, ctx.config);
    db->EnsureResultsSchema();
    if (!db->Leases()) return ScoreCommand(ctx, wait);  // SQLite, --workers 1: the lone scorer
  }
  const ModelBundle model = LoadConfiguredModel(ctx.config);
  WorkerPoolOptions options;
  options.workers = workers;
  options.open_database = [&ctx] { return OpenDatabase(ctx.config, ctx.log); };
  options.should_stop = [&ctx] { return ctx.signals && ctx.signals->stop_requested(); };
  options.lock_wait = wait ? kWorkerLockWaitLimit : std::chrono::milliseconds(0);
  const auto started = std::chrono::steady_clock::now();
  const std::vector<WorkerOutcome> outcomes =
      RunScoringWorkers(ctx.config, model, options, ctx.log);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  bool interrupted = false;
  for (const WorkerOutcome& o : outcomes) {
    if (o.failure) continue;
    ctx.out << WorkerSummaryLine(o.summary) << '\n';
    interrupted = interrupted || o.summary.status == "interrupted";
  }
  const std::int64_t rows = RowsRead(outcomes);
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
