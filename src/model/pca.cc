#include "model/pca.h"

#include <algorithm>
#include <string>

#include "bankscore/error.h"

namespace bankscore {

PcaResult FitPca(const Eigen::MatrixXd& x) {
  if (x.rows() < 2) {
    throw DataError("PCA needs at least two rows, got " + std::to_string(x.rows()));
  }
  PcaResult result;
  result.mean = x.colwise().mean();
  const Eigen::MatrixXd centred = x.rowwise() - result.mean;
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeThinV);
  result.axes = svd.matrixV();
  const Eigen::VectorXd& singular = svd.singularValues();
  const double total = singular.squaredNorm();
  for (Eigen::Index j = 0; j < singular.size(); ++j) {
    const double squared = singular(j) * singular(j);
    result.explained_variance.push_back(squared / static_cast<double>(x.rows() - 1));
    result.explained_variance_ratio.push_back(total > 0 ? squared / total : 0.0);
    Eigen::Index largest = 0;
    result.axes.col(j).cwiseAbs().maxCoeff(&largest);
    if (result.axes(largest, j) < 0) result.axes.col(j) *= -1.0;
  }
  return result;
}

Eigen::MatrixXd PcaResult::Project(const Eigen::MatrixXd& x, Eigen::Index components) const {
  const Eigen::Index c = std::min(components, axes.cols());
  return (x.rowwise() - mean) * axes.leftCols(c);
}

}  // namespace bankscore
