// Internal: scoring the clients of one request through the batch scorer's own code path.
//
// ScoreClients builds a ColumnarBatch from the clients (NULL where a value was not given) and
// runs ScoreBatch and ApplyDecision on it, the encode -> XGBoost in-place predict -> decision path
// every batch run takes, so a client gets the probability a run would store for the same row.
// Nothing is written anywhere. A client's reasons are the batch run's (scoring.explain_top, the
// same TreeSHAP code). With a segmentation, each scored client also gets its customer segment
// (issue 14), classified from the values it was scored with by the segmentation's centroids,
// exactly as `bankscore segment` would assign the same row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/decision.h"
#include "jobs/segment_catalog.h"
#include "model/bundle.h"
#include "service/client_input.h"

namespace bankscore::service {

// Why the model gave this probability: one source column's share of the log-odds (issue 12).
struct Reason {
  std::string feature;  // a source column, e.g. "poutcome"
  std::string value;    // the client's value, as text
  double contribution = 0.0;
};

// The customer segment of a client (issue 14).
struct SegmentInfo {
  int segment = 0;
  std::string description;
};

struct ClientResult {
  std::optional<std::int64_t> key;  // echoed from the request
  double probability = 0.0;
  int label = 0;
  std::vector<Reason> reasons;         // the top `explain_top`, largest |contribution| first
  std::optional<SegmentInfo> segment;  // absent until segments exist
  std::vector<std::string> warnings;   // e.g. a category the model never saw
  std::string rejection;               // not empty: the row could not be encoded (no probability)
};

struct ScoredClients {
  std::string model_version;
  Decision decision;
  std::vector<ClientResult> clients;  // in request order
};

// Each scored client gets its `explain_top` reasons (none for 0). Throws DataError / ModelError
// only for a model that cannot score at all. `segments` may be null (no segmentation): no segment
// then. A segmentation that reads a column the request cannot carry (not a model feature) gives
// no segment and a warning naming the column.
ScoredClients ScoreClients(const ModelBundle& model, const Decision& decision,
                           const SourceConfig& source, const std::vector<ClientInput>& clients,
                           const SegmentCatalog* segments, std::size_t explain_top);

}  // namespace bankscore::service
