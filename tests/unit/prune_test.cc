// Retention (issue 15): which model versions `bankscore prune --keep-versions N` keeps (the N
// newest by first scoring run, never the current one, N >= 1), and PruneOldVersions over a
// FakeDatabase: exactly the old versions' rows go, each removal is recorded, a dry run and a
// second prune remove nothing. The SQL backends are in tests/integration/prune_test.cc.
#include "jobs/prune.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "bankscore/error.h"
#include "db/sql_text.h"
#include "fakes/fake_database.h"
#include "fakes/synthetic_clients.h"

namespace bankscore::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

StoredVersion Version(const std::string& name, std::int64_t first_run, std::int64_t rows) {
  return StoredVersion{name, first_run, rows, 2 * rows, 1};
}

PruneOptions Keep(std::int64_t n, const std::string& current) {
  PruneOptions options;
  options.keep_versions = n;
  options.current_version = current;
  return options;
}

std::vector<std::string> Names(const std::vector<StoredVersion>& versions) {
  std::vector<std::string> out;
  for (const StoredVersion& v : versions) out.push_back(v.model_version);
  return out;
}

// Oldest first, as Database::StoredVersions returns them.
const std::vector<StoredVersion> kThree = {Version("v1", 1, 10), Version("v2", 4, 10),
                                           Version("v3", 9, 10)};

TEST(PlanPruneTest, KeepsTheNewestByFirstRun) {
  const PrunePlan one = PlanPrune(kThree, Keep(1, "v3"));
  EXPECT_THAT(one.kept, ElementsAre("v3"));
  EXPECT_THAT(Names(one.to_prune), ElementsAre("v1", "v2"));
  const PrunePlan two = PlanPrune(kThree, Keep(2, "v3"));
  EXPECT_THAT(two.kept, ElementsAre("v3", "v2"));
  EXPECT_THAT(Names(two.to_prune), ElementsAre("v1"));
  EXPECT_TRUE(PlanPrune(kThree, Keep(5, "v3")).to_prune.empty());
}

TEST(PlanPruneTest, NeverPrunesTheCurrentVersion) {
  // After a rollback the current version is an older one: it stays, besides the N newest.
  const PrunePlan plan = PlanPrune(kThree, Keep(1, "v1"));
  EXPECT_THAT(plan.kept, ElementsAre("v3", "v1"));
  EXPECT_THAT(Names(plan.to_prune), ElementsAre("v2"));
  // A current version not scored yet is kept too (it has nothing to remove).
  EXPECT_THAT(PlanPrune(kThree, Keep(1, "v4")).kept, ElementsAre("v3", "v4"));
}

TEST(PlanPruneTest, VersionsWithoutRowsAreNotPrunedAgain) {
  std::vector<StoredVersion> versions = kThree;
  versions[0] = Version("v1", 1, 0);
  versions[0].rejections = 0;
  EXPECT_THAT(Names(PlanPrune(versions, Keep(1, "v3")).to_prune), ElementsAre("v2"));
}

TEST(PlanPruneTest, RefusesFewerThanOneVersion) {
  for (std::int64_t n : {0, -1}) {
    try {
      PlanPrune(kThree, Keep(n, "v3"));
      ADD_FAILURE() << "accepted --keep-versions " << n;
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(),
                  HasSubstr("--keep-versions must be at least 1, got " + std::to_string(n)));
    }
  }
}

class PruneOldVersionsTest : public ::testing::Test {
 protected:
  PruneOldVersionsTest() : config_(ClientsConfig({})), db_(config_) { db_.EnsureResultsSchema(); }

  // A score run of `version` writing keys 1..rows, two reasons each, and one rejection.
  void Scored(const std::string& version, std::int64_t rows) {
    RunRecord record;
    record.model_version = version;
    const std::int64_t run = db_.BeginRun(record);
    std::vector<Prediction> predictions;
    std::vector<PredictionReason> reasons;
    for (std::int64_t key = 1; key <= rows; ++key) {
      Prediction p;
      p.key = key;
      p.probability = 0.5;
      p.label = 1;
      predictions.push_back(p);
      reasons.push_back({key, 1, "age", std::string("40"), 0.1});
      reasons.push_back({key, 2, "job", std::string("admin."), -0.1});
    }
    db_.WriteBatch(run, version, 0.5, predictions, {Rejection{rows + 1, "bad age"}}, reasons);
    record.status = "succeeded";
    db_.FinishRun(run, record);
  }

  std::int64_t PredictionsOf(const std::string& version) const {
    std::int64_t n = 0;
    for (const auto& p : db_.Predictions()) n += p.model_version == version;
    return n;
  }

  Config config_;
  FakeDatabase db_;
};

TEST_F(PruneOldVersionsTest, RemovesExactlyTheOldVersionsAndRecordsEach) {
  Scored("v1", 5);
  Scored("v2", 7);
  Scored("v3", 3);

  PruneOptions dry = Keep(1, "v3");
  dry.dry_run = true;
  const PruneSummary planned = PruneOldVersions(db_, dry, QuietLogger());
  EXPECT_THAT(Names(planned.plan.to_prune), ElementsAre("v1", "v2"));
  EXPECT_TRUE(planned.pruned.empty());
  EXPECT_EQ(db_.Predictions().size(), 15u);

  const PruneSummary done = PruneOldVersions(db_, Keep(1, "v3"), QuietLogger());
  ASSERT_EQ(done.pruned.size(), 2u);
  EXPECT_EQ(done.pruned[1].model_version, "v2");
  EXPECT_EQ(done.pruned[1].removed.predictions, 7);
  EXPECT_EQ(done.pruned[1].removed.reasons, 14);
  EXPECT_EQ(done.pruned[1].removed.rejections, 1);
  EXPECT_EQ(PredictionsOf("v1") + PredictionsOf("v2"), 0);
  EXPECT_EQ(PredictionsOf("v3"), 3);
  EXPECT_EQ(db_.Reasons().size(), 6u);
  EXPECT_EQ(db_.Rejections().size(), 1u);
  ASSERT_EQ(db_.Prunes().size(), 2u);
  EXPECT_EQ(db_.Prunes()[0].model_version, "v1");
  EXPECT_EQ(db_.Prunes()[0].removed.predictions, 5);
  EXPECT_EQ(db_.Prunes()[0].kept_versions, "v3");
  EXPECT_EQ(db_.Runs().size(), 3u);  // runs are the history: kept

  // Idempotent: nothing left to remove, nothing recorded.
  EXPECT_TRUE(PruneOldVersions(db_, Keep(1, "v3"), QuietLogger()).pruned.empty());
  EXPECT_EQ(db_.Prunes().size(), 2u);
}

// The key ranges both backends delete in, one transaction each.
TEST(PruneKeyRangeTest, BatchKeysFromTheFirstKeyUpToTheLargestKey) {
  const internal::PruneKeyRange first = internal::PruneRangeFrom(-5, 10);
  EXPECT_EQ(first.lo, -5);
  EXPECT_EQ(first.hi, 4);
  EXPECT_EQ(first.Next(), 5);
  constexpr std::int64_t kLargest = std::numeric_limits<std::int64_t>::max();
  const internal::PruneKeyRange last = internal::PruneRangeFrom(kLargest - 3, 10);
  EXPECT_EQ(last.hi, kLargest);
  EXPECT_EQ(last.Next(), std::nullopt);
  EXPECT_EQ(internal::PruneRangeFrom(kLargest, 1).hi, kLargest);
}

TEST(PruneKeyRangeTest, RemovedRowsFollowTheOrderOfThePrunedTables) {
  ResultsConfig results;
  const std::vector<std::string> tables = internal::PrunedTables(results);
  ASSERT_EQ(tables, (std::vector<std::string>{results.reasons_table, results.table,
                                              results.rejected_table}));
  PruneResult removed;
  internal::RemovedRows(removed, 0) += 3;
  internal::RemovedRows(removed, 1) += 2;
  internal::RemovedRows(removed, 2) += 1;
  EXPECT_EQ(removed.reasons, 3);
  EXPECT_EQ(removed.predictions, 2);
  EXPECT_EQ(removed.rejections, 1);
}

}  // namespace
}  // namespace bankscore::testing
