// Progress at info level through the real binary, on the full data set (41,188 rows): load and
// score say how many batches and rows are done of the total, train the rounds and the
// validation metric. stderr is not a terminal here, so each is a log line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class ProgressLogTest : public ::testing::TestWithParam<Backend> {
 protected:
  // env's config at info level (the test config logs warnings only).
  std::string InfoConfig() {
    std::string text = ReadText(env_.config_path());
    const std::string from = "level: warn";
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos);
    if (at != std::string::npos) text.replace(at, from.size(), "level: info");
    const std::string path = (env_.dir() / "info.yaml").string();
    std::ofstream(path) << text;
    return path;
  }

  TestEnvironment env_{GetParam()};
};

TEST_P(ProgressLogTest, LoadAndScoreShowBatchesOfTheTotal) {
  const std::string config = InfoConfig();
  const CommandResult load = RunCommand("load", config, {"--csv", FullCsv()});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  // 10,000 rows per insert batch.
  EXPECT_THAT(load.err,
              AllOf(HasSubstr("load " + FullCsv() + ": 5 of 5 batches, 41188 of 41188 rows (100%)"),
                    HasSubstr("rows/s, done in ")));
  ASSERT_NO_FATAL_FAILURE(InstallSampleModel(env_));
  const CommandResult score = RunCommand("score", config);
  ASSERT_EQ(score.exit_code, 0) << score.err;
  // scoring.batch_size 1000; a batch never splits a key, so 42 batches of about 1000.
  EXPECT_THAT(score.err, AllOf(HasSubstr("run 1: scoring 41188 rows of bank_clients with model "),
                               HasSubstr("score run 1: 42 of 42 batches, 41188 of 41188 rows "
                                         "(100%)"),
                               Not(HasSubstr("\r"))));
}

TEST_P(ProgressLogTest, TrainShowsRoundsAndTheValidationMetric) {
  const std::string config = InfoConfig();
  ASSERT_EQ(RunCommand("load", config, {"--csv", SampleCsv()}).exit_code, 0);
  const CommandResult train = RunCommand("train", config);
  ASSERT_EQ(train.exit_code, 0) << train.err;
  EXPECT_THAT(train.err,
              AllOf(HasSubstr("training: round 10 of at most 200, valid-"), HasSubstr("(best ")));
}

INSTANTIATE_TEST_SUITE_P(Backends, ProgressLogTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

}  // namespace
}  // namespace bankscore::testing
