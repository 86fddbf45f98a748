// Internal: HttpMetrics, the counts and latencies of the requests the HTTP service answered, for
// /metrics: requests by route, method and status code, and a latency histogram per route. A route
// is the pattern that matched ("/v1/clients/{key}"), never the raw path, so a scan of random URLs
// adds one series ("unmatched"), not thousands. Thread-safe; one per service, owned by it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "service/prometheus_text.h"

namespace bankscore::service {

class HttpMetrics {
 public:
  // Upper bounds of the latency buckets, in seconds: 0.5 ms to 10 s.
  static std::vector<double> DefaultBuckets();

  explicit HttpMetrics(std::vector<double> bucket_bounds = DefaultBuckets());

  void Record(const std::string& route, const std::string& method, int status,
              std::chrono::duration<double> latency);
  // A request the transport refused before any handler ran (413, malformed HTTP): counted under
  // route "refused", without a latency.
  void RecordRefused(const std::string& method, int status);

  // Appends bankscore_http_requests_total and bankscore_http_request_duration_seconds.
  void Write(PrometheusText& out) const;

 private:
  struct Latencies {
    std::vector<std::uint64_t> counts;  // per bucket
    std::uint64_t overflow = 0;         // above the last bound
    double sum = 0.0;                   // seconds
  };

  const std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Latencies> latencies_;  // per route
};

}  // namespace bankscore::service
