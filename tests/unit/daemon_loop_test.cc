// RunDaemon over a FakeDatabase, in a thread of the test, with a SignalWatcher the test signals by
// calling RequestStop/RequestReload: --once exit codes, a database that fails to open, a run cut
// short by an outage, SIGHUP reloads (a new threshold from the next batch, a broken file refused,
// a new feature list with its model), stop requests while idle and while a batch is in flight, and
// the interval schedule. The real binary, signals and databases are in tests/integration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "bankscore/daemon.h"
#include "bankscore/error.h"
#include "bankscore/signals.h"
#include "fakes/fake_database.h"
#include "fakes/synthetic_clients.h"

namespace bankscore::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Method = FakeDatabase::Method;
using Fault = FakeDatabase::Fault;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr int kClients = 250;  // batches of 100, 100 and 50
// Only bounds how long a broken daemon can hang a test; a passing test never waits for it.
constexpr milliseconds kDeadline = std::chrono::seconds(10);

// Keeps every log message, for tests that wait for one and for failure output.
class LinesSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    lines_.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

// Holds the daemon's worker inside a FakeDatabase hook until the test releases it.
class Pause {
 public:
  void Hold() {
    std::unique_lock<std::mutex> lock(mutex_);
    held_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return released_; });
  }
  bool WaitUntilHeld() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kDeadline, [&] { return held_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  bool released_ = false;
};

bool WaitUntil(const std::function<bool()>& done, milliseconds timeout = kDeadline) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

// CPU time a running thread has used.
milliseconds CpuTime(std::thread& thread) {
  clockid_t clock;
  timespec ts{};
  if (pthread_getcpuclockid(thread.native_handle(), &clock) != 0 || clock_gettime(clock, &ts)) {
    ADD_FAILURE() << "cannot read the thread's CPU clock";
  }
  return milliseconds(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

class DaemonLoopTest : public ::testing::Test {
 protected:
  DaemonLoopTest() {
    fs::create_directories(dir_);
    settings_.model_path = SyntheticModel().path;
    WriteConfig(settings_);
    AddClients(db_, 1, kClients);
    log_->set_level(spdlog::level::info);
  }

  ~DaemonLoopTest() override {
    pause_.Release();
    signals_.RequestStop();
    if (thread_.joinable()) thread_.join();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  void TearDown() override {
    if (!HasFailure()) return;
    for (const auto& line : sink_->Lines()) std::cerr << "daemon log: " << line << "\n";
  }

  void WriteConfig(const ClientsSettings& settings) { WriteFile(ClientsYaml(settings)); }
  void WriteFile(const std::string& text) { std::ofstream(config_path_, std::ios::trunc) << text; }

  DaemonOptions Options(bool once) {
    DaemonOptions options;
    options.config_path = config_path_;
    options.once = once;
    options.open_database = db_.Opener();
    return options;
  }

  int RunOnce() { return RunDaemon(LoadConfig(config_path_), Options(true), signals_, *log_); }

  // Runs the daemon (not --once) in a thread until Stop().
  void Start() {
    thread_ = std::thread([this, config = LoadConfig(config_path_), options = Options(false)] {
      try {
        exit_code_ = RunDaemon(config, options, signals_, *log_);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "RunDaemon threw: " << e.what();
      }
    });
  }

  int Stop() {
    signals_.RequestStop();
    thread_.join();
    return exit_code_;
  }

  // Pauses the worker at the start of the first WriteBatch, once Start()ed.
  void PauseInFirstBatch() {
    db_.BeforeCall(Method::kWriteBatch, [this](int call) {
      if (call == 1) pause_.Hold();
    });
  }

  bool RunEnded(std::size_t index) {
    const auto runs = db_.Runs();
    return runs.size() > index && runs[index].finished;
  }

  bool Logged(const std::string& text) {
    for (const auto& line : sink_->Lines()) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  int CountLogged(const std::string& text) {
    int n = 0;
    for (const auto& line : sink_->Lines()) n += line.find(text) != std::string::npos;
    return n;
  }

  std::size_t PredictionsOf(const std::string& version) {
    std::size_t n = 0;
    for (const auto& p : db_.Predictions()) n += p.model_version == version;
    return n;
  }

  const fs::path dir_ =
      fs::temp_directory_path() / ("bankscore-daemon-" + std::to_string(std::random_device{}()));
  const std::string config_path_ = (dir_ / "bankscore.yaml").string();
  ClientsSettings settings_;
  FakeDatabase db_{ClientsConfig()};
  std::shared_ptr<LinesSink> sink_ = std::make_shared<LinesSink>();
  std::shared_ptr<spdlog::logger> log_ = std::make_shared<spdlog::logger>("daemon", sink_);
  SignalWatcher signals_;
  Pause pause_;
  std::thread thread_;
  std::atomic<int> exit_code_{-1};
};

TEST_F(DaemonLoopTest, OnceExitsZeroAfterASuccessfulCycle) {
  EXPECT_EQ(RunOnce(), 0);
  const auto runs = db_.Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].record.status, "succeeded");
  EXPECT_EQ(runs[0].rows_scored, kClients);
  EXPECT_EQ(db_.Predictions().size(), static_cast<std::size_t>(kClients));
  EXPECT_TRUE(Logged("run 1 succeeded: scored 250, rejected 0"));
  EXPECT_FALSE(db_.ScorerLocked());
}

TEST_F(DaemonLoopTest, OnceExitsOneAfterAFailedCycle) {
  db_.FailNext(Method::kWriteBatch, Fault::kPermanent, 1, /*skip=*/1);
  EXPECT_EQ(RunOnce(), 1);
  const auto runs = db_.Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].record.status, "failed");
  EXPECT_EQ(runs[0].rows_scored, 100);
  EXPECT_TRUE(
      Logged("WriteBatch: statement failed (injected permanent fault) (is the database up?"));
  EXPECT_FALSE(db_.ScorerLocked());
}

TEST_F(DaemonLoopTest, OnceExitsOneWhenTheDatabaseCannotBeOpened) {
  db_.FailNext(Method::kOpen, Fault::kTransient);
  EXPECT_EQ(RunOnce(), 1);
  EXPECT_TRUE(db_.Runs().empty());
}

// run --once --retry-until: a failing cycle is retried with backoff until it succeeds...
TEST_F(DaemonLoopTest, OnceWithRetryUntilRetriesUntilTheCycleSucceeds) {
  db_.FailNext(Method::kOpen, Fault::kTransient, 3);
  DaemonOptions options = Options(true);
  options.retry_until = std::chrono::minutes(10);
  EXPECT_EQ(RunDaemon(LoadConfig(config_path_), options, signals_, *log_), 0);
  EXPECT_EQ(db_.Calls(Method::kOpen), 4);
  EXPECT_EQ(CountLogged("next attempt in"), 3);
  ASSERT_EQ(db_.Runs().size(), 1u);
  EXPECT_EQ(db_.Runs()[0].record.status, "succeeded");
}

// ...or the time is up: exit 1, saying so.
TEST_F(DaemonLoopTest, OnceWithRetryUntilGivesUpWhenTheTimeIsUp) {
  db_.FailNext(Method::kOpen, Fault::kTransient, 1000);
  DaemonOptions options = Options(true);
  options.retry_until = milliseconds(300);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(RunDaemon(LoadConfig(config_path_), options, signals_, *log_), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_GE(db_.Calls(Method::kOpen), 2);
  EXPECT_TRUE(Logged("giving up: the run still fails after"));
  EXPECT_TRUE(db_.Runs().empty());
}

TEST_F(DaemonLoopTest, DatabaseThatFailsToOpenIsRetriedUntilItOpens) {
  db_.FailNext(Method::kOpen, Fault::kTransient, 3);
  Start();
  ASSERT_TRUE(WaitUntil([&] { return RunEnded(0); }));
  EXPECT_EQ(Stop(), 0);
  EXPECT_EQ(db_.Calls(Method::kOpen), 4);
  EXPECT_EQ(CountLogged("Open: connection lost (injected transient fault) (is the database up?"),
            3);
  EXPECT_EQ(db_.Runs().at(0).record.status, "succeeded");
  EXPECT_EQ(db_.Predictions().size(), static_cast<std::size_t>(kClients));
}

TEST_F(DaemonLoopTest, RunCutShortByAnOutageIsRecordedAsFailedOnceTheDatabaseIsBack) {
  // The database goes away during the second batch and is still away when the run ends.
  db_.FailNext(Method::kWriteBatch, Fault::kTransient, 3, /*skip=*/1);
  db_.FailNext(Method::kFinishRun, Fault::kTransient, 3);
  Start();
  ASSERT_TRUE(WaitUntil([&] { return RunEnded(1); }));
  EXPECT_EQ(Stop(), 0);
  const auto runs = db_.Runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].record.status, "failed");  // not "abandoned": the daemon kept its end
  EXPECT_THAT(runs[0].record.message, HasSubstr("WriteBatch: connection lost"));
  EXPECT_EQ(runs[0].rows_scored, 100);
  EXPECT_EQ(runs[1].record.status, "succeeded");
  EXPECT_EQ(runs[1].rows_scored, kClients - 100);
  EXPECT_EQ(db_.Predictions().size(), static_cast<std::size_t>(kClients));
  EXPECT_EQ(db_.Calls(Method::kOpen), 2);  // reconnected from scratch after the failure
}

TEST_F(DaemonLoopTest, ReloadedThresholdAppliesFromTheNextBatch) {
  // Threshold 0 labels every row 1, threshold 1 none (no probability reaches 1).
  settings_.scoring_yaml = "  threshold: 0\n";
  WriteConfig(settings_);
  PauseInFirstBatch();
  Start();
  ASSERT_TRUE(pause_.WaitUntilHeld());
  settings_.scoring_yaml = "  threshold: 1\n";
  WriteConfig(settings_);
  signals_.RequestReload();
  ASSERT_TRUE(WaitUntil([&] { return Logged("configuration reloaded"); }));
  pause_.Release();
  ASSERT_TRUE(WaitUntil([&] { return RunEnded(0); }));
  EXPECT_EQ(Stop(), 0);

  EXPECT_TRUE(Logged("threshold 0.0000 -> 1.0000"));
  const auto run = db_.Runs().at(0);
  EXPECT_EQ(run.record.status, "succeeded");
  EXPECT_EQ(run.record.threshold, 1.0);
  EXPECT_EQ(run.rows_scored, kClients);
  EXPECT_EQ(run.rows_positive, 100);  // the first batch only
  for (const auto& p : db_.Predictions()) {
    SCOPED_TRACE(p.key);
    EXPECT_EQ(p.threshold, p.key <= 100 ? 0.0 : 1.0);
    EXPECT_EQ(p.label, p.key <= 100 ? 1 : 0);
  }
}

TEST_F(DaemonLoopTest, BrokenConfigFileIsRefusedAndTheLastGoodOneKept) {
  settings_.scoring_yaml = "  threshold: 0.5\n";
  WriteConfig(settings_);
  PauseInFirstBatch();
  Start();
  ASSERT_TRUE(pause_.WaitUntilHeld());
  settings_.scoring_yaml = "  threshold: 1.5\n";
  WriteConfig(settings_);
  signals_.RequestReload();
  ASSERT_TRUE(WaitUntil([&] { return Logged("configuration reload refused"); }));
  pause_.Release();
  ASSERT_TRUE(WaitUntil([&] { return RunEnded(0); }));
  EXPECT_TRUE(Logged("scoring.threshold: must be a number between 0 and 1, got 1.5"));
  EXPECT_EQ(db_.Runs().at(0).record.status, "succeeded");
  EXPECT_EQ(db_.Runs().at(0).record.threshold, 0.5);
  for (const auto& p : db_.Predictions()) EXPECT_EQ(p.threshold, 0.5);

  // The daemon still listens: a fixed file applies.
  settings_.scoring_yaml = "  threshold: 0.3\n";
  WriteConfig(settings_);
  signals_.RequestReload();
  EXPECT_TRUE(WaitUntil([&] { return Logged("threshold 0.5000 -> 0.3000"); }));
  EXPECT_EQ(Stop(), 0);
}

TEST_F(DaemonLoopTest, StopWhileIdleEndsPromptly) {
  Start();  // interval 5 minutes: after the first cycle the daemon waits
  ASSERT_TRUE(WaitUntil([&] { return RunEnded(0); }));
  const auto stop_at = Clock::now();
  EXPECT_EQ(Stop(), 0);
  EXPECT_LT(Clock::now() - stop_at, milliseconds(1000));
  EXPECT_TRUE(Logged("bankscore daemon stopped"));
  EXPECT_EQ(db_.Runs().size(), 1u);
}

TEST_F(DaemonLoopTest, StopDuringARunEndsItAsInterruptedAfterTheCurrentBatch) {
  PauseInFirstBatch();
  Start();
  ASSERT_TRUE(pause_.WaitUntilHeld());
  signals_.RequestStop();
  pause_.Release();
  thread_.join();
  EXPECT_EQ(exit_code_, 0);
  const auto runs = db_.Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].record.status, "interrupted");
  EXPECT_EQ(runs[0].rows_scored, 100);
  EXPECT_EQ(db_.Calls(Method::kWriteBatch), 1);
  EXPECT_FALSE(db_.ScorerLocked());
}

TEST_F(DaemonLoopTest, ControlLoopDoesNotSpinWhileTheBatchInFlightFinishesAfterAStop) {
  PauseInFirstBatch();
  Start();
  ASSERT_TRUE(pause_.WaitUntilHeld());
  signals_.RequestStop();
  std::this_thread::sleep_for(milliseconds(50));
  const milliseconds before = CpuTime(thread_);
  std::this_thread::sleep_for(milliseconds(400));
  const milliseconds used = CpuTime(thread_) - before;
  pause_.Release();
  thread_.join();
  // Waiting for the worker costs next to nothing; a busy loop would use the whole 400 ms.
  EXPECT_LT(used.count(), 100) << "the control loop used " << used.count() << " ms of CPU";
  EXPECT_EQ(exit_code_, 0);
}

TEST_F(DaemonLoopTest, NewRowsAreScoredAtTheNextCycle) {
  settings_.scoring_yaml = "  interval: 1s\n";
  WriteConfig(settings_);
  Start();
  ASSERT_TRUE(WaitUntil([&] { return RunEnded(0); }));
  const auto first_ended = Clock::now();
  AddClients(db_, kClients + 1, 20);
  ASSERT_TRUE(WaitUntil([&] { return RunEnded(1); }));
  const auto second_ended = Clock::now();
  EXPECT_EQ(Stop(), 0);
  EXPECT_GE(second_ended - first_ended, milliseconds(900));  // not before the interval
  const auto runs = db_.Runs();
  EXPECT_EQ(runs.at(1).record.status, "succeeded");
  EXPECT_EQ(runs.at(1).rows_scored, 20);
  EXPECT_EQ(db_.Predictions().size(), static_cast<std::size_t>(kClients + 20));
}

// BUG (src/service/daemon.cc, Daemon::Run): the time of the next cycle is computed when a cycle
// ends and a reload does not recompute it, so a shorter scoring.interval (or a new daily_at)
// applies only after the old wait, up to a day later, although a valid file "applies at once".
// Disabled until fixed; run with --gtest_also_run_disabled_tests.
TEST_F(DaemonLoopTest, DISABLED_ReloadedIntervalAppliesToTheWaitInProgress) {
  settings_.scoring_yaml = "  interval: 1h\n";
  WriteConfig(settings_);
  Start();
  ASSERT_TRUE(WaitUntil([&] { return RunEnded(0); }));
  AddClients(db_, kClients + 1, 20);
  settings_.scoring_yaml = "  interval: 1s\n";
  WriteConfig(settings_);
  signals_.RequestReload();
  EXPECT_TRUE(WaitUntil([&] { return RunEnded(1); }, std::chrono::seconds(5)));
  EXPECT_EQ(Stop(), 0);
}

TEST_F(DaemonLoopTest, ReloadWithAnotherFeatureAndModelScoresWithThemAtTheNextCycle) {
  // Starts on a model without pdays; the reload adds pdays and points at a model trained with it.
  const TrainedModel& without_pdays = SyntheticModel({"age"});
  const TrainedModel& with_pdays = SyntheticModel({"age", "pdays"});
  settings_.numeric = {"age"};
  settings_.model_path = without_pdays.path;
  settings_.scoring_yaml = "  interval: 1s\n";
  WriteConfig(settings_);
  Start();
  ASSERT_TRUE(WaitUntil([&] { return RunEnded(0); }));
  settings_.numeric = {"age", "pdays"};
  settings_.model_path = with_pdays.path;
  WriteConfig(settings_);
  signals_.RequestReload();
  ASSERT_TRUE(WaitUntil([&] { return Logged("configuration reloaded"); }));
  ASSERT_TRUE(WaitUntil([&] { return RunEnded(1); }));
  EXPECT_EQ(Stop(), 0);

  const auto runs = db_.Runs();
  EXPECT_EQ(runs.at(0).record.model_version, without_pdays.bundle->metadata.version);
  EXPECT_EQ(runs.at(1).record.model_version, with_pdays.bundle->metadata.version);
  EXPECT_EQ(runs.at(1).record.status, "succeeded") << runs.at(1).record.message;
  EXPECT_EQ(PredictionsOf(with_pdays.bundle->metadata.version), static_cast<std::size_t>(kClients));
}

}  // namespace
}  // namespace bankscore::testing
