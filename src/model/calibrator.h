// Internal: Calibrator, the map from the booster's output to a probability people can read as
// "30% of such clients subscribe".
//
// A booster trained with class weights or resampling ranks clients well but its outputs are not
// frequencies. The calibrator is fitted on scores of rows the booster did not train on (the
// validation split) and applied to every scored row:
//   isotonic  a non-decreasing step function (pool adjacent violators), interpolated linearly
//             between the fitted points and clipped to them outside; never exactly 0 or 1 (kept
//             within 1/(2n) of them, n the rows it was fitted on);
//   sigmoid   Platt scaling, p = 1 / (1 + exp(a * logit(s) + b)), fitted by Newton's method on
//             log loss with Platt's smoothed targets;
//   none      the identity.
// Fit throws std::invalid_argument on empty or mismatched input; FromJson throws ModelError on a
// malformed description. Apply is a pure batch function, safe to call from several threads.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bankscore/config.h"

namespace bankscore {

class Calibrator {
 public:
  using Method = TrainingConfig::Calibration;

  Calibrator() = default;  // the identity (method none)

  static Calibrator Fit(Method method, const std::vector<int>& labels,
                        const std::vector<double>& scores);

  // Writes the calibrated probability of each of `n` scores to `out` (may alias `scores`).
  void Apply(const double* scores, std::size_t n, double* out) const;
  std::vector<double> Apply(const std::vector<double>& scores) const;
  double Apply(double score) const;

  Method method() const { return method_; }
  std::string MethodName() const;

  nlohmann::json ToJson() const;
  static Calibrator FromJson(const nlohmann::json& j);

 private:
  Method method_ = Method::kNone;
  std::vector<double> x_, y_;  // isotonic: fitted points, x strictly increasing
  double a_ = 0, b_ = 0;       // sigmoid
};

}  // namespace bankscore
