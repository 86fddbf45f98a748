// ScoreNewRows over a FakeDatabase: every row scored exactly once whatever the batch size, exact
// run totals (also after a replayed batch), retries of transient failures, stop requests, a lost
// scorer lock, run ends recorded late, the privilege pre-flight, NULL keys and a threshold changed
// during a run. The same behaviour on real databases is in tests/integration.
#include "jobs/scorer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "bankscore/error.h"
#include "fakes/fake_database.h"
#include "fakes/synthetic_clients.h"

namespace bankscore::testing {
namespace {

using Method = FakeDatabase::Method;
using Fault = FakeDatabase::Fault;
using ::testing::HasSubstr;

constexpr int kScoredClients = 250;

class ScorerTest : public ::testing::Test {
 protected:
  explicit ScorerTest(std::size_t batch_size = 100)
      : config_(MakeConfig(batch_size)), db_(config_) {
    AddClients(db_, 1, kScoredClients);
    db_.EnsureResultsSchema();
  }

  static Config MakeConfig(std::size_t batch_size) {
    ClientsSettings settings;
    settings.batch_size = batch_size;
    return ClientsConfig(settings);
  }

  const ModelBundle& Model() const { return *SyntheticModel().bundle; }

  // One run, holding the scorer lock as the callers do.
  RunSummary Score(const ScoreOptions& options = {}) {
    auto lock = db_.TryLockScorer(false, std::chrono::milliseconds(0), nullptr);
    EXPECT_NE(lock, nullptr);
    return ScoreNewRows(db_, *lock, config_, Model(), options, QuietLogger());
  }

  // Rows with text in the numeric column age: the encoder rejects them.
  void AddUnreadableAges(const std::vector<std::int64_t>& keys) {
    RowBatch batch;
    batch.columns = {"id", "job", "age", "pdays", "y"};
    for (std::int64_t key : keys) {
      batch.rows.push_back(
          {key, std::string("admin."), std::string("forty"), std::int64_t{999}, std::string("no")});
    }
    db_.InsertRows("clients", batch);
  }

  std::set<std::int64_t> PredictedKeys() const {
    std::set<std::int64_t> keys;
    for (const auto& p : db_.Predictions()) keys.insert(p.key);
    return keys;
  }

  std::int64_t StoredPositives() const {
    std::int64_t n = 0;
    for (const auto& p : db_.Predictions()) n += p.label;
    return n;
  }

  Config config_;
  FakeDatabase db_;
};

// The stored run row equals the summary the caller logs, and rows_read = scored + rejected.
void ExpectRunMatches(const FakeDatabase::StoredRun& run, const RunSummary& summary) {
  EXPECT_EQ(run.run_id, summary.run_id);
  EXPECT_EQ(run.record.status, summary.status);
  EXPECT_EQ(run.record.message, summary.message);
  EXPECT_EQ(run.rows_read, summary.rows_read);
  EXPECT_EQ(run.rows_scored, summary.rows_scored);
  EXPECT_EQ(run.rows_rejected, summary.rows_rejected);
  EXPECT_EQ(run.rows_positive, summary.rows_positive);
  EXPECT_EQ(run.rows_read, run.rows_scored + run.rows_rejected);
  EXPECT_TRUE(run.finished);
}

class ScorerBatchSizeTest : public ScorerTest, public ::testing::WithParamInterface<std::size_t> {
 protected:
  ScorerBatchSizeTest() : ScorerTest(GetParam()) {}
};

TEST_P(ScorerBatchSizeTest, ScoresEveryRowExactlyOnce) {
  AddUnreadableAges({251, 252, 253});
  const RunSummary run = Score();
  EXPECT_EQ(run.status, "succeeded");
  EXPECT_EQ(run.rows_read, kScoredClients + 3);
  EXPECT_EQ(run.rows_scored, kScoredClients);
  EXPECT_EQ(run.rows_rejected, 3);
  EXPECT_EQ(run.rows_positive, StoredPositives());
  EXPECT_EQ(run.model_version, Model().metadata.version);
  ASSERT_EQ(db_.Runs().size(), 1u);
  ExpectRunMatches(db_.Runs()[0], run);

  // Each key once: 250 predictions (keys 1..250), 3 rejections, none under two keys.
  EXPECT_EQ(db_.Predictions().size(), static_cast<std::size_t>(kScoredClients));
  const std::set<std::int64_t> keys = PredictedKeys();
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(kScoredClients));
  EXPECT_EQ(*keys.begin(), 1);
  EXPECT_EQ(*keys.rbegin(), kScoredClients);
  EXPECT_EQ(db_.Rejections().size(), 3u);
  // ceil(253 / batch) full or partial batches, read through one reader.
  const std::size_t batch = GetParam();
  EXPECT_EQ(db_.Calls(Method::kWriteBatch),
            static_cast<int>((kScoredClients + 3 + batch - 1) / batch));
  EXPECT_EQ(db_.Calls(Method::kOpenReader), 1);

  // A second run finds nothing left to score, in one query, and records no run.
  const RunSummary again = Score();
  EXPECT_EQ(again.status, "nothing to score");
  EXPECT_EQ(again.run_id, 0);
  EXPECT_EQ(again.rows_read, 0);
  EXPECT_EQ(db_.Predictions().size(), static_cast<std::size_t>(kScoredClients));
  EXPECT_EQ(db_.Runs().size(), 1u);
  EXPECT_EQ(db_.Calls(Method::kOpenReader), 1);
}

// An idle check records no run, only the version's last-check row (issue 15): the runs table
// grows with work done, the check row shows that the scorer still looks.
TEST_F(ScorerTest, IdleCheckUpdatesTheLastCheckRowAndRecordsNoRun) {
  const RunSummary run = Score();
  ASSERT_EQ(run.status, "succeeded");
  ASSERT_EQ(db_.Checks().size(), 1u);
  EXPECT_EQ(db_.Checks()[0].model_version, Model().metadata.version);
  EXPECT_EQ(db_.Checks()[0].rows_found, kScoredClients);
  EXPECT_EQ(db_.Checks()[0].last_run_id, run.run_id);

  EXPECT_EQ(Score().status, "nothing to score");
  EXPECT_EQ(Score().status, "nothing to score");
  EXPECT_EQ(db_.Runs().size(), 1u);
  ASSERT_EQ(db_.Checks().size(), 1u);
  EXPECT_EQ(db_.Checks()[0].checks, 3);
  EXPECT_EQ(db_.Checks()[0].rows_found, 0);
  EXPECT_EQ(db_.Checks()[0].last_run_id, run.run_id);  // kept from the last run
}

INSTANTIATE_TEST_SUITE_P(BatchSizes, ScorerBatchSizeTest, ::testing::Values(1, 7, 100, 253, 1000));

TEST_F(ScorerTest, RecordsRejectedRowsWithTheirReasons) {
  AddUnreadableAges({300, 301});
  RowBatch infinite;
  infinite.columns = {"id", "job", "age", "pdays", "y"};
  infinite.rows.push_back({std::int64_t{302}, std::string("admin."),
                           std::numeric_limits<double>::infinity(), std::int64_t{999},
                           std::string("no")});
  db_.InsertRows("clients", infinite);

  const RunSummary run = Score();
  EXPECT_EQ(run.status, "succeeded");
  EXPECT_EQ(run.rows_rejected, 3);
  const auto rejections = db_.Rejections();
  ASSERT_EQ(rejections.size(), 3u);
  EXPECT_EQ(rejections[0].key, 300);
  EXPECT_EQ(rejections[0].reason, "column 'age': expected a number, got text 'forty'");
  EXPECT_EQ(rejections[1].key, 301);
  EXPECT_EQ(rejections[2].key, 302);
  EXPECT_THAT(rejections[2].reason, HasSubstr("column 'age'"));
  EXPECT_EQ(rejections[2].run_id, run.run_id);
  EXPECT_EQ(rejections[2].model_version, Model().metadata.version);
  // Rejected rows are not read again by the next run.
  EXPECT_EQ(Score().rows_read, 0);
}

TEST_F(ScorerTest, RetryRejectedReadsThemAgainAndRejectsOnlyThoseStillBad) {
  AddUnreadableAges({300, 301});
  ASSERT_EQ(Score().rows_rejected, 2);
  db_.UpdateCell("clients", "id", 300, "age", std::int64_t{40});  // corrected; 301 is still bad
  EXPECT_EQ(Score().rows_read, 0);  // without the option, rejected rows stay rejected

  ScoreOptions retry;
  retry.retry_rejected = true;
  const RunSummary run = Score(retry);
  EXPECT_EQ(run.rows_read, 2);
  EXPECT_EQ(run.rows_scored, 1);
  EXPECT_EQ(run.rows_rejected, 1);
  EXPECT_EQ(PredictedKeys().count(300), 1u);
  const auto rejections = db_.Rejections();
  ASSERT_EQ(rejections.size(), 1u);
  EXPECT_EQ(rejections[0].key, 301);
  EXPECT_EQ(rejections[0].run_id, run.run_id);  // rejected again, by this run
}

TEST_F(ScorerTest, ReplayedBatchAfterAnUnconfirmedCommitAddsNothing) {
  // The first batch lands, but the caller hears "connection lost" and writes it again.
  db_.FailNext(Method::kWriteBatch, Fault::kCommitThenLoseConnection);
  const RunSummary run = Score();
  EXPECT_EQ(run.status, "succeeded");
  EXPECT_EQ(db_.Calls(Method::kWriteBatch), 4);  // batches of 100, 100, 50, and the replay
  EXPECT_EQ(db_.Predictions().size(), static_cast<std::size_t>(kScoredClients));
  const auto stored = db_.Runs().at(0);
  EXPECT_EQ(stored.rows_read, kScoredClients);
  EXPECT_EQ(stored.rows_scored, kScoredClients);
  EXPECT_EQ(stored.rows_rejected, 0);
  EXPECT_EQ(stored.rows_positive, StoredPositives());
}

// BUG (src/jobs/scorer.cc, ScoringRun::WriteScored): after an unconfirmed commit the summary counts
// only what the replay inserted (nothing), so the returned summary, which `bankscore score` prints
// and the daemon logs, misses the whole batch while the stored run totals (correctly) include it.
// Disabled until fixed; run with --gtest_also_run_disabled_tests.
TEST_F(ScorerTest, DISABLED_SummaryAfterAnUnconfirmedCommitMatchesTheStoredTotals) {
  db_.FailNext(Method::kWriteBatch, Fault::kCommitThenLoseConnection);
  const RunSummary run = Score();
  EXPECT_EQ(run.rows_scored, kScoredClients);
  ExpectRunMatches(db_.Runs().at(0), run);
}

// BUG (src/jobs/scorer.cc, ScoringRun::Prepare, and Database::BeginRun, which is not
// idempotent): when the commit of BeginRun lands but its acknowledgement is lost, the retry
// inserts a second run row. The first stays 'running' and the next run marks it 'abandoned'
// ("the process ended before the run finished"), a run that never existed. Disabled until
// fixed; run with --gtest_also_run_disabled_tests.
TEST_F(ScorerTest, DISABLED_UnconfirmedRunStartLeavesNoPhantomRun) {
  db_.FailNext(Method::kBeginRun, Fault::kCommitThenLoseConnection);
  Score();
  Score();
  const auto runs = db_.Runs();
  EXPECT_EQ(runs.size(), 2u);
  for (const auto& run : runs) EXPECT_EQ(run.record.status, "succeeded") << run.run_id;
}

TEST_F(ScorerTest, TransientFailuresAreRetried) {
  // connect_attempts is 3: two failures of the same call are absorbed.
  db_.FailNext(Method::kReadUnscored, Fault::kTransient, 2);
  db_.FailNext(Method::kWriteBatch, Fault::kTransient, 2, /*skip=*/1);
  db_.FailNext(Method::kBeginRun, Fault::kTransient, 2);
  db_.FailNext(Method::kFinishRun, Fault::kTransient, 2);
  const RunSummary run = Score();
  EXPECT_EQ(run.status, "succeeded");
  EXPECT_EQ(run.rows_scored, kScoredClients);
  // Each failed read reopens the reader after the last key handed on.
  EXPECT_EQ(db_.Calls(Method::kOpenReader), 1 + 2);
  EXPECT_EQ(db_.Calls(Method::kWriteBatch), 3 + 2);
  EXPECT_EQ(db_.Calls(Method::kBeginRun), 3);
  EXPECT_EQ(db_.Calls(Method::kFinishRun), 3);
  ASSERT_EQ(db_.Runs().size(), 1u);
  ExpectRunMatches(db_.Runs()[0], run);
}

TEST_F(ScorerTest, TransientFailuresBeyondConnectAttemptsFailTheRunAndRethrow) {
  // The second batch fails on all 3 attempts: the first batch stays, the run is recorded failed.
  db_.FailNext(Method::kWriteBatch, Fault::kTransient, 3, /*skip=*/1);
  try {
    Score();
    FAIL() << "expected a DatabaseError";
  } catch (const DatabaseError& e) {
    EXPECT_TRUE(e.transient());
    EXPECT_THAT(e.what(), HasSubstr("WriteBatch"));
  }
  EXPECT_EQ(db_.Calls(Method::kWriteBatch), 1 + 3);
  const auto run = db_.Runs().at(0);
  EXPECT_EQ(run.record.status, "failed");
  EXPECT_THAT(run.record.message, HasSubstr("WriteBatch: connection lost"));
  EXPECT_TRUE(run.finished);
  EXPECT_EQ(run.rows_scored, 100);
  EXPECT_EQ(db_.Predictions().size(), 100u);
  // The next run scores the rest.
  EXPECT_EQ(Score().rows_scored, kScoredClients - 100);
  EXPECT_EQ(db_.Predictions().size(), static_cast<std::size_t>(kScoredClients));
}

TEST_F(ScorerTest, NonTransientErrorFailsAtOnce) {
  db_.FailNext(Method::kReadUnscored, Fault::kPermanent, 1, /*skip=*/1);
  try {
    Score();
    FAIL() << "expected a DatabaseError";
  } catch (const DatabaseError& e) {
    EXPECT_FALSE(e.transient());
  }
  EXPECT_EQ(db_.Calls(Method::kReadUnscored), 2);
  const auto run = db_.Runs().at(0);
  EXPECT_EQ(run.record.status, "failed");
  EXPECT_THAT(run.record.message, HasSubstr("ReadUnscored: statement failed"));
  EXPECT_EQ(run.rows_scored, 100);
}

TEST_F(ScorerTest, StopRequestEndsTheRunAsInterruptedAfterTheCurrentBatch) {
  ScoreOptions options;
  options.should_stop = [&] { return db_.Calls(Method::kWriteBatch) >= 1; };
  const RunSummary run = Score(options);
  EXPECT_EQ(run.status, "interrupted");
  EXPECT_EQ(run.message, "stopped by signal");
  EXPECT_EQ(run.rows_scored, 100);
  EXPECT_EQ(db_.Predictions().size(), 100u);
  ExpectRunMatches(db_.Runs().at(0), run);
  // The next run scores the other 150.
  EXPECT_EQ(Score().rows_scored, kScoredClients - 100);
}

TEST_F(ScorerTest, StopRequestDuringRetriesEndsTheRunAsInterruptedWithoutAnError) {
  db_.FailNext(Method::kWriteBatch, Fault::kTransient, 3, /*skip=*/1);
  ScoreOptions options;
  options.should_stop = [&] { return db_.Calls(Method::kWriteBatch) >= 2; };
  const RunSummary run = Score(options);
  EXPECT_EQ(run.status, "interrupted");
  EXPECT_THAT(run.message, HasSubstr("stopped by signal while retrying"));
  EXPECT_EQ(db_.Calls(Method::kWriteBatch), 2);
  ExpectRunMatches(db_.Runs().at(0), run);
}

TEST_F(ScorerTest, LostScorerLockFailsTheRun) {
  // Another scorer took the lock after the first batch.
  db_.FailNext(Method::kEnsureHeld, Fault::kPermanent, 1, /*skip=*/1);
  EXPECT_THROW(Score(), DatabaseError);
  EXPECT_EQ(db_.Calls(Method::kWriteBatch), 1);  // the second batch was never written
  const auto run = db_.Runs().at(0);
  EXPECT_EQ(run.record.status, "failed");
  EXPECT_THAT(run.record.message, HasSubstr("EnsureHeld"));
  EXPECT_EQ(run.rows_scored, 100);
  EXPECT_EQ(db_.Predictions().size(), 100u);
}

TEST_F(ScorerTest, UnrecordedRunEndIsWrittenAtTheStartOfTheNextRun) {
  std::vector<UnrecordedRunEnd> unrecorded;
  ScoreOptions options;
  options.unrecorded_ends = &unrecorded;
  db_.FailNext(Method::kFinishRun, Fault::kTransient, 3);  // down while the run ends
  const RunSummary first = Score(options);
  EXPECT_EQ(first.status, "succeeded");
  ASSERT_EQ(unrecorded.size(), 1u);
  EXPECT_EQ(unrecorded[0].run_id, first.run_id);
  EXPECT_EQ(db_.Runs().at(0).record.status, "running");

  // Recorded before the next run looks for abandoned runs: succeeded, not abandoned.
  std::vector<std::string> order;
  db_.BeforeCall(Method::kFinishRun, [&](int) { order.push_back("FinishRun"); });
  db_.BeforeCall(Method::kMarkAbandonedRuns, [&](int) { order.push_back("MarkAbandonedRuns"); });
  db_.BeforeCall(Method::kBeginRun, [&](int) { order.push_back("BeginRun"); });
  AddClients(db_, kScoredClients + 1, 10);
  const RunSummary second = Score(options);
  EXPECT_TRUE(unrecorded.empty());
  EXPECT_EQ(second.rows_scored, 10);
  const auto runs = db_.Runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].record.status, "succeeded");
  EXPECT_TRUE(runs[0].finished);
  EXPECT_EQ(runs[0].rows_scored, kScoredClients);
  EXPECT_EQ(runs[1].record.status, "succeeded");
  EXPECT_EQ(order,
            (std::vector<std::string>{"FinishRun", "MarkAbandonedRuns", "BeginRun", "FinishRun"}));
}

TEST_F(ScorerTest, RunLeftRunningWithoutARecordIsMarkedAbandonedByTheNextRun) {
  db_.FailNext(Method::kFinishRun, Fault::kTransient, 3);
  Score();  // no unrecorded_ends list: nobody keeps the end
  EXPECT_EQ(db_.Runs().at(0).record.status, "running");
  // Also a run with nothing to score settles it.
  EXPECT_EQ(Score().status, "nothing to score");
  ASSERT_EQ(db_.Runs().size(), 1u);
  EXPECT_EQ(db_.Runs().at(0).record.status, "abandoned");
}

TEST_F(ScorerTest, RefusedPrivilegeCheckWritesNothing) {
  // A run left by a dead process stays as it is too: nothing at all is written.
  RunRecord dead;
  dead.model_version = "old";
  db_.BeginRun(dead);
  db_.RefuseScoringAccess("INSERT on predictions");
  try {
    Score();
    FAIL() << "expected a DatabaseError";
  } catch (const DatabaseError& e) {
    EXPECT_FALSE(e.transient());
    EXPECT_THAT(e.what(), HasSubstr("lacks INSERT on predictions"));
  }
  EXPECT_EQ(db_.Calls(Method::kCheckScoringAccess), 1);
  EXPECT_EQ(db_.Calls(Method::kBeginRun), 1);  // only the test's own
  EXPECT_EQ(db_.Calls(Method::kMarkAbandonedRuns), 0);
  EXPECT_EQ(db_.Calls(Method::kWriteBatch), 0);
  EXPECT_EQ(db_.Calls(Method::kFinishRun), 0);
  ASSERT_EQ(db_.Runs().size(), 1u);
  EXPECT_EQ(db_.Runs()[0].record.status, "running");
  EXPECT_TRUE(db_.Predictions().empty());
}

TEST_F(ScorerTest, ReportsRowsWithANullKeyAndNeverScoresThem) {
  Config config = MakeConfig(100);
  config.source.table = "imported";
  FakeDatabase db(config);
  db.CreateTable("imported", ClientColumns());  // made by the bank: no primary key
  RowBatch rows = SyntheticClients(1, 20);
  rows.rows[3][0] = std::monostate{};
  rows.rows[17][0] = std::monostate{};
  db.InsertRows("imported", rows);
  db.EnsureResultsSchema();
  auto lock = db.TryLockScorer(false, std::chrono::milliseconds(0), nullptr);
  const RunSummary run = ScoreNewRows(db, *lock, config, Model(), {}, QuietLogger());
  EXPECT_EQ(run.null_keys, 2);
  EXPECT_EQ(run.rows_scored, 18);
  EXPECT_EQ(db.Predictions().size(), 18u);
}

TEST_F(ScorerTest, TransientFailureCountingNullKeysIsRetried) {
  db_.FailNext(Method::kCountUnkeyedRows, Fault::kTransient);
  const RunSummary run = Score();
  EXPECT_EQ(run.status, "succeeded");
  EXPECT_EQ(run.rows_scored, kScoredClients);
  EXPECT_EQ(db_.Calls(Method::kCountUnkeyedRows), 2);
}

TEST_F(ScorerTest, ThresholdChangedBetweenBatchesAppliesFromTheNextBatch) {
  // Every probability is >= 0 and none reaches 1: batch 1 is all positive, the rest negative.
  LiveThreshold threshold(0.0);
  db_.BeforeCall(Method::kWriteBatch, [&](int call) {
    if (call == 1) threshold.Set(1.0);  // batch 1 is already labelled; batch 2 reads this
  });
  ScoreOptions options;
  options.threshold = &threshold;
  const RunSummary run = Score(options);
  EXPECT_EQ(run.rows_scored, kScoredClients);
  EXPECT_EQ(run.rows_positive, 100);
  EXPECT_EQ(run.threshold, 1.0);
  EXPECT_EQ(db_.Runs().at(0).record.threshold, 1.0);
  for (const auto& p : db_.Predictions()) {
    SCOPED_TRACE(p.key);
    EXPECT_EQ(p.threshold, p.key <= 100 ? 0.0 : 1.0);
    EXPECT_EQ(p.label, p.key <= 100 ? 1 : 0);
  }
}

TEST_F(ScorerTest, ExplicitThresholdOverridesTheBundles) {
  ASSERT_NE(Model().metadata.threshold, 0.5);
  ClientsSettings settings;
  settings.scoring_yaml = "  threshold: 0.5\n";
  config_ = ClientsConfig(settings);
  const RunSummary run = Score();
  EXPECT_EQ(run.threshold, 0.5);
  std::int64_t positives = 0;
  for (const auto& p : db_.Predictions()) {
    EXPECT_EQ(p.threshold, 0.5);
    EXPECT_EQ(p.label, p.probability >= 0.5 ? 1 : 0);
    positives += p.label;
  }
  EXPECT_EQ(run.rows_positive, positives);
  EXPECT_GT(positives, 0);
  EXPECT_LT(positives, kScoredClients);
}

// Drift: one row per feature column and one for the probability, recorded with the run's end
// over the rows it scored (rejected rows are not counted); no status below monitoring.min_rows.
TEST_F(ScorerTest, RecordsDriftPerColumnWithTheRunEnd) {
  AddUnreadableAges({1001, 1002});
  const RunSummary summary = Score();
  ASSERT_EQ(summary.status, "succeeded");
  const FakeDatabase::StoredRun run = db_.Runs().back();
  const std::vector<DriftRow>& drift = run.record.drift;
  ASSERT_EQ(drift.size(), Model().encoder.input_columns().size() + 1);
  EXPECT_EQ(drift.back().column, "(probability)");
  for (const DriftRow& d : drift) {
    EXPECT_EQ(d.rows, kScoredClients) << d.column;
    EXPECT_EQ(d.status, std::nullopt) << d.column;  // 250 rows < min_rows 500
    EXPECT_GE(d.psi, 0) << d.column;
  }
  EXPECT_EQ(summary.drift.size(), drift.size());

  // With min_rows 0 and a tiny alert threshold every column that moved at all alerts, and the
  // message names them.
  config_.monitoring = MonitoringConfig{1e-9, 2e-9, 0};
  AddClients(db_, 2001, 50);
  const RunSummary second = Score();
  const FakeDatabase::StoredRun again = db_.Runs().back();
  ASSERT_EQ(again.record.drift.size(), drift.size());
  EXPECT_EQ(again.record.drift[0].rows, 50);
  EXPECT_THAT(second.message, HasSubstr("drift alert (PSI >= 2e-09): "));
  EXPECT_EQ(again.record.message, second.message);
  const std::optional<RunDrift> read = db_.ReadRunDrift(std::nullopt);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->run_id, second.run_id);
  EXPECT_EQ(read->columns.size(), drift.size());
  EXPECT_GE(read->columns.front().psi, read->columns.back().psi);  // worst first
}

}  // namespace
}  // namespace bankscore::testing
