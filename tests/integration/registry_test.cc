// Model versions through the real binary, on every backend: train keeps every model and the
// quality gate refuses a deliberately bad one (exit 3) unless --promote; rollback restores the
// previous version and the next score run records it; a retrain identical in content is the same
// version and scores nothing again; a model trained on other features cannot be made current.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// One boosting round of depth 1: a single split, far worse than the default model.
constexpr char kBadTraining[] =
    "  seed: 42\n  num_boost_round: 1\n  early_stopping_rounds: 0\n  xgboost: {max_depth: 1}\n";

class RegistryTest : public ::testing::TestWithParam<Backend> {
 protected:
  CommandResult Bankscore(std::vector<std::string> args) {
    args.insert(args.begin() + (args.front() == "models" ? 2 : 1),
                {"--config", env_.config_path()});
    return RunBankscore(args);
  }

  void Load() {
    const CommandResult load = Bankscore({"load", "--csv", SampleCsv()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
  }

  CommandResult Train(const std::string& training_yaml, std::vector<std::string> flags = {}) {
    TestSettings settings;
    settings.training_yaml = training_yaml;
    env_.RewriteConfig(settings);
    std::vector<std::string> args = {"train"};
    args.insert(args.end(), flags.begin(), flags.end());
    return Bankscore(args);
  }

  std::string Current() const {
    return fs::read_symlink(env_.dir() / "model" / "current").filename().string();
  }

  std::vector<std::string> Versions() const {
    std::vector<std::string> versions;
    for (const auto& entry : fs::directory_iterator(env_.dir() / "model" / "versions")) {
      versions.push_back(entry.path().filename().string());
    }
    std::sort(versions.begin(), versions.end());
    return versions;
  }

  std::int64_t RunsOf(const std::string& version) {
    return env_.QueryInt(
        "SELECT COUNT(*) FROM scoring_runs WHERE status = 'succeeded' AND "
        "model_version = '" +
        version + "'");
  }

  // The configured features without nr.employed.
  void DropAFeature() {
    std::string yaml = ReadText(env_.config_path());
    const std::string from = "euribor3m, nr.employed]";
    ASSERT_NE(yaml.find(from), std::string::npos);
    yaml.replace(yaml.find(from), from.size(), "euribor3m]");
    std::ofstream(env_.config_path(), std::ios::trunc) << yaml;
  }

  TestEnvironment env_{GetParam()};
};

TEST_P(RegistryTest, GateRefusesABadModelPromoteOverridesAndRollbackRestores) {
  ASSERT_NO_FATAL_FAILURE(Load());
  const std::string good_training = TestSettings().training_yaml;
  const CommandResult first = Train(good_training);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("is now current: there was no current model"));
  const std::string good = Current();

  // The bad model is kept, but not made current: one line with both figures, exit 3.
  const CommandResult refused = Train(kBadTraining);
  EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
  EXPECT_THAT(refused.out, AllOf(HasSubstr("kept as a candidate, not current: test ROC AUC"),
                                 HasSubstr("for the current model " + good + " on the same"),
                                 HasSubstr("bankscore models promote")));
  EXPECT_EQ(Current(), good);
  ASSERT_EQ(Versions().size(), 2u);
  const std::string bad = Versions()[0] == good ? Versions()[1] : Versions()[0];

  const CommandResult list = Bankscore({"models", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, AllOf(HasSubstr("version"), HasSubstr("ROC AUC"), HasSubstr("PR AUC"),
                              HasSubstr("threshold"), HasSubstr("  *  " + good), HasSubstr(bad)));
  EXPECT_THAT(list.out, Not(HasSubstr("*  " + bad)));

  // --promote: the same bad model again is the kept candidate, now made current.
  const CommandResult forced = Train(kBadTraining, {"--promote"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_THAT(forced.out, AllOf(HasSubstr("identical in content to kept version " + bad),
                                HasSubstr("is now current: --promote given")));
  EXPECT_EQ(Current(), bad);
  EXPECT_EQ(Versions().size(), 2u);
  const CommandResult score_bad = Bankscore({"score"});
  ASSERT_EQ(score_bad.exit_code, 0) << score_bad.err;
  EXPECT_EQ(RunsOf(bad), 1);

  // Rollback: the good model is current again, and the next run scores with it.
  const CommandResult rollback = Bankscore({"models", "rollback"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_THAT(rollback.out, HasSubstr("model " + good + " is current again (was " + bad + ")"));
  EXPECT_EQ(Current(), good);
  const CommandResult score_good = Bankscore({"score"});
  ASSERT_EQ(score_good.exit_code, 0) << score_good.err;
  EXPECT_THAT(score_good.out, HasSubstr("model " + good));
  EXPECT_EQ(RunsOf(good), 1);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions WHERE model_version = '" + good + "'"),
            kSampleRows);

  // Nothing before the first model: a second rollback is refused and changes nothing.
  const CommandResult again = Bankscore({"models", "rollback"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("no earlier version to roll back to"));
  EXPECT_EQ(Current(), good);

  // Prune never removes the current version, and says what it removed.
  const CommandResult prune = Bankscore({"models", "prune", "--keep", "0"});
  ASSERT_EQ(prune.exit_code, 0) << prune.err;
  EXPECT_THAT(prune.out, HasSubstr("removed 1 version(s): " + bad));
  EXPECT_EQ(Versions(), std::vector<std::string>{good});
}

TEST_P(RegistryTest, IdenticalRetrainIsTheSameVersionAndScoresNothingAgain) {
  ASSERT_NO_FATAL_FAILURE(Load());
  ASSERT_EQ(Train(TestSettings().training_yaml).exit_code, 0);
  const std::string version = Current();
  ASSERT_EQ(Bankscore({"score"}).exit_code, 0);

  const CommandResult again = Train(TestSettings().training_yaml);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("identical in content to the current version " + version +
                                   ": no new version, nothing to score again"));
  EXPECT_EQ(Versions(), std::vector<std::string>{version});
  const CommandResult score = Bankscore({"score"});
  ASSERT_EQ(score.exit_code, 0) << score.err;
  EXPECT_THAT(score.out, HasSubstr("nothing to score"));
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions"), kSampleRows);
}

TEST_P(RegistryTest, ModelTrainedOnOtherFeaturesCannotBeMadeCurrent) {
  ASSERT_NO_FATAL_FAILURE(Load());
  ASSERT_EQ(Train(TestSettings().training_yaml).exit_code, 0);
  const std::string full = Current();
  // A config with one feature less: its model replaces the current one, which cannot score
  // under it (and so cannot be compared).
  ASSERT_NO_FATAL_FAILURE(DropAFeature());
  const CommandResult fewer = Bankscore({"train"});
  ASSERT_EQ(fewer.exit_code, 0) << fewer.err;
  EXPECT_THAT(fewer.out, HasSubstr("cannot be compared"));
  const std::string reduced = Current();
  ASSERT_NE(reduced, full);

  env_.RewriteConfig(TestSettings());  // every feature again
  const CommandResult back = Bankscore({"models", "promote", full});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_THAT(back.out, HasSubstr("model " + full + " is now current (was " + reduced + ")"));

  const CommandResult promote = Bankscore({"models", "promote", reduced});
  EXPECT_EQ(promote.exit_code, 2);
  EXPECT_THAT(promote.err, AllOf(HasSubstr("source.features"), HasSubstr("nr.employed")));
  const CommandResult rollback = Bankscore({"models", "rollback"});  // would be `reduced`
  EXPECT_EQ(rollback.exit_code, 2);
  EXPECT_THAT(rollback.err, HasSubstr("source.features"));
  EXPECT_EQ(Current(), full);

  const CommandResult unsafe = Bankscore({"models", "promote", "../../etc"});
  EXPECT_EQ(unsafe.exit_code, 1);
  EXPECT_THAT(unsafe.err, HasSubstr("is not a model version"));
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

}  // namespace
}  // namespace bankscore::testing
