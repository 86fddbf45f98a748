// The daemon with segmentation.assign_on_run, over a FakeDatabase: after a scoring cycle, the new
// rows get their segment in the current segmentation and the profiles get the new predictions;
// without any segmentation the cycle still succeeds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "bankscore/daemon.h"
#include "bankscore/signals.h"
#include "fakes/fake_database.h"
#include "fakes/synthetic_clients.h"
#include "jobs/segmenter.h"

namespace bankscore::testing {
namespace {

using ::testing::HasSubstr;

class DaemonSegmentsTest : public ::testing::Test {
 protected:
  DaemonSegmentsTest() : config_(MakeConfig()), db_(config_) { AddClients(db_, 1, 200); }

  static Config MakeConfig() {
    ClientsSettings settings;
    settings.model_path = SyntheticModel().path;
    Config config = ClientsConfig(settings);
    config.segmentation.categorical = config.source.categorical;
    config.segmentation.numeric = config.source.numeric;
    config.segmentation.k_min = 2;
    config.segmentation.k_max = 3;
    config.segmentation.n_init = 2;
    config.segmentation.silhouette_sample = 100;
    config.segmentation.assign_on_run = true;
    return config;
  }

  int RunOnce() {
    DaemonOptions options;
    options.once = true;
    options.open_database = db_.Opener();
    return RunDaemon(config_, options, signals_, log_);
  }

  Config config_;
  FakeDatabase db_;
  std::ostringstream lines_;
  spdlog::logger log_{"daemon", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines_)};
  SignalWatcher signals_;
};

TEST_F(DaemonSegmentsTest, NewRowsGetTheirSegmentAfterEachScoringCycle) {
  db_.EnsureResultsSchema();
  const SegmentRunSummary fitted = SegmentCustomers(db_, config_, {}, QuietLogger());
  AddClients(db_, 201, 30);
  EXPECT_EQ(RunOnce(), 0);
  EXPECT_EQ(db_.Predictions().size(), 230u);
  EXPECT_EQ(db_.StoredSegments(fitted.model.version).size(), 230u);
  // The profiles were refreshed with the predictions the cycle made.
  const std::vector<SegmentProfileRow> profiles = db_.ReadSegmentProfiles(fitted.model.version);
  ASSERT_FALSE(profiles.empty());
  std::int64_t sizes = 0;
  for (const SegmentProfileRow& p : profiles) {
    sizes += p.size;
    EXPECT_TRUE(p.mean_probability.has_value()) << "segment " << p.segment;
  }
  EXPECT_EQ(sizes, 230);
  EXPECT_THAT(lines_.str(), HasSubstr("30 new rows assigned"));
}

TEST_F(DaemonSegmentsTest, ACycleWithoutAnySegmentationStillSucceeds) {
  EXPECT_EQ(RunOnce(), 0);
  EXPECT_EQ(db_.Predictions().size(), 200u);
  EXPECT_THAT(lines_.str(), HasSubstr("no segmentation yet"));
}

}  // namespace
}  // namespace bankscore::testing
