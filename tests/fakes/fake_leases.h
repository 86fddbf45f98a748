// FakeLeaseStore: the scoring_leases table of the PostgreSQL adapter, in memory, for unit tests of
// leased scoring (several workers, claims, heartbeats, takeovers). It follows the adapter's SQL:
//
//   - PlanLeases cuts the source keys above the highest planned range into ranges of
//     `rows_per_lease` keys, and reopens done ranges that hold unscored rows again.
//   - ClaimLease hands out the open range with the lowest key, or else the claimed range with the
//     lowest key whose heartbeat is older than the timeout (a takeover, counted); all under one
//     mutex, as FOR UPDATE SKIP LOCKED makes each claim atomic.
//   - Heartbeat, FinishLease and ReleaseLease act only on a range the worker still holds.
//
// Time is a fake clock that only AdvanceClock moves, so timeouts are exact and tests never sleep.
// The source keys come from a callback (FakeDatabase passes its source table). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bankscore/database.h"

namespace bankscore::testing {

class FakeLeaseStore : public LeaseStore {
 public:
  // The integer keys of the source table in key order, each with whether it is still unscored
  // by `model_version`.
  using KeySource =
      std::function<std::vector<std::pair<std::int64_t, bool>>(const std::string& model_version)>;

  struct StoredLease {
    std::int64_t lease_id = 0;
    std::string model_version;
    std::int64_t lo = 0;
    std::int64_t hi = 0;
    std::string state;  // pending, claimed, done
    std::string worker;
    std::int64_t heartbeat_ms = 0;  // fake clock
    std::int64_t takeovers = 0;
    int claims = 0;
  };

  explicit FakeLeaseStore(KeySource keys) : keys_(std::move(keys)) {}

  std::int64_t PlanLeases(const std::string& model_version, std::int64_t rows_per_lease) override;
  std::optional<KeyLease> ClaimLease(const std::string& model_version, const std::string& worker,
                                     std::chrono::milliseconds timeout) override;
  bool Heartbeat(std::int64_t lease_id, const std::string& worker) override;
  void FinishLease(std::int64_t lease_id, const std::string& worker) override;
  void ReleaseLease(std::int64_t lease_id, const std::string& worker) override;

  // --- Test controls and inspection ---------------------------------------------------------
  void AdvanceClock(std::chrono::milliseconds by);
  std::vector<StoredLease> Leases() const;  // by lease id
  // Runs `hook(lease_id, worker)` at the start of every Heartbeat (outside the mutex).
  void BeforeHeartbeat(std::function<void(std::int64_t, const std::string&)> hook);

 private:
  StoredLease* Held(std::int64_t lease_id, const std::string& worker);

  KeySource keys_;
  mutable std::mutex mutex_;
  std::vector<StoredLease> leases_;  // lease_id = index + 1
  std::int64_t now_ms_ = 0;
  std::function<void(std::int64_t, const std::string&)> before_heartbeat_;
};

}  // namespace bankscore::testing
