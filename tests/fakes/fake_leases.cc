#include "fakes/fake_leases.h"

#include <algorithm>

namespace bankscore::testing {

std::int64_t FakeLeaseStore::PlanLeases(const std::string& model_version,
                                        std::int64_t rows_per_lease) {
  // The keys are read under the lock, as PostgreSQL reads them in the statement that reopens
  // ranges: read before it, a range finished in between was reopened though fully scored (a
  // claim too many, seen once in about 300 runs of four workers).
  std::lock_guard<std::mutex> lock(mutex_);
  const std::vector<std::pair<std::int64_t, bool>> keys = keys_(model_version);
  std::optional<std::int64_t> planned_to;
  std::int64_t changed = 0;
  for (StoredLease& l : leases_) {
    if (l.model_version != model_version) continue;
    planned_to = std::max(planned_to.value_or(l.hi), l.hi);
    const bool unscored = std::any_of(keys.begin(), keys.end(), [&](const auto& k) {
      return k.second && k.first >= l.lo && k.first <= l.hi;
    });
    if (l.state == "done" && unscored) {
      l.state = "pending";
      l.worker.clear();
      ++changed;
    }
  }
  std::int64_t in_range = 0;
  for (const auto& [key, unscored] : keys) {
    if (planned_to && key <= *planned_to) continue;
    if (in_range == 0) {
      leases_.push_back({static_cast<std::int64_t>(leases_.size()) + 1, model_version, key, key,
                         "pending", "", 0, 0, 0});
      ++changed;
    }
    leases_.back().hi = key;
    if (++in_range == rows_per_lease) in_range = 0;
  }
  return changed;
}

std::optional<KeyLease> FakeLeaseStore::ClaimLease(const std::string& model_version,
                                                   const std::string& worker,
                                                   std::chrono::milliseconds timeout) {
  std::lock_guard<std::mutex> lock(mutex_);
  StoredLease* pick = nullptr;
  for (StoredLease& l : leases_) {
    if (l.model_version != model_version) continue;
    const bool open = l.state == "pending";
    const bool stale = l.state == "claimed" && l.heartbeat_ms < now_ms_ - timeout.count();
    if (!open && !stale) continue;
    // Open ranges first, then stale ones; the lowest key of each kind.
    if (!pick || (open && pick->state != "pending") ||
        (open == (pick->state == "pending") && l.lo < pick->lo)) {
      pick = &l;
    }
  }
  if (!pick) return std::nullopt;
  KeyLease out{pick->lease_id, pick->lo, pick->hi, pick->state == "claimed", ""};
  if (out.taken_over) {
    out.previous_worker = pick->worker;
    ++pick->takeovers;
  }
  pick->state = "claimed";
  pick->worker = worker;
  pick->heartbeat_ms = now_ms_;
  ++pick->claims;
  return out;
}

FakeLeaseStore::StoredLease* FakeLeaseStore::Held(std::int64_t lease_id,
                                                  const std::string& worker) {
  if (lease_id < 1 || lease_id > static_cast<std::int64_t>(leases_.size())) return nullptr;
  StoredLease& l = leases_[static_cast<std::size_t>(lease_id - 1)];
  return l.state == "claimed" && l.worker == worker ? &l : nullptr;
}

bool FakeLeaseStore::Heartbeat(std::int64_t lease_id, const std::string& worker) {
  std::function<void(std::int64_t, const std::string&)> hook;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    hook = before_heartbeat_;
  }
  if (hook) hook(lease_id, worker);
  std::lock_guard<std::mutex> lock(mutex_);
  StoredLease* l = Held(lease_id, worker);
  if (l) l->heartbeat_ms = now_ms_;
  return l != nullptr;
}

void FakeLeaseStore::FinishLease(std::int64_t lease_id, const std::string& worker) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (StoredLease* l = Held(lease_id, worker)) l->state = "done";
}

void FakeLeaseStore::ReleaseLease(std::int64_t lease_id, const std::string& worker) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (StoredLease* l = Held(lease_id, worker)) {
    l->state = "pending";
    l->worker.clear();
  }
}

void FakeLeaseStore::AdvanceClock(std::chrono::milliseconds by) {
  std::lock_guard<std::mutex> lock(mutex_);
  now_ms_ += by.count();
}

std::vector<FakeLeaseStore::StoredLease> FakeLeaseStore::Leases() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return leases_;
}

void FakeLeaseStore::BeforeHeartbeat(std::function<void(std::int64_t, const std::string&)> hook) {
  std::lock_guard<std::mutex> lock(mutex_);
  before_heartbeat_ = std::move(hook);
}

}  // namespace bankscore::testing
