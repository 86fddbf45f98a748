// The CLI's commands as library functions, so the bankscore binary's main stays thin and tests can
// call them directly.
//
// Each command reads the validated Config, writes human-readable results to `out` and progress to
// the logger, and returns the process exit code (0, or kExitNotPromoted from train). Failures are
// thrown: ConfigError (exit 2) and any other Error (exit 1); main maps them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "bankscore/config.h"

namespace spdlog {
class logger;
}

namespace bankscore {

class SignalWatcher;

// Exit code of `train` when the quality gate (training.promote) kept the new model as a candidate
// instead of making it current.
inline constexpr int kExitNotPromoted = 3;

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
// bankscore train: fit, evaluate on the holdout, keep the bundle as a new version under model.path
// and make it current if the quality gate (training.promote) lets it, or `force_promote`
// (--promote); else returns kExitNotPromoted. A model identical in content to a kept version is
// that version: nothing is added.
int TrainCommand(const CommandContext& ctx, bool force_promote = false);
// bankscore evaluate: holdout metrics of the current bundle at the effective threshold.
int EvaluateCommand(const CommandContext& ctx, bool json);
// bankscore score: one batch run. With `wait`, waits for another scorer to finish instead of
// failing. With `retry_rejected`, the rows the current model version rejected before are read
// again.
int ScoreCommand(const CommandContext& ctx, bool wait, bool retry_rejected = false);
// bankscore relabel: applies the effective threshold (or `threshold`) to stored predictions of the
// current model version without re-predicting; records a run of kind 'relabel'.
int RelabelCommand(const CommandContext& ctx, std::optional<double> threshold);
// bankscore run: the daemon (bankscore/daemon.h). Needs ctx.signals and ctx.config_path. With
// `once`, one cycle (exit 1 if it failed); a non-zero `retry_until` retries a failed cycle with
// backoff for that long (--retry-until). `workers` above 1 scores each cycle with that many
// workers (PostgreSQL only: ConfigError otherwise, before the daemon starts).
int RunCommand(const CommandContext& ctx, bool once, bool json_logs,
               std::chrono::milliseconds retry_until = std::chrono::milliseconds(0),
               int workers = 1);
// bankscore init-db: creates the results and segmentation tables, indexes and views.
int InitDbCommand(const CommandContext& ctx);
// bankscore schema: prints the results and segmentation DDL for the configured backend and names.
int SchemaCommand(const CommandContext& ctx);
// bankscore check: checks, one line each with the fix for a problem, that the config is valid, the
// database reachable (and as whom), the source table and columns usable, the results tables
// present and the role's scoring grants sufficient, the current model loadable and matching the
// source columns, and server.listen free when set. Returns 0 only when `score` could run; 1 else.
int CheckCommand(const CommandContext& ctx);
// bankscore show: the latest runs and a few predictions, for people.
int ShowCommand(const CommandContext& ctx, int limit);

// bankscore drift [--run N]: the PSI per column of run `run_id` (default: the latest run with
// drift rows), worst first, from results.drift_table. Throws DataError for a run that does not
// exist.
int DriftCommand(const CommandContext& ctx, std::optional<std::int64_t> run_id);

// bankscore prune --keep-versions N [--dry-run]: removes the predictions, reasons and rejections
// of every model version but the N newest (by first scoring run) and the current one, and records
// each removal in results.prunes_table. Throws ConfigError for N < 1 (nothing is touched).
int PruneCommand(const CommandContext& ctx, std::int64_t keep_versions, bool dry_run);

// bankscore models list: every kept version with its test metrics, the current one marked.
int ModelsListCommand(const CommandContext& ctx);
// bankscore models promote VERSION: makes a kept version current. Throws ConfigError, naming why,
// for a version trained on another source table or other feature columns than the config's.
int ModelsPromoteCommand(const CommandContext& ctx, const std::string& version);
// bankscore models rollback: makes the previously current version current again (same checks).
int ModelsRollbackCommand(const CommandContext& ctx);
// bankscore models prune --keep N: removes all but the N newest versions, never the current one.
int ModelsPruneCommand(const CommandContext& ctx, std::size_t keep);

// bankscore profile --out DIR: writes DIR/profile.html and DIR/profile.md, the analyst's view of
// the source table. Streams the table once (scoring.batch_size rows per batch). Throws
// ReportOutputError (an Error) naming the directory if it cannot be written, checked first.
int ProfileCommand(const CommandContext& ctx, const std::string& out_dir);

// bankscore report --out DIR: writes DIR/report.html and DIR/report.md for the model at
// model.path, at the effective threshold (scoring.threshold if set, else the bundle's). Reads only
// the bundle, not the database.
int ReportCommand(const CommandContext& ctx, const std::string& out_dir);

// bankscore segment [--k K] [--out DIR] [--assign]: fits a K-means segmentation of the source rows
// on a sample (segmentation.*; `k` overrides segmentation.k), makes it the current one, assigns
// every row without a segment in it (batches of scoring.batch_size, one transaction each) and
// rewrites its profiles. With `assign`, fits nothing: assigns the current segmentation's new rows.
// With `out_dir`, also writes DIR/segments.html and DIR/segments.md. Throws ConfigError for
// `k` with `assign`, or `assign` before any segmentation exists.
int SegmentCommand(const CommandContext& ctx, std::optional<int> k, const std::string& out_dir,
                   bool assign);
// bankscore serve: the HTTP service (bankscore/serve.h) until SIGTERM/SIGINT. Needs ctx.signals
// and ctx.config_path (re-read on SIGHUP). Issue 13.
int ServeCommand(const CommandContext& ctx, bool json_logs);

}  // namespace bankscore
