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
  std::size_t pipeline_depth = 3;      // batches in flight between reading, scoring and writing
  int threads = 0;                     // XGBoost prediction threads; 0: every core
  std::chrono::seconds interval{300};  // daemon: time between cycles
  std::optional<TimeOfDay> daily_at;   // daemon: daily at this UTC time instead of interval
};

struct TrainingConfig {
  enum class Split { kStratified, kTime };
  enum class Imbalance { kNone, kScalePosWeight, kRandomOversample, kSmote };
  double test_fraction = 0.2;
  double validation_fraction = 0.15;  // carved from the training part, for early stopping
  std::uint64_t seed = 42;
  Split split = Split::kStratified;
  int cv_folds = 0;  // 0: no cross-validation
  Imbalance imbalance = Imbalance::kScalePosWeight;
  int smote_neighbors = 5;
  int num_boost_round = 1000;
  int early_stopping_rounds = 50;
  bool include_duration = false;  // informational: set when `duration` is among the features
  std::map<std::string, std::string> xgboost;  // passed to XGBoosterSetParam as is
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
  LoadingConfig load;
  FilesConfig files;
  LoggingConfig logging;
  ServerConfig server;  // issue 13
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
