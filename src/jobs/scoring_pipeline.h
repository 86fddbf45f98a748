// Internal: the pipelined body of a scoring run. Three stages overlap, each in threads of its own:
//   reader  -> batches of unscored rows from Database::ReadUnscored (a connection of its own)
//   scorers -> encode + predict (+ the reasons, scoring.explain_top) (ScoreBatch), several
//              batches at once (ScoringConfig::PredictParallelism); labelled by the writer
//   writer  -> Database::WriteBatch, one transaction per batch, in the reader's key order however
//              the scorers finish (the caller's thread)
// At most scoring.pipeline_depth batches exist at a time, reused in a ring, so memory does not
// grow with the table. A stop request ends the run after the batch being written; batches still
// in flight are dropped (the next run reads them again). A batch never splits the rows of one key
// (duplicates stay together). Exactly-once does not depend on the pipeline: every batch commits
// with ON CONFLICT DO NOTHING, and after a failure the next run (or a reopened reader) reads only
// rows still unscored.
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/database.h"
#include "common/progress.h"
#include "common/retry.h"
#include "jobs/live_threshold.h"
#include "jobs/score_batch.h"
#include "model/bundle.h"

namespace bankscore {

struct PipelineResult {
  bool interrupted = false;  // a stop request ended the run after the batch being written
  bool lease_lost = false;   // PipelineContext::keep_lease said no: another worker has the range
  double last_threshold = 0.5;
  std::int64_t batches = 0;
  BatchWriteResult written;                         // summed over batches
  std::vector<std::int64_t> unseen;                 // per categorical feature
  std::vector<std::int64_t> out_of_training_range;  // per numeric feature
  StageTimes times;                                 // encode and predict summed over scorers
  DriftCounts drift;  // the written batches' predictions in the model's drift bins
};

struct PipelineContext {
  Database& db;
  ScorerLock& lock;
  const Config& config;
  const ModelBundle& model;
  const LiveThreshold* threshold;  // null: the config's
  StopRequested should_stop;
  spdlog::logger& log;
  ProgressLog* progress;  // told of every batch written; may be null
  // A leased range (lo - 1, hi]: only its keys are read. nullopt: from the first key / to the end.
  std::optional<std::int64_t> after_key;
  std::optional<std::int64_t> up_to_key;
  // Called by the writer before each batch (leased scoring: the heartbeat); false stops the
  // pipeline like a stop request, with PipelineResult::lease_lost set. Empty: always write.
  std::function<bool()> keep_lease;
};

// Scores every unscored row into run `run_id`. Transient database failures are retried (the
// reader reopens after the last key it delivered; a batch write is repeated); what cannot be
// retried is rethrown after the other stages have stopped. `result` holds what was written even
// then.
void RunScoringPipeline(const PipelineContext& context, std::int64_t run_id,
                        PipelineResult& result);

}  // namespace bankscore
