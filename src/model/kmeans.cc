#include "model/kmeans.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>
#include <string>

#include "bankscore/error.h"

namespace bankscore {
namespace {

using Eigen::Index;

constexpr Index kBlockRows = 4096;  // rows per matrix product: bounded scratch memory

std::mt19937_64 RestartGenerator(std::uint64_t seed, int restart) {
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(restart)};
  return std::mt19937_64(sequence);
}

Index RandomIndex(std::mt19937_64& rng, Index n) {
  return std::min<Index>(n - 1, static_cast<Index>(UniformUnit(rng()) * static_cast<double>(n)));
}

// K-means++: k starting centres, each next one drawn with probability proportional to D(x)^2.
Eigen::MatrixXd PlusPlusCentres(const SegmentMatrix& x, int k, std::mt19937_64& rng) {
  const Index n = x.rows();
  Eigen::MatrixXd centres(k, x.cols());
  centres.row(0) = x.row(RandomIndex(rng, n));
  Eigen::VectorXd d2 = (x.rowwise() - centres.row(0)).rowwise().squaredNorm();
  for (int c = 1; c < k; ++c) {
    const double total = d2.sum();
    Index pick = RandomIndex(rng, n);  // every row sits on a centre: any row will do
    if (total > 0) {
      const double target = UniformUnit(rng()) * total;
      double running = 0;
      for (pick = 0; pick < n - 1; ++pick) {
        running += d2(pick);
        if (running > target) break;
      }
    }
    centres.row(c) = x.row(pick);
    d2 = d2.cwiseMin((x.rowwise() - centres.row(c)).rowwise().squaredNorm());
  }
  return centres;
}

// New centres as the means of their rows. An empty cluster takes the row farthest from its
// centre (which then leaves its old cluster). Returns the summed squared shift of the centres.
double UpdateCentres(const SegmentMatrix& x, std::vector<int>& labels, std::vector<double>& d2,
                     Eigen::MatrixXd& centres) {
  const Index k = centres.rows();
  SegmentMatrix sums = SegmentMatrix::Zero(k, x.cols());
  std::vector<Index> counts(static_cast<std::size_t>(k), 0);
  for (Index i = 0; i < x.rows(); ++i) {
    sums.row(labels[static_cast<std::size_t>(i)]) += x.row(i);
    ++counts[static_cast<std::size_t>(labels[static_cast<std::size_t>(i)])];
  }
  for (Index c = 0; c < k; ++c) {
    if (counts[static_cast<std::size_t>(c)] > 0) continue;
    const auto far = std::max_element(d2.begin(), d2.end()) - d2.begin();
    const int from = labels[static_cast<std::size_t>(far)];
    sums.row(from) -= x.row(far);
    --counts[static_cast<std::size_t>(from)];
    sums.row(c) = x.row(far);
    counts[static_cast<std::size_t>(c)] = 1;
    labels[static_cast<std::size_t>(far)] = static_cast<int>(c);
    d2[static_cast<std::size_t>(far)] = 0;
  }
  double shift = 0;
  for (Index c = 0; c < k; ++c) {
    const auto count = counts[static_cast<std::size_t>(c)];
    if (count == 0) continue;  // only when rows < k, refused earlier
    const Eigen::RowVectorXd mean = sums.row(c) / static_cast<double>(count);
    shift += (mean - centres.row(c)).squaredNorm();
    centres.row(c) = mean;
  }
  return shift;
}

// One restart: K-means++ then Lloyd iterations.
KMeansResult RunOnce(const SegmentMatrix& x, const KMeansOptions& options, double tolerance,
                     int restart) {
  std::mt19937_64 rng = RestartGenerator(options.seed, restart);
  KMeansResult result;
  result.centroids = PlusPlusCentres(x, options.k, rng);
  std::vector<double> d2;
  std::vector<int> previous;
  for (result.iterations = 1; result.iterations <= options.max_iterations; ++result.iterations) {
    NearestCentroids(x, result.centroids, result.labels, d2);
    if (result.labels == previous) {
      result.converged = true;
      break;
    }
    previous = result.labels;
    if (UpdateCentres(x, result.labels, d2, result.centroids) <= tolerance) {
      result.converged = true;
      NearestCentroids(x, result.centroids, result.labels, d2);
      break;
    }
  }
  if (!result.converged) NearestCentroids(x, result.centroids, result.labels, d2);
  result.iterations = std::min(result.iterations, options.max_iterations);
  result.inertia = std::accumulate(d2.begin(), d2.end(), 0.0);
  return result;
}

// Renumbers the clusters by size, largest first (ties: lower old number first).
void OrderBySize(KMeansResult& result) {
  const auto k = static_cast<std::size_t>(result.centroids.rows());
  std::vector<std::size_t> sizes(k, 0);
  for (int label : result.labels) ++sizes[static_cast<std::size_t>(label)];
  std::vector<int> order(k);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return sizes[static_cast<std::size_t>(a)] > sizes[static_cast<std::size_t>(b)];
  });
  std::vector<int> renumber(k);
  Eigen::MatrixXd centroids(result.centroids.rows(), result.centroids.cols());
  for (std::size_t c = 0; c < k; ++c) {
    renumber[static_cast<std::size_t>(order[c])] = static_cast<int>(c);
    centroids.row(static_cast<Index>(c)) = result.centroids.row(order[c]);
  }
  for (int& label : result.labels) label = renumber[static_cast<std::size_t>(label)];
  result.centroids = std::move(centroids);
}

}  // namespace

double UniformUnit(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

void NearestCentroids(const SegmentMatrix& x, const Eigen::MatrixXd& centroids,
                      std::vector<int>& labels, std::vector<double>& squared_distances) {
  const Index n = x.rows(), k = centroids.rows();
  labels.assign(static_cast<std::size_t>(n), 0);
  squared_distances.assign(static_cast<std::size_t>(n), 0.0);
  const Eigen::RowVectorXd centre_norms = centroids.rowwise().squaredNorm().transpose();
  SegmentMatrix cross;
  for (Index start = 0; start < n; start += kBlockRows) {
    const Index rows = std::min(kBlockRows, n - start);
    const auto block = x.middleRows(start, rows);
    // |x - c|^2 = |x|^2 - 2 x.c + |c|^2; the row's own |x|^2 does not change which c is nearest.
    cross.noalias() = block * centroids.transpose();
    for (Index i = 0; i < rows; ++i) {
      Index best = 0;
      double best_value = std::numeric_limits<double>::infinity();
      for (Index c = 0; c < k; ++c) {
        const double value = centre_norms(c) - 2 * cross(i, c);
        if (value < best_value) {
          best_value = value;
          best = c;
        }
      }
      const auto at = static_cast<std::size_t>(start + i);
      labels[at] = static_cast<int>(best);
      // The exact distance, not the expanded form, which loses digits far from the origin.
      squared_distances[at] = (block.row(i) - centroids.row(best)).squaredNorm();
    }
  }
}

KMeansResult FitKMeans(const SegmentMatrix& x, const KMeansOptions& options) {
  if (options.k < 1 || x.rows() < options.k) {
    throw DataError("K-means needs at least as many rows as clusters: " + std::to_string(x.rows()) +
                    " rows, k = " + std::to_string(options.k));
  }
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const double mean_variance = x.cols() == 0 ? 0.0
                                             : (x.rowwise() - mean).colwise().squaredNorm().mean() /
                                                   static_cast<double>(x.rows());
  const double tolerance = options.tolerance * mean_variance;
  KMeansResult best;
  for (int restart = 0; restart < std::max(1, options.n_init); ++restart) {
    KMeansResult run = RunOnce(x, options, tolerance, restart);
    if (restart == 0 || run.inertia < best.inertia) best = std::move(run);
  }
  OrderBySize(best);
  return best;
}

}  // namespace bankscore
