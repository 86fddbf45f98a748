#include "service/model_watcher.h"

#include <spdlog/spdlog.h>

#include "bankscore/error.h"

namespace bankscore::service {

std::optional<ModelWatcher::Stamp> ModelWatcher::StampOf(const std::string& model_path) {
  std::error_code ec;
  const std::filesystem::path file = std::filesystem::path(model_path) / "bundle.json";
  Stamp stamp{model_path, std::filesystem::last_write_time(file, ec), 0};
  if (ec) return std::nullopt;
  stamp.size = std::filesystem::file_size(file, ec);
  if (ec) return std::nullopt;
  return stamp;
}

bool ModelWatcher::Refresh(const Config& config, bool force) {
  const std::optional<Stamp> stamp = StampOf(config.model.path);
  // Unchanged since the last attempt (also when the file is still missing): nothing to do.
  if (!force && attempted_ && stamp == seen_) return false;
  attempted_ = true;
  seen_ = stamp;
  try {
    ModelBundle bundle = LoadConfiguredModel(config);
    // A request scores a few rows: an OpenMP team for them costs more than it saves (a wake-up and
    // a barrier per request, and one team per server thread on the same cores). Requests run in
    // parallel on server.threads instead; the predictions do not depend on the thread count.
    bundle.booster.SetThreads(1);
    auto loaded = std::make_shared<const ModelBundle>(std::move(bundle));
    if (model_ && loaded->metadata.version == model_->metadata.version) return false;
    log_.info("serving model {} from {}{}", loaded->metadata.version, config.model.path,
              model_ ? " (was " + model_->metadata.version + ")" : "");
    model_ = std::move(loaded);
    problem_.clear();
    return true;
  } catch (const Error& e) {
    if (model_) {
      log_.error("the model at {} could not be loaded, still serving {}: {}", config.model.path,
                 model_->metadata.version, e.what());
    } else {
      problem_ = e.what();
      log_.error("no model to serve yet: {} (the service keeps trying)", e.what());
    }
    return false;
  }
}

}  // namespace bankscore::service
