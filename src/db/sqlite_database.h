// Internal: the SQLite implementation of Database (see bankscore/database.h).
//
// One connection per object, in WAL mode with synchronous=FULL, so a committed batch survives a
// crash of the process. Write transactions use BEGIN IMMEDIATE; a busy database is waited for up to
// 30 s. The scorer lock is an flock() on "<database>.scorer-lock", released by the kernel if the
// process dies.
#pragma once

#include <memory>
#include <string>

#include "bankscore/database.h"

namespace bankscore::internal {

std::unique_ptr<Database> OpenSqliteDatabase(const Config& config, spdlog::logger& log);

}  // namespace bankscore::internal
