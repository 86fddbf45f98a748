// bankscore check through the real binary: all ok on a healthy setup, and each broken piece named
// with its fix. (The missing-grant case is in postgres_test.cc, beside the restricted roles.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class CheckTest : public ::testing::TestWithParam<Backend> {
 protected:
  // Loads the sample, installs the model trained on it and creates the results tables.
  void SetUpHealthy() {
    ASSERT_EQ(RunCommand("load", env_.config_path(), {"--csv", SampleCsv()}).exit_code, 0);
    ASSERT_NO_FATAL_FAILURE(InstallSampleModel(env_));
    ASSERT_EQ(RunCommand("init-db", env_.config_path()).exit_code, 0);
  }

  // A copy of the config with `from` replaced by `to` (which must occur), at `file_name`.
  std::string EditedConfig(const std::string& file_name, const std::string& from,
                           const std::string& to) {
    std::string text = ReadText(env_.config_path());
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from << " not in\n" << text;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    const std::string path = (env_.dir() / file_name).string();
    std::ofstream(path) << text;
    return path;
  }

  TestEnvironment env_{GetParam()};
};

TEST_P(CheckTest, HealthySetupIsAllOkAndExitsZero) {
  ASSERT_NO_FATAL_FAILURE(SetUpHealthy());
  const CommandResult check = RunCommand("check", env_.config_path());
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_THAT(
      check.out,
      AllOf(HasSubstr("ok       config"), HasSubstr("ok       database"),
            HasSubstr("ok       source table     bank_clients readable"),
            HasSubstr("largest client_id 4119"),
            HasSubstr("ok       results tables   predictions, scoring_runs, rejected_rows "
                      "present"),
            HasSubstr("ok       scoring grants"), HasSubstr("ok       model            version "),
            HasSubstr("everything bankscore score needs is in place"), Not(HasSubstr("problem")),
            Not(HasSubstr("skipped"))));
  EXPECT_THAT(check.out, HasSubstr(GetParam() == Backend::kSqlite ? "SQLite file " : "role "));
}

TEST_P(CheckTest, MissingColumnIsNamedAndExitsOne) {
  ASSERT_NO_FATAL_FAILURE(SetUpHealthy());
  env_.Open()->Query("ALTER TABLE bank_clients DROP COLUMN euribor3m");
  const CommandResult check = RunCommand("check", env_.config_path());
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_THAT(check.out, AllOf(HasSubstr("problem  source table"), HasSubstr("euribor3m"),
                               HasSubstr("fix: load the data"), HasSubstr("problem(s)")));
}

TEST_P(CheckTest, ModelTrainedOnOtherColumnsIsNamed) {
  ASSERT_NO_FATAL_FAILURE(SetUpHealthy());
  // The config without one feature: the installed model no longer matches it.
  const std::string config = EditedConfig("fewer.yaml", ", euribor3m", "");
  const CommandResult check = RunCommand("check", config);
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_THAT(check.out, AllOf(HasSubstr("problem  model"), HasSubstr("euribor3m"),
                               HasSubstr("ok       source table")));
}

TEST_P(CheckTest, NoModelAndNoResultsTablesAreNamed) {
  ASSERT_EQ(RunCommand("load", env_.config_path(), {"--csv", SampleCsv()}).exit_code, 0);
  const CommandResult check = RunCommand("check", env_.config_path());
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_THAT(
      check.out,
      AllOf(HasSubstr("ok       source table"),
            HasSubstr("ok       results tables   absent (predictions, scoring_runs, "
                      "rejected_rows); the first score creates them"),
            HasSubstr("problem  model"), HasSubstr("fix: train a model (bankscore train)")));
}

INSTANTIATE_TEST_SUITE_P(Backends, CheckTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& param) {
                           return param.param == Backend::kSqlite ? "sqlite" : "postgres";
                         });

TEST(CheckServerTest, MissingSqliteFileAndUnreachableServerAreNamed) {
  TestEnvironment env(Backend::kSqlite);
  const CommandResult no_file =
      RunBankscore({"check", "--config", env.config_path()});  // nothing loaded yet
  EXPECT_EQ(no_file.exit_code, 1) << no_file.out << no_file.err;
  EXPECT_THAT(no_file.out, AllOf(HasSubstr("problem  database"), HasSubstr("no SQLite database at"),
                                 HasSubstr("skipped  source table")));

  std::string text = ReadText(env.config_path());
  const std::size_t end = text.find("\nsource:\n");
  ASSERT_NE(end, std::string::npos);
  text.replace(0, end + 1,
               "database:\n  backend: postgres\n  dsn: \"host=127.0.0.1 port=1 dbname=bank "
               "user=scorer connect_timeout=2\"\n  connect_attempts: 1\n");
  const std::string config = (env.dir() / "unreachable.yaml").string();
  std::ofstream(config) << text;
  const CommandResult unreachable = RunBankscore({"check", "--config", config});
  EXPECT_EQ(unreachable.exit_code, 1) << unreachable.out << unreachable.err;
  EXPECT_THAT(unreachable.out,
              AllOf(HasSubstr("problem  database"), HasSubstr("127.0.0.1"),
                    HasSubstr("fix: check database.*"), HasSubstr("skipped  source table")));
}

}  // namespace
}  // namespace bankscore::testing
