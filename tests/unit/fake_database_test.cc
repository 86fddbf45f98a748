// FakeDatabase keeps the contract the real adapters are held to in
// tests/integration/database_contract_test.cc (the same scenarios, checked through the fake's
// inspection methods), and its fault injection does what fake_database.h says.
#include "fakes/fake_database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "bankscore/error.h"
#include "fakes/synthetic_clients.h"

namespace bankscore::testing {
namespace {

using Clock = std::chrono::steady_clock;
using Fault = FakeDatabase::Fault;
using Method = FakeDatabase::Method;
using std::chrono::milliseconds;
using ::testing::ElementsAre;

class FakeDatabaseTest : public ::testing::Test {
 protected:
  FakeDatabaseTest() {
    AddClients(db_, 1, 10);
    db_.EnsureResultsSchema();
  }

  std::int64_t BeginRun(const std::string& kind = "score") {
    RunRecord run;
    run.kind = kind;
    run.model_version = "v1";
    return db_.BeginRun(run);
  }

  // The first `limit` unscored rows above `after`, as the scorer's reader delivers them.
  static ColumnarBatch Read(FakeDatabase& db, const std::string& version,
                            std::optional<std::int64_t> after, std::size_t limit) {
    ColumnarBatch batch;
    batch.Reset(ClientsConfig().source.FeatureColumns());
    db.ReadUnscored(version, after)->Next(batch, limit);
    return batch;
  }
  std::vector<std::int64_t> Keys(std::optional<std::int64_t> after, std::size_t limit) {
    return Read(db_, "v1", after, limit).keys;
  }

  FakeDatabase db_{ClientsConfig()};
};

TEST_F(FakeDatabaseTest, ReadUnscoredPagesByKeyAndSkipsRowsWithAResult) {
  const std::int64_t run = BeginRun();
  db_.WriteBatch(run, "v1", 0.5, {{2, 0.3, 0}}, {{4, "bad"}});
  EXPECT_THAT(Keys(std::nullopt, 3), ElementsAre(1, 3, 5));
  EXPECT_THAT(Keys(5, 3), ElementsAre(6, 7, 8));
  EXPECT_THAT(Keys(8, 3), ElementsAre(9, 10));
  EXPECT_EQ(Read(db_, "v2", std::nullopt, 100).rows(), 10u);  // another version
  EXPECT_TRUE(db_.HasUnscoredRows("v1"));
  const ColumnarBatch batch = Read(db_, "v1", std::nullopt, 1);
  EXPECT_THAT(batch.names, ElementsAre("job", "age", "pdays"));
  ASSERT_EQ(batch.rows(), 1u);
  const RowBatch source = SyntheticClients(1, 1);  // id, job, age, pdays, y
  const std::vector<Value>& row = source.rows[0];
  for (std::size_t c = 0; c < 3; ++c) EXPECT_EQ(batch.columns[c].ValueAt(0), row[c + 1]);
}

TEST_F(FakeDatabaseTest, ReplayedBatchInsertsAndCountsOnlyNewRows) {
  const std::int64_t run = BeginRun();
  std::vector<Prediction> predictions = {{1, 0.25, 0}, {2, 0.75, 1}};
  const std::vector<Rejection> rejections = {{3, "column age: tab\there"}};
  const BatchWriteResult first = db_.WriteBatch(run, "v1", 0.5, predictions, rejections);
  EXPECT_EQ(first.predictions_inserted, 2);
  EXPECT_EQ(first.rejections_inserted, 1);
  predictions.push_back({4, 0.5, 1});
  const BatchWriteResult second = db_.WriteBatch(run, "v1", 0.5, predictions, rejections);
  EXPECT_EQ(second.predictions_inserted, 1);
  EXPECT_EQ(second.rejections_inserted, 0);
  EXPECT_EQ(db_.Predictions().size(), 3u);
  const auto stored = db_.Runs().at(0);
  EXPECT_EQ(stored.rows_read, 4);
  EXPECT_EQ(stored.rows_scored, 3);
  EXPECT_EQ(stored.rows_rejected, 1);
  EXPECT_EQ(stored.rows_positive, 2);
}

TEST_F(FakeDatabaseTest, RelabelChangesOnlyRowsWithAnotherThresholdAndRecordsIt) {
  const std::int64_t score_run = BeginRun();
  db_.WriteBatch(score_run, "v1", 0.5, {{1, 0.25, 0}, {2, 0.75, 1}}, {});
  db_.WriteBatch(score_run, "v1", 0.3, {{3, 0.5, 1}}, {});
  db_.WriteBatch(score_run, "v0", 0.5, {{1, 0.9, 1}}, {});
  const std::int64_t relabel_run = BeginRun("relabel");
  RelabelResult r = db_.Relabel(relabel_run, "v1", Decision{0.8});
  EXPECT_EQ(r.rows_relabeled, 3);
  EXPECT_EQ(r.labels_changed, 2);
  EXPECT_EQ(r.positives_after, 0);
  EXPECT_EQ(r.previous_thresholds, "0.5 (2 rows), 0.3 (1 row)");
  const auto run = db_.Runs().at(1);
  EXPECT_EQ(run.rows_read, 3);
  EXPECT_EQ(run.rows_scored, 3);
  EXPECT_EQ(run.rows_positive, 0);
  EXPECT_EQ(db_.Predictions().at(0).label, 1);  // v0, untouched
  EXPECT_FALSE(db_.Predictions().at(0).relabeled);

  EXPECT_EQ(db_.Relabel(BeginRun("relabel"), "v1", Decision{0.8}).rows_relabeled, 0);
  r = db_.Relabel(BeginRun("relabel"), "v1", Decision{0.75});
  EXPECT_EQ(r.labels_changed, 1);  // 0.75 >= 0.75
  EXPECT_EQ(r.positives_after, 1);
  EXPECT_EQ(r.previous_thresholds, "0.8 (3 rows)");
}

TEST_F(FakeDatabaseTest, FinishRunKeepsTheTotalsAndRunsLeftRunningAreAbandonedOnce) {
  const std::int64_t finished = BeginRun();
  db_.WriteBatch(finished, "v1", 0.5, {{1, 0.25, 0}, {2, 0.75, 1}}, {{3, "bad"}});
  BeginRun();  // its process "died"
  RunRecord end;
  end.status = "failed";
  end.message = "lost the connection";
  end.threshold = 0.4;
  db_.FinishRun(finished, end);
  EXPECT_EQ(db_.MarkAbandonedRuns(), 1);
  EXPECT_EQ(db_.MarkAbandonedRuns(), 0);
  const auto runs = db_.Runs();
  EXPECT_EQ(runs[0].record.status, "failed");
  EXPECT_EQ(runs[0].record.threshold, 0.4);
  EXPECT_EQ(runs[0].rows_read, 3);
  EXPECT_EQ(runs[0].rows_positive, 1);
  EXPECT_EQ(runs[1].record.status, "abandoned");
  EXPECT_TRUE(runs[1].finished);
}

TEST_F(FakeDatabaseTest, ScorerLockIsExclusiveAcrossConnectionsUntilReleased) {
  auto other = db_.Connect(ClientsConfig());
  auto held = db_.TryLockScorer(false, milliseconds(0), nullptr);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(other->TryLockScorer(false, milliseconds(0), nullptr), nullptr);
  const auto start = Clock::now();
  EXPECT_EQ(other->TryLockScorer(true, milliseconds(100), nullptr), nullptr);
  EXPECT_GE(Clock::now() - start, milliseconds(100));
  const auto stop = [&] { return Clock::now() - start > milliseconds(150); };
  EXPECT_EQ(other->TryLockScorer(true, std::chrono::minutes(10), stop), nullptr);
  held.reset();
  auto taken = other->TryLockScorer(false, milliseconds(0), nullptr);
  ASSERT_NE(taken, nullptr);
  EXPECT_NO_THROW(taken->EnsureHeld());
}

TEST_F(FakeDatabaseTest, InjectedFaultsSkipThenFailTheGivenNumberOfCalls) {
  db_.FailNext(Method::kCountRows, Fault::kTransient, 2, /*skip=*/1);
  EXPECT_EQ(db_.CountRows("clients"), 10);
  for (int i = 0; i < 2; ++i) {
    try {
      db_.CountRows("clients");
      ADD_FAILURE() << "expected an injected fault";
    } catch (const DatabaseError& e) {
      EXPECT_TRUE(e.transient());
    }
  }
  EXPECT_EQ(db_.CountRows("clients"), 10);
  EXPECT_EQ(db_.Calls(Method::kCountRows), 4);

  // A permanent fault on a write leaves nothing behind.
  const std::int64_t run = BeginRun();
  db_.FailNext(Method::kWriteBatch, Fault::kPermanent);
  try {
    db_.WriteBatch(run, "v1", 0.5, {{1, 0.5, 1}}, {});
    ADD_FAILURE() << "expected an injected fault";
  } catch (const DatabaseError& e) {
    EXPECT_FALSE(e.transient());
  }
  EXPECT_TRUE(db_.Predictions().empty());
}

TEST_F(FakeDatabaseTest, CommitThenLoseConnectionWritesAndThrowsTransient) {
  const std::int64_t run = BeginRun();
  db_.FailNext(Method::kWriteBatch, Fault::kCommitThenLoseConnection);
  try {
    db_.WriteBatch(run, "v1", 0.5, {{1, 0.5, 1}}, {});
    ADD_FAILURE() << "expected an injected fault";
  } catch (const DatabaseError& e) {
    EXPECT_TRUE(e.transient());
  }
  EXPECT_EQ(db_.Predictions().size(), 1u);
  EXPECT_EQ(db_.Runs().at(0).rows_scored, 1);
}

TEST_F(FakeDatabaseTest, ConnectionsShareEverythingButTheirConfig) {
  Config imported = ClientsConfig();
  imported.source.table = "imported";
  db_.CreateTable("imported", ClientColumns());
  RowBatch rows = SyntheticClients(1, 3);
  rows.rows[1][0] = std::monostate{};
  db_.InsertRows("imported", rows);
  auto other = db_.Connect(imported);
  EXPECT_EQ(other->CountUnkeyedRows().null_keys, 1);
  EXPECT_EQ(db_.CountUnkeyedRows().null_keys, 0);  // clients
  EXPECT_THAT(Read(*other, "v1", std::nullopt, 10).keys, ElementsAre(1, 3));
  other->BeginRun({});
  EXPECT_EQ(db_.Runs().size(), 1u);
}

TEST_F(FakeDatabaseTest, PrimaryKeyInsertIsAllOrNothing) {
  RowBatch rows = SyntheticClients(11, 2);
  rows.rows.push_back(SyntheticClients(5, 1).rows[0]);  // key 5 exists
  EXPECT_THROW(db_.InsertRows("clients", rows), DatabaseError);
  EXPECT_EQ(db_.CountRows("clients"), 10);
  EXPECT_EQ(db_.MaxKey("clients", "id"), 10);
}

}  // namespace
}  // namespace bankscore::testing
