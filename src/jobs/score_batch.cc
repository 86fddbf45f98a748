#include "jobs/score_batch.h"

namespace bankscore {

ScoredBatch ScoreBatch(const ModelBundle& model, const Decision& decision,
                       const SourceBatch& batch) {
  const EncodedRows encoded = model.encoder.Transform(batch.columns, batch.rows);
  const std::vector<double> probabilities = model.booster.Predict(encoded.matrix);
  ScoredBatch out;
  out.predictions.resize(encoded.accepted.size());
  for (std::size_t i = 0; i < out.predictions.size(); ++i) {
    Prediction& p = out.predictions[i];
    p.key = batch.keys[encoded.accepted[i]];
    p.probability = probabilities[i];
    p.label = decision.Label(p.probability);
  }
  out.rejections.resize(encoded.rejected.size());
  for (std::size_t i = 0; i < out.rejections.size(); ++i) {
    out.rejections[i] = {batch.keys[encoded.rejected[i]], encoded.reasons[i]};
  }
  return out;
}

}  // namespace bankscore
