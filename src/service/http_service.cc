#include "service/http_service.h"

#include <spdlog/spdlog.h>

namespace bankscore::service {

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

HttpService::HttpService(const Config& config, DatabaseOpener opener, spdlog::logger& log)
    : service_(std::make_unique<Service>(config, std::move(opener), log)), log_(log) {
  HttpServerOptions options;
  options.listen = config.server.Listen();
  options.threads = config.server.threads;
  options.max_body_bytes = config.server.max_body_bytes;
  Service* service = service_.get();
  options.on_refused = [service](int status, const std::string& method) {
    service->metrics().RecordRefused(method, status);
  };
  server_ = std::make_unique<HttpServer>(
      options, [service](const HttpRequest& request) { return service->Handle(request); }, log);
  ListenAddress bound = options.listen;
  bound.port = server_->port();
  log.info("serving HTTP on http://{}/ ({} threads, bodies up to {} bytes, {})", bound.ToString(),
           options.threads, options.max_body_bytes,
           service_->token_required() ? "token required for /v1/ and the pages"
                                      : "no token: open to anyone who can connect");
  if (!service_->token_required() && !IsLoopback(bound.host)) {
    log.warn(
        "server.listen {} is not a loopback address and server.token_file is not set: anyone "
        "who can reach it can score clients and read stored predictions",
        bound.ToString());
  }
}

HttpService::~HttpService() {
  server_->Stop();
  log_.info("HTTP service stopped");
}

void HttpService::Publish(std::shared_ptr<const ModelBundle> model, const ScoringConfig& scoring) {
  service_->state().Publish(std::move(model), scoring);
}

void HttpService::ReportModelProblem(const std::string& problem) {
  service_->state().ReportModelProblem(problem);
}

void HttpService::RefreshSegments() { service_->RefreshSegments(); }

}  // namespace bankscore::service
