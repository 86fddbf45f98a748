#include "model/silhouette.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace bankscore {
namespace {

using Eigen::Index;

constexpr Index kBlockRows = 256;  // rows of the distance matrix held at a time

// Cluster sizes of a labelling.
std::vector<double> Sizes(const std::vector<int>& labels) {
  const int k = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end()) + 1;
  std::vector<double> sizes(static_cast<std::size_t>(k), 0.0);
  for (int label : labels) sizes[static_cast<std::size_t>(label)] += 1;
  return sizes;
}

// s(i) from the summed distances of row i to every cluster.
double RowSilhouette(const std::vector<double>& sums, const std::vector<double>& sizes, int own) {
  const auto o = static_cast<std::size_t>(own);
  if (sizes[o] <= 1) return 0.0;
  const double a = sums[o] / (sizes[o] - 1);
  double b = std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < sizes.size(); ++c) {
    if (c != o && sizes[c] > 0) b = std::min(b, sums[c] / sizes[c]);
  }
  if (!std::isfinite(b)) return 0.0;  // a single cluster
  const double scale = std::max(a, b);
  return scale > 0 ? (b - a) / scale : 0.0;
}

}  // namespace

std::vector<double> MeanSilhouettes(const SegmentMatrix& x,
                                    const std::vector<std::vector<int>>& labellings) {
  const Index n = x.rows();
  std::vector<double> totals(labellings.size(), 0.0);
  if (n == 0) return totals;
  std::vector<std::vector<double>> sizes;
  for (const auto& labels : labellings) sizes.push_back(Sizes(labels));
  const Eigen::VectorXd norms = x.rowwise().squaredNorm();
  // Row-major: the inner loop walks one row of distances.
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> distances;
  std::vector<double> sums;
  for (Index start = 0; start < n; start += kBlockRows) {
    const Index rows = std::min(kBlockRows, n - start);
    // |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, clamped at 0 against rounding.
    distances.noalias() = -2.0 * x.middleRows(start, rows) * x.transpose();
    distances.colwise() += norms.segment(start, rows);
    distances.rowwise() += norms.transpose();
    distances = distances.cwiseMax(0.0).cwiseSqrt();
    for (Index i = 0; i < rows; ++i) distances(i, start + i) = 0.0;
    for (std::size_t l = 0; l < labellings.size(); ++l) {
      const std::vector<int>& labels = labellings[l];
      for (Index i = 0; i < rows; ++i) {
        sums.assign(sizes[l].size(), 0.0);
        for (Index j = 0; j < n; ++j) {
          sums[static_cast<std::size_t>(labels[static_cast<std::size_t>(j)])] += distances(i, j);
        }
        totals[l] += RowSilhouette(sums, sizes[l], labels[static_cast<std::size_t>(start + i)]);
      }
    }
  }
  for (double& total : totals) total /= static_cast<double>(n);
  return totals;
}

double MeanSilhouette(const SegmentMatrix& x, const std::vector<int>& labels) {
  return MeanSilhouettes(x, {labels}).front();
}

}  // namespace bankscore
