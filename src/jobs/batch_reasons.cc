#include "jobs/batch_reasons.h"

#include <optional>
#include <string>

#include "bankscore/error.h"
#include "common/text.h"

namespace bankscore {
namespace {

// What the encoder's layout and the batch's columns give once per batch.
void PrepareReasonWorkspace(const FeatureEncoder& encoder, const ColumnarBatch& batch,
                            ReasonWorkspace& workspace) {
  // The encoder of a run never changes: its layout is worked out once.
  if (workspace.source_names.empty()) {
    workspace.source_of = encoder.EncodedSourceColumns();
    workspace.source_names = encoder.input_columns();
  }
  workspace.batch_column.clear();
  for (const std::string& name : workspace.source_names) {
    const std::size_t column = batch.Find(name);
    // The encoder has read every one of them already; this would be a bug.
    if (column == ColumnarBatch::kNotFound) throw DataError("no column " + name + " in the batch");
    workspace.batch_column.push_back(column);
  }
}

// The row's value of a source column as text; nullopt for NULL.
std::optional<std::string> CellText(const Column& column, std::size_t row) {
  if (column.type(row) == CellType::kNull) return std::nullopt;
  return ValueText(column.ValueAt(row));
}

}  // namespace

void ExplainPredictions(const ModelBundle& model, const ColumnarBatch& batch,
                        const EncodedBatch& encoded, const std::vector<std::size_t>& encoded_rows,
                        std::size_t explain_top, ReasonWorkspace& workspace,
                        std::vector<Prediction>& predictions,
                        std::vector<PredictionReason>& reasons) {
  if (explain_top == 0 || predictions.empty()) return;
  PrepareReasonWorkspace(model.encoder, batch, workspace);
  // One call for the whole batch: per-row calls would cost a DMatrix and a thread fan-out each.
  model.booster.PredictContributions(encoded.values.data(), encoded.rows(), encoded.width,
                                     workspace.contributions);
  const std::size_t stride = encoded.width + 1;
  for (std::size_t j = 0; j < predictions.size(); ++j) {
    const std::size_t i = encoded_rows[j];
    SumBySourceColumn(workspace.contributions.data() + i * stride, workspace.source_of,
                      workspace.source_names.size(), workspace.sums);
    TopContributions(workspace.sums, explain_top, workspace.top);
    Prediction& p = predictions[j];
    p.top_reasons.clear();
    int rank = 0;
    for (const SourceContribution& c : workspace.top) {
      const std::string& feature = workspace.source_names[c.column];
      std::optional<std::string> value =
          CellText(batch.columns[workspace.batch_column[c.column]], encoded.accepted[i]);
      AppendReason(p.top_reasons, feature, value.value_or("NULL"), c.contribution);
      reasons.push_back(PredictionReason{p.key, ++rank, feature, std::move(value), c.contribution});
    }
  }
}

}  // namespace bankscore
