// Tests for the configuration parser: the shipped configs load with the documented values, and
// every kind of mistake a user can make is refused with a message naming the file, line and key.

#include "bankscore/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "bankscore/error.h"

namespace bankscore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// The smallest valid configuration. Tests append a section (which then starts on line 12) or
// change one line; the line numbers in the expected messages refer to this layout.
constexpr char kMinimal[] = R"(database:
  path: test.db
source:
  table: clients
  key: id
  label: y
  features:
    categorical: [job]
    numeric: [age, pdays]
model:
  path: models/m
)";

// kMinimal with the first occurrence of `from` replaced by `to`.
std::string Replace(const std::string& from, const std::string& to) {
  std::string text = kMinimal;
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "test setup: '" << from << "' is not in kMinimal";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// kMinimal followed by `more`, whose first line is line 12.
std::string Append(const std::string& more) { return std::string(kMinimal) + more; }

Config Parse(const std::string& yaml) { return ParseConfig(yaml, "test.yaml"); }

// The ConfigError message for `yaml`; fails the test when the text is accepted. Any other
// exception type escapes and fails the test too.
std::string ErrorOf(const std::string& yaml) {
  try {
    ParseConfig(yaml, "test.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted, but should have been refused:\n" << yaml;
  return "";
}

// --- The shipped configuration files -------------------------------------------------------

TEST(ShippedConfigTest, SqliteDemoConfigLoadsWithDocumentedValues) {
  const std::string path = std::string(BANKSCORE_SOURCE_DIR) + "/config/bankscore.yaml";
  const Config config = LoadConfig(path);

  EXPECT_EQ(config.file, path);
  EXPECT_EQ(config.database.backend, DatabaseConfig::Backend::kSqlite);
  EXPECT_EQ(config.database.path, "var/bankscore.db");
  EXPECT_EQ(config.database.connect_attempts, 5);
  EXPECT_EQ(config.database.retry_backoff, std::chrono::milliseconds(500));

  EXPECT_EQ(config.source.table, "bank_clients");
  EXPECT_EQ(config.source.key, "client_id");
  EXPECT_EQ(config.source.label, "y");
  EXPECT_EQ(config.source.positive_label, "yes");
  EXPECT_THAT(config.source.categorical,
              ElementsAre("job", "marital", "education", "default", "housing", "loan", "contact",
                          "month", "day_of_week", "poutcome"));
  EXPECT_THAT(config.source.numeric,
              ElementsAre("age", "campaign", "pdays", "previous", "emp.var.rate", "cons.price.idx",
                          "cons.conf.idx", "euribor3m", "nr.employed"));
  EXPECT_THAT(config.source.sentinels, ElementsAre(Pair("pdays", 999.0)));

  EXPECT_EQ(config.results.table, "predictions");
  EXPECT_EQ(config.results.runs_table, "scoring_runs");
  EXPECT_EQ(config.results.rejected_table, "rejected_rows");
  EXPECT_EQ(config.results.latest_view, "latest_predictions");
  EXPECT_EQ(config.model.path, "models");

  EXPECT_FALSE(config.scoring.threshold.has_value());
  EXPECT_EQ(config.scoring.threshold_policy.kind, ThresholdPolicy::Kind::kMaxF1);
  EXPECT_EQ(config.scoring.batch_size, 10000u);
  EXPECT_EQ(config.scoring.interval, std::chrono::seconds(300));
  EXPECT_FALSE(config.scoring.daily_at.has_value());

  const TrainingConfig& training = config.training;
  EXPECT_DOUBLE_EQ(training.test_fraction, 0.2);
  EXPECT_DOUBLE_EQ(training.validation_fraction, 0.15);
  EXPECT_EQ(training.seed, 42u);
  EXPECT_EQ(training.split, TrainingConfig::Split::kStratified);
  EXPECT_EQ(training.cv_folds, 0);
  EXPECT_EQ(training.imbalance, TrainingConfig::Imbalance::kScalePosWeight);
  EXPECT_EQ(training.num_boost_round, 1000);
  EXPECT_EQ(training.early_stopping_rounds, 50);
  EXPECT_FALSE(training.include_duration);  // duration leaks the outcome; it is left out
  EXPECT_THAT(training.xgboost, ElementsAre(Pair("colsample_bytree", "0.8"), Pair("eta", "0.05"),
                                            Pair("eval_metric", "auc"), Pair("max_depth", "4"),
                                            Pair("min_child_weight", "1"), Pair("nthread", "2"),
                                            Pair("objective", "binary:logistic"),
                                            Pair("subsample", "0.8"), Pair("tree_method", "hist")));
  EXPECT_EQ(training.promote, TrainingConfig::Promote::kIfNotWorse);
  EXPECT_DOUBLE_EQ(training.promote_tolerance, 0.005);

  EXPECT_EQ(config.logging.level, "info");
  EXPECT_FALSE(config.logging.json);
  EXPECT_FALSE(config.server.listen.has_value());  // `bankscore run` of the demo does not serve
  EXPECT_EQ(config.server.Listen().ToString(), "127.0.0.1:8080");
  EXPECT_EQ(config.server.max_body_bytes, 1u << 20);
  EXPECT_EQ(config.server.threads, 8);
  EXPECT_EQ(config.server.reports_dir, "reports");
}

TEST(ShippedConfigTest, PostgresConfigDiffersOnlyInTheDatabase) {
  const Config sqlite = LoadConfig(std::string(BANKSCORE_SOURCE_DIR) + "/config/bankscore.yaml");
  const Config postgres =
      LoadConfig(std::string(BANKSCORE_SOURCE_DIR) + "/config/bankscore-postgres.yaml");

  EXPECT_EQ(postgres.database.backend, DatabaseConfig::Backend::kPostgres);
  EXPECT_EQ(postgres.database.dsn, "host=127.0.0.1 port=5432 dbname=bank user=bankscore");
  EXPECT_EQ(postgres.database.schema, "public");
  EXPECT_EQ(postgres.database.password_file, "");
  EXPECT_EQ(postgres.database.path, "");

  EXPECT_EQ(postgres.source.FeatureColumns(), sqlite.source.FeatureColumns());
  EXPECT_EQ(postgres.source.sentinels, sqlite.source.sentinels);
  EXPECT_EQ(postgres.results.table, sqlite.results.table);
  EXPECT_EQ(postgres.model.path, sqlite.model.path);
  EXPECT_EQ(postgres.scoring.interval, sqlite.scoring.interval);
  EXPECT_EQ(postgres.training.xgboost, sqlite.training.xgboost);
  EXPECT_EQ(postgres.training.seed, sqlite.training.seed);
  EXPECT_EQ(postgres.training.promote, sqlite.training.promote);
  EXPECT_EQ(postgres.training.promote_tolerance, sqlite.training.promote_tolerance);
}

// --- Defaults and valid values ------------------------------------------------------------------

TEST(ConfigTest, MinimalConfigGetsTheDefaults) {
  const Config config = Parse(kMinimal);

  EXPECT_EQ(config.file, "test.yaml");
  EXPECT_EQ(config.database.backend, DatabaseConfig::Backend::kSqlite);
  EXPECT_EQ(config.database.connect_attempts, 5);
  EXPECT_EQ(config.database.retry_backoff, std::chrono::milliseconds(500));
  EXPECT_EQ(config.source.positive_label, "yes");
  EXPECT_TRUE(config.source.sentinels.empty());
  EXPECT_EQ(config.results.table, "predictions");
  EXPECT_EQ(config.results.latest_view, "latest_predictions");
  EXPECT_FALSE(config.scoring.threshold.has_value());
  EXPECT_EQ(config.scoring.threshold_policy.kind, ThresholdPolicy::Kind::kMaxF1);
  EXPECT_EQ(config.scoring.batch_size, 10000u);
  EXPECT_EQ(config.scoring.interval, std::chrono::seconds(300));
  EXPECT_EQ(config.training.imbalance, TrainingConfig::Imbalance::kScalePosWeight);
  EXPECT_TRUE(config.training.xgboost.empty());
  EXPECT_EQ(config.training.promote, TrainingConfig::Promote::kIfNotWorse);
  EXPECT_DOUBLE_EQ(config.training.promote_tolerance, 0.005);
  EXPECT_EQ(config.logging.level, "info");
}

// scoring.threads is spread over batches scored at once: as many as the threads, but at most
// pipeline_depth - 1 (one batch is the reader's), each XGBoost call with the threads left over.
TEST(ConfigTest, PredictThreadsAreSpreadOverTheBatchesInFlight) {
  const auto spread = [](int threads, std::size_t depth) {
    ScoringConfig scoring;
    scoring.threads = threads;
    scoring.pipeline_depth = depth;
    const ScoringConfig::Parallelism p = scoring.PredictParallelism();
    return std::make_pair(p.workers, p.threads_per_worker);
  };
  EXPECT_EQ(spread(1, 3), std::make_pair(1, 1));
  EXPECT_EQ(spread(2, 3), std::make_pair(2, 1));  // the 2-core default: 2 batches, 1 thread each
  EXPECT_EQ(spread(3, 10), std::make_pair(3, 1));
  EXPECT_EQ(spread(8, 3), std::make_pair(2, 4));
  EXPECT_EQ(spread(9, 4), std::make_pair(3, 3));
  EXPECT_EQ(spread(5, 2), std::make_pair(1, 5));  // depth 2: one batch scored at a time
  const ScoringConfig::Parallelism every_core = ScoringConfig{}.PredictParallelism();
  EXPECT_GE(every_core.workers, 1);
  EXPECT_LE(every_core.workers, 2);  // the default depth of 3
  EXPECT_GE(every_core.threads_per_worker, 1);
}

TEST(ConfigTest, FeatureColumnsAreCategoricalThenNumeric) {
  EXPECT_THAT(Parse(kMinimal).source.FeatureColumns(), ElementsAre("job", "age", "pdays"));
}

TEST(ConfigTest, ThresholdIsReadWhenSetAndUnsetWhenEmpty) {
  EXPECT_EQ(Parse(Append("scoring:\n  threshold: 0.35\n")).scoring.threshold, 0.35);
  EXPECT_EQ(Parse(Append("scoring:\n  threshold: 0\n")).scoring.threshold, 0.0);
  EXPECT_EQ(Parse(Append("scoring:\n  threshold: 1\n")).scoring.threshold, 1.0);
  EXPECT_FALSE(Parse(Append("scoring:\n  threshold: ~\n")).scoring.threshold.has_value());
}

TEST(ConfigTest, ThresholdPolicyForms) {
  const ThresholdPolicy recall =
      Parse(Append("scoring:\n  threshold_policy: {min_recall: 0.8}\n")).scoring.threshold_policy;
  EXPECT_EQ(recall.kind, ThresholdPolicy::Kind::kMinRecall);
  EXPECT_DOUBLE_EQ(recall.value, 0.8);

  const ThresholdPolicy top = Parse(Append("scoring:\n  threshold_policy:\n    top_fraction: 1\n"))
                                  .scoring.threshold_policy;
  EXPECT_EQ(top.kind, ThresholdPolicy::Kind::kTopFraction);
  EXPECT_DOUBLE_EQ(top.value, 1.0);

  const ThresholdPolicy fixed =
      Parse(Append("scoring:\n  threshold: 0.3\n  threshold_policy: fixed\n"))
          .scoring.threshold_policy;
  EXPECT_EQ(fixed.kind, ThresholdPolicy::Kind::kFixed);
  EXPECT_DOUBLE_EQ(fixed.value, 0.3);  // ChooseThreshold reads a fixed threshold from the policy

  EXPECT_EQ(Parse(Append("scoring:\n  threshold_policy: max_f1\n")).scoring.threshold_policy.kind,
            ThresholdPolicy::Kind::kMaxF1);
}

TEST(ConfigTest, PostgresBackendNeedsOnlyADsn) {
  const Config config = Parse(Replace("  path: test.db\n",
                                      "  backend: postgres\n  dsn: postgresql://scorer@db/bank\n"
                                      "  password_file: secret/pw\n  schema: scoring\n"));
  EXPECT_EQ(config.database.backend, DatabaseConfig::Backend::kPostgres);
  EXPECT_EQ(config.database.dsn, "postgresql://scorer@db/bank");
  EXPECT_EQ(config.database.password_file, "secret/pw");
  EXPECT_EQ(config.database.schema, "scoring");
}

TEST(ConfigTest, DurationsInTheConfig) {
  const Config config =
      Parse(Replace("  path: test.db\n", "  path: test.db\n  retry_backoff: 250ms\n") +
            "scoring:\n  interval: 90\n");
  EXPECT_EQ(config.database.retry_backoff, std::chrono::milliseconds(250));
  EXPECT_EQ(config.scoring.interval, std::chrono::seconds(90));

  EXPECT_EQ(Parse(Replace("  path: test.db\n", "  path: test.db\n  retry_backoff: 2\n"))
                .database.retry_backoff,
            std::chrono::milliseconds(2000));
  EXPECT_EQ(Parse(Append("scoring:\n  interval: 1h\n")).scoring.interval, std::chrono::hours(1));
}

TEST(ConfigTest, TrainingValues) {
  const Config config = Parse(Replace("[age, pdays]", "[age, pdays, duration]") + R"(training:
  split: time
  cv_folds: 5
  imbalance: smote
  smote_neighbors: 3
  seed: 18446744073709551615
  xgboost: {max_depth: 4, eta: 0.1, objective: "binary:logistic"}
)");
  const TrainingConfig& training = config.training;
  EXPECT_EQ(training.split, TrainingConfig::Split::kTime);
  EXPECT_EQ(training.cv_folds, 5);
  EXPECT_EQ(training.imbalance, TrainingConfig::Imbalance::kSmote);
  EXPECT_EQ(training.smote_neighbors, 3);
  EXPECT_EQ(training.seed, 18446744073709551615u);
  EXPECT_THAT(training.xgboost, ElementsAre(Pair("eta", "0.1"), Pair("max_depth", "4"),
                                            Pair("objective", "binary:logistic")));
  EXPECT_TRUE(training.include_duration);
}

TEST(ConfigTest, PromotionGate) {
  const Config always = Parse(Append("training:\n  promote: always\n  promote_tolerance: 0\n"));
  EXPECT_EQ(always.training.promote, TrainingConfig::Promote::kAlways);
  EXPECT_DOUBLE_EQ(always.training.promote_tolerance, 0.0);
  const Config gated =
      Parse(Append("training:\n  promote: if_not_worse\n  promote_tolerance: 0.02\n"));
  EXPECT_EQ(gated.training.promote, TrainingConfig::Promote::kIfNotWorse);
  EXPECT_DOUBLE_EQ(gated.training.promote_tolerance, 0.02);
}

TEST(ConfigErrorTest, PromotionGate) {
  EXPECT_THAT(ErrorOf(Append("training:\n  promote: if_better\n")),
              HasSubstr("test.yaml:13: training.promote: must be one of always, if_not_worse, got "
                        "'if_better'"));
  EXPECT_THAT(ErrorOf(Append("training:\n  promote: alway\n")),
              HasSubstr("(did you mean 'always'?)"));
  EXPECT_THAT(ErrorOf(Append("training:\n  promote_tolerance: -0.01\n")),
              HasSubstr("test.yaml:13: training.promote_tolerance: must be a number between 0 and "
                        "1, got -0.01"));
  EXPECT_THAT(
      ErrorOf(Append("training:\n  promote_tolerance: [0.1]\n")),
      HasSubstr("training.promote_tolerance: must be a number between 0 and 1, got a list"));
  EXPECT_THAT(ErrorOf(Append("training:\n  promote_tolerence: 0.01\n")),
              HasSubstr("unknown key 'training.promote_tolerence' (did you mean "
                        "'promote_tolerance'?)"));
}

TEST(ConfigTest, SentinelOnADottedColumn) {
  const Config config =
      Parse(Replace("[age, pdays]", "[age, emp.var.rate]\n  sentinels: {emp.var.rate: -1}"));
  EXPECT_THAT(config.source.sentinels, ElementsAre(Pair("emp.var.rate", -1.0)));
}

TEST(ConfigTest, DailyAtIsAcceptedAsHoursAndMinutes) {
  EXPECT_EQ(Parse(Append("scoring:\n  daily_at: \"06:30\"\n")).scoring.daily_at->ToString(),
            "06:30");
  EXPECT_EQ(Parse(Append("scoring:\n  daily_at: 23:59\n")).scoring.daily_at->ToString(), "23:59");
}

TEST(ConfigTest, LoggingValues) {
  const Config config = Parse(Append("logging:\n  level: debug\n  json: yes\n"));
  EXPECT_EQ(config.logging.level, "debug");
  EXPECT_TRUE(config.logging.json);
}

// --- Mistakes: each is refused, naming the file, the line and the key --------------------------

TEST(ConfigErrorTest, UnknownTopLevelKey) {
  EXPECT_THAT(ErrorOf(Append("scorng:\n  batch_size: 5\n")),
              HasSubstr("test.yaml:12: unknown key 'scorng' (did you mean 'scoring'?)"));
}

TEST(ConfigErrorTest, UnknownNestedKey) {
  EXPECT_THAT(
      ErrorOf(Append("scoring:\n  treshold: 0.5\n")),
      HasSubstr("test.yaml:13: unknown key 'scoring.treshold' (did you mean 'threshold'?)"));
  EXPECT_THAT(ErrorOf(Replace("    numeric:", "    numerical:")),
              HasSubstr("test.yaml:9: unknown key 'source.features.numerical' "
                        "(did you mean 'numeric'?)"));
}

TEST(ConfigErrorTest, UnknownKeyFarFromAnyKnownKeyListsTheKnownKeys) {
  EXPECT_THAT(ErrorOf(Append("logging:\n  colour: true\n")),
              HasSubstr("test.yaml:13: unknown key 'logging.colour' (known keys: level, json)"));
}

TEST(ConfigErrorTest, DottedKeyIsNotANestedKey) {
  EXPECT_THAT(ErrorOf(Append("x.scoring:\n  batch_size: 5\n")),
              HasSubstr("test.yaml:12: unknown key 'x.scoring'"));
}

TEST(ConfigErrorTest, KeyThatIsNotAName) {
  EXPECT_THAT(ErrorOf(Append("[a, b]: 1\n")),
              HasSubstr("test.yaml:12: key: keys must be plain names, got a list"));
}

TEST(ConfigErrorTest, DuplicateKey) {
  EXPECT_THAT(
      ErrorOf(Append("scoring:\n  batch_size: 5\n  batch_size: 6\n")),
      HasSubstr("test.yaml:14: duplicate key 'scoring.batch_size' (first given on line 13)"));
}

TEST(ConfigErrorTest, ThresholdAboveOne) {
  EXPECT_THAT(
      ErrorOf(Append("scoring:\n  threshold: 1.5\n")),
      HasSubstr("test.yaml:13: scoring.threshold: must be a number between 0 and 1, got 1.5"));
}

TEST(ConfigErrorTest, ThresholdNotANumber) {
  EXPECT_THAT(
      ErrorOf(Append("scoring:\n  threshold: high\n")),
      HasSubstr("test.yaml:13: scoring.threshold: must be a number between 0 and 1, got 'high'"));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  threshold: [0.5]\n")),
              HasSubstr("test.yaml:13: scoring.threshold: must be a number between 0 and 1, got "
                        "a list"));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  threshold: .nan\n")),
              HasSubstr("test.yaml:13: scoring.threshold: must be a number"));
}

TEST(ConfigErrorTest, BatchSizeZero) {
  EXPECT_THAT(ErrorOf(Append("scoring:\n  batch_size: 0\n")),
              HasSubstr("test.yaml:13: scoring.batch_size: must be an integer between 1 and "
                        "10000000, got 0"));
}

TEST(ConfigErrorTest, BatchSizeNotAnInteger) {
  EXPECT_THAT(ErrorOf(Append("scoring:\n  batch_size: 2.5\n")),
              HasSubstr("test.yaml:13: scoring.batch_size: must be an integer between 1 and "
                        "10000000, got 2.5"));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  batch_size: 10000001\n")),
              HasSubstr("test.yaml:13: scoring.batch_size: must be an integer"));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  batch_size: {rows: 5}\n")),
              HasSubstr("test.yaml:13: scoring.batch_size: must be an integer between 1 and "
                        "10000000, got a map"));
}

TEST(ConfigErrorTest, NegativeNumbers) {
  EXPECT_THAT(ErrorOf(Replace("  path: test.db\n", "  path: test.db\n  connect_attempts: -1\n")),
              HasSubstr("test.yaml:3: database.connect_attempts: must be an integer of at least 1, "
                        "got -1"));
  EXPECT_THAT(ErrorOf(Append("training:\n  seed: -1\n")),
              HasSubstr("test.yaml:13: training.seed: must be a non-negative integer, got -1"));
  EXPECT_THAT(ErrorOf(Append("training:\n  early_stopping_rounds: -5\n")),
              HasSubstr("test.yaml:13: training.early_stopping_rounds: must be a non-negative "
                        "integer, got -5"));
}

TEST(ConfigErrorTest, ListWhereAMapBelongs) {
  EXPECT_THAT(ErrorOf(Append("scoring: [1, 2]\n")),
              HasSubstr("test.yaml:12: scoring: must be a map, got a list"));
}

TEST(ConfigErrorTest, IdentifierWithASpace) {
  EXPECT_THAT(ErrorOf(Replace("table: clients", "table: bank clients")),
              HasSubstr("test.yaml:4: source.table: 'bank clients' is not a valid identifier "
                        "(letters, digits, '_' and '.', not starting with a digit, at most 63 "
                        "characters)"));
}

TEST(ConfigErrorTest, IdentifierWithAQuote) {
  EXPECT_THAT(ErrorOf(Replace("key: id", "key: \"id\\\"; DROP TABLE x\"")),
              HasSubstr("test.yaml:5: source.key: 'id\"; DROP TABLE x' is not a valid identifier"));
  EXPECT_THAT(ErrorOf(Replace("[job]", "[job, \"o'neil\"]")),
              HasSubstr("test.yaml:8: source.features.categorical: 'o'neil' is not a valid "
                        "identifier"));
}

TEST(ConfigErrorTest, IdentifierStartingWithADigit) {
  EXPECT_THAT(ErrorOf(Append("results:\n  runs_table: 2runs\n")),
              HasSubstr("test.yaml:13: results.runs_table: '2runs' is not a valid identifier"));
}

TEST(ConfigErrorTest, MissingRequiredKey) {
  EXPECT_THAT(ErrorOf(Replace("  table: clients\n", "")),
              HasSubstr("test.yaml: missing required key 'source.table'"));
  EXPECT_THAT(ErrorOf(Replace("model:\n  path: models/m\n", "")),
              HasSubstr("test.yaml: missing required key 'model.path'"));
  EXPECT_THAT(ErrorOf(Replace("  path: test.db\n", "  backend: sqlite\n")),
              HasSubstr("test.yaml: missing required key 'database.path'"));
}

TEST(ConfigErrorTest, EmptyString) {
  EXPECT_THAT(ErrorOf(Replace("  label: y\n", "  label: y\n  positive_label: \"\"\n")),
              HasSubstr("test.yaml:7: source.positive_label: must not be empty"));
}

TEST(ConfigErrorTest, LabelSameAsKey) {
  EXPECT_THAT(ErrorOf(Replace("label: y", "label: id")),
              HasSubstr("test.yaml:6: source.label: must differ from source.key"));
}

TEST(ConfigErrorTest, InvalidBackend) {
  EXPECT_THAT(ErrorOf(Replace("  path: test.db\n", "  backend: mysql\n  path: test.db\n")),
              HasSubstr("test.yaml:2: database.backend: must be one of sqlite, postgres, got "
                        "'mysql'"));
}

TEST(ConfigErrorTest, PostgresWithoutDsn) {
  EXPECT_THAT(ErrorOf(Replace("  path: test.db\n", "  backend: postgres\n")),
              HasSubstr("test.yaml: missing required key 'database.dsn'"));
}

TEST(ConfigErrorTest, KeyOfTheOtherBackend) {
  EXPECT_THAT(ErrorOf(Replace("  path: test.db\n", "  path: test.db\n  schema: public\n")),
              HasSubstr("test.yaml:3: database.schema: only applies to database.backend postgres"));
}

TEST(ConfigErrorTest, FixedPolicyWithoutThreshold) {
  EXPECT_THAT(ErrorOf(Append("scoring:\n  threshold_policy: fixed\n")),
              HasSubstr("test.yaml:13: scoring.threshold_policy: 'fixed' requires "
                        "scoring.threshold to be set"));
}

TEST(ConfigErrorTest, MinRecallZero) {
  EXPECT_THAT(ErrorOf(Append("scoring:\n  threshold_policy: {min_recall: 0}\n")),
              HasSubstr("test.yaml:13: scoring.threshold_policy.min_recall: must be a number "
                        "greater than 0 and at most 1, got 0"));
}

TEST(ConfigErrorTest, InvalidThresholdPolicies) {
  EXPECT_THAT(ErrorOf(Append("scoring:\n  threshold_policy: best\n")),
              HasSubstr("test.yaml:13: scoring.threshold_policy: must be fixed, max_f1, "
                        "{min_recall: R} or {top_fraction: F}, got 'best'"));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  threshold_policy: {top_fraction: 1.2}\n")),
              HasSubstr("test.yaml:13: scoring.threshold_policy.top_fraction: must be a number "
                        "greater than 0 and at most 1, got 1.2"));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  threshold_policy: {min_recal: 0.5}\n")),
              HasSubstr("test.yaml:13: unknown key 'scoring.threshold_policy.min_recal' "
                        "(did you mean 'min_recall'?)"));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  threshold_policy: {min_recall: 0.5, top_fraction: 0.1}"
                             "\n")),
              HasSubstr("test.yaml:13: scoring.threshold_policy: must have exactly one key"));
}

TEST(ConfigErrorTest, SentinelOnAColumnThatIsNotNumeric) {
  EXPECT_THAT(ErrorOf(Replace("model:", "  sentinels:\n    job: 0\nmodel:")),
              HasSubstr("test.yaml:11: source.sentinels.job: 'job' is not in "
                        "source.features.numeric"));
  EXPECT_THAT(ErrorOf(Replace("model:", "  sentinels:\n    pdays: never\nmodel:")),
              HasSubstr("test.yaml:11: source.sentinels.pdays: must be a number, got 'never'"));
}

TEST(ConfigErrorTest, DuplicateFeature) {
  EXPECT_THAT(ErrorOf(Replace("[age, pdays]", "[age, pdays, age]")),
              HasSubstr("test.yaml:9: source.features.numeric: 'age' is already listed in "
                        "source.features.numeric"));
  EXPECT_THAT(ErrorOf(Replace("[job]", "[job, age]")),
              HasSubstr("test.yaml:9: source.features.numeric: 'age' is already listed in "
                        "source.features.categorical"));
}

TEST(ConfigErrorTest, KeyOrLabelAsFeature) {
  EXPECT_THAT(ErrorOf(Replace("[age, pdays]", "[age, pdays, y]")),
              HasSubstr("test.yaml:9: source.features.numeric: 'y' is source.label"));
  EXPECT_THAT(ErrorOf(Replace("[job]", "[id, job]")),
              HasSubstr("test.yaml:8: source.features.categorical: 'id' is source.key"));
}

TEST(ConfigErrorTest, NoFeatures) {
  EXPECT_THAT(ErrorOf(Replace("    categorical: [job]\n    numeric: [age, pdays]\n",
                              "    categorical: []\n")),
              HasSubstr("test.yaml:7: source.features: must list at least one column"));
}

TEST(ConfigErrorTest, ResultTableNamedLikeTheSourceTable) {
  EXPECT_THAT(ErrorOf(Append("results:\n  table: clients\n")),
              HasSubstr("test.yaml:13: results.table: 'clients' is also the name of "
                        "source.table"));
  EXPECT_THAT(ErrorOf(Append("results:\n  latest_view: scoring_runs\n")),
              HasSubstr("test.yaml:13: results.latest_view: 'scoring_runs' is also the name of "
                        "results.runs_table"));
}

TEST(ConfigErrorTest, DurationsThatAreNotDurations) {
  EXPECT_THAT(ErrorOf(Append("scoring:\n  interval: abc\n")),
              HasSubstr("test.yaml:13: scoring.interval: must be a duration"));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  interval: 0s\n")),
              HasSubstr("test.yaml:13: scoring.interval: must be at least 1s"));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  interval: 1500ms\n")),
              HasSubstr("test.yaml:13: scoring.interval: must be a whole number of seconds"));
}

TEST(ConfigErrorTest, DailyAtThatIsNotATimeOfDay) {
  EXPECT_THAT(ErrorOf(Append("scoring:\n  daily_at: \"25:00\"\n")),
              HasSubstr("test.yaml:13: scoring.daily_at: must be a time of day as \"HH:MM\""));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  daily_at: 6:30\n")),
              HasSubstr("test.yaml:13: scoring.daily_at: must be a time of day"));
  EXPECT_THAT(
      ErrorOf(Append("scoring:\n  interval: 5m\n  daily_at: \"06:30\"\n")),
      HasSubstr("test.yaml:14: scoring.daily_at: cannot be combined with scoring.interval"));
}

TEST(ConfigErrorTest, TrainingOutOfRange) {
  EXPECT_THAT(ErrorOf(Append("training:\n  test_fraction: 0.95\n")),
              HasSubstr("test.yaml:13: training.test_fraction: must be a number greater than 0 "
                        "and at most 0.9, got 0.95"));
  EXPECT_THAT(ErrorOf(Append("training:\n  cv_folds: 1\n")),
              HasSubstr("test.yaml:13: training.cv_folds: must be 0 or an integer between 2 and "
                        "20, got 1"));
  EXPECT_THAT(ErrorOf(Append("training:\n  imbalance: smot\n")),
              HasSubstr("test.yaml:13: training.imbalance: must be one of none, scale_pos_weight, "
                        "random_oversample, smote, got 'smot' (did you mean 'smote'?)"));
  EXPECT_THAT(ErrorOf(Append("training:\n  xgboost:\n    max_depth: [4, 5]\n")),
              HasSubstr("test.yaml:14: training.xgboost.max_depth: must be a single value, got a "
                        "list"));
}

TEST(ConfigErrorTest, LoggingValues) {
  EXPECT_THAT(ErrorOf(Append("logging:\n  level: verbose\n")),
              HasSubstr("test.yaml:13: logging.level: must be one of trace, debug, info, warn, "
                        "error, got 'verbose'"));
  EXPECT_THAT(ErrorOf(Append("logging:\n  json: maybe\n")),
              HasSubstr("test.yaml:13: logging.json: must be true or false, got 'maybe'"));
}

TEST(ConfigErrorTest, YamlSyntaxError) {
  EXPECT_THAT(ErrorOf(Append("logging:\n  level: info\n    json: true\n")),
              HasSubstr("test.yaml:14: invalid YAML: illegal map value"));
}

// Found by tests/fuzz/config_fuzzer.cc: yaml-cpp's LoadAll never gets past a stray ',' and
// collected empty documents until memory ran out; bankscore hung on such a config file.
TEST(ConfigErrorTest, StrayFlowTokenIsRefusedRatherThanLoopedOn) {
  EXPECT_THAT(ErrorOf(",\nb"),
              HasSubstr("test.yaml:1: invalid YAML: the parser cannot get past this line"));
  EXPECT_THAT(ErrorOf(",ab)\nb "), HasSubstr("invalid YAML"));
  EXPECT_THAT(ErrorOf(Append("---\n,\nb\n")), HasSubstr("invalid YAML"));
}

TEST(ConfigErrorTest, DocumentThatIsNotAConfiguration) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("test.yaml: the configuration is empty"));
  EXPECT_THAT(ErrorOf("- database\n- source\n"),
              HasSubstr("test.yaml:1: the configuration must be a map of sections, got a list"));
  EXPECT_THAT(ErrorOf(Append("---\nlogging: {}\n")),
              HasSubstr("test.yaml:13: a config file holds one YAML document, found 2"));
}

TEST(ConfigErrorTest, MissingFile) {
  try {
    LoadConfig("/nonexistent/bankscore.yaml");
    FAIL() << "LoadConfig accepted a missing file";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot read config file /nonexistent/bankscore.yaml: No such "
                                    "file or directory"));
  }
}

// --- Helpers used elsewhere -------------------------------------------------------------------

TEST(ParseDurationTest, AcceptsUnitsAndPlainSeconds) {
  EXPECT_EQ(ParseDuration("5m", "k"), std::chrono::seconds(300));
  EXPECT_EQ(ParseDuration("90", "k"), std::chrono::seconds(90));
  EXPECT_EQ(ParseDuration("90s", "k"), std::chrono::seconds(90));
  EXPECT_EQ(ParseDuration("2h", "k"), std::chrono::seconds(7200));
  EXPECT_EQ(ParseDuration("3000ms", "k"), std::chrono::seconds(3));
}

TEST(ParseDurationTest, RefusesAnythingElseNamingTheKey) {
  for (const char* text :
       {"abc", "", "5 m", "1.5h", "-5s", "5d", "m", "1500ms", "99999999999999999999s"}) {
    try {
      ParseDuration(text, "scoring.interval");
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr("scoring.interval: ")) << text;
      EXPECT_THAT(e.what(), HasSubstr(std::string("'") + text + "'")) << text;
    }
  }
}

TEST(IsValidIdentifierTest, AcceptsSqlSafeNames) {
  EXPECT_TRUE(IsValidIdentifier("bank_clients"));
  EXPECT_TRUE(IsValidIdentifier("emp.var.rate"));
  EXPECT_TRUE(IsValidIdentifier("_private"));
  EXPECT_TRUE(IsValidIdentifier("Y"));
  EXPECT_TRUE(IsValidIdentifier(std::string(63, 'a')));
}

TEST(IsValidIdentifierTest, RefusesEverythingElse) {
  EXPECT_FALSE(IsValidIdentifier(""));
  EXPECT_FALSE(IsValidIdentifier(std::string(64, 'a')));
  EXPECT_FALSE(IsValidIdentifier("1st"));
  EXPECT_FALSE(IsValidIdentifier("bank clients"));
  EXPECT_FALSE(IsValidIdentifier("a\"b"));
  EXPECT_FALSE(IsValidIdentifier("a'b"));
  EXPECT_FALSE(IsValidIdentifier("a-b"));
  EXPECT_FALSE(IsValidIdentifier("a;b"));
  EXPECT_FALSE(IsValidIdentifier("caf\xc3\xa9"));
}

// --- server (issue 13) -------------------------------------------------------------------------

TEST(ServerConfigTest, DefaultsWhenTheSectionIsAbsent) {
  const Config config = Parse(kMinimal);
  EXPECT_FALSE(config.server.listen.has_value());  // `bankscore run` does not serve
  EXPECT_EQ(config.server.Listen().ToString(), "127.0.0.1:8080");
  EXPECT_EQ(config.server.token_file, "");
  EXPECT_EQ(config.server.max_body_bytes, 1u << 20);
  EXPECT_EQ(config.server.threads, 8);
  EXPECT_EQ(config.server.reports_dir, "");
}

TEST(ServerConfigTest, ValuesAndListenForms) {
  const Config config =
      Parse(Append("server:\n  listen: 0.0.0.0:9090\n  token_file: /run/secrets/token\n"
                   "  max_body_bytes: 4096\n  threads: 2\n  reports_dir: reports\n"));
  ASSERT_TRUE(config.server.listen.has_value());
  EXPECT_EQ(config.server.listen->host, "0.0.0.0");
  EXPECT_EQ(config.server.listen->port, 9090);
  EXPECT_EQ(config.server.token_file, "/run/secrets/token");
  EXPECT_EQ(config.server.max_body_bytes, 4096u);
  EXPECT_EQ(config.server.threads, 2);
  EXPECT_EQ(config.server.reports_dir, "reports");
  EXPECT_EQ(Parse(Append("server:\n  listen: \"[::1]:80\"\n")).server.Listen().ToString(),
            "[::1]:80");
  EXPECT_EQ(Parse(Append("server:\n  listen: localhost:0\n")).server.Listen().port, 0);
}

TEST(ServerConfigErrorTest, BadValuesNameTheKey) {
  for (const char* bad : {"8080", "example.com:80", "127.0.0.1:65536", "127.0.0.1:", "[::1]",
                          "[zz]:80", "127.0.0.1:-1", "1.2.3:80"}) {
    EXPECT_THAT(ErrorOf(Append(std::string("server:\n  listen: \"") + bad + "\"\n")),
                HasSubstr("test.yaml:13: server.listen: must be HOST:PORT"))
        << bad;
  }
  EXPECT_THAT(ErrorOf(Append("server:\n  max_body_bytes: 10\n")),
              HasSubstr("test.yaml:13: server.max_body_bytes: must be an integer between 1024"));
  EXPECT_THAT(ErrorOf(Append("server:\n  threads: 0\n")),
              HasSubstr("test.yaml:13: server.threads: must be an integer between 1 and 256"));
  EXPECT_THAT(ErrorOf(Append("server:\n  port: 80\n")),
              HasSubstr("test.yaml:13: unknown key 'server.port'"));
}

}  // namespace
}  // namespace bankscore

namespace bankscore {
namespace {

TEST(ConfigTest, ExplainTopDefaultsToThreeAndZeroTurnsReasonsOff) {
  EXPECT_EQ(Parse(kMinimal).scoring.explain_top, 3u);
  EXPECT_EQ(Parse(kMinimal).results.reasons_table, "prediction_reasons");
  EXPECT_EQ(Parse(Append("scoring:\n  explain_top: 0\n")).scoring.explain_top, 0u);
  EXPECT_EQ(Parse(Append("scoring:\n  explain_top: 5\n")).scoring.explain_top, 5u);
  EXPECT_EQ(Parse(Append("results:\n  reasons_table: why\n")).results.reasons_table, "why");
}

TEST(ConfigTest, ExplainTopOutsideItsRangeOrNotAnIntegerIsRefused) {
  EXPECT_THAT(ErrorOf(Append("scoring:\n  explain_top: -1\n")),
              HasSubstr("scoring.explain_top: must be an integer between 0 (no reasons) and 20"));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  explain_top: 21\n")), HasSubstr("scoring.explain_top"));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  explain_top: three\n")),
              HasSubstr("scoring.explain_top"));
  EXPECT_THAT(ErrorOf(Append("scoring:\n  explain_tops: 3\n")),
              HasSubstr("unknown key 'scoring.explain_tops' (did you mean 'explain_top'?)"));
}

TEST(ConfigTest, ReasonsTableNeedsANameOfItsOwn) {
  EXPECT_THAT(ErrorOf(Append("results:\n  reasons_table: predictions\n")),
              HasSubstr("'predictions' is also the name of results.table"));
}

TEST(ConfigTest, MonitoringDefaultsAndValues) {
  const MonitoringConfig defaults = Parse(kMinimal).monitoring;
  EXPECT_EQ(defaults.psi_warn, 0.1);
  EXPECT_EQ(defaults.psi_alert, 0.25);
  EXPECT_EQ(defaults.min_rows, 500);
  EXPECT_EQ(Parse(kMinimal).results.drift_table, "run_drift");
  const MonitoringConfig set =
      Parse(Append("monitoring:\n  psi_warn: 0.2\n  psi_alert: 0.5\n  min_rows: 0\n")).monitoring;
  EXPECT_EQ(set.psi_warn, 0.2);
  EXPECT_EQ(set.psi_alert, 0.5);
  EXPECT_EQ(set.min_rows, 0);
  // psi_warn above the default alert is fine when psi_alert is raised too.
  EXPECT_EQ(Parse(Append("monitoring:\n  psi_alert: 2\n  psi_warn: 1\n")).monitoring.psi_warn, 1);
  EXPECT_EQ(Parse(Append("results:\n  drift_table: psi\n")).results.drift_table, "psi");
}

TEST(ConfigTest, MonitoringOutOfRangeIsRefusedNamingTheKeyAndLine) {
  EXPECT_EQ(ErrorOf(Append("monitoring:\n  psi_warn: 0\n")),
            "test.yaml:13: monitoring.psi_warn: must be a number greater than 0, got 0");
  EXPECT_EQ(ErrorOf(Append("monitoring:\n  psi_alert: -1\n")),
            "test.yaml:13: monitoring.psi_alert: must be a number greater than 0, got -1");
  EXPECT_EQ(ErrorOf(Append("monitoring:\n  psi_warn: 0.3\n  psi_alert: 0.2\n")),
            "test.yaml:14: monitoring.psi_alert: monitoring.psi_alert (0.2) must be greater than "
            "monitoring.psi_warn (0.3)");
  // Only psi_warn set, at or above the default alert: blamed on psi_warn.
  EXPECT_EQ(ErrorOf(Append("monitoring:\n  psi_warn: 0.25\n")),
            "test.yaml:13: monitoring.psi_warn: monitoring.psi_alert (0.25) must be greater than "
            "monitoring.psi_warn (0.25)");
  EXPECT_EQ(ErrorOf(Append("monitoring:\n  min_rows: -5\n")),
            "test.yaml:13: monitoring.min_rows: must be a non-negative integer, got -5");
  EXPECT_THAT(ErrorOf(Append("monitoring:\n  min_row: 5\n")),
              HasSubstr("unknown key 'monitoring.min_row' (did you mean 'min_rows'?)"));
  EXPECT_THAT(ErrorOf(Append("results:\n  drift_table: scoring_runs\n")),
              HasSubstr("'scoring_runs' is also the name of results.runs_table"));
}

// results.partition_by (issue 15): model_version on PostgreSQL; refused on SQLite, and any
// other value refused naming the key.
TEST(ConfigTest, PartitionByIsModelVersionOnPostgresOnly) {
  const std::string postgres =
      Replace("  path: test.db\n", "  backend: postgres\n  dsn: postgresql://scorer@db/bank\n");
  EXPECT_TRUE(Parse(postgres + "results:\n  partition_by: model_version\n")
                  .results.partition_by_model_version);
  EXPECT_FALSE(Parse(postgres).results.partition_by_model_version);
  EXPECT_THAT(ErrorOf(postgres + "results:\n  partition_by: run_id\n"),
              ::testing::AllOf(HasSubstr("results.partition_by"),
                               HasSubstr("must be one of model_version")));
  EXPECT_THAT(ErrorOf(Append("results:\n  partition_by: model_version\n")),
              ::testing::AllOf(HasSubstr("results.partition_by"),
                               HasSubstr("only applies to database.backend postgres")));
}

}  // namespace
}  // namespace bankscore
