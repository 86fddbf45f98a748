#include "service/router.h"

#include "common/text.h"
#include "service/json_response.h"

namespace bankscore::service {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t begin = path.empty() || path[0] != '/' ? 0 : 1;
  while (true) {
    const std::size_t end = path.find('/', begin);
    segments.push_back(path.substr(begin, end == std::string::npos ? end : end - begin));
    if (end == std::string::npos) return segments;
    begin = end + 1;
  }
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  std::vector<std::string> segments = SplitPath(pattern);
  routes_.push_back(
      Route{std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

bool Router::Match(const Route& route, const std::vector<std::string>& segments,
                   std::map<std::string, std::string>& params) {
  if (route.segments.size() != segments.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segments[i].empty()) return false;
      found[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

Router::Result Router::Dispatch(HttpRequest request) const {
  const std::vector<std::string> segments = SplitPath(request.path);
  std::vector<std::string> allowed;
  std::string matched_pattern;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    if (!Match(route, segments, params)) continue;
    if (route.method == request.method) {
      request.path_params = std::move(params);
      return {route.handler(request), route.pattern};
    }
    allowed.push_back(route.method);
    matched_pattern = route.pattern;
  }
  if (allowed.empty()) {
    return {JsonError(404, "no such resource: " + EscapeControl(request.path), "path"),
            "unmatched"};
  }
  HttpResponse response =
      JsonError(405, "method " + EscapeControl(request.method) + " is not allowed on " +
                         matched_pattern + " (allowed: " + Join(allowed) + ")");
  response.headers.emplace_back("Allow", Join(allowed));
  return {std::move(response), matched_pattern};
}

}  // namespace bankscore::service
