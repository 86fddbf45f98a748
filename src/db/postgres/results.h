// Internal: the PostgreSQL statements on the results tables: the DDL, batches of predictions and
// rejections, the runs table, relabeling, and the privilege check before a run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bankscore/database.h"
#include "db/postgres/session.h"

namespace bankscore::internal::pg {

class ResultStatements {
 public:
  ResultStatements(Connection& db, const Config& config) : db_(db), config_(config) {}

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
  void CheckScoringAccess();

 private:
  std::string CurrentUser();
  bool ResultsSchemaComplete(pqxx::transaction_base& tx);
  void CreateStaging(pqxx::transaction_base& tx);
  bool CopyPredictions(pqxx::work& tx, std::int64_t run_id, const std::string& model_version,
                       const std::string& threshold, const std::vector<Prediction>& predictions,
                       const std::vector<PredictionReason>& reasons, BatchWriteResult& out);
  void InsertPredictions(pqxx::work& tx, std::int64_t run_id, const std::string& model_version,
                         const std::string& threshold, const std::vector<Prediction>& predictions,
                         const std::vector<PredictionReason>& reasons, BatchWriteResult& out);
  void InsertRejections(pqxx::work& tx, std::int64_t run_id, const std::string& model_version,
                        const std::vector<Rejection>& rejections, BatchWriteResult& out);

  Connection& db_;
  const Config& config_;
};

}  // namespace bankscore::internal::pg
