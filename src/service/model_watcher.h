// Internal: ModelWatcher, how `bankscore serve` follows the bundle at model.path: it loads it at
// start, and again whenever a retrain has put a new version there (bundle.json changed on disk,
// and its version differs). A bundle that cannot be loaded is logged once per change and the
// previous model stays in service. Its bundles predict with one XGBoost thread: the server's
// threads score requests in parallel. Not thread-safe: one owner (the serve loop).
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "bankscore/config.h"
#include "model/bundle.h"

namespace bankscore::service {

class ModelWatcher {
 public:
  explicit ModelWatcher(spdlog::logger& log) : log_(log) {}

  // Loads the bundle when model.path (or the file under it) changed since the last call; returns
  // true when a new model was loaded. `force` loads even when nothing seems to have changed
  // (after a reload of the configuration).
  bool Refresh(const Config& config, bool force = false);

  std::shared_ptr<const ModelBundle> model() const { return model_; }
  // Why no model is loaded ("" once one is).
  const std::string& problem() const { return problem_; }

 private:
  struct Stamp {
    std::string path;
    std::filesystem::file_time_type modified;
    std::uintmax_t size = 0;
    bool operator==(const Stamp& o) const {
      return path == o.path && modified == o.modified && size == o.size;
    }
  };
  static std::optional<Stamp> StampOf(const std::string& model_path);

  spdlog::logger& log_;
  std::shared_ptr<const ModelBundle> model_;
  std::optional<Stamp> seen_;  // bundle.json at the last attempt; nullopt: it was missing
  bool attempted_ = false;
  std::string problem_ = "the model has not been loaded yet";
};

}  // namespace bankscore::service
