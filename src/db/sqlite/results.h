// Internal: the SQLite statements on the results tables. The statements of the scoring hot path
// (one prediction, one rejection, the run totals) are prepared once and reused for every batch.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/database.h"
#include "db/sqlite/connection.h"

namespace bankscore::internal::sqlite {

class ResultStatements {
 public:
  ResultStatements(Connection& db, const Config& config);
  ~ResultStatements();

  void EnsureResultsSchema();
  BatchWriteResult WriteBatch(std::int64_t run_id, const std::string& model_version,
                              double threshold, const std::vector<Prediction>& predictions,
                              const std::vector<Rejection>& rejections,
                              const std::vector<PredictionReason>& reasons);
  std::int64_t BeginRun(const RunRecord& run);
  void FinishRun(std::int64_t run_id, const RunRecord& run);
  std::int64_t MarkAbandonedRuns();
  std::int64_t ForgetRejections(const std::string& model_version);
  std::vector<std::string> ResultsSources();
  std::optional<RunDrift> ReadRunDrift(std::optional<std::int64_t> run_id);
  RelabelResult Relabel(std::int64_t run_id, const std::string& model_version,
                        const Decision& decision);
  // SQLite has no privileges: a read-only file fails at the first write, with the path.
  void CheckScoringAccess() {}

 private:
  // The hot path's statements, prepared on first use.
  struct BatchStatements;
  BatchStatements& Prepared();
  // Inserts the predictions not stored yet and counts them in `result`: with multi-row INSERTs
  // when `all_new` (false, and nothing counted, as soon as one was stored), else a row at a time.
  bool InsertPredictions(std::int64_t run_id, const std::string& model_version, double threshold,
                         const std::vector<Prediction>& predictions, bool all_new,
                         BatchWriteResult& result);
  void InsertReasons(const std::string& model_version,
                     const std::vector<PredictionReason>& reasons);
  void InsertRejections(std::int64_t run_id, const std::string& model_version,
                        const std::vector<Rejection>& rejections, BatchWriteResult& result);
  void InsertDrift(std::int64_t run_id, const RunRecord& run);
  void AddRunTotals(std::int64_t run_id, double threshold, const BatchWriteResult& result);

  Connection& db_;
  const Config& config_;
  std::unique_ptr<BatchStatements> prepared_;
  // The keys of the batch being written whose prediction was new (reused from batch to batch).
  std::vector<std::int64_t> inserted_;
};

}  // namespace bankscore::internal::sqlite
