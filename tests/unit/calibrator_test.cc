// Calibrator: isotonic and sigmoid fits with known answers, the identity, the batch path and the
// JSON round trip with its refusals.
#include "model/calibrator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "bankscore/error.h"
#include "model/metrics.h"

namespace bankscore::testing {
namespace {

using CalibrationMethod = Calibrator::Method;

TEST(CalibratorTest, IsotonicPoolsViolatorsIntoMeans) {
  // Scores 0.1..0.6; labels 0 1 0 1 1 1: the violating pair (0.2: 1, 0.3: 0) pools to 0.5.
  const std::vector<double> scores = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  const std::vector<int> labels = {0, 1, 0, 1, 1, 1};
  const Calibrator c = Calibrator::Fit(CalibrationMethod::kIsotonic, labels, scores);
  // 0 and 1 are kept 1/(2n) = 1/12 away: six rows cannot show certainty.
  EXPECT_DOUBLE_EQ(c.Apply(0.1), 1.0 / 12);
  EXPECT_DOUBLE_EQ(c.Apply(0.2), 0.5);
  EXPECT_DOUBLE_EQ(c.Apply(0.3), 0.5);
  EXPECT_DOUBLE_EQ(c.Apply(0.4), 11.0 / 12);
  EXPECT_DOUBLE_EQ(c.Apply(0.15), (1.0 / 12 + 0.5) / 2);  // linear between the fitted points
  EXPECT_DOUBLE_EQ(c.Apply(0.0), 1.0 / 12);               // clipped outside
  EXPECT_DOUBLE_EQ(c.Apply(0.99), 11.0 / 12);
}

TEST(CalibratorTest, IsotonicIsMonotoneInTheUnitIntervalAndMatchesTheRateOnItsRows) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::vector<double> scores;
  std::vector<int> labels;
  for (int i = 0; i < 5000; ++i) {
    const double s = uniform(rng);
    scores.push_back(s);
    labels.push_back(uniform(rng) < s * s ? 1 : 0);  // true probability s^2: scores run high
  }
  const Calibrator c = Calibrator::Fit(CalibrationMethod::kIsotonic, labels, scores);
  double previous = -1;
  for (double s = -0.5; s <= 1.5; s += 0.001) {
    const double p = c.Apply(s);
    EXPECT_GE(p, previous);
    EXPECT_GE(p, 0.0);
    EXPECT_LE(p, 1.0);
    previous = p;
  }
  const std::vector<double> calibrated = c.Apply(scores);
  const ProbabilityQuality q = AssessProbabilities(labels, calibrated);
  EXPECT_NEAR(q.mean_predicted, q.positive_rate, 1e-3);  // isotonic keeps the mean on its rows
  EXPECT_LT(q.ece, AssessProbabilities(labels, scores).ece);
  EXPECT_NEAR(c.Apply(0.5), 0.25, 0.05);
}

TEST(CalibratorTest, SigmoidRecoversAKnownLogisticMap) {
  // True probability 1 / (1 + exp(-(2 logit(s) - 1))): Platt scaling should find a = -2, b = 1.
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> uniform(0.01, 0.99);
  std::vector<double> scores;
  std::vector<int> labels;
  for (int i = 0; i < 20000; ++i) {
    const double s = uniform(rng);
    const double z = 2 * std::log(s / (1 - s)) - 1;
    scores.push_back(s);
    labels.push_back(uniform(rng) < 1 / (1 + std::exp(-z)) ? 1 : 0);
  }
  const Calibrator c = Calibrator::Fit(CalibrationMethod::kSigmoid, labels, scores);
  const nlohmann::json j = c.ToJson();
  EXPECT_NEAR(j.at("a").get<double>(), -2.0, 0.15);
  EXPECT_NEAR(j.at("b").get<double>(), 1.0, 0.15);
  EXPECT_NEAR(c.Apply(0.5), 1 / (1 + std::exp(1.0)), 0.03);
}

TEST(CalibratorTest, NoneIsTheIdentity) {
  const Calibrator c = Calibrator::Fit(CalibrationMethod::kNone, {0, 1}, {0.2, 0.7});
  EXPECT_EQ(c.Apply(std::vector<double>{0.2, 0.33, 0.7}), (std::vector<double>{0.2, 0.33, 0.7}));
  EXPECT_EQ(Calibrator().MethodName(), "none");
}

TEST(CalibratorTest, JsonRoundTripGivesTheSameMap) {
  const Calibrator c = Calibrator::Fit(CalibrationMethod::kIsotonic, {0, 0, 1, 0, 1, 1},
                                       {0.1, 0.2, 0.3, 0.4, 0.5, 0.6});
  const Calibrator back = Calibrator::FromJson(c.ToJson());
  for (double s : {0.0, 0.12, 0.35, 0.45, 0.7}) EXPECT_DOUBLE_EQ(back.Apply(s), c.Apply(s));
  EXPECT_EQ(back.ToJson().dump(), c.ToJson().dump());
}

TEST(CalibratorTest, MalformedJsonIsAModelError) {
  EXPECT_THROW(Calibrator::FromJson({{"method", "magic"}}), ModelError);
  EXPECT_THROW(Calibrator::FromJson({{"method", "isotonic"}, {"x", {0.5, 0.2}}, {"y", {0, 1}}}),
               ModelError);
  EXPECT_THROW(Calibrator::FromJson({{"method", "isotonic"}, {"x", {0.1, 0.2}}, {"y", {0.9, 0.1}}}),
               ModelError);
  EXPECT_THROW(Calibrator::FromJson({{"method", "isotonic"}, {"x", {0.1}}, {"y", {1.5}}}),
               ModelError);
  EXPECT_THROW(Calibrator::FromJson({{"method", "sigmoid"}, {"a", 1}}), ModelError);
}

TEST(CalibratorTest, MismatchedInputIsRefused) {
  EXPECT_THROW(Calibrator::Fit(CalibrationMethod::kIsotonic, {0, 1}, {0.5}), std::invalid_argument);
  EXPECT_THROW(Calibrator::Fit(CalibrationMethod::kIsotonic, {}, {}), std::invalid_argument);
}

TEST(ProbabilityQualityTest, HandComputedFigures) {
  // Labels 1 0 0 1, scores .8 .4 .2 .6; base rate .5.
  const ProbabilityQuality q = AssessProbabilities({1, 0, 0, 1}, {0.8, 0.4, 0.2, 0.6});
  EXPECT_DOUBLE_EQ(q.mean_predicted, 0.5);
  EXPECT_DOUBLE_EQ(q.positive_rate, 0.5);
  EXPECT_NEAR(q.brier, (0.04 + 0.16 + 0.04 + 0.16) / 4, 1e-12);
  EXPECT_DOUBLE_EQ(q.base_rate_brier, 0.25);
  EXPECT_NEAR(q.base_rate_log_loss, std::log(2.0), 1e-12);
  // Bins [0.2,0.3): .2 (0) -> |.2-0|; [0.4,0.5): .4 (0) -> .4; [0.6,0.7): .6 (1) -> .4;
  // [0.8,0.9): .8 (1) -> .2. ECE = (.2 + .4 + .4 + .2) / 4.
  EXPECT_NEAR(q.ece, 0.3, 1e-12);
}

}  // namespace
}  // namespace bankscore::testing
