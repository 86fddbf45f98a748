// The scoring daemon (`bankscore run`) as ops run it: the real binary as a child process,
// signalled, on every backend. What is checked is what issue 4 promises: new rows scored within
// the next cycle; SIGHUP reloads (from the next batch, even mid-run; a broken file refused with the
// key named, the daemon goes on); SIGTERM/SIGINT end cleanly and promptly; an unreachable database
// is retried, not fatal; relabel without re-predicting; a new model version re-scores; two
// scorers never score a row twice. The SIGKILL crash test is in crash_test.cc.
//
// Waits poll the database or the daemon's log against a deadline, and on failure the logs of
// every process the test started are printed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "integration/process.h"
#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;

// Generous deadlines: the suite runs under ASan on 2 cores, often next to other builds. A passing
// run never waits for them; they only bound how long a broken daemon can hang a test.
constexpr milliseconds kFirstCycle = seconds(90);
constexpr milliseconds kNextCycle = seconds(15);  // "within the next cycle" with interval 1s
constexpr milliseconds kStopGrace = seconds(5);   // the issue: exit 0 "within a few seconds"
constexpr milliseconds kLogLine = seconds(15);

// Duplicates and gaps in one query each, for the invariant checks.
constexpr char kDuplicateKeys[] =
    "SELECT COUNT(*) FROM (SELECT source_key, model_version FROM predictions "
    "GROUP BY source_key, model_version HAVING COUNT(*) > 1) AS d";
constexpr char kUnscoredRows[] =
    "SELECT COUNT(*) FROM bank_clients c WHERE NOT EXISTS "
    "(SELECT 1 FROM predictions p WHERE p.source_key = c.client_id)";
constexpr char kRunsWithBadTotals[] =
    "SELECT COUNT(*) FROM scoring_runs WHERE kind = 'score' AND "
    "rows_read <> rows_scored + rows_rejected";
// A run's rows_scored must be exactly the predictions carrying its run_id: a batch replayed by a
// second scorer would be counted without being written (ON CONFLICT DO NOTHING).
constexpr char kRunsNotMatchingTheirPredictions[] =
    "SELECT COUNT(*) FROM scoring_runs r WHERE kind = 'score' AND rows_scored <> "
    "(SELECT COUNT(*) FROM predictions p WHERE p.run_id = r.run_id)";

class DaemonTest : public ::testing::TestWithParam<Backend> {
 protected:
  void TearDown() override {
    if (HasFailure()) PrintProcessLogs(started_);
  }

  // Writes the config and raises the log level to info: the per-cycle summary and the reload
  // lines are what a failing test needs to show, and some tests wait for them.
  void Configure(const TestSettings& settings) {
    env_.RewriteConfig(settings);
    std::string text = ReadText(env_.config_path());
    const std::string warn = "logging:\n  level: warn\n";
    const auto at = text.find(warn);
    ASSERT_NE(at, std::string::npos) << "test_support.cc changed its logging section:\n" << text;
    text.replace(at, warn.size(), "logging:\n  level: info\n");
    WriteText(env_.config_path(), text);
  }

  static TestSettings WithScoring(const std::string& scoring_yaml, std::size_t batch_size = 1000) {
    TestSettings settings;
    settings.batch_size = batch_size;
    settings.scoring_yaml = scoring_yaml;
    return settings;
  }

  CommandResult Bankscore(const std::string& command, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {command, "--config", env_.config_path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunBankscore(args);
  }

  void Load(const std::string& csv) {
    CommandResult load = Bankscore("load", {"--csv", csv});
    ASSERT_EQ(load.exit_code, 0) << load.err;
  }

  void Train() {
    CommandResult train = Bankscore("train");
    ASSERT_EQ(train.exit_code, 0) << train.err;
  }

  // A new model version made current: the same data and config would give the same model (the
  // same version, nothing to rescore), so another seed, and --promote whatever its figures.
  void Retrain() {
    std::string text = ReadText(env_.config_path());
    const std::string seed = "  seed: 42\n";
    const auto at = text.find(seed);
    ASSERT_NE(at, std::string::npos) << "test_support.cc changed its training section:\n" << text;
    text.replace(at, seed.size(), "  seed: 7\n");
    WriteText(env_.config_path(), text);
    CommandResult train = Bankscore("train", {"--promote"});
    ASSERT_EQ(train.exit_code, 0) << train.err;
    ASSERT_THAT(train.out, HasSubstr("is now current"));
  }

  // The sample and a model trained on it. What is tested here is the daemon, not training: the
  // model is trained once and copied (InstallSampleModel). Train() and Retrain() train for real.
  void LoadAndTrain() {
    ASSERT_NO_FATAL_FAILURE(Load(SampleCsv()));
    ASSERT_NO_FATAL_FAILURE(InstallSampleModel(env_));
  }

  // The current version, from the bundle on disk (through the `current` link).
  std::string BundleVersion() {
    std::ifstream in(env_.dir() / "model" / "current" / "bundle.json");
    return nlohmann::json::parse(in).at("version").get<std::string>();
  }

  std::unique_ptr<Process> Start(std::vector<std::string> args) {
    const auto prefix =
        env_.dir() / ("bankscore-" + std::to_string(started_.size() + 1) + "-" + args.front());
    started_.push_back(prefix);
    return std::make_unique<Process>(BANKSCORE_BINARY, args, prefix);
  }

  std::unique_ptr<Process> StartDaemon(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", "--config", env_.config_path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return Start(args);
  }

  std::int64_t Count(const std::string& sql) { return env_.QueryInt(sql); }

  // For polling: the tables may not exist yet, and a busy database is not a test failure.
  std::optional<std::int64_t> TryCount(const std::string& sql) {
    try {
      RowBatch result = env_.Open()->Query(sql);
      if (result.rows.size() != 1 || result.rows[0].size() != 1) return std::nullopt;
      const Value& v = result.rows[0][0];
      if (auto n = AsNumber(v)) return static_cast<std::int64_t>(*n);
      if (const auto* s = std::get_if<std::string>(&v)) return std::stoll(*s);
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }

  // Waits until `sql` returns `expected`; on timeout says what it returned last.
  ::testing::AssertionResult CountReaches(const std::string& sql, std::int64_t expected,
                                          milliseconds timeout) {
    std::optional<std::int64_t> last;
    const auto started = std::chrono::steady_clock::now();
    if (Eventually([&] { return (last = TryCount(sql)) == expected; }, timeout)) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << sql << " is " << (last ? std::to_string(*last) : "unavailable") << ", not "
           << expected << ", after "
           << std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started)
                  .count()
           << " ms";
  }

  double QueryDouble(const std::string& sql) {
    RowBatch result = env_.Open()->Query(sql);
    if (result.rows.size() != 1 || result.rows[0].size() != 1) {
      ADD_FAILURE() << "expected one value from: " << sql;
      return -1;
    }
    const Value& v = result.rows[0][0];
    if (auto n = AsNumber(v)) return *n;
    if (const auto* s = std::get_if<std::string>(&v)) return std::stod(*s);
    ADD_FAILURE() << "NULL from: " << sql;
    return -1;
  }

  // A threshold (as the text written to YAML/SQL/the command line, and its value) in the middle
  // of the stored probabilities and away from `current`. Not a fixed 0.3 or 0.2: with
  // scale_pos_weight this model's probabilities all lie around 0.35..0.65, so such a threshold
  // would label every row positive and the label checks would prove nothing.
  struct Threshold {
    std::string text;
    double value;
  };
  Threshold ThresholdInsideTheScores(double current) {
    double mid = QueryDouble("SELECT AVG(probability) FROM predictions");
    if (std::abs(mid - current) < 0.02) mid = current - 0.03;
    char text[16];
    std::snprintf(text, sizeof text, "%.2f", mid);
    return {text, std::stod(text)};
  }

  // Every row of a query, as text, for before/after comparisons.
  std::vector<std::string> QueryRows(const std::string& sql) {
    std::vector<std::string> out;
    for (const auto& row : env_.Open()->Query(sql).rows) {
      std::ostringstream line;
      for (const auto& v : row) {
        if (const auto* s = std::get_if<std::string>(&v))
          line << *s << '|';
        else if (auto n = AsNumber(v))
          line << std::setprecision(17) << *n << '|';
        else
          line << "NULL|";
      }
      out.push_back(line.str());
    }
    return out;
  }

  // The invariants every test ends with: at most one prediction per key and version, run totals
  // that add up and match the rows each run wrote, no run left 'running' by a live process.
  void ExpectInvariants() {
    EXPECT_EQ(Count(kDuplicateKeys), 0);
    EXPECT_EQ(Count(kRunsWithBadTotals), 0);
    EXPECT_EQ(Count(kRunsNotMatchingTheirPredictions), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE label <> "
                    "CASE WHEN probability >= threshold THEN 1 ELSE 0 END"),
              0);
  }

  // SIGTERM (or SIGINT) and the promised clean exit.
  void StopAndExpectCleanExit(Process& daemon, int signal_number = SIGTERM) {
    ASSERT_TRUE(daemon.Signal(signal_number)) << daemon.Describe();
    const auto sent = std::chrono::steady_clock::now();
    std::optional<int> code = daemon.WaitFor(kStopGrace);
    ASSERT_TRUE(code.has_value()) << "still running " << kStopGrace.count()
                                  << " ms after the signal\n"
                                  << daemon.Describe();
    EXPECT_EQ(*code, 0) << daemon.Describe();
    std::cout
        << "[          ] exited " << *code << " after "
        << std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - sent).count()
        << " ms\n";
    EXPECT_THAT(daemon.Log(), HasSubstr("bankscore daemon stopped"));
  }

  // A double as an SQL literal that reads back as the same value.
  static std::string SqlNumber(double v) {
    std::ostringstream out;
    out << std::setprecision(17) << v;
    return out.str();
  }

  static void WriteText(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
  }

  TestEnvironment env_{GetParam()};
  std::vector<std::filesystem::path> started_;
};

TEST_P(DaemonTest, NewRowsAreScoredWithinTheNextCycle) {
  ASSERT_NO_FATAL_FAILURE(Configure(WithScoring("  interval: 1s\n")));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  auto daemon = StartDaemon();
  ASSERT_TRUE(CountReaches("SELECT COUNT(*) FROM predictions", kSampleRows, kFirstCycle))
      << daemon->Describe();

  ASSERT_NO_FATAL_FAILURE(Load(SampleCsv()));  // keys 4120..8238
  const auto loaded = std::chrono::steady_clock::now();
  ASSERT_TRUE(CountReaches("SELECT COUNT(*) FROM predictions", 2 * kSampleRows, kNextCycle))
      << daemon->Describe();
  std::cout
      << "[          ] new rows scored "
      << std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - loaded).count()
      << " ms after the load\n";

  EXPECT_EQ(Count("SELECT COUNT(DISTINCT source_key) FROM predictions"), 2 * kSampleRows);
  EXPECT_EQ(Count(kUnscoredRows), 0);
  EXPECT_GE(Count("SELECT COUNT(*) FROM scoring_runs WHERE status = 'succeeded' AND "
                  "rows_scored > 0"),
            2)
      << "the first cycle and the one(s) after the load";
  EXPECT_EQ(Count("SELECT COALESCE(SUM(rows_scored), 0) FROM scoring_runs"), 2 * kSampleRows);
  EXPECT_THAT(daemon->Log(), HasSubstr("scored 4119, rejected 0"));
  ASSERT_TRUE(daemon->Running()) << daemon->Describe();
  ASSERT_NO_FATAL_FAILURE(StopAndExpectCleanExit(*daemon));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM scoring_runs WHERE status = 'running'"), 0);
  ExpectInvariants();
}

TEST_P(DaemonTest, SighupAppliesNewThresholdAndRefusesABrokenFile) {
  ASSERT_NO_FATAL_FAILURE(Configure(WithScoring("  interval: 1s\n")));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  auto daemon = StartDaemon();
  ASSERT_TRUE(CountReaches("SELECT COUNT(*) FROM predictions", kSampleRows, kFirstCycle))
      << daemon->Describe();
  // Without scoring.threshold the bundle's own threshold (max F1 on validation) applies.
  const double old_threshold = QueryDouble("SELECT MIN(threshold) FROM predictions");
  ASSERT_EQ(QueryDouble("SELECT MAX(threshold) FROM predictions"), old_threshold);
  const Threshold next = ThresholdInsideTheScores(old_threshold);
  const std::string is_next = "ABS(threshold - " + next.text + ") < 1e-9";

  ASSERT_NO_FATAL_FAILURE(
      Configure(WithScoring("  interval: 1s\n  threshold: " + next.text + "\n")));
  ASSERT_TRUE(daemon->Signal(SIGHUP));
  ASSERT_TRUE(daemon->WaitForLog("configuration reloaded", kLogLine)) << daemon->Describe();
  ASSERT_NO_FATAL_FAILURE(Load(SampleCsv()));  // keys 4120..8238
  ASSERT_TRUE(CountReaches("SELECT COUNT(*) FROM predictions", 2 * kSampleRows, kNextCycle))
      << daemon->Describe();

  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE source_key > 4119 AND " + is_next),
            kSampleRows)
      << "rows scored after the reload carry the new threshold";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE source_key <= 4119 AND ABS(threshold - " +
                  SqlNumber(old_threshold) + ") < 1e-9"),
            kSampleRows)
      << "rows scored before the reload keep theirs (relabel is a separate, explicit command)";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE source_key > 4119 AND label <> "
                  "CASE WHEN probability >= " +
                  next.text + " THEN 1 ELSE 0 END"),
            0);
  const std::int64_t new_positives =
      Count("SELECT COUNT(*) FROM predictions WHERE source_key > 4119 AND label = 1");
  EXPECT_GT(new_positives, 0);
  EXPECT_LT(new_positives, kSampleRows);
  EXPECT_GE(Count("SELECT COUNT(*) FROM scoring_runs WHERE rows_scored > 0 AND " + is_next), 1);
  EXPECT_NEAR(QueryDouble("SELECT threshold FROM scoring_runs ORDER BY run_id DESC LIMIT 1"),
              next.value, 1e-9);

  // A broken file (RewriteConfig validates, so write it directly). `load` keeps a good copy.
  const std::string good = (env_.dir() / "good.yaml").string();
  std::filesystem::copy_file(env_.config_path(), good);
  std::string text = ReadText(env_.config_path());
  const std::string line = "threshold: " + next.text;
  const auto at = text.find(line);
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, line.size(), "threshold: 1.5");
  WriteText(env_.config_path(), text);
  ASSERT_TRUE(daemon->Signal(SIGHUP));
  ASSERT_TRUE(daemon->WaitForLog("reload refused", kLogLine)) << daemon->Describe();
  const std::string log = daemon->Log();
  const std::string refusal = log.substr(log.find("reload refused"));
  EXPECT_THAT(refusal.substr(0, refusal.find('\n')), HasSubstr("scoring.threshold"))
      << "the refusal must name the key";
  ASSERT_TRUE(daemon->Running()) << daemon->Describe();

  CommandResult load = RunBankscore({"load", "--config", good, "--csv", SampleCsv()});
  ASSERT_EQ(load.exit_code, 0) << load.err;  // keys 8239..12357
  ASSERT_TRUE(CountReaches("SELECT COUNT(*) FROM predictions", 3 * kSampleRows, kNextCycle))
      << daemon->Describe();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE source_key > 8238 AND " + is_next),
            kSampleRows)
      << "the last good configuration stays in force";
  ASSERT_NO_FATAL_FAILURE(StopAndExpectCleanExit(*daemon));
  ExpectInvariants();
}

// "A new threshold applies from the next batch and is recorded on every prediction and run":
// a SIGHUP in the middle of a long run switches the threshold at a batch boundary of that run.
TEST_P(DaemonTest, SighupDuringARunAppliesFromTheNextBatch) {
  constexpr std::int64_t kBatch = 200;
  ASSERT_NO_FATAL_FAILURE(Configure(WithScoring("  interval: 1s\n", kBatch)));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  ASSERT_NO_FATAL_FAILURE(Load(FullCsv()));
  const std::int64_t rows = kSampleRows + kFullRows;
  auto daemon = StartDaemon();
  // Two batches in: early enough that the run (about 225 batches) is far from over.
  ASSERT_TRUE(Eventually([&] { return TryCount("SELECT COUNT(*) FROM predictions") >= 2 * kBatch; },
                         kFirstCycle, milliseconds(10)))
      << daemon->Describe();
  const double old_threshold = QueryDouble("SELECT MIN(threshold) FROM predictions");
  const Threshold next = ThresholdInsideTheScores(old_threshold);
  ASSERT_NO_FATAL_FAILURE(
      Configure(WithScoring("  interval: 1s\n  threshold: " + next.text + "\n", kBatch)));
  ASSERT_TRUE(daemon->Signal(SIGHUP));
  ASSERT_TRUE(CountReaches("SELECT COUNT(*) FROM predictions", rows, kFirstCycle))
      << daemon->Describe();

  ASSERT_EQ(Count("SELECT COUNT(DISTINCT run_id) FROM predictions"), 1)
      << "the run ended before the reload, so this test proved nothing\n"
      << daemon->Describe();
  const std::string is_old = "ABS(threshold - " + SqlNumber(old_threshold) + ") < 1e-9";
  const std::string is_next = "ABS(threshold - " + next.text + ") < 1e-9";
  const std::int64_t old_rows = Count("SELECT COUNT(*) FROM predictions WHERE " + is_old);
  const std::int64_t new_rows = Count("SELECT COUNT(*) FROM predictions WHERE " + is_next);
  EXPECT_GE(old_rows, 2 * kBatch);
  EXPECT_GT(new_rows, 0);
  EXPECT_EQ(old_rows + new_rows, rows);
  EXPECT_EQ(old_rows % kBatch, 0) << "the switch is at a batch boundary";
  EXPECT_LT(Count("SELECT MAX(source_key) FROM predictions WHERE " + is_old),
            Count("SELECT MIN(source_key) FROM predictions WHERE " + is_next));
  EXPECT_NEAR(QueryDouble("SELECT threshold FROM scoring_runs WHERE run_id = "
                          "(SELECT MAX(run_id) FROM predictions)"),
              next.value, 1e-9)
      << "the run records the threshold in force at its end";
  const std::string log = daemon->Log();
  EXPECT_LT(log.find("configuration reloaded"), log.find("run 1 succeeded")) << log;
  ASSERT_NO_FATAL_FAILURE(StopAndExpectCleanExit(*daemon));
  ExpectInvariants();
}

// "A database that is down makes the daemon retry with backoff and log it, not exit."
TEST_P(DaemonTest, UnreachableDatabaseIsRetriedWithBackoffUntilItIsFixed) {
  const TestSettings settings = WithScoring("  interval: 1h\n");
  ASSERT_NO_FATAL_FAILURE(Configure(settings));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  // Point the config at a database that cannot be reached.
  std::string text = ReadText(env_.config_path());
  const std::string good =
      GetParam() == Backend::kSqlite ? (env_.dir() / "bank.db").string() : PostgresDsn();
  // On SQLite a directory where the file should be: it exists (a missing file is refused at
  // start, as a typo) but cannot be opened.
  const std::string bad = GetParam() == Backend::kSqlite
                              ? (env_.dir() / "unreachable.db").string()
                              : "host=/nonexistent-bankscore-socket-dir port=1 dbname=none";
  std::filesystem::create_directories(env_.dir() / "unreachable.db");
  const auto at = text.find(good);
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, good.size(), bad);
  WriteText(env_.config_path(), text);

  auto daemon = StartDaemon();
  ASSERT_TRUE(Eventually(
      [&] {
        const std::string log = daemon->Log();
        std::size_t n = 0;
        for (auto p = log.find("next attempt in"); p != std::string::npos;
             p = log.find("next attempt in", p + 1)) {
          ++n;
        }
        return n >= 3 || !daemon->Running();
      },
      seconds(30)))
      << daemon->Describe();
  ASSERT_TRUE(daemon->Running()) << "the daemon must not exit while the database is down\n"
                                 << daemon->Describe();
  EXPECT_THAT(daemon->Log(), HasSubstr("retrying"));

  // The database is "back": the fixed file is applied at once on SIGHUP, not after the backoff.
  ASSERT_NO_FATAL_FAILURE(Configure(settings));
  ASSERT_TRUE(daemon->Signal(SIGHUP));
  ASSERT_TRUE(CountReaches("SELECT COUNT(*) FROM predictions", kSampleRows, kFirstCycle))
      << daemon->Describe();
  ASSERT_NO_FATAL_FAILURE(StopAndExpectCleanExit(*daemon));
  ExpectInvariants();
}

// --json-logs is a command-line override; a SIGHUP re-reads the file, which says json: false.
TEST_P(DaemonTest, JsonLogsStayJsonAfterReload) {
  ASSERT_NO_FATAL_FAILURE(Configure(WithScoring("  interval: 1s\n")));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  auto daemon = StartDaemon({"--json-logs"});
  ASSERT_TRUE(CountReaches("SELECT COUNT(*) FROM predictions", kSampleRows, kFirstCycle))
      << daemon->Describe();
  ASSERT_TRUE(daemon->Signal(SIGHUP));
  ASSERT_TRUE(daemon->WaitForLog("configuration reloaded", kLogLine)) << daemon->Describe();
  ASSERT_NO_FATAL_FAILURE(Load(SampleCsv()));
  ASSERT_TRUE(CountReaches("SELECT COUNT(*) FROM predictions", 2 * kSampleRows, kNextCycle))
      << daemon->Describe();
  ASSERT_NO_FATAL_FAILURE(StopAndExpectCleanExit(*daemon));

  std::istringstream lines(daemon->Log());
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    ++count;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object() && j.contains("message") && j.contains("level"))
        << "not a JSON log line: " << line;
  }
  EXPECT_GE(count, 4);  // started, two cycle summaries, reloaded, stopped
}

TEST_P(DaemonTest, SigtermMidRunCommitsTheBatchAndRecordsTheRunAsInterrupted) {
  // A big table and small batches, so the signal lands while a run is going.
  ASSERT_NO_FATAL_FAILURE(Configure(WithScoring("  interval: 1s\n", 200)));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  ASSERT_NO_FATAL_FAILURE(Load(FullCsv()));
  const std::int64_t rows = kSampleRows + kFullRows;
  auto daemon = StartDaemon();
  ASSERT_TRUE(Eventually([&] { return TryCount("SELECT COUNT(*) FROM predictions") >= 1000; },
                         kFirstCycle, milliseconds(20)))
      << daemon->Describe();
  ASSERT_NO_FATAL_FAILURE(StopAndExpectCleanExit(*daemon));

  const std::int64_t scored = Count("SELECT COUNT(*) FROM predictions");
  const std::int64_t last_run = Count("SELECT MAX(run_id) FROM scoring_runs");
  RowBatch status = env_.Open()->Query("SELECT status, message FROM scoring_runs WHERE run_id = " +
                                       std::to_string(last_run));
  ASSERT_EQ(status.rows.size(), 1u);
  const std::string last_status = std::get<std::string>(status.rows[0][0]);
  std::cout << "[          ] SIGTERM after " << scored << " of " << rows << " rows; last run "
            << last_status << "\n";
  EXPECT_THAT(last_status, AnyOf("interrupted", "succeeded"));
  if (last_status == "interrupted") {
    EXPECT_LT(scored, rows);
    EXPECT_THAT(std::get<std::string>(status.rows[0][1]), HasSubstr("signal"));
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM scoring_runs WHERE finished_at IS NULL"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM scoring_runs WHERE status = 'running'"), 0);
  EXPECT_THAT(daemon->Log(), HasSubstr("run " + std::to_string(last_run) + " " + last_status));
  ExpectInvariants();

  // What the interrupted run did not score, the next run does, once.
  CommandResult score = Bankscore("score");
  ASSERT_EQ(score.exit_code, 0) << score.err;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), rows);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT source_key) FROM predictions"), rows);
  EXPECT_EQ(Count(kUnscoredRows), 0);
  EXPECT_EQ(Count("SELECT COALESCE(SUM(rows_scored), 0) FROM scoring_runs"), rows);
  ExpectInvariants();
}

TEST_P(DaemonTest, SigintWhileIdleExitsZeroWithoutWaitingForTheInterval) {
  ASSERT_NO_FATAL_FAILURE(Configure(WithScoring("  interval: 1h\n")));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  auto daemon = StartDaemon();
  ASSERT_TRUE(daemon->WaitForLog("run 1 succeeded", kFirstCycle)) << daemon->Describe();
  ASSERT_NO_FATAL_FAILURE(StopAndExpectCleanExit(*daemon, SIGINT));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM scoring_runs"), 1);
  ExpectInvariants();
}

// The daemon waits for another scorer's lock, but must still honour SIGTERM promptly.
TEST_P(DaemonTest, SigtermWhileWaitingForTheScorerLockExitsPromptly) {
  ASSERT_NO_FATAL_FAILURE(Configure(WithScoring("  interval: 1m\n")));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  auto db = env_.Open();
  auto lock = db->TryLockScorer(false, milliseconds(0), nullptr);
  ASSERT_NE(lock, nullptr);
  auto daemon = StartDaemon();
  ASSERT_TRUE(daemon->WaitForLog("another bankscore scorer", kFirstCycle)) << daemon->Describe();
  ASSERT_NO_FATAL_FAILURE(StopAndExpectCleanExit(*daemon));
  EXPECT_EQ(TryCount("SELECT COUNT(*) FROM predictions").value_or(0), 0);
}

TEST_P(DaemonTest, RelabelAppliesANewThresholdWithoutRepredicting) {
  ASSERT_NO_FATAL_FAILURE(Configure(WithScoring("")));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  auto once = Start({"run", "--config", env_.config_path(), "--once"});
  ASSERT_EQ(once->WaitFor(kFirstCycle), 0) << once->Describe();
  ASSERT_EQ(Count("SELECT COUNT(*) FROM predictions"), kSampleRows);

  const std::string identity =
      "SELECT source_key, model_version, probability, run_id, scored_at FROM predictions "
      "ORDER BY source_key, model_version";
  const std::vector<std::string> before = QueryRows(identity);
  const Threshold next =
      ThresholdInsideTheScores(QueryDouble("SELECT MIN(threshold) FROM predictions"));
  const std::int64_t expected_changed =
      Count("SELECT COUNT(*) FROM predictions WHERE threshold <> " + next.text);
  ASSERT_GT(expected_changed, 0);
  const std::int64_t expected_positive =
      Count("SELECT COUNT(*) FROM predictions WHERE probability >= " + next.text);
  ASSERT_NE(expected_positive, Count("SELECT COUNT(*) FROM predictions WHERE label = 1"))
      << "the test needs a threshold that changes some labels";

  CommandResult relabel = Bankscore("relabel", {"--threshold", next.text});
  ASSERT_EQ(relabel.exit_code, 0) << relabel.err;
  EXPECT_THAT(relabel.out, HasSubstr("relabeled " + std::to_string(expected_changed)));

  EXPECT_EQ(QueryRows(identity), before) << "relabel must not add, remove or re-predict rows";
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM predictions WHERE ABS(threshold - " + next.text + ") > 1e-12"),
      0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE label = 1"), expected_positive);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE relabeled_at IS NOT NULL"),
            expected_changed);
  ExpectInvariants();

  // The relabel's run records what it changed: rows relabeled, positives among them, and the
  // previous threshold(s) in its message.
  RowBatch run = env_.Open()->Query(
      "SELECT status, rows_read, rows_positive, message, threshold FROM scoring_runs "
      "WHERE kind = 'relabel'");
  ASSERT_EQ(run.rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(run.rows[0][0]), "succeeded");
  EXPECT_EQ(AsNumber(run.rows[0][1]).value_or(-1), static_cast<double>(expected_changed));
  EXPECT_EQ(AsNumber(run.rows[0][2]).value_or(-1), static_cast<double>(expected_positive));
  EXPECT_THAT(std::get<std::string>(run.rows[0][3]),
              AllOf(HasSubstr("relabeled " + std::to_string(expected_changed) + " predictions"),
                    HasSubstr("previous thresholds: "), HasSubstr("labels changed")));
  EXPECT_NEAR(AsNumber(run.rows[0][4]).value_or(-1), next.value, 1e-12);

  // Applying the same threshold again changes nothing, and says so.
  CommandResult again = Bankscore("relabel", {"--threshold", next.text});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("relabeled 0 predictions"));
  EXPECT_EQ(Count("SELECT rows_positive FROM scoring_runs WHERE kind = 'relabel' "
                  "ORDER BY run_id DESC LIMIT 1"),
            0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), kSampleRows);
}

TEST_P(DaemonTest, NewModelVersionScoresEveryRowAgainAndTheLatestViewShowsIt) {
  ASSERT_NO_FATAL_FAILURE(Configure(WithScoring("")));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  const std::string v1 = BundleVersion();
  auto first = Start({"run", "--config", env_.config_path(), "--once"});
  ASSERT_EQ(first->WaitFor(kFirstCycle), 0) << first->Describe();
  const std::string old_rows =
      "SELECT source_key, probability, label, threshold, run_id, scored_at FROM predictions "
      "WHERE model_version = '" +
      v1 + "' ORDER BY source_key";
  const std::vector<std::string> before = QueryRows(old_rows);
  ASSERT_EQ(before.size(), static_cast<std::size_t>(kSampleRows));

  ASSERT_NO_FATAL_FAILURE(Retrain());
  const std::string v2 = BundleVersion();
  ASSERT_NE(v2, v1);
  auto second = Start({"run", "--config", env_.config_path(), "--once"});
  ASSERT_EQ(second->WaitFor(kFirstCycle), 0) << second->Describe();

  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), 2 * kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE model_version = '" + v2 + "'"),
            kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM (SELECT source_key FROM predictions GROUP BY source_key "
                  "HAVING COUNT(*) <> 2) AS k"),
            0)
      << "every key has one prediction per version";
  EXPECT_EQ(QueryRows(old_rows), before) << "the old version's predictions stay untouched";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM latest_predictions"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT source_key) FROM latest_predictions"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM latest_predictions WHERE model_version = '" + v2 + "'"),
            kSampleRows);
  EXPECT_THAT(second->Log(), HasSubstr(v2));
  ExpectInvariants();
}

TEST_P(DaemonTest, RunningDaemonPicksUpARetrainedModel) {
  ASSERT_NO_FATAL_FAILURE(Configure(WithScoring("  interval: 1s\n")));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  const std::string v1 = BundleVersion();
  auto daemon = StartDaemon();
  ASSERT_TRUE(CountReaches("SELECT COUNT(*) FROM predictions", kSampleRows, kFirstCycle))
      << daemon->Describe();

  ASSERT_NO_FATAL_FAILURE(Retrain());  // a new current version while the daemon runs
  const std::string v2 = BundleVersion();
  ASSERT_NE(v2, v1);
  ASSERT_TRUE(CountReaches("SELECT COUNT(*) FROM predictions WHERE model_version = '" + v2 + "'",
                           kSampleRows, kFirstCycle))
      << daemon->Describe();
  EXPECT_THAT(daemon->Log(), HasSubstr("model version " + v2 + " is now current"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE model_version = '" + v1 + "'"),
            kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM latest_predictions WHERE model_version = '" + v2 + "'"),
            kSampleRows);
  ASSERT_NO_FATAL_FAILURE(StopAndExpectCleanExit(*daemon));
  ExpectInvariants();
}

TEST_P(DaemonTest, ScorersStartedAtOnceNeverScoreARowTwice) {
  ASSERT_NO_FATAL_FAILURE(Configure(WithScoring("", 500)));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  ASSERT_NO_FATAL_FAILURE(Load(FullCsv()));
  const std::int64_t rows = kSampleRows + kFullRows;

  // `run --once` and `score --wait` both wait for the scorer lock (the issue: "it waits or exits
  // with a clear message"); all three start together on a database nothing has scored yet.
  std::vector<std::unique_ptr<Process>> scorers;
  scorers.push_back(Start({"run", "--config", env_.config_path(), "--once"}));
  scorers.push_back(Start({"run", "--config", env_.config_path(), "--once"}));
  scorers.push_back(Start({"score", "--config", env_.config_path(), "--wait"}));
  bool someone_waited = false;
  for (auto& scorer : scorers) {
    ASSERT_EQ(scorer->WaitFor(seconds(180)), 0) << scorer->Describe();
    someone_waited = someone_waited ||
                     scorer->Log().find("another bankscore scorer is working") != std::string::npos;
  }
  EXPECT_TRUE(someone_waited) << "the scorers never overlapped, so the test proved nothing";

  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), rows);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT source_key) FROM predictions"), rows);
  EXPECT_EQ(Count(kUnscoredRows), 0);
  // No two runs scored the same key: the runs' totals add up to the rows, with no overlap hidden
  // by ON CONFLICT DO NOTHING.
  EXPECT_EQ(Count("SELECT COALESCE(SUM(rows_scored), 0) FROM scoring_runs"), rows);
  // The first to take the lock scored everything; the others then found nothing and recorded no
  // run.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM scoring_runs"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM scoring_runs WHERE status <> 'succeeded'"), 0);
  ExpectInvariants();
}

TEST_P(DaemonTest, ScoreWithoutWaitIsRefusedWhileAnotherScorerHoldsTheLock) {
  ASSERT_NO_FATAL_FAILURE(Configure(WithScoring("")));
  ASSERT_NO_FATAL_FAILURE(LoadAndTrain());
  // The test process itself holds the scorer lock, so "another scorer is busy" is certain rather
  // than a race against a fast one.
  auto db = env_.Open();
  auto lock = db->TryLockScorer(false, milliseconds(0), nullptr);
  ASSERT_NE(lock, nullptr);

  CommandResult refused = Bankscore("score");
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("another bankscore scorer"));
  EXPECT_THAT(refused.err, HasSubstr("--wait"));

  auto waiting = Start({"run", "--config", env_.config_path(), "--once"});
  ASSERT_TRUE(waiting->WaitForLog("another bankscore scorer is working", kFirstCycle))
      << waiting->Describe();
  EXPECT_TRUE(waiting->Running()) << waiting->Describe();
  EXPECT_EQ(TryCount("SELECT COUNT(*) FROM predictions").value_or(0), 0);

  lock.reset();
  ASSERT_EQ(waiting->WaitFor(kFirstCycle), 0) << waiting->Describe();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM scoring_runs"), 1) << "the refused score wrote nothing";
  ExpectInvariants();
}

INSTANTIATE_TEST_SUITE_P(Backends, DaemonTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

}  // namespace
}  // namespace bankscore::testing
