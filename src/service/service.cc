#include "service/service.h"

#include <spdlog/spdlog.h>

#include "bankscore/error.h"
#include "common/text.h"
#include "jobs/segment_catalog.h"
#include "service/api_handlers.h"
#include "service/dashboard_page.h"
#include "service/form_page.h"
#include "service/json_response.h"
#include "service/ops_handlers.h"
#include "service/report_files.h"

namespace bankscore::service {
namespace {

using Clock = std::chrono::steady_clock;

// Pages embed their style and SVG; they need nothing else, and may be shown by nothing else.
constexpr const char* kPagePolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

enum class Access { kOpen, kApi, kPage };

Access AccessOf(const std::string& path) {
  if (path.rfind("/v1/", 0) == 0) return Access::kApi;
  if (path == "/healthz" || path == "/readyz" || path == "/metrics") return Access::kOpen;
  return Access::kPage;
}

TokenCheck MakeTokenCheck(const ServerConfig& server) {
  return server.token_file.empty() ? TokenCheck() : TokenCheck::FromFile(server.token_file);
}

}  // namespace

Service::Service(const Config& config, DatabaseOpener opener, spdlog::logger& log)
    : config_(config),
      log_(log),
      db_(config, std::move(opener), log),
      token_(MakeTokenCheck(config.server)),
      context_{config_, state_, db_, metrics_} {
  AddRoutes();
}

void Service::AddRoutes() {
  const auto route = [this](HttpResponse (*handler)(ServiceContext&, const HttpRequest&)) {
    return [this, handler](const HttpRequest& request) { return handler(context_, request); };
  };
  router_.Add("POST", "/v1/score", route(HandleScore));
  router_.Add("GET", "/v1/clients/{key}", route(HandleClient));
  router_.Add("GET", "/v1/model", route(HandleModel));
  router_.Add("GET", "/", route(HandleFormPage));
  router_.Add("GET", "/dashboard", route(HandleDashboard));
  router_.Add("GET", "/reports/{name}", route(HandleReportFile));
  router_.Add("GET", "/healthz", route(HandleHealthz));
  router_.Add("GET", "/readyz", route(HandleReadyz));
  router_.Add("GET", "/metrics", route(HandleMetrics));
}

void Service::RefreshSegments() {
  try {
    std::optional<SegmentCatalog> catalog =
        db_.Use([this](Database& db) { return SegmentCatalog::Load(db, config_); });
    state_.PublishSegments(catalog ? std::make_shared<const SegmentCatalog>(std::move(*catalog))
                                   : nullptr);
    segments_problem_.clear();
  } catch (const Error& e) {
    if (segments_problem_ != e.what()) {
      log_.warn("customer segments not refreshed (the service keeps the last ones): {}", e.what());
    }
    segments_problem_ = e.what();
  }
}

HttpResponse Service::Unauthorized(bool page) const {
  HttpResponse response = JsonError(
      401, page ? "this page needs the service token: log in with any user name and the token as "
                  "the password, or send Authorization: Bearer <token>"
                : "missing or wrong token: send Authorization: Bearer <token> (server.token_file)");
  response.headers.emplace_back(
      "WWW-Authenticate",
      page ? "Basic realm=\"bankscore\", charset=\"UTF-8\"" : "Bearer realm=\"bankscore\"");
  return response;
}

HttpResponse Service::Handle(const HttpRequest& request) {
  const auto started = Clock::now();
  HttpResponse response;
  std::string route = "unmatched";
  const Access access = AccessOf(request.path);
  try {
    if (access != Access::kOpen &&
        !token_.Allows(request.Header("authorization"), access == Access::kPage)) {
      response = Unauthorized(access == Access::kPage);
    } else {
      Router::Result result = router_.Dispatch(request);
      response = std::move(result.response);
      route = std::move(result.route);
    }
  } catch (const std::exception& e) {
    // A bug or an exhausted resource: answer, log, keep serving.
    log_.error("{} {}: internal error: {}", request.method, EscapeControl(request.path), e.what());
    response = JsonError(500, std::string("internal error: ") + e.what());
  }
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Cache-Control", "no-store");
  if (response.content_type == kHtmlType) {
    response.headers.emplace_back("Content-Security-Policy", kPagePolicy);
  }
  const std::chrono::duration<double> latency = Clock::now() - started;
  metrics_.Record(route, request.method, response.status, latency);
  log_.debug("{} {} {} {:.2f} ms from {}", request.method, EscapeControl(request.path),
             response.status, latency.count() * 1000, request.remote_address);
  return response;
}

}  // namespace bankscore::service
