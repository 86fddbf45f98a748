// Internal: the PostgreSQL read-only queries of the HTTP service (issue 13): a client's latest
// prediction, the recent runs, run totals per status and a run's score histogram. Each is one
// statement in a read-only transaction of the adapter's work session; failures are DatabaseError
// (session.h), transient when the server cannot be reached.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bankscore/database.h"
#include "db/postgres/session.h"

namespace bankscore::internal::pg {

class ServingQueries {
 public:
  ServingQueries(Connection& db, const Config& config) : db_(db), config_(config) {}

  std::optional<PredictionRecord> LatestPrediction(std::int64_t key);
  std::vector<RunInfo> RecentRuns(std::size_t limit);
  std::vector<RunTotals> TotalsByRunStatus();
  std::vector<std::int64_t> ScoreHistogram(std::int64_t run_id, int bins);

 private:
  Connection& db_;
  const Config& config_;
};

}  // namespace bankscore::internal::pg
