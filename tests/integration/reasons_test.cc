// Per-row reasons on both backends, through the real binary: K rows in prediction_reasons per
// prediction, written once (a replayed batch and a rerun add nothing), predictions.top_reasons the
// same reasons in one line, NULL and no rows with scoring.explain_top: 0; and the older
// predictions table gaining the column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "common/text.h"
#include "integration/test_support.h"
#include "model/reasons.h"

namespace bankscore::testing {
namespace {

using ::testing::HasSubstr;

// A cell Query returned as a number (PostgreSQL gives text).
double NumberOf(const Value& v) {
  if (const auto* text = std::get_if<std::string>(&v)) return ParseNumber(*text).value_or(-1e300);
  return AsNumber(v).value_or(-1e300);
}

class ReasonsTest : public ::testing::TestWithParam<Backend> {
 protected:
  CommandResult Bankscore(const std::string& command, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {command, "--config", env_.config_path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunBankscore(args);
  }

  void LoadAndInstallModel() {
    CommandResult load = Bankscore("load", {"--csv", SampleCsv()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    ASSERT_NO_FATAL_FAILURE(InstallSampleModel(env_));
  }

  std::int64_t Count(const std::string& sql) { return env_.QueryInt(sql); }

  // Every prediction's top_reasons rebuilt from its rank 1..K rows; the keys where they differ.
  std::vector<std::int64_t> LinesThatDifferFromTheRows() {
    auto db = env_.Open();
    std::map<std::int64_t, std::string> lines;
    const RowBatch reasons = db->Query(
        "SELECT source_key, feature, value, contribution FROM prediction_reasons"
        " ORDER BY source_key, rank");
    for (const auto& row : reasons.rows) {
      const std::string value = IsNull(row[2]) ? "NULL" : ValueText(row[2]);
      AppendReason(lines[static_cast<std::int64_t>(NumberOf(row[0]))], ValueText(row[1]), value,
                   NumberOf(row[3]));
    }
    std::vector<std::int64_t> differ;
    const RowBatch stored = db->Query("SELECT source_key, top_reasons FROM predictions");
    for (const auto& row : stored.rows) {
      const auto key = static_cast<std::int64_t>(NumberOf(row[0]));
      if (IsNull(row[1]) || ValueText(row[1]) != lines[key]) differ.push_back(key);
    }
    return differ;
  }

  TestEnvironment env_{GetParam(), [] {
                         TestSettings s;
                         s.explain_top = 3;
                         return s;
                       }()};
};

TEST_P(ReasonsTest, ScoreWritesKReasonsPerPredictionOnceAndTheLineMatchesThem) {
  ASSERT_NO_FATAL_FAILURE(LoadAndInstallModel());
  const CommandResult score = Bankscore("score");
  ASSERT_EQ(score.exit_code, 0) << score.err;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prediction_reasons"), 3 * kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM (SELECT DISTINCT source_key, model_version, rank"
                  " FROM prediction_reasons) AS d"),
            3 * kSampleRows);
  EXPECT_EQ(Count("SELECT MIN(rank) FROM prediction_reasons"), 1);
  EXPECT_EQ(Count("SELECT MAX(rank) FROM prediction_reasons"), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE top_reasons IS NULL"), 0);
  EXPECT_EQ(LinesThatDifferFromTheRows(), std::vector<std::int64_t>{});
  // Names a DBA knows: source columns, never an encoded one such as "poutcome=success".
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prediction_reasons WHERE feature LIKE '%=%'"
                  " OR feature LIKE '%\\_is\\_%' ESCAPE '\\'"),
            0);
  EXPECT_GT(Count("SELECT COUNT(DISTINCT feature) FROM prediction_reasons"), 3);

  // A rerun finds nothing to score and writes nothing.
  const CommandResult again = Bankscore("score");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("nothing to score"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prediction_reasons"), 3 * kSampleRows);
}

TEST_P(ReasonsTest, ExplainTopZeroWritesNoReasonsAndANullLine) {
  TestSettings settings;
  settings.explain_top = 0;
  env_.RewriteConfig(settings);
  ASSERT_NO_FATAL_FAILURE(LoadAndInstallModel());
  const CommandResult score = Bankscore("score");
  ASSERT_EQ(score.exit_code, 0) << score.err;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prediction_reasons"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE top_reasons IS NOT NULL"), 0);
}

// The Database contract: a replayed batch (a lost COMMIT acknowledgement) writes no reason twice,
// and a prediction that was there already does not gain reasons.
TEST_P(ReasonsTest, ReplayedBatchWritesEachReasonOnce) {
  auto db = env_.Open();
  db->CreateSourceTable("bank_clients", {{"client_id", ColumnType::kInteger}}, "client_id");
  db->EnsureResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t run_id = db->BeginRun(run);
  db->WriteBatch(run_id, "v1", 0.5, {{3, 0.5, 1, 0.0, std::string()}}, {}, {});
  std::vector<Prediction> predictions = {{1, 0.25, 0, -1.0, "age=41 (+0.50); job=NULL (-0.25)"},
                                         {2, 0.75, 1, 1.0, "age=30 (+1.00)"},
                                         {3, 0.5, 1, 0.0, "age=50 (+0.10)"}};
  const std::vector<PredictionReason> reasons = {{1, 1, "age", std::string("41"), 0.5},
                                                 {1, 2, "job", std::nullopt, -0.25},
                                                 {2, 1, "age", std::string("30"), 1.0},
                                                 {3, 1, "age", std::string("50"), 0.1}};
  EXPECT_EQ(db->WriteBatch(run_id, "v1", 0.5, predictions, {}, reasons).predictions_inserted, 2);
  EXPECT_EQ(db->WriteBatch(run_id, "v1", 0.5, predictions, {}, reasons).predictions_inserted, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prediction_reasons"), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prediction_reasons WHERE source_key = 3"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prediction_reasons WHERE value IS NULL"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE top_reasons IS NULL"), 1);
  const RowBatch line = db->Query("SELECT top_reasons FROM predictions WHERE source_key = 1");
  ASSERT_EQ(line.rows.size(), 1u);
  EXPECT_EQ(ValueText(line.rows[0][0]), "age=41 (+0.50); job=NULL (-0.25)");
}

// Results tables of an earlier version (no top_reasons, no reasons table) are brought up to date.
TEST_P(ReasonsTest, EarlierResultsTablesGainTheColumnAndTheTable) {
  auto db = env_.Open();
  db->CreateSourceTable("bank_clients", {{"client_id", ColumnType::kInteger}}, "client_id");
  db->EnsureResultsSchema();
  db->Query("DROP TABLE prediction_reasons");
  db->Query("ALTER TABLE predictions DROP COLUMN top_reasons");
  db->EnsureResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t run_id = db->BeginRun(run);
  db->WriteBatch(run_id, "v1", 0.5, {{1, 0.25, 0, -1.0, "age=41 (+0.50)"}}, {},
                 {{1, 1, "age", std::string("41"), 0.5}});
  EXPECT_EQ(Count("SELECT COUNT(*) FROM predictions WHERE top_reasons = 'age=41 (+0.50)'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prediction_reasons"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReasonsTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

}  // namespace
}  // namespace bankscore::testing
