// cpp-httplib is compiled by Debian with TLS, zlib and brotli support; its header must see the
// same macros (pkg-config cpp-httplib gives them), or its classes would not match the library.
#include "service/http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "bankscore/error.h"
#include "service/json_response.h"

namespace bankscore::service {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

HttpRequest FromHttplib(const httplib::Request& in) {
  HttpRequest out;
  // cpp-httplib answers HEAD with its GET handlers and sends no body.
  out.method = in.method == "HEAD" ? "GET" : in.method;
  out.path = in.path;
  for (const auto& [name, value] : in.params) out.query.emplace_back(name, value);
  for (const auto& [name, value] : in.headers) out.headers.emplace(Lower(name), value);
  out.body = in.body;
  out.remote_address = in.remote_addr;
  return out;
}

void ToHttplib(const HttpResponse& in, httplib::Response& out) {
  out.status = in.status;
  for (const auto& [name, value] : in.headers) out.set_header(name, value);
  out.set_content(in.body, in.content_type);
}

// The transport's own refusals have no body: give them the API's JSON error.
std::string RefusalMessage(int status, std::size_t max_body_bytes) {
  switch (status) {
    case 413:
      return "request body larger than server.max_body_bytes (" + std::to_string(max_body_bytes) +
             " bytes)";
    case 400:
      return "malformed HTTP request";
    default:
      return "request refused (HTTP " + std::to_string(status) + ")";
  }
}

}  // namespace

struct HttpServer::Impl {
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> finished{false};  // listen_after_bind has returned
  int port = 0;
};

HttpServer::HttpServer(const HttpServerOptions& options, RequestHandler handler,
                       spdlog::logger& log)
    : impl_(std::make_unique<Impl>()) {
  httplib::Server& server = impl_->server;
  const int threads = options.threads;
  // cpp-httplib owns (and deletes) the queue it is given as a raw pointer.
  server.new_task_queue = [threads] {
    return std::make_unique<httplib::ThreadPool>(static_cast<std::size_t>(threads)).release();
  };
  server.set_payload_max_length(options.max_body_bytes);
  // cpp-httplib writes a response's headers and body in separate calls: with Nagle's algorithm on,
  // the body of a kept-alive connection's second response waits for the client's delayed ACK
  // (about 40 ms and more on Linux) instead of leaving at once.
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000);
  server.set_keep_alive_timeout(5);
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  const auto serve = [handler](const httplib::Request& req, httplib::Response& res) {
    ToHttplib(handler(FromHttplib(req)), res);
  };
  server.Get(".*", serve).Post(".*", serve).Put(".*", serve).Patch(".*", serve);
  server.Delete(".*", serve).Options(".*", serve);
  const std::size_t max_body = options.max_body_bytes;
  const auto on_refused = options.on_refused;
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [max_body, on_refused](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours already
        ToHttplib(JsonError(res.status, RefusalMessage(res.status, max_body)), res);
        if (on_refused) on_refused(res.status, req.method);
        return httplib::Server::HandlerResponse::Handled;
      }));
  const ListenAddress& at = options.listen;
  errno = 0;
  impl_->port = at.port == 0 ? server.bind_to_any_port(at.host)
                             : (server.bind_to_port(at.host, at.port) ? at.port : -1);
  if (impl_->port < 0) {
    throw Error("cannot listen on " + at.ToString() + ": " +
                (errno ? std::strerror(errno) : "the address cannot be bound"));
  }
  impl_->thread = std::thread([this, &log] {
    if (!impl_->server.listen_after_bind()) log.error("the HTTP server stopped unexpectedly");
    impl_->finished = true;
  });
}

HttpServer::~HttpServer() { Stop(); }

int HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() {
  if (!impl_->thread.joinable()) return;
  // cpp-httplib's stop() does nothing until the listening loop runs: a stop right after the start
  // waits for it (or for the loop to have ended on its own).
  while (!impl_->server.is_running() && !impl_->finished) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
  impl_->thread.join();
}

struct HttpClient::Impl {
  Impl(const std::string& host_, int port_) : client(host_, port_), host(host_), port(port_) {}
  httplib::Client client;
  std::string host;
  int port;
};

HttpClient::HttpClient(const std::string& host, int port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(host, port)) {
  impl_->client.set_keep_alive(true);
  impl_->client.set_tcp_nodelay(true);  // the request body, too, is a write of its own
  impl_->client.set_connection_timeout(timeout);
  impl_->client.set_read_timeout(timeout);
  impl_->client.set_write_timeout(timeout);
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::Send(const std::string& method, const std::string& target,
                              const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
  httplib::Request request;
  request.method = method;
  request.path = target;
  for (const auto& [name, value] : headers) request.set_header(name, value);
  if (!body.empty() || method == "POST") {
    request.body = body;
    if (!request.has_header("Content-Type")) request.set_header("Content-Type", kJsonType);
  }
  const httplib::Result result = impl_->client.send(request);
  if (!result) {
    throw Error(method + " http://" + impl_->host + ":" + std::to_string(impl_->port) + target +
                ": " + httplib::to_string(result.error()));
  }
  HttpResponse out;
  out.status = result->status;
  out.content_type = result->get_header_value("Content-Type");
  out.body = result->body;
  for (const auto& [name, value] : result->headers) out.headers.emplace_back(name, value);
  return out;
}

}  // namespace bankscore::service
