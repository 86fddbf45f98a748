#include "bankscore/daemon.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include "bankscore/database.h"
#include "bankscore/error.h"
#include "bankscore/logging.h"
#include "common/clock.h"
#include "common/log_event.h"
#include "common/retry.h"
#include "ingest/source_check.h"
#include "jobs/scorer.h"
#include "jobs/segmenter.h"
#include "jobs/worker_pool.h"
#include "model/bundle.h"
#include "model/registry.h"
#include "service/http_service.h"

namespace bankscore {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kMaxRetryBackoff = std::chrono::minutes(5);

// The current version at model.path (model/registry.h), without loading the whole bundle; empty
// if it cannot be read.
std::string BundleVersionOnDisk(const std::string& model_path) {
  try {
    return LoadBundleMetadata(ResolveModelDirectory(model_path)).version;
  } catch (const std::exception&) {
    return "";
  }
}

// Time until the next cycle: the interval, or the next daily HH:MM (UTC).
milliseconds UntilNextCycle(const ScoringConfig& scoring) {
  if (!scoring.daily_at) return scoring.interval;
  return UntilNextUtcTime(std::chrono::system_clock::now(), scoring.daily_at->hour,
                          scoring.daily_at->minute);
}

std::string ScheduleText(const ScoringConfig& scoring) {
  return scoring.daily_at ? "daily at " + scoring.daily_at->ToString() + " UTC"
                          : "every " + std::to_string(scoring.interval.count()) + " s";
}

// What a scoring cycle runs with: copies taken when it starts, so a reload during the run changes
// only the threshold (through the LiveThreshold), never the table names or the model under it.
struct CycleInput {
  Config config;
  std::shared_ptr<const ModelBundle> model;
};

// The daemon's control loop runs in the calling thread: it waits for the schedule and for
// signals, applies reloads, and starts each scoring cycle in a worker thread, so a SIGHUP is
// applied while a run is going on without the scorer calling back into it.
class Daemon {
 public:
  Daemon(const Config& config, const DaemonOptions& options, SignalWatcher& signals,
         spdlog::logger& log)
      : config_(config),
        options_(options),
        signals_(signals),
        log_(log),
        threshold_(config.scoring.threshold),
        backoff_(config.database.retry_backoff, kMaxRetryBackoff) {}

  int Run() {
    LoadModel();  // a bad bundle at start is fatal: nothing sensible to run
    log_.info("bankscore daemon started: {} backend, model {}, threshold {:.4f}, {}",
              BackendDescription(), model_->metadata.version, Threshold(),
              ScheduleText(config_.scoring));
    StartHttpService();
    auto next_cycle = Clock::now();
    while (true) {
      ApplyPendingReload();
      if (!cycle_.valid() && !signals_.stop_requested() && Clock::now() >= next_cycle) {
        StartCycle();
      }
      if (cycle_.valid() && cycle_.wait_for(milliseconds(0)) == std::future_status::ready) {
        worker_.join();
        const bool ok = cycle_.get();
        RefreshSegments();
        if (options_.once && (ok || options_.retry_until <= milliseconds(0))) return ok ? 0 : 1;
        const milliseconds wait = ok ? UntilNextCycle(config_.scoring) : NextBackoff();
        if (options_.once && !RetryOnceBefore(Clock::now() + wait)) return 1;
        next_cycle = Clock::now() + wait;
      }
      if (signals_.stop_requested()) {
        if (!cycle_.valid()) break;
        // After a stop request WaitFor no longer sleeps: wait for the batch in flight, not spin.
        cycle_.wait();
        continue;
      }
      // Woken early by any signal and by the end of a cycle.
      signals_.WaitFor(cycle_.valid() ? milliseconds(500)
                                      : std::chrono::duration_cast<milliseconds>(std::max(
                                            next_cycle - Clock::now(), Clock::duration::zero())));
    }
    http_.reset();
    log_.info("bankscore daemon stopped");
    return 0;
  }

 private:
  std::string BackendDescription() const {
    return config_.database.backend == DatabaseConfig::Backend::kSqlite
               ? "sqlite " + config_.database.path
               : "postgres";
  }

  double Threshold() const { return EffectiveDecision(*model_, config_.scoring).threshold; }

  void LoadModel() {
    model_ = std::make_shared<const ModelBundle>(LoadConfiguredModel(config_));
    PublishModel();
  }

  // run --once --retry-until: true when a retry at `when` is still within the time given.
  bool RetryOnceBefore(Clock::time_point when) const {
    if (when - started_ <= options_.retry_until) return true;
    log_.error("giving up: the run still fails after {:.0f} s (--retry-until)",
               std::chrono::duration<double>(Clock::now() - started_).count());
    return false;
  }

  // SIGHUP: re-read the file; keep the last good config on any error.
  void ApplyPendingReload() {
    if (!signals_.TakeReloadRequest()) return;
    try {
      Config next = LoadConfig(options_.config_path);
      if (options_.json_logs) next.logging.json = true;
      CheckWorkerCount(next, options_.workers, "run --workers");
      std::shared_ptr<const ModelBundle> next_model;
      if (next.model.path != config_.model.path ||
          next.source.FeatureColumns() != config_.source.FeatureColumns()) {
        next_model = std::make_shared<const ModelBundle>(LoadConfiguredModel(next));
      }
      const double old_threshold = Threshold();
      if (DatabaseChanged(next)) reconnect_ = true;
      config_ = std::move(next);
      if (next_model) model_ = std::move(next_model);
      threshold_.Set(config_.scoring.threshold);  // a running cycle uses it from its next batch
      PublishModel();
      ConfigureLogger(log_, config_.logging);
      LogReload(
          spdlog::level::info, nullptr,
          fmt::format("configuration reloaded from {}: threshold {:.4f} -> {:.4f}, model {}",
                      options_.config_path, old_threshold, Threshold(), model_->metadata.version));
    } catch (const Error& e) {
      LogReload(spdlog::level::err, &e,
                fmt::format("configuration reload refused, still running on the last good "
                            "configuration: {}",
                            e.what()));
    }
  }

  // A reload (of the config, or of a new current model): succeeded, or failed with `error`.
  void LogReload(spdlog::level::level_enum level, const std::exception* error,
                 const std::string& message) {
    LogEvent event;
    event.event = "reload";
    event.model_version = model_->metadata.version;
    event.status = error ? "failed" : "succeeded";
    if (error) event.error_class = ErrorClass(*error);
    LogStructured(log_, level, event, message);
  }

  // True when the open connection no longer fits `next`: an adapter keeps the config it was
  // opened with, and its queries name the source table, key and feature columns and every results
  // table from it.
  bool DatabaseChanged(const Config& next) const {
    const Config& now = config_;
    return next.database.backend != now.database.backend ||
           next.database.path != now.database.path || next.database.dsn != now.database.dsn ||
           next.database.password_file != now.database.password_file ||
           next.database.schema != now.database.schema || next.source.table != now.source.table ||
           next.source.key != now.source.key ||
           next.source.FeatureColumns() != now.source.FeatureColumns() ||
           next.results.table != now.results.table ||
           next.results.runs_table != now.results.runs_table ||
           next.results.rejected_table != now.results.rejected_table ||
           next.results.latest_view != now.results.latest_view;
  }

  // train, models promote and models rollback change the current version: switch to it between
  // cycles.
  void PickUpRetrainedModel() {
    const std::string on_disk = BundleVersionOnDisk(config_.model.path);
    if (on_disk.empty() || on_disk == model_->metadata.version) return;
    try {
      const std::string old_version = model_->metadata.version;
      LoadModel();
      LogReload(spdlog::level::info, nullptr,
                fmt::format("model version {} is now current at {} (was {}); rows it has not "
                            "scored will be scored under it",
                            model_->metadata.version, config_.model.path, old_version));
    } catch (const Error& e) {
      LogReload(spdlog::level::err, &e,
                fmt::format("new model at {} could not be loaded, keeping {}: {}",
                            config_.model.path, model_->metadata.version, e.what()));
    }
  }

  milliseconds NextBackoff() {
    const milliseconds wait = backoff_.Next();
    LogEvent event;
    event.event = "retry";
    event.duration_ms = wait.count();  // until the next attempt
    LogStructured(log_, spdlog::level::warn, event,
                  fmt::format("next attempt in {:.1f} s", wait.count() / 1000.0));
    return wait;
  }

  void StartCycle() {
    PickUpRetrainedModel();
    std::promise<bool> done;
    cycle_ = done.get_future();
    worker_ =
        std::thread([this, input = CycleInput{config_, model_}, done = std::move(done)]() mutable {
          done.set_value(Cycle(input));
          signals_.Wake();  // the control loop handles the end of the cycle at once
        });
  }

  // One scoring cycle, in the worker thread; false if it failed (the control loop retries with
  // backoff). Touches only the worker's own state: db_ and unrecorded_ends_.
  bool Cycle(const CycleInput& input) {
    std::int64_t run_id = 0;  // set once the scorer records a run; it then logs the run's end
    try {
      PrepareDatabase(input.config);
      const std::optional<std::int64_t> scored =
          options_.workers > 1 ? ScoreWithWorkers(input, run_id) : ScoreAlone(input, run_id);
      if (scored && input.config.segmentation.assign_on_run) {
        AssignSegments(input.config, *scored > 0);
      }
      backoff_.Reset();
      return true;
    } catch (const ConfigError& e) {
      LogCycleFailure(run_id, input, e,
                      fmt::format("{} (fix the configuration and send SIGHUP)", e.what()));
    } catch (const DatabaseError& e) {
      LogCycleFailure(run_id, input, e, fmt::format("{} (is the database up? retrying)", e.what()));
      db_.reset();  // reconnect from scratch next time
    } catch (const std::exception& e) {
      LogCycleFailure(run_id, input, e, fmt::format("scoring cycle failed: {}", e.what()));
    }
    return false;
  }

  // One scorer under the exclusive lock: the rows scored, or nullopt when another scorer kept
  // the lock until the next cycle.
  std::optional<std::int64_t> ScoreAlone(const CycleInput& input, std::int64_t& run_id) {
    const auto stop = [this] { return signals_.stop_requested(); };
    auto lock = AcquireLock(input.config, stop);
    if (!lock) return std::nullopt;
    ScoreOptions options;
    options.threshold = &threshold_;
    options.should_stop = stop;
    options.unrecorded_ends = &unrecorded_ends_;
    options.started_run_id = &run_id;
    const RunSummary summary = ScoreNewRows(*db_, *lock, input.config, *input.model, options, log_);
    LogSummary(summary);
    return summary.rows_scored;
  }

  // run --workers N: N workers (each with its own connection) share the cycle's rows in leased
  // key ranges with every other worker on the database; each logs its own line. The first
  // worker's failure fails the cycle once all have stopped (its run, if recorded, was ended by
  // its scorer). The ends of runs a database outage kept from being recorded are not kept here:
  // the next cycle marks those runs abandoned.
  std::int64_t ScoreWithWorkers(const CycleInput& input, std::int64_t& run_id) {
    WorkerPoolOptions pool;
    pool.workers = options_.workers;
    pool.open_database = [this, &input] { return options_.open_database(input.config, log_); };
    pool.threshold = &threshold_;
    pool.should_stop = [this] { return signals_.stop_requested(); };
    pool.lock_wait = UntilNextCycle(input.config.scoring);
    const std::vector<WorkerOutcome> outcomes =
        RunScoringWorkers(input.config, *input.model, pool, log_);
    std::int64_t scored = 0;
    for (const WorkerOutcome& o : outcomes) {
      if (o.failure) {
        run_id = o.started_run_id;
        std::rethrow_exception(o.failure);
      }
      scored += o.summary.rows_scored;
    }
    log_.info("{} workers scored {} rows for model {}", options_.workers, scored,
              input.model->metadata.version);
    return scored;
  }

  // A cycle that failed before its run was recorded is logged as a failed run_finished (no
  // run_id), so an alert on run_finished/failed sees every failed cycle; a recorded run's end was
  // logged by the scorer.
  void LogCycleFailure(std::int64_t run_id, const CycleInput& input, const std::exception& e,
                       const std::string& message) {
    if (run_id != 0) {
      log_.error("{}", message);
      return;
    }
    LogEvent event;
    event.event = "run_finished";
    event.model_version = input.model->metadata.version;
    event.rows = 0;
    event.status = "failed";
    event.error_class = ErrorClass(e);
    LogStructured(log_, spdlog::level::err, event, message);
  }

  // segmentation.assign_on_run: new rows get their segment in the current segmentation. A
  // segmentation that cannot be used is logged and does not fail the scoring cycle; a database
  // failure does, like any other (the caller reconnects and backs off).
  void AssignSegments(const Config& config, bool scored_rows) {
    try {
      AssignNewRowsAfterScoring(*db_, config, scored_rows, log_);
    } catch (const DatabaseError&) {
      throw;
    } catch (const Error& e) {
      log_.error("segment assignment skipped: {}", e.what());
    }
  }

  // Opens (or reopens, after a reload changed the database) the connection and checks the tables.
  void PrepareDatabase(const Config& config) {
    if (reconnect_.exchange(false)) {
      db_.reset();
      if (!unrecorded_ends_.empty()) {
        // Those run ids belong to the old database; the next run there will mark them abandoned.
        log_.warn("the database changed: {} unrecorded run end(s) of the old one are dropped",
                  unrecorded_ends_.size());
        unrecorded_ends_.clear();
      }
    }
    if (db_) return;
    db_ = options_.open_database(config, log_);
    ValidateSourceTable(*db_, config);
    db_->EnsureResultsSchema();
  }

  // The scorer lock, waiting up to the next cycle for another scorer; null to skip this cycle.
  std::unique_ptr<ScorerLock> AcquireLock(const Config& config, const StopRequested& stop) {
    auto lock = db_->TryLockScorer(false, milliseconds(0), stop);
    if (lock) return lock;
    LogEvent event;
    event.event = "lock_wait";
    LogStructured(log_, spdlog::level::info, event,
                  "another bankscore scorer is working on this database; waiting for it");
    lock = db_->TryLockScorer(true, UntilNextCycle(config.scoring), stop);  // SIGTERM ends it
    if (!lock && !stop()) log_.warn("the other scorer still holds the lock; skipping this cycle");
    return lock;
  }

  void LogSummary(const RunSummary& s) {
    if (s.run_id == 0) {
      log_.debug("nothing to score for model {}", s.model_version);
      return;
    }
    log_.info(
        "run {} {}: scored {}, rejected {}, positive {} ({:.1f}%), threshold {:.4f}, model {}, "
        "{:.2f} s",
        s.run_id, s.status, s.rows_scored, s.rows_rejected, s.rows_positive,
        s.rows_scored ? 100.0 * s.rows_positive / s.rows_scored : 0.0, s.threshold, s.model_version,
        s.duration.count() / 1000.0);
  }

  // --- The HTTP service (issue 13), when server.listen is set --------------------------------
  // Started after the first model is loaded; serves the model and threshold the daemon scores
  // with, republished on every change, and the current segmentation, re-read after every cycle.
  // server.* changes need a restart.
  void StartHttpService() {
    if (!config_.server.listen) return;
    http_ = std::make_unique<service::HttpService>(config_, options_.open_database, log_);
    PublishModel();
    RefreshSegments();
  }
  void PublishModel() {
    if (http_ && model_) http_->Publish(model_, config_.scoring);
  }
  // The segments the service shows: at start and after every cycle (which may have assigned new
  // rows and refreshed the profiles, segmentation.assign_on_run).
  void RefreshSegments() {
    if (http_) http_->RefreshSegments();
  }

  // Owned by the control thread.
  Config config_;
  const DaemonOptions& options_;
  SignalWatcher& signals_;
  spdlog::logger& log_;
  std::shared_ptr<const ModelBundle> model_;
  std::thread worker_;       // the running cycle, if any
  std::future<bool> cycle_;  // its result: valid while a cycle has not been collected
  // Shared with the worker: thread-safe types.
  LiveThreshold threshold_;
  std::atomic<bool> reconnect_{false};
  // Owned by the worker (only one cycle runs at a time).
  std::unique_ptr<Database> db_;
  std::vector<UnrecordedRunEnd> unrecorded_ends_;  // runs whose end the database was down for
  Backoff backoff_;  // reset by a successful cycle, read by the control loop after it
  const Clock::time_point started_ = Clock::now();  // for --retry-until
  std::unique_ptr<service::HttpService> http_;      // issue 13; declared last, stopped first
};

}  // namespace

int RunDaemon(const Config& initial_config, const DaemonOptions& options, SignalWatcher& signals,
              spdlog::logger& log) {
  Daemon daemon(initial_config, options, signals, log);
  return daemon.Run();
}

}  // namespace bankscore
