// Internal: the analyst pages `bankscore report` and `bankscore profile` wrote to
// server.reports_dir, served read-only at /reports/report.html and /reports/profile.html and
// linked from the dashboard. Only these two names are served (no path from the request reaches
// the file system); both pages are self-contained (inline SVG and style).
#pragma once

#include <string>
#include <vector>

#include "service/http_message.h"
#include "service/service_context.h"

namespace bankscore::service {

// The pages found in reports_dir, as {file name, title}; empty when reports_dir is not set.
std::vector<std::pair<std::string, std::string>> AvailableReports(const ServerConfig& server);

// GET /reports/{name}.
HttpResponse HandleReportFile(ServiceContext& ctx, const HttpRequest& request);

}  // namespace bankscore::service
