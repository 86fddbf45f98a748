// Internal: checks of the source table before anything reads it (train, score, profile, daemon).
#pragma once

#include "bankscore/config.h"
#include "bankscore/database.h"

namespace bankscore {

// Checks that the source table and every configured column exist. Throws ConfigError naming the
// key (source.table, source.features...) otherwise.
void ValidateSourceTable(Database& db, const Config& config);

}  // namespace bankscore
