// Retention through the real binary (issue 15): three model versions scored, then
// `bankscore prune --keep-versions 2` and `1` leave exactly the right versions' predictions,
// reasons and rejections and record each removal; a dry run and N = 0 remove nothing. On
// PostgreSQL with results.partition_by the old versions' partitions are dropped (pg_inherits),
// and a table of the other layout is refused, not converted. An idle `score` updates the
// last-check row and records no run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>

#include "common/text.h"
#include "integration/process.h"
#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPartitioned[] = "results:\n  partition_by: model_version\n";

struct Counts {
  std::int64_t predictions = 0;
  std::int64_t reasons = 0;
  std::int64_t rejections = 0;
  bool operator==(const Counts& o) const {
    return predictions == o.predictions && reasons == o.reasons && rejections == o.rejections;
  }
};

std::ostream& operator<<(std::ostream& out, const Counts& c) {
  return out << c.predictions << " predictions, " << c.reasons << " reasons, " << c.rejections
             << " rejections";
}

class PruneTest : public ::testing::TestWithParam<Backend> {
 protected:
  explicit PruneTest(const std::string& extra_yaml = "")
      : extra_yaml_(extra_yaml), env_(GetParam(), Settings(1)) {}

  // Tiny models (one split per round) so that three trainings and runs stay quick; the rounds make
  // each a version of its own. Ages above 60 are rejected, so every version has rejections.
  TestSettings Settings(int rounds) const {
    TestSettings settings;
    settings.explain_top = 2;
    settings.source_yaml = "  ranges: {age: [17, 60]}\n";
    settings.training_yaml = "  seed: 42\n  num_boost_round: " + std::to_string(rounds) +
                             "\n  early_stopping_rounds: 0\n  xgboost: {max_depth: 1}\n";
    settings.extra_yaml = extra_yaml_;
    return settings;
  }

  CommandResult Bankscore(const std::string& command, const std::vector<std::string>& extra = {}) {
    return RunCommand(command, env_.config_path(), extra);
  }

  std::string Current() const {
    return fs::read_symlink(env_.dir() / "model" / "current").filename().string();
  }

  // Loads the sample, then trains and scores three versions; returns them oldest first.
  std::vector<std::string> ScoreThreeVersions() {
    const CommandResult load = Bankscore("load", {"--csv", SampleCsv()});
    EXPECT_EQ(load.exit_code, 0) << load.err;
    std::vector<std::string> versions;
    for (int rounds = 1; rounds <= 3; ++rounds) {
      env_.RewriteConfig(Settings(rounds));
      const CommandResult train = Bankscore("train", {"--promote"});
      EXPECT_EQ(train.exit_code, 0) << train.err;
      const CommandResult score = Bankscore("score");
      EXPECT_EQ(score.exit_code, 0) << score.err;
      versions.push_back(Current());
    }
    return versions;
  }

  std::int64_t CountOf(const std::string& table, const std::string& version) const {
    return env_.QueryInt("SELECT COUNT(*) FROM " + table + " WHERE model_version = '" + version +
                         "'");
  }

  Counts CountsOf(const std::string& version) const {
    return {CountOf("predictions", version), CountOf("prediction_reasons", version),
            CountOf("rejected_rows", version)};
  }

  // The row pruned_versions recorded for `version`.
  Counts Recorded(const std::string& version) const {
    const std::string where = " FROM pruned_versions WHERE model_version = '" + version + "'";
    EXPECT_EQ(env_.QueryInt("SELECT COUNT(*)" + where), 1) << version;
    return {env_.QueryInt("SELECT SUM(predictions_removed)" + where),
            env_.QueryInt("SELECT SUM(reasons_removed)" + where),
            env_.QueryInt("SELECT SUM(rejections_removed)" + where)};
  }

  // Scores three versions, prunes to 2 then 1, checking every version's rows each time.
  void PrunesToTwoThenOne() {
    const std::vector<std::string> v = ScoreThreeVersions();
    ASSERT_EQ(v.size(), 3u);
    ASSERT_NE(v[0], v[1]);
    ASSERT_NE(v[1], v[2]);
    std::map<std::string, Counts> before;
    for (const std::string& version : v) {
      before[version] = CountsOf(version);
      EXPECT_EQ(before[version].predictions + before[version].rejections, kSampleRows);
      EXPECT_GT(before[version].rejections, 0);
      EXPECT_GT(before[version].reasons, 0);
    }

    const CommandResult dry = Bankscore("prune", {"--keep-versions", "2", "--dry-run"});
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    EXPECT_THAT(dry.out, HasSubstr("would remove model version " + v[0]));
    EXPECT_EQ(CountsOf(v[0]), before[v[0]]);

    const CommandResult two = Bankscore("prune", {"--keep-versions", "2"});
    ASSERT_EQ(two.exit_code, 0) << two.err;
    EXPECT_THAT(two.out, HasSubstr("removed model version " + v[0]));
    EXPECT_THAT(two.out, Not(HasSubstr("removed model version " + v[1])));
    EXPECT_EQ(CountsOf(v[0]), Counts{});
    EXPECT_EQ(CountsOf(v[1]), before[v[1]]);
    EXPECT_EQ(CountsOf(v[2]), before[v[2]]);
    EXPECT_EQ(Recorded(v[0]), before[v[0]]);

    const CommandResult one = Bankscore("prune", {"--keep-versions", "1"});
    ASSERT_EQ(one.exit_code, 0) << one.err;
    EXPECT_EQ(CountsOf(v[1]), Counts{});
    EXPECT_EQ(CountsOf(v[2]), before[v[2]]);
    EXPECT_EQ(Recorded(v[1]), before[v[1]]);
    EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM pruned_versions"), 2);
    EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM scoring_runs"), 3);  // runs are kept

    const CommandResult again = Bankscore("prune", {"--keep-versions", "1"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_THAT(again.out, HasSubstr("nothing to prune"));
    EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM pruned_versions"), 2);
    EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM latest_predictions"), before[v[2]].predictions);
    versions_ = v;
  }

  std::string extra_yaml_;
  TestEnvironment env_;
  std::vector<std::string> versions_;  // PrunesToTwoThenOne's, oldest first
};

TEST_P(PruneTest, KeepsTheNewestVersionsAndRecordsWhatItRemoved) {
  ASSERT_NO_FATAL_FAILURE(PrunesToTwoThenOne());

  const CommandResult zero = Bankscore("prune", {"--keep-versions", "0"});
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_THAT(zero.err, HasSubstr("bankscore: error: --keep-versions must be at least 1, got 0"));
}

// A scorer holding the lock (one still scoring an old version) is waited for: its rows are not
// removed behind its back. A dry run does not wait.
TEST_P(PruneTest, WaitsForTheScorerThatHoldsTheLock) {
  ASSERT_EQ(Bankscore("load", {"--csv", SampleCsv()}).exit_code, 0);
  ASSERT_EQ(Bankscore("train").exit_code, 0);
  ASSERT_EQ(Bankscore("score").exit_code, 0);
  const std::string old_version = Current();
  env_.RewriteConfig(Settings(2));
  ASSERT_EQ(Bankscore("train", {"--promote"}).exit_code, 0);
  ASSERT_NE(Current(), old_version);
  ASSERT_EQ(Bankscore("score").exit_code, 0);  // the newest version is the one to keep
  const Counts before = CountsOf(old_version);
  ASSERT_GT(before.predictions, 0);

  auto db = env_.Open();
  auto lock = db->TryLockScorer(false, std::chrono::milliseconds(0), nullptr);
  ASSERT_NE(lock, nullptr);
  const CommandResult dry = Bankscore("prune", {"--keep-versions", "1", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  Process prune(BANKSCORE_BINARY, {"prune", "--config", env_.config_path(), "--keep-versions", "1"},
                env_.dir() / "prune");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_TRUE(prune.Running()) << prune.Describe();
  EXPECT_EQ(CountsOf(old_version), before);
  lock.reset();
  ASSERT_EQ(prune.WaitFor(std::chrono::seconds(60)), 0) << prune.Describe();
  EXPECT_EQ(CountsOf(old_version), Counts{});
  EXPECT_EQ(Recorded(old_version), before);
}

TEST_P(PruneTest, IdleScoreUpdatesTheLastCheckRowAndRecordsNoRun) {
  ASSERT_EQ(Bankscore("load", {"--csv", SampleCsv()}).exit_code, 0);
  ASSERT_EQ(Bankscore("train").exit_code, 0);
  ASSERT_EQ(Bankscore("score").exit_code, 0);
  const std::string version = Current();
  const std::string where = " FROM scoring_checks WHERE model_version = '" + version + "'";
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM scoring_checks"), 1);
  EXPECT_EQ(env_.QueryInt("SELECT rows_found" + where), kSampleRows);
  const std::int64_t run_id = env_.QueryInt("SELECT MAX(run_id) FROM scoring_runs");
  EXPECT_EQ(env_.QueryInt("SELECT last_run_id" + where), run_id);
  const auto checked_at = [&] {
    return ValueText(env_.Open()->Query("SELECT checked_at" + where).rows.at(0).at(0));
  };
  const std::string first = checked_at();

  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const CommandResult idle = Bankscore("score");
  ASSERT_EQ(idle.exit_code, 0) << idle.err;
  EXPECT_THAT(idle.out, HasSubstr("nothing to score"));
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM scoring_runs"), 1);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM scoring_checks"), 1);
  EXPECT_EQ(env_.QueryInt("SELECT rows_found" + where), 0);
  EXPECT_EQ(env_.QueryInt("SELECT last_run_id" + where), run_id);
  EXPECT_GT(checked_at(), first);  // ISO 8601 UTC text on both: sorts as time
}

INSTANTIATE_TEST_SUITE_P(Backends, PruneTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

// results.partition_by on PostgreSQL: one partition per version, dropped by prune.
class PartitionedPruneTest : public PruneTest {
 protected:
  PartitionedPruneTest() : PruneTest(kPartitioned) {}

  // The partitions of `table` and the versions they hold, as pg_inherits lists them.
  std::int64_t Partitions(const std::string& table, const std::string& version = "") const {
    std::string sql =
        "SELECT COUNT(*) FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid ="
        " i.inhrelid WHERE i.inhparent = to_regclass('" +
        table + "')";
    if (!version.empty()) {
      sql += " AND pg_get_expr(c.relpartbound, c.oid) = 'FOR VALUES IN (''" + version + "'')'";
    }
    return env_.QueryInt(sql);
  }
};

TEST_P(PartitionedPruneTest, DropsTheOldVersionsPartitions) {
  ASSERT_NO_FATAL_FAILURE(PrunesToTwoThenOne());
  for (const char* table : {"predictions", "prediction_reasons"}) {
    EXPECT_EQ(Partitions(table), 1) << table;
    EXPECT_EQ(Partitions(table, versions_[2]), 1) << table;
  }
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM pruned_versions WHERE method = 'drop partition'"),
            2);

  // The same tables without results.partition_by: refused, never converted.
  TestSettings plain = Settings(3);
  plain.extra_yaml.clear();
  env_.RewriteConfig(plain);
  const CommandResult refused = Bankscore("score");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(
      refused.err,
      HasSubstr("exists partitioned by model_version, but results.partition_by is not set"));
}

TEST_P(PartitionedPruneTest, RefusesAnUnpartitionedTable) {
  ASSERT_EQ(RunCommand("init-db", env_.config_path()).exit_code, 0);
  EXPECT_EQ(Partitions("predictions"), 0);  // no model yet: no partition
  PsqlAdmin("ALTER TABLE " + env_.schema() + ".predictions RENAME TO predictions_p");
  PsqlAdmin("CREATE TABLE " + env_.schema() +
            ".predictions (source_key BIGINT, model_version TEXT)");
  const CommandResult refused = RunCommand("init-db", env_.config_path());
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("exists without partitions, but results.partition_by is "
                                     "model_version; bankscore never converts a table"));
}

INSTANTIATE_TEST_SUITE_P(Backends, PartitionedPruneTest, ::testing::Values(Backend::kPostgres),
                         BackendTestName());

}  // namespace
}  // namespace bankscore::testing
