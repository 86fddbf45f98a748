// Internal: the per-row reasons of a scored batch (scoring.explain_top). One XGBoost call gives
// the TreeSHAP contributions of every row of the batch; each prediction then gets its top K
// source columns, as PredictionReason rows and as the one-line Prediction::top_reasons. With K = 0
// nothing is computed at all.
#pragma once

#include <cstddef>
#include <vector>

#include "bankscore/columnar_batch.h"
#include "bankscore/database.h"
#include "model/bundle.h"
#include "model/encoder.h"
#include "model/reasons.h"

namespace bankscore {

// Memory reused from batch to batch.
struct ReasonWorkspace {
  std::vector<float> contributions;       // rows x (width + 1), the bias last
  std::vector<std::size_t> source_of;     // per encoded column: its source column
  std::vector<std::string> source_names;  // the encoder's input columns
  std::vector<std::size_t> batch_column;  // per source column: its column in the batch
  std::vector<double> sums;               // one row's contribution per source column
  std::vector<SourceContribution> top;    // one row's top K
};

// Sets the reasons of `predictions` (prediction j is encoded row encoded_rows[j] and batch row
// encoded.accepted[encoded_rows[j]]) and appends them, in prediction then rank order, to `reasons`.
void ExplainPredictions(const ModelBundle& model, const ColumnarBatch& batch,
                        const EncodedBatch& encoded, const std::vector<std::size_t>& encoded_rows,
                        std::size_t explain_top, ReasonWorkspace& workspace,
                        std::vector<Prediction>& predictions,
                        std::vector<PredictionReason>& reasons);

}  // namespace bankscore
