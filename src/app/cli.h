// Internal: the bankscore command line, as a table of commands. Each entry declares its options
// (CLI11), its help text with an example, and how it runs; main() only parses and dispatches.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/commands.h"

namespace bankscore::cli {

// Exit codes, documented in --help and the README.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;  // database, model or data failure
inline constexpr int kExitUsage = 2;    // usage or configuration error; nothing was written
inline constexpr int kExitNotPromoted = bankscore::kExitNotPromoted;  // train: kept as candidate

// Every option value any command takes; each command reads the ones it declared.
struct Arguments {
  std::string config_path;
  std::string csv_path;
  std::string out_dir;
  std::optional<double> threshold;
  int limit = 5;
  std::optional<std::int64_t> run_id;  // drift --run N
  bool json = false;
  bool wait = false;
  bool retry_rejected = false;
  int workers = 0;  // score/run --workers N; 0: not given (one scorer)
  bool once = false;
  std::string retry_until;  // run --retry-until DURATION
  bool json_logs = false;
  bool promote = false;            // train --promote
  std::string models_action;       // the `models` subcommand: list, promote, rollback or prune
  std::string version;             // models promote VERSION
  std::size_t keep = 0;            // models prune --keep N
  std::int64_t keep_versions = 0;  // prune --keep-versions N (checked by the command: N >= 1)
  bool dry_run = false;            // prune --dry-run
  // bankscore segment
  std::optional<int> k;
  bool assign = false;
};

struct Command {
  const char* name;
  const char* summary;  // one line for the command list
  const char* example;  // shown in --help
  std::function<void(CLI::App& command, Arguments& args)> add_options;
  std::function<int(const CommandContext& ctx, const Arguments& args)> run;
  // The command polls ctx.signals (SIGTERM ends it cleanly); others keep the default handlers,
  // so Ctrl-C stops them at once.
  bool handles_signals = false;
  // Exit codes beyond 0, 1 and 2, for --help: "3 ...".
  const char* more_exit_codes = nullptr;
};

const std::vector<Command>& Commands();

// The --help footer of every command: its example and the exit codes.
std::string HelpFooter(const Command& command);
// The same for an example and extra exit codes (may be null), for nested subcommands.
std::string HelpFooter(const char* example, const char* more_exit_codes);

}  // namespace bankscore::cli
