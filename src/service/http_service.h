// Internal: HttpService, the Service (service.h) on its transport (http_server.h): what
// `bankscore serve` runs, and what `bankscore run` adds when server.listen is set. The owner
// publishes the model to serve (and a new one after a retrain or a reload); until it does, the
// model endpoints answer 503 and /readyz says why.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "bankscore/config.h"
#include "bankscore/daemon.h"
#include "model/bundle.h"
#include "service/http_server.h"
#include "service/service.h"

namespace bankscore::service {

class HttpService {
 public:
  // Listens on config.server.Listen() at once and logs the address. Throws ConfigError for an
  // unreadable server.token_file and Error when the address cannot be bound.
  HttpService(const Config& config, DatabaseOpener opener, spdlog::logger& log);
  ~HttpService();
  HttpService(const HttpService&) = delete;
  HttpService& operator=(const HttpService&) = delete;

  // The model to answer with, and the scoring settings its threshold comes from.
  void Publish(std::shared_ptr<const ModelBundle> model, const ScoringConfig& scoring);
  // No model can be loaded; /readyz and the model endpoints report `problem`.
  void ReportModelProblem(const std::string& problem);
  // Re-reads the current customer segmentation for the answers and the dashboard
  // (Service::RefreshSegments).
  void RefreshSegments();
  int port() const { return server_->port(); }

 private:
  std::unique_ptr<Service> service_;
  std::unique_ptr<HttpServer> server_;  // after service_: stopped before it goes
  spdlog::logger& log_;
};

// True for 127.0.0.0/8, ::1 and localhost.
bool IsLoopback(const std::string& host);

}  // namespace bankscore::service
