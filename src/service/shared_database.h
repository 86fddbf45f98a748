// Internal: SharedDatabase, the HTTP service's one database connection, shared by its request
// threads one at a time (a Database is not thread-safe). It is opened at the first use, not at
// start, so the service comes up (and /healthz answers) while the database is down; after a
// transient failure the connection is dropped and the next request opens a new one. Only the
// read-only queries of pages, /v1/clients and /metrics go through it; /v1/score never does.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

#include "bankscore/config.h"
#include "bankscore/daemon.h"
#include "bankscore/database.h"
#include "bankscore/error.h"

namespace bankscore::service {

class SharedDatabase {
 public:
  SharedDatabase(Config config, DatabaseOpener opener, spdlog::logger& log)
      : config_(std::move(config)), opener_(std::move(opener)), log_(log) {}

  const Config& config() const { return config_; }

  // Runs `body(Database&)` with the connection held; DatabaseError (also from opening) passes
  // through.
  template <typename Body>
  auto Use(Body&& body) -> decltype(body(std::declval<Database&>())) {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      if (!db_) db_ = opener_(config_, log_);
      return body(*db_);
    } catch (const DatabaseError& e) {
      if (e.transient()) db_.reset();
      throw;
    }
  }

 private:
  const Config config_;
  const DatabaseOpener opener_;
  spdlog::logger& log_;
  std::mutex mutex_;
  std::unique_ptr<Database> db_;  // guarded by mutex_
};

}  // namespace bankscore::service
