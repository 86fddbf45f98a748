// Drift per run on both backends, through the real binary, on the bundled data, which is in date
// order: a model trained on the first 90% of the rows by key sees no drift in a slice of that
// period it was not trained on, and an alert for the socio-economic columns in the last 10%.
// Also `bankscore drift`, its output and its error for an unknown run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "common/text.h"
#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The first 90% of the full file by key: keys 1 .. kTrainingPeriod.
constexpr std::int64_t kTrainingPeriod = 37069;
// Every tenth row of the training period, held out of training: keys 3, 13, ..., 37063.
constexpr std::int64_t kSliceRows = 3707;
constexpr std::int64_t kLastRows = kFullRows - kTrainingPeriod;  // 4119

double CellNumber(const Value& v) {
  if (const auto* text = std::get_if<std::string>(&v)) return ParseNumber(*text).value_or(-1e300);
  return AsNumber(v).value_or(-1e300);
}

struct StoredDrift {
  double psi = 0;
  std::string status;  // "NULL" for NULL
  std::int64_t rows = 0;
};

class DriftTest : public ::testing::TestWithParam<Backend> {
 protected:
  static TestSettings Settings() {
    TestSettings settings;
    settings.batch_size = 5000;
    settings.explain_top = 0;  // reasons are not what is tested here (the default, said)
    settings.training_yaml = "  seed: 42\n  num_boost_round: 100\n  early_stopping_rounds: 10\n";
    return settings;
  }

  CommandResult Bankscore(const std::string& command, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {command, "--config", env_.config_path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunBankscore(args);
  }

  // run_drift of one run, by column.
  std::map<std::string, StoredDrift> DriftOf(std::int64_t run_id) {
    const RowBatch rows =
        env_.Open()->Query("SELECT column_name, psi, status, rows FROM run_drift WHERE run_id = " +
                           std::to_string(run_id));
    std::map<std::string, StoredDrift> out;
    for (const auto& row : rows.rows) {
      out[ValueText(row[0])] = {CellNumber(row[1]), IsNull(row[2]) ? "NULL" : ValueText(row[2]),
                                static_cast<std::int64_t>(CellNumber(row[3]))};
    }
    return out;
  }

  std::string RunMessage(std::int64_t run_id) {
    const RowBatch rows = env_.Open()->Query("SELECT message FROM scoring_runs WHERE run_id = " +
                                             std::to_string(run_id));
    return rows.rows.empty() || IsNull(rows.rows[0][0]) ? "" : ValueText(rows.rows[0][0]);
  }

  TestEnvironment env_{GetParam(), Settings()};
};

TEST_P(DriftTest, TrainingPeriodSliceIsOkAndTheLastTenthAlertsOnSocioEconomicColumns) {
  const CommandResult load = Bankscore("load", {"--csv", FullCsv()});  // keys 1 .. kFullRows
  ASSERT_EQ(load.exit_code, 0) << load.err;
  {
    // Set aside the last 10% (labels removed: they are the future) and a slice of the training
    // period, then train on the rest.
    auto db = env_.Open();
    const std::string period = "client_id <= " + std::to_string(kTrainingPeriod);
    db->Query("CREATE TABLE later_rows AS SELECT * FROM bank_clients WHERE NOT (" + period + ")");
    db->Query("UPDATE later_rows SET y = NULL");
    db->Query("CREATE TABLE slice_rows AS SELECT * FROM bank_clients WHERE " + period +
              " AND client_id % 10 = 3");
    db->Query("DELETE FROM bank_clients WHERE NOT (" + period + ") OR client_id % 10 = 3");
  }
  ASSERT_EQ(env_.QueryInt("SELECT COUNT(*) FROM slice_rows"), kSliceRows);
  ASSERT_EQ(env_.QueryInt("SELECT COUNT(*) FROM later_rows"), kLastRows);
  const CommandResult train = Bankscore("train");
  ASSERT_EQ(train.exit_code, 0) << train.err;
  const std::size_t columns = env_.config().source.FeatureColumns().size() + 1;

  // Run 1: the rows trained on (and the test split). Run 2: the slice alone.
  ASSERT_EQ(Bankscore("score").exit_code, 0);
  env_.Open()->Query("INSERT INTO bank_clients SELECT * FROM slice_rows");
  const CommandResult slice = Bankscore("score");
  ASSERT_EQ(slice.exit_code, 0) << slice.err;
  const std::map<std::string, StoredDrift> ok = DriftOf(2);
  ASSERT_EQ(ok.size(), columns);
  for (const auto& [column, d] : ok) {
    EXPECT_EQ(d.status, "ok") << column << " PSI " << d.psi;
    EXPECT_EQ(d.rows, kSliceRows) << column;
  }
  EXPECT_EQ(RunMessage(2), "");

  // Run 3: the last tenth.
  env_.Open()->Query("INSERT INTO bank_clients SELECT * FROM later_rows");
  const CommandResult later = Bankscore("score");
  ASSERT_EQ(later.exit_code, 0) << later.err;
  const std::map<std::string, StoredDrift> moved = DriftOf(3);
  ASSERT_EQ(moved.size(), columns);
  EXPECT_EQ(moved.at("euribor3m").status, "alert");
  EXPECT_EQ(moved.at("nr.employed").status, "alert");
  EXPECT_EQ(moved.at("euribor3m").rows, kLastRows);
  EXPECT_THAT(RunMessage(3), HasSubstr("drift alert (PSI >= 0.25): "));
  EXPECT_THAT(RunMessage(3), HasSubstr("euribor3m "));
  EXPECT_THAT(RunMessage(3), HasSubstr("nr.employed "));
  EXPECT_THAT(later.err, HasSubstr("drift alert (PSI >= 0.25)"));  // logged at WARN

  // bankscore drift: the latest run, worst first; --run for another; an unknown run refused.
  const CommandResult latest = Bankscore("drift");
  ASSERT_EQ(latest.exit_code, 0) << latest.err;
  EXPECT_THAT(latest.out, HasSubstr("run 3 (succeeded, model "));
  std::istringstream lines(latest.out);
  std::string line;
  std::vector<double> psis;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::string column, psi, status;
    // The table's rows: a column of the run, its PSI, its status ("message: ..." is not one).
    if (cells >> column >> psi >> status && moved.count(column) > 0) {
      psis.push_back(ParseNumber(psi).value_or(-1));
      EXPECT_NEAR(psis.back(), moved.at(column).psi, 5e-5) << line;
      EXPECT_EQ(status, moved.at(column).status) << line;
    }
  }
  EXPECT_EQ(psis.size(), columns);
  EXPECT_TRUE(std::is_sorted(psis.rbegin(), psis.rend())) << latest.out;
  EXPECT_THAT(latest.out, HasSubstr("status: ok below 0.1, warn from 0.1, alert from 0.25"));

  const CommandResult second = Bankscore("drift", {"--run", "2"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("run 2 (succeeded, model "));
  EXPECT_THAT(second.out, Not(HasSubstr("alert  ")));

  const CommandResult unknown = Bankscore("drift", {"--run", "99"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err,
              HasSubstr("bankscore: error: no run 99 in scoring_runs (bankscore show --config "));
}

INSTANTIATE_TEST_SUITE_P(Backends, DriftTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

}  // namespace
}  // namespace bankscore::testing
