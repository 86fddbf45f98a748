// Internal: the SQLite statements on the segmentation tables (bankscore segment). The insert of
// one assignment is prepared once and reused for every batch, inside one transaction per batch.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/database.h"
#include "db/sqlite/connection.h"

namespace bankscore::internal::sqlite {

class SegmentStatements {
 public:
  SegmentStatements(Connection& db, const Config& config);
  ~SegmentStatements();

  void EnsureSegmentsSchema();
  bool ActivateSegmentation(const SegmentationRecord& record);
  std::optional<SegmentationRecord> CurrentSegmentation();
  RowBatch ReadUnsegmented(const std::string& version, const std::vector<std::string>& columns,
                           std::optional<std::int64_t> after_key, std::size_t limit);
  std::int64_t WriteSegments(const std::string& version,
                             const std::vector<SegmentAssignment>& rows);
  std::vector<SegmentStats> SummarizeSegments(const std::string& version,
                                              const std::vector<std::string>& numeric,
                                              const std::vector<std::string>& categorical);
  void WriteSegmentProfiles(const std::string& version,
                            const std::vector<SegmentProfileRow>& profiles);
  std::vector<SegmentProfileRow> ReadSegmentProfiles(const std::string& version);
  std::vector<SegmentAssignment> FindSegments(const std::string& version,
                                              const std::vector<std::int64_t>& keys);

 private:
  // A statement with `values` bound to ?1, ?2, ...
  std::unique_ptr<Statement> Prepare(const std::string& sql, const std::vector<Value>& values,
                                     const std::string& what);
  void AddCategoryCounts(const std::string& version, const std::string& column, std::size_t index,
                         std::vector<SegmentStats>& stats);

  Connection& db_;
  const Config& config_;
  std::unique_ptr<Statement> insert_;  // one assignment, prepared on first use
};

}  // namespace bankscore::internal::sqlite
