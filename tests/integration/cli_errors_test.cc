// Mistakes a new user makes, through the real binary: a SQLite database.path that does not exist
// (a typo must not create an empty database), a wrong --config path, and the --help of every
// command (an example and the exit codes).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "app/cli.h"
#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

class CliMistakesTest : public ::testing::Test {
 protected:
  std::string DatabasePath() const { return env_.config().database.path; }

  TestEnvironment env_{Backend::kSqlite};
};

// Every command that reads the database refuses a missing SQLite file, names it and the fix, exits
// 2 (configuration error) and creates nothing.
TEST_F(CliMistakesTest, MissingSqliteDatabaseIsRefusedAndNotCreated) {
  // A model in place, so that the database is what each command stumbles on.
  ASSERT_NO_FATAL_FAILURE(InstallSampleModel(env_));
  const std::vector<std::vector<std::string>> commands = {
      {"score"},
      {"train"},
      {"show"},
      {"relabel", "--threshold", "0.5"},
      {"run", "--once"},
      {"segment"},
      {"profile", "--out", (env_.dir() / "reports").string()}};
  const std::string expected = "bankscore: error: SQLite database " + DatabasePath() +
                               " (database.path in " + env_.config_path() + ") does not exist";
  for (const auto& command : commands) {
    SCOPED_TRACE(command[0]);
    const std::vector<std::string> extra(command.begin() + 1, command.end());
    const CommandResult r = RunCommand(command[0], env_.config_path(), extra);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_THAT(r.err, AllOf(HasSubstr(expected),
                             HasSubstr("`bankscore load --config " + env_.config_path())));
    EXPECT_FALSE(std::filesystem::exists(DatabasePath()));
  }
}

TEST_F(CliMistakesTest, CheckNamesTheMissingDatabaseWithoutCreatingIt) {
  const CommandResult r = RunCommand("check", env_.config_path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("problem  database"));
  EXPECT_FALSE(std::filesystem::exists(DatabasePath()));
}

TEST_F(CliMistakesTest, LoadAndInitDbCreateTheDatabase) {
  const CommandResult init = RunCommand("init-db", env_.config_path());
  EXPECT_EQ(init.exit_code, 0) << init.err;
  EXPECT_TRUE(std::filesystem::exists(DatabasePath()));
  std::filesystem::remove(DatabasePath());
  const CommandResult load = RunCommand("load", env_.config_path(), {"--csv", SampleCsv()});
  EXPECT_EQ(load.exit_code, 0) << load.err;
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM bank_clients"), kSampleRows);
}

TEST_F(CliMistakesTest, WrongConfigPathIsNamed) {
  const std::string missing = (env_.dir() / "bankscroe.yaml").string();
  const CommandResult r = RunCommand("score", missing);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "bankscore: error: cannot read config file " + missing +
                       ": No such file or directory\n");
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(CliMistakesTest, EveryCommandsHelpShowsAnExampleAndTheExitCodes) {
  for (const cli::Command& command : cli::Commands()) {
    SCOPED_TRACE(command.name);
    const CommandResult r = RunBankscore({command.name, "--help"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, AllOf(HasSubstr(std::string("Example:\n  bankscore ") + command.name),
                             HasSubstr("Exit codes: 0 success; 1 runtime failure"),
                             HasSubstr("2 usage or configuration error")));
  }
}

}  // namespace
}  // namespace bankscore::testing
