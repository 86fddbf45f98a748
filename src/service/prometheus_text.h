// Internal: a writer of the Prometheus text exposition format (version 0.0.4), which /metrics
// serves. We write it ourselves rather than use prometheus-cpp: most metrics are read from the
// runs table at scrape time (a registry of live counters would only mirror the database), and
// the format is small and fully tested here (tests/unit/prometheus_text_test.cc).
//
// What it guarantees, per the format's rules:
//   - each family once: "# HELP name text" and "# TYPE name type" before its samples, which
//     follow together;
//   - metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and do
//     not start with "__"; a histogram's labels do not include "le";
//   - label values escape backslash, double quote and line feed; HELP text escapes backslash and
//     line feed;
//   - values: integers in full, other numbers with the digits to read back the same double,
//     NaN, +Inf, -Inf;
//   - a histogram's buckets are cumulative, end with le="+Inf" equal to _count, then _sum and
//     _count.
// Breaking a rule with a name or a second family of the same name is a programming error:
// std::logic_error. Label values are data and are always accepted.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bankscore::service {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  enum class Type { kCounter, kGauge, kHistogram, kUntyped };

  // Starts family `name`: its HELP and TYPE lines.
  void Family(std::string_view name, Type type, std::string_view help);
  // A sample of the current (counter, gauge or untyped) family.
  void Sample(const Labels& labels, double value);
  // The samples of one histogram of the current (histogram) family: `counts[i]` observations
  // fell in (upper_bounds[i-1], upper_bounds[i]], `overflow` above the last bound.
  void Histogram(const Labels& labels, const std::vector<double>& upper_bounds,
                 const std::vector<std::uint64_t>& counts, std::uint64_t overflow, double sum);

  const std::string& text() const { return text_; }

 private:
  void Line(std::string_view name, const Labels& labels, double value);

  std::string text_;
  std::string family_;
  Type type_ = Type::kUntyped;
  std::set<std::string, std::less<>> families_;
};

// A number as the format writes it: "42", "0.25", "1e-09", "NaN", "+Inf", "-Inf".
std::string PrometheusNumber(double value);

}  // namespace bankscore::service
