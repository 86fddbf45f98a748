// Internal: ServiceContext, what every route handler of the HTTP service reads: the configuration
// the service started with (source and results names, server settings), the model being served,
// the shared database connection and the request metrics. Owned by the Service (service.h); the
// handlers only borrow it for the duration of a request.
#pragma once

#include <chrono>

#include "bankscore/config.h"
#include "service/http_metrics.h"
#include "service/serving_state.h"
#include "service/shared_database.h"

namespace bankscore::service {

struct ServiceContext {
  const Config& config;
  ServingState& state;
  SharedDatabase& db;
  HttpMetrics& http_metrics;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
};

}  // namespace bankscore::service
