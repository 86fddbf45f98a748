// `bankscore serve`: the HTTP service on its own (issue 13): score one client or a list through
// a JSON API, a form page and a dashboard for people, health checks and Prometheus metrics for
// ops. See README.md ("The HTTP service") for the endpoints.
//
// It listens on server.listen (default 127.0.0.1:8080), serves the bundle at model.path and
// switches to a retrained one within `model_poll`; SIGHUP re-reads the config file (threshold and
// model path apply at once; server.* settings at the next start); SIGTERM/SIGINT finish the
// requests in flight and return 0. It starts while the database is down or no model exists yet
// (/healthz answers, /readyz says what is missing). Clients' segments and the dashboard's
// segments panel come from the current segmentation, re-read every `segments_poll`. `bankscore
// run` serves the same endpoints when server.listen is set.
#pragma once

#include <chrono>
#include <string>

#include "bankscore/config.h"
#include "bankscore/daemon.h"
#include "bankscore/signals.h"

namespace spdlog {
class logger;
}

namespace bankscore {

struct ServeOptions {
  std::string config_path;  // re-read on SIGHUP
  bool json_logs = false;   // --json-logs: JSON lines whatever logging.json says, also on reload
  DatabaseOpener open_database = OpenDatabase;
  std::chrono::milliseconds model_poll{2000};  // how often model.path is checked for a new bundle
  // How often the current customer segmentation and its profiles are re-read (bankscore segment
  // may have made another one current, or refreshed the mean probabilities); also after SIGHUP.
  std::chrono::milliseconds segments_poll{30000};
};

// Runs until a stop is requested through `signals`; returns 0. Throws ConfigError for an
// unreadable server.token_file and Error when the address cannot be bound, before serving.
int RunServe(const Config& config, const ServeOptions& options, SignalWatcher& signals,
             spdlog::logger& log);

}  // namespace bankscore
