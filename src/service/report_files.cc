#include "service/report_files.h"

#include <filesystem>

#include "common/files.h"
#include "common/text.h"
#include "service/json_response.h"

namespace bankscore::service {
namespace {

constexpr std::size_t kMaxReportBytes = 64 << 20;

const std::vector<std::pair<std::string, std::string>>& KnownReports() {
  static const std::vector<std::pair<std::string, std::string>> kReports = {
      {"report.html", "Model report"}, {"profile.html", "Data profile"}};
  return kReports;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> AvailableReports(const ServerConfig& server) {
  std::vector<std::pair<std::string, std::string>> found;
  if (server.reports_dir.empty()) return found;
  for (const auto& report : KnownReports()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(std::filesystem::path(server.reports_dir) / report.first,
                                         ec)) {
      found.push_back(report);
    }
  }
  return found;
}

HttpResponse HandleReportFile(ServiceContext& ctx, const HttpRequest& request) {
  const std::string& name = request.path_params.at("name");
  bool known = false;
  for (const auto& report : KnownReports()) known = known || report.first == name;
  if (!known || ctx.config.server.reports_dir.empty()) {
    return JsonError(404,
                     "no report named '" + EscapeControl(name) +
                         "' (report.html and profile.html from server.reports_dir)",
                     "name");
  }
  try {
    return HtmlResponse(200, ReadFile(std::filesystem::path(ctx.config.server.reports_dir) / name,
                                      kMaxReportBytes));
  } catch (const FileError& e) {
    return JsonError(404,
                     std::string(e.what()) + " (write it with bankscore " +
                         (name == "report.html" ? "report" : "profile") + " --out " +
                         ctx.config.server.reports_dir + ")",
                     "name");
  }
}

}  // namespace bankscore::service
