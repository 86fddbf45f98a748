// bankscore_http_bench: a bounded, self-stopping load test of a running `bankscore serve` on
// loopback (issue 13). For each client count in --clients (default "1,8"), that many threads each
// hold one keep-alive connection and send POST /v1/score with one client's JSON back to back for
// --seconds (and at most --max-requests requests in all); every request's latency is recorded.
// Prints one Markdown table row per client count: requests, failures, requests/s, p50, p90, p99
// and max latency. Exits 1 when any request failed (no answer, or a status other than 200).
//   bankscore_http_bench --port P [--clients 1,8] [--seconds 10] [--token T] [--body FILE]
// Only loopback addresses are accepted: this is a local benchmark, never aimed at another host.
// scripts/http-bench.sh builds an optimised binary, starts the service on a scored database and
// runs this against it.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "service/http_server.h"

namespace {

using Clock = std::chrono::steady_clock;

// Client 1 of the bundled sample (data/bank-additional.csv), as the API takes it.
constexpr const char* kDefaultClient =
    R"({"age": 30, "job": "blue-collar", "marital": "married", "education": "basic.9y",)"
    R"( "default": "no", "housing": "yes", "loan": "no", "contact": "cellular", "month": "may",)"
    R"( "day_of_week": "fri", "campaign": 2, "pdays": 999, "previous": 0,)"
    R"( "poutcome": "nonexistent", "emp.var.rate": -1.8, "cons.price.idx": 92.893,)"
    R"( "cons.conf.idx": -46.2, "euribor3m": 1.313, "nr.employed": 5099.1})";

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::vector<int> clients = {1, 8};
  double seconds = 10;
  long max_requests = 2000000;
  std::string token;
  std::string body_file;
};

struct Outcome {
  std::vector<double> latencies_ms;
  long failures = 0;
  std::string first_failure;
};

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// One connection sending requests until the deadline or the shared request budget runs out.
void Worker(const Options& options, const std::string& body, Clock::time_point deadline,
            std::atomic<long>& budget, Outcome& out) {
  bankscore::service::HttpClient client(options.host, options.port, std::chrono::seconds(10));
  std::vector<std::pair<std::string, std::string>> headers;
  if (!options.token.empty()) headers.emplace_back("Authorization", "Bearer " + options.token);
  while (Clock::now() < deadline && budget.fetch_sub(1) > 0) {
    const auto started = Clock::now();
    std::string failure;
    try {
      const auto response = client.Send("POST", "/v1/score", body, headers);
      if (response.status != 200) failure = "HTTP " + std::to_string(response.status);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    out.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    if (!failure.empty() && out.failures++ == 0) out.first_failure = failure;
  }
}

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

// One phase with `n` concurrent clients; prints its row; returns the failures.
long RunPhase(const Options& options, const std::string& body, int n) {
  std::atomic<long> budget(options.max_requests);
  std::vector<Outcome> outcomes(static_cast<std::size_t>(n));
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options.seconds));
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back(Worker, std::cref(options), std::cref(body), deadline, std::ref(budget),
                         std::ref(outcomes[static_cast<std::size_t>(i)]));
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  std::vector<double> all;
  long failures = 0;
  std::string first_failure;
  for (const Outcome& o : outcomes) {
    all.insert(all.end(), o.latencies_ms.begin(), o.latencies_ms.end());
    failures += o.failures;
    if (first_failure.empty()) first_failure = o.first_failure;
  }
  std::sort(all.begin(), all.end());
  std::printf("| %d | %zu | %ld | %.0f | %.2f | %.2f | %.2f | %.2f |\n", n, all.size(), failures,
              static_cast<double>(all.size()) / elapsed, Percentile(all, 0.50),
              Percentile(all, 0.90), Percentile(all, 0.99), all.empty() ? 0.0 : all.back());
  if (failures > 0) std::fprintf(stderr, "first failure: %s\n", first_failure.c_str());
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"bankscore_http_bench: load test of POST /v1/score on loopback"};
  app.add_option("--host", options.host, "Loopback address of the service");
  app.add_option("--port", options.port, "Port of the service")->required();
  app.add_option("--clients", options.clients, "Concurrent clients per phase")->delimiter(',');
  app.add_option("--seconds", options.seconds, "Duration of each phase")
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--max-requests", options.max_requests, "Request budget of each phase")
      ->check(CLI::Range(1L, 100000000L));
  app.add_option("--token", options.token, "Bearer token (server.token_file)");
  app.add_option("--body", options.body_file, "File with the JSON to post (default: one client)");
  CLI11_PARSE(app, argc, argv);
  if (!IsLoopback(options.host)) {
    std::fprintf(stderr, "bankscore_http_bench: only loopback addresses, got %s\n",
                 options.host.c_str());
    return 2;
  }
  std::string body = kDefaultClient;
  if (!options.body_file.empty()) {
    std::ifstream in(options.body_file);
    if (!in) {
      std::fprintf(stderr, "bankscore_http_bench: cannot read --body %s\n",
                   options.body_file.c_str());
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    body = text.str();
  }
  std::printf("| clients | requests | failed | requests/s | p50 ms | p90 ms | p99 ms | max ms |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  long failures = 0;
  for (int n : options.clients) failures += RunPhase(options, body, std::max(n, 1));
  return failures == 0 ? 0 : 1;
}
