// End to end through the real bankscore binary, on every backend: load the 10% sample, train,
// score, and check what a DBA would check in the results tables.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

using ::testing::HasSubstr;

class PipelineTest : public ::testing::TestWithParam<Backend> {
 protected:
  CommandResult Bankscore(const std::string& command, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {command, "--config", env_.config_path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunBankscore(args);
  }

  void LoadAndTrain() {
    CommandResult load = Bankscore("load", {"--csv", SampleCsv()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    CommandResult train = Bankscore("train");
    ASSERT_EQ(train.exit_code, 0) << train.err;
  }

  // As LoadAndTrain, for the tests of what happens after training: the same model, trained once
  // and copied (InstallSampleModel).
  void LoadAndInstallModel() {
    CommandResult load = Bankscore("load", {"--csv", SampleCsv()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    ASSERT_NO_FATAL_FAILURE(InstallSampleModel(env_));
  }

  std::int64_t Count(const std::string& sql) { return env_.QueryInt(sql); }

  TestEnvironment env_{GetParam()};
};

TEST_P(PipelineTest, LoadCreatesTableWithEveryRowAndSequentialKeys) {
  CommandResult load = Bankscore("load", {"--csv", SampleCsv()});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_THAT(load.out, HasSubstr("loaded 4119 rows"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM bank_clients"), kSampleRows);
  EXPECT_EQ(Count("SELECT MIN(client_id) FROM bank_clients"), 1);
  EXPECT_EQ(Count("SELECT MAX(client_id) FROM bank_clients"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM bank_clients WHERE y = 'yes'"), 451);
}

TEST_P(PipelineTest, ScoreWritesExactlyOnePredictionPerRowAndRerunAddsNothing) {
  LoadAndTrain();
  CommandResult score = Bankscore("score");
  ASSERT_EQ(score.exit_code, 0) << score.err;

  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT source_key) FROM predictions"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM bank_clients c WHERE NOT EXISTS "
                  "(SELECT 1 FROM predictions p WHERE p.source_key = c.client_id)"),
            0);
  // Labels agree with the recorded threshold.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE label <> "
                  "CASE WHEN probability >= threshold THEN 1 ELSE 0 END"),
            0);
  EXPECT_GT(Count("SELECT COUNT(*) FROM predictions WHERE label = 1"), 0);
  // Calibrated: the mean probability is close to the sample's positive rate (451 / 4119 = 10.9%),
  // while the booster's raw output, kept beside it, runs high (class weighting).
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE raw_score IS NULL"), 0);
  EXPECT_NEAR(Count("SELECT CAST(ROUND(AVG(probability) * 1000) AS INTEGER) FROM predictions"), 109,
              20);
  EXPECT_GT(Count("SELECT CAST(ROUND(AVG(raw_score) * 1000) AS INTEGER) FROM predictions"), 200);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM scoring_runs WHERE status = 'succeeded' AND "
                  "rows_read = 4119 AND rows_scored = 4119 AND rows_rejected = 0"),
            1);

  // Nothing left to score: said so, and no run is recorded for it.
  CommandResult again = Bankscore("score");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("nothing to score"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM scoring_runs"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM scoring_runs WHERE rows_read <> rows_scored + "
                  "rows_rejected"),
            0);
}

TEST_P(PipelineTest, BadRowIsRejectedWithReasonAndOthersAreScored) {
  ASSERT_NO_FATAL_FAILURE(LoadAndInstallModel());
  // SQLite stores text in a numeric column; PostgreSQL's typed columns cannot, but infinity is as
  // unusable for the model.
  if (GetParam() == Backend::kSqlite) {
    env_.Open()->Query("UPDATE bank_clients SET age = 'forty' WHERE client_id = 7");
  } else {
    env_.Open()->Query("UPDATE bank_clients SET \"emp.var.rate\" = 'Infinity' WHERE client_id = 7");
  }
  CommandResult score = Bankscore("score");
  ASSERT_EQ(score.exit_code, 0) << score.err;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), kSampleRows - 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE source_key = 7"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM rejected_rows WHERE source_key = 7"), 1);
  RowBatch reason = env_.Open()->Query("SELECT reason FROM rejected_rows WHERE source_key = 7");
  ASSERT_EQ(reason.rows.size(), 1u);
  const std::string text = std::get<std::string>(reason.rows[0][0]);
  EXPECT_THAT(text, HasSubstr(GetParam() == Backend::kSqlite ? "age" : "emp.var.rate"));
  EXPECT_EQ(Count("SELECT rows_rejected FROM scoring_runs"), 1);
  EXPECT_EQ(Count("SELECT rows_read FROM scoring_runs"), kSampleRows);

  // The rejected row is not read again by the next run: there is nothing left to score.
  const CommandResult again = Bankscore("score");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("nothing to score"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM rejected_rows"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM scoring_runs"), 1);

  // Corrected, the row is scored by --retry-rejected, and by it alone.
  if (GetParam() == Backend::kSqlite) {
    env_.Open()->Query("UPDATE bank_clients SET age = 40 WHERE client_id = 7");
  } else {
    env_.Open()->Query("UPDATE bank_clients SET \"emp.var.rate\" = 1.1 WHERE client_id = 7");
  }
  EXPECT_THAT(Bankscore("score").out, HasSubstr("nothing to score"));
  const CommandResult retried = Bankscore("score", {"--retry-rejected"});
  ASSERT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_THAT(retried.out, HasSubstr("read 1, scored 1, rejected 0"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE source_key = 7"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM rejected_rows"), 0);
  // Nothing left to retry: another --retry-rejected run records nothing.
  EXPECT_THAT(Bankscore("score", {"--retry-rejected"}).out, HasSubstr("nothing to score"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM scoring_runs"), 2);
}

TEST_P(PipelineTest, NewRowsAreScoredByTheNextRunOnly) {
  ASSERT_NO_FATAL_FAILURE(LoadAndInstallModel());
  ASSERT_EQ(Bankscore("score").exit_code, 0);
  ASSERT_EQ(Bankscore("load", {"--csv", SampleCsv()}).exit_code, 0);  // keys 4120..8238
  EXPECT_EQ(Count("SELECT MAX(client_id) FROM bank_clients"), 2 * kSampleRows);
  ASSERT_EQ(Bankscore("score").exit_code, 0);
  EXPECT_EQ(Count("SELECT rows_scored FROM scoring_runs ORDER BY run_id DESC LIMIT 1"),
            kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), 2 * kSampleRows);
}

TEST_P(PipelineTest, EvaluateJsonHasEveryMetricKey) {
  LoadAndTrain();
  CommandResult eval = Bankscore("evaluate", {"--json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  for (const char* key :
       {"\"accuracy\"", "\"precision\"", "\"recall\"", "\"f1\"", "\"roc_auc\"", "\"pr_auc\"",
        "\"confusion_matrix\"", "\"threshold\"", "\"probability_quality\"", "\"ece\"",
        "\"base_rate_brier\"", "\"uncalibrated\"", "\"calibration_method\": \"isotonic\""}) {
    EXPECT_THAT(eval.out, HasSubstr(key));
  }
}

TEST_P(PipelineTest, ScoreBeforeLoadIsAConfigErrorNamingTheTable) {
  // The database exists (a missing SQLite file is refused before: cli_errors_test.cc), the source
  // table does not.
  ASSERT_EQ(Bankscore("init-db").exit_code, 0);
  CommandResult score = Bankscore("score");
  EXPECT_EQ(score.exit_code, 2);
  EXPECT_THAT(score.err, HasSubstr("source.table"));
  EXPECT_THAT(score.err, HasSubstr("bank_clients"));
}

TEST_P(PipelineTest, ModelTrainedOnOtherFeaturesIsRefusedBeforeAnythingIsWritten) {
  ASSERT_NO_FATAL_FAILURE(LoadAndInstallModel());
  // Drop a feature from the config: the saved bundle no longer matches it.
  std::string yaml;
  {
    std::ifstream in(env_.config_path());
    std::ostringstream text;
    text << in.rdbuf();
    yaml = text.str();
  }
  const std::string from = "euribor3m, nr.employed]";
  ASSERT_NE(yaml.find(from), std::string::npos);
  yaml.replace(yaml.find(from), from.size(), "euribor3m]");
  std::ofstream(env_.config_path(), std::ios::trunc) << yaml;

  CommandResult score = Bankscore("score");
  EXPECT_EQ(score.exit_code, 2) << score.err;
  EXPECT_THAT(score.err, HasSubstr("source.features"));
  EXPECT_THAT(score.err, HasSubstr("nr.employed"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, PipelineTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

}  // namespace
}  // namespace bankscore::testing
