// Internal: the SQLite scorer lock, an flock() on "<database>.scorer-lock" next to the database's
// canonical path (symlinks resolved), so two scorers reaching one file through different paths
// still exclude each other. The kernel releases it when the process dies.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "bankscore/database.h"

namespace bankscore::internal::sqlite {

// Takes the lock of the database at `database_path`; with `wait`, polls until `timeout` passes or
// `stop` returns true. Returns nullptr if another process holds it. Throws DatabaseError when the
// lock file cannot be opened.
std::unique_ptr<ScorerLock> TryLockScorer(const std::string& database_path, bool wait,
                                          std::chrono::milliseconds timeout,
                                          const std::function<bool()>& stop);

}  // namespace bankscore::internal::sqlite
