// Internal: the PostgreSQL implementation of Database (see bankscore/database.h), over libpqxx 6.4.
//
// All libpqxx exceptions are caught in this adapter and rethrown as DatabaseError; a broken
// connection is marked transient and reopened on the next call. Messages name host, port and
// database, never the password.
#pragma once

#include <memory>
#include <string>

#include "bankscore/database.h"

namespace bankscore::internal {

std::unique_ptr<Database> OpenPostgresDatabase(const Config& config, spdlog::logger& log);

}  // namespace bankscore::internal
