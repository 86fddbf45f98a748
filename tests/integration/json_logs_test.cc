// --json-logs through the real binary: every stderr line is one JSON object, and the run's events
// carry their fields (README, "Logs"), for a run that succeeds and for one that fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

class JsonLogsTest : public ::testing::TestWithParam<Backend> {
 protected:
  // env's config logging at debug level (batch_written is a debug event).
  std::string DebugConfig() {
    std::string text = ReadText(env_.config_path());
    const std::string from = "level: warn";
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos);
    if (at != std::string::npos) text.replace(at, from.size(), "level: debug");
    const std::string path = (env_.dir() / "debug.yaml").string();
    std::ofstream(path) << text;
    return path;
  }

  // Every line of `err` parsed as JSON (a line that is not fails the test).
  static std::vector<nlohmann::json> Lines(const std::string& err) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
      if (!j.is_discarded()) lines.push_back(j);
    }
    return lines;
  }

  static std::vector<nlohmann::json> Events(const std::vector<nlohmann::json>& lines,
                                            const std::string& name) {
    std::vector<nlohmann::json> out;
    for (const auto& j : lines) {
      if (j.value("event", "") == name) out.push_back(j);
    }
    return out;
  }

  TestEnvironment env_{GetParam()};
};

TEST_P(JsonLogsTest, ARunsEventsCarryTheirFields) {
  const std::string config = DebugConfig();
  ASSERT_EQ(RunCommand("load", config, {"--csv", SampleCsv()}).exit_code, 0);
  ASSERT_NO_FATAL_FAILURE(InstallSampleModel(env_));
  const CommandResult run = RunCommand("run", config, {"--once", "--json-logs"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<nlohmann::json> lines = Lines(run.err);
  for (const auto& j : lines) {
    EXPECT_TRUE(j.contains("time") && j.contains("level") && j.contains("message")) << j;
  }

  const auto started = Events(lines, "run_started");
  ASSERT_EQ(started.size(), 1u) << run.err;
  EXPECT_EQ(started[0]["run_id"], 1);
  EXPECT_EQ(started[0]["rows"], kSampleRows);
  EXPECT_EQ(started[0]["level"], "info");
  const std::string version = started[0]["model_version"];
  EXPECT_FALSE(version.empty());

  // scoring.batch_size 1000: 4,119 rows in 5 batches.
  const auto batches = Events(lines, "batch_written");
  ASSERT_EQ(batches.size(), 5u) << run.err;
  std::int64_t rows = 0;
  for (const auto& b : batches) {
    EXPECT_EQ(b["run_id"], 1);
    EXPECT_EQ(b["model_version"], version);
    EXPECT_GE(b["duration_ms"].get<std::int64_t>(), 0);
    rows += b["rows"].get<std::int64_t>();
  }
  EXPECT_EQ(rows, kSampleRows);
  EXPECT_EQ(batches[0]["rows"], 1000);

  const auto finished = Events(lines, "run_finished");
  ASSERT_EQ(finished.size(), 1u) << run.err;
  EXPECT_EQ(finished[0]["run_id"], 1);
  EXPECT_EQ(finished[0]["model_version"], version);
  EXPECT_EQ(finished[0]["status"], "succeeded");
  EXPECT_EQ(finished[0]["rows"], kSampleRows);
  EXPECT_GE(finished[0]["duration_ms"].get<std::int64_t>(), 0);
  EXPECT_FALSE(finished[0].contains("error_class"));
}

TEST_P(JsonLogsTest, AFailedRunIsRunFinishedFailedWithItsErrorClass) {
  const std::string config = DebugConfig();
  ASSERT_EQ(RunCommand("load", config, {"--csv", SampleCsv()}).exit_code, 0);
  ASSERT_NO_FATAL_FAILURE(InstallSampleModel(env_));
  env_.Open()->Query("ALTER TABLE bank_clients DROP COLUMN euribor3m");
  const CommandResult run = RunCommand("run", config, {"--once", "--json-logs"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  const auto finished = Events(Lines(run.err), "run_finished");
  ASSERT_EQ(finished.size(), 1u) << run.err;
  EXPECT_EQ(finished[0]["status"], "failed");
  EXPECT_EQ(finished[0]["level"], "error");
  EXPECT_EQ(finished[0]["error_class"], "config");
  EXPECT_EQ(finished[0]["rows"], 0);
  EXPECT_FALSE(finished[0].contains("run_id"));
  EXPECT_THAT(finished[0]["message"].get<std::string>(), ::testing::HasSubstr("euribor3m"));
}

INSTANTIATE_TEST_SUITE_P(Backends, JsonLogsTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

}  // namespace
}  // namespace bankscore::testing
