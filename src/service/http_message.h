// Internal: HttpRequest and HttpResponse, the plain values route handlers take and return, so that
// every handler is a function tested without a socket. Only http_server.cc converts them to and
// from cpp-httplib's types.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bankscore::service {

struct HttpRequest {
  std::string method;  // "GET", "POST", ... ("HEAD" arrives as "GET"; the server drops the body)
  std::string path;    // percent-decoded, without the query: "/v1/clients/42"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in request order
  std::map<std::string, std::string> headers;              // names in lower case
  std::string body;
  std::string remote_address;                      // for logs
  std::map<std::string, std::string> path_params;  // set by the router: {"key": "42"}

  // The first query value of `name`, or nullptr.
  const std::string* Query(std::string_view name) const {
    for (const auto& [key, value] : query) {
      if (key == name) return &value;
    }
    return nullptr;
  }
  // A header by lower-case name; "" when absent.
  std::string Header(const std::string& lower_case_name) const {
    const auto it = headers.find(lower_case_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Allow
};

inline constexpr const char* kJsonType = "application/json";
inline constexpr const char* kHtmlType = "text/html; charset=utf-8";
// Prometheus text exposition format, version 0.0.4.
inline constexpr const char* kPrometheusType = "text/plain; version=0.0.4; charset=utf-8";

inline HttpResponse TextResponse(int status, std::string body) {
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body) + "\n", {}};
}
inline HttpResponse HtmlResponse(int status, std::string html) {
  return HttpResponse{status, kHtmlType, std::move(html), {}};
}

}  // namespace bankscore::service
