// RunServe (bankscore/serve.h): the HTTP service and the loop that keeps its model current.
#include "bankscore/serve.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "bankscore/error.h"
#include "bankscore/logging.h"
#include "service/http_service.h"
#include "service/model_watcher.h"

namespace bankscore {
namespace {

using Clock = std::chrono::steady_clock;

// SIGHUP: the new file's threshold and model path apply now; the server's own settings need a
// restart (the socket and the thread pool are made once). Returns whether it was applied.
bool Reload(Config& config, const ServeOptions& options, spdlog::logger& log) {
  try {
    Config next = LoadConfig(options.config_path);
    if (options.json_logs) next.logging.json = true;
    if (next.server.listen != config.server.listen ||
        next.server.token_file != config.server.token_file ||
        next.server.threads != config.server.threads ||
        next.server.max_body_bytes != config.server.max_body_bytes) {
      log.warn("configuration reloaded: server.* changes take effect at the next start");
    }
    config = std::move(next);
    ConfigureLogger(log, config.logging);
    log.info("configuration reloaded from {}", options.config_path);
    return true;
  } catch (const Error& e) {
    log.error("configuration reload refused, still running on the last good configuration: {}",
              e.what());
    return false;
  }
}

}  // namespace

int RunServe(const Config& initial_config, const ServeOptions& options, SignalWatcher& signals,
             spdlog::logger& log) {
  Config config = initial_config;
  // The model first: once the address is logged, requests are answered with it (or with why
  // there is none).
  service::ModelWatcher watcher(log);
  watcher.Refresh(config, true);
  service::HttpService http(config, options.open_database, log);
  bool changed = true;
  auto next_segments = Clock::now();
  while (!signals.stop_requested()) {
    if (changed) {
      if (watcher.model()) {
        http.Publish(watcher.model(), config.scoring);
      } else {
        http.ReportModelProblem(watcher.problem());
      }
    }
    if (Clock::now() >= next_segments) {
      http.RefreshSegments();
      next_segments = Clock::now() + options.segments_poll;
    }
    signals.WaitFor(options.model_poll);  // segments_poll is checked at this granularity
    const bool reloaded = signals.TakeReloadRequest() && Reload(config, options, log);
    changed = watcher.Refresh(config, reloaded) || reloaded;
    if (reloaded) next_segments = Clock::now();
  }
  log.info("bankscore serve stopping");
  return 0;
}

}  // namespace bankscore
