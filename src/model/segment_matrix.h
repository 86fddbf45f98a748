// Internal: the matrix the segmentation works on (bankscore segment): one row per client, one
// column per encoded feature, in double precision. Row-major, because K-means and the silhouette
// walk it row by row (a client's distances, a centre's sums); Eigen's products read either order.
#pragma once

#include <Eigen/Dense>

namespace bankscore {

using SegmentMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace bankscore
