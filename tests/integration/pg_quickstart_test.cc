// The README's PostgreSQL quickstart, word for word: scripts/pg-quickstart.sh against the test
// server as its admin, in a database of its own, then scoring as the restricted role it set up.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

using ::testing::HasSubstr;

TEST(PgQuickstartTest, ScriptSetsUpADatabaseTheScoringRoleScoresIn) {
  TempDir dir;
  const std::string database = "qs_" + dir.path().filename().string().substr(15);  // the suffix
  const std::string script = "BANKSCORE=" + ShellQuote(BANKSCORE_BINARY) +
                             " PGQS_DATABASE=" + database +
                             " PGQS_DIR=" + ShellQuote(dir.path().string()) + " " +
                             ShellQuote(SourceDir() + "/scripts/pg-quickstart.sh") + " " +
                             ShellQuote(PostgresDsn()) + " " + ShellQuote(SampleCsv()) + " 2>&1";
  const auto [status, output] = RunShell(script);
  ASSERT_EQ(status, 0) << output;
  EXPECT_THAT(output, HasSubstr("now score as the scoring role"));

  const std::string scorer = (dir.path() / "scorer.yaml").string();
  EXPECT_THAT(ReadText(scorer), HasSubstr("dbname=" + database + " user=bankscore\""));
  const CommandResult score = RunCommand("score", scorer);
  ASSERT_EQ(score.exit_code, 0) << score.err;
  EXPECT_THAT(score.out, HasSubstr("scored 4119, rejected 0"));
  const auto count = [&](const std::string& sql) {
    return RunShell("psql " + ShellQuote(PostgresDsn() + " dbname=" + database) + " -X -q -At -c " +
                    ShellQuote(sql) + " 2>&1");
  };
  EXPECT_EQ(count("SELECT COUNT(*) FROM bankscore.latest_predictions"),
            std::make_pair(0, std::string("4119\n")));
  // The runs are the scoring role's; the tables stay the owner's.
  EXPECT_EQ(count("SELECT tableowner FROM pg_tables WHERE schemaname = 'bankscore' AND "
                  "tablename = 'predictions'"),
            std::make_pair(0, std::string("bankscore_owner\n")));
  // The scoring role cannot load: that stays with the owner.
  const CommandResult load = RunCommand("load", scorer, {"--csv", SampleCsv()});
  EXPECT_EQ(load.exit_code, 1);
  EXPECT_THAT(load.err, HasSubstr("permission denied"));

  // Run again, as the README allows: nothing is loaded twice, the script still succeeds.
  const auto [again_status, again] = RunShell(script);
  EXPECT_EQ(again_status, 0) << again;
  EXPECT_THAT(again, HasSubstr("bank_clients exists: not loading"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM bankscore.bank_clients"),
            std::make_pair(0, std::string("4119\n")));
  PsqlAdmin("DROP DATABASE " + database + " WITH (FORCE)");
}

}  // namespace
}  // namespace bankscore::testing
