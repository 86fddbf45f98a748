#include "bankscore/daemon.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bankscore/database.h"
#include "bankscore/error.h"
#include "bankscore/loader.h"
#include "bankscore/logging.h"
#include "bankscore/model_bundle.h"
#include "bankscore/scorer.h"

namespace bankscore {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr milliseconds kMaxRetryBackoff = std::chrono::minutes(5);

// The version recorded in model.path/bundle.json, without loading the whole bundle; empty if it
// cannot be read (a retrain may be swapping the directory right now).
std::string BundleVersionOnDisk(const std::string& model_path) {
  std::ifstream in(model_path + "/bundle.json");
  if (!in) return "";
  try {
    return nlohmann::json::parse(in).value("version", "");
  } catch (const nlohmann::json::exception&) {
    return "";
  }
}

// Time until the next cycle: the interval, or the next daily HH:MM (UTC).
milliseconds UntilNextCycle(const ScoringConfig& scoring) {
  if (!scoring.daily_at) return scoring.interval;
  const int hour = std::stoi(scoring.daily_at->substr(0, 2));
  const int minute = std::stoi(scoring.daily_at->substr(3, 2));
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  long now_s = tm.tm_hour * 3600L + tm.tm_min * 60L + tm.tm_sec;
  long at_s = hour * 3600L + minute * 60L;
  long wait = at_s - now_s;
  if (wait <= 0) wait += 24 * 3600L;
  return seconds(wait);
}

class Daemon {
 public:
  Daemon(const Config& config, const DaemonOptions& options, SignalWatcher& signals,
         spdlog::logger& log)
      : config_(config), options_(options), signals_(signals), log_(log) {}

  int Run() {
    LoadModel();  // a bad bundle at start is fatal: nothing sensible to run
    log_.info("bankscore daemon started: {} backend, model {}, threshold {:.4f}, {}",
              BackendDescription(), model_->metadata.version, Threshold(),
              config_.scoring.daily_at ? "daily at " + *config_.scoring.daily_at + " UTC"
                                       : "every " + std::to_string(config_.scoring.interval.count()) + " s");
    while (true) {
      ApplyPendingReload();
      bool ok = Cycle();
      if (options_.once) return ok ? 0 : 1;
      if (signals_.stop_requested()) break;
      milliseconds wait = ok ? UntilNextCycle(config_.scoring) : NextBackoff();
      signals_.WaitFor(wait);
      if (signals_.stop_requested()) break;
    }
    log_.info("bankscore daemon stopped");
    return 0;
  }

 private:
  std::string BackendDescription() const {
    return config_.database.backend == DatabaseConfig::Backend::kSqlite
               ? "sqlite " + config_.database.path
               : "postgres";
  }

  double Threshold() const { return EffectiveThreshold(*model_, config_.scoring); }

  void LoadModel() {
    auto bundle = std::make_shared<const ModelBundle>(LoadBundle(config_.model.path));
    CheckBundleMatchesSource(*bundle, config_.source, config_.model.path);
    model_ = std::move(bundle);
  }

  // SIGHUP: re-read the file; keep the last good config on any error.
  void ApplyPendingReload() {
    if (!signals_.TakeReloadRequest()) return;
    try {
      Config next = LoadConfig(options_.config_path);
      std::shared_ptr<const ModelBundle> next_model;
      if (next.model.path != config_.model.path || next.source.FeatureColumns() !=
                                                       config_.source.FeatureColumns()) {
        next_model = std::make_shared<const ModelBundle>(LoadBundle(next.model.path));
        CheckBundleMatchesSource(*next_model, next.source, next.model.path);
      }
      const double old_threshold = Threshold();
      const bool database_changed = next.database.backend != config_.database.backend ||
                                    next.database.path != config_.database.path ||
                                    next.database.dsn != config_.database.dsn ||
                                    next.database.schema != config_.database.schema ||
                                    next.results.runs_table != config_.results.runs_table;
      if (database_changed && !unrecorded_ends_.empty()) {
        // Those run ids belong to the old database; the next run there will mark them abandoned.
        log_.warn("the database changed: {} unrecorded run end(s) of the old one are dropped",
                  unrecorded_ends_.size());
        unrecorded_ends_.clear();
      }
      config_ = std::move(next);
      if (options_.json_logs) config_.logging.json = true;
      if (next_model) model_ = std::move(next_model);
      // The adapter holds a copy of the old config (table names, DSN): reconnect and re-validate
      // at the next cycle, not now, because a run may be using the connection.
      reconnect_ = true;
      ConfigureLogger(log_, config_.logging);
      log_.info("configuration reloaded from {}: threshold {:.4f} -> {:.4f}, model {}",
                options_.config_path, old_threshold, Threshold(), model_->metadata.version);
    } catch (const Error& e) {
      log_.error("configuration reload refused, still running on the last good configuration: {}",
                 e.what());
    }
  }

  // A bundle retrained in place gets a new version: switch to it between cycles.
  void PickUpRetrainedModel() {
    std::string on_disk = BundleVersionOnDisk(config_.model.path);
    if (on_disk.empty() || on_disk == model_->metadata.version) return;
    try {
      const std::string old_version = model_->metadata.version;
      LoadModel();
      log_.info("new model version {} found at {} (was {}); rows will be scored again under it",
                model_->metadata.version, config_.model.path, old_version);
    } catch (const Error& e) {
      log_.error("new model at {} could not be loaded, keeping {}: {}", config_.model.path,
                 model_->metadata.version, e.what());
    }
  }

  milliseconds NextBackoff() {
    milliseconds wait = backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxRetryBackoff);
    log_.warn("next attempt in {:.1f} s", wait.count() / 1000.0);
    return wait;
  }

  // One scoring cycle; false if it failed (the caller retries with backoff).
  bool Cycle() {
    PickUpRetrainedModel();
    try {
      if (reconnect_) {
        db_.reset();
        reconnect_ = false;
      }
      if (!db_) {
        db_ = OpenDatabase(config_, log_);
        ValidateSourceTable(*db_, config_);
        db_->EnsureResultsSchema();
      }
      const auto stop = [this] { return signals_.stop_requested(); };
      auto lock = db_->TryLockScorer(false, milliseconds(0), stop);
      if (!lock) {
        log_.info("another bankscore scorer is working on this database; waiting for it");
        // Up to the next cycle; a SIGTERM ends the wait at once.
        lock = db_->TryLockScorer(true, UntilNextCycle(config_.scoring), stop);
        if (signals_.stop_requested()) return true;
        if (!lock) {
          log_.warn("the other scorer still holds the lock; skipping this cycle");
          return true;
        }
      }
      // The run keeps its own copies: a reload during the run may replace config_ and model_,
      // but only the threshold takes effect before the next cycle.
      const Config run_config = config_;
      const std::shared_ptr<const ModelBundle> run_model = model_;
      ScoreOptions options;
      options.threshold = EffectiveThreshold(*run_model, config_.scoring);
      options.should_stop = [this] { return signals_.stop_requested(); };
      options.current_threshold = [this, run_model] {
        ApplyPendingReload();  // a new threshold applies from the next batch
        return EffectiveThreshold(*run_model, config_.scoring);
      };
      options.unrecorded_ends = &unrecorded_ends_;
      RunSummary s = ScoreNewRows(*db_, *lock, run_config, *run_model, options, log_);
      log_.info(
          "run {} {}: scored {}, rejected {}, positive {} ({:.1f}%), threshold {:.4f}, "
          "model {}, {:.2f} s",
          s.run_id, s.status, s.rows_scored, s.rows_rejected, s.rows_positive,
          s.rows_scored ? 100.0 * s.rows_positive / s.rows_scored : 0.0, s.threshold,
          s.model_version, s.duration.count() / 1000.0);
      backoff_ = config_.database.retry_backoff;
      return true;
    } catch (const ConfigError& e) {
      log_.error("{} (fix the configuration and send SIGHUP)", e.what());
    } catch (const DatabaseError& e) {
      log_.error("{} (is the database up? retrying)", e.what());
      db_.reset();  // reconnect from scratch next time
    } catch (const Error& e) {
      log_.error("scoring cycle failed: {}", e.what());
    }
    return false;
  }

  Config config_;
  const DaemonOptions& options_;
  SignalWatcher& signals_;
  spdlog::logger& log_;
  std::shared_ptr<const ModelBundle> model_;
  std::unique_ptr<Database> db_;
  bool reconnect_ = false;
  // Runs whose end could not be written while the database was down; the next run writes them.
  std::vector<UnrecordedRunEnd> unrecorded_ends_;
  milliseconds backoff_{config_.database.retry_backoff};
};

}  // namespace

int RunDaemon(const Config& initial_config, const DaemonOptions& options, SignalWatcher& signals,
              spdlog::logger& log) {
  Daemon daemon(initial_config, options, signals, log);
  return daemon.Run();
}

}  // namespace bankscore
