// The segmentation section of the config: documented defaults, explicit values, and every mistake
// refused with the file, line and key, like the rest of the configuration.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "bankscore/config.h"
#include "bankscore/error.h"

namespace bankscore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Lines 1-11; a segmentation section appended starts on line 12.
constexpr char kMinimal[] = R"(database:
  path: test.db
source:
  table: clients
  key: id
  label: y
  features:
    categorical: [job]
    numeric: [age, pdays]
model:
  path: models/m
)";

Config Parse(const std::string& segmentation) {
  return ParseConfig(std::string(kMinimal) + segmentation, "test.yaml");
}

std::string ErrorOf(const std::string& segmentation) {
  try {
    Parse(segmentation);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted, but should have been refused:\n" << segmentation;
  return "";
}

TEST(SegmentationConfigTest, DefaultsToTheModelsFeaturesAndAutoK) {
  const SegmentationConfig s = Parse("").segmentation;
  EXPECT_THAT(s.categorical, ElementsAre("job"));
  EXPECT_THAT(s.numeric, ElementsAre("age", "pdays"));
  EXPECT_FALSE(s.k.has_value());
  EXPECT_EQ(s.k_min, 2);
  EXPECT_EQ(s.k_max, 10);
  EXPECT_EQ(s.sample, 50000u);
  EXPECT_EQ(s.n_init, 10);
  EXPECT_EQ(s.silhouette_sample, 5000u);
  EXPECT_EQ(s.table, "segments");
  EXPECT_EQ(s.profiles_table, "segment_profiles");
  EXPECT_EQ(s.models_table, "segmentations");
  EXPECT_EQ(s.view, "segmented_predictions");
  EXPECT_FALSE(s.assign_on_run);
}

TEST(SegmentationConfigTest, ReadsEveryKey) {
  const SegmentationConfig s = Parse(R"(segmentation:
  features:
    categorical: [job, marital]
    numeric: [age]
  k: 5
  k_range: [3, 8]
  seed: 7
  sample: 20000
  n_init: 4
  silhouette_sample: 2000
  table: client_segments
  profiles_table: client_segment_profiles
  models_table: client_segmentations
  view: clients_by_segment
  assign_on_run: true
)")
                                   .segmentation;
  EXPECT_THAT(s.Columns(), ElementsAre("job", "marital", "age"));
  EXPECT_EQ(s.k, 5);
  EXPECT_EQ(s.k_min, 3);
  EXPECT_EQ(s.k_max, 8);
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.sample, 20000u);
  EXPECT_EQ(s.n_init, 4);
  EXPECT_EQ(s.silhouette_sample, 2000u);
  EXPECT_EQ(s.table, "client_segments");
  EXPECT_EQ(s.profiles_table, "client_segment_profiles");
  EXPECT_EQ(s.models_table, "client_segmentations");
  EXPECT_EQ(s.view, "clients_by_segment");
  EXPECT_TRUE(s.assign_on_run);
  EXPECT_FALSE(Parse("segmentation:\n  k: auto\n").segmentation.k.has_value());
}

TEST(SegmentationConfigTest, RefusesMistakesNamingTheLine) {
  EXPECT_EQ(ErrorOf("segmentation:\n  samples: 100\n"),
            "test.yaml:13: unknown key 'segmentation.samples' (did you mean 'sample'?)");
  EXPECT_EQ(ErrorOf("segmentation:\n  k: 1\n"),
            "test.yaml:13: segmentation.k: must be auto or an integer between 2 and 100, got 1");
  EXPECT_THAT(ErrorOf("segmentation:\n  k: many\n"), HasSubstr("got 'many'"));
  EXPECT_THAT(ErrorOf("segmentation:\n  k_range: [6, 3]\n"),
              HasSubstr("test.yaml:13: segmentation.k_range: must be a list of two integers"));
  EXPECT_THAT(ErrorOf("segmentation:\n  k_range: [2]\n"), HasSubstr("segmentation.k_range"));
  EXPECT_THAT(ErrorOf("segmentation:\n  n_init: 0\n"), HasSubstr("segmentation.n_init"));
  EXPECT_THAT(ErrorOf("segmentation:\n  sample: 5\n"),
              HasSubstr("must be an integer between 10 and 1000000"));
  EXPECT_THAT(ErrorOf("segmentation:\n  assign_on_run: sometimes\n"),
              HasSubstr("segmentation.assign_on_run: must be true or false"));
  EXPECT_THAT(ErrorOf("segmentation:\n  features:\n    numeric: [id]\n"),
              HasSubstr("test.yaml:14: segmentation.features.numeric: 'id' is source.key"));
  EXPECT_THAT(ErrorOf("segmentation:\n  features:\n    numeric: []\n"),
              HasSubstr("must list at least one column"));
  EXPECT_THAT(ErrorOf("segmentation:\n  table: bad-name\n"), HasSubstr("not a valid identifier"));
}

TEST(SegmentationConfigTest, RefusesTableNamesTakenByOtherTables) {
  EXPECT_EQ(ErrorOf("segmentation:\n  table: clients\n"),
            "test.yaml:13: segmentation.table: 'clients' is also the name of source.table; every "
            "table needs its own name");
  EXPECT_THAT(ErrorOf("segmentation:\n  view: predictions\n"),
              HasSubstr("is also the name of results.table"));
  EXPECT_THAT(ErrorOf("segmentation:\n  profiles_table: segments\n"),
              HasSubstr("'segments' is also segmentation.table"));
}

}  // namespace
}  // namespace bankscore
