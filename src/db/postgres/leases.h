// Internal: the PostgreSQL statements on the leases table (results.leases_table) behind
// LeaseStore (see bankscore/database.h). Every method is one short transaction on the adapter's
// work session; libpqxx errors become DatabaseError. Only these statements touch the leases table,
// which is small (one row per range of scoring.lease_rows keys), so none of them is in a batch's
// transaction: the per-batch statements stay those of the source and results tables.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "bankscore/database.h"
#include "db/postgres/session.h"

namespace bankscore::internal::pg {

class LeaseStatements : public LeaseStore {
 public:
  LeaseStatements(Connection& db, const Config& config) : db_(db), config_(config) {}

  std::int64_t PlanLeases(const std::string& model_version, std::int64_t rows_per_lease) override;
  std::optional<KeyLease> ClaimLease(const std::string& model_version, const std::string& worker,
                                     std::chrono::milliseconds timeout) override;
  bool Heartbeat(std::int64_t lease_id, const std::string& worker) override;
  void FinishLease(std::int64_t lease_id, const std::string& worker) override;
  void ReleaseLease(std::int64_t lease_id, const std::string& worker) override;

 private:
  // Runs `set` (an UPDATE's SET list) on a range `worker` holds; returns the rows changed.
  std::int64_t UpdateHeld(const std::string& what, const std::string& set, std::int64_t lease_id,
                          const std::string& worker);
  std::int64_t ReopenDoneLeases(pqxx::work& tx, const std::string& model_version);
  std::int64_t AddLeases(pqxx::work& tx, const std::string& model_version,
                         std::int64_t rows_per_lease);

  Connection& db_;
  const Config& config_;
};

}  // namespace bankscore::internal::pg
