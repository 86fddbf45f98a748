#include "jobs/scorer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <optional>

#include "bankscore/error.h"
#include "common/log_event.h"
#include "common/text.h"

#include <nlohmann/json.hpp>
#include "jobs/scoring_pipeline.h"

namespace bankscore {
namespace {

using Clock = std::chrono::steady_clock;

// One scoring run: its steps in order, each short. The database calls are retried on transient
// failures; anything else ends the run.
class ScoringRun {
 public:
  ScoringRun(Database& db, ScorerLock& lock, const Config& config, const ModelBundle& model,
             const ScoreOptions& options, spdlog::logger& log)
      : db_(db), lock_(lock), config_(config), model_(model), options_(options), log_(log) {
    summary_.model_version = model.metadata.version;
    summary_.worker = options.worker;
    summary_.threshold = CurrentDecision().threshold;
  }

 private:
  // Defined before its first use: its return type is deduced.
  template <typename Op>
  auto Retry(const char* what, Op&& op) {
    return WithRetry(config_.database, log_, what, options_.should_stop, std::forward<Op>(op));
  }

 public:
  RunSummary Run() {
    SettleEarlierRuns();
    if (options_.retry_rejected) ForgetRejections();
    // One query decides whether there is anything to do (no scan of the source table): an idle
    // run records nothing.
    if (!Retry("looking for unscored rows",
               [&] { return db_.HasUnscoredRows(summary_.model_version); })) {
      return NothingToScore();
    }
    std::optional<KeyLease> lease;
    if (Leased()) {
      lease = FirstLease();
      if (!lease) return NothingToScore();
    }
    Prepare();
    std::exception_ptr failure;
    try {
      if (Leased()) {
        lock_.HoldRun(summary_.run_id);
        ScoreLeases(std::move(lease));
      } else {
        ScoreAllBatches();
      }
    } catch (const Error& e) {
      failure = Fail(e);
    }
    summary_.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
    CopyPipelineResult();
    RecordEnd();
    LogFinished();
    if (failure) std::rethrow_exception(failure);
    return summary_;
  }

 private:
  LogEvent RunEvent(const char* name) const {
    LogEvent event;
    event.event = name;
    event.run_id = summary_.run_id;
    event.model_version = summary_.model_version;
    return event;
  }

  // run_finished, whatever the status: what a log shipper alerts on.
  void LogFinished() {
    LogEvent event = RunEvent("run_finished");
    event.rows = summary_.rows_read;
    event.status = summary_.status;
    event.duration_ms = summary_.duration.count();
    event.error_class = error_class_;
    const bool failed = summary_.status == "failed";
    LogStructured(
        log_, failed ? spdlog::level::err : spdlog::level::info, event,
        fmt::format("run {} finished ({}): read {} rows in {:.2f} s{}{}", summary_.run_id,
                    summary_.status, summary_.rows_read, summary_.duration.count() / 1000.0,
                    failed ? ": " : "", failed ? summary_.message : ""));
  }

  bool StopRequested() const { return options_.should_stop && options_.should_stop(); }
  bool Leased() const { return !options_.worker.empty(); }

  LeaseStore& Leases() {
    LeaseStore* leases = db_.Leases();
    if (!leases) {
      throw ConfigError("scoring workers need PostgreSQL: the " + db_.BackendName() +
                        " database has no leases");
    }
    return *leases;
  }

  // Plans the ranges of the keys nobody has planned yet, then claims one; nullopt when every
  // range is done or held by a live worker.
  std::optional<KeyLease> FirstLease() {
    const std::int64_t planned = Retry("planning key ranges", [&] {
      return Leases().PlanLeases(summary_.model_version, config_.scoring.lease_rows);
    });
    if (planned > 0) {
      log_.info("worker {}: planned {} key range(s) of up to {} rows for model {}", options_.worker,
                planned, config_.scoring.lease_rows, summary_.model_version);
    }
    return ClaimNext();
  }

  std::optional<KeyLease> ClaimNext() {
    return Retry("claiming a key range", [&] {
      return Leases().ClaimLease(summary_.model_version, options_.worker,
                                 config_.scoring.lease_timeout);
    });
  }

  // Scores `lease` and every range claimed after it; a lease lost to another worker (its
  // heartbeat was late) is left to that worker. On failure the range is given back.
  void ScoreLeases(std::optional<KeyLease> lease) {
    while (lease && !StopRequested()) {
      CountClaim(*lease);
      try {
        ScoreLease(*lease);
      } catch (const Error&) {
        ReleaseQuietly(lease->lease_id);
        throw;
      }
      if (pipeline_.interrupted) {
        ReleaseQuietly(lease->lease_id);
        break;
      }
      if (pipeline_.lease_lost) {
        log_.warn("worker {}: keys {}..{} were taken over by another worker; left to it",
                  options_.worker, lease->lo, lease->hi);
      } else {
        Retry("finishing a key range", [&] {
          Leases().FinishLease(lease->lease_id, options_.worker);
          return 0;
        });
      }
      lease = ClaimNext();
    }
    const bool stopped = pipeline_.interrupted || (lease && StopRequested());
    if (lease && !pipeline_.interrupted) ReleaseQuietly(lease->lease_id);
    summary_.status = stopped ? "interrupted" : "succeeded";
    if (stopped) summary_.message = "stopped by signal";
  }

  void CountClaim(const KeyLease& lease) {
    ++summary_.leases_claimed;
    if (lease.taken_over) {
      ++summary_.lease_takeovers;
      log_.warn("worker {}: took over keys {}..{} from worker {}, silent for over {} ms",
                options_.worker, lease.lo, lease.hi, lease.previous_worker,
                config_.scoring.lease_timeout.count());
    } else {
      log_.info("worker {}: claimed keys {}..{}", options_.worker, lease.lo, lease.hi);
    }
  }

  // One range through the pipeline; the heartbeat goes before each batch's write.
  void ScoreLease(const KeyLease& lease) {
    LeaseStore& leases = Leases();
    const std::int64_t id = lease.lease_id;
    PipelineContext context = Context(nullptr);  // a worker's share has no total of its own
    if (lease.lo > std::numeric_limits<std::int64_t>::min()) context.after_key = lease.lo - 1;
    context.up_to_key = lease.hi;
    context.keep_lease = [&] {
      return Retry("renewing a key range's heartbeat",
                   [&] { return leases.Heartbeat(id, options_.worker); });
    };
    pipeline_.lease_lost = false;
    RunScoringPipeline(context, summary_.run_id, pipeline_);
  }

  void ReleaseQuietly(std::int64_t lease_id) {
    try {
      Leases().ReleaseLease(lease_id, options_.worker);
    } catch (const Error& e) {
      // Not fatal: another worker takes the range over once its heartbeat is old enough.
      log_.warn("worker {}: could not give back key range {}: {}", options_.worker, lease_id,
                e.what());
    }
  }

  Decision CurrentDecision() const {
    ScoringConfig scoring = config_.scoring;
    if (options_.threshold) scoring.threshold = options_.threshold->Get();
    return EffectiveDecision(model_, scoring);
  }

  // An idle check records no run: it updates the version's last-check row instead, so a stale
  // checked_at shows that the scorer stopped looking.
  RunSummary NothingToScore() {
    summary_.status = "nothing to score";
    RecordCheck(std::nullopt, 0);
    return summary_;
  }

  void RecordCheck(std::optional<std::int64_t> run_id, std::int64_t rows_found) {
    Retry("recording the check", [&] {
      db_.RecordCheck(summary_.model_version, run_id, rows_found);
      return 0;
    });
  }

  void ForgetRejections() {
    const std::int64_t n = Retry("forgetting earlier rejections",
                                 [&] { return db_.ForgetRejections(summary_.model_version); });
    log_.info("{} rows rejected earlier by model {} are read again (--retry-rejected)", n,
              summary_.model_version);
  }

  // Before anything is written, the privilege check (a role that could not write its results
  // writes nothing at all); then the ends of earlier runs, also when there is nothing to score.
  void SettleEarlierRuns() {
    Retry("checking privileges", [&] {
      db_.CheckScoringAccess();
      return 0;
    });
    CheckResultsServeThisSource();
    RecordUnrecordedEnds();
    // Runs left 'running' belong to dead processes: this one holds the lock.
    if (const std::int64_t n =
            Retry("marking abandoned runs", [&] { return db_.MarkAbandonedRuns(); })) {
      log_.warn("marked {} unfinished earlier run(s) as abandoned", n);
    }
  }

  // One set of results tables serves one source: a key's result must not make the same key of
  // another table look scored.
  void CheckResultsServeThisSource() {
    const std::string self = config_.source.Identity();
    for (const std::string& other :
         Retry("checking the results' source", [&] { return db_.ResultsSources(); })) {
      if (other == self) continue;
      throw ConfigError(config_.file + ": results tables " + config_.results.table + ", " +
                        config_.results.rejected_table + " and " + config_.results.runs_table +
                        " hold the results of source " + other + ", and this config scores " +
                        self +
                        "; give each source its own results tables (results.table, "
                        "results.runs_table, results.rejected_table, results.latest_view)");
    }
  }

  // Before the first batch: what cannot be scored, and the run's own record.
  void Prepare() {
    const UnkeyedRows unkeyed =
        Retry("counting rows without a key", [&] { return db_.CountUnkeyedRows(); });
    summary_.null_keys = unkeyed.null_keys;
    summary_.non_integer_keys = unkeyed.non_integer_keys;
    if (unkeyed.null_keys > 0) {
      log_.warn("{} rows of {} have a NULL {} and cannot be scored; give them a key",
                unkeyed.null_keys, config_.source.table, config_.source.key);
    }
    if (unkeyed.non_integer_keys > 0) {
      log_.warn(
          "{} rows of {} have a {} that is not an integer (for example {}) and are never "
          "scored; keys must be integers",
          unkeyed.non_integer_keys, config_.source.table, config_.source.key,
          EscapeControl(Join(unkeyed.examples)));
    }
    record_.model_version = summary_.model_version;
    record_.source_table = config_.source.Identity();
    record_.worker = options_.worker;
    record_.threshold = summary_.threshold;
    const std::int64_t unscored = Retry(
        "counting unscored rows", [&] { return db_.CountUnscoredRows(summary_.model_version); });
    Retry("creating the model version's partitions", [&] {
      db_.EnsureVersionPartition(summary_.model_version);
      return 0;
    });
    summary_.run_id = Retry("recording the run start", [&] { return db_.BeginRun(record_); });
    RecordCheck(summary_.run_id, unscored);
    if (options_.started_run_id) *options_.started_run_id = summary_.run_id;
    LogEvent event = RunEvent("run_started");
    event.rows = unscored;
    LogStructured(log_, spdlog::level::info, event,
                  fmt::format("run {}: scoring {} rows of {} with model {}", summary_.run_id,
                              unscored, config_.source.table, summary_.model_version));
    progress_.emplace(log_, config_.logging.json, "score run " + std::to_string(summary_.run_id),
                      unscored, static_cast<std::int64_t>(config_.scoring.batch_size));
  }

  // Ends of earlier runs of this process that the database was down for: their real status and
  // reason, before MarkAbandonedRuns would call them abandoned.
  void RecordUnrecordedEnds() {
    if (!options_.unrecorded_ends) return;
    auto& ends = *options_.unrecorded_ends;
    while (!ends.empty()) {
      const UnrecordedRunEnd& end = ends.front();
      Retry("recording an earlier run's end", [&] {
        db_.FinishRun(end.run_id, end.record);
        return 0;
      });
      // At the level of the error that announced it, so whoever saw that sees this.
      log_.warn("recorded the end of run {} ({}), which the database had been down for", end.run_id,
                end.record.status);
      ends.erase(ends.begin());
    }
  }

  // The pipeline over this run's rows: the whole table; ScoreLease narrows it to a key range.
  PipelineContext Context(ProgressLog* progress) const {
    return {db_,
            lock_,
            config_,
            model_,
            options_.threshold,
            options_.should_stop,
            log_,
            progress,
            std::nullopt,
            std::nullopt,
            nullptr};
  }

  void ScoreAllBatches() {
    const PipelineContext context = Context(progress_ ? &*progress_ : nullptr);
    RunScoringPipeline(context, summary_.run_id, pipeline_);
    if (pipeline_.interrupted) {
      summary_.status = "interrupted";
      summary_.message = "stopped by signal";
    } else {
      summary_.status = "succeeded";
    }
  }

  // What the pipeline wrote, also when it failed part way.
  void CopyPipelineResult() {
    const BatchWriteResult& w = pipeline_.written;
    summary_.rows_read = w.predictions_inserted + w.rejections_inserted;
    summary_.rows_scored = w.predictions_inserted;
    summary_.rows_rejected = w.rejections_inserted;
    summary_.rows_positive = w.positives_inserted;
    if (pipeline_.batches > 0) summary_.threshold = pipeline_.last_threshold;
    summary_.unseen = pipeline_.unseen;
    summary_.out_of_training_range = pipeline_.out_of_training_range;
    summary_.times = pipeline_.times;
  }

  // The run failed with `e`; returns the exception to rethrow, or null when a stop request cut a
  // retry short (the run was interrupted, not broken).
  std::exception_ptr Fail(const Error& e) {
    if (StopRequested()) {
      summary_.status = "interrupted";
      summary_.message = std::string("stopped by signal while retrying: ") + e.what();
      return nullptr;
    }
    summary_.status = "failed";
    summary_.message = e.what();
    error_class_ = ErrorClass(e);
    return std::current_exception();
  }

  void RecordEnd() {
    record_.status = summary_.status;
    record_.message = summary_.message;
    record_.threshold = summary_.threshold;
    record_.leases_claimed = summary_.leases_claimed;
    record_.lease_takeovers = summary_.lease_takeovers;
    RecordColumnCounts();
    RecordDrift();
    record_.message = summary_.message;
    LogWorkerTotals();
    try {
      WithRetry(config_.database, log_, "recording the run end", nullptr, [&] {
        db_.FinishRun(summary_.run_id, record_);
        return 0;
      });
    } catch (const Error& e) {
      KeepUnrecordedEnd(e);
    }
  }

  // The run's unseen categories and far-out values, in total and per column (a JSON object).
  void RecordColumnCounts() {
    nlohmann::json counts = nlohmann::json::object();
    const auto add = [&](const std::vector<std::string>& columns,
                         const std::vector<std::int64_t>& values, const char* what,
                         std::int64_t& total) {
      for (std::size_t i = 0; i < values.size() && i < columns.size(); ++i) {
        if (values[i] == 0) continue;
        counts[columns[i]][what] = values[i];
        total += values[i];
      }
    };
    add(model_.encoder.categorical(), summary_.unseen, "unseen", record_.unseen_categories);
    add(model_.encoder.numeric(), summary_.out_of_training_range, "out_of_training_range",
        record_.out_of_training_range);
    record_.column_counts = counts.empty() ? "" : counts.dump();
    if (record_.unseen_categories > 0 || record_.out_of_training_range > 0) {
      log_.warn(
          "run {}: {} cells of categories never seen in training, {} values far outside "
          "the training range: {}",
          summary_.run_id, record_.unseen_categories, record_.out_of_training_range,
          record_.column_counts);
    }
  }

  // The run's drift against the model's training profile, one row per column (written with the
  // run's end); columns in alert are logged at WARN and named in the run's message.
  void RecordDrift() {
    if (!model_.drift) {
      if (summary_.rows_scored > 0) {
        AddToMessage("no reference for drift: model " + summary_.model_version +
                     " has no training profile (trained before drift was measured; retrain)");
      }
      return;
    }
    if (pipeline_.drift.rows == 0) return;
    record_.drift = model_.drift->Compare(pipeline_.drift, config_.monitoring);
    summary_.drift = record_.drift;
    std::vector<DriftRow> worst_first = record_.drift;
    std::stable_sort(worst_first.begin(), worst_first.end(),
                     [](const DriftRow& a, const DriftRow& b) { return a.psi > b.psi; });
    std::vector<std::string> alerts;
    for (const DriftRow& d : worst_first) {
      if (d.status == "alert") alerts.push_back(d.column + " " + fmt::format("{:.3f}", d.psi));
    }
    if (alerts.empty()) return;
    const std::string text =
        "drift alert (PSI >= " + FormatDouble(config_.monitoring.psi_alert) + "): " + Join(alerts);
    log_.warn("run {}: {} over {} scored rows; see bankscore drift --run {}", summary_.run_id, text,
              pipeline_.drift.rows, summary_.run_id);
    AddToMessage(text);
  }

  void AddToMessage(const std::string& text) {
    summary_.message += (summary_.message.empty() ? "" : "; ") + text;
  }

  // A worker's share, so the logs of several workers show how the work was spread.
  void LogWorkerTotals() {
    if (!Leased()) return;
    const double seconds = summary_.duration.count() / 1000.0;
    log_.info(
        "worker {}: run {} {}: {} rows in {:.2f} s ({:.0f} rows/s), {} key range(s) claimed, {} "
        "taken over",
        options_.worker, summary_.run_id, summary_.status, summary_.rows_read, seconds,
        seconds > 0 ? summary_.rows_read / seconds : 0.0, summary_.leases_claimed,
        summary_.lease_takeovers);
  }

  void KeepUnrecordedEnd(const Error& e) {
    if (options_.unrecorded_ends) {
      options_.unrecorded_ends->push_back({summary_.run_id, record_});
      log_.error("could not record the end of run {} ({}): {}; it will be recorded by the next run",
                 summary_.run_id, record_.status, e.what());
    } else {
      log_.error("could not record the end of run {} ({}): {}; the next run will mark it abandoned",
                 summary_.run_id, record_.status, e.what());
    }
  }

  Database& db_;
  ScorerLock& lock_;
  const Config& config_;
  const ModelBundle& model_;
  const ScoreOptions& options_;
  spdlog::logger& log_;
  const Clock::time_point started_ = Clock::now();
  RunSummary summary_;
  RunRecord record_;
  PipelineResult pipeline_;
  std::optional<ProgressLog> progress_;  // from Prepare on
  std::string error_class_;              // of a failed run
};

}  // namespace

RunSummary ScoreNewRows(Database& db, ScorerLock& lock, const Config& config,
                        const ModelBundle& model, const ScoreOptions& options,
                        spdlog::logger& log) {
  return ScoringRun(db, lock, config, model, options, log).Run();
}

}  // namespace bankscore
