// Internal: the quality gate of `bankscore train`, which decides whether a newly trained model
// becomes current or is kept as a candidate.
//
// training.promote `always` promotes every new model; `if_not_worse` (the default) only one whose
// test ROC AUC is at least the current model's on the same test rows minus
// training.promote_tolerance. The current model's figure on those rows is computed by the trainer
// (jobs/trainer.h) into metadata.extra["incumbent"] = {version, roc_auc, rows}. It is missing
// when the current model reads other feature columns (or could not be loaded): such a model cannot
// score under this config anyway, so the new one replaces it. A figure for a model that is no
// longer current (another train promoted meanwhile) promotes nothing.
#pragma once

#include <optional>
#include <string>

#include "bankscore/config.h"
#include "model/bundle.h"

namespace bankscore {

struct PromotionDecision {
  bool promote = false;
  std::string reason;  // one line with the figures compared, for train's output
};

// `current_version`: the current model, nullopt when there is none (the first model is always
// promoted). `forced`: train --promote, which promotes whatever the figures.
PromotionDecision DecidePromotion(const ModelMetadata& candidate,
                                  const std::optional<std::string>& current_version,
                                  const TrainingConfig& training, bool forced);

}  // namespace bankscore
