// Leased scoring (ScoreOptions::worker) over a FakeDatabase and its FakeLeaseStore: how the key
// space is cut into ranges, claims, a range taken over from a silent worker (counted), a range
// lost to another worker mid-run, a stop request giving the range back, and several workers
// scoring one table together with every row scored exactly once. The same on PostgreSQL, with
// processes killed at random moments, is tests/integration/workers_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "bankscore/error.h"
#include "fakes/fake_database.h"
#include "fakes/synthetic_clients.h"
#include "jobs/scorer.h"
#include "jobs/worker_pool.h"

namespace bankscore::testing {
namespace {

using ::testing::HasSubstr;
using Lease = FakeLeaseStore::StoredLease;

constexpr int kClients = 250;

class LeaseWorkerTest : public ::testing::Test {
 protected:
  LeaseWorkerTest() : config_(MakeConfig()), db_(config_) {
    AddClients(db_, 1, kClients);
    db_.EnsureResultsSchema();
  }

  static Config MakeConfig() {
    ClientsSettings settings;
    settings.batch_size = 20;
    Config config = ClientsConfig(settings);
    config.scoring.lease_rows = 100;  // keys 1..100, 101..200, 201..250
    config.scoring.lease_timeout = std::chrono::seconds(60);
    return config;
  }

  RunSummary Work(FakeDatabase& db, const std::string& worker,
                  const StopRequested& stop = nullptr) {
    auto lock = db.TryLockScorerShared(false, std::chrono::milliseconds(0), nullptr);
    EXPECT_NE(lock, nullptr);
    ScoreOptions options;
    options.worker = worker;
    options.should_stop = stop;
    return ScoreNewRows(db, *lock, config_, *SyntheticModel().bundle, options, QuietLogger());
  }

  std::string Version() const { return SyntheticModel().bundle->metadata.version; }
  FakeLeaseStore& Leases() { return db_.FakeLeases(); }

  std::set<std::int64_t> PredictedKeys() const {
    std::set<std::int64_t> keys;
    for (const auto& p : db_.Predictions()) keys.insert(p.key);
    return keys;
  }

  Config config_;
  FakeDatabase db_;
};

TEST_F(LeaseWorkerTest, CutsTheKeysIntoRangesOfLeaseRowsAndScoresThemAll) {
  const RunSummary run = Work(db_, "w1");
  EXPECT_EQ(run.status, "succeeded");
  EXPECT_EQ(run.rows_scored, kClients);
  EXPECT_EQ(run.leases_claimed, 3);
  EXPECT_EQ(run.lease_takeovers, 0);
  EXPECT_EQ(run.worker, "w1");
  const std::vector<Lease> leases = Leases().Leases();
  ASSERT_EQ(leases.size(), 3u);
  EXPECT_EQ(std::make_pair(leases[0].lo, leases[0].hi), std::make_pair(1L, 100L));
  EXPECT_EQ(std::make_pair(leases[1].lo, leases[1].hi), std::make_pair(101L, 200L));
  EXPECT_EQ(std::make_pair(leases[2].lo, leases[2].hi), std::make_pair(201L, 250L));
  for (const Lease& l : leases) EXPECT_EQ(l.state, "done");
  // The run row says who worked and how much.
  ASSERT_EQ(db_.Runs().size(), 1u);
  EXPECT_EQ(db_.Runs()[0].record.worker, "w1");
  EXPECT_EQ(db_.Runs()[0].record.leases_claimed, 3);
  EXPECT_EQ(db_.Runs()[0].rows_scored, kClients);
}

TEST_F(LeaseWorkerTest, NothingLeftToClaimRecordsNoRun) {
  Work(db_, "w1");
  AddClients(db_, 251, 10);  // keys 251..260, above the planned ranges: one new range
  const RunSummary second = Work(db_, "w2");
  EXPECT_EQ(second.rows_scored, 10);
  EXPECT_EQ(second.leases_claimed, 1);
  ASSERT_EQ(Leases().Leases().size(), 4u);
  EXPECT_EQ(Leases().Leases()[3].lo, 251);
  const RunSummary third = Work(db_, "w3");
  EXPECT_EQ(third.status, "nothing to score");
  EXPECT_EQ(third.run_id, 0);
  EXPECT_EQ(db_.Runs().size(), 2u);
}

TEST_F(LeaseWorkerTest, ARangeOfALiveWorkerIsLeftAloneAndASilentOneIsTakenOver) {
  Leases().PlanLeases(Version(), config_.scoring.lease_rows);
  // "dead" claims keys 1..100 and never sends a heartbeat again.
  const auto claimed = Leases().ClaimLease(Version(), "dead", config_.scoring.lease_timeout);
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->lo, 1);

  // 59 s later its range is still its own.
  Leases().AdvanceClock(std::chrono::seconds(59));
  const RunSummary early = Work(db_, "w1");
  EXPECT_EQ(early.rows_scored, 150);
  EXPECT_EQ(early.leases_claimed, 2);
  EXPECT_EQ(early.lease_takeovers, 0);
  EXPECT_EQ(Leases().Leases()[0].worker, "dead");

  // Past the timeout it is taken over, once, and counted on the range and the run.
  Leases().AdvanceClock(std::chrono::seconds(2));
  const RunSummary late = Work(db_, "w2");
  EXPECT_EQ(late.rows_scored, 100);
  EXPECT_EQ(late.leases_claimed, 1);
  EXPECT_EQ(late.lease_takeovers, 1);
  EXPECT_EQ(Leases().Leases()[0].takeovers, 1);
  EXPECT_EQ(Leases().Leases()[0].state, "done");
  EXPECT_EQ(db_.Runs().back().record.lease_takeovers, 1);
  EXPECT_EQ(PredictedKeys().size(), static_cast<std::size_t>(kClients));
}

TEST_F(LeaseWorkerTest, ARangeTakenOverMidRunIsLeftToTheNewWorker) {
  config_.scoring.lease_rows = 1000;  // one range, keys 1..250: the only one to take over
  // Before w1's first write, its heartbeat is late and "thief" takes the range.
  bool stolen = false;
  Leases().BeforeHeartbeat([&](std::int64_t lease_id, const std::string& worker) {
    if (stolen || lease_id != 1 || worker != "w1") return;
    stolen = true;
    Leases().AdvanceClock(std::chrono::seconds(61));
    const auto lease = Leases().ClaimLease(Version(), "thief", config_.scoring.lease_timeout);
    ASSERT_TRUE(lease);
    EXPECT_TRUE(lease->taken_over);
    EXPECT_EQ(lease->previous_worker, "w1");
  });
  const RunSummary run = Work(db_, "w1");
  EXPECT_TRUE(stolen);
  EXPECT_EQ(run.status, "succeeded");
  EXPECT_EQ(run.leases_claimed, 1);
  // Nothing was written by w1: the heartbeat comes before each write.
  EXPECT_EQ(run.rows_scored, 0);
  EXPECT_TRUE(db_.Predictions().empty());
  ASSERT_EQ(Leases().Leases().size(), 1u);
  EXPECT_EQ(Leases().Leases()[0].state, "claimed");
  EXPECT_EQ(Leases().Leases()[0].worker, "thief");
}

TEST_F(LeaseWorkerTest, AStopGivesTheRangeBackForAnotherWorkerAtOnce) {
  int heartbeats = 0;
  Leases().BeforeHeartbeat([&](std::int64_t, const std::string&) { ++heartbeats; });
  const RunSummary stopped = Work(db_, "w1", [&] { return heartbeats >= 2; });
  EXPECT_EQ(stopped.status, "interrupted");
  EXPECT_LT(stopped.rows_scored, kClients);
  EXPECT_EQ(Leases().Leases()[0].state, "pending");  // given back, no timeout to wait for
  Leases().BeforeHeartbeat(nullptr);
  const RunSummary rest = Work(db_, "w2");
  EXPECT_EQ(rest.lease_takeovers, 0);
  EXPECT_EQ(stopped.rows_scored + rest.rows_scored, kClients);
  EXPECT_EQ(PredictedKeys().size(), static_cast<std::size_t>(kClients));
}

TEST_F(LeaseWorkerTest, FourWorkersScoreEveryRowExactlyOnceAndDoNotMarkEachOtherAbandoned) {
  AddClients(db_, 251, 750);  // keys 1..1000: ten ranges
  std::vector<RunSummary> runs(4);
  std::vector<std::unique_ptr<FakeDatabase>> connections;
  for (int i = 0; i < 4; ++i) connections.push_back(db_.Connect(config_));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { runs[i] = Work(*connections[i], "w" + std::to_string(i + 1)); });
  }
  for (auto& t : threads) t.join();
  std::int64_t scored = 0, claimed = 0;
  for (const RunSummary& r : runs) {
    if (r.run_id == 0) continue;  // found nothing left to claim
    EXPECT_EQ(r.status, "succeeded");
    scored += r.rows_scored;
    claimed += r.leases_claimed;
  }
  EXPECT_EQ(scored, 1000);
  EXPECT_EQ(claimed, 10);
  EXPECT_EQ(db_.Predictions().size(), 1000u);
  EXPECT_EQ(PredictedKeys().size(), 1000u);
  for (const auto& run : db_.Runs()) EXPECT_EQ(run.record.status, "succeeded");
}

// The pool behind score --workers and run --workers: one connection per worker, shared model.
TEST_F(LeaseWorkerTest, WorkerPoolScoresEveryRowOnceWithAConnectionPerWorker) {
  AddClients(db_, 251, 750);  // keys 1..1000: ten ranges
  std::mutex mutex;
  int opened = 0;
  WorkerPoolOptions pool;
  pool.workers = 3;
  pool.open_database = [&]() -> std::unique_ptr<Database> {
    std::lock_guard<std::mutex> lock(mutex);
    ++opened;
    return db_.Connect(config_);
  };
  const std::vector<WorkerOutcome> outcomes =
      RunScoringWorkers(config_, *SyntheticModel().bundle, pool, QuietLogger());
  ASSERT_EQ(outcomes.size(), 3u);
  std::int64_t claimed = 0;
  for (const WorkerOutcome& o : outcomes) {
    EXPECT_FALSE(o.failure);
    EXPECT_EQ(o.started_run_id, o.summary.run_id);
    claimed += o.summary.leases_claimed;
  }
  EXPECT_EQ(opened, 3);
  EXPECT_EQ(RowsRead(outcomes), 1000);
  EXPECT_EQ(claimed, 10);
  EXPECT_EQ(db_.Predictions().size(), 1000u);
  EXPECT_EQ(PredictedKeys().size(), 1000u);
}

TEST_F(LeaseWorkerTest, WorkerPoolReturnsAFailedWorkersErrorWhileTheOthersFinishTheTable) {
  std::atomic<int> opened{0};
  WorkerPoolOptions pool;
  pool.workers = 2;
  pool.open_database = [&]() -> std::unique_ptr<Database> {
    if (opened++ == 0) throw DatabaseError("connection refused");
    return db_.Connect(config_);
  };
  const std::vector<WorkerOutcome> outcomes =
      RunScoringWorkers(config_, *SyntheticModel().bundle, pool, QuietLogger());
  int failed = 0;
  for (const WorkerOutcome& o : outcomes) failed += o.failure != nullptr;
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(RowsRead(outcomes), kClients);
  EXPECT_EQ(PredictedKeys().size(), static_cast<std::size_t>(kClients));
}

TEST(WorkerCountTest, OneToTwoHundredFiftySixAndMoreThanOneOnlyOnPostgres) {
  Config config;
  config.database.backend = DatabaseConfig::Backend::kSqlite;
  EXPECT_NO_THROW(CheckWorkerCount(config, 1, "--workers"));
  try {
    CheckWorkerCount(config, 2, "--workers");
    ADD_FAILURE() << "SQLite took two workers";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "--workers 2: the SQLite backend admits one scorer at a time; several scoring "
                 "workers need PostgreSQL (database.backend: postgres)");
  }
  config.database.backend = DatabaseConfig::Backend::kPostgres;
  EXPECT_NO_THROW(CheckWorkerCount(config, 256, "--workers"));
  EXPECT_THROW(CheckWorkerCount(config, 0, "--workers"), ConfigError);
  EXPECT_THROW(CheckWorkerCount(config, 257, "--workers"), ConfigError);
}

TEST_F(LeaseWorkerTest, SqliteLikeBackendWithoutLeasesIsRefused) {
  // A Database without leases (as SQLite): a worker refuses before recording anything.
  class NoLeases : public FakeDatabase {
   public:
    using FakeDatabase::FakeDatabase;
    LeaseStore* Leases() override { return nullptr; }
  };
  NoLeases db(config_);
  AddClients(db, 1, 10);
  db.EnsureResultsSchema();
  auto lock = db.TryLockScorer(false, std::chrono::milliseconds(0), nullptr);
  ScoreOptions options;
  options.worker = "w1";
  try {
    ScoreNewRows(db, *lock, config_, *SyntheticModel().bundle, options, QuietLogger());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("scoring workers need PostgreSQL"));
  }
  EXPECT_TRUE(db.Runs().empty());
}

}  // namespace
}  // namespace bankscore::testing
