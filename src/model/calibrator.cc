#include "model/calibrator.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "bankscore/error.h"

namespace bankscore {
namespace {

void CheckInput(const std::vector<int>& labels, const std::vector<double>& scores) {
  if (labels.empty() || labels.size() != scores.size()) {
    throw std::invalid_argument("Calibrator::Fit: needs as many labels as scores, at least one (" +
                                std::to_string(labels.size()) + " labels, " +
                                std::to_string(scores.size()) + " scores)");
  }
}

// One block of pool adjacent violators: rows with scores in [low, high] and one fitted value.
struct Block {
  double low, high, sum, weight;
  double mean() const { return sum / weight; }
};

// Isotonic regression of labels on scores: blocks of non-decreasing means. Equal scores start in
// one block, so the fit is a function of the score.
std::vector<Block> PoolAdjacentViolators(const std::vector<int>& labels,
                                         const std::vector<double>& scores) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  std::vector<Block> blocks;
  for (std::size_t i : order) {
    const double x = scores[i];
    if (!blocks.empty() && blocks.back().high == x) {
      blocks.back().sum += labels[i];
      blocks.back().weight += 1;
    } else {
      blocks.push_back({x, x, static_cast<double>(labels[i]), 1});
    }
    while (blocks.size() > 1 && blocks[blocks.size() - 2].mean() >= blocks.back().mean()) {
      Block last = blocks.back();
      blocks.pop_back();
      blocks.back().high = last.high;
      blocks.back().sum += last.sum;
      blocks.back().weight += last.weight;
    }
  }
  return blocks;
}

double Logit(double p) {
  const double clipped = std::clamp(p, 1e-7, 1 - 1e-7);
  return std::log(clipped / (1 - clipped));
}

// Platt scaling: a, b minimising the log loss of 1 / (1 + exp(a f + b)) against Platt's smoothed
// targets, by Newton's method with backtracking (Lin, Lin and Weng, 2007).
std::pair<double, double> FitPlatt(const std::vector<int>& labels,
                                   const std::vector<double>& scores) {
  const double positives = static_cast<double>(std::count(labels.begin(), labels.end(), 1));
  const double negatives = static_cast<double>(labels.size()) - positives;
  const double hi = (positives + 1) / (positives + 2), lo = 1 / (negatives + 2);
  std::vector<double> f(scores.size()), t(scores.size());
  for (std::size_t i = 0; i < scores.size(); ++i) {
    f[i] = Logit(scores[i]);
    t[i] = labels[i] == 1 ? hi : lo;
  }
  const auto loss = [&](double a, double b) {
    double total = 0;
    for (std::size_t i = 0; i < f.size(); ++i) {
      const double z = a * f[i] + b;  // log(1 + e^z) - (1 - t) z, written stably
      total +=
          z >= 0 ? t[i] * z + std::log1p(std::exp(-z)) : (t[i] - 1) * z + std::log1p(std::exp(z));
    }
    return total;
  };
  double a = 0, b = std::log((negatives + 1) / (positives + 1)), current = loss(a, b);
  for (int iteration = 0; iteration < 100; ++iteration) {
    double h11 = 1e-12, h22 = 1e-12, h21 = 0, g1 = 0, g2 = 0;
    for (std::size_t i = 0; i < f.size(); ++i) {
      const double z = a * f[i] + b;
      const double p = z >= 0 ? std::exp(-z) / (1 + std::exp(-z)) : 1 / (1 + std::exp(z));
      const double d1 = t[i] - p, d2 = p * (1 - p);
      h11 += f[i] * f[i] * d2;
      h22 += d2;
      h21 += f[i] * d2;
      g1 += f[i] * d1;
      g2 += d1;
    }
    if (std::abs(g1) < 1e-5 && std::abs(g2) < 1e-5) break;
    const double det = h11 * h22 - h21 * h21;
    const double da = -(h22 * g1 - h21 * g2) / det, db = -(-h21 * g1 + h11 * g2) / det;
    const double slope = g1 * da + g2 * db;
    double step = 1;
    while (step >= 1e-10) {
      const double next = loss(a + step * da, b + step * db);
      if (next < current + 1e-4 * step * slope) {
        a += step * da;
        b += step * db;
        current = next;
        break;
      }
      step /= 2;
    }
    if (step < 1e-10) break;
  }
  return {a, b};
}

}  // namespace

Calibrator Calibrator::Fit(Method method, const std::vector<int>& labels,
                           const std::vector<double>& scores) {
  CheckInput(labels, scores);
  Calibrator c;
  c.method_ = method;
  if (method == Method::kIsotonic) {
    // n rows cannot show certainty: a block of only positives means "at least 1 - 1/(2n)".
    const double margin = 0.5 / static_cast<double>(labels.size());
    for (const Block& block : PoolAdjacentViolators(labels, scores)) {
      const double value = std::clamp(block.mean(), margin, 1 - margin);
      c.x_.push_back(block.low);
      c.y_.push_back(value);
      if (block.high > block.low) {
        c.x_.push_back(block.high);
        c.y_.push_back(value);
      }
    }
  } else if (method == Method::kSigmoid) {
    std::tie(c.a_, c.b_) = FitPlatt(labels, scores);
  }
  return c;
}

double Calibrator::Apply(double score) const {
  switch (method_) {
    case Method::kNone:
      return score;
    case Method::kSigmoid:
      return 1 / (1 + std::exp(a_ * Logit(score) + b_));
    case Method::kIsotonic:
      break;
  }
  if (std::isnan(score)) return score;
  if (score <= x_.front()) return y_.front();
  if (score >= x_.back()) return y_.back();
  const auto upper =
      static_cast<std::size_t>(std::upper_bound(x_.begin(), x_.end(), score) - x_.begin());
  const double x0 = x_[upper - 1], x1 = x_[upper];
  return y_[upper - 1] + (y_[upper] - y_[upper - 1]) * (score - x0) / (x1 - x0);
}

void Calibrator::Apply(const double* scores, std::size_t n, double* out) const {
  for (std::size_t i = 0; i < n; ++i) out[i] = Apply(scores[i]);
}

std::vector<double> Calibrator::Apply(const std::vector<double>& scores) const {
  std::vector<double> out(scores.size());
  Apply(scores.data(), scores.size(), out.data());
  return out;
}

std::string Calibrator::MethodName() const {
  switch (method_) {
    case Method::kIsotonic:
      return "isotonic";
    case Method::kSigmoid:
      return "sigmoid";
    case Method::kNone:
      break;
  }
  return "none";
}

nlohmann::json Calibrator::ToJson() const {
  nlohmann::json j = {{"method", MethodName()}};
  if (method_ == Method::kIsotonic) {
    j["x"] = x_;
    j["y"] = y_;
  } else if (method_ == Method::kSigmoid) {
    j["a"] = a_;
    j["b"] = b_;
  }
  return j;
}

Calibrator Calibrator::FromJson(const nlohmann::json& j) {
  Calibrator c;
  try {
    const std::string method = j.at("method").get<std::string>();
    if (method == "isotonic") {
      c.method_ = Method::kIsotonic;
      c.x_ = j.at("x").get<std::vector<double>>();
      c.y_ = j.at("y").get<std::vector<double>>();
    } else if (method == "sigmoid") {
      c.method_ = Method::kSigmoid;
      c.a_ = j.at("a").get<double>();
      c.b_ = j.at("b").get<double>();
    } else if (method != "none") {
      throw ModelError("unknown calibration method '" + method + "'");
    }
  } catch (const nlohmann::json::exception& e) {
    throw ModelError(std::string("malformed calibrator: ") + e.what());
  }
  const bool increasing =
      std::adjacent_find(c.x_.begin(), c.x_.end(), std::greater_equal<>()) == c.x_.end();
  const bool in_unit =
      std::all_of(c.y_.begin(), c.y_.end(), [](double y) { return y >= 0 && y <= 1; });
  if (c.method_ == Method::kIsotonic &&
      (c.x_.empty() || c.x_.size() != c.y_.size() || !increasing || !in_unit ||
       !std::is_sorted(c.y_.begin(), c.y_.end()))) {
    throw ModelError(
        "malformed calibrator: isotonic points must be increasing, in [0, 1] and "
        "as many x as y");
  }
  if (c.method_ == Method::kSigmoid && !(std::isfinite(c.a_) && std::isfinite(c.b_))) {
    throw ModelError("malformed calibrator: sigmoid coefficients must be finite");
  }
  return c;
}

}  // namespace bankscore
