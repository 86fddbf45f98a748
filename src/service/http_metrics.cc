#include "service/http_metrics.h"

#include <algorithm>

namespace bankscore::service {

std::vector<double> HttpMetrics::DefaultBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

HttpMetrics::HttpMetrics(std::vector<double> bucket_bounds) : bounds_(std::move(bucket_bounds)) {}

void HttpMetrics::Record(const std::string& route, const std::string& method, int status,
                         std::chrono::duration<double> latency) {
  const double seconds = latency.count();
  // The first bucket whose upper bound holds the value ("le": less than or equal).
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), seconds);
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{route, method, status}];
  Latencies& l = latencies_[route];
  if (l.counts.empty()) l.counts.assign(bounds_.size(), 0);
  if (bucket == bounds_.end()) {
    ++l.overflow;
  } else {
    ++l.counts[static_cast<std::size_t>(bucket - bounds_.begin())];
  }
  l.sum += seconds;
}

void HttpMetrics::RecordRefused(const std::string& method, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{"refused", method, status}];
}

void HttpMetrics::Write(PrometheusText& out) const {
  std::lock_guard<std::mutex> lock(mutex_);
  out.Family("bankscore_http_requests_total", PrometheusText::Type::kCounter,
             "HTTP requests answered, by route pattern, method and status code.");
  for (const auto& [key, count] : requests_) {
    const auto& [route, method, status] = key;
    out.Sample({{"route", route}, {"method", method}, {"code", std::to_string(status)}},
               static_cast<double>(count));
  }
  out.Family("bankscore_http_request_duration_seconds", PrometheusText::Type::kHistogram,
             "Time from a request's arrival at its handler to its response, by route pattern.");
  for (const auto& [route, l] : latencies_) {
    out.Histogram({{"route", route}}, bounds_, l.counts, l.overflow, l.sum);
  }
}

}  // namespace bankscore::service
