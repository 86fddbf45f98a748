// The dense feature matrix passed from the encoder to the model.
//
// Row-major single precision, the layout XGBoost reads without a copy. Missing values are NaN.
#pragma once

#include <Eigen/Dense>
#include <limits>

namespace bankscore {

using FeatureMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

inline constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

}  // namespace bankscore
