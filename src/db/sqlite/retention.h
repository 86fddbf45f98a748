// Internal: the SQLite statements of retention and the last check (issue 15): the stored model
// versions and their row counts, `bankscore prune`'s removal of one version (deleted in short
// transactions of a key range each, so the scorer waits at most one batch for the write lock)
// and its record, and the last-check row the scorer upserts. Failures are DatabaseError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/database.h"
#include "db/sqlite/connection.h"

namespace bankscore::internal::sqlite {

class RetentionStatements {
 public:
  RetentionStatements(Connection& db, const Config& config) : db_(db), config_(config) {}

  std::vector<StoredVersion> StoredVersions();
  PruneResult PruneVersion(const std::string& model_version, std::int64_t batch_keys,
                           const std::string& kept_versions);
  void RecordCheck(const std::string& model_version, std::optional<std::int64_t> run_id,
                   std::int64_t rows_found);

 private:
  // Deletes one batch of `model_version` from the smallest key >= `from`, in one transaction;
  // returns the key to go on from, nullopt when nothing is left.
  std::optional<std::int64_t> DeleteBatch(const std::string& model_version, std::int64_t from,
                                          std::int64_t batch_keys, PruneResult& out);

  Connection& db_;
  const Config& config_;
};

}  // namespace bankscore::internal::sqlite
