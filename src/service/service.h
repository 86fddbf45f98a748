// Internal: Service, the HTTP service of `bankscore serve` and `bankscore run` as one function
// from request to response: the route table, the token rule, the request metrics, and a last
// line of defence that turns any exception into a logged 500, so no request can bring the
// process down. It owns what the handlers read (ServingState, the shared database connection,
// the metrics). Handle is thread-safe; the transport (http_server.h) calls it from its threads.
//
// Routes and who may call them when server.token_file is set:
//   /v1/score, /v1/clients/{key}, /v1/model      Authorization: Bearer <token>
//   /, /dashboard, /reports/{name}               Bearer, or Basic auth with the token as password
//   /healthz, /readyz, /metrics                  anyone (counts and states only)
// Without a token everything is open; HTML pages carry a Content-Security-Policy that forbids
// scripts and every external resource.
#pragma once

#include <spdlog/logger.h>

#include <memory>

#include "bankscore/config.h"
#include "bankscore/daemon.h"
#include "service/http_message.h"
#include "service/http_metrics.h"
#include "service/router.h"
#include "service/service_context.h"
#include "service/serving_state.h"
#include "service/shared_database.h"
#include "service/token_check.h"

namespace bankscore::service {

class Service {
 public:
  // Reads server.token_file now: throws ConfigError naming it when it cannot be read.
  Service(const Config& config, DatabaseOpener opener, spdlog::logger& log);
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  ServingState& state() { return state_; }
  HttpMetrics& metrics() { return metrics_; }
  bool token_required() const { return token_.enabled(); }

  HttpResponse Handle(const HttpRequest& request);

  // Loads the current segmentation (segmentation.models_table) through the shared connection and
  // publishes it, or null when there is none. When it cannot be read (database down, a stored
  // model that does not check out, another source's tables), the last one stays and the problem
  // is logged once. For the owner (serve loop, daemon): one thread at a time.
  void RefreshSegments();

 private:
  void AddRoutes();
  HttpResponse Unauthorized(bool page) const;

  const Config config_;
  spdlog::logger& log_;
  ServingState state_;
  SharedDatabase db_;
  HttpMetrics metrics_;
  TokenCheck token_;
  ServiceContext context_;
  std::string segments_problem_;  // the last refresh's failure, logged once
  Router router_;
};

}  // namespace bankscore::service
