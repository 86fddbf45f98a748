// Internal: scoring one batch of source rows in memory, with no I/O: encode into a dense float
// matrix, predict it in one XGBoost call, calibrate the whole batch, and with explain_top > 0 take
// every prediction's top reasons from one more call (jobs/batch_reasons.h), and count the
// predictions into the model's drift bins (model/drift.h); ApplyDecision labels it
// with the decision rule. Rows the encoder cannot use, and every row of a key that appears more
// than once, become rejections with a reason. The workspace keeps its memory from batch to batch,
// so a run allocates nothing per row.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "bankscore/columnar_batch.h"
#include "bankscore/database.h"
#include "bankscore/decision.h"
#include "jobs/batch_reasons.h"
#include "model/bundle.h"

namespace bankscore {

struct ScoredBatch {
  std::vector<Prediction> predictions;  // in the batch's key order
  std::vector<Rejection> rejections;
  std::vector<PredictionReason> reasons;  // the predictions' top K, K = the workspace's explain_top
  std::vector<std::int64_t> unseen;       // per categorical feature: cells of unseen categories
  std::vector<std::int64_t> out_of_training_range;  // per numeric feature
  std::int64_t last_key = 0;                        // the batch's largest key
  DriftCounts drift;  // the predictions in the model's drift bins (none without a reference)
};

// Time spent in each step, summed over batches.
struct StageTimes {
  std::chrono::nanoseconds read{0}, encode{0}, predict{0}, write{0};
};

struct ScoringWorkspace {
  NumericLimits limits;         // source.ranges, per numeric feature (set once per run)
  std::size_t explain_top = 0;  // scoring.explain_top: reasons per prediction (0: none)
  EncodedBatch encoded;
  std::vector<double> raw_scores;      // the booster's output
  std::vector<double> probabilities;   // calibrated
  std::vector<std::size_t> predicted;  // encoded row of each prediction
  ReasonWorkspace reasons;
};

// Fills `out` with a prediction per accepted row (label not set yet), its reasons when
// workspace.explain_top > 0, and the rejections.
void ScoreBatch(const ModelBundle& model, const ColumnarBatch& batch, ScoringWorkspace& workspace,
                ScoredBatch& out, StageTimes& times);

// Sets every prediction's label from its probability.
void ApplyDecision(const Decision& decision, ScoredBatch& batch);

}  // namespace bankscore
