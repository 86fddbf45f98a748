// Internal: retrying transient database failures with exponential backoff, the one copy used by
// the scorer, the daemon and the lock waits.
#pragma once

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <string_view>

#include "bankscore/config.h"
#include "bankscore/error.h"
#include "common/log_event.h"

namespace bankscore {

// A stop request polled while sleeping; empty means "never stop".
using StopRequested = std::function<bool()>;

// Sleeps `duration` in short slices. Returns false (early) once `stop` says so.
bool SleepUnlessStopped(std::chrono::milliseconds duration, const StopRequested& stop);

// Exponential backoff: first, 2 x first, 4 x first, ... capped at `max`.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds max)
      : first_(first), max_(max), next_(first) {}
  // The delay to wait now; the one after is twice as long (up to the cap).
  std::chrono::milliseconds Next() {
    const auto now = next_;
    next_ = std::min(next_ * 2, max_);
    return now;
  }
  void Reset() { next_ = first_; }

 private:
  std::chrono::milliseconds first_, max_, next_;
};

// Runs `op`, retrying a transient DatabaseError up to config.connect_attempts times in all, with
// backoff from config.retry_backoff. Each retry is logged at warn with `what`. A non-transient
// error, the last attempt's error, or any error after a stop request is rethrown.
template <typename Op>
auto WithRetry(const DatabaseConfig& config, spdlog::logger& log, std::string_view what,
               const StopRequested& stop, Op&& op) -> decltype(op()) {
  Backoff backoff(config.retry_backoff, std::chrono::hours(1));
  for (int attempt = 1;; ++attempt) {
    try {
      return op();
    } catch (const DatabaseError& e) {
      if (!e.transient() || attempt >= config.connect_attempts || (stop && stop())) throw;
      const auto wait = backoff.Next();
      LogEvent event;
      event.event = "retry";
      event.status = "failed";
      event.error_class = ErrorClass(e);
      LogStructured(log, spdlog::level::warn, event,
                    fmt::format("{} failed (attempt {} of {}): {}; retrying in {} ms", what,
                                attempt, config.connect_attempts, e.what(), wait.count()));
      SleepUnlessStopped(wait, stop);
    }
  }
}

}  // namespace bankscore
