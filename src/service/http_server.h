// Internal: the HTTP transport, the only code that uses cpp-httplib (Debian's libcpp-httplib):
// HttpServer serves a RequestHandler on a TCP address; HttpClient is a keep-alive client for the
// tests and the load test. Everything else speaks HttpRequest / HttpResponse (http_message.h).
//
// HttpServer binds in its constructor (an address in use or not allowed is an Error naming it, at
// once) and serves from a pool of `threads` threads (a kept-alive connection holds one while it
// is open). Request bodies above max_body_bytes are refused with 413 before they are read into
// memory; requests the transport itself refuses (413, malformed HTTP) get a JSON error body and
// are reported through `on_refused`. Stop() (and the destructor) stops accepting, finishes the
// requests in flight and joins the threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bankscore/config.h"
#include "service/http_message.h"

namespace spdlog {
class logger;
}

namespace bankscore::service {

using RequestHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  ListenAddress listen;
  int threads = 8;
  std::size_t max_body_bytes = 1 << 20;
  // Called for each request the transport refused before a handler saw it: status and method.
  std::function<void(int status, const std::string& method)> on_refused;
};

class HttpServer {
 public:
  // Throws Error("cannot listen on HOST:PORT: reason").
  HttpServer(const HttpServerOptions& options, RequestHandler handler, spdlog::logger& log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port: the configured one, or the one the system chose for port 0.
  int port() const;
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One keep-alive connection to host:port (reconnected when the server closes it). Not
// thread-safe: one per thread.
class HttpClient {
 public:
  HttpClient(const std::string& host, int port,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request; `headers` are extra headers. Throws Error naming the method, target and
  // what failed when no response arrived (connection refused, reset, timed out).
  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bankscore::service
