// The CLI's commands as library functions, so the bankscore binary's main stays thin and tests can
// call them directly.
//
// Each command reads the validated Config, writes human-readable results to `out` and progress to
// the logger, and returns the process exit code (0). Failures are thrown: ConfigError (exit 2) and
// any other Error (exit 1); main maps them.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "bankscore/config.h"

namespace spdlog {
class logger;
}

namespace bankscore {

class SignalWatcher;

struct CommandContext {
  const Config& config;
  spdlog::logger& log;
  std::ostream& out;
  // SIGTERM/SIGINT/SIGHUP as the process received them; null in tests that do not signal.
  SignalWatcher* signals = nullptr;
  std::string config_path;  // the file `config` came from (re-read by the daemon on SIGHUP)
};

// bankscore load: CSV into the source table.
int LoadCommand(const CommandContext& ctx, const std::string& csv_path);
// bankscore train: fit, evaluate on the holdout, save the bundle to model.path.
int TrainCommand(const CommandContext& ctx);
// bankscore evaluate: holdout metrics of the current bundle at the effective threshold.
int EvaluateCommand(const CommandContext& ctx, bool json);
// bankscore score: one batch run. With `wait`, waits for another scorer to finish instead of
// failing.
int ScoreCommand(const CommandContext& ctx, bool wait);
// bankscore relabel: applies the effective threshold (or `threshold`) to stored predictions of the
// current model version without re-predicting; records a run of kind 'relabel'.
int RelabelCommand(const CommandContext& ctx, std::optional<double> threshold);
// bankscore run: the daemon (bankscore/daemon.h). Needs ctx.signals and ctx.config_path.
int RunCommand(const CommandContext& ctx, bool once, bool json_logs);
// bankscore init-db: creates the results tables, indexes and view.
int InitDbCommand(const CommandContext& ctx);
// bankscore schema: prints the results DDL for the configured backend and names.
int SchemaCommand(const CommandContext& ctx);
// bankscore show: the latest runs and a few predictions, for people.
int ShowCommand(const CommandContext& ctx, int limit);

// bankscore profile --out DIR: writes DIR/profile.html and DIR/profile.md, the analyst's view of
// the source table. Streams the table once (scoring.batch_size rows per batch). Throws
// ReportOutputError (an Error) naming the directory if it cannot be written, checked first.
int ProfileCommand(const CommandContext& ctx, const std::string& out_dir);

// bankscore report --out DIR: writes DIR/report.html and DIR/report.md for the model at
// model.path, at the effective threshold (scoring.threshold if set, else the bundle's). Reads only
// the bundle, not the database.
int ReportCommand(const CommandContext& ctx, const std::string& out_dir);

// bankscore serve: the HTTP service (bankscore/serve.h) until SIGTERM/SIGINT. Needs ctx.signals
// and ctx.config_path (re-read on SIGHUP). Issue 13.
int ServeCommand(const CommandContext& ctx, bool json_logs);

}  // namespace bankscore
