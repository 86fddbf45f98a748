#include "common/clock.h"

#include <cstdio>
#include <ctime>

namespace bankscore {
namespace {

std::string Format(std::chrono::system_clock::time_point when, const char* pattern) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, pattern, &utc);
  return buffer;
}

}  // namespace

std::string FormatUtc(std::chrono::system_clock::time_point when) {
  return Format(when, "%Y-%m-%dT%H:%M:%SZ");
}

std::string UtcTimestamp() { return FormatUtc(std::chrono::system_clock::now()); }

std::string UtcTimestampMillis() {
  const auto now = std::chrono::system_clock::now();
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
  return Format(now, "%Y-%m-%dT%H:%M:%S") + fraction;
}

std::string UtcCompactTimestamp() {
  return Format(std::chrono::system_clock::now(), "%Y%m%dT%H%M%SZ");
}

std::chrono::seconds UntilNextUtcTime(std::chrono::system_clock::time_point now, int hour,
                                      int minute) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  const long now_s = utc.tm_hour * 3600L + utc.tm_min * 60L + utc.tm_sec;
  long wait = hour * 3600L + minute * 60L - now_s;
  if (wait <= 0) wait += 24 * 3600L;
  return std::chrono::seconds(wait);
}

}  // namespace bankscore
