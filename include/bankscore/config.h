// The validated bankscore configuration.
//
// The YAML file is parsed exactly once, by LoadConfig, into a Config value. Every key is checked
// (unknown keys, wrong types, out-of-range numbers, invalid SQL identifiers); the first problem is
// thrown as ConfigError naming the key, the file and the line. After that, code reads the struct
// and never the YAML. A Config is a plain value: copy it freely.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bankscore {

struct DatabaseConfig {
  enum class Backend { kSqlite, kPostgres };
  Backend backend = Backend::kSqlite;
  std::string path;                              // sqlite: database file
  std::string dsn;                               // postgres: libpq connection string or URI
  std::string password_file;                     // postgres: optional file holding the password
  std::string schema;                            // postgres: optional schema for all tables
  int connect_attempts = 5;                      // attempts per operation on a transient failure
  std::chrono::milliseconds retry_backoff{500};  // doubled after every failed attempt
};

struct SourceConfig {
  std::string table = "bank_clients";
  std::string key = "client_id";
  std::string label = "y";
  std::string positive_label = "yes";  // the label value that counts as class 1
  std::vector<std::string> categorical;
  std::vector<std::string> numeric;
  // Numeric values that mean "no value" (pdays = 999): the encoder adds a flag column and treats
  // the value as missing.
  std::map<std::string, double> sentinels;
  // Plausible [min, max] of numeric features: a row with a value outside is rejected, with the
  // reason, instead of being scored.
  std::map<std::string, std::pair<double, double>> ranges;
  // Label values that count as class 0. Empty: the one value besides positive_label (training
  // refuses a label column with more than two values then, naming them).
  std::vector<std::string> negative_labels;
  bool label_case_insensitive = false;  // "YES" is "yes"

  std::vector<std::string> FeatureColumns() const;  // categorical then numeric
  std::string Identity() const;                     // "table(key)", as results tables record it
};

struct ResultsConfig {
  std::string table = "predictions";
  std::string runs_table = "scoring_runs";
  std::string rejected_table = "rejected_rows";
  std::string latest_view = "latest_predictions";
  // Per prediction, its top scoring.explain_top reasons (rank 1..K), written with the prediction.
  std::string reasons_table = "prediction_reasons";
  // Per scoring run, the PSI of every feature column and of the probability (bankscore drift).
  std::string drift_table = "run_drift";
  // Key ranges claimed by the scoring workers of `score/run --workers N` (PostgreSQL only).
  std::string leases_table = "scoring_leases";
  // One row per model version: when the scorer last looked for unscored rows (issue 15).
  std::string checks_table = "scoring_checks";
  // One row per model version `bankscore prune` removed, with what it removed.
  std::string prunes_table = "pruned_versions";
  // results.partition_by: model_version (PostgreSQL only): the predictions and reasons tables are
  // LIST-partitioned by model version, one partition per version, so prune drops a partition.
  bool partition_by_model_version = false;
};

// Drift per scoring run (README "Drift"): the Population Stability Index of each column against the
// model's training profile. Validated: 0 < psi_warn < psi_alert, min_rows >= 0.
struct MonitoringConfig {
  double psi_warn = 0.1;        // PSI from which a column's status is warn
  double psi_alert = 0.25;      // PSI from which it is alert (logged at WARN, named in the message)
  std::int64_t min_rows = 500;  // a run of fewer scored rows gets PSI but no status
};

struct ModelConfig {
  std::string path = "models/current";
};

struct ThresholdPolicy {
  enum class Kind { kFixed, kMaxF1, kMinRecall, kTopFraction };
  Kind kind = Kind::kMaxF1;
  double value = 0.0;  // R for kMinRecall, F for kTopFraction
};

// A time of day on the 24-hour clock, in UTC.
struct TimeOfDay {
  int hour = 0;                  // 0..23
  int minute = 0;                // 0..59
  std::string ToString() const;  // "06:30"
};

struct ScoringConfig {
  std::optional<double> threshold;  // when set, overrides the model bundle's threshold
  ThresholdPolicy threshold_policy;
  std::size_t batch_size = 10000;
  std::size_t pipeline_depth = 3;  // batches in flight between reading, scoring and writing
  int threads = 0;                 // XGBoost prediction threads; 0: every core
  // How `threads` is spread: `workers` batches are encoded and predicted at once (at most
  // pipeline_depth - 1, so a batch is left for the reader), each XGBoost call on
  // `threads_per_worker` threads. A batch per thread keeps the cores busy while the reader and
  // writer take turns on them; one batch on every thread waits for its slowest thread.
  struct Parallelism {
    int workers = 1;
    int threads_per_worker = 1;
  };
  Parallelism PredictParallelism() const;
  // Reasons stored per prediction: the K source columns with the largest |TreeSHAP contribution|
  // (log-odds). 0: none, and no contributions are computed.
  std::size_t explain_top = 3;
  std::chrono::seconds interval{300};  // daemon: time between cycles
  std::optional<TimeOfDay> daily_at;   // daemon: daily at this UTC time instead of interval
  // --workers (PostgreSQL): source rows per claimed key range, and how long a range's heartbeat
  // may be silent before another worker takes the range over.
  std::int64_t lease_rows = 50000;
  std::chrono::milliseconds lease_timeout{60000};
};

struct TrainingConfig {
  enum class Split { kStratified, kTime };
  enum class Imbalance { kNone, kScalePosWeight, kRandomOversample, kSmote };
  enum class Calibration { kNone, kIsotonic, kSigmoid };
  // What the saved booster is refitted on once early stopping has chosen the rounds:
  // kTrainAndValidation every labelled row but the test split; kAllLabelled every labelled row
  // (the reported test metrics then come from the model before the refit).
  enum class FinalFit { kTrainAndValidation, kAllLabelled };
  // Whether `train` makes its new model current: always, or only if its test ROC AUC is at least
  // the current model's on the same test rows minus promote_tolerance (else it stays a candidate).
  enum class Promote { kAlways, kIfNotWorse };
  double test_fraction = 0.2;
  double validation_fraction = 0.15;  // carved from the training part, for early stopping
  std::uint64_t seed = 42;
  Split split = Split::kStratified;
  int cv_folds = 0;  // 0: no cross-validation
  Imbalance imbalance = Imbalance::kScalePosWeight;
  int smote_neighbors = 5;
  int num_boost_round = 1000;
  int early_stopping_rounds = 50;
  Calibration calibration = Calibration::kIsotonic;  // fitted on the validation split
  FinalFit final_fit = FinalFit::kTrainAndValidation;
  bool include_duration = false;  // informational: set when `duration` is among the features
  std::map<std::string, std::string> xgboost;  // passed to XGBoosterSetParam as is
  Promote promote = Promote::kIfNotWorse;
  double promote_tolerance = 0.005;  // ROC AUC a new model may lose and still become current
};

// What reports say about the data; both optional (reports then name the table).
struct ReportConfig {
  std::string title;        // e.g. "Term deposit campaign, spring 2026"
  std::string data_source;  // e.g. "CRM extract of 2026-03-01"
};

// Files bankscore creates (the SQLite database, model bundles, reports) hold client data.
struct FilesConfig {
  unsigned umask = 077;  // applied by main(): files 0600, directories 0700
};

// How `bankscore load` reads CSV files.
struct LoadingConfig {
  char separator = ';';
  std::size_t max_field_bytes = 1 << 20;  // a longer field (or record) is refused with its line
};

struct LoggingConfig {
  std::string level = "info";  // trace, debug, info, warn, error
  bool json = false;           // one JSON object per line
};

// --- Customer segmentation (bankscore segment) --------------------------------------------------

// K-means segmentation of the source rows: which columns, how many segments, and where the
// segments go. The columns default to the model's features (source.features).
struct SegmentationConfig {
  std::vector<std::string> categorical;  // one-hot encoded
  std::vector<std::string> numeric;      // standardised; source.sentinels apply to them
  std::optional<int> k;                  // a fixed number of segments; nullopt: `auto`
  int k_min = 2;                         // `auto` picks the best silhouette in [k_min, k_max];
  int k_max = 10;                        // the report's elbow and silhouette curves span it
  std::uint64_t seed = 42;               // sampling, K-means++ and restarts
  std::size_t sample = 50000;            // rows the model is fitted on (every row is assigned)
  int n_init = 10;                       // K-means restarts per k; the lowest inertia wins
  std::size_t silhouette_sample = 5000;  // rows of the sample the silhouette is computed on
  std::string table = "segments";
  std::string profiles_table = "segment_profiles";
  std::string models_table = "segmentations";
  std::string view = "segmented_predictions";
  bool assign_on_run = false;  // the daemon assigns new rows after each scoring cycle

  std::vector<std::string> Columns() const;  // categorical then numeric
};

// --- server (issue 13): the HTTP service of `bankscore serve`, and of `bankscore run` when
// `listen` is set. -------------------------------------------------------------------------------

// A host and TCP port to listen on. host is an IPv4 address, "localhost" or an IPv6 address
// (written "[::1]:8080" in the file, stored without brackets); port 0 lets the system choose a
// free port (the log names it).
struct ListenAddress {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string ToString() const;  // "127.0.0.1:8080", "[::1]:8080"
  bool operator==(const ListenAddress& o) const { return host == o.host && port == o.port; }
  bool operator!=(const ListenAddress& o) const { return !(*this == o); }
};

struct ServerConfig {
  // Set only when the file sets server.listen: `bankscore run` serves only then, while
  // `bankscore serve` uses Listen(), the loopback default, when it is not set.
  std::optional<ListenAddress> listen;
  // When set, every /v1/ request (and every page) needs the token in this file as
  // "Authorization: Bearer <token>"; pages also take it as the password of HTTP Basic auth.
  std::string token_file;
  std::size_t max_body_bytes = 1 << 20;  // larger request bodies get 413
  int threads = 8;                       // requests served at once (connections kept alive)
  // Where `bankscore report` / `profile` write: the dashboard links report.html and profile.html
  // found there. Empty: no links.
  std::string reports_dir;

  ListenAddress Listen() const { return listen.value_or(ListenAddress{}); }
};

struct Config {
  std::string file;  // where it was loaded from, for messages
  DatabaseConfig database;
  SourceConfig source;
  ResultsConfig results;
  ModelConfig model;
  ScoringConfig scoring;
  TrainingConfig training;
  ReportConfig report;
  LoadingConfig load;
  FilesConfig files;
  LoggingConfig logging;
  SegmentationConfig segmentation;
  ServerConfig server;  // issue 13
  MonitoringConfig monitoring;
};

// Reads and validates a YAML file. Throws ConfigError naming the key (and file:line) on any
// problem.
Config LoadConfig(const std::string& path);

// Same, from text; `source_name` stands in for the file name in messages.
Config ParseConfig(const std::string& yaml_text, const std::string& source_name);

// True when `name` is acceptable as a table or column name: letters, digits, '_' and '.', not
// starting with a digit, at most 63 characters. Names are always quoted in SQL as well.
bool IsValidIdentifier(const std::string& name);

// Parses "90s", "5m", "1h", "300" (seconds). Throws ConfigError mentioning `key`.
std::chrono::seconds ParseDuration(const std::string& text, const std::string& key);

}  // namespace bankscore
