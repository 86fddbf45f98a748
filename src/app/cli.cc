#include "app/cli.h"

namespace bankscore::cli {
namespace {

void AddOut(CLI::App& command, Arguments& args) {
  command.add_option("--out", args.out_dir, "Output directory (created if missing)")->required();
}

std::vector<Command> MakeCommands() {
  return {
      {"load", "Load a CSV file (UCI Bank Marketing format) into the source table",
       "bankscore load --config config/bankscore.yaml --csv data/bank-additional-full.csv.gz",
       [](CLI::App& c, Arguments& a) {
         c.add_option("--csv", a.csv_path, "CSV file, ';'-separated; .gz accepted")->required();
       },
       [](const CommandContext& ctx, const Arguments& a) { return LoadCommand(ctx, a.csv_path); }},
      {"train", "Train a model on the labelled source rows and save it to model.path",
       "bankscore train --config config/bankscore.yaml", nullptr,
       [](const CommandContext& ctx, const Arguments&) { return TrainCommand(ctx); }},
      {"evaluate", "Holdout metrics of the current model",
       "bankscore evaluate --config config/bankscore.yaml --json",
       [](CLI::App& c, Arguments& a) {
         c.add_flag("--json", a.json, "Print the metrics as one JSON object");
       },
       [](const CommandContext& ctx, const Arguments& a) { return EvaluateCommand(ctx, a.json); }},
      {"score", "Score every source row not yet scored by the current model version, then exit",
       "bankscore score --config config/bankscore.yaml --wait",
       [](CLI::App& c, Arguments& a) {
         c.add_flag("--wait", a.wait, "Wait for another running scorer instead of failing");
       },
       [](const CommandContext& ctx, const Arguments& a) { return ScoreCommand(ctx, a.wait); },
       /*handles_signals=*/true},
      {"relabel", "Apply the current threshold to stored predictions without re-predicting",
       "bankscore relabel --config config/bankscore.yaml --threshold 0.3",
       [](CLI::App& c, Arguments& a) {
         c.add_option("--threshold", a.threshold,
                      "Threshold to apply (default: the effective scoring threshold)")
             ->check(CLI::Range(0.0, 1.0));
       },
       [](const CommandContext& ctx, const Arguments& a) {
         return RelabelCommand(ctx, a.threshold);
       }},
      {"run",
       "Run as a service: score new rows now and on schedule (scoring.interval or "
       "scoring.daily_at); SIGHUP reloads the config, SIGTERM stops after the current batch",
       "bankscore run --config config/bankscore.yaml --json-logs",
       [](CLI::App& c, Arguments& a) {
         c.add_flag("--once", a.once, "Run one scoring cycle, then exit");
         c.add_flag("--json-logs", a.json_logs,
                    "Log one JSON object per line (overrides logging.json)");
       },
       [](const CommandContext& ctx, const Arguments& a) {
         return RunCommand(ctx, a.once, a.json_logs);
       },
       /*handles_signals=*/true},
      {"init-db", "Create the results tables, indexes and view",
       "bankscore init-db --config config/bankscore.yaml", nullptr,
       [](const CommandContext& ctx, const Arguments&) { return InitDbCommand(ctx); }},
      {"schema", "Print the results DDL for the configured backend",
       "bankscore schema --config config/bankscore.yaml", nullptr,
       [](const CommandContext& ctx, const Arguments&) { return SchemaCommand(ctx); }},
      {"show", "Show the latest runs, predictions and rejections",
       "bankscore show --config config/bankscore.yaml --limit 10",
       [](CLI::App& c, Arguments& a) {
         c.add_option("--limit", a.limit, "Rows per table")->check(CLI::PositiveNumber);
       },
       [](const CommandContext& ctx, const Arguments& a) { return ShowCommand(ctx, a.limit); }},
      {"profile", "Write the data profile of the source table: DIR/profile.html and profile.md",
       "bankscore profile --config config/bankscore.yaml --out reports", AddOut,
       [](const CommandContext& ctx, const Arguments& a) {
         return ProfileCommand(ctx, a.out_dir);
       }},
      {"report", "Write the report of the current model: DIR/report.html and report.md",
       "bankscore report --config config/bankscore.yaml --out reports", AddOut,
       [](const CommandContext& ctx, const Arguments& a) { return ReportCommand(ctx, a.out_dir); }},
      {"serve",
       "Serve the HTTP API, the scoring form and the dashboard on server.listen (default "
       "127.0.0.1:8080); SIGHUP reloads the config, SIGTERM stops",
       "bankscore serve --config config/bankscore.yaml",
       [](CLI::App& c, Arguments& a) {
         c.add_flag("--json-logs", a.json_logs,
                    "Log one JSON object per line (overrides logging.json)");
       },
       [](const CommandContext& ctx, const Arguments& a) { return ServeCommand(ctx, a.json_logs); },
       /*handles_signals=*/true},
  };
}

}  // namespace

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = MakeCommands();
  return commands;
}

std::string HelpFooter(const Command& command) {
  return std::string("\nExample:\n  ") + command.example +
         "\n\nExit codes: 0 success; 1 runtime failure (database, model, data); 2 usage or "
         "configuration error (nothing was written).\n";
}

}  // namespace bankscore::cli
