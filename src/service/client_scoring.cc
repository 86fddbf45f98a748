#include "service/client_scoring.h"

#include <algorithm>

#include "bankscore/columnar_batch.h"
#include "common/text.h"
#include "jobs/score_batch.h"

namespace bankscore::service {
namespace {

// One warning per categorical value the encoder has no column for: it encodes it as "none of the
// known categories" (all zeros), which the caller should know.
std::vector<std::string> UnseenCategories(const FeatureEncoder& encoder,
                                          const ClientInput& client) {
  std::vector<std::string> warnings;
  const auto& vocabularies = encoder.vocabularies();
  for (std::size_t c = 0; c < encoder.categorical().size() && c < client.features.size(); ++c) {
    const auto* text = std::get_if<std::string>(&client.features[c]);
    if (text == nullptr ||
        std::binary_search(vocabularies[c].begin(), vocabularies[c].end(), *text)) {
      continue;
    }
    warnings.push_back(encoder.categorical()[c] + ": '" + EscapeControl(*text) +
                       "' was not seen in training; scored as none of the known categories");
  }
  return warnings;
}

// The columns of `wanted` that `columns` lacks.
std::vector<std::string> Missing(const std::vector<std::string>& wanted,
                                 const std::vector<std::string>& columns) {
  std::vector<std::string> missing;
  for (const std::string& column : wanted) {
    if (std::find(columns.begin(), columns.end(), column) == columns.end()) {
      missing.push_back(column);
    }
  }
  return missing;
}

// The segment of each scored client, from the values it was scored with.
void AddSegments(const SegmentCatalog& segments, const SourceConfig& source,
                 const std::vector<ClientInput>& clients, ScoredClients& out) {
  const std::vector<std::string> columns = source.FeatureColumns();
  const std::vector<std::string> missing = Missing(segments.model().Columns(), columns);
  for (std::size_t i = 0; i < clients.size(); ++i) {
    ClientResult& result = out.clients[i];
    if (!result.rejection.empty()) continue;
    if (!missing.empty()) {
      result.warnings.push_back("segment: not computed: segmentation " + segments.version() +
                                " reads " + Join(missing) + ", which a request does not carry");
      continue;
    }
    const ClientSegment s = segments.Classify(columns, clients[i].features);
    result.segment = SegmentInfo{s.segment, s.description};
  }
}

}  // namespace

ScoredClients ScoreClients(const ModelBundle& model, const Decision& decision,
                           const SourceConfig& source, const std::vector<ClientInput>& clients,
                           const SegmentCatalog* segments, std::size_t explain_top) {
  // Keys 0..n-1 are the clients' positions: unique and in order, as ScoreBatch requires.
  std::vector<std::int64_t> positions(clients.size());
  std::vector<std::vector<Value>> rows;
  rows.reserve(clients.size());
  for (std::size_t i = 0; i < clients.size(); ++i) {
    positions[i] = static_cast<std::int64_t>(i);
    rows.push_back(clients[i].features);
  }
  const ColumnarBatch batch = ToColumnar(source.FeatureColumns(), positions, rows);
  ScoringWorkspace workspace;
  workspace.limits = model.encoder.Limits(source.ranges);  // as a run: outside is a rejection
  workspace.explain_top = explain_top;
  ScoredBatch scored;
  StageTimes times;
  // XGBoost's in-place prediction is safe to call from several threads on one booster.
  ScoreBatch(model, batch, workspace, scored, times);
  ApplyDecision(decision, scored);

  ScoredClients out{model.metadata.version, decision, std::vector<ClientResult>(clients.size())};
  for (std::size_t i = 0; i < clients.size(); ++i) {
    out.clients[i].key = clients[i].key;
    out.clients[i].warnings = UnseenCategories(model.encoder, clients[i]);
  }
  for (const Prediction& p : scored.predictions) {
    ClientResult& result = out.clients[static_cast<std::size_t>(p.key)];
    result.probability = p.probability;
    result.label = p.label;
  }
  // In rank order, as ScoreBatch appends them.
  for (const PredictionReason& r : scored.reasons) {
    out.clients[static_cast<std::size_t>(r.key)].reasons.push_back(
        Reason{r.feature, r.value.value_or("NULL"), r.contribution});
  }
  for (const Rejection& r : scored.rejections) {
    out.clients[static_cast<std::size_t>(r.key)].rejection = r.reason;
  }
  if (segments != nullptr) AddSegments(*segments, source, clients, out);
  return out;
}

}  // namespace bankscore::service
