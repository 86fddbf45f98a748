#include "jobs/score_batch.h"

#include <algorithm>

namespace bankscore {
namespace {

using Clock = std::chrono::steady_clock;

// Rows whose key occurs more than once in the (key-ordered) batch: none of them can be scored,
// because a result is stored per key. Returns a per-row flag and adds one rejection per key.
std::vector<bool> RejectDuplicateKeys(const ColumnarBatch& batch, ScoredBatch& out) {
  std::vector<bool> duplicate(batch.rows(), false);
  for (std::size_t first = 0; first < batch.rows();) {
    std::size_t end = first + 1;
    while (end < batch.rows() && batch.keys[end] == batch.keys[first]) ++end;
    if (end - first > 1) {
      std::fill(duplicate.begin() + static_cast<std::ptrdiff_t>(first),
                duplicate.begin() + static_cast<std::ptrdiff_t>(end), true);
      out.rejections.push_back(
          {batch.keys[first], "key " + std::to_string(batch.keys[first]) + " appears in " +
                                  std::to_string(end - first) +
                                  " source rows; keys must be unique, so none of them is scored"});
    }
    first = end;
  }
  return duplicate;
}

}  // namespace

void ScoreBatch(const ModelBundle& model, const ColumnarBatch& batch, ScoringWorkspace& workspace,
                ScoredBatch& out, StageTimes& times) {
  out.predictions.clear();
  out.rejections.clear();
  out.reasons.clear();
  out.last_key = batch.rows() ? batch.keys.back() : 0;
  const std::vector<bool> duplicate = RejectDuplicateKeys(batch, out);

  auto started = Clock::now();
  EncodedBatch& encoded = workspace.encoded;
  model.encoder.Encode(batch, encoded, workspace.limits);
  out.unseen = encoded.unseen;
  out.out_of_training_range = encoded.out_of_training_range;
  times.encode += Clock::now() - started;

  started = Clock::now();
  model.booster.PredictDense(encoded.values.data(), encoded.rows(), encoded.width,
                             workspace.raw_scores);
  workspace.probabilities.resize(workspace.raw_scores.size());
  model.calibrator.Apply(workspace.raw_scores.data(), workspace.raw_scores.size(),
                         workspace.probabilities.data());

  out.predictions.reserve(encoded.rows());
  workspace.predicted.clear();
  for (std::size_t i = 0; i < encoded.rows(); ++i) {
    const std::size_t row = encoded.accepted[i];
    if (duplicate[row]) continue;
    out.predictions.push_back(
        {batch.keys[row], workspace.probabilities[i], 0, workspace.raw_scores[i], std::string()});
    workspace.predicted.push_back(i);
  }
  ExplainPredictions(model, batch, encoded, workspace.predicted, workspace.explain_top,
                     workspace.reasons, out.predictions, out.reasons);
  out.drift.Clear();
  if (model.drift)
    model.drift->Count(encoded, workspace.predicted, workspace.probabilities, out.drift);
  times.predict += Clock::now() - started;
  for (std::size_t i = 0; i < encoded.rejected.size(); ++i) {
    const std::size_t row = encoded.rejected[i];
    if (!duplicate[row]) out.rejections.push_back({batch.keys[row], encoded.reasons[i]});
  }
}

void ApplyDecision(const Decision& decision, ScoredBatch& batch) {
  for (Prediction& p : batch.predictions) p.label = decision.Label(p.probability);
}

}  // namespace bankscore
