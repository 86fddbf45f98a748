// Internal: a Database made of a backend's statement classes, one for the source table, one for
// the results tables, one for the segmentation tables, one for the HTTP service's reads and one
// for retention and the last check, so each backend writes only its statements and its lock, and
// both share this forwarding. A backend derives from it, owns the objects (returned by source(),
// results(), segments(), serving() and retention()) and implements BackendName, TryLockScorer and
// Query.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/database.h"

namespace bankscore::internal {

template <typename Source, typename Results, typename Segments, typename Serving,
          typename Retention>
class ComposedDatabase : public Database {
 public:
  bool TableExists(const std::string& table) override { return source().TableExists(table); }
  std::vector<std::string> TableColumns(const std::string& table) override {
    return source().TableColumns(table);
  }
  void CreateSourceTable(const std::string& table, const std::vector<ColumnSpec>& columns,
                         const std::string& key) override {
    source().CreateSourceTable(table, columns, key);
  }
  std::unique_ptr<RowInserter> BeginInsert(const std::string& table,
                                           const std::vector<std::string>& columns) override {
    return source().BeginInsert(table, columns);
  }
  void InsertRows(const std::string& table, const RowBatch& batch) override {
    source().InsertRows(table, batch);
  }
  std::int64_t CountRows(const std::string& table) override { return source().CountRows(table); }
  std::optional<std::int64_t> MaxKey(const std::string& table, const std::string& key) override {
    return source().MaxKey(table, key);
  }
  void ScanTable(const std::string& table, const std::string& key,
                 const std::vector<std::string>& columns,
                 const std::optional<std::string>& where_not_null, std::size_t batch_size,
                 const std::function<void(const RowBatch&)>& sink) override {
    source().ScanTable(table, key, columns, where_not_null, batch_size, sink);
  }
  bool HasUnscoredRows(const std::string& model_version) override {
    return source().HasUnscoredRows(model_version);
  }
  std::int64_t CountUnscoredRows(const std::string& model_version) override {
    return source().CountUnscoredRows(model_version);
  }
  std::unique_ptr<UnscoredRowReader> ReadUnscored(
      const std::string& model_version, std::optional<std::int64_t> after_key,
      std::optional<std::int64_t> up_to_key = std::nullopt) override {
    return source().ReadUnscored(model_version, after_key, up_to_key);
  }
  UnkeyedRows CountUnkeyedRows() override { return source().CountUnkeyedRows(); }
  std::string ColumnSqlType(const std::string& table, const std::string& column) override {
    return source().ColumnSqlType(table, column);
  }

  void EnsureResultsSchema() override { results().EnsureResultsSchema(); }
  void CheckScoringAccess() override { results().CheckScoringAccess(); }
  BatchWriteResult WriteBatch(std::int64_t run_id, const std::string& model_version,
                              double threshold, const std::vector<Prediction>& predictions,
                              const std::vector<Rejection>& rejections,
                              const std::vector<PredictionReason>& reasons = {}) override {
    return results().WriteBatch(run_id, model_version, threshold, predictions, rejections, reasons);
  }
  std::int64_t BeginRun(const RunRecord& run) override { return results().BeginRun(run); }
  void FinishRun(std::int64_t run_id, const RunRecord& run) override {
    results().FinishRun(run_id, run);
  }
  std::int64_t MarkAbandonedRuns() override { return results().MarkAbandonedRuns(); }
  std::int64_t ForgetRejections(const std::string& model_version) override {
    return results().ForgetRejections(model_version);
  }
  std::vector<std::string> ResultsSources() override { return results().ResultsSources(); }
  std::optional<RunDrift> ReadRunDrift(std::optional<std::int64_t> run_id) override {
    return results().ReadRunDrift(run_id);
  }
  RelabelResult Relabel(std::int64_t run_id, const std::string& model_version,
                        const Decision& decision) override {
    return results().Relabel(run_id, model_version, decision);
  }

  // --- Segmentation ---------------------------------------------------------------------------
  void EnsureSegmentsSchema() override { segments().EnsureSegmentsSchema(); }
  bool ActivateSegmentation(const SegmentationRecord& record) override {
    return segments().ActivateSegmentation(record);
  }
  std::optional<SegmentationRecord> CurrentSegmentation() override {
    return segments().CurrentSegmentation();
  }
  RowBatch ReadUnsegmented(const std::string& version, const std::vector<std::string>& columns,
                           std::optional<std::int64_t> after_key, std::size_t limit) override {
    return segments().ReadUnsegmented(version, columns, after_key, limit);
  }
  std::int64_t WriteSegments(const std::string& version,
                             const std::vector<SegmentAssignment>& rows) override {
    return segments().WriteSegments(version, rows);
  }
  std::vector<SegmentStats> SummarizeSegments(
      const std::string& version, const std::vector<std::string>& numeric,
      const std::vector<std::string>& categorical) override {
    return segments().SummarizeSegments(version, numeric, categorical);
  }
  void WriteSegmentProfiles(const std::string& version,
                            const std::vector<SegmentProfileRow>& profiles) override {
    segments().WriteSegmentProfiles(version, profiles);
  }
  std::vector<SegmentProfileRow> ReadSegmentProfiles(const std::string& version) override {
    return segments().ReadSegmentProfiles(version);
  }
  std::vector<SegmentAssignment> FindSegments(const std::string& version,
                                              const std::vector<std::int64_t>& keys) override {
    return segments().FindSegments(version, keys);
  }

  // --- Serving (the HTTP service's reads) -----------------------------------------------------
  std::optional<PredictionRecord> LatestPrediction(std::int64_t key) override {
    return serving().LatestPrediction(key);
  }
  std::vector<RunInfo> RecentRuns(std::size_t limit) override {
    return serving().RecentRuns(limit);
  }
  std::vector<RunTotals> TotalsByRunStatus() override { return serving().TotalsByRunStatus(); }
  std::vector<std::int64_t> ScoreHistogram(std::int64_t run_id, int bins) override {
    return serving().ScoreHistogram(run_id, bins);
  }

  // --- Retention and the last check -----------------------------------------------------------
  std::vector<StoredVersion> StoredVersions() override { return retention().StoredVersions(); }
  PruneResult PruneVersion(const std::string& model_version, std::int64_t batch_keys,
                           const std::string& kept_versions) override {
    return retention().PruneVersion(model_version, batch_keys, kept_versions);
  }
  void RecordCheck(const std::string& model_version, std::optional<std::int64_t> run_id,
                   std::int64_t rows_found) override {
    retention().RecordCheck(model_version, run_id, rows_found);
  }

 protected:
  virtual Source& source() = 0;
  virtual Results& results() = 0;
  virtual Segments& segments() = 0;
  virtual Serving& serving() = 0;
  virtual Retention& retention() = 0;
};

}  // namespace bankscore::internal
