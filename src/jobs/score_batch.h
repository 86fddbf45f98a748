// Internal: scoring one batch of source rows in memory, with no I/O: encode, predict in one
// XGBoost call, label with the decision rule. Rows the encoder cannot use become rejections with
// their reason.
#pragma once

#include <vector>

#include "bankscore/database.h"
#include "bankscore/decision.h"
#include "model/bundle.h"

namespace bankscore {

struct ScoredBatch {
  std::vector<Prediction> predictions;  // in the batch's key order
  std::vector<Rejection> rejections;
};

ScoredBatch ScoreBatch(const ModelBundle& model, const Decision& decision,
                       const SourceBatch& batch);

}  // namespace bankscore
