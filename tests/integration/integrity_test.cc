// What a DBA relies on when the data is not clean, through the real binary on every backend:
// rows outside source.ranges are rejected with the bound they broke, categories never seen in
// training and far-out values are counted per run and per column, results tables refuse a
// second source, and (SQLite) the database file is private to its owner.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

using ::testing::HasSubstr;

TestSettings WithRanges() {
  TestSettings settings;
  settings.source_yaml = "  ranges: {age: [17, 100], campaign: [0, 1000]}\n";
  return settings;
}

class IntegrityTest : public ::testing::TestWithParam<Backend> {
 protected:
  CommandResult Bankscore(const std::string& command, const std::string& config,
                          std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {command, "--config", config};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunBankscore(args);
  }

  // The sample and the model `train` gives on it with this config, trained once and copied
  // (InstallSampleModel): these tests check scoring.
  void LoadAndTrain() {
    const CommandResult load = Bankscore("load", env_.config_path(), {"--csv", SampleCsv()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    ASSERT_NO_FATAL_FAILURE(InstallSampleModel(env_));
  }

  std::string Text(const std::string& sql) {
    const RowBatch rows = env_.Open()->Query(sql);
    if (rows.rows.size() != 1 || !std::holds_alternative<std::string>(rows.rows[0][0])) {
      ADD_FAILURE() << "expected one text value from " << sql;
      return "";
    }
    return std::get<std::string>(rows.rows[0][0]);
  }

  // The test config with source.table (and nothing else) changed.
  std::string ConfigForTable(const std::string& table) {
    std::ifstream in(env_.config_path());
    std::ostringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    const std::string from = "table: bank_clients";
    yaml.replace(yaml.find(from), from.size(), "table: " + table);
    const std::string path = (env_.dir() / (table + ".yaml")).string();
    std::ofstream(path) << yaml;
    return path;
  }

  TestEnvironment env_{GetParam(), WithRanges()};
};

TEST_P(IntegrityTest, RangesRejectAndDriftIsCountedPerColumn) {
  LoadAndTrain();
  auto db = env_.Open();
  db->Query("UPDATE bank_clients SET age = 150 WHERE client_id = 7");
  db->Query("UPDATE bank_clients SET job = 'astronaut' WHERE client_id IN (8, 9)");
  db->Query("UPDATE bank_clients SET euribor3m = 1000000 WHERE client_id = 10");
  const CommandResult score = Bankscore("score", env_.config_path());
  ASSERT_EQ(score.exit_code, 0) << score.err;

  EXPECT_EQ(Text("SELECT reason FROM rejected_rows WHERE source_key = 7"),
            "column 'age': 150 is outside source.ranges [17, 100]");
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM rejected_rows"), 1);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions"), kSampleRows - 1);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions WHERE source_key IN (8, 9, 10)"), 3);
  EXPECT_EQ(env_.QueryInt("SELECT unseen_categories FROM scoring_runs"), 2);
  EXPECT_EQ(env_.QueryInt("SELECT out_of_training_range FROM scoring_runs"), 1);
  EXPECT_EQ(Text("SELECT source_table FROM scoring_runs"), "bank_clients(client_id)");
  const auto counts = nlohmann::json::parse(Text("SELECT column_counts FROM scoring_runs"));
  EXPECT_EQ(counts, nlohmann::json::parse(
                        R"({"job": {"unseen": 2}, "euribor3m": {"out_of_training_range": 1}})"));
}

TEST_P(IntegrityTest, ResultsTablesRefuseASecondSource) {
  LoadAndTrain();
  ASSERT_EQ(Bankscore("score", env_.config_path()).exit_code, 0);
  const std::string other = ConfigForTable("other_clients");
  const CommandResult load = Bankscore("load", other, {"--csv", SampleCsv()});
  ASSERT_EQ(load.exit_code, 0) << load.err;

  const CommandResult score = Bankscore("score", other);
  EXPECT_EQ(score.exit_code, 2) << score.err;
  EXPECT_THAT(score.err, HasSubstr("hold the results of source bank_clients(client_id), and this "
                                   "config scores other_clients(client_id)"));
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions"), kSampleRows);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM scoring_runs"), 1);
}

TEST_P(IntegrityTest, TextThatIsNotUtf8IsRejectedWithAnEscapedReason) {
  if (GetParam() == Backend::kPostgres) GTEST_SKIP() << "a UTF8 database refuses such text itself";
  LoadAndTrain();
  env_.Open()->Query(
      "UPDATE bank_clients SET job = CAST(X'61C3280A62' AS TEXT) "
      "WHERE client_id = 11");
  ASSERT_EQ(Bankscore("score", env_.config_path()).exit_code, 0);
  EXPECT_EQ(Text("SELECT reason FROM rejected_rows WHERE source_key = 11"),
            "column 'job': text that is not valid UTF-8, 'a\\xC3(\\nb'");
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions"), kSampleRows - 1);
}

TEST_P(IntegrityTest, TheSqliteFileIsReadableByItsOwnerOnly) {
  if (GetParam() == Backend::kPostgres) GTEST_SKIP() << "the server owns its files";
  const mode_t old_mask = ::umask(0);  // the product sets files.umask itself
  const CommandResult load = Bankscore("load", env_.config_path(), {"--csv", SampleCsv()});
  ::umask(old_mask);
  ASSERT_EQ(load.exit_code, 0) << load.err;
  struct stat info {};
  ASSERT_EQ(::stat((env_.dir() / "bank.db").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

INSTANTIATE_TEST_SUITE_P(Backends, IntegrityTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

}  // namespace
}  // namespace bankscore::testing
