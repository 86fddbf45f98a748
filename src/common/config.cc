// Parsing and validation of the bankscore YAML configuration.
//
// yaml-cpp loads the document once; the code below walks it section by section and copies every
// value into Config. Each value is read through a Field, which remembers the dotted key and the
// line it came from, so every error can say exactly which line of which file to fix. Nothing
// outside this file ever sees a YAML node.

#include "bankscore/config.h"

#include <arpa/inet.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string_view>
#include <thread>
#include <utility>

#include "bankscore/error.h"
#include "common/files.h"
#include "common/text.h"

namespace bankscore {
namespace {

constexpr std::size_t kMaxIdentifierLength = 63;  // PostgreSQL truncates longer names silently
// "_v_" and 12 hex digits: the suffix of a partition's name (results.partition_by).
constexpr std::size_t kPartitionSuffixLength = 15;
constexpr char kIdentifierRule[] =
    "letters, digits, '_' and '.', not starting with a digit, at most 63 characters";
constexpr char kDurationRule[] =
    "a whole number with a unit: 250ms, 90s, 5m, 1h; a plain number means seconds";

// A value in the document, with what an error message about it needs.
struct Field {
  std::string_view file;
  std::string key;  // full dotted key, e.g. "scoring.threshold"
  YAML::Node node;  // the value; a Null node when the key is absent
  YAML::Mark mark;  // where the key (or the list item) is; null when the key is absent
};

std::string Location(std::string_view file, const YAML::Mark& mark) {
  std::string location(file);
  if (!mark.is_null()) location += ":" + std::to_string(mark.line + 1);  // yaml-cpp counts from 0
  return location;
}

[[noreturn]] void Fail(const Field& field, const std::string& problem) {
  throw ConfigError(Location(field.file, field.mark) + ": " + field.key + ": " + problem);
}

// ---------------------------------------------------------------------------------------------
// Scalar parsing, independent of YAML.

// "250ms", "90s", "5m", "1h" or a plain integer (seconds), in milliseconds.
std::optional<std::chrono::milliseconds> ParseMilliseconds(const std::string& text) {
  const auto digits_end =
      std::find_if(text.begin(), text.end(), [](char c) { return c < '0' || c > '9'; });
  const std::string_view digits(text.data(), digits_end - text.begin());
  const std::string_view unit(text.data() + digits.size(), text.size() - digits.size());
  const auto amount = ParseInteger<std::int64_t>(digits);
  if (digits.empty() || !amount) return std::nullopt;

  std::int64_t scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1000;
  } else if (unit == "ms") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60 * 1000;
  } else if (unit == "h") {
    scale = 60 * 60 * 1000;
  } else {
    return std::nullopt;
  }
  if (*amount > std::numeric_limits<std::int64_t>::max() / scale) return std::nullopt;
  return std::chrono::milliseconds(*amount * scale);
}

std::string NotADuration(const std::string& shown) {
  return "must be a duration (" + std::string(kDurationRule) + "), got " + shown;
}

std::string NotWholeSeconds(const std::string& text) {
  return "must be a whole number of seconds, got '" + text + "'";
}

// Levenshtein distance, for "did you mean" hints.
std::size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean 'x'?)" for the closest candidate within two edits, else "".
std::string Suggestion(const std::string& wrong, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t best_distance = 3;
  for (const std::string& candidate : candidates) {
    const std::size_t distance = EditDistance(wrong, candidate);
    if (distance < best_distance && distance < wrong.size()) {
      best = &candidate;
      best_distance = distance;
    }
  }
  return best ? " (did you mean '" + *best + "'?)" : "";
}

// ---------------------------------------------------------------------------------------------
// Typed readers. Each takes a Field and either returns the value or throws naming the field.

// How an offending value is shown: "1.5", "'high'", "a list".
std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return ParseNumber(node.Scalar()) ? node.Scalar() : "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "no value";
  }
}

// Quoted scalars are accepted wherever plain ones are: `batch_size: "500"` is unambiguous.
std::string ReadString(const Field& field) {
  if (!field.node.IsScalar()) Fail(field, "must be a string, got " + Describe(field.node));
  if (field.node.Scalar().empty()) Fail(field, "must not be empty");
  return field.node.Scalar();
}

std::string ReadIdentifier(const Field& field) {
  std::string name = ReadString(field);
  if (!IsValidIdentifier(name)) {
    Fail(field, "'" + name + "' is not a valid identifier (" + kIdentifierRule + ")");
  }
  return name;
}

// `expected` completes "must be ...", e.g. "a number between 0 and 1".
double ReadNumber(const Field& field, const std::string& expected,
                  const std::function<bool(double)>& in_range) {
  std::optional<double> value;
  if (field.node.IsScalar()) value = ParseNumber(field.node.Scalar());
  if (!value || !in_range(*value)) {
    Fail(field, "must be " + expected + ", got " + Describe(field.node));
  }
  return *value;
}

template <typename Int>
Int ReadInteger(const Field& field, Int min, Int max, const std::string& expected) {
  std::optional<Int> value;
  if (field.node.IsScalar()) value = ParseInteger<Int>(field.node.Scalar());
  if (!value || *value < min || *value > max) {
    Fail(field, "must be " + expected + ", got " + Describe(field.node));
  }
  return *value;
}

bool ReadBool(const Field& field) {
  bool value = false;
  if (!field.node.IsScalar() || !YAML::convert<bool>::decode(field.node, value)) {
    Fail(field, "must be true or false, got " + Describe(field.node));
  }
  return value;
}

// Returns the index of the chosen value in `choices`.
std::size_t ReadChoice(const Field& field, const std::vector<std::string>& choices) {
  if (field.node.IsScalar()) {
    const auto it = std::find(choices.begin(), choices.end(), field.node.Scalar());
    if (it != choices.end()) return it - choices.begin();
  }
  const std::string hint =
      field.node.IsScalar() ? Suggestion(field.node.Scalar(), choices) : std::string();
  Fail(field, "must be one of " + Join(choices) + ", got " + Describe(field.node) + hint);
}

std::chrono::milliseconds ReadMilliseconds(const Field& field) {
  std::optional<std::chrono::milliseconds> value;
  if (field.node.IsScalar()) value = ParseMilliseconds(field.node.Scalar());
  if (!value) Fail(field, NotADuration(Describe(field.node)));
  return *value;
}

std::chrono::seconds ReadSeconds(const Field& field) {
  const std::chrono::milliseconds value = ReadMilliseconds(field);
  if (value.count() % 1000 != 0) Fail(field, NotWholeSeconds(field.node.Scalar()));
  return std::chrono::duration_cast<std::chrono::seconds>(value);
}

// The items of a list; an empty value counts as an empty list.
std::vector<Field> ReadList(const Field& field) {
  std::vector<Field> items;
  if (field.node.IsNull()) return items;
  if (!field.node.IsSequence()) Fail(field, "must be a list, got " + Describe(field.node));
  for (const YAML::Node& item : field.node) {
    items.push_back(Field{field.file, field.key, item, item.Mark()});
  }
  return items;
}

// "parent.name", or just "name" at the top level.
std::string JoinKey(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "." + name;
}

// One key of a map and its value. `name` is the key as written, which may itself contain dots
// (a sentinel for emp.var.rate), so it is kept apart from the dotted `value.key`.
struct Entry {
  std::string name;
  Field value;
};

// The entries of a map with arbitrary keys, in document order. Refuses keys that are not plain
// strings and keys given twice (yaml-cpp keeps both, and a silent "last one wins" hides typos).
// An empty value counts as an empty map, so a section whose keys are all commented out is fine.
std::vector<Entry> ReadEntries(const Field& field) {
  std::vector<Entry> entries;
  if (field.node.IsNull()) return entries;
  if (!field.node.IsMap()) Fail(field, "must be a map, got " + Describe(field.node));
  for (const auto& pair : field.node) {
    const YAML::Node& key = pair.first;
    if (!key.IsScalar() || key.Scalar().empty()) {
      Fail(Field{field.file, field.key.empty() ? "key" : field.key, key, key.Mark()},
           "keys must be plain names, got " + Describe(key));
    }
    const std::string dotted = JoinKey(field.key, key.Scalar());
    for (const Entry& earlier : entries) {
      if (earlier.name == key.Scalar()) {
        throw ConfigError(Location(field.file, key.Mark()) + ": duplicate key '" + dotted +
                          "' (first given on line " + std::to_string(earlier.value.mark.line + 1) +
                          ")");
      }
    }
    entries.push_back(Entry{key.Scalar(), Field{field.file, dotted, pair.second, key.Mark()}});
  }
  return entries;
}

// A map whose keys come from a fixed list. The constructor refuses anything else in it, so the
// readers below only have to handle "present" and "absent".
class Section {
 public:
  Section(const Field& field, std::vector<std::string> known)
      : field_(field), entries_(ReadEntries(field)) {
    for (const Entry& entry : entries_) {
      if (std::find(known.begin(), known.end(), entry.name) == known.end()) {
        const std::string suggestion = Suggestion(entry.name, known);
        throw ConfigError(Location(field.file, entry.value.mark) + ": unknown key '" +
                          entry.value.key + "'" +
                          (suggestion.empty() ? " (known keys: " + Join(known) + ")" : suggestion));
      }
    }
  }

  const Field& field() const { return field_; }
  const std::vector<Entry>& entries() const { return entries_; }

  std::optional<Field> Find(const std::string& name) const {
    for (const Entry& entry : entries_) {
      if (entry.name == name) return entry.value;
    }
    return std::nullopt;
  }

  // Like Find, but an explicit empty value (`threshold: ~`) also means "not set". Only for keys
  // that are optional without a default.
  std::optional<Field> FindSet(const std::string& name) const {
    std::optional<Field> entry = Find(name);
    if (entry && entry->node.IsNull()) return std::nullopt;
    return entry;
  }

  Field Require(const std::string& name) const {
    std::optional<Field> entry = Find(name);
    if (!entry) {
      throw ConfigError(std::string(field_.file) + ": missing required key '" +
                        JoinKey(field_.key, name) + "'");
    }
    return *entry;
  }

  // A nested section; an absent one is empty.
  Section Child(const std::string& name, std::vector<std::string> known) const {
    std::optional<Field> entry = Find(name);
    return Section(entry ? *entry
                         : Field{field_.file, JoinKey(field_.key, name), YAML::Node(),
                                 YAML::Mark::null_mark()},
                   std::move(known));
  }

 private:
  Field field_;
  std::vector<Entry> entries_;
};

// ---------------------------------------------------------------------------------------------
// Sections.

DatabaseConfig ReadDatabase(const Section& section) {
  DatabaseConfig database;
  if (auto backend = section.Find("backend")) {
    database.backend = ReadChoice(*backend, {"sqlite", "postgres"}) == 0
                           ? DatabaseConfig::Backend::kSqlite
                           : DatabaseConfig::Backend::kPostgres;
  }
  // A key of the other backend would be silently ignored, which is never what the user meant
  // (e.g. a schema set for SQLite), so it is refused.
  const bool sqlite = database.backend == DatabaseConfig::Backend::kSqlite;
  for (const char* name : {"path", "dsn", "password_file", "schema"}) {
    const bool sqlite_key = std::string_view(name) == "path";
    if (auto entry = section.Find(name); entry && sqlite_key != sqlite) {
      Fail(*entry, std::string("only applies to database.backend ") +
                       (sqlite ? "postgres" : "sqlite") + ", but the backend is " +
                       (sqlite ? "sqlite" : "postgres"));
    }
  }
  if (sqlite) {
    database.path = ReadString(section.Require("path"));
  } else {
    database.dsn = ReadString(section.Require("dsn"));
    if (auto entry = section.FindSet("password_file")) database.password_file = ReadString(*entry);
    if (auto entry = section.FindSet("schema")) database.schema = ReadIdentifier(*entry);
  }
  if (auto entry = section.Find("connect_attempts")) {
    database.connect_attempts = ReadInteger<int>(*entry, 1, INT_MAX, "an integer of at least 1");
  }
  if (auto entry = section.Find("retry_backoff")) database.retry_backoff = ReadMilliseconds(*entry);
  return database;
}

// Reads a list of feature columns into `columns`, refusing names seen before in `seen` (the key,
// the label and every feature listed so far, each with a note saying what it already is).
void ReadFeatureList(const Section& features, const std::string& name,
                     std::vector<std::pair<std::string, std::string>>& seen,
                     std::vector<std::string>& columns) {
  const std::optional<Field> list = features.Find(name);
  if (!list) return;
  for (const Field& item : ReadList(*list)) {
    const std::string column = ReadIdentifier(item);
    for (const auto& [other, what] : seen) {
      if (other == column) Fail(item, "'" + column + "' is " + what);
    }
    seen.emplace_back(column, "already listed in " + item.key);
    columns.push_back(column);
  }
}

// source.ranges: {column: [min, max]} for numeric features; rows outside are rejected.
void ReadRanges(const Field& field, SourceConfig& source) {
  for (const auto& [column, value] : ReadEntries(field)) {
    if (std::find(source.numeric.begin(), source.numeric.end(), column) == source.numeric.end()) {
      Fail(value, "'" + column + "' is not in source.features.numeric; ranges apply to numeric " +
                      "features only");
    }
    const std::vector<Field> bounds = ReadList(value);
    const auto any = [](double) { return true; };
    if (bounds.size() != 2) Fail(value, "must be [min, max], got " + Describe(value.node));
    const double low = ReadNumber(bounds[0], "a number", any);
    const double high = ReadNumber(bounds[1], "a number", any);
    if (low > high) Fail(value, "the minimum must not exceed the maximum");
    source.ranges[column] = {low, high};
  }
}

// Which label values are negatives: source.negative_labels, compared case-insensitively with
// source.label_case_insensitive.
void ReadLabelValues(const Section& section, SourceConfig& source) {
  if (auto entry = section.Find("negative_labels")) {
    for (const Field& item : ReadList(*entry)) {
      const std::string value = ReadString(item);
      if (value == source.positive_label) {
        Fail(item, "'" + value + "' is also source.positive_label");
      }
      source.negative_labels.push_back(value);
    }
    if (source.negative_labels.empty()) Fail(*entry, "must list at least one value");
  }
  if (auto entry = section.Find("label_case_insensitive")) {
    source.label_case_insensitive = ReadBool(*entry);
  }
}

SourceConfig ReadSource(const Section& section) {
  SourceConfig source;
  source.table = ReadIdentifier(section.Require("table"));
  source.key = ReadIdentifier(section.Require("key"));
  const Field label = section.Require("label");
  source.label = ReadIdentifier(label);
  if (source.label == source.key) Fail(label, "must differ from source.key");
  if (auto entry = section.Find("positive_label")) source.positive_label = ReadString(*entry);

  const Section features(section.Require("features"), {"categorical", "numeric"});
  std::vector<std::pair<std::string, std::string>> seen = {
      {source.key, "source.key, which cannot also be a feature"},
      {source.label, "source.label, which cannot also be a feature (it would leak the outcome)"}};
  ReadFeatureList(features, "categorical", seen, source.categorical);
  ReadFeatureList(features, "numeric", seen, source.numeric);
  if (source.categorical.empty() && source.numeric.empty()) {
    Fail(features.field(), "must list at least one column in categorical or numeric");
  }

  if (auto sentinels = section.Find("sentinels")) {
    for (const auto& [column, value] : ReadEntries(*sentinels)) {
      if (std::find(source.numeric.begin(), source.numeric.end(), column) == source.numeric.end()) {
        Fail(value, "'" + column + "' is not in source.features.numeric; sentinels apply to " +
                        "numeric features only");
      }
      source.sentinels[column] = ReadNumber(value, "a number", [](double) { return true; });
    }
  }
  if (auto ranges = section.Find("ranges")) ReadRanges(*ranges, source);
  ReadLabelValues(section, source);
  return source;
}

ResultsConfig ReadResults(const Section& section, const Section& source_section) {
  ResultsConfig results;
  if (auto entry = section.Find("table")) results.table = ReadIdentifier(*entry);
  if (auto entry = section.Find("runs_table")) results.runs_table = ReadIdentifier(*entry);
  if (auto entry = section.Find("rejected_table")) {
    results.rejected_table = ReadIdentifier(*entry);
  }
  if (auto entry = section.Find("latest_view")) results.latest_view = ReadIdentifier(*entry);
  if (auto entry = section.Find("reasons_table")) results.reasons_table = ReadIdentifier(*entry);
  if (auto entry = section.Find("drift_table")) results.drift_table = ReadIdentifier(*entry);
  if (auto entry = section.Find("leases_table")) results.leases_table = ReadIdentifier(*entry);
  if (auto entry = section.Find("checks_table")) results.checks_table = ReadIdentifier(*entry);
  if (auto entry = section.Find("prunes_table")) results.prunes_table = ReadIdentifier(*entry);
  if (auto entry = section.Find("partition_by")) {
    ReadChoice(*entry, {"model_version"});
    results.partition_by_model_version = true;
  }

  // Two of these sharing a name would mix unrelated rows in one table. Each name comes with the
  // field that set it (none for a default) so the error can point at a line.
  struct Name {
    std::string key;
    std::string value;
    std::optional<Field> field;
  };
  const Name names[] = {
      {"source.table", ReadIdentifier(source_section.Require("table")),
       source_section.Find("table")},
      {"results.table", results.table, section.Find("table")},
      {"results.runs_table", results.runs_table, section.Find("runs_table")},
      {"results.rejected_table", results.rejected_table, section.Find("rejected_table")},
      {"results.latest_view", results.latest_view, section.Find("latest_view")},
      {"results.reasons_table", results.reasons_table, section.Find("reasons_table")},
      {"results.drift_table", results.drift_table, section.Find("drift_table")},
      {"results.leases_table", results.leases_table, section.Find("leases_table")},
      {"results.checks_table", results.checks_table, section.Find("checks_table")},
      {"results.prunes_table", results.prunes_table, section.Find("prunes_table")}};
  for (std::size_t i = 0; i < std::size(names); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (names[i].value != names[j].value) continue;
      // Blame the one set explicitly; the defaults differ, so at least one of the two is.
      const bool blame_i = names[i].field.has_value();
      Fail(blame_i ? *names[i].field : *names[j].field,
           "'" + names[i].value + "' is also the name of " + (blame_i ? names[j] : names[i]).key +
               "; the source and result tables must all have different names");
    }
  }
  return results;
}

// results.partition_by: PostgreSQL only, and the partitions' names (table_v_<12 hex digits>)
// must fit PostgreSQL's identifier length.
void CheckPartitioning(const Section& section, const Config& config) {
  const std::optional<Field> entry = section.Find("partition_by");
  if (!entry) return;
  if (config.database.backend != DatabaseConfig::Backend::kPostgres) {
    Fail(*entry,
         "only applies to database.backend postgres (SQLite has no partitioned tables); "
         "remove it, prune deletes in batches on SQLite");
  }
  for (const std::string* table : {&config.results.table, &config.results.reasons_table}) {
    if (table->size() + kPartitionSuffixLength > kMaxIdentifierLength) {
      Fail(*entry, "the partition names of table '" + *table + "' would be longer than " +
                       std::to_string(kMaxIdentifierLength) + " characters; give it a name of " +
                       std::to_string(kMaxIdentifierLength - kPartitionSuffixLength) +
                       " characters or fewer");
    }
  }
}

ModelConfig ReadModel(const Section& section) {
  ModelConfig model;
  model.path = ReadString(section.Require("path"));
  return model;
}

ThresholdPolicy ReadThresholdPolicy(const Field& field) {
  const std::string expected =
      "must be fixed, max_f1, {min_recall: R} or {top_fraction: F}, got " + Describe(field.node);
  ThresholdPolicy policy;
  if (field.node.IsScalar()) {
    if (field.node.Scalar() == "fixed") {
      policy.kind = ThresholdPolicy::Kind::kFixed;
    } else if (field.node.Scalar() == "max_f1") {
      policy.kind = ThresholdPolicy::Kind::kMaxF1;
    } else {
      Fail(field, expected);
    }
    return policy;
  }
  if (!field.node.IsMap()) Fail(field, expected);
  const Section section(field, {"min_recall", "top_fraction"});
  if (section.entries().size() != 1) {
    Fail(field, "must have exactly one key, min_recall or top_fraction");
  }
  const Entry& entry = section.entries().front();
  policy.kind = entry.name == "min_recall" ? ThresholdPolicy::Kind::kMinRecall
                                           : ThresholdPolicy::Kind::kTopFraction;
  policy.value = ReadNumber(entry.value, "a number greater than 0 and at most 1",
                            [](double v) { return v > 0 && v <= 1; });
  return policy;
}

std::optional<unsigned> ParseOctal(const std::string& text) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, 8);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// "HH:MM", 24-hour clock.
std::optional<TimeOfDay> ParseTimeOfDay(const std::string& text) {
  if (text.size() != 5 || text[2] != ':' || text[0] == '+' || text[3] == '+') return std::nullopt;
  const auto hours = ParseInteger<int>(std::string_view(text).substr(0, 2));
  const auto minutes = ParseInteger<int>(std::string_view(text).substr(3, 2));
  if (!hours || !minutes || *hours < 0 || *hours > 23 || *minutes < 0 || *minutes > 59) {
    return std::nullopt;
  }
  return TimeOfDay{*hours, *minutes};
}

ScoringConfig ReadScoring(const Section& section) {
  ScoringConfig scoring;
  const std::optional<Field> threshold = section.FindSet("threshold");
  if (threshold) {
    scoring.threshold = ReadNumber(*threshold, "a number between 0 and 1",
                                   [](double v) { return v >= 0 && v <= 1; });
  }
  if (auto entry = section.Find("threshold_policy")) {
    scoring.threshold_policy = ReadThresholdPolicy(*entry);
    if (scoring.threshold_policy.kind == ThresholdPolicy::Kind::kFixed) {
      if (!threshold) Fail(*entry, "'fixed' requires scoring.threshold to be set");
      // ChooseThreshold reads a fixed threshold from the policy itself.
      scoring.threshold_policy.value = *scoring.threshold;
    }
  }
  if (auto entry = section.Find("pipeline_depth")) {
    scoring.pipeline_depth = ReadInteger<std::size_t>(*entry, 2, 64, "an integer between 2 and 64");
  }
  if (auto entry = section.Find("threads")) {
    scoring.threads = ReadInteger<int>(*entry, 0, 256, "an integer between 0 and 256");
  }
  if (auto entry = section.Find("explain_top")) {
    // More reasons than that is no longer a summary; the columns themselves are in the source.
    scoring.explain_top = ReadInteger<std::size_t>(
        *entry, 0, 20, "an integer between 0 (no reasons) and 20 (the reasons kept per row)");
  }
  if (auto entry = section.Find("batch_size")) {
    scoring.batch_size =
        ReadInteger<std::size_t>(*entry, 1, 10000000, "an integer between 1 and 10000000");
  }
  if (auto entry = section.Find("lease_rows")) {
    scoring.lease_rows =
        ReadInteger<std::int64_t>(*entry, 100, 100000000, "an integer between 100 and 100000000");
  }
  if (auto entry = section.Find("lease_timeout")) {
    scoring.lease_timeout = ReadMilliseconds(*entry);
    // A heartbeat is sent at most every sixth of it: shorter would flood the leases table.
    if (scoring.lease_timeout.count() < 1000) Fail(*entry, "must be at least 1s");
  }
  const std::optional<Field> interval = section.Find("interval");
  if (interval) {
    scoring.interval = ReadSeconds(*interval);
    if (scoring.interval.count() < 1) Fail(*interval, "must be at least 1s");
  }
  if (auto entry = section.FindSet("daily_at")) {
    const std::string time = ReadString(*entry);
    const std::optional<TimeOfDay> parsed = ParseTimeOfDay(time);
    if (!parsed) {
      Fail(*entry, "must be a time of day as \"HH:MM\" (24-hour clock, UTC), got '" + time + "'");
    }
    // Which one the daemon would follow is not obvious, so both at once is refused.
    if (interval) Fail(*entry, "cannot be combined with scoring.interval; remove one of them");
    scoring.daily_at = parsed;
  }
  return scoring;
}

// The training keys that name a method: split, imbalance, calibration, final_fit, promote.
void ReadTrainingMethods(const Section& section, TrainingConfig& training) {
  if (auto entry = section.Find("split")) {
    training.split = ReadChoice(*entry, {"stratified", "time"}) == 0
                         ? TrainingConfig::Split::kStratified
                         : TrainingConfig::Split::kTime;
  }
  if (auto entry = section.Find("imbalance")) {
    static const TrainingConfig::Imbalance kKinds[] = {
        TrainingConfig::Imbalance::kNone, TrainingConfig::Imbalance::kScalePosWeight,
        TrainingConfig::Imbalance::kRandomOversample, TrainingConfig::Imbalance::kSmote};
    training.imbalance =
        kKinds[ReadChoice(*entry, {"none", "scale_pos_weight", "random_oversample", "smote"})];
  }
  if (auto entry = section.Find("calibration")) {
    static const TrainingConfig::Calibration kMethods[] = {TrainingConfig::Calibration::kIsotonic,
                                                           TrainingConfig::Calibration::kSigmoid,
                                                           TrainingConfig::Calibration::kNone};
    training.calibration = kMethods[ReadChoice(*entry, {"isotonic", "sigmoid", "none"})];
  }
  if (auto entry = section.Find("final_fit")) {
    training.final_fit = ReadChoice(*entry, {"train_and_validation", "all_labelled"}) == 0
                             ? TrainingConfig::FinalFit::kTrainAndValidation
                             : TrainingConfig::FinalFit::kAllLabelled;
  }
  if (auto entry = section.Find("promote")) {
    training.promote = ReadChoice(*entry, {"always", "if_not_worse"}) == 0
                           ? TrainingConfig::Promote::kAlways
                           : TrainingConfig::Promote::kIfNotWorse;
  }
}

TrainingConfig ReadTraining(const Section& section, const SourceConfig& source) {
  TrainingConfig training;
  const auto fraction = [](double v) { return v > 0 && v <= 0.9; };
  if (auto entry = section.Find("test_fraction")) {
    training.test_fraction =
        ReadNumber(*entry, "a number greater than 0 and at most 0.9", fraction);
  }
  if (auto entry = section.Find("validation_fraction")) {
    training.validation_fraction =
        ReadNumber(*entry, "a number greater than 0 and at most 0.9", fraction);
  }
  if (auto entry = section.Find("seed")) {
    training.seed = ReadInteger<std::uint64_t>(*entry, 0, std::numeric_limits<std::uint64_t>::max(),
                                               "a non-negative integer");
  }
  if (auto entry = section.Find("cv_folds")) {
    const std::string expected = "0 or an integer between 2 and 20";
    training.cv_folds = ReadInteger<int>(*entry, 0, 20, expected);
    if (training.cv_folds == 1) Fail(*entry, "must be " + expected + ", got 1");
  }
  ReadTrainingMethods(section, training);
  if (auto entry = section.Find("smote_neighbors")) {
    training.smote_neighbors = ReadInteger<int>(*entry, 1, 50, "an integer between 1 and 50");
  }
  if (auto entry = section.Find("num_boost_round")) {
    training.num_boost_round =
        ReadInteger<int>(*entry, 1, 100000, "an integer between 1 and 100000");
  }
  if (auto entry = section.Find("early_stopping_rounds")) {
    training.early_stopping_rounds = ReadInteger<int>(*entry, 0, INT_MAX, "a non-negative integer");
  }
  if (auto entry = section.Find("promote_tolerance")) {
    training.promote_tolerance =
        ReadNumber(*entry, "a number between 0 and 1", [](double v) { return v >= 0 && v <= 1; });
  }
  if (auto xgboost = section.Find("xgboost")) {
    for (const auto& [name, value] : ReadEntries(*xgboost)) {
      if (!value.node.IsScalar())
        Fail(value, "must be a single value, got " + Describe(value.node));
      training.xgboost[name] = value.node.Scalar();
    }
  }
  training.include_duration =
      std::find(source.numeric.begin(), source.numeric.end(), "duration") != source.numeric.end();
  return training;
}

ReportConfig ReadReport(const Section& section) {
  ReportConfig report;
  if (auto entry = section.Find("title")) report.title = ReadString(*entry);
  if (auto entry = section.Find("data_source")) report.data_source = ReadString(*entry);
  return report;
}

LoadingConfig ReadLoading(const Section& section) {
  LoadingConfig load;
  if (auto entry = section.Find("separator")) {
    const std::string text = ReadString(*entry);
    if (text.size() != 1 || text == "\"" || text == "\n" || text == "\r") {
      Fail(*entry, "must be one character other than a quote or a line break, got '" + text + "'");
    }
    load.separator = text[0];
  }
  if (auto entry = section.Find("max_field_bytes")) {
    load.max_field_bytes = ReadInteger<std::size_t>(*entry, 1024, std::size_t{1} << 30,
                                                    "an integer between 1024 and 1073741824");
  }
  return load;
}

FilesConfig ReadFiles(const Section& section) {
  FilesConfig files;
  if (auto entry = section.Find("umask")) {
    // An octal mode as people write it: "077", "027", "0077".
    const std::string text = ReadString(*entry);
    const auto value = text.size() <= 4 ? ParseOctal(text) : std::nullopt;
    if (!value || *value > 0777) {
      Fail(*entry, "must be an octal umask such as \"077\" or \"027\", got '" + text + "'");
    }
    files.umask = *value;
  }
  return files;
}

LoggingConfig ReadLogging(const Section& section) {
  static const std::vector<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  LoggingConfig logging;
  if (auto entry = section.Find("level")) logging.level = kLevels[ReadChoice(*entry, kLevels)];
  if (auto entry = section.Find("json")) logging.json = ReadBool(*entry);
  return logging;
}

// PSI thresholds per scoring run. psi_alert is checked against the psi_warn in force (set or
// default), and blamed on whichever of the two the file sets.
MonitoringConfig ReadMonitoring(const Section& section) {
  MonitoringConfig monitoring;
  const auto positive = [](double v) { return v > 0 && std::isfinite(v); };
  const std::optional<Field> warn = section.Find("psi_warn");
  const std::optional<Field> alert = section.Find("psi_alert");
  if (warn) monitoring.psi_warn = ReadNumber(*warn, "a number greater than 0", positive);
  if (alert) monitoring.psi_alert = ReadNumber(*alert, "a number greater than 0", positive);
  if (monitoring.psi_alert <= monitoring.psi_warn) {
    Fail(alert ? *alert : *warn, "monitoring.psi_alert (" + FormatDouble(monitoring.psi_alert) +
                                     ") must be greater than monitoring.psi_warn (" +
                                     FormatDouble(monitoring.psi_warn) + ")");
  }
  if (auto entry = section.Find("min_rows")) {
    monitoring.min_rows = ReadInteger<std::int64_t>(
        *entry, 0, std::numeric_limits<std::int64_t>::max(), "a non-negative integer");
  }
  return monitoring;
}

// --- segmentation (bankscore segment) ----------------------------------------------------------

// The segmentation features: source.features unless the section lists its own.
void ReadSegmentationFeatures(const Section& section, const SourceConfig& source,
                              SegmentationConfig& out) {
  const std::optional<Field> field = section.Find("features");
  if (!field) {
    out.categorical = source.categorical;
    out.numeric = source.numeric;
    return;
  }
  const Section features(*field, {"categorical", "numeric"});
  std::vector<std::pair<std::string, std::string>> seen = {
      {source.key, "source.key, which cannot be a segmentation feature"},
      {source.label, "source.label, which cannot be a segmentation feature"}};
  ReadFeatureList(features, "categorical", seen, out.categorical);
  ReadFeatureList(features, "numeric", seen, out.numeric);
  if (out.categorical.empty() && out.numeric.empty()) {
    Fail(features.field(), "must list at least one column in categorical or numeric");
  }
}

// `k`: a whole number of segments, or `auto`.
std::optional<int> ReadSegmentCount(const Field& field) {
  if (field.node.IsScalar() && field.node.Scalar() == "auto") return std::nullopt;
  return ReadInteger<int>(field, 2, 100, "auto or an integer between 2 and 100");
}

void ReadSegmentRange(const Field& field, SegmentationConfig& out) {
  const std::vector<Field> items = ReadList(field);
  const std::string expected = "a list of two integers [low, high] with 2 <= low <= high <= 100";
  if (items.size() != 2) Fail(field, "must be " + expected + ", got " + Describe(field.node));
  out.k_min = ReadInteger<int>(items[0], 2, 100, "an integer between 2 and 100");
  out.k_max = ReadInteger<int>(items[1], 2, 100, "an integer between 2 and 100");
  if (out.k_min > out.k_max) Fail(field, "must be " + expected + ", got " + Describe(field.node));
}

void ReadSegmentationNames(const Section& section, const Config& config, SegmentationConfig& out) {
  struct Name {
    const char* key;
    std::string* value;
  };
  const Name names[] = {{"table", &out.table},
                        {"profiles_table", &out.profiles_table},
                        {"models_table", &out.models_table},
                        {"view", &out.view}};
  const std::vector<std::pair<std::string, std::string>> taken = {
      {config.source.table, "source.table"},
      {config.results.table, "results.table"},
      {config.results.runs_table, "results.runs_table"},
      {config.results.rejected_table, "results.rejected_table"},
      {config.results.latest_view, "results.latest_view"},
      {config.results.reasons_table, "results.reasons_table"},
      {config.results.drift_table, "results.drift_table"},
      {config.results.leases_table, "results.leases_table"},
      {config.results.checks_table, "results.checks_table"},
      {config.results.prunes_table, "results.prunes_table"}};
  for (const Name& name : names) {
    const std::optional<Field> entry = section.Find(name.key);
    if (entry) *name.value = ReadIdentifier(*entry);
    // A default name is blamed on the section, under the key that would change it.
    const Field blame = entry ? *entry
                              : Field{section.field().file, JoinKey("segmentation", name.key),
                                      YAML::Node(), section.field().mark};
    for (const auto& [other, key] : taken) {
      if (other == *name.value) {
        Fail(blame, "'" + *name.value + "' is also the name of " + key +
                        "; every table needs its own name");
      }
    }
    for (const Name& earlier : names) {
      if (&earlier == &name) break;
      if (*earlier.value == *name.value) {
        Fail(blame, "'" + *name.value + "' is also segmentation." + earlier.key);
      }
    }
  }
}

SegmentationConfig ReadSegmentation(const Section& section, const Config& config) {
  SegmentationConfig out;
  ReadSegmentationFeatures(section, config.source, out);
  if (auto entry = section.Find("k")) out.k = ReadSegmentCount(*entry);
  if (auto entry = section.Find("k_range")) ReadSegmentRange(*entry, out);
  if (auto entry = section.Find("seed")) {
    out.seed = ReadInteger<std::uint64_t>(*entry, 0, std::numeric_limits<std::uint64_t>::max(),
                                          "a non-negative integer");
  }
  if (auto entry = section.Find("sample")) {
    out.sample = ReadInteger<std::size_t>(*entry, 10, 1000000, "an integer between 10 and 1000000");
  }
  if (auto entry = section.Find("n_init")) {
    out.n_init = ReadInteger<int>(*entry, 1, 100, "an integer between 1 and 100");
  }
  if (auto entry = section.Find("silhouette_sample")) {
    out.silhouette_sample =
        ReadInteger<std::size_t>(*entry, 10, 20000, "an integer between 10 and 20000");
  }
  if (auto entry = section.Find("assign_on_run")) out.assign_on_run = ReadBool(*entry);
  ReadSegmentationNames(section, config, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// server (issue 13).

// "127.0.0.1:8080", "localhost:8080", "[::1]:8080"; nullopt when it is none of these.
std::optional<ListenAddress> ParseListenAddress(const std::string& text) {
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text[0] == '[') {
    const std::size_t close = text.find("]:");
    if (close == std::string::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    port_text = std::string_view(text).substr(close + 2);
    in6_addr ipv6{};
    if (inet_pton(AF_INET6, host.c_str(), &ipv6) != 1) return std::nullopt;
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    host = text.substr(0, colon);
    port_text = std::string_view(text).substr(colon + 1);
    in_addr ipv4{};
    if (host != "localhost" && inet_pton(AF_INET, host.c_str(), &ipv4) != 1) return std::nullopt;
  }
  const auto port = ParseInteger<int>(port_text);
  if (!port || *port < 0 || *port > 65535) return std::nullopt;
  return ListenAddress{host, *port};
}

ServerConfig ReadServer(const Section& section) {
  ServerConfig server;
  if (auto entry = section.FindSet("listen")) {
    const std::string text = ReadString(*entry);
    server.listen = ParseListenAddress(text);
    if (!server.listen) {
      Fail(*entry,
           "must be HOST:PORT with an IPv4 address, localhost or [IPv6 address] and a port "
           "from 0 to 65535 (0: any free port), got '" +
               text + "'");
    }
  }
  if (auto entry = section.FindSet("token_file")) server.token_file = ReadString(*entry);
  if (auto entry = section.Find("max_body_bytes")) {
    server.max_body_bytes = ReadInteger<std::size_t>(*entry, 1024, std::size_t{1} << 30,
                                                     "an integer between 1024 and 1073741824");
  }
  if (auto entry = section.Find("threads")) {
    server.threads = ReadInteger<int>(*entry, 1, 256, "an integer between 1 and 256");
  }
  if (auto entry = section.FindSet("reports_dir")) server.reports_dir = ReadString(*entry);
  return server;
}

}  // namespace

std::string ListenAddress::ToString() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string TimeOfDay::ToString() const {
  const auto two = [](int n) { return std::string(n < 10 ? "0" : "") + std::to_string(n); };
  return two(hour) + ":" + two(minute);
}

std::string SourceConfig::Identity() const { return table + "(" + key + ")"; }

ScoringConfig::Parallelism ScoringConfig::PredictParallelism() const {
  const int cores =
      threads > 0 ? threads : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const int workers = std::max(1, std::min(cores, static_cast<int>(pipeline_depth) - 1));
  return {workers, std::max(1, cores / workers)};
}

std::vector<std::string> SourceConfig::FeatureColumns() const {
  std::vector<std::string> columns = categorical;
  columns.insert(columns.end(), numeric.begin(), numeric.end());
  return columns;
}

bool IsValidIdentifier(const std::string& name) {
  if (name.empty() || name.size() > kMaxIdentifierLength) return false;
  if (name[0] >= '0' && name[0] <= '9') return false;
  // Explicit ranges rather than std::isalnum, whose answer depends on the locale.
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
  });
}

std::chrono::seconds ParseDuration(const std::string& text, const std::string& key) {
  const std::optional<std::chrono::milliseconds> value = ParseMilliseconds(text);
  if (!value) throw ConfigError(key + ": " + NotADuration("'" + text + "'"));
  if (value->count() % 1000 != 0) throw ConfigError(key + ": " + NotWholeSeconds(text));
  return std::chrono::duration_cast<std::chrono::seconds>(*value);
}

namespace {

// Notes where each document starts, and nothing else.
class DocumentStarts : public YAML::EventHandler {
 public:
  // True when the last document started where the one before it did.
  bool stuck() const { return stuck_; }
  const YAML::Mark& last() const { return last_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    stuck_ = count_ > 0 && mark.pos == last_.pos;
    last_ = mark;
    ++count_;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  YAML::Mark last_;
  std::size_t count_ = 0;
  bool stuck_ = false;
};

// yaml-cpp 0.7's parser never gets past a stray ',' at the start of a document (",\nb" is enough):
// every call for the next document reports an empty one at the same place again, so YAML::LoadAll
// loops, collecting empty documents until memory runs out (found by tests/fuzz/config_fuzzer.cc).
// This walks the documents first, noting only where each starts, and refuses the text at the first
// document that does not move on. Throws YAML::Exception for what the parser itself refuses.
void RefuseStuckYaml(const std::string& yaml_text, std::string_view source_name) {
  std::istringstream in(yaml_text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    if (starts.stuck()) {
      throw ConfigError(
          Location(source_name, starts.last()) +
          ": invalid YAML: the parser cannot get past this line (a stray ',' outside a "
          "[list] or {map}?)");
    }
  }
}

// The one YAML document of a config file, which must be a map; throws ConfigError otherwise.
YAML::Node ParseDocument(const std::string& yaml_text, const std::string& source_name) {
  std::vector<YAML::Node> documents;
  try {
    RefuseStuckYaml(yaml_text, source_name);
    documents = YAML::LoadAll(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(Location(source_name, e.mark) + ": invalid YAML: " + e.msg);
  }
  if (documents.size() > 1) {
    throw ConfigError(Location(source_name, documents[1].Mark()) +
                      ": a config file holds one YAML document, found " +
                      std::to_string(documents.size()));
  }
  if (documents.empty() || documents[0].IsNull()) {
    throw ConfigError(source_name + ": the configuration is empty");
  }
  const YAML::Node& document = documents[0];
  if (!document.IsMap()) {
    throw ConfigError(Location(source_name, document.Mark()) +
                      ": the configuration must be a map of sections, got " + Describe(document));
  }
  return document;
}

}  // namespace

Config ParseConfig(const std::string& yaml_text, const std::string& source_name) {
  const YAML::Node document = ParseDocument(yaml_text, source_name);
  // The complete list of keys: anything else in the file is refused.
  const Section root(Field{source_name, "", document, document.Mark()},
                     {"database", "source", "results", "model", "scoring", "training", "report",
                      "load", "files", "logging", "segmentation", "server", "monitoring"});
  const Section database = root.Child("database", {"backend", "path", "dsn", "password_file",
                                                   "schema", "connect_attempts", "retry_backoff"});
  const Section source =
      root.Child("source", {"table", "key", "label", "positive_label", "negative_labels",
                            "label_case_insensitive", "features", "sentinels", "ranges"});
  const Section results = root.Child(
      "results", {"table", "runs_table", "rejected_table", "latest_view", "reasons_table",
                  "drift_table", "leases_table", "checks_table", "prunes_table", "partition_by"});
  const Section model = root.Child("model", {"path"});
  const Section scoring = root.Child(
      "scoring", {"threshold", "threshold_policy", "batch_size", "pipeline_depth", "threads",
                  "explain_top", "interval", "daily_at", "lease_rows", "lease_timeout"});
  const Section training = root.Child(
      "training", {"test_fraction", "validation_fraction", "seed", "split", "cv_folds", "imbalance",
                   "smote_neighbors", "num_boost_round", "early_stopping_rounds", "calibration",
                   "final_fit", "xgboost", "promote", "promote_tolerance"});
  const Section report = root.Child("report", {"title", "data_source"});
  const Section load = root.Child("load", {"separator", "max_field_bytes"});
  const Section files = root.Child("files", {"umask"});
  const Section logging = root.Child("logging", {"level", "json"});
  const Section segmentation = root.Child(
      "segmentation", {"features", "k", "k_range", "seed", "sample", "n_init", "silhouette_sample",
                       "table", "profiles_table", "models_table", "view", "assign_on_run"});
  const Section server =
      root.Child("server", {"listen", "token_file", "max_body_bytes", "threads", "reports_dir"});
  const Section monitoring = root.Child("monitoring", {"psi_warn", "psi_alert", "min_rows"});

  Config config;
  config.file = source_name;
  config.database = ReadDatabase(database);
  config.source = ReadSource(source);
  config.results = ReadResults(results, source);
  CheckPartitioning(results, config);
  config.model = ReadModel(model);
  config.scoring = ReadScoring(scoring);
  config.training = ReadTraining(training, config.source);
  config.report = ReadReport(report);
  config.load = ReadLoading(load);
  config.files = ReadFiles(files);
  config.logging = ReadLogging(logging);
  config.segmentation = ReadSegmentation(segmentation, config);
  config.server = ReadServer(server);
  config.monitoring = ReadMonitoring(monitoring);
  return config;
}

Config LoadConfig(const std::string& path) {
  // A configuration is a page of YAML; a bigger file is a wrong path, not a config.
  constexpr std::size_t kMaxConfigBytes = 1 << 20;
  std::string text;
  try {
    text = ReadFile(path, kMaxConfigBytes);
  } catch (const FileError& e) {
    throw ConfigError("cannot read config file " + path + ": " + e.reason());
  }
  return ParseConfig(text, path);
}

// --- segmentation (bankscore segment) ----------------------------------------------------------

std::vector<std::string> SegmentationConfig::Columns() const {
  std::vector<std::string> columns = categorical;
  columns.insert(columns.end(), numeric.begin(), numeric.end());
  return columns;
}

}  // namespace bankscore
