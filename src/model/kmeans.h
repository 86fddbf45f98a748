// Internal: K-means clustering (bankscore segment): K-means++ initialisation, Lloyd iterations and
// restarts, deterministic for a seed.
//
// Each restart r seeds its own generator from (seed, r), picks k starting centres with K-means++
// (the first uniformly, each next one with probability proportional to its squared distance to
// the nearest centre chosen so far) and runs Lloyd iterations until no row changes cluster, the
// centres move less than `tolerance` times the mean column variance (as scikit-learn), or
// `max_iterations` is reached. A cluster that empties takes the row farthest from its centre.
// The restart with the lowest inertia wins (the first one on a tie). Clusters are then numbered
// by size, largest first, so the numbering does not depend on the restart that won.
// Throws DataError when there are fewer rows than clusters.
#pragma once

#include <cstdint>
#include <vector>

#include "model/segment_matrix.h"

namespace bankscore {

struct KMeansOptions {
  int k = 2;
  int n_init = 10;
  int max_iterations = 300;
  double tolerance = 1e-4;
  std::uint64_t seed = 42;
};

struct KMeansResult {
  Eigen::MatrixXd centroids;  // k x columns; row c is cluster c, largest cluster first
  std::vector<int> labels;    // cluster of each row, 0 .. k-1
  double inertia = 0;         // sum of squared distances of the rows to their centres
  int iterations = 0;         // Lloyd iterations of the winning restart
  bool converged = false;     // the winning restart stopped before max_iterations
};

KMeansResult FitKMeans(const SegmentMatrix& x, const KMeansOptions& options);

// The nearest centroid of each row of `x` (the lowest index on a tie) and the squared Euclidean
// distance to it, computed blockwise through one matrix product per block.
void NearestCentroids(const SegmentMatrix& x, const Eigen::MatrixXd& centroids,
                      std::vector<int>& labels, std::vector<double>& squared_distances);

// A uniform double in [0, 1) from 53 random bits: unlike std::uniform_real_distribution, the
// same on every standard library, so a seed gives the same segments everywhere.
double UniformUnit(std::uint64_t bits);

}  // namespace bankscore
