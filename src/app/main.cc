// bankscore: the command-line entry point. Parses arguments, loads the config, builds the logger
// and hands over to the library (bankscore/commands.h, bankscore/daemon.h). Exit codes: 0 success,
// 2 usage or configuration error, 1 runtime failure.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

#include "bankscore/commands.h"
#include "bankscore/config.h"
#include "bankscore/daemon.h"
#include "bankscore/error.h"
#include "bankscore/logging.h"
#include "bankscore/signals.h"
#include "bankscore/version.h"

namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bankscore: batch scoring of bank clients with a gradient-boosted classifier"};
  app.set_version_flag("--version", std::string("bankscore ") + bankscore::Version());
  app.require_subcommand(1);

  std::string config_path;
  auto add_config = [&](CLI::App* cmd) {
    cmd->add_option("-c,--config", config_path, "YAML configuration file")
        ->required()
        ->check(CLI::ExistingFile);
  };

  std::string csv_path;
  auto* load = app.add_subcommand("load",
                                  "Load a CSV file (UCI Bank Marketing format) into the "
                                  "source table");
  add_config(load);
  load->add_option("--csv", csv_path, "CSV file, ';'-separated; .gz accepted")
      ->required()
      ->check(CLI::ExistingFile);

  auto* train = app.add_subcommand("train",
                                   "Train a model on the labelled source rows and save "
                                   "it to model.path");
  add_config(train);

  bool json = false;
  auto* evaluate = app.add_subcommand("evaluate", "Holdout metrics of the current model");
  add_config(evaluate);
  evaluate->add_flag("--json", json, "Print the metrics as one JSON object");

  bool wait = false;
  auto* score = app.add_subcommand("score",
                                   "Score every source row not yet scored by the "
                                   "current model version, then exit");
  add_config(score);
  score->add_flag("--wait", wait, "Wait for another running scorer instead of failing");

  std::optional<double> relabel_threshold;
  auto* relabel = app.add_subcommand(
      "relabel", "Apply the current threshold to stored predictions without re-predicting");
  add_config(relabel);
  relabel
      ->add_option("--threshold", relabel_threshold,
                   "Threshold to apply (default: the effective scoring threshold)")
      ->check(CLI::Range(0.0, 1.0));

  bool once = false;
  auto* run = app.add_subcommand(
      "run",
      "Run as a service: score new rows now and on schedule (scoring.interval or "
      "scoring.daily_at); SIGHUP reloads the config, SIGTERM stops after the current batch");
  add_config(run);
  run->add_flag("--once", once, "Run one scoring cycle, then exit");
  bool json_logs = false;
  run->add_flag("--json-logs", json_logs, "Log one JSON object per line (overrides logging.json)");

  auto* init_db = app.add_subcommand("init-db", "Create the results tables, indexes and view");
  add_config(init_db);

  auto* schema = app.add_subcommand("schema", "Print the results DDL for the configured backend");
  add_config(schema);

  int limit = 5;
  auto* show = app.add_subcommand("show", "Show the latest runs, predictions and rejections");
  add_config(show);
  show->add_option("--limit", limit, "Rows per table")->check(CLI::PositiveNumber);

  std::string out_dir;
  auto* profile = app.add_subcommand(
      "profile", "Write the data profile of the source table: DIR/profile.html and profile.md");
  add_config(profile);
  profile->add_option("--out", out_dir, "Output directory (created if missing)")->required();
  auto* report = app.add_subcommand(
      "report", "Write the report of the current model: DIR/report.html and report.md");
  add_config(report);
  report->add_option("--out", out_dir, "Output directory (created if missing)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }

  // Signals are received by a dedicated thread; it must exist before any other thread does.
  std::unique_ptr<bankscore::SignalWatcher> signals;
  if (*run) signals = std::make_unique<bankscore::SignalWatcher>();

  std::shared_ptr<spdlog::logger> log;
  try {
    bankscore::Config config = bankscore::LoadConfig(config_path);
    if (json_logs) config.logging.json = true;
    log = bankscore::MakeLogger(config.logging, "bankscore");
    bankscore::CommandContext ctx{config, *log, std::cout};
    if (*load) return bankscore::LoadCommand(ctx, csv_path);
    if (*train) return bankscore::TrainCommand(ctx);
    if (*evaluate) return bankscore::EvaluateCommand(ctx, json);
    if (*score) return bankscore::ScoreCommand(ctx, wait);
    if (*relabel) return bankscore::RelabelCommand(ctx, relabel_threshold);
    if (*run) {
      bankscore::DaemonOptions options;
      options.config_path = config_path;
      options.once = once;
      options.json_logs = json_logs;
      return bankscore::RunDaemon(config, options, *signals, *log);
    }
    if (*init_db) return bankscore::InitDbCommand(ctx);
    if (*schema) return bankscore::SchemaCommand(ctx);
    if (*show) return bankscore::ShowCommand(ctx, limit);
    if (*profile) return bankscore::ProfileCommand(ctx, out_dir);
    if (*report) return bankscore::ReportCommand(ctx, out_dir);
  } catch (const bankscore::ConfigError& e) {
    std::cerr << "bankscore: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "bankscore: error: " << e.what() << "\n";
    return kExitRuntime;
  }
  return kExitUsage;
}
