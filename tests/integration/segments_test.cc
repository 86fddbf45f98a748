// bankscore segment end to end through the real binary, on SQLite and PostgreSQL: every source row
// gets one segment, a rerun adds nothing, --assign assigns only new rows, the profiles and the
// view a DBA queries hold what they promise, and segments.html renders in headless Chromium.
//
// Set BANKSCORE_KEEP_REPORTS=DIR to keep the page and its screenshot for people to look at.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "common/text.h"
#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Small settings, so the fit takes seconds even in a sanitizer build.
TestSettings SegmentSettings() {
  TestSettings settings;
  settings.extra_yaml =
      "segmentation:\n  k_range: [2, 4]\n  n_init: 2\n  sample: 1500\n  silhouette_sample: 400\n";
  return settings;
}

class SegmentsTest : public ::testing::TestWithParam<Backend> {
 protected:
  CommandResult Bankscore(const std::string& command, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {command, "--config", env_.config_path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunBankscore(args);
  }

  void Load() {
    CommandResult load = Bankscore("load", {"--csv", SampleCsv()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
  }

  CommandResult Segment(std::vector<std::string> extra = {}) {
    CommandResult r = Bankscore("segment", std::move(extra));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r;
  }

  std::int64_t Count(const std::string& sql) { return env_.QueryInt(sql); }

  // Predictions of a made-up model for every source row: probability (key mod 100) / 100.
  void WritePredictions() {
    auto db = env_.Open();
    RunRecord run;
    run.model_version = "test-model";
    const std::int64_t run_id = db->BeginRun(run);
    std::vector<Prediction> predictions;
    const std::int64_t rows = Count("SELECT COUNT(*) FROM bank_clients");
    for (std::int64_t key = 1; key <= rows; ++key) {
      predictions.push_back({key, static_cast<double>(key % 100) / 100, key % 100 >= 50});
    }
    db->WriteBatch(run_id, run.model_version, 0.5, predictions, {});
  }

  TestEnvironment env_{GetParam(), SegmentSettings()};
};

TEST_P(SegmentsTest, EveryRowGetsOneSegmentAndARerunAddsNothing) {
  Load();
  const CommandResult first = Segment();
  EXPECT_THAT(first.out, HasSubstr("(new)"));
  EXPECT_THAT(first.out, HasSubstr("assigned 4119 rows"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segments"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT source_key) FROM segments"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM bank_clients c WHERE NOT EXISTS (SELECT 1 FROM segments g"
                  " WHERE g.source_key = c.client_id)"),
            0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segmentations"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segmentations WHERE source_table = "
                  "'bank_clients(client_id)'"),
            1);
  const std::int64_t k = Count("SELECT k FROM segmentations");
  EXPECT_GE(k, 2);
  EXPECT_LE(k, 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segment_profiles"), k);
  EXPECT_EQ(Count("SELECT SUM(size) FROM segment_profiles"), kSampleRows);
  EXPECT_EQ(Count("SELECT MAX(segment) FROM segments"), k);

  const CommandResult second = Segment();
  EXPECT_THAT(second.out, HasSubstr("already stored"));
  EXPECT_THAT(second.out, HasSubstr("assigned 0 rows"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segments"), kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segmentations"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segment_profiles"), k);
}

TEST_P(SegmentsTest, AssignGivesOnlyNewRowsASegmentWithTheCurrentSegmentation) {
  Load();
  Segment();
  const std::int64_t checksum = Count("SELECT SUM(source_key * segment) FROM segments");
  Load();  // the same file again: 4119 new rows with keys 4120..8238
  const CommandResult assign = Segment({"--assign"});
  EXPECT_THAT(assign.out, HasSubstr("assigned 4119 rows"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segments"), 2 * kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT segmentation_version) FROM segments"), 1);
  // The first rows kept their segments; the copies of the same clients got the same ones.
  EXPECT_EQ(Count("SELECT SUM(source_key * segment) FROM segments WHERE source_key <= 4119"),
            checksum);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segments a JOIN segments b ON b.source_key = "
                  "a.source_key + 4119 WHERE a.segment <> b.segment"),
            0);
  EXPECT_EQ(Count("SELECT SUM(size) FROM segment_profiles"), 2 * kSampleRows);
  EXPECT_THAT(Segment({"--assign"}).out, HasSubstr("assigned 0 rows"));
}

TEST_P(SegmentsTest, TheViewJoinsLatestPredictionsAndProfilesGetTheirMeans) {
  Load();
  Segment();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segment_profiles WHERE mean_probability IS NOT NULL"), 0);
  WritePredictions();
  Segment({"--assign"});  // refreshes the profiles
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segmented_predictions"), kSampleRows);
  // Mean probability weighted by size is the mean over all rows: sum of (key mod 100) / 100.
  std::int64_t sum_percent = 0;
  for (std::int64_t key = 1; key <= kSampleRows; ++key) sum_percent += key % 100;
  EXPECT_EQ(Count("SELECT CAST(ROUND(SUM(mean_probability * size) * 100) AS INTEGER) FROM "
                  "segment_profiles"),
            sum_percent);
  // The subscription rate per segment adds up to the 451 subscribers of the sample.
  EXPECT_EQ(Count("SELECT CAST(ROUND(SUM(positive_rate * size)) AS INTEGER) FROM "
                  "segment_profiles"),
            451);
  RowBatch top = env_.Open()->Query(
      "SELECT segment, probability, segment_description FROM segmented_predictions "
      "ORDER BY segment, probability DESC LIMIT 1");
  ASSERT_EQ(top.rows.size(), 1u);
  EXPECT_EQ(AsNumber(top.rows[0][0]), 1.0);
  EXPECT_EQ(AsNumber(top.rows[0][1]), 0.99);
  EXPECT_FALSE(ValueText(top.rows[0][2]).empty());
}

TEST_P(SegmentsTest, AFixedKMakesANewCurrentVersionAndAssignNeedsASegmentation) {
  Load();
  const CommandResult refused = Bankscore("segment", {"--assign"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("run bankscore segment without --assign first"));
  Segment({"--k", "3"});
  Segment({"--k", "2"});
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segmentations"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segments"), 2 * kSampleRows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segmented_predictions"), 0);  // no predictions yet
  EXPECT_EQ(Count("SELECT k FROM segmentations ORDER BY activation DESC LIMIT 1"), 2);
  const CommandResult both = Bankscore("segment", {"--k", "3", "--assign"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("--k cannot be combined with --assign"));
}

// The profiles read labels as training does (LabelRule: label_case_insensitive, negative_labels,
// a value that is neither is not a label) and numbers as the segment encoder does (the sentinel
// and values outside source.ranges left out), in the SQL of both backends.
TEST_P(SegmentsTest, ProfilesReadLabelsAndRangesAsTrainingAndScoringDo) {
  TestSettings settings = SegmentSettings();
  settings.source_yaml =
      "  label_case_insensitive: true\n  negative_labels: [\"no\"]\n  ranges:\n    age: [18, 60]\n";
  env_.RewriteConfig(settings);
  Load();
  auto db = env_.Open();
  db->Query("UPDATE bank_clients SET y = 'YES' WHERE y = 'yes' AND client_id <= 2000");
  db->Query("UPDATE bank_clients SET y = 'unknown' WHERE y = 'no' AND client_id <= 100");
  const std::int64_t unknown = Count("SELECT COUNT(*) FROM bank_clients WHERE y = 'unknown'");
  const std::int64_t upper = Count("SELECT COUNT(*) FROM bank_clients WHERE y = 'YES'");
  ASSERT_GT(unknown, 0);
  ASSERT_GT(upper, 0);
  const std::int64_t ages = Count("SELECT COUNT(*) FROM bank_clients WHERE age BETWEEN 18 AND 60");
  const std::int64_t age_sum =
      Count("SELECT CAST(SUM(age) AS INTEGER) FROM bank_clients WHERE age BETWEEN 18 AND 60");
  ASSERT_LT(ages, kSampleRows);  // the bundled sample has clients over 60
  Segment();
  const RowBatch version = db->Query("SELECT segmentation_version FROM segmentations");
  ASSERT_EQ(version.rows.size(), 1u);
  std::int64_t labelled = 0, positives = 0, age_count = 0;
  double summed_ages = 0;
  for (const SegmentStats& s : db->SummarizeSegments(ValueText(version.rows[0][0]), {"age"}, {})) {
    labelled += s.labelled;
    positives += s.positives;
    age_count += s.numeric_count[0];
    summed_ages += s.numeric_sum[0];
  }
  EXPECT_EQ(labelled, kSampleRows - unknown);
  EXPECT_EQ(positives, 451);  // "YES" is still "yes"
  EXPECT_EQ(age_count, ages);
  EXPECT_DOUBLE_EQ(summed_ages, static_cast<double>(age_sum));
}

INSTANTIATE_TEST_SUITE_P(Backends, SegmentsTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

TEST(SegmentsPostgresTest, EveryColumnHasACommentAndInitDbCreatesTheTables) {
  TestEnvironment env(Backend::kPostgres, SegmentSettings());
  ASSERT_EQ(RunBankscore({"load", "--config", env.config_path(), "--csv", SampleCsv()}).exit_code,
            0);
  const CommandResult init = RunBankscore({"init-db", "--config", env.config_path()});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_THAT(init.out, HasSubstr("segmentation tables ready"));
  const std::string relations =
      "('segments', 'segment_profiles', 'segmentations', 'segmented_predictions')";
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                         "c.relnamespace WHERE n.nspname = '" +
                         env.schema() + "' AND c.relname IN " + relations),
            4);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM pg_attribute a JOIN pg_class c ON c.oid = "
                         "a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
                         "n.nspname = '" +
                         env.schema() + "' AND c.relname IN " + relations +
                         " AND a.attnum > 0 AND NOT a.attisdropped AND "
                         "col_description(c.oid, a.attnum) IS NULL"),
            0);
  const CommandResult schema = RunBankscore({"schema", "--config", env.config_path()});
  EXPECT_THAT(schema.out, HasSubstr("CREATE OR REPLACE VIEW \"" + env.schema() +
                                    "\".\"segmented_predictions\""));
}

TEST(SegmentsRenderTest, TheReportRendersInHeadlessChromium) {
  TestEnvironment env(Backend::kSqlite, SegmentSettings());
  ASSERT_EQ(RunBankscore({"load", "--config", env.config_path(), "--csv", SampleCsv()}).exit_code,
            0);
  const char* keep = std::getenv("BANKSCORE_KEEP_REPORTS");
  const fs::path dir = keep != nullptr ? fs::path(keep) : env.dir() / "reports";
  const CommandResult r =
      RunBankscore({"segment", "--config", env.config_path(), "--out", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path page = dir / "segments.html";
  ASSERT_TRUE(fs::exists(page));
  ASSERT_TRUE(fs::exists(dir / "segments.md"));
  if (!fs::exists(kChromium)) {
    FAIL() << kChromium << " is missing: install Debian's chromium (scripts/install-deps.sh).";
  }
  const fs::path png = dir / "segments.png";
  const auto [shot_code, shot_out] = RunHeadlessChromium("file://" + fs::absolute(page).string(),
                                                         "--screenshot=" + png.string(), env.dir());
  ASSERT_EQ(shot_code, 0) << shot_out;
  ASSERT_TRUE(fs::exists(png)) << shot_out;
  EXPECT_GT(fs::file_size(png), 20u * 1024) << "screenshot looks blank: " << png;
  const auto [dom_code, dom] =
      RunHeadlessChromium("file://" + fs::absolute(page).string(), "--dump-dom", env.dir());
  ASSERT_EQ(dom_code, 0) << dom;
  for (const char* id :
       {"elbow-curve", "silhouette-curve", "segment-sizes", "segment-rates", "pca-scatter"}) {
    EXPECT_THAT(dom, ::testing::ContainsRegex(std::string("<svg[^>]* id=\"") + id + "\"")) << id;
  }
  EXPECT_THAT(dom, HasSubstr("Choosing k"));
}

}  // namespace
}  // namespace bankscore::testing
