// SegmentCustomers over a FakeDatabase: every source row gets exactly one segment per
// segmentation version, in one write per batch; rerunning adds nothing; --assign assigns only new
// rows; a failed batch is completed by the next run without duplicates; profiles add up to the
// table; the catalog looks clients up for the service. Real databases: tests/integration.
#include "jobs/segmenter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>
#include <set>

#include "bankscore/error.h"
#include "fakes/fake_database.h"
#include "fakes/synthetic_clients.h"
#include "jobs/segment_catalog.h"
#include "jobs/segment_sample.h"

namespace bankscore::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kClients = 230;

Config SegmentConfig(std::size_t batch_size = 50) {
  ClientsSettings settings;
  settings.batch_size = batch_size;
  Config config = ClientsConfig(settings);
  config.segmentation.categorical = config.source.categorical;
  config.segmentation.numeric = config.source.numeric;
  config.segmentation.k_min = 2;
  config.segmentation.k_max = 4;
  config.segmentation.n_init = 2;
  config.segmentation.sample = 150;
  config.segmentation.silhouette_sample = 100;
  return config;
}

class SegmenterTest : public ::testing::Test {
 protected:
  SegmenterTest() : config_(SegmentConfig()), db_(config_) { AddClients(db_, 1, kClients); }

  SegmentRunSummary Segment(const SegmentOptions& options = {}) {
    return SegmentCustomers(db_, config_, options, QuietLogger());
  }

  std::set<std::int64_t> SegmentedKeys(const std::string& version) const {
    std::set<std::int64_t> keys;
    for (const SegmentAssignment& a : db_.StoredSegments(version)) keys.insert(a.key);
    return keys;
  }

  static std::set<std::int64_t> Keys(std::int64_t first, std::int64_t last) {
    std::set<std::int64_t> keys;
    for (std::int64_t k = first; k <= last; ++k) keys.insert(k);
    return keys;
  }

  Config config_;
  FakeDatabase db_;
};

TEST_F(SegmenterTest, EverySourceRowGetsOneSegmentInOneWritePerBatch) {
  const SegmentRunSummary s = Segment();
  EXPECT_TRUE(s.new_version);
  EXPECT_EQ(s.rows_assigned, kClients);
  EXPECT_EQ(s.batches, 5);  // 230 rows in batches of 50
  EXPECT_EQ(db_.SegmentWrites(), 5);
  EXPECT_EQ(SegmentedKeys(s.model.version), Keys(1, kClients));
  for (const SegmentAssignment& a : db_.StoredSegments(s.model.version)) {
    EXPECT_GE(a.segment, 1);
    EXPECT_LE(a.segment, s.model.k);
    EXPECT_GE(a.distance, 0.0);
  }
  EXPECT_EQ(s.sample_rows, 150);
  EXPECT_EQ(s.model.rows_fitted, 150u);
}

TEST_F(SegmenterTest, ProfilesAddUpToTheTableAndDescribeEachSegment) {
  const SegmentRunSummary s = Segment();
  ASSERT_EQ(s.profiles.segments.size(), static_cast<std::size_t>(s.model.k));
  std::int64_t total = 0;
  double shares = 0;
  for (const SegmentProfile& p : s.profiles.segments) {
    total += p.size;
    shares += p.share;
    EXPECT_FALSE(p.description.empty());
    EXPECT_TRUE(p.positive_rate.has_value());      // every synthetic client has a label
    EXPECT_FALSE(p.mean_probability.has_value());  // nothing scored yet
    EXPECT_THAT(p.description, HasSubstr("y = yes"));
  }
  EXPECT_EQ(total, kClients);
  EXPECT_NEAR(shares, 1.0, 1e-12);
  EXPECT_EQ(s.profiles.overall.size, kClients);
  // As stored, in segment order.
  const std::vector<SegmentProfileRow> rows = db_.ReadSegmentProfiles(s.model.version);
  ASSERT_EQ(rows.size(), s.profiles.segments.size());
  EXPECT_EQ(rows[0].segment, 1);
  EXPECT_EQ(FromRow(rows[0]).description, s.profiles.segments[0].description);
}

TEST_F(SegmenterTest, RerunningFindsTheSameVersionAndAddsNothing) {
  const SegmentRunSummary first = Segment();
  const SegmentRunSummary second = Segment();
  EXPECT_EQ(second.model.version, first.model.version);
  EXPECT_FALSE(second.new_version);
  EXPECT_EQ(second.rows_assigned, 0);
  EXPECT_EQ(db_.StoredSegments(first.model.version).size(), static_cast<std::size_t>(kClients));
  EXPECT_EQ(db_.SegmentationVersions().size(), 1u);
}

TEST_F(SegmenterTest, AssignAfterNewRowsAssignsOnlyThemWithTheCurrentSegmentation) {
  const SegmentRunSummary first = Segment();
  const std::vector<SegmentAssignment> before = db_.StoredSegments(first.model.version);
  AddClients(db_, kClients + 1, 40);
  SegmentOptions assign;
  assign.assign_only = true;
  const SegmentRunSummary s = Segment(assign);
  EXPECT_EQ(s.model.version, first.model.version);
  EXPECT_EQ(s.rows_assigned, 40);
  EXPECT_EQ(SegmentedKeys(first.model.version), Keys(1, kClients + 40));
  // The earlier rows kept their segments.
  const std::vector<SegmentAssignment> after = db_.StoredSegments(first.model.version);
  for (const SegmentAssignment& a : before) {
    const auto it = std::find_if(after.begin(), after.end(),
                                 [&](const SegmentAssignment& b) { return b.key == a.key; });
    ASSERT_NE(it, after.end());
    EXPECT_EQ(it->segment, a.segment);
  }
  EXPECT_EQ(s.profiles.overall.size, kClients + 40);
  EXPECT_EQ(Segment(assign).rows_assigned, 0);
}

TEST_F(SegmenterTest, AssignBeforeAnySegmentationIsRefused) {
  SegmentOptions assign;
  assign.assign_only = true;
  try {
    Segment(assign);
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("run bankscore segment without --assign first"));
  }
}

TEST_F(SegmenterTest, ABatchLostMidwayIsAssignedByTheNextRunWithoutDuplicates) {
  db_.FailSegmentWriteAfter(2);
  EXPECT_THROW(Segment(), DatabaseError);
  const std::optional<SegmentationRecord> current = db_.CurrentSegmentation();
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(db_.StoredSegments(current->version).size(), 100u);  // two batches committed
  SegmentOptions assign;
  assign.assign_only = true;
  EXPECT_EQ(Segment(assign).rows_assigned, kClients - 100);
  EXPECT_EQ(SegmentedKeys(current->version), Keys(1, kClients));
}

TEST_F(SegmenterTest, AnotherKMakesAnotherVersionCurrentAndBackAgain) {
  const SegmentRunSummary auto_k = Segment();
  SegmentOptions other;
  other.k = auto_k.model.k == 3 ? 4 : 3;
  const SegmentRunSummary fixed = Segment(other);
  EXPECT_NE(fixed.model.version, auto_k.model.version);
  EXPECT_EQ(fixed.rows_assigned, kClients);  // a new version segments every row again
  EXPECT_EQ(db_.CurrentSegmentation()->version, fixed.model.version);
  const SegmentRunSummary again = Segment();
  EXPECT_FALSE(again.new_version);
  EXPECT_EQ(again.rows_assigned, 0);
  EXPECT_EQ(db_.CurrentSegmentation()->version, auto_k.model.version);
}

TEST_F(SegmenterTest, UnknownSegmentationColumnsAreRefusedBeforeAnythingIsWritten) {
  config_.segmentation.numeric = {"age", "income"};
  try {
    Segment();
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("segmentation.features: column 'income' is not in table"));
  }
  EXPECT_TRUE(db_.SegmentationVersions().empty());
}

// The segmentation tables serve one source: a config reading another table with the same tables
// is refused before anything is fitted or assigned, by segment, --assign and the catalog alike.
TEST_F(SegmenterTest, SegmentationTablesOfAnotherSourceAreRefused) {
  const SegmentRunSummary first = Segment();
  EXPECT_EQ(db_.CurrentSegmentation()->source_table, "clients(id)");
  db_.CreateSourceTable("prospects", ClientColumns(), "id");
  db_.InsertRows("prospects", SyntheticClients(1, 50));
  Config other = config_;
  other.source.table = "prospects";
  for (bool assign_only : {false, true}) {
    SegmentOptions options;
    options.assign_only = assign_only;
    try {
      SegmentCustomers(db_, other, options, QuietLogger());
      FAIL() << "accepted, assign_only " << assign_only;
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr("hold the segments of source clients(id), and this config "
                                      "segments prospects(id)"));
    }
  }
  EXPECT_THROW(SegmentCatalog::Load(db_, other), ConfigError);
  EXPECT_EQ(db_.SegmentationVersions().size(), 1u);
  EXPECT_EQ(db_.StoredSegments(first.model.version).size(), static_cast<std::size_t>(kClients));
}

TEST_F(SegmenterTest, TheCatalogLooksUpStoredSegmentsAndClassifiesNewRows) {
  const SegmentRunSummary s = Segment();
  const std::optional<SegmentCatalog> catalog = SegmentCatalog::Load(db_, config_);
  ASSERT_TRUE(catalog.has_value());
  EXPECT_EQ(catalog->version(), s.model.version);
  ASSERT_EQ(catalog->profiles().size(), static_cast<std::size_t>(s.model.k));
  const std::vector<ClientSegment> found = catalog->Lookup(db_, {5, 1, 99999});
  ASSERT_EQ(found.size(), 2u);  // 99999 has no segment
  EXPECT_EQ(found[0].key, 1);
  EXPECT_EQ(found[0].description, catalog->Description(found[0].segment));
  // Classifying a stored row's values gives its stored segment.
  const RowBatch rows = db_.TableRows("clients");
  const ClientSegment computed = catalog->Classify(rows.columns, rows.rows[0]);
  EXPECT_EQ(computed.segment, found[0].segment);
  EXPECT_NEAR(computed.distance, found[0].distance, 1e-12);
  EXPECT_FALSE(computed.description.empty());
}

TEST(SegmentCatalogTest, IsEmptyBeforeAnySegmentation) {
  const Config config = SegmentConfig();
  FakeDatabase db(config);
  AddClients(db, 1, 10);
  EXPECT_FALSE(SegmentCatalog::Load(db, config).has_value());
}

TEST(SegmentSampleTest, KeepsTheSameRowsWhateverTheBatchSize) {
  Config config = SegmentConfig(7);
  FakeDatabase db(config);
  AddClients(db, 1, 300);
  config.segmentation.sample = 40;
  const SegmentSample small_batches = ReadSegmentSample(db, config, {"age"});
  config.scoring.batch_size = 1000;
  const SegmentSample one_batch = ReadSegmentSample(db, config, {"age"});
  EXPECT_EQ(small_batches.rows.size(), 40u);
  EXPECT_EQ(small_batches.rows, one_batch.rows);
  EXPECT_EQ(small_batches.rows_read, 300);
  // In hash order, so the first rows are not simply the first keys.
  std::vector<std::int64_t> keys;
  for (const auto& row : small_batches.rows) keys.push_back(std::get<std::int64_t>(row[0]));
  EXPECT_FALSE(std::is_sorted(keys.begin(), keys.end()));
  for (std::size_t i = 1; i < keys.size(); ++i) {
    EXPECT_LT(SampleHash(keys[i - 1], config.segmentation.seed),
              SampleHash(keys[i], config.segmentation.seed));
  }
}

}  // namespace
}  // namespace bankscore::testing
