#include "model/metrics.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bankscore {
namespace {

using ::testing::HasSubstr;

// The running example. Sorted by score (descending) the rows are:
//   0.9:1  0.8:0  0.7:1  0.5:1  0.5:0  0.35:1  0.2:0  0.1:0
// 4 positives {0.9, 0.7, 0.5, 0.35}, 4 negatives {0.8, 0.5, 0.2, 0.1}; one tie across classes.
const std::vector<int> kLabels = {1, 0, 1, 1, 0, 0, 1, 0};
const std::vector<double> kScores = {0.9, 0.8, 0.7, 0.5, 0.5, 0.2, 0.35, 0.1};

ThresholdPolicy Policy(ThresholdPolicy::Kind kind, double value = 0.0) {
  ThresholdPolicy policy;
  policy.kind = kind;
  policy.value = value;
  return policy;
}

TEST(ConfusionTest, CountsAtHalfWithScoreEqualToThresholdPositive) {
  const ConfusionMatrix cm = Confusion(kLabels, kScores, 0.5);
  // Predicted positive (>= 0.5): 0.9:1 0.8:0 0.7:1 0.5:1 0.5:0 -> TP 3, FP 2.
  // Predicted negative: 0.2:0 0.35:1 0.1:0 -> TN 2, FN 1.
  EXPECT_EQ(cm.true_positive, 3);
  EXPECT_EQ(cm.false_positive, 2);
  EXPECT_EQ(cm.true_negative, 2);
  EXPECT_EQ(cm.false_negative, 1);
}

TEST(ComputeMetricsTest, AllFieldsByHand) {
  const BinaryMetrics m = ComputeMetrics(kLabels, kScores, 0.5);
  EXPECT_DOUBLE_EQ(m.threshold, 0.5);
  EXPECT_EQ(m.rows, 8);
  EXPECT_EQ(m.positives, 4);
  EXPECT_EQ(m.confusion.true_positive, 3);
  EXPECT_EQ(m.confusion.false_positive, 2);
  EXPECT_EQ(m.confusion.true_negative, 2);
  EXPECT_EQ(m.confusion.false_negative, 1);
  EXPECT_DOUBLE_EQ(m.accuracy, 5.0 / 8.0);   // (TP 3 + TN 2) / 8
  EXPECT_DOUBLE_EQ(m.precision, 0.6);        // 3 / (3 + 2)
  EXPECT_DOUBLE_EQ(m.recall, 0.75);          // 3 / (3 + 1)
  EXPECT_DOUBLE_EQ(m.f1, 2.0 / 3.0);         // 2 * 0.6 * 0.75 / (0.6 + 0.75) = 0.9 / 1.35
  EXPECT_DOUBLE_EQ(m.roc_auc, 11.5 / 16.0);  // see RocAucTest.TiedPairCountsHalf
  EXPECT_DOUBLE_EQ(m.pr_auc, 11.0 / 15.0);   // see AveragePrecisionTest.RunningExample
  // Log loss: probability given to the true class per row = .9, .2, .7, .5, .5, .8, .35, .9:
  // -(2 ln .9 + ln .2 + ln .7 + 2 ln .5 + ln .8 + ln .35) / 8 = -ln(0.007938) / 8 = 0.6045117
  EXPECT_NEAR(m.log_loss, 0.6045117405776579, 1e-12);
  // Brier: (.01 + .64 + .09 + .25 + .25 + .04 + .4225 + .01) / 8 = 1.7125 / 8
  EXPECT_NEAR(m.brier, 0.2140625, 1e-15);
}

TEST(ComputeMetricsTest, NothingPredictedPositiveGivesZeroPrecisionAndF1) {
  const BinaryMetrics m = ComputeMetrics(kLabels, kScores, 0.95);
  EXPECT_EQ(m.confusion.true_positive + m.confusion.false_positive, 0);
  EXPECT_DOUBLE_EQ(m.precision, 0.0);  // convention: 0 / 0 -> 0
  EXPECT_DOUBLE_EQ(m.recall, 0.0);
  EXPECT_DOUBLE_EQ(m.f1, 0.0);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);  // TN 4 / 8
}

TEST(ComputeMetricsTest, NoPositivesGivesZeroRecallAndHalfAuc) {
  const BinaryMetrics m = ComputeMetrics({0, 0, 0}, {0.2, 0.6, 0.9}, 0.5);
  EXPECT_EQ(m.positives, 0);
  EXPECT_DOUBLE_EQ(m.recall, 0.0);
  EXPECT_DOUBLE_EQ(m.precision, 0.0);  // TP 0 / (0 + FP 2)
  EXPECT_DOUBLE_EQ(m.roc_auc, 0.5);
  EXPECT_DOUBLE_EQ(m.pr_auc, 0.0);
  EXPECT_DOUBLE_EQ(m.accuracy, 1.0 / 3.0);  // only 0.2 is a true negative
}

TEST(RocAucTest, TiedPairCountsHalf) {
  // Pairs (positive, negative) won by the positive, of 4 * 4 = 16:
  //   0.9 beats all 4 negatives                      -> 4
  //   0.7 beats 0.5, 0.2, 0.1 (loses to 0.8)           -> 3
  //   0.5 ties 0.5 (1/2), beats 0.2, 0.1              -> 2.5
  //   0.35 beats 0.2, 0.1                             -> 2
  // AUC = 11.5 / 16 = 0.71875
  EXPECT_DOUBLE_EQ(RocAuc(kLabels, kScores), 0.71875);
}

TEST(RocAucTest, PerfectReversedAndAllTied) {
  EXPECT_DOUBLE_EQ(RocAuc({0, 0, 1, 1}, {0.1, 0.2, 0.8, 0.9}), 1.0);  // 4 of 4 pairs won
  EXPECT_DOUBLE_EQ(RocAuc({1, 1, 0, 0}, {0.1, 0.2, 0.8, 0.9}), 0.0);  // 0 of 4 pairs won
  EXPECT_DOUBLE_EQ(RocAuc({1, 0, 1, 0}, {0.5, 0.5, 0.5, 0.5}), 0.5);  // 4 ties * 1/2 / 4
  // One positive at 0.4 tied with one of two negatives at 0.4, the other at 0.1:
  // 1 (beats 0.1) + 1/2 (tie) = 1.5 of 2 pairs.
  EXPECT_DOUBLE_EQ(RocAuc({0, 1, 0}, {0.4, 0.4, 0.1}), 0.75);
}

TEST(RocAucTest, SingleClassIsHalf) {
  EXPECT_DOUBLE_EQ(RocAuc({1, 1}, {0.1, 0.9}), 0.5);
  EXPECT_DOUBLE_EQ(RocAuc({0, 0}, {0.1, 0.9}), 0.5);
}

TEST(RocAucTest, MatchesBruteForcePairCountOnRandomTiedData) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> score_step(0, 10);  // 11 levels: many ties
  std::bernoulli_distribution coin(0.3);
  std::vector<int> labels(500);
  std::vector<double> scores(500);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    labels[i] = coin(rng) ? 1 : 0;
    scores[i] = score_step(rng) / 10.0;
  }
  double won = 0, pairs = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    for (std::size_t j = 0; j < labels.size(); ++j) {
      if (labels[i] != 1 || labels[j] != 0) continue;
      pairs += 1;
      won += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
    }
  }
  EXPECT_NEAR(RocAuc(labels, scores), won / pairs, 1e-12);
}

TEST(AveragePrecisionTest, TinyExample) {
  // Thresholds 0.9: R 1/2, P 1; 0.8: R 1/2 (no change); 0.7: R 1, P 2/3.
  // AP = 1 * (1/2) + (2/3) * (1/2) = 5/6
  EXPECT_DOUBLE_EQ(AveragePrecision({1, 0, 1}, {0.9, 0.8, 0.7}), 5.0 / 6.0);
}

TEST(AveragePrecisionTest, RunningExample) {
  // Distinct thresholds with a recall step (P = 4):
  //   0.9 : TP 1 FP 0 -> dR 1/4, P 1
  //   0.7 : TP 2 FP 1 -> dR 1/4, P 2/3
  //   0.5 : TP 3 FP 2 -> dR 1/4, P 3/5   (both tied rows enter together)
  //   0.35: TP 4 FP 2 -> dR 1/4, P 2/3
  // AP = (1 + 2/3 + 3/5 + 2/3) / 4 = (44/15) / 4 = 11/15
  EXPECT_DOUBLE_EQ(AveragePrecision(kLabels, kScores), 11.0 / 15.0);
}

TEST(AveragePrecisionTest, TiesAreOneThresholdAndNoPositivesIsZero) {
  // One threshold 0.5 with TP 1 FP 1: dR 1, P 1/2 (not 1, as a row-by-row walk would give).
  EXPECT_DOUBLE_EQ(AveragePrecision({1, 0}, {0.5, 0.5}), 0.5);
  EXPECT_DOUBLE_EQ(AveragePrecision({0, 0}, {0.3, 0.7}), 0.0);
  EXPECT_DOUBLE_EQ(AveragePrecision({0, 1, 1}, {0.1, 0.8, 0.9}), 1.0);  // perfect ranking
}

TEST(LogLossTest, ByHandAndClipping) {
  // -(ln 0.8 + ln(1 - 0.4)) / 2 = (0.2231436 + 0.5108256) / 2
  EXPECT_NEAR(LogLoss({1, 0}, {0.8, 0.4}), 0.3669845875401002, 1e-12);
  // A confident mistake is clipped to 1e-15: -ln(1e-15) = 34.5387764, not infinity.
  EXPECT_NEAR(LogLoss({1}, {0.0}), 34.538776394910684, 1e-6);
  // On the other side the clip is 1 - 1e-15, which as a double is 1 - 9.992e-16:
  // -ln(9.992007221626409e-16) = 34.5395759923.
  EXPECT_NEAR(LogLoss({0}, {1.0}), 34.53957599234088, 1e-6);
  // Perfect predictions are clipped too: -ln(1 - 1e-15) ~ 1e-15, still essentially 0.
  EXPECT_NEAR(LogLoss({1, 0}, {1.0, 0.0}), 0.0, 1e-12);
}

TEST(BrierScoreTest, ByHand) {
  // ((0.8 - 1)^2 + (0.4 - 0)^2) / 2 = (0.04 + 0.16) / 2
  EXPECT_NEAR(BrierScore({1, 0}, {0.8, 0.4}), 0.1, 1e-15);
  EXPECT_DOUBLE_EQ(BrierScore({1, 0}, {0.0, 1.0}), 1.0);  // both completely wrong
}

TEST(RocCurveTest, StartsAtOriginThenOnePointPerDistinctScore) {
  const std::vector<CurvePoint> curve = RocCurve(kLabels, kScores);
  // (threshold, FPR = FP/4, TPR = TP/4), 7 distinct scores + the origin.
  const std::vector<CurvePoint> expected = {
      {std::numeric_limits<double>::infinity(), 0.0, 0.0},
      {0.9, 0.0, 0.25},   // TP 1 FP 0
      {0.8, 0.25, 0.25},  // TP 1 FP 1
      {0.7, 0.25, 0.5},   // TP 2 FP 1
      {0.5, 0.5, 0.75},   // TP 3 FP 2 (tie: one step up and right)
      {0.35, 0.5, 1.0},   // TP 4 FP 2
      {0.2, 0.75, 1.0},   // TP 4 FP 3
      {0.1, 1.0, 1.0},    // everything
  };
  ASSERT_EQ(curve.size(), expected.size());
  for (std::size_t i = 0; i < curve.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(curve[i].threshold, expected[i].threshold);
    EXPECT_DOUBLE_EQ(curve[i].x, expected[i].x);
    EXPECT_DOUBLE_EQ(curve[i].y, expected[i].y);
  }
}

TEST(PrecisionRecallCurveTest, OnePointPerDistinctScore) {
  const std::vector<CurvePoint> curve = PrecisionRecallCurve(kLabels, kScores);
  // (threshold, recall = TP/4, precision = TP/(TP+FP))
  const std::vector<CurvePoint> expected = {
      {0.9, 0.25, 1.0},      // 1/1
      {0.8, 0.25, 0.5},      // 1/2
      {0.7, 0.5, 2.0 / 3},   // 2/3
      {0.5, 0.75, 0.6},      // 3/5
      {0.35, 1.0, 2.0 / 3},  // 4/6
      {0.2, 1.0, 4.0 / 7},   // 4/7
      {0.1, 1.0, 0.5},       // 4/8
  };
  ASSERT_EQ(curve.size(), expected.size());
  for (std::size_t i = 0; i < curve.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_DOUBLE_EQ(curve[i].threshold, expected[i].threshold);
    EXPECT_DOUBLE_EQ(curve[i].x, expected[i].x);
    EXPECT_DOUBLE_EQ(curve[i].y, expected[i].y);
  }
}

TEST(ThresholdSweepTest, ByHand) {
  const std::vector<ThresholdPoint> sweep =
      ThresholdSweep(kLabels, kScores, {0.0, 0.5, 0.75, 0.95});
  ASSERT_EQ(sweep.size(), 4u);
  // 0.0: all 8 positive: P 4/8, R 1, F1 = 2 * .5 * 1 / 1.5 = 2/3, rate 1.
  EXPECT_DOUBLE_EQ(sweep[0].threshold, 0.0);
  EXPECT_DOUBLE_EQ(sweep[0].precision, 0.5);
  EXPECT_DOUBLE_EQ(sweep[0].recall, 1.0);
  EXPECT_DOUBLE_EQ(sweep[0].f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(sweep[0].positive_rate, 1.0);
  // 0.5 (equal scores included): TP 3 FP 2: P .6, R .75, F1 2/3, rate 5/8.
  EXPECT_DOUBLE_EQ(sweep[1].precision, 0.6);
  EXPECT_DOUBLE_EQ(sweep[1].recall, 0.75);
  EXPECT_DOUBLE_EQ(sweep[1].f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(sweep[1].positive_rate, 0.625);
  // 0.75: {0.9:1, 0.8:0}: P .5, R .25, F1 = 2 * .125 / .75 = 1/3, rate 2/8.
  EXPECT_DOUBLE_EQ(sweep[2].precision, 0.5);
  EXPECT_DOUBLE_EQ(sweep[2].recall, 0.25);
  EXPECT_DOUBLE_EQ(sweep[2].f1, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(sweep[2].positive_rate, 0.25);
  // 0.95: nothing predicted positive: all 0.
  EXPECT_DOUBLE_EQ(sweep[3].precision, 0.0);
  EXPECT_DOUBLE_EQ(sweep[3].recall, 0.0);
  EXPECT_DOUBLE_EQ(sweep[3].f1, 0.0);
  EXPECT_DOUBLE_EQ(sweep[3].positive_rate, 0.0);
}

TEST(ThresholdSweepTest, AgreesWithConfusionOnRandomDataIncludingExactScores) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> score_step(0, 20);
  std::bernoulli_distribution coin(0.2);
  std::vector<int> labels(300);
  std::vector<double> scores(300);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    labels[i] = coin(rng) ? 1 : 0;
    scores[i] = score_step(rng) / 20.0;
  }
  // Thresholds on and between the score levels, and outside [0, 1].
  std::vector<double> thresholds = {-1.0, 2.0};
  for (int k = 0; k <= 40; ++k) thresholds.push_back(k / 40.0);
  const std::vector<ThresholdPoint> sweep = ThresholdSweep(labels, scores, thresholds);
  ASSERT_EQ(sweep.size(), thresholds.size());
  for (std::size_t i = 0; i < thresholds.size(); ++i) {
    SCOPED_TRACE(thresholds[i]);
    const BinaryMetrics m = ComputeMetrics(labels, scores, thresholds[i]);
    const double predicted = m.confusion.true_positive + m.confusion.false_positive;
    EXPECT_DOUBLE_EQ(sweep[i].threshold, thresholds[i]);
    EXPECT_DOUBLE_EQ(sweep[i].precision, m.precision);
    EXPECT_DOUBLE_EQ(sweep[i].recall, m.recall);
    EXPECT_DOUBLE_EQ(sweep[i].f1, m.f1);
    EXPECT_DOUBLE_EQ(sweep[i].positive_rate, predicted / 300.0);
  }
}

TEST(GainsTableTest, DecilesOnTwentyRows) {
  // 20 distinct scores 0.05 .. 1.00, given in ascending order so the table must sort them.
  // Ranks (1 = highest) that are positive: 1, 2, 3, 5, 7, 13 -> 6 positives, overall rate 0.3.
  std::vector<double> scores;
  std::vector<int> labels;
  for (int rank = 20; rank >= 1; --rank) {
    scores.push_back((21 - rank) / 20.0);
    const bool positive =
        rank == 1 || rank == 2 || rank == 3 || rank == 5 || rank == 7 || rank == 13;
    labels.push_back(positive ? 1 : 0);
  }
  const std::vector<GainsRow> table = GainsTable(labels, scores);
  ASSERT_EQ(table.size(), 10u);
  // Two rows per decile; positives per decile: {1,2}=2 {3,4}=1 {5,6}=1 {7,8}=1 {13,14} in 7th.
  const std::vector<std::int64_t> positives = {2, 1, 1, 1, 0, 0, 1, 0, 0, 0};
  // Cumulative positives 2,3,4,5,5,5,6,6,6,6 out of 6.
  const std::vector<double> gain = {2.0 / 6, 3.0 / 6, 4.0 / 6, 5.0 / 6, 5.0 / 6,
                                    5.0 / 6, 1.0,     1.0,     1.0,     1.0};
  for (std::size_t g = 0; g < table.size(); ++g) {
    SCOPED_TRACE(g);
    EXPECT_EQ(table[g].group, static_cast<int>(g) + 1);
    EXPECT_EQ(table[g].rows, 2);
    EXPECT_EQ(table[g].positives, positives[g]);
    EXPECT_DOUBLE_EQ(table[g].cumulative_fraction, (g + 1) / 10.0);
    EXPECT_DOUBLE_EQ(table[g].cumulative_gain, gain[g]);
    // Lift: (positives / 2) / 0.3; cumulative lift: gain / cumulative fraction.
    EXPECT_NEAR(table[g].lift, positives[g] / 2.0 / 0.3, 1e-12);
    EXPECT_NEAR(table[g].cumulative_lift, gain[g] / ((g + 1) / 10.0), 1e-12);
  }
  EXPECT_NEAR(table[0].lift, 10.0 / 3.0, 1e-12);      // (2/2) / 0.3
  EXPECT_NEAR(table[1].cumulative_lift, 2.5, 1e-12);  // (3/4) / 0.3
  EXPECT_NEAR(table[9].cumulative_lift, 1.0, 1e-12);  // whole population
}

TEST(GainsTableTest, UnevenGroupsAndStableTies) {
  // n = 7, 3 groups: boundaries floor(0*7/3)=0, floor(7/3)=2, floor(14/3)=4, 7 -> sizes 2, 2, 3.
  const std::vector<GainsRow> uneven =
      GainsTable({1, 0, 0, 1, 0, 0, 1}, {0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3}, 3);
  ASSERT_EQ(uneven.size(), 3u);
  EXPECT_EQ(uneven[0].rows, 2);
  EXPECT_EQ(uneven[1].rows, 2);
  EXPECT_EQ(uneven[2].rows, 3);
  EXPECT_EQ(uneven[0].positives, 1);  // 0.9
  EXPECT_EQ(uneven[1].positives, 1);  // 0.6
  EXPECT_EQ(uneven[2].positives, 1);  // 0.3
  EXPECT_DOUBLE_EQ(uneven[0].cumulative_fraction, 2.0 / 7.0);
  // Group 3: rate 1/3 over overall 3/7 -> 7/9.
  EXPECT_NEAR(uneven[2].lift, 7.0 / 9.0, 1e-12);

  // All scores tied: input order decides, so the single positive (row 0) is in group 1.
  const std::vector<GainsRow> tied = GainsTable({1, 0, 0, 0}, {0.5, 0.5, 0.5, 0.5}, 2);
  EXPECT_EQ(tied[0].positives, 1);
  EXPECT_EQ(tied[1].positives, 0);
  const std::vector<GainsRow> tied_last = GainsTable({0, 0, 0, 1}, {0.5, 0.5, 0.5, 0.5}, 2);
  EXPECT_EQ(tied_last[0].positives, 0);
  EXPECT_EQ(tied_last[1].positives, 1);
}

TEST(GainsTableTest, TiesKeepInputOrderOnLargerInput) {
  // 40 rows with one score; the 10 positives come first in the input. With 4 groups of 10, a
  // stable order puts all of them in group 1 (an unstable sort would scatter them).
  std::vector<int> labels(40, 0);
  std::fill(labels.begin(), labels.begin() + 10, 1);
  const std::vector<GainsRow> table = GainsTable(labels, std::vector<double>(40, 0.5), 4);
  ASSERT_EQ(table.size(), 4u);
  EXPECT_EQ(table[0].positives, 10);
  EXPECT_DOUBLE_EQ(table[0].cumulative_gain, 1.0);
  EXPECT_DOUBLE_EQ(table[0].lift, 4.0);  // rate 10/10 over overall 10/40
  EXPECT_EQ(table[3].positives, 0);
}

TEST(GainsTableTest, NoPositivesGivesZeroGainAndLift) {
  const std::vector<GainsRow> table = GainsTable({0, 0, 0, 0}, {0.1, 0.2, 0.3, 0.4}, 2);
  ASSERT_EQ(table.size(), 2u);
  for (const GainsRow& row : table) {
    EXPECT_EQ(row.rows, 2);
    EXPECT_DOUBLE_EQ(row.cumulative_gain, 0.0);
    EXPECT_DOUBLE_EQ(row.lift, 0.0);
    EXPECT_DOUBLE_EQ(row.cumulative_lift, 0.0);
  }
  EXPECT_DOUBLE_EQ(table[1].cumulative_fraction, 1.0);
  EXPECT_THROW(GainsTable({0, 1}, {0.1, 0.2}, 0), std::invalid_argument);
}

TEST(CalibrationTableTest, EqualWidthBinsWithEmptyBinAndOneInLastBin) {
  // 4 bins: [0,.25) [.25,.5) [.5,.75) [.75,1].
  const std::vector<CalibrationBin> table =
      CalibrationTable({0, 1, 0, 1, 1, 0, 1}, {0.1, 0.2, 0.3, 0.8, 1.0, 0.75, 0.25}, 4);
  ASSERT_EQ(table.size(), 4u);
  // Bin 0: 0.1:0, 0.2:1 -> mean .15, observed 1/2.
  EXPECT_DOUBLE_EQ(table[0].lower, 0.0);
  EXPECT_DOUBLE_EQ(table[0].upper, 0.25);
  EXPECT_EQ(table[0].rows, 2);
  EXPECT_NEAR(table[0].mean_predicted, 0.15, 1e-15);
  EXPECT_DOUBLE_EQ(table[0].observed_rate, 0.5);
  // Bin 1: 0.3:0, 0.25:1 (edge goes up) -> mean .275, observed 1/2.
  EXPECT_EQ(table[1].rows, 2);
  EXPECT_NEAR(table[1].mean_predicted, 0.275, 1e-15);
  EXPECT_DOUBLE_EQ(table[1].observed_rate, 0.5);
  // Bin 2: empty but present.
  EXPECT_DOUBLE_EQ(table[2].lower, 0.5);
  EXPECT_DOUBLE_EQ(table[2].upper, 0.75);
  EXPECT_EQ(table[2].rows, 0);
  EXPECT_DOUBLE_EQ(table[2].mean_predicted, 0.0);
  EXPECT_DOUBLE_EQ(table[2].observed_rate, 0.0);
  // Bin 3: 0.8:1, 1.0:1, 0.75:0 -> mean 2.55 / 3 = .85, observed 2/3.
  EXPECT_DOUBLE_EQ(table[3].upper, 1.0);
  EXPECT_EQ(table[3].rows, 3);
  EXPECT_NEAR(table[3].mean_predicted, 0.85, 1e-15);
  EXPECT_DOUBLE_EQ(table[3].observed_rate, 2.0 / 3.0);
}

TEST(CalibrationTableTest, EdgeScoreFollowsReportedEdgeDespiteRounding) {
  // (1.0 / 49) * 49 is 0.9999999999999999 in doubles, so a naive floor(s * bins) would put a
  // score equal to bin 1's lower edge into bin 0.
  const double edge = 1.0 / 49.0;
  const std::vector<CalibrationBin> table = CalibrationTable({1}, {edge}, 49);
  ASSERT_EQ(table.size(), 49u);
  EXPECT_DOUBLE_EQ(table[1].lower, edge);
  EXPECT_EQ(table[0].rows, 0);
  EXPECT_EQ(table[1].rows, 1);
  EXPECT_THROW(CalibrationTable({1}, {0.5}, 0), std::invalid_argument);
}

TEST(CalibrationTableTest, OutOfRangeScoresGoToTheEndBins) {
  // Not probabilities, but must not index outside the table: below 0 -> first, above 1 -> last.
  const std::vector<CalibrationBin> table =
      CalibrationTable({0, 1, 1}, {-0.2, 1.5, std::numeric_limits<double>::infinity()}, 2);
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table[0].rows, 1);
  EXPECT_DOUBLE_EQ(table[0].observed_rate, 0.0);
  EXPECT_EQ(table[1].rows, 2);
  EXPECT_DOUBLE_EQ(table[1].observed_rate, 1.0);
}

TEST(ChooseThresholdTest, FixedReturnsValue) {
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(ThresholdPolicy::Kind::kFixed, 0.37), kLabels, kScores),
                   0.37);
}

TEST(ChooseThresholdTest, MaxF1PicksBestThreshold) {
  // F1 = 2TP / (2TP + FP + FN) with 4 positives, per distinct threshold:
  //   0.9 2/5, 0.8 2/6, 0.7 4/7, 0.5 6/9, 0.35 8/10 (best), 0.2 8/11, 0.1 8/12.
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(ThresholdPolicy::Kind::kMaxF1), kLabels, kScores), 0.35);
}

TEST(ChooseThresholdTest, MaxF1TieGoesToHighestThreshold) {
  // 2 positives. 0.9: TP1 FP0 FN1 -> 2/3; 0.7: 2/4; 0.5: 2/5; 0.3: TP2 FP2 FN0 -> 4/6 = 2/3;
  // 0.1: 4/7. The maximum 2/3 is reached at 0.9 and 0.3: the higher one wins.
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(ThresholdPolicy::Kind::kMaxF1), {1, 0, 0, 1, 0},
                                   {0.9, 0.7, 0.5, 0.3, 0.1}),
                   0.9);
}

TEST(ChooseThresholdTest, MinRecallPicksHighestQualifyingThreshold) {
  using Kind = ThresholdPolicy::Kind;
  // Recall per distinct threshold: 0.9 .25, 0.8 .25, 0.7 .5, 0.5 .75, 0.35 1, 0.2 1, 0.1 1.
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(Kind::kMinRecall, 0.75), kLabels, kScores), 0.5);
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(Kind::kMinRecall, 0.6), kLabels, kScores), 0.5);
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(Kind::kMinRecall, 0.5), kLabels, kScores), 0.7);
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(Kind::kMinRecall, 0.25), kLabels, kScores), 0.9);
  // 0.35, 0.2 and 0.1 all reach recall 1; the highest is 0.35.
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(Kind::kMinRecall, 1.0), kLabels, kScores), 0.35);
}

TEST(ChooseThresholdTest, TopFractionLabelsTheRequestedCount) {
  using Kind = ThresholdPolicy::Kind;
  // Scores descending: 0.9 0.8 0.7 0.5 0.5 0.35 0.2 0.1 (n = 8).
  // 0.25 * 8 = 2 -> 2nd score; ceil(0.3 * 8 = 2.4) = 3 -> 3rd score.
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(Kind::kTopFraction, 0.25), kLabels, kScores), 0.8);
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(Kind::kTopFraction, 0.3), kLabels, kScores), 0.7);
  // k = 4 is the 4th score, 0.5, tied with the 5th: 5 rows end up positive.
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(Kind::kTopFraction, 0.5), kLabels, kScores), 0.5);
  // k is at least 1; F = 1 takes every row.
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(Kind::kTopFraction, 0.0), kLabels, kScores), 0.9);
  EXPECT_DOUBLE_EQ(ChooseThreshold(Policy(Kind::kTopFraction, 1.0), kLabels, kScores), 0.1);
  // Works without positives: it ignores labels.
  EXPECT_DOUBLE_EQ(
      ChooseThreshold(Policy(Kind::kTopFraction, 0.5), {0, 0, 0, 0}, {0.4, 0.3, 0.2, 0.1}), 0.3);
}

TEST(ChooseThresholdTest, TopFractionExactCountDespiteRounding) {
  // 0.28 * 25 is 7.000000000000001 in doubles; the policy must still select exactly 7 rows.
  std::vector<double> scores;
  for (int i = 1; i <= 25; ++i) scores.push_back(i / 100.0);  // 0.01 .. 0.25, distinct
  const std::vector<int> labels(25, 0);
  const double t =
      ChooseThreshold(Policy(ThresholdPolicy::Kind::kTopFraction, 0.28), labels, scores);
  EXPECT_DOUBLE_EQ(t, 0.19);  // the 7th highest: 0.25 0.24 0.23 0.22 0.21 0.20 0.19
  EXPECT_EQ(std::count_if(scores.begin(), scores.end(), [t](double s) { return s >= t; }), 7);
}

TEST(ChooseThresholdTest, RejectsMissingPositivesAndBadValues) {
  using Kind = ThresholdPolicy::Kind;
  const std::vector<int> negatives = {0, 0, 0};
  const std::vector<double> scores = {0.2, 0.5, 0.7};
  EXPECT_THROW(ChooseThreshold(Policy(Kind::kMaxF1), negatives, scores), std::invalid_argument);
  EXPECT_THROW(ChooseThreshold(Policy(Kind::kMinRecall, 0.8), negatives, scores),
               std::invalid_argument);
  EXPECT_THROW(ChooseThreshold(Policy(Kind::kMinRecall, 1.5), kLabels, kScores),
               std::invalid_argument);
  EXPECT_THROW(ChooseThreshold(Policy(Kind::kTopFraction, -0.1), kLabels, kScores),
               std::invalid_argument);
  EXPECT_THROW(ChooseThreshold(Policy(Kind::kTopFraction, std::nan("")), kLabels, kScores),
               std::invalid_argument);
}

TEST(ToJsonTest, HasEveryFieldWithItsValue) {
  const nlohmann::json j = ToJson(ComputeMetrics(kLabels, kScores, 0.5));
  EXPECT_EQ(j.size(), 12u);
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), 0.625);
  EXPECT_DOUBLE_EQ(j.at("precision").get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(j.at("recall").get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(j.at("f1").get<double>(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(j.at("roc_auc").get<double>(), 0.71875);
  EXPECT_DOUBLE_EQ(j.at("pr_auc").get<double>(), 11.0 / 15.0);
  EXPECT_NEAR(j.at("log_loss").get<double>(), 0.6045117405776579, 1e-12);
  EXPECT_NEAR(j.at("brier").get<double>(), 0.2140625, 1e-15);
  EXPECT_DOUBLE_EQ(j.at("threshold").get<double>(), 0.5);
  EXPECT_EQ(j.at("rows").get<std::int64_t>(), 8);
  EXPECT_EQ(j.at("positives").get<std::int64_t>(), 4);
  const nlohmann::json& cm = j.at("confusion_matrix");
  EXPECT_EQ(cm.size(), 4u);
  EXPECT_EQ(cm.at("true_positive").get<std::int64_t>(), 3);
  EXPECT_EQ(cm.at("false_positive").get<std::int64_t>(), 2);
  EXPECT_EQ(cm.at("true_negative").get<std::int64_t>(), 2);
  EXPECT_EQ(cm.at("false_negative").get<std::int64_t>(), 1);
}

TEST(PolicyNameTest, ShortestNumbers) {
  using Kind = ThresholdPolicy::Kind;
  EXPECT_EQ(PolicyName(Policy(Kind::kFixed, 0.5)), "fixed");
  EXPECT_EQ(PolicyName(Policy(Kind::kMaxF1)), "max_f1");
  EXPECT_EQ(PolicyName(Policy(Kind::kMinRecall, 0.8)), "min_recall: 0.8");
  EXPECT_EQ(PolicyName(Policy(Kind::kTopFraction, 0.1)), "top_fraction: 0.1");
  EXPECT_EQ(PolicyName(Policy(Kind::kTopFraction, 0.125)), "top_fraction: 0.125");
  EXPECT_EQ(PolicyName(Policy(Kind::kMinRecall, 1.0)), "min_recall: 1");
}

// Every entry point rejects empty and mismatched input and names itself in the message.
TEST(MetricsErrorsTest, EmptyAndMismatchedInputThrowNamingTheFunction) {
  using Call = std::function<void(const std::vector<int>&, const std::vector<double>&)>;
  const std::vector<std::pair<std::string, Call>> calls = {
      {"Confusion", [](const auto& l, const auto& s) { Confusion(l, s, 0.5); }},
      {"RocAuc", [](const auto& l, const auto& s) { RocAuc(l, s); }},
      {"AveragePrecision", [](const auto& l, const auto& s) { AveragePrecision(l, s); }},
      {"LogLoss", [](const auto& l, const auto& s) { LogLoss(l, s); }},
      {"BrierScore", [](const auto& l, const auto& s) { BrierScore(l, s); }},
      {"ComputeMetrics", [](const auto& l, const auto& s) { ComputeMetrics(l, s, 0.5); }},
      {"RocCurve", [](const auto& l, const auto& s) { RocCurve(l, s); }},
      {"PrecisionRecallCurve", [](const auto& l, const auto& s) { PrecisionRecallCurve(l, s); }},
      {"ThresholdSweep", [](const auto& l, const auto& s) { ThresholdSweep(l, s, {0.5}); }},
      {"GainsTable", [](const auto& l, const auto& s) { GainsTable(l, s); }},
      {"CalibrationTable", [](const auto& l, const auto& s) { CalibrationTable(l, s); }},
      {"ChooseThreshold",
       [](const auto& l, const auto& s) { ChooseThreshold(ThresholdPolicy{}, l, s); }},
  };
  for (const auto& [name, call] : calls) {
    SCOPED_TRACE(name);
    for (const auto& [labels, scores] :
         std::vector<std::pair<std::vector<int>, std::vector<double>>>{
             {{}, {}}, {{1, 0}, {0.5}}, {{1}, {0.5, 0.2}}}) {
      try {
        call(labels, scores);
        ADD_FAILURE() << "no exception for " << labels.size() << " labels, " << scores.size()
                      << " scores";
      } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr(name));
      }
    }
    // Sanity: the same call succeeds on valid input, so the throw above is about the input.
    EXPECT_NO_THROW(call({1, 0}, {0.8, 0.3}));
  }
}

TEST(MetricsErrorsTest, MessagesSayWhatIsWrong) {
  try {
    RocAuc({1, 0, 1}, {0.5, 0.2});
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("3 vs 2"));
  }
  try {
    LogLoss({}, {});
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("empty"));
  }
}

TEST(MetricsErrorsTest, RejectsNonBinaryLabelsNaNScoresAndNaNThresholds) {
  EXPECT_THROW(RocAuc({1, 2}, {0.5, 0.2}), std::invalid_argument);
  EXPECT_THROW(RocAuc({1, 0}, {std::nan(""), 0.2}), std::invalid_argument);
  EXPECT_THROW(Confusion({1, 0}, {0.5, 0.2}, std::nan("")), std::invalid_argument);
  EXPECT_THROW(ThresholdSweep({1, 0}, {0.5, 0.2}, {0.3, std::nan("")}), std::invalid_argument);
}

}  // namespace
}  // namespace bankscore
