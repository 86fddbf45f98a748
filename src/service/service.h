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
  Router router_;
};

}  // namespace bankscore::service
