#include "app/cli.h"

#include <algorithm>

#include "app/score_workers.h"
#include "bankscore/error.h"

namespace bankscore::cli {
namespace {

void AddOut(CLI::App& command, Arguments& args) {
  command.add_option("--out", args.out_dir, "Output directory (created if missing)")->required();
}

// `models` has subcommands of its own: each records its name in args.models_action. --config
// belongs to `models` and may also be given after the subcommand (fallthrough).
void AddModelsSubcommands(CLI::App& models, Arguments& args) {
  models.require_subcommand(1);
  const auto add = [&models, &args](const char* name, const char* summary, const char* example) {
    CLI::App* sub = models.add_subcommand(name, summary);
    sub->fallthrough();
    sub->footer(HelpFooter(example, nullptr));
    sub->callback([&args, name] { args.models_action = name; });
    return sub;
  };
  add("list", "Every kept version with its test figures; * marks the current one",
      "bankscore models list --config config/bankscore.yaml");
  add("promote", "Make a kept version current (the next scoring run uses it)",
      "bankscore models promote --config config/bankscore.yaml 20261122T101500Z-3fa9c2d1e0b7")
      ->add_option("version", args.version, "The version, as models list shows it")
      ->required();
  add("rollback", "Make the version that was current before the current one current again",
      "bankscore models rollback --config config/bankscore.yaml");
  add("prune", "Remove all but the newest versions; never the current one",
      "bankscore models prune --config config/bankscore.yaml --keep 5")
      ->add_option("--keep", args.keep,
                   "Versions to keep, newest first (the current one is kept too)")
      ->required()
      ->check(CLI::NonNegativeNumber);
}

int RunModelsCommand(const CommandContext& ctx, const Arguments& a) {
  if (a.models_action == "promote") return ModelsPromoteCommand(ctx, a.version);
  if (a.models_action == "rollback") return ModelsRollbackCommand(ctx);
  if (a.models_action == "prune") return ModelsPruneCommand(ctx, a.keep);
  return ModelsListCommand(ctx);
}

std::vector<Command> MakeCommands() {
  return {
      {"load", "Load a CSV file (UCI Bank Marketing format) into the source table",
       "bankscore load --config config/bankscore.yaml --csv data/bank-additional-full.csv.gz",
       [](CLI::App& c, Arguments& a) {
         c.add_option("--csv", a.csv_path, "CSV file, ';'-separated; .gz accepted")->required();
       },
       [](const CommandContext& ctx, const Arguments& a) { return LoadCommand(ctx, a.csv_path); }},
      {"train",
       "Train a model on the labelled source rows and keep it as a new version under model.path, "
       "current if not worse than the current one (training.promote)",
       "bankscore train --config config/bankscore.yaml",
       [](CLI::App& c, Arguments& a) {
         c.add_flag("--promote", a.promote,
                    "Make the new model current whatever its figures (skips the quality gate)");
       },
       [](const CommandContext& ctx, const Arguments& a) { return TrainCommand(ctx, a.promote); },
       /*handles_signals=*/false,
       "3 the new model was kept as a candidate, not made current: its test ROC AUC is below the "
       "current model's on the same rows by more than training.promote_tolerance"},
      {"models", "Model versions under model.path: list, promote VERSION, rollback, prune --keep N",
       "bankscore models list --config config/bankscore.yaml", AddModelsSubcommands,
       RunModelsCommand},
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
         c.add_flag("--retry-rejected", a.retry_rejected,
                    "Read again the rows the current model rejected before (after correcting "
                    "them); those still bad are rejected again");
         c.add_option("--workers", a.workers,
                      "Score with N workers (threads, each with its own connection) sharing the "
                      "work in key ranges with every other worker on the same database "
                      "(PostgreSQL; SQLite allows 1)")
             ->check(CLI::Range(1, 256));
       },
       [](const CommandContext& ctx, const Arguments& a) {
         if (a.workers > 0) {
           if (a.retry_rejected) {
             throw ConfigError(
                 "--retry-rejected cannot be combined with --workers; run it with one scorer");
           }
           return ScoreWithWorkers(ctx, a.workers, a.wait);
         }
         return ScoreCommand(ctx, a.wait, a.retry_rejected);
       },
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
       "bankscore run --config config/bankscore.yaml --once --retry-until 10m --json-logs",
       [](CLI::App& c, Arguments& a) {
         CLI::Option* once = c.add_flag("--once", a.once, "Run one scoring cycle, then exit");
         c.add_option("--retry-until", a.retry_until,
                      "With --once: retry a failed cycle with backoff until it succeeds or this "
                      "much time has passed (e.g. 10m, 1h); then exit 1")
             ->needs(once);
         c.add_flag("--json-logs", a.json_logs,
                    "Log one JSON object per line (overrides logging.json)");
         c.add_option("--workers", a.workers,
                      "Score each cycle with N workers (threads, each with its own connection) "
                      "sharing the work in key ranges with every other worker on the same "
                      "database (PostgreSQL; SQLite allows 1)")
             ->check(CLI::Range(1, 256));
       },
       [](const CommandContext& ctx, const Arguments& a) {
         const std::chrono::milliseconds retry_until =
             a.retry_until.empty() ? std::chrono::milliseconds(0)
                                   : ParseDuration(a.retry_until, "--retry-until");
         return RunCommand(ctx, a.once, a.json_logs, retry_until, std::max(a.workers, 1));
       },
       /*handles_signals=*/true,
       "for run, 0 also means stopped by SIGTERM/SIGINT, and with --once 1 means the cycle "
       "failed (with --retry-until: still failing when the time was up)"},
      {"init-db", "Create the results and segmentation tables, indexes and views",
       "bankscore init-db --config config/bankscore.yaml", nullptr,
       [](const CommandContext& ctx, const Arguments&) { return InitDbCommand(ctx); }},
      {"check",
       "Check that everything score needs is in place: config, database, source table, grants, "
       "model, server port; one line each, with the fix",
       "bankscore check --config config/bankscore.yaml", nullptr,
       [](const CommandContext& ctx, const Arguments&) { return CheckCommand(ctx); },
       /*handles_signals=*/false,
       "for check, 1 also means a check found a problem (each is named)"},
      {"schema", "Print the results and segmentation DDL for the configured backend",
       "bankscore schema --config config/bankscore.yaml", nullptr,
       [](const CommandContext& ctx, const Arguments&) { return SchemaCommand(ctx); }},
      {"show", "Show the latest runs, predictions and rejections",
       "bankscore show --config config/bankscore.yaml --limit 10",
       [](CLI::App& c, Arguments& a) {
         c.add_option("--limit", a.limit, "Rows per table")->check(CLI::PositiveNumber);
       },
       [](const CommandContext& ctx, const Arguments& a) { return ShowCommand(ctx, a.limit); }},
      {"drift",
       "Show the drift of a scoring run: the PSI of each feature column and of the probability "
       "against the model's training profile, worst first",
       "bankscore drift --config config/bankscore.yaml --run 12",
       [](CLI::App& c, Arguments& a) {
         c.add_option("--run", a.run_id, "The run (scoring_runs.run_id); default: the latest")
             ->check(CLI::PositiveNumber);
       },
       [](const CommandContext& ctx, const Arguments& a) { return DriftCommand(ctx, a.run_id); },
       /*handles_signals=*/false, "1 also for a run that does not exist"},
      {"prune",
       "Remove the predictions, reasons and rejections of all model versions but the N newest "
       "(by first scoring run) and the current one, in short batches; records what it removed",
       "bankscore prune --config config/bankscore.yaml --keep-versions 2 --dry-run",
       [](CLI::App& c, Arguments& a) {
         c.add_option("--keep-versions", a.keep_versions,
                      "Model versions to keep, newest first (at least 1; the current one is "
                      "always kept too)")
             ->required();
         c.add_flag("--dry-run", a.dry_run, "Only print what would be removed");
       },
       [](const CommandContext& ctx, const Arguments& a) {
         return PruneCommand(ctx, a.keep_versions, a.dry_run);
       }},
      {"profile", "Write the data profile of the source table: DIR/profile.html and profile.md",
       "bankscore profile --config config/bankscore.yaml --out reports", AddOut,
       [](const CommandContext& ctx, const Arguments& a) {
         return ProfileCommand(ctx, a.out_dir);
       }},
      {"report", "Write the report of the current model: DIR/report.html and report.md",
       "bankscore report --config config/bankscore.yaml --out reports", AddOut,
       [](const CommandContext& ctx, const Arguments& a) { return ReportCommand(ctx, a.out_dir); }},
      {"segment",
       "Segment the clients with K-means (segmentation.*): fit, choose k, assign every row to a "
       "segment; --out writes DIR/segments.html and segments.md",
       "bankscore segment --config config/bankscore.yaml --out reports",
       [](CLI::App& c, Arguments& a) {
         c.add_option("--k", a.k, "Number of segments (overrides segmentation.k)")
             ->check(CLI::Range(2, 100));
         c.add_option("--out", a.out_dir, "Also write DIR/segments.html and DIR/segments.md");
         c.add_flag("--assign", a.assign,
                    "Fit nothing: assign the rows without a segment in the current segmentation");
       },
       [](const CommandContext& ctx, const Arguments& a) {
         return SegmentCommand(ctx, a.k, a.out_dir, a.assign);
       }},
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
  return HelpFooter(command.example, command.more_exit_codes);
}

std::string HelpFooter(const char* example, const char* more_exit_codes) {
  return std::string("\nExample:\n  ") + example +
         "\n\nExit codes: 0 success; 1 runtime failure (database, model, data); 2 usage or "
         "configuration error (nothing was written)" +
         (more_exit_codes ? std::string("; ") + more_exit_codes : std::string()) + ".\n";
}

}  // namespace bankscore::cli
