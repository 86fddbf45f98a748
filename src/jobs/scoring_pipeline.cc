#include "jobs/scoring_pipeline.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/bounded_queue.h"
#include "common/log_event.h"

namespace bankscore {
namespace {

using Clock = std::chrono::steady_clock;

struct Slot {
  std::int64_t sequence = 0;  // its place in the reader's order, which the writer keeps
  ColumnarBatch source;
  ScoredBatch scored;
  double threshold = 0.5;
};
using SlotPtr = std::unique_ptr<Slot>;

void AddCounts(std::vector<std::int64_t>& total, const std::vector<std::int64_t>& batch) {
  total.resize(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) total[i] += batch[i];
}

class Pipeline {
 public:
  Pipeline(const PipelineContext& context, std::int64_t run_id, PipelineResult& result)
      : c_(context),
        run_id_(run_id),
        version_(context.model.metadata.version),
        batch_size_(context.config.scoring.batch_size),
        depth_(context.config.scoring.pipeline_depth),
        scorers_(context.config.scoring.PredictParallelism().workers),
        result_(result),
        free_(depth_),
        to_score_(depth_),
        to_write_(depth_),
        last_read_key_(context.after_key) {
    for (std::size_t i = 0; i < depth_; ++i) {
      auto slot = std::make_unique<Slot>();
      slot->source.Reset(c_.config.source.FeatureColumns());
      free_.Push(std::move(slot));
    }
    carry_.Reset(c_.config.source.FeatureColumns());
  }

  void Run() {
    // A failed read still lets the batches already read be scored and written; a failed score
    // or write stops everything at once.
    std::thread reader([this] { Guard([this] { ReadStage(); }, /*drain=*/true); });
    std::vector<StageTimes> scorer_times(scorers_);
    std::vector<std::thread> scorers;
    scorers_running_ = scorers_;
    for (StageTimes& times : scorer_times) {
      scorers.emplace_back([this, &times] { Guard([&] { ScoreStage(times); }, /*drain=*/false); });
    }
    Guard([this] { WriteStage(); }, /*drain=*/false);
    reader.join();
    for (std::thread& scorer : scorers) scorer.join();
    for (const StageTimes& times : scorer_times) {
      result_.times.encode += times.encode;
      result_.times.predict += times.predict;
    }
    result_.interrupted = interrupted_;
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  // Runs a stage and keeps its failure, the first of the run. Then either lets the later stages
  // finish the batches in flight (`drain`) or stops every stage.
  template <typename Stage>
  void Guard(Stage&& stage, bool drain) {
    try {
      stage();
    } catch (...) {
      {
        std::lock_guard<std::mutex> lock(failure_mutex_);
        if (!failure_) failure_ = std::current_exception();
      }
      if (drain) {
        to_score_.Close();
        return;
      }
      free_.Cancel();
      to_score_.Cancel();
      to_write_.Cancel();
    }
  }

  bool StopRequested() const { return c_.should_stop && c_.should_stop(); }

  // --- reader ----------------------------------------------------------------------------------

  void ReadStage() {
    while (true) {
      if (StopRequested()) {
        interrupted_ = true;
        break;
      }
      std::optional<SlotPtr> slot = free_.Pop();
      if (!slot) return;  // cancelled
      const auto started = Clock::now();
      const bool more = FillWithRetry((*slot)->source);
      result_.times.read += Clock::now() - started;
      if ((*slot)->source.rows() > 0) {
        (*slot)->sequence = read_sequence_++;
        last_read_key_ = (*slot)->source.keys.back();
        if (!to_score_.Push(std::move(*slot))) return;
      }
      if (!more) break;
    }
    to_score_.Close();
  }

  // Fills `batch` with the next rows; false when the source is exhausted. A transient failure
  // reopens the reader after the last key handed on and reads the batch again.
  bool FillWithRetry(ColumnarBatch& batch) {
    Backoff backoff(c_.config.database.retry_backoff, std::chrono::hours(1));
    for (int attempt = 1;; ++attempt) {
      try {
        return Fill(batch);
      } catch (const DatabaseError& e) {
        reader_.reset();
        carry_.Clear();
        if (!e.transient() || attempt >= c_.config.database.connect_attempts || StopRequested()) {
          throw;
        }
        const auto wait = backoff.Next();
        c_.log.warn("reading source rows failed (attempt {} of {}): {}; retrying in {} ms", attempt,
                    c_.config.database.connect_attempts, e.what(), wait.count());
        SleepUnlessStopped(wait, c_.should_stop);
      }
    }
  }

  // Reads past a full batch to see where the last key's rows end: the rows of one key (a key
  // that appears more than once) always go into the same batch, so they are refused together.
  bool Fill(ColumnarBatch& batch) {
    if (!reader_) reader_ = c_.db.ReadUnscored(version_, last_read_key_, c_.up_to_key);
    batch.Clear();
    for (std::size_t row = 0; row < carry_.rows(); ++row) batch.AppendRowFrom(carry_, row);
    carry_.Clear();
    while (true) {
      const std::size_t want = batch.rows() <= batch_size_ ? batch_size_ + 1 - batch.rows() : 1;
      if (!reader_->Next(batch, want)) return false;
      if (batch.rows() > batch_size_ && HoldBackLastKey(batch)) return true;
    }
  }

  // Moves the rows of the batch's last key to carry_; false when they are the whole batch (one
  // key's rows outnumber a batch: read on until another key shows up).
  bool HoldBackLastKey(ColumnarBatch& batch) {
    std::size_t first = batch.rows() - 1;
    while (first > 0 && batch.keys[first - 1] == batch.keys.back()) --first;
    if (first == 0) return false;
    for (std::size_t row = first; row < batch.rows(); ++row) carry_.AppendRowFrom(batch, row);
    batch.Truncate(first);
    return true;
  }

  // --- scorer ----------------------------------------------------------------------------------

  Decision CurrentDecision() const {
    ScoringConfig scoring = c_.config.scoring;
    if (c_.threshold) scoring.threshold = c_.threshold->Get();
    return EffectiveDecision(c_.model, scoring);
  }

  // One of scorers_ threads; batches leave them in any order.
  void ScoreStage(StageTimes& times) {
    ScoringWorkspace workspace;
    workspace.limits = c_.model.encoder.Limits(c_.config.source.ranges);
    workspace.explain_top = c_.config.scoring.explain_top;
    while (std::optional<SlotPtr> slot = to_score_.Pop()) {
      ScoreBatch(c_.model, (*slot)->source, workspace, (*slot)->scored, times);
      if (!to_write_.Push(std::move(*slot))) return;
    }
    if (--scorers_running_ == 0) to_write_.Close();
  }

  // --- writer ----------------------------------------------------------------------------------

  // The scored batches in the reader's order: the last key written only grows, which a reopened
  // reader and a lease's progress rely on. Holds at most pipeline_depth batches.
  std::optional<SlotPtr> NextToWrite() {
    while (true) {
      const auto next = scored_early_.find(write_sequence_);
      if (next != scored_early_.end()) {
        SlotPtr slot = std::move(next->second);
        scored_early_.erase(next);
        ++write_sequence_;
        return slot;
      }
      std::optional<SlotPtr> slot = to_write_.Pop();
      if (!slot) return std::nullopt;
      const std::int64_t sequence = (*slot)->sequence;
      scored_early_.emplace(sequence, std::move(*slot));
    }
  }

  void WriteStage() {
    while (std::optional<SlotPtr> slot = NextToWrite()) {
      const bool lost = !StopRequested() && c_.keep_lease && !c_.keep_lease();
      if (lost || StopRequested()) {
        // SIGTERM stops after the batch being written; batches still in flight are dropped and
        // read again by the next run (or, for a lost lease, by the worker that took it over).
        if (lost) {
          result_.lease_lost = true;
        } else {
          interrupted_ = true;
        }
        free_.Cancel();
        to_score_.Cancel();
        return;
      }
      // Labelled here, just before the write, so a new threshold applies from the next batch
      // written.
      const Decision decision = CurrentDecision();
      (*slot)->threshold = decision.threshold;
      ApplyDecision(decision, (*slot)->scored);
      Write(**slot);
      if (!free_.Push(std::move(*slot))) return;
    }
  }

  void Write(const Slot& slot) {
    const ScoredBatch& scored = slot.scored;
    const auto started = Clock::now();
    const BatchWriteResult written =
        WithRetry(c_.config.database, c_.log, "writing a batch", c_.should_stop, [&] {
          c_.lock.EnsureHeld();
          return c_.db.WriteBatch(run_id_, version_, slot.threshold, scored.predictions,
                                  scored.rejections, scored.reasons);
        });
    result_.times.write += Clock::now() - started;
    // Counted as inserted: rows another writer got to first (a replayed batch) are skipped by
    // the database and not counted, as in the run's stored totals.
    result_.written.predictions_inserted += written.predictions_inserted;
    result_.written.rejections_inserted += written.rejections_inserted;
    result_.written.positives_inserted += written.positives_inserted;
    result_.last_threshold = slot.threshold;
    AddCounts(result_.unseen, scored.unseen);
    AddCounts(result_.out_of_training_range, scored.out_of_training_range);
    // Every prediction of a written batch counts, also one a replay found there already: the
    // drift is that of the rows this run scored.
    result_.drift.Add(scored.drift);
    ++result_.batches;
    LogEvent event;
    event.event = "batch_written";
    event.run_id = run_id_;
    event.model_version = version_;
    event.rows = static_cast<std::int64_t>(scored.predictions.size() + scored.rejections.size());
    event.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    LogStructured(c_.log, spdlog::level::debug, event,
                  fmt::format("run {}: batch of {} rows up to key {} ({} rejected)", run_id_,
                              *event.rows, scored.last_key, scored.rejections.size()));
    if (c_.progress) c_.progress->Add(*event.rows);
  }

  const PipelineContext& c_;
  const std::int64_t run_id_;
  const std::string version_;
  const std::size_t batch_size_;
  const std::size_t depth_;
  const int scorers_;  // scoring threads (ScoringConfig::PredictParallelism)
  PipelineResult& result_;
  BoundedQueue<SlotPtr> free_, to_score_, to_write_;
  // Reader stage only.
  std::unique_ptr<UnscoredRowReader> reader_;
  ColumnarBatch carry_;  // rows held back for the next batch (see HoldBackLastKey)
  std::optional<std::int64_t> last_read_key_;
  std::int64_t read_sequence_ = 0;
  // Scorer stage: the last one to finish closes to_write_.
  std::atomic<int> scorers_running_{0};
  // Writer stage only.
  std::int64_t write_sequence_ = 0;
  std::map<std::int64_t, SlotPtr> scored_early_;  // batches scored before an earlier one
  std::atomic<bool> interrupted_{false};          // a stop request ended the run early
  std::mutex failure_mutex_;
  std::exception_ptr failure_;
};

}  // namespace

void RunScoringPipeline(const PipelineContext& context, std::int64_t run_id,
                        PipelineResult& result) {
  Pipeline(context, run_id, result).Run();
}

}  // namespace bankscore
