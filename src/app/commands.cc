#include "bankscore/commands.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

#include "app/model_commands.h"
#include "app/scorer_lock_wait.h"
#include "app/text_table.h"
#include "bankscore/daemon.h"
#include "bankscore/database.h"
#include "bankscore/error.h"
#include "bankscore/signals.h"
#include "common/text.h"
#include "db/segments_sql.h"
#include "db/sql_text.h"
#include "ingest/loader.h"
#include "ingest/source_check.h"
#include "jobs/scorer.h"
#include "jobs/trainer.h"
#include "jobs/worker_pool.h"
#include "model/bundle.h"
#include "model/metrics.h"
#include "model/registry.h"

namespace bankscore {
namespace {

constexpr std::chrono::hours kLockWaitLimit{24};

std::string BackendName(const Config& config) {
  return config.database.backend == DatabaseConfig::Backend::kSqlite ? "sqlite" : "postgres";
}

void PrintMetrics(std::ostream& out, const BinaryMetrics& m) {
  const ConfusionMatrix& c = m.confusion;
  out << fmt::format(
      "  rows {}  (positives {})  threshold {:.4f}\n"
      "  accuracy  {:.4f}   precision {:.4f}   recall {:.4f}   F1 {:.4f}\n"
      "  ROC AUC   {:.4f}   PR AUC    {:.4f}   log loss {:.4f}   Brier {:.4f}\n"
      "  confusion matrix     predicted 0  predicted 1\n"
      "    actual 0           {:>11}  {:>11}\n"
      "    actual 1           {:>11}  {:>11}\n",
      m.rows, m.positives, m.threshold, m.accuracy, m.precision, m.recall, m.f1, m.roc_auc,
      m.pr_auc, m.log_loss, m.brier, c.true_negative, c.false_positive, c.false_negative,
      c.true_positive);
}

void PrintTable(std::ostream& out, const RowBatch& table) {
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : table.rows) {
    std::vector<std::string> line;
    for (const Value& value : row) line.push_back(EscapeControl(ValueText(value)));
    cells.push_back(std::move(line));
  }
  PrintTextTable(out, table.columns, cells);
}

// Calibration before and after, against the base-rate predictor, and the reliability table.
void PrintProbabilityQuality(std::ostream& out, const ModelBundle& bundle) {
  const ScoredSet& test = bundle.test;
  const ProbabilityQuality after = AssessProbabilities(test.labels, test.scores);
  const bool has_raw = !test.raw_scores.empty();
  const ProbabilityQuality before =
      has_raw ? AssessProbabilities(test.labels, test.raw_scores) : after;
  out << fmt::format("\n  probabilities (calibration: {}; test positive rate {:.3f})\n",
                     bundle.calibrator.MethodName(), after.positive_rate);
  out << "                        calibrated  uncalibrated  base rate\n";
  const auto line = [&](const char* name, double a, double b, double base) {
    out << fmt::format("  {:<20}  {:>10.4f}  {:>12}  {:>9}\n", name, a,
                       has_raw ? fmt::format("{:.4f}", b) : "-",
                       std::isnan(base) ? "-" : fmt::format("{:.4f}", base));
  };
  const double none = std::nan("");
  line("mean predicted", after.mean_predicted, before.mean_predicted, after.positive_rate);
  line("ECE (10 bins)", after.ece, before.ece, none);
  line("Brier score", after.brier, before.brier, after.base_rate_brier);
  line("log loss", after.log_loss, before.log_loss, after.base_rate_log_loss);

  out << "\n  calibration (predicted probability bins, calibrated)\n"
         "  bin           rows  mean predicted  observed rate\n";
  for (const CalibrationBin& b : CalibrationTable(test.labels, test.scores, 10)) {
    out << fmt::format("  [{:.1f}, {:.1f})  {:>6}  {:>14.3f}  {:>13.3f}\n", b.lower, b.upper,
                       b.rows, b.mean_predicted, b.observed_rate);
  }
}

// Opens the database and checks the source and results tables: everything a run needs before it
// writes anything.
std::unique_ptr<Database> OpenForScoring(const CommandContext& ctx) {
  auto db = OpenDatabase(ctx.config, ctx.log);
  ValidateSourceTable(*db, ctx.config);
  db->EnsureResultsSchema();
  return db;
}

}  // namespace

int LoadCommand(const CommandContext& ctx, const std::string& csv_path) {
  auto db = OpenOrCreateDatabase(ctx.config, ctx.log);
  LoadSummary s = LoadCsv(*db, ctx.config, csv_path, ctx.log);
  ctx.out << fmt::format("loaded {} rows into {} ({} rows in the table{}{})\n", s.rows_loaded,
                         ctx.config.source.table, s.rows_in_table,
                         s.table_created ? ", table created" : "",
                         s.keys_assigned ? ", keys " + ctx.config.source.key + " assigned" : "");
  return 0;
}

int TrainCommand(const CommandContext& ctx, bool force_promote) {
  auto db = OpenDatabase(ctx.config, ctx.log);
  ModelRegistry registry(ctx.config.model.path);
  MigrateLegacyModel(ctx, registry);
  const std::optional<ModelBundle> incumbent = LoadCurrentForComparison(ctx, registry);
  ModelBundle bundle = TrainModel(*db, ctx.config, ctx.log, incumbent ? &*incumbent : nullptr);
  const ModelMetadata& m = bundle.metadata;
  ctx.out << fmt::format(
      "model {}\n  trained on {} rows ({} synthetic), validated on {}, tested on {}; "
      "{} boosting rounds; threshold {:.4f} ({})\n",
      m.version, m.training_rows, m.synthetic_rows, m.validation_rows, m.test_rows,
      m.best_iteration + 1, m.threshold, m.threshold_policy);
  ctx.out << "holdout (test split) metrics:\n";
  PrintMetrics(ctx.out, ComputeMetrics(bundle.test.labels, bundle.test.scores, m.threshold));
  return KeepTrainedModel(ctx, registry, std::move(bundle), force_promote);
}

int EvaluateCommand(const CommandContext& ctx, bool json) {
  ModelBundle bundle = LoadConfiguredModel(ctx.config);
  const double threshold = EffectiveDecision(bundle, ctx.config.scoring).threshold;
  const ScoredSet& test = bundle.test;
  if (json) {
    nlohmann::json j = EvaluationJson(test.labels, test.scores, threshold, &test.raw_scores);
    j["model_version"] = bundle.metadata.version;
    j["calibration_method"] = bundle.calibrator.MethodName();
    j["threshold_source"] = ctx.config.scoring.threshold ? "config" : "model";
    ctx.out << j.dump(2) << "\n";
    return 0;
  }
  ctx.out << fmt::format("model {} (trained {}), holdout of {} rows, threshold from {}\n",
                         bundle.metadata.version, bundle.metadata.created_at, test.labels.size(),
                         ctx.config.scoring.threshold
                             ? "config (scoring.threshold)"
                             : "model (" + bundle.metadata.threshold_policy + ")");
  PrintMetrics(ctx.out, ComputeMetrics(test.labels, test.scores, threshold));
  ctx.out << "\n  cumulative gains and lift by decile (highest scores first)\n"
             "  decile   rows  positives  cum. rows  cum. gain   lift  cum. lift\n";
  for (const GainsRow& g : GainsTable(test.labels, test.scores, 10)) {
    ctx.out << fmt::format("  {:>6}  {:>5}  {:>9}  {:>8.0f}%  {:>8.1f}%  {:>5.2f}  {:>9.2f}\n",
                           g.group, g.rows, g.positives, 100 * g.cumulative_fraction,
                           100 * g.cumulative_gain, g.lift, g.cumulative_lift);
  }
  PrintProbabilityQuality(ctx.out, bundle);
  return 0;
}

int ScoreCommand(const CommandContext& ctx, bool wait, bool retry_rejected) {
  auto db = OpenForScoring(ctx);
  ModelBundle bundle = LoadConfiguredModel(ctx.config);
  // SIGTERM/SIGINT end a wait for the lock at once, and a run after the batch being written.
  const StopRequested stop = [&ctx] { return ctx.signals && ctx.signals->stop_requested(); };
  auto lock = db->TryLockScorer(wait, wait ? kLockWaitLimit : std::chrono::milliseconds(0), stop);
  if (!lock) {
    if (stop()) throw Error("stopped by signal while waiting for the scorer lock");
    throw DatabaseError(
        "another bankscore scorer is running against this database; "
        "try again later or pass --wait");
  }
  ScoreOptions options;
  options.should_stop = stop;
  options.retry_rejected = retry_rejected;
  RunSummary s = ScoreNewRows(*db, *lock, ctx.config, bundle, options, ctx.log);
  if (s.run_id == 0) {
    ctx.out << fmt::format("nothing to score: every row of {} has a result for model {}\n",
                           ctx.config.source.table, s.model_version);
    return 0;
  }
  ctx.out << fmt::format(
      "run {} {}: read {}, scored {}, rejected {}, positive {} ({:.1f}%), threshold {:.4f}, "
      "model {}, {:.2f} s ({:.0f} rows/s)\n",
      s.run_id, s.status, s.rows_read, s.rows_scored, s.rows_rejected, s.rows_positive,
      s.rows_scored ? 100.0 * s.rows_positive / s.rows_scored : 0.0, s.threshold, s.model_version,
      s.duration.count() / 1000.0,
      s.duration.count() ? 1000.0 * s.rows_read / s.duration.count() : 0.0);
  const auto seconds = [](std::chrono::nanoseconds d) { return d.count() / 1e9; };
  ctx.out << fmt::format(
      "  time in each stage (they overlap; encode and predict summed over the scoring threads): "
      "read {:.2f} s, encode {:.2f} s, predict {:.2f} s, write {:.2f} s\n",
      seconds(s.times.read), seconds(s.times.encode), seconds(s.times.predict),
      seconds(s.times.write));
  if (s.status == "interrupted") {
    throw Error("run " + std::to_string(s.run_id) + " was interrupted by a signal after " +
                std::to_string(s.rows_read) + " rows; the next run scores the rest");
  }
  return 0;
}

int RelabelCommand(const CommandContext& ctx, std::optional<double> threshold) {
  auto db = OpenForScoring(ctx);
  ModelBundle bundle = LoadConfiguredModel(ctx.config);
  const double t = threshold.value_or(EffectiveDecision(bundle, ctx.config.scoring).threshold);
  if (t < 0 || t > 1) throw ConfigError("--threshold: must be between 0 and 1");
  auto lock = WaitForScorerLock(*db, "relabel");
  RunRecord record;
  record.kind = "relabel";
  record.model_version = bundle.metadata.version;
  record.threshold = t;
  const std::int64_t run_id = db->BeginRun(record);
  RelabelResult r;
  try {
    lock->EnsureHeld();
    r = db->Relabel(run_id, bundle.metadata.version, Decision{t});
  } catch (const Error& e) {
    record.status = "failed";
    record.message = e.what();
    db->FinishRun(run_id, record);
    throw;
  }
  record.status = "succeeded";
  // The run's message says what changed, so a DBA can see the old thresholds afterwards.
  record.message = fmt::format(
      "relabeled {} predictions of model {} to threshold {:g} (previous thresholds: {}); "
      "{} labels changed, {} now positive",
      r.rows_relabeled, bundle.metadata.version, t, r.previous_thresholds, r.labels_changed,
      r.positives_after);
  db->FinishRun(run_id, record);
  ctx.out << record.message << " (run " << run_id << ")\n";
  return 0;
}

int RunCommand(const CommandContext& ctx, bool once, bool json_logs,
               std::chrono::milliseconds retry_until, int workers) {
  if (ctx.signals == nullptr) throw std::logic_error("bankscore run needs a SignalWatcher");
  CheckWorkerCount(ctx.config, workers, "--workers");
  // A missing SQLite file is a typo to refuse at start (exit 2), not a failing cycle to retry; a
  // PostgreSQL server that is down at start is retried by the daemon instead.
  if (ctx.config.database.backend == DatabaseConfig::Backend::kSqlite) {
    try {
      OpenDatabase(ctx.config, ctx.log);  // ConfigError for a missing file
    } catch (const DatabaseError&) {
      // It exists but cannot be opened now: the daemon's cycles retry it.
    }
  }
  DaemonOptions options;
  options.config_path = ctx.config_path;
  options.once = once;
  options.retry_until = retry_until;
  options.json_logs = json_logs;
  options.workers = workers;
  return RunDaemon(ctx.config, options, *ctx.signals, ctx.log);
}

namespace {

// results.partition_by: the owner adds the current model version's partitions, so a scoring role
// (which may not create tables) can score it.
void InitCurrentPartitions(const CommandContext& ctx, Database& db) {
  std::string version;
  try {
    version = LoadBundleMetadata(ResolveModelDirectory(ctx.config.model.path)).version;
  } catch (const ModelError&) {
    ctx.out << "no current model yet: its partitions are created before its first run (as the "
               "tables' owner)\n";
    return;
  }
  db.EnsureVersionPartition(version);
  ctx.out << "partitions of model version " << version << " ready\n";
}

}  // namespace

int InitDbCommand(const CommandContext& ctx) {
  auto db = OpenOrCreateDatabase(ctx.config, ctx.log);
  db->EnsureResultsSchema();
  ctx.out << "results tables ready: " << ctx.config.results.table << ", "
          << ctx.config.results.runs_table << ", " << ctx.config.results.rejected_table << ", view "
          << ctx.config.results.latest_view << "\n";
  if (ctx.config.results.partition_by_model_version) InitCurrentPartitions(ctx, *db);
  db->EnsureSegmentsSchema();
  const SegmentationConfig& s = ctx.config.segmentation;
  ctx.out << "segmentation tables ready: " << s.models_table << ", " << s.table << ", "
          << s.profiles_table << ", view " << s.view << "\n";
  return 0;
}

int SchemaCommand(const CommandContext& ctx) {
  std::string ddl = internal::ResultsDdl(BackendName(ctx.config), ctx.config.results) + "\n" +
                    internal::SegmentsDdl(BackendName(ctx.config), ctx.config);
  const std::string& schema = ctx.config.database.schema;
  if (ctx.config.database.backend == DatabaseConfig::Backend::kPostgres && !schema.empty()) {
    // The server applies the same DDL with search_path set to the schema; printed for psql, the
    // names say where each table goes whatever the reader's search_path.
    std::vector<std::string> relations = internal::ResultsRelations(ctx.config.results);
    const SegmentationConfig& s = ctx.config.segmentation;
    relations.insert(relations.end(), {s.table, s.profiles_table, s.models_table, s.view});
    ddl = internal::QualifyRelations(ddl, schema, relations);
  }
  ctx.out << ddl;
  return 0;
}

int ShowCommand(const CommandContext& ctx, int limit) {
  auto db = OpenDatabase(ctx.config, ctx.log);
  const ResultsConfig& r = ctx.config.results;
  if (!db->TableExists(r.runs_table)) {
    ctx.out << "no scoring runs yet (run: bankscore score --config " << ctx.config.file << ")\n";
    return 0;
  }
  const std::string n = std::to_string(std::max(limit, 1));
  ctx.out << "latest scoring runs (" << r.runs_table << "):\n";
  PrintTable(ctx.out,
             db->Query("SELECT run_id, kind, status, model_version, threshold, "
                       "rows_read, rows_scored, rows_rejected, rows_positive FROM " +
                       QuoteIdentifier(r.runs_table) + " ORDER BY run_id DESC LIMIT " + n));
  ctx.out << "\nhighest-probability clients (" << r.latest_view << "):\n";
  PrintTable(ctx.out, db->Query("SELECT source_key, probability, label, threshold, model_version "
                                "FROM " +
                                QuoteIdentifier(r.latest_view) +
                                " ORDER BY probability DESC, source_key LIMIT " + n));
  ctx.out << "\nrejected rows (" << r.rejected_table << "):\n";
  PrintTable(ctx.out, db->Query("SELECT source_key, run_id, reason FROM " +
                                QuoteIdentifier(r.rejected_table) +
                                " ORDER BY run_id DESC, source_key LIMIT " + n));
  return 0;
}

}  // namespace bankscore
