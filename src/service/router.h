// Internal: Router, the HTTP service's table of routes: method + path pattern -> handler.
//
// A pattern is a path whose segments are literal or a parameter in braces: "/v1/clients/{key}"
// matches "/v1/clients/42" with path_params {"key": "42"}. A path that no pattern matches gets 404;
// a path that matches only with another method gets 405 and an Allow header. Handlers are plain
// functions; the router holds no state beyond its table and is safe to use from many threads once
// built.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "service/http_message.h"

namespace bankscore::service {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);

  struct Result {
    HttpResponse response;
    std::string route;  // the matched pattern, or "unmatched"
  };
  // Runs the matching handler with request.path_params set. Exceptions from the handler pass
  // through.
  Result Dispatch(HttpRequest request) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool Match(const Route& route, const std::vector<std::string>& segments,
                    std::map<std::string, std::string>& params);

  std::vector<Route> routes_;
};

// "/a/b/" -> {"a", "b", ""}; "/" -> {""}.
std::vector<std::string> SplitPath(const std::string& path);

}  // namespace bankscore::service
