#include "jobs/scorer.h"

#include <spdlog/spdlog.h>

#include <exception>

#include "bankscore/error.h"
#include "jobs/score_batch.h"

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
    summary_.threshold = CurrentDecision().threshold;
  }

  RunSummary Run() {
    Prepare();
    std::exception_ptr failure;
    try {
      ScoreAllBatches();
    } catch (const Error& e) {
      failure = Fail(e);
    }
    summary_.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
    RecordEnd();
    if (failure) std::rethrow_exception(failure);
    return summary_;
  }

 private:
  template <typename Op>
  auto Retry(const char* what, Op&& op) {
    return WithRetry(config_.database, log_, what, options_.should_stop, std::forward<Op>(op));
  }

  bool StopRequested() const { return options_.should_stop && options_.should_stop(); }

  Decision CurrentDecision() const {
    ScoringConfig scoring = config_.scoring;
    if (options_.threshold) scoring.threshold = options_.threshold->Get();
    return EffectiveDecision(model_, scoring);
  }

  // Everything before the first batch: checks, earlier runs' ends, and the run's own record.
  void Prepare() {
    summary_.null_keys = Retry("counting rows without a key", [&] { return db_.CountNullKeys(); });
    if (summary_.null_keys > 0) {
      log_.warn("{} rows of {} have a NULL {} and cannot be scored; give them a key",
                summary_.null_keys, config_.source.table, config_.source.key);
    }
    // Before the run is recorded: a role that could not write its results writes nothing at all.
    Retry("checking privileges", [&] {
      db_.CheckScoringAccess();
      return 0;
    });
    RecordUnrecordedEnds();
    // Runs left 'running' belong to dead processes: this one holds the lock.
    if (const std::int64_t n =
            Retry("marking abandoned runs", [&] { return db_.MarkAbandonedRuns(); })) {
      log_.warn("marked {} unfinished earlier run(s) as abandoned", n);
    }
    record_.model_version = summary_.model_version;
    record_.threshold = summary_.threshold;
    summary_.run_id = Retry("recording the run start", [&] { return db_.BeginRun(record_); });
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

  void ScoreAllBatches() {
    std::optional<std::int64_t> after_key;
    const std::size_t batch_size = config_.scoring.batch_size;
    while (true) {
      if (StopRequested()) {
        summary_.status = "interrupted";
        summary_.message = "stopped by signal";
        return;
      }
      const SourceBatch batch = Retry("reading source rows", [&] {
        return db_.ReadUnscored(summary_.model_version, after_key, batch_size);
      });
      if (!batch.keys.empty()) {
        after_key = batch.keys.back();
        WriteScored(batch);
      }
      if (batch.keys.size() < batch_size) {
        summary_.status = "succeeded";
        return;
      }
    }
  }

  void WriteScored(const SourceBatch& batch) {
    const Decision decision = CurrentDecision();
    summary_.threshold = decision.threshold;
    const ScoredBatch scored = ScoreBatch(model_, decision, batch);
    // Counted as inserted: rows another writer got to first (a replayed batch) are skipped by the
    // database and not counted, as in the run's stored totals.
    const BatchWriteResult written = Retry("writing a batch", [&] {
      lock_.EnsureHeld();
      return db_.WriteBatch(summary_.run_id, summary_.model_version, decision.threshold,
                            scored.predictions, scored.rejections);
    });
    summary_.rows_read += written.predictions_inserted + written.rejections_inserted;
    summary_.rows_scored += written.predictions_inserted;
    summary_.rows_rejected += written.rejections_inserted;
    summary_.rows_positive += written.positives_inserted;
    log_.debug("run {}: batch of {} rows up to key {} ({} rejected)", summary_.run_id,
               batch.keys.size(), batch.keys.back(), scored.rejections.size());
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
    return std::current_exception();
  }

  void RecordEnd() {
    record_.status = summary_.status;
    record_.message = summary_.message;
    record_.threshold = summary_.threshold;
    try {
      WithRetry(config_.database, log_, "recording the run end", nullptr, [&] {
        db_.FinishRun(summary_.run_id, record_);
        return 0;
      });
    } catch (const Error& e) {
      KeepUnrecordedEnd(e);
    }
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
};

}  // namespace

RunSummary ScoreNewRows(Database& db, ScorerLock& lock, const Config& config,
                        const ModelBundle& model, const ScoreOptions& options,
                        spdlog::logger& log) {
  return ScoringRun(db, lock, config, model, options, log).Run();
}

}  // namespace bankscore
