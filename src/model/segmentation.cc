#include "model/segmentation.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "bankscore/error.h"
#include "common/sha256.h"
#include "model/kmeans.h"
#include "model/pca.h"
#include "model/silhouette.h"

namespace bankscore {
namespace {

constexpr std::size_t kScatterPoints = 1500;  // enough to see the shapes, small in the page

// The k values to try: the range, plus a fixed k outside it; only those below the row count
// (a silhouette needs at least one cluster with two rows).
std::vector<int> CandidateKs(const SegmentationConfig& config, std::size_t rows) {
  std::set<int> ks;
  for (int k = config.k_min; k <= config.k_max; ++k) ks.insert(k);
  if (config.k) ks.insert(*config.k);
  std::vector<int> out;
  for (int k : ks) {
    if (static_cast<std::size_t>(k) < rows) out.push_back(k);
  }
  const int needed = config.k.value_or(config.k_min);
  if (out.empty() || static_cast<std::size_t>(needed) >= rows) {
    throw DataError("segmentation: " + std::to_string(rows) + " rows cannot make " +
                    std::to_string(needed) + " segments; load more rows or lower segmentation.k");
  }
  return out;
}

// The fixed k, or the k with the best silhouette (the smaller one on a tie).
std::size_t ChooseCandidate(const std::vector<KCandidate>& candidates,
                            const std::optional<int>& fixed) {
  std::size_t best = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (fixed ? candidates[i].k == *fixed
              : candidates[i].silhouette > candidates[best].silhouette) {
      best = i;
    }
  }
  return best;
}

std::vector<double> Column(const Eigen::MatrixXd& m, Eigen::Index c) {
  std::vector<double> out(static_cast<std::size_t>(m.rows()));
  for (Eigen::Index r = 0; r < m.rows(); ++r) out[static_cast<std::size_t>(r)] = m(r, c);
  return out;
}

SegmentationPicture MakePicture(const SegmentationModel& model, const SegmentMatrix& x,
                                const std::vector<int>& labels) {
  const PcaResult pca = FitPca(x);
  SegmentationPicture picture;
  picture.explained_variance_ratio = pca.explained_variance_ratio;
  picture.names = model.encoder.OutputNames();
  const Eigen::Index axes = std::min<Eigen::Index>(2, pca.axes.cols());
  if (axes > 0) picture.loadings1 = Column(pca.axes, 0);
  if (axes > 1) picture.loadings2 = Column(pca.axes, 1);
  const Eigen::Index shown = std::min<Eigen::Index>(x.rows(), kScatterPoints);
  const Eigen::MatrixXd points = pca.Project(x.topRows(shown), 2);
  const Eigen::MatrixXd centres = pca.Project(model.centroids, 2);
  const auto coordinate = [](const Eigen::MatrixXd& m, Eigen::Index r, Eigen::Index c) {
    return c < m.cols() ? m(r, c) : 0.0;
  };
  for (Eigen::Index r = 0; r < shown; ++r) {
    picture.points.push_back({coordinate(points, r, 0), coordinate(points, r, 1),
                              labels[static_cast<std::size_t>(r)] + 1});
  }
  for (Eigen::Index s = 0; s < centres.rows(); ++s) {
    picture.centroids.emplace_back(coordinate(centres, s, 0), coordinate(centres, s, 1));
  }
  return picture;
}

}  // namespace

const KCandidate& SegmentationModel::Chosen() const {
  for (const KCandidate& c : candidates) {
    if (c.k == k) return c;
  }
  throw ModelError("segmentation " + version + ": no record of k = " + std::to_string(k));
}

std::vector<std::string> SegmentationModel::Columns() const {
  std::vector<std::string> columns = encoder.categorical();
  columns.insert(columns.end(), encoder.numeric().begin(), encoder.numeric().end());
  return columns;
}

void SegmentationModel::Assign(const std::vector<std::string>& columns,
                               const std::vector<std::vector<Value>>& rows,
                               std::vector<int>& segments, std::vector<double>& distances) const {
  std::vector<int> labels;
  NearestCentroids(encoder.Encode(columns, rows), centroids, labels, distances);
  segments.resize(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    segments[i] = labels[i] + 1;
    distances[i] = std::sqrt(distances[i]);
  }
}

std::string SegmentationVersion(const SegmentationModel& model) {
  return "k" + std::to_string(model.k) + "-" + Sha256Hex(model.ModelJson().dump()).substr(0, 12);
}

SegmentationModel FitSegmentation(const SegmentationConfig& config, const NumericScreen& screen,
                                  const std::vector<std::string>& columns,
                                  const std::vector<std::vector<Value>>& rows,
                                  const SegmentationProgress& progress) {
  const std::vector<int> ks = CandidateKs(config, rows.size());
  SegmentationModel model;
  model.encoder = SegmentEncoder::Fit(config.categorical, config.numeric, screen, columns, rows);
  const SegmentMatrix x = model.encoder.Encode(columns, rows);
  std::vector<KMeansResult> fits;
  for (int k : ks) {
    fits.push_back(FitKMeans(x, {k, config.n_init, 300, 1e-4, config.seed}));
    model.candidates.push_back({k, fits.back().inertia, 0.0, fits.back().iterations});
    if (progress) progress(model.candidates.back());
  }
  // The sample's rows come in random order, so its first rows are a random subsample.
  model.silhouette_rows = std::min(config.silhouette_sample, rows.size());
  std::vector<std::vector<int>> labellings;
  for (const KMeansResult& fit : fits) {
    labellings.emplace_back(fit.labels.begin(), fit.labels.begin() + static_cast<std::ptrdiff_t>(
                                                                         model.silhouette_rows));
  }
  const std::vector<double> silhouettes =
      MeanSilhouettes(x.topRows(static_cast<Eigen::Index>(model.silhouette_rows)), labellings);
  for (std::size_t i = 0; i < fits.size(); ++i) model.candidates[i].silhouette = silhouettes[i];

  const std::size_t chosen = ChooseCandidate(model.candidates, config.k);
  model.k = model.candidates[chosen].k;
  model.centroids = fits[chosen].centroids;
  model.k_auto = !config.k.has_value();
  model.rows_fitted = rows.size();
  model.seed = config.seed;
  model.n_init = config.n_init;
  model.picture = MakePicture(model, x, fits[chosen].labels);
  model.version = SegmentationVersion(model);
  return model;
}

}  // namespace bankscore
