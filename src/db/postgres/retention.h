// Internal: the PostgreSQL statements of retention and the last check (issue 15): the stored
// model versions and their row counts, `bankscore prune`'s removal of one version (partitions
// dropped, the rest deleted in short transactions of a key range each) and its record, and the
// last-check row the scorer upserts. Failures are DatabaseError (session.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/database.h"
#include "db/postgres/session.h"

namespace bankscore::internal::pg {

class RetentionStatements {
 public:
  RetentionStatements(Connection& db, const Config& config) : db_(db), config_(config) {}

  std::vector<StoredVersion> StoredVersions();
  PruneResult PruneVersion(const std::string& model_version, std::int64_t batch_keys,
                           const std::string& kept_versions);
  void RecordCheck(const std::string& model_version, std::optional<std::int64_t> run_id,
                   std::int64_t rows_found);

 private:
  // Drops the partitions of `model_version` (results.partition_by), adding their rows to `out`.
  void DropPartitions(const std::string& model_version, PruneResult& out);
  // Deletes what is left of `model_version`, one key range per transaction.
  void DeleteInBatches(const std::string& model_version, std::int64_t batch_keys, PruneResult& out);
  void RecordPrune(const std::string& model_version, const PruneResult& result,
                   const std::string& kept_versions);

  Connection& db_;
  const Config& config_;
};

}  // namespace bankscore::internal::pg
