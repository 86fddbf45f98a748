// Internal: LiveThreshold, the configured threshold override (scoring.threshold) shared between
// the daemon, which changes it when a reloaded config takes effect, and a running scorer, which
// reads it before each batch. Thread-safe; the scorer never calls back into the daemon.
#pragma once

#include <mutex>
#include <optional>

namespace bankscore {

class LiveThreshold {
 public:
  explicit LiveThreshold(std::optional<double> threshold = std::nullopt) : threshold_(threshold) {}

  // nullopt: the model bundle's own threshold applies.
  std::optional<double> Get() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return threshold_;
  }
  void Set(std::optional<double> threshold) {
    std::lock_guard<std::mutex> lock(mutex_);
    threshold_ = threshold;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<double> threshold_;
};

}  // namespace bankscore
