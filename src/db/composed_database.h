// Internal: a Database made of a backend's two statement classes, one for the source table and
// one for the results tables, so each backend writes only its statements and its lock, and both
// share this forwarding. A backend derives from it, owns the two objects (returned by source()
// and results()) and implements BackendName, TryLockScorer and Query.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/database.h"

namespace bankscore::internal {

template <typename Source, typename Results>
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
  std::unique_ptr<UnscoredRowReader> ReadUnscored(const std::string& model_version,
                                                  std::optional<std::int64_t> after_key) override {
    return source().ReadUnscored(model_version, after_key);
  }
  UnkeyedRows CountUnkeyedRows() override { return source().CountUnkeyedRows(); }
  std::string ColumnSqlType(const std::string& table, const std::string& column) override {
    return source().ColumnSqlType(table, column);
  }

  void EnsureResultsSchema() override { results().EnsureResultsSchema(); }
  void CheckScoringAccess() override { results().CheckScoringAccess(); }
  BatchWriteResult WriteBatch(std::int64_t run_id, const std::string& model_version,
                              double threshold, const std::vector<Prediction>& predictions,
                              const std::vector<Rejection>& rejections) override {
    return results().WriteBatch(run_id, model_version, threshold, predictions, rejections);
  }
  std::int64_t BeginRun(const RunRecord& run) override { return results().BeginRun(run); }
  void FinishRun(std::int64_t run_id, const RunRecord& run) override {
    results().FinishRun(run_id, run);
  }
  std::int64_t MarkAbandonedRuns() override { return results().MarkAbandonedRuns(); }
  std::vector<std::string> ResultsSources() override { return results().ResultsSources(); }
  RelabelResult Relabel(std::int64_t run_id, const std::string& model_version,
                        const Decision& decision) override {
    return results().Relabel(run_id, model_version, decision);
  }

 protected:
  virtual Source& source() = 0;
  virtual Results& results() = 0;
};

}  // namespace bankscore::internal
