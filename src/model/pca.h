// Internal: principal component analysis (bankscore segment's pictures).
//
// The columns are centred and the centred matrix decomposed with Eigen's SVD (BDCSVD, thin V):
// the principal axes are the right singular vectors, and the variance along axis j is
// s_j^2 / (n - 1). Each axis is signed so that its largest loading (in absolute value) is
// positive, so the same data always gives the same picture. Throws DataError for fewer than two
// rows.
#pragma once

#include <Eigen/Dense>

#include <vector>

namespace bankscore {

struct PcaResult {
  Eigen::RowVectorXd mean;                 // column means, subtracted before projecting
  Eigen::MatrixXd axes;                    // columns x components; column j is axis j (unit length)
  std::vector<double> explained_variance;  // per axis, largest first
  std::vector<double> explained_variance_ratio;  // per axis; sums to 1 (0s for constant data)

  // Coordinates of the rows of `x` on the first `components` axes.
  Eigen::MatrixXd Project(const Eigen::MatrixXd& x, Eigen::Index components) const;
};

PcaResult FitPca(const Eigen::MatrixXd& x);

}  // namespace bankscore
