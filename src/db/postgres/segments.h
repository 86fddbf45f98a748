// Internal: the PostgreSQL statements on the segmentation tables (bankscore segment). A batch of
// assignments is one INSERT ... SELECT FROM unnest(arrays) with the arrays bound as parameters;
// profiles go in with COPY. Every method is one transaction on the adapter's work session.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bankscore/database.h"
#include "db/postgres/session.h"

namespace bankscore::internal::pg {

class SegmentStatements {
 public:
  SegmentStatements(Connection& db, const Config& config) : db_(db), config_(config) {}

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
  std::int64_t PresentRelations(pqxx::transaction_base& tx);

  Connection& db_;
  const Config& config_;
};

}  // namespace bankscore::internal::pg
