#include "bankscore/scorer.h"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <exception>
#include <functional>
#include <thread>

#include "bankscore/error.h"

namespace bankscore {
namespace {

using Clock = std::chrono::steady_clock;

// Sleeps `duration` in short slices, returning early once `stop` says so.
void InterruptibleSleep(std::chrono::milliseconds duration, const std::function<bool()>& stop) {
  const auto deadline = Clock::now() + duration;
  while (Clock::now() < deadline) {
    if (stop && stop()) return;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(100),
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()) +
            std::chrono::milliseconds(1)));
  }
}

// Runs `op`, retrying transient database failures with exponential backoff. A stop request cuts
// the backoff short and gives up.
template <typename Op>
auto WithRetry(const DatabaseConfig& dbc, spdlog::logger& log, const char* what,
               const std::function<bool()>& stop, Op op) -> decltype(op()) {
  auto backoff = dbc.retry_backoff;
  for (int attempt = 1;; ++attempt) {
    try {
      return op();
    } catch (const DatabaseError& e) {
      if (!e.transient() || attempt >= dbc.connect_attempts || (stop && stop())) throw;
      log.warn("{} failed (attempt {} of {}): {}; retrying in {} ms", what, attempt,
               dbc.connect_attempts, e.what(), backoff.count());
      InterruptibleSleep(backoff, stop);
      backoff *= 2;
    }
  }
}

}  // namespace

RunSummary ScoreNewRows(Database& db, ScorerLock& lock, const Config& config,
                        const ModelBundle& model, const ScoreOptions& options,
                        spdlog::logger& log) {
  const auto started = Clock::now();
  const std::string& version = model.metadata.version;
  RunSummary summary;
  summary.model_version = version;
  summary.threshold = options.threshold;
  summary.null_keys = db.CountNullKeys();
  if (summary.null_keys > 0) {
    log.warn("{} rows of {} have a NULL {} and cannot be scored; give them a key",
             summary.null_keys, config.source.table, config.source.key);
  }

  // Before the run is recorded: a role that could not write its results writes nothing at all.
  WithRetry(config.database, log, "checking privileges", options.should_stop,
            [&] { db.CheckScoringAccess(); return 0; });
  // Ends of earlier runs of this process that the database was down for: their real status and
  // reason, before the sweep below would call them abandoned.
  if (options.unrecorded_ends) {
    auto& ends = *options.unrecorded_ends;
    while (!ends.empty()) {
      const UnrecordedRunEnd& end = ends.front();
      WithRetry(config.database, log, "recording an earlier run's end", options.should_stop,
                [&] { db.FinishRun(end.run_id, end.record); return 0; });
      // At the level of the error that announced it, so whoever saw that sees this.
      log.warn("recorded the end of run {} ({}), which the database had been down for",
               end.run_id, end.record.status);
      ends.erase(ends.begin());
    }
  }
  // Runs left 'running' belong to dead processes: this one holds the lock.
  if (std::int64_t n = WithRetry(config.database, log, "marking abandoned runs",
                                 options.should_stop, [&] { return db.MarkAbandonedRuns(); })) {
    log.warn("marked {} unfinished earlier run(s) as abandoned", n);
  }

  RunRecord record;
  record.model_version = version;
  record.threshold = options.threshold;
  summary.run_id = WithRetry(config.database, log, "recording the run start", options.should_stop,
                             [&] { return db.BeginRun(record); });

  std::optional<std::int64_t> after_key;
  std::exception_ptr failure;
  try {
    while (true) {
      if (options.should_stop && options.should_stop()) {
        summary.status = "interrupted";
        summary.message = "stopped by signal";
        break;
      }
      if (options.current_threshold) summary.threshold = options.current_threshold();
      SourceBatch batch =
          WithRetry(config.database, log, "reading source rows", options.should_stop, [&] {
            return db.ReadUnscored(version, after_key, config.scoring.batch_size);
          });
      if (batch.keys.empty()) {
        summary.status = "succeeded";
        break;
      }
      after_key = batch.keys.back();

      EncodedRows encoded = model.encoder.Transform(batch.columns, batch.rows);
      std::vector<double> probabilities = model.booster.Predict(encoded.matrix);
      std::vector<Prediction> predictions(encoded.accepted.size());
      for (std::size_t i = 0; i < predictions.size(); ++i) {
        Prediction& p = predictions[i];
        p.key = batch.keys[encoded.accepted[i]];
        p.probability = probabilities[i];
        p.label = probabilities[i] >= summary.threshold ? 1 : 0;
      }
      std::vector<Rejection> rejections(encoded.rejected.size());
      for (std::size_t i = 0; i < rejections.size(); ++i) {
        rejections[i] = {batch.keys[encoded.rejected[i]], encoded.reasons[i]};
      }
      // Counted as inserted: rows another writer got to first (a replayed batch) are skipped by
      // the database and not counted, as in the run's stored totals.
      const BatchWriteResult written =
          WithRetry(config.database, log, "writing a batch", options.should_stop, [&] {
            lock.EnsureHeld();
            return db.WriteBatch(summary.run_id, version, summary.threshold, predictions,
                                 rejections);
          });
      summary.rows_read += written.predictions_inserted + written.rejections_inserted;
      summary.rows_scored += written.predictions_inserted;
      summary.rows_rejected += written.rejections_inserted;
      summary.rows_positive += written.positives_inserted;
      log.debug("run {}: batch of {} rows up to key {} ({} rejected)", summary.run_id,
                batch.keys.size(), *after_key, rejections.size());
      if (batch.keys.size() < config.scoring.batch_size) {
        summary.status = "succeeded";
        break;
      }
    }
  } catch (const Error& e) {
    if (options.should_stop && options.should_stop()) {
      // A stop request cut a retry short: the run was interrupted, not broken.
      summary.status = "interrupted";
      summary.message = std::string("stopped by signal while retrying: ") + e.what();
    } else {
      summary.status = "failed";
      summary.message = e.what();
      failure = std::current_exception();
    }
  }

  summary.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  record.status = summary.status;
  record.message = summary.message;
  record.threshold = summary.threshold;
  try {
    WithRetry(config.database, log, "recording the run end", nullptr,
              [&] { db.FinishRun(summary.run_id, record); return 0; });
  } catch (const Error& e) {
    if (options.unrecorded_ends) {
      options.unrecorded_ends->push_back({summary.run_id, record});
      log.error("could not record the end of run {} ({}): {}; it will be recorded by the next run",
                summary.run_id, record.status, e.what());
    } else {
      log.error("could not record the end of run {} ({}): {}; the next run will mark it "
                "abandoned",
                summary.run_id, record.status, e.what());
    }
  }
  if (failure) std::rethrow_exception(failure);
  return summary;
}

}  // namespace bankscore
