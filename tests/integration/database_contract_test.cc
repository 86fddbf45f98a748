// The Database interface's contract (bankscore/database.h), checked on both implementations with
// the same test bodies: idempotent DDL, batch writes that skip rows already written and count only
// what they inserted, relabel, abandoned runs and the exclusive scorer lock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class DatabaseContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<Database> OpenWithResultsSchema() {
    auto db = env_.Open();
    db->CreateSourceTable("bank_clients", {{"client_id", ColumnType::kInteger}}, "client_id");
    db->EnsureResultsSchema();
    db->EnsureResultsSchema();  // idempotent
    return db;
  }

  TestEnvironment env_{GetParam()};
};

TEST_P(DatabaseContractTest, ReplayedBatchInsertsAndCountsOnlyNewRows) {
  auto db = OpenWithResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t run_id = db->BeginRun(run);
  std::vector<Prediction> predictions = {{1, 0.25, 0}, {2, 0.75, 1}};
  std::vector<Rejection> rejections = {{3, "column age: tab\there"}};

  BatchWriteResult first = db->WriteBatch(run_id, "v1", 0.5, predictions, rejections);
  EXPECT_EQ(first.predictions_inserted, 2);
  EXPECT_EQ(first.rejections_inserted, 1);
  // The same batch again (as after a lost COMMIT acknowledgement) plus one new row.
  predictions.push_back({4, 0.5, 1});
  BatchWriteResult second = db->WriteBatch(run_id, "v1", 0.5, predictions, rejections);
  EXPECT_EQ(second.predictions_inserted, 1);
  EXPECT_EQ(second.rejections_inserted, 0);

  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions"), 3);
  RowBatch reason = db->Query("SELECT reason FROM rejected_rows");
  ASSERT_EQ(reason.rows.size(), 1u);
  EXPECT_EQ(reason.rows[0][0], Value(std::string("column age: tab\there")));
  // The run's totals count what was inserted (3 + 1), so rows_read = scored + rejected holds and
  // the replayed positive (key 2) is not counted twice.
  EXPECT_EQ(env_.QueryInt("SELECT rows_read FROM scoring_runs"), 4);
  EXPECT_EQ(env_.QueryInt("SELECT rows_scored FROM scoring_runs"), 3);
  EXPECT_EQ(env_.QueryInt("SELECT rows_rejected FROM scoring_runs"), 1);
  EXPECT_EQ(env_.QueryInt("SELECT rows_positive FROM scoring_runs"), 2);
}

TEST_P(DatabaseContractTest, SameKeysUnderAnotherModelVersionAreNewRows) {
  auto db = OpenWithResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t run_id = db->BeginRun(run);
  const std::vector<Prediction> predictions = {{1, 0.25, 0}, {2, 0.75, 1}};
  EXPECT_EQ(db->WriteBatch(run_id, "v1", 0.5, predictions, {}).predictions_inserted, 2);
  EXPECT_EQ(db->WriteBatch(run_id, "v2", 0.5, predictions, {}).predictions_inserted, 2);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions"), 4);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(DISTINCT model_version) FROM predictions"), 2);
}

TEST_P(DatabaseContractTest, RelabelChangesOnlyRowsWithAnotherThreshold) {
  auto db = OpenWithResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t run_id = db->BeginRun(run);
  db->WriteBatch(run_id, "v1", 0.5, {{1, 0.25, 0}, {2, 0.75, 1}, {3, 0.5, 1}}, {});
  db->WriteBatch(run_id, "v0", 0.5, {{1, 0.9, 1}}, {});  // another version: untouched

  EXPECT_EQ(db->Relabel("v1", 0.8), 3);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions WHERE model_version = 'v1' AND "
                          "label = 1"),
            0);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions WHERE model_version = 'v1' AND "
                          "relabeled_at IS NOT NULL"),
            3);
  EXPECT_EQ(env_.QueryInt("SELECT label FROM predictions WHERE model_version = 'v0'"), 1);
  // Same threshold again: nothing differs, nothing changes.
  EXPECT_EQ(db->Relabel("v1", 0.8), 0);
  // probability >= threshold is positive: 0.75 at threshold 0.75 becomes 1.
  EXPECT_EQ(db->Relabel("v1", 0.75), 3);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions WHERE model_version = 'v1' AND "
                          "label = 1"),
            1);
}

TEST_P(DatabaseContractTest, RunsLeftRunningAreMarkedAbandonedOnce) {
  auto db = OpenWithResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t finished = db->BeginRun(run);
  db->BeginRun(run);  // its process "died": never finished
  run.status = "succeeded";
  db->FinishRun(finished, run);

  EXPECT_EQ(db->MarkAbandonedRuns(), 1);
  EXPECT_EQ(db->MarkAbandonedRuns(), 0);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE status = 'abandoned' AND "
                          "finished_at IS NOT NULL"),
            1);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE status = 'succeeded'"), 1);
}

TEST_P(DatabaseContractTest, ScorerLockIsExclusiveUntilReleased) {
  auto a = env_.Open();
  auto b = env_.Open();
  auto held = a->TryLockScorer(false, milliseconds(0));
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(b->TryLockScorer(false, milliseconds(0)), nullptr);
  const auto start = Clock::now();
  EXPECT_EQ(b->TryLockScorer(true, milliseconds(300)), nullptr);
  EXPECT_GE(Clock::now() - start, milliseconds(300));
  held.reset();
  EXPECT_NE(b->TryLockScorer(false, milliseconds(0)), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseContractTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& p) {
                           return BackendName(p.param);
                         });

}  // namespace
}  // namespace bankscore::testing
