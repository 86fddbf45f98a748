// The pipelined scorer's own behaviour over a FakeDatabase, beyond what scorer_test covers: keys
// that appear more than once (a source table without a primary key), a reader that fails part way
// and is reopened after the last key it delivered, and memory that does not grow with the table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "bankscore/error.h"
#include "fakes/fake_database.h"
#include "fakes/synthetic_clients.h"
#include "jobs/scorer.h"

namespace bankscore::testing {
namespace {

using Method = FakeDatabase::Method;
using Fault = FakeDatabase::Fault;
using ::testing::HasSubstr;

class PipelineTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  PipelineTest() : config_(MakeConfig(GetParam())), db_(config_) {
    db_.CreateTable("clients", ClientColumns());  // no primary key: duplicates allowed
    db_.EnsureResultsSchema();
  }

  static Config MakeConfig(std::size_t batch_size) {
    ClientsSettings settings;
    settings.batch_size = batch_size;
    return ClientsConfig(settings);
  }

  RunSummary Score() {
    auto lock = db_.TryLockScorer(false, std::chrono::milliseconds(0), nullptr);
    return ScoreNewRows(db_, *lock, config_, *SyntheticModel().bundle, ScoreOptions{},
                        QuietLogger());
  }

  Config config_;
  FakeDatabase db_;
};

// Keys 1..100, with keys 10, 11 (twice each) and 50 (three times) duplicated: every row of a
// duplicated key is refused with one rejection naming the count; the others are scored, whatever
// the batch size (batches would otherwise cut a key's rows apart).
TEST_P(PipelineTest, DuplicatedKeysAreRejectedWholeAndTheOthersScored) {
  db_.InsertRows("clients", SyntheticClients(1, 100));
  db_.InsertRows("clients", SyntheticClients(10, 2));
  db_.InsertRows("clients", SyntheticClients(50, 1));
  db_.InsertRows("clients", SyntheticClients(50, 1));
  const RunSummary run = Score();
  EXPECT_EQ(run.status, "succeeded");
  EXPECT_EQ(run.rows_scored, 97);
  EXPECT_EQ(run.rows_rejected, 3);
  std::map<std::int64_t, std::string> rejected;
  for (const auto& r : db_.Rejections()) rejected[r.key] = r.reason;
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_THAT(rejected[10], HasSubstr("key 10 appears in 2 source rows"));
  EXPECT_THAT(rejected[11], HasSubstr("key 11 appears in 2 source rows"));
  EXPECT_THAT(rejected[50], HasSubstr("key 50 appears in 3 source rows"));
  for (const auto& p : db_.Predictions()) {
    EXPECT_FALSE(p.key == 10 || p.key == 11 || p.key == 50) << p.key;
  }
  EXPECT_EQ(Score().status, "nothing to score");
}

// A reader that fails after some batches is reopened after the last key it handed on: every row
// is scored once, none twice, none skipped.
TEST_P(PipelineTest, FailedReaderIsReopenedAfterTheLastKeyItDelivered) {
  db_.InsertRows("clients", SyntheticClients(1, 200));
  db_.FailNext(Method::kReadUnscored, Fault::kTransient, 1, /*skip=*/3);
  const RunSummary run = Score();
  EXPECT_EQ(run.status, "succeeded");
  EXPECT_EQ(run.rows_scored, 200);
  EXPECT_EQ(db_.Predictions().size(), 200u);
  EXPECT_EQ(db_.Calls(Method::kOpenReader), 2);
  EXPECT_EQ(db_.Runs().at(0).rows_scored, 200);
}

// A reader failure that cannot be retried still lets the batches already read be written.
TEST_P(PipelineTest, PermanentReadFailureFailsTheRunAfterWritingWhatWasRead) {
  db_.InsertRows("clients", SyntheticClients(1, 200));
  db_.FailNext(Method::kReadUnscored, Fault::kPermanent, 1, /*skip=*/4);
  EXPECT_THROW(Score(), DatabaseError);
  const auto runs = db_.Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].record.status, "failed");
  EXPECT_EQ(static_cast<std::size_t>(runs[0].rows_scored), db_.Predictions().size());
  EXPECT_GT(runs[0].rows_scored, 0);
  // The next run scores exactly the rest.
  EXPECT_EQ(Score().rows_scored, 200 - runs[0].rows_scored);
  EXPECT_EQ(db_.Predictions().size(), 200u);
}

// Several batches are scored at once (scoring.threads 4, pipeline_depth 5) and finish in any
// order, yet each write finds exactly the keys before it written: batches commit in key order,
// which a reader reopened after the last key it delivered, and a lease's progress, rely on.
TEST_P(PipelineTest, BatchesScoredAtOnceAreWrittenInKeyOrder) {
  ClientsSettings settings;
  settings.batch_size = GetParam();
  settings.scoring_yaml = "  threads: 4\n  pipeline_depth: 5\n";
  config_ = ClientsConfig(settings);
  ASSERT_EQ(config_.scoring.PredictParallelism().workers, 4);
  FakeDatabase db(config_);
  db.CreateTable("clients", ClientColumns());
  db.EnsureResultsSchema();
  db.InsertRows("clients", SyntheticClients(1, 300));
  std::vector<std::string> out_of_order;
  db.BeforeCall(Method::kWriteBatch, [&](int call) {
    const auto written = db.Predictions();
    const std::int64_t largest = written.empty() ? 0 : written.back().key;
    if (largest != static_cast<std::int64_t>(written.size())) {
      out_of_order.push_back("write " + std::to_string(call) + " found " +
                             std::to_string(written.size()) + " rows up to key " +
                             std::to_string(largest));
    }
  });
  auto lock = db.TryLockScorer(false, std::chrono::milliseconds(0), nullptr);
  const RunSummary run =
      ScoreNewRows(db, *lock, config_, *SyntheticModel().bundle, ScoreOptions{}, QuietLogger());
  EXPECT_EQ(run.status, "succeeded");
  EXPECT_EQ(run.rows_scored, 300);
  EXPECT_EQ(db.Predictions().size(), 300u);
  EXPECT_THAT(out_of_order, ::testing::IsEmpty());
}

std::string BatchSizeName(const ::testing::TestParamInfo<std::size_t>& param_info) {
  return "batch" + std::to_string(param_info.param);
}

INSTANTIATE_TEST_SUITE_P(BatchSizes, PipelineTest, ::testing::Values(1, 2, 3, 7, 64),
                         BatchSizeName);

}  // namespace
}  // namespace bankscore::testing
