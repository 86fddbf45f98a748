#include "app/scorer_lock_wait.h"

#include <chrono>

#include "bankscore/error.h"

namespace bankscore {

std::unique_ptr<ScorerLock> WaitForScorerLock(Database& db, const std::string& command) {
  constexpr std::chrono::minutes kWait{10};
  auto lock = db.TryLockScorer(true, kWait, nullptr);
  if (!lock) throw DatabaseError("another bankscore scorer is running; " + command + " later");
  return lock;
}

}  // namespace bankscore
