// bankscore: the command-line entry point. Parses arguments with the command table (app/cli.h),
// loads the config, builds the logger and hands over to the library. Every error leaves as one
// line "bankscore: error: <what and where>" with exit code 2 (usage, configuration) or 1 (runtime).
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <iostream>
#include <memory>

#include "app/cli.h"
#include "bankscore/commands.h"
#include "bankscore/config.h"
#include "bankscore/error.h"
#include "bankscore/logging.h"
#include "bankscore/signals.h"
#include "bankscore/version.h"

namespace {

using bankscore::cli::Arguments;
using bankscore::cli::Command;

int Fail(const std::string& message, int code) {
  std::cerr << "bankscore: error: " << message << "\n";
  return code;
}

// Runs the chosen command, mapping exceptions to the exit codes.
int Dispatch(const Command& command, const Arguments& args) {
  // Signals are received by a dedicated thread; it must exist before any other thread does.
  std::unique_ptr<bankscore::SignalWatcher> signals;
  if (command.handles_signals) signals = std::make_unique<bankscore::SignalWatcher>();
  try {
    bankscore::Config config = bankscore::LoadConfig(args.config_path);
    ::umask(static_cast<mode_t>(config.files.umask));  // before any file is created
    if (args.json_logs) config.logging.json = true;
    const auto log = bankscore::MakeLogger(config.logging, "bankscore");
    const bankscore::CommandContext ctx{config, *log, std::cout, signals.get(), args.config_path};
    return command.run(ctx, args);
  } catch (const bankscore::ConfigError& e) {
    return Fail(e.what(), bankscore::cli::kExitUsage);
  } catch (const std::exception& e) {
    return Fail(e.what(), bankscore::cli::kExitRuntime);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bankscore: batch scoring of bank clients with a gradient-boosted classifier"};
  app.set_version_flag("--version", std::string("bankscore ") + bankscore::Version());
  app.require_subcommand(1);
  Arguments args;
  std::vector<std::pair<CLI::App*, const Command*>> parsed;
  for (const Command& command : bankscore::cli::Commands()) {
    CLI::App* sub = app.add_subcommand(command.name, command.summary);
    // No CLI::ExistingFile check: LoadConfig's own message names the path in the bankscore form.
    sub->add_option("-c,--config", args.config_path, "YAML configuration file")->required();
    if (command.add_options) command.add_options(*sub, args);
    sub->footer(bankscore::cli::HelpFooter(command));
    parsed.emplace_back(sub, &command);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(std::string(e.what()) + " (see bankscore --help)", bankscore::cli::kExitUsage);
  }
  for (const auto& [sub, command] : parsed) {
    if (sub->parsed()) return Dispatch(*command, args);
  }
  return bankscore::cli::kExitUsage;
}
