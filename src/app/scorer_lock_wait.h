// Internal: the scorer lock taken by a command that rewrites stored results (relabel, prune), so
// that no scorer writes behind it.
#pragma once

#include <memory>
#include <string>

#include "bankscore/database.h"

namespace bankscore {

// Takes the exclusive scorer lock of `db`, waiting up to 10 minutes for a running scorer to
// finish. Throws DatabaseError ("another bankscore scorer is running; <command> later") when it
// is still held then. The caller owns the lock until it lets go of the pointer.
std::unique_ptr<ScorerLock> WaitForScorerLock(Database& db, const std::string& command);

}  // namespace bankscore
