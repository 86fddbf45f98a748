// Classification metrics for a binary classifier, computed from labels and probabilities.
//
// Pure functions over vectors; no I/O. Conventions (documented in the README):
//   - A row is predicted positive when probability >= threshold.
//   - Precision is 0 when nothing is predicted positive; recall is 0 when there is no positive.
//   - ROC AUC is the Mann-Whitney statistic (tied scores count one half); 0.5 if one class is
//   empty.
//   - PR AUC is average precision: sum over distinct thresholds of (R_k - R_{k-1}) * P_k, the same
//     definition as scikit-learn's average_precision_score.
//   - Log loss clips probabilities to [1e-15, 1 - 1e-15].
// Functions throw std::invalid_argument when the vectors differ in length or are empty.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bankscore/config.h"

namespace bankscore {

struct ConfusionMatrix {
  std::int64_t true_positive = 0;
  std::int64_t false_positive = 0;
  std::int64_t true_negative = 0;
  std::int64_t false_negative = 0;
};

struct BinaryMetrics {
  double threshold = 0.5;
  std::int64_t rows = 0;
  std::int64_t positives = 0;  // actual positives
  double accuracy = 0, precision = 0, recall = 0, f1 = 0;
  double roc_auc = 0, pr_auc = 0, log_loss = 0, brier = 0;
  ConfusionMatrix confusion;
};

ConfusionMatrix Confusion(const std::vector<int>& labels, const std::vector<double>& scores,
                          double threshold);
double RocAuc(const std::vector<int>& labels, const std::vector<double>& scores);
double AveragePrecision(const std::vector<int>& labels, const std::vector<double>& scores);
double LogLoss(const std::vector<int>& labels, const std::vector<double>& scores);
double BrierScore(const std::vector<int>& labels, const std::vector<double>& scores);
BinaryMetrics ComputeMetrics(const std::vector<int>& labels, const std::vector<double>& scores,
                             double threshold);

// One point per distinct score (descending), plus the (0,0) start of the ROC curve.
struct CurvePoint {
  double threshold = 0;
  double x = 0;  // ROC: false positive rate; PR: recall
  double y = 0;  // ROC: true positive rate;  PR: precision
};
std::vector<CurvePoint> RocCurve(const std::vector<int>& labels, const std::vector<double>& scores);
std::vector<CurvePoint> PrecisionRecallCurve(const std::vector<int>& labels,
                                             const std::vector<double>& scores);

// Precision, recall and F1 at each threshold in `thresholds`.
struct ThresholdPoint {
  double threshold = 0, precision = 0, recall = 0, f1 = 0, positive_rate = 0;
};
std::vector<ThresholdPoint> ThresholdSweep(const std::vector<int>& labels,
                                           const std::vector<double>& scores,
                                           const std::vector<double>& thresholds);

// Rows sorted by score descending and cut into `groups` equal groups (deciles by default).
struct GainsRow {
  int group = 0;  // 1 = highest scores
  std::int64_t rows = 0;
  std::int64_t positives = 0;
  double cumulative_fraction = 0;  // of all rows, up to this group
  double cumulative_gain = 0;      // fraction of all positives captured up to this group
  double lift = 0;                 // group positive rate / overall positive rate
  double cumulative_lift = 0;
};
std::vector<GainsRow> GainsTable(const std::vector<int>& labels, const std::vector<double>& scores,
                                 int groups = 10);

// Calibration: scores cut into `bins` equal-width bins over [0, 1].
struct CalibrationBin {
  double lower = 0, upper = 0;
  std::int64_t rows = 0;
  double mean_predicted = 0;
  double observed_rate = 0;
};
std::vector<CalibrationBin> CalibrationTable(const std::vector<int>& labels,
                                             const std::vector<double>& scores, int bins = 10);

// Expected calibration error: over the bins of CalibrationTable, the row-weighted mean of
// |mean predicted - observed rate|.
double ExpectedCalibrationError(const std::vector<int>& labels, const std::vector<double>& scores,
                                int bins = 10);

// Whether scores can be read as probabilities, judged against the base-rate predictor (every row
// given the observed positive rate): a useful probability has lower Brier score and log loss.
struct ProbabilityQuality {
  double mean_predicted = 0, positive_rate = 0;
  double ece = 0, brier = 0, log_loss = 0;
  double base_rate_brier = 0, base_rate_log_loss = 0;
};
ProbabilityQuality AssessProbabilities(const std::vector<int>& labels,
                                       const std::vector<double>& scores);
nlohmann::json ToJson(const ProbabilityQuality& quality);

// Chooses a decision threshold on validation data according to `policy`:
//   fixed: policy.value; max_f1: the threshold with the highest F1 (the highest such threshold on
//   ties); min_recall R: the highest threshold whose recall reaches R; top_fraction F: the score of
//   the ceil(F * n)-th highest row, so that about F of the rows are labelled positive.
double ChooseThreshold(const ThresholdPolicy& policy, const std::vector<int>& labels,
                       const std::vector<double>& scores);

nlohmann::json ToJson(const BinaryMetrics& metrics);

// The full evaluation `bankscore evaluate` prints and the bundle stores: ToJson(ComputeMetrics)
// plus "gains" (GainsTable by decile), "calibration" (CalibrationTable, 10 bins) and
// "probability_quality". With `raw_scores` (the booster's output before calibration), also
// "uncalibrated": its ROC AUC, probability quality and calibration table.
nlohmann::json EvaluationJson(const std::vector<int>& labels, const std::vector<double>& scores,
                              double threshold, const std::vector<double>* raw_scores = nullptr);

std::string PolicyName(const ThresholdPolicy& policy);  // "max_f1", "min_recall: 0.8", ...

}  // namespace bankscore
