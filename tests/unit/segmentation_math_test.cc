// The segmentation's mathematics against answers known in advance: K-means recovers well-separated
// blobs (adjusted Rand index 1.0) and `auto` finds their number; silhouettes equal hand-computed
// values; PCA finds the axes and variances of small constructed sets; the encoder standardises
// and one-hot encodes as documented; a fitted model survives its JSON and keeps its version.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "bankscore/error.h"
#include "model/kmeans.h"
#include "model/pca.h"
#include "model/segment_encoder.h"
#include "model/segmentation.h"
#include "model/silhouette.h"

namespace bankscore {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;

// Adjusted Rand index (Hubert and Arabie 1985): 1 for identical partitions up to renumbering.
double AdjustedRandIndex(const std::vector<int>& a, const std::vector<int>& b) {
  std::map<std::pair<int, int>, double> cells;
  std::map<int, double> rows, cols;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ++cells[{a[i], b[i]}];
    ++rows[a[i]];
    ++cols[b[i]];
  }
  const auto pairs = [](double n) { return n * (n - 1) / 2; };
  double index = 0, row_sum = 0, col_sum = 0;
  for (const auto& [cell, n] : cells) index += pairs(n);
  for (const auto& [r, n] : rows) row_sum += pairs(n);
  for (const auto& [c, n] : cols) col_sum += pairs(n);
  const double expected = row_sum * col_sum / pairs(static_cast<double>(a.size()));
  const double maximum = (row_sum + col_sum) / 2;
  return (index - expected) / (maximum - expected);
}

// `per_blob` points around each centre (isotropic noise of sd 0.3, centres 10 apart), shuffled;
// `truth` receives each point's blob.
Eigen::MatrixXd Blobs(const std::vector<std::vector<double>>& centres, int per_blob,
                      std::vector<int>& truth, unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.3);
  const auto dims = static_cast<Eigen::Index>(centres[0].size());
  std::vector<int> order(centres.size() * static_cast<std::size_t>(per_blob));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::shuffle(order.begin(), order.end(), rng);
  Eigen::MatrixXd x(static_cast<Eigen::Index>(order.size()), dims);
  truth.clear();
  for (std::size_t r = 0; r < order.size(); ++r) {
    const int blob = order[r] / per_blob;
    truth.push_back(blob);
    for (Eigen::Index d = 0; d < dims; ++d) {
      x(static_cast<Eigen::Index>(r), d) =
          centres[static_cast<std::size_t>(blob)][static_cast<std::size_t>(d)] + noise(rng);
    }
  }
  return x;
}

const std::vector<std::vector<double>> kFourCentres = {
    {0, 0, 0}, {10, 0, 0}, {0, 10, 0}, {0, 0, 10}};

TEST(AdjustedRandIndexTest, IsOneForRenumberedPartitionsAndLowForUnrelatedOnes) {
  EXPECT_DOUBLE_EQ(AdjustedRandIndex({0, 0, 1, 1, 2, 2}, {2, 2, 0, 0, 1, 1}), 1.0);
  EXPECT_LT(AdjustedRandIndex({0, 0, 1, 1, 2, 2}, {0, 1, 2, 0, 1, 2}), 0.1);
}

TEST(KMeansTest, RecoversWellSeparatedBlobs) {
  std::vector<int> truth;
  const Eigen::MatrixXd x = Blobs(kFourCentres, 60, truth);
  const KMeansResult fit = FitKMeans(x, {4, 5, 300, 1e-4, 42});
  EXPECT_DOUBLE_EQ(AdjustedRandIndex(fit.labels, truth), 1.0);
  EXPECT_TRUE(fit.converged);
  // Each centre lands on its blob's centre, within the noise.
  for (Eigen::Index c = 0; c < 4; ++c) {
    double nearest = 1e9;
    for (const auto& centre : kFourCentres) {
      nearest = std::min(
          nearest,
          (fit.centroids.row(c) - Eigen::RowVector3d(centre[0], centre[1], centre[2])).norm());
    }
    EXPECT_LT(nearest, 0.2) << "centroid " << c;
  }
}

TEST(KMeansTest, IsDeterministicForASeedAndNumbersClustersBySize) {
  std::vector<int> truth;
  Eigen::MatrixXd x = Blobs({{0, 0}, {8, 8}}, 50, truth);
  // A third, smaller blob: 20 points.
  Eigen::MatrixXd small = Blobs({{-8, 8}}, 20, truth, 11);
  Eigen::MatrixXd all(x.rows() + small.rows(), 2);
  all << x, small;
  const KMeansResult a = FitKMeans(all, {3, 4, 300, 1e-4, 9});
  const KMeansResult b = FitKMeans(all, {3, 4, 300, 1e-4, 9});
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_TRUE(a.centroids.isApprox(b.centroids));
  std::vector<int> sizes(3, 0);
  for (int label : a.labels) ++sizes[static_cast<std::size_t>(label)];
  EXPECT_GE(sizes[0], sizes[1]);
  EXPECT_GE(sizes[1], sizes[2]);
  EXPECT_EQ(sizes[2], 20);
}

TEST(KMeansTest, InertiaIsTheSumOfSquaredDistancesToTheCentres) {
  Eigen::MatrixXd x(4, 1);
  x << 0, 2, 10, 12;
  const KMeansResult fit = FitKMeans(x, {2, 3, 300, 1e-4, 1});
  EXPECT_DOUBLE_EQ(fit.inertia, 1 + 1 + 1 + 1);  // centres 1 and 11
}

TEST(KMeansTest, SurvivesIdenticalRowsAndRefusesFewerRowsThanClusters) {
  const Eigen::MatrixXd same = Eigen::MatrixXd::Ones(5, 2);
  const KMeansResult fit = FitKMeans(same, {2, 2, 300, 1e-4, 3});
  ASSERT_EQ(fit.labels.size(), 5u);
  for (int label : fit.labels) EXPECT_TRUE(label == 0 || label == 1);
  EXPECT_DOUBLE_EQ(fit.inertia, 0.0);
  EXPECT_THROW(FitKMeans(Eigen::MatrixXd::Ones(2, 2), {3, 1, 300, 1e-4, 3}), DataError);
}

TEST(NearestCentroidsTest, PicksTheClosestCentreAndItsSquaredDistance) {
  Eigen::MatrixXd x(3, 2), centres(2, 2);
  x << 0, 0, 4, 4, 1, 0;
  centres << 0, 1, 5, 5;
  std::vector<int> labels;
  std::vector<double> d2;
  NearestCentroids(x, centres, labels, d2);
  EXPECT_THAT(labels, ElementsAre(0, 1, 0));
  EXPECT_THAT(d2, ElementsAre(1.0, 2.0, 2.0));
}

// Silhouettes worked out by hand (s = (b - a) / max(a, b); a singleton scores 0).
TEST(SilhouetteTest, MatchesHandComputedValuesInOneDimension) {
  // Clusters {0, 2} and {5, 6}:
  //   0: a = 2, b = (5 + 6) / 2 = 5.5  -> 3.5 / 5.5 = 7/11
  //   2: a = 2, b = (3 + 4) / 2 = 3.5  -> 1.5 / 3.5 = 3/7
  //   5: a = 1, b = (5 + 3) / 2 = 4    -> 3/4
  //   6: a = 1, b = (6 + 4) / 2 = 5    -> 4/5
  Eigen::MatrixXd x(4, 1);
  x << 0, 2, 5, 6;
  EXPECT_NEAR(MeanSilhouette(x, {0, 0, 1, 1}), (7.0 / 11 + 3.0 / 7 + 3.0 / 4 + 4.0 / 5) / 4, 1e-12);
}

TEST(SilhouetteTest, UsesEuclideanDistancesAndScoresASingletonZero) {
  // (0,0) and (3,4) together, (6,8) alone. (0,0): a = 5, b = 10 -> 0.5; (3,4): a = 5, b = 5 ->
  // 0; (6,8): alone -> 0.
  Eigen::MatrixXd x(3, 2);
  x << 0, 0, 3, 4, 6, 8;
  EXPECT_NEAR(MeanSilhouette(x, {0, 0, 1}), 0.5 / 3, 1e-12);
}

TEST(SilhouetteTest, ScoresSeveralLabellingsAtOnceAsEachAlone) {
  std::vector<int> truth;
  const Eigen::MatrixXd x = Blobs(kFourCentres, 80, truth);  // 320 rows: two distance blocks
  std::vector<int> wrong = truth;
  for (std::size_t i = 0; i < wrong.size(); i += 3) wrong[i] = (wrong[i] + 1) % 4;
  const std::vector<double> both = MeanSilhouettes(x, {truth, wrong});
  EXPECT_NEAR(both[0], MeanSilhouette(x, truth), 1e-12);
  EXPECT_NEAR(both[1], MeanSilhouette(x, wrong), 1e-12);
  EXPECT_GT(both[0], 0.9);  // tight blobs far apart
  EXPECT_LT(both[1], both[0]);
}

TEST(PcaTest, FindsTheAxisOfTwoPoints) {
  Eigen::MatrixXd x(2, 2);
  x << 1, 1, -1, -1;
  const PcaResult pca = FitPca(x);
  EXPECT_THAT(pca.explained_variance_ratio,
              ElementsAre(DoubleNear(1, 1e-12), DoubleNear(0, 1e-12)));
  EXPECT_NEAR(pca.explained_variance[0], 4.0, 1e-12);  // squared distances 2 + 2, over n - 1 = 1
  EXPECT_NEAR(pca.axes(0, 0), std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(pca.axes(1, 0), std::sqrt(0.5), 1e-12);
}

TEST(PcaTest, FindsRotatedAxesAndTheirVariancesInThreeDimensions) {
  // +-2 along u = (0.8, 0.6, 0) and +-1 along v = (-0.6, 0.8, 0): the variances are 8/3 and 2/3
  // (n - 1 = 3), 80% and 20% of the total, and the third axis carries nothing.
  Eigen::MatrixXd x(4, 3);
  x << 1.6, 1.2, 0, -1.6, -1.2, 0, -0.6, 0.8, 0, 0.6, -0.8, 0;
  const PcaResult pca = FitPca(x);
  ASSERT_EQ(pca.explained_variance.size(), 3u);
  EXPECT_NEAR(pca.explained_variance[0], 8.0 / 3, 1e-12);
  EXPECT_NEAR(pca.explained_variance[1], 2.0 / 3, 1e-12);
  EXPECT_THAT(pca.explained_variance_ratio,
              ElementsAre(DoubleNear(0.8, 1e-12), DoubleNear(0.2, 1e-12), DoubleNear(0, 1e-12)));
  // Signed so that the largest loading is positive.
  EXPECT_TRUE(pca.axes.col(0).isApprox(Eigen::Vector3d(0.8, 0.6, 0), 1e-12));
  EXPECT_TRUE(pca.axes.col(1).isApprox(Eigen::Vector3d(-0.6, 0.8, 0), 1e-12));
  const Eigen::MatrixXd projected = pca.Project(x, 2);
  EXPECT_NEAR(projected(0, 0), 2.0, 1e-12);
  EXPECT_NEAR(projected(2, 1), 1.0, 1e-12);
  EXPECT_THROW(FitPca(Eigen::MatrixXd::Ones(1, 3)), DataError);
}

TEST(SegmentEncoderTest, StandardisesNumbersAndOneHotEncodesCategories) {
  const std::vector<std::string> columns = {"id", "job", "age", "pdays"};
  const std::vector<std::vector<Value>> rows = {
      {std::int64_t{1}, std::string("admin"), std::int64_t{20}, std::int64_t{3}},
      {std::int64_t{2}, std::string("retired"), std::int64_t{60}, std::int64_t{999}},
      {std::int64_t{3}, std::string("admin"), std::string("40"), std::int64_t{5}}};
  const SegmentEncoder e =
      SegmentEncoder::Fit({"job"}, {"age", "pdays"}, {{{"pdays", 999.0}}, {}}, columns, rows);
  EXPECT_THAT(e.OutputNames(), ElementsAre("job=admin", "job=retired", "age", "pdays"));
  EXPECT_DOUBLE_EQ(e.means()[0], 40.0);                // "40" is read as a number
  EXPECT_DOUBLE_EQ(e.sds()[0], std::sqrt(800.0 / 3));  // population sd of 20, 60, 40
  EXPECT_DOUBLE_EQ(e.means()[1], 4.0);                 // the sentinel 999 is left out
  const Eigen::MatrixXd x = e.Encode(
      columns, {rows[0], rows[1], {std::int64_t{4}, std::string("student"), Value{}, 4.0}});
  EXPECT_DOUBLE_EQ(x(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(x(0, 1), 0.0);
  EXPECT_DOUBLE_EQ(x(0, 2), -20 / std::sqrt(800.0 / 3));
  EXPECT_DOUBLE_EQ(x(1, 3), 0.0);  // the sentinel is missing: the mean
  // An unseen category encodes as all zeros, NULL as the mean.
  EXPECT_DOUBLE_EQ(x(2, 0) + x(2, 1), 0.0);
  EXPECT_DOUBLE_EQ(x(2, 2), 0.0);
  EXPECT_DOUBLE_EQ(x(2, 3), 0.0);
  EXPECT_THROW(e.Encode({"id", "job"}, {{std::int64_t{1}, std::string("admin")}}), DataError);
}

// A value outside source.ranges is implausible: left out of the mean and sd, encoded as the mean,
// both at fit time and after a round trip through the stored JSON.
TEST(SegmentEncoderTest, ValuesOutsideTheirRangeAreMissing) {
  const std::vector<std::string> columns = {"age", "campaign"};
  const std::vector<std::vector<Value>> rows = {{std::int64_t{20}, std::int64_t{1}},
                                                {std::int64_t{40}, std::int64_t{3}},
                                                {std::int64_t{250}, std::int64_t{5}},
                                                {std::int64_t{-1}, std::int64_t{7}}};
  NumericScreen screen;
  screen.ranges = {{"age", {0.0, 120.0}}};
  const SegmentEncoder e = SegmentEncoder::Fit({}, {"age", "campaign"}, screen, columns, rows);
  EXPECT_DOUBLE_EQ(e.means()[0], 30.0);  // 250 and -1 left out
  EXPECT_DOUBLE_EQ(e.sds()[0], 10.0);
  EXPECT_DOUBLE_EQ(e.means()[1], 4.0);  // no range: every value counts
  for (const SegmentEncoder& encoder : {e, SegmentEncoder::FromJson(e.ToJson())}) {
    const Eigen::MatrixXd x = encoder.Encode(columns, rows);
    EXPECT_DOUBLE_EQ(x(0, 0), -1.0);
    EXPECT_DOUBLE_EQ(x(2, 0), 0.0);  // outside: the mean
    EXPECT_DOUBLE_EQ(x(3, 0), 0.0);
    EXPECT_DOUBLE_EQ(encoder.NumericValue(0, Value{std::int64_t{120}}), 120.0);  // bounds inside
    EXPECT_TRUE(std::isnan(encoder.NumericValue(0, Value{120.5})));
  }
  EXPECT_EQ(SegmentEncoder::FromJson(e.ToJson()).ToJson(), e.ToJson());
}

// Blob rows as source rows: a key, three numeric columns, and a category naming the blob (a
// category that cut across the blobs would make sub-clusters of its own).
struct BlobRows {
  std::vector<std::string> columns = {"id", "x", "y", "z", "kind"};
  std::vector<std::vector<Value>> rows;
  std::vector<int> truth;
};

BlobRows MakeBlobRows(int per_blob) {
  BlobRows out;
  const Eigen::MatrixXd x = Blobs(kFourCentres, per_blob, out.truth);
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const int blob = out.truth[static_cast<std::size_t>(r)];
    out.rows.push_back(
        {std::int64_t{r + 1}, x(r, 0), x(r, 1), x(r, 2), "kind" + std::to_string(blob)});
  }
  return out;
}

SegmentationConfig BlobConfig() {
  SegmentationConfig c;
  c.numeric = {"x", "y", "z"};
  c.categorical = {"kind"};
  c.k_min = 2;
  c.k_max = 7;
  c.n_init = 3;
  c.silhouette_sample = 150;
  return c;
}

TEST(FitSegmentationTest, AutoPicksTheTrueNumberOfBlobsAndRecoversThem) {
  const BlobRows data = MakeBlobRows(50);
  const SegmentationModel model = FitSegmentation(BlobConfig(), {}, data.columns, data.rows);
  EXPECT_EQ(model.k, 4);
  EXPECT_TRUE(model.k_auto);
  ASSERT_EQ(model.candidates.size(), 6u);  // k = 2..7
  for (const KCandidate& c : model.candidates) {
    if (c.k != 4) {
      EXPECT_LT(c.silhouette, model.Chosen().silhouette) << "k = " << c.k;
    }
  }
  EXPECT_EQ(model.silhouette_rows, 150u);
  std::vector<int> segments;
  std::vector<double> distances;
  model.Assign(data.columns, data.rows, segments, distances);
  EXPECT_DOUBLE_EQ(AdjustedRandIndex(segments, data.truth), 1.0);
  for (int s : segments) EXPECT_TRUE(s >= 1 && s <= 4);
  EXPECT_EQ(model.picture.points.size(), 200u);
  EXPECT_EQ(model.picture.centroids.size(), 4u);
  EXPECT_THAT(model.version, ::testing::MatchesRegex("k4-[0-9a-f]{12}"));
}

TEST(FitSegmentationTest, AFixedKIsKeptAndTheCurveStillSpansTheRange) {
  const BlobRows data = MakeBlobRows(30);
  SegmentationConfig config = BlobConfig();
  config.k = 9;  // outside k_range: added to the curve
  const SegmentationModel model = FitSegmentation(config, {}, data.columns, data.rows);
  EXPECT_EQ(model.k, 9);
  EXPECT_FALSE(model.k_auto);
  EXPECT_EQ(model.candidates.size(), 7u);
  EXPECT_EQ(model.centroids.rows(), 9);
  config.k = 500;
  EXPECT_THROW(FitSegmentation(config, {}, data.columns, data.rows), DataError);
}

TEST(FitSegmentationTest, TheSameRowsAndSeedGiveTheSameVersionThroughJson) {
  const BlobRows data = MakeBlobRows(30);
  const SegmentationModel a = FitSegmentation(BlobConfig(), {}, data.columns, data.rows);
  const SegmentationModel b = FitSegmentation(BlobConfig(), {}, data.columns, data.rows);
  EXPECT_EQ(a.version, b.version);
  const SegmentationModel back =
      SegmentationModel::FromJson(a.ModelJson().dump(), a.DiagnosticsJson().dump());
  EXPECT_EQ(back.version, a.version);
  EXPECT_EQ(back.k, a.k);
  EXPECT_EQ(back.candidates.size(), a.candidates.size());
  EXPECT_EQ(back.picture.points.size(), a.picture.points.size());
  std::vector<int> sa, sb;
  std::vector<double> da, db;
  a.Assign(data.columns, data.rows, sa, da);
  back.Assign(data.columns, data.rows, sb, db);
  EXPECT_EQ(sa, sb);
  EXPECT_THROW(SegmentationModel::FromJson("{}", "{}"), ModelError);
  EXPECT_THROW(SegmentationModel::FromJson("not json", "{}"), ModelError);
}

}  // namespace
}  // namespace bankscore
