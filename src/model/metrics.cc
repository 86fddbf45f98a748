#include "model/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace bankscore {
namespace {

// Rejects input that would make every metric meaningless: empty or mismatched vectors, labels
// other than 0/1 (a label column mapped wrongly upstream), and NaN scores (they break the strict
// weak ordering that every sort below relies on).
void Validate(const std::vector<int>& labels, const std::vector<double>& scores,
              const char* function) {
  const std::string prefix = std::string(function) + ": ";
  if (labels.size() != scores.size()) {
    throw std::invalid_argument(prefix + "labels and scores differ in length (" +
                                std::to_string(labels.size()) + " vs " +
                                std::to_string(scores.size()) + ")");
  }
  if (labels.empty()) throw std::invalid_argument(prefix + "empty input");
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1) {
      throw std::invalid_argument(prefix + "label at row " + std::to_string(i) + " is " +
                                  std::to_string(labels[i]) + ", expected 0 or 1");
    }
    if (std::isnan(scores[i])) {
      throw std::invalid_argument(prefix + "score at row " + std::to_string(i) + " is NaN");
    }
  }
}

void ValidateThreshold(double threshold, const char* function) {
  // `score >= NaN` is false for every row, which would silently predict nothing.
  if (std::isnan(threshold)) {
    throw std::invalid_argument(std::string(function) + ": threshold is NaN");
  }
}

double Ratio(double numerator, double denominator) {
  return denominator > 0 ? numerator / denominator : 0.0;
}

double Precision(std::int64_t tp, std::int64_t fp) {
  return Ratio(static_cast<double>(tp), static_cast<double>(tp + fp));
}

// 2PR / (P + R) written on counts; 0 when there is no true positive (P = R = 0 or undefined).
double F1(std::int64_t tp, std::int64_t fp, std::int64_t fn) {
  if (tp == 0) return 0.0;
  return 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn);
}

// Cumulative counts when the threshold is one distinct score: rows with score >= `score`.
struct CumulativeCounts {
  double score = 0;
  std::int64_t tp = 0;
  std::int64_t fp = 0;
};

// One sort shared by the ranking metrics and curves.
struct RankSummary {
  std::vector<CumulativeCounts> points;  // distinct scores, descending
  std::int64_t positives = 0;
  std::int64_t negatives = 0;
};

RankSummary SummarizeRanking(const std::vector<int>& labels, const std::vector<double>& scores) {
  std::vector<std::pair<double, int>> rows(scores.size());
  for (std::size_t i = 0; i < scores.size(); ++i) rows[i] = {scores[i], labels[i]};
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });

  RankSummary summary;
  std::int64_t tp = 0, fp = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].second == 1) {
      ++tp;
    } else {
      ++fp;
    }
    // Emit a point only after the last row of a run of tied scores.
    if (i + 1 == rows.size() || rows[i + 1].first != rows[i].first) {
      summary.points.push_back({rows[i].first, tp, fp});
    }
  }
  summary.positives = tp;
  summary.negatives = fp;
  return summary;
}

// Mann-Whitney U / (P * N): each (positive, negative) pair counts 1 when the positive scores
// higher and 1/2 on a tie. Counting per distinct score is the same as averaging tied ranks.
double RocAucFromSummary(const RankSummary& summary) {
  if (summary.positives == 0 || summary.negatives == 0) return 0.5;
  // Twice the U statistic, so that half-pairs stay integers.
  std::int64_t twice_u = 0;
  std::int64_t tp_before = 0, fp_before = 0;
  for (const CumulativeCounts& point : summary.points) {
    const std::int64_t tied_positives = point.tp - tp_before;
    const std::int64_t tied_negatives = point.fp - fp_before;
    twice_u += tied_negatives * (2 * tp_before + tied_positives);
    tp_before = point.tp;
    fp_before = point.fp;
  }
  return static_cast<double>(twice_u) /
         (2.0 * static_cast<double>(summary.positives) * static_cast<double>(summary.negatives));
}

double AveragePrecisionFromSummary(const RankSummary& summary) {
  if (summary.positives == 0) return 0.0;
  const double positives = static_cast<double>(summary.positives);
  double ap = 0.0;
  std::int64_t tp_before = 0;
  for (const CumulativeCounts& point : summary.points) {
    // Thresholds that add only negatives contribute (R_k - R_{k-1}) = 0.
    if (point.tp != tp_before) {
      ap += static_cast<double>(point.tp - tp_before) / positives * Precision(point.tp, point.fp);
    }
    tp_before = point.tp;
  }
  return ap;
}

// The k-th highest score (k is 1-based); O(n) on a copy.
double KthHighest(std::vector<double> scores, std::size_t k) {
  auto nth = scores.begin() + static_cast<std::ptrdiff_t>(k - 1);
  std::nth_element(scores.begin(), nth, scores.end(), std::greater<double>());
  return *nth;
}

void CheckFractionValue(const ThresholdPolicy& policy, const char* name) {
  if (!(policy.value >= 0.0 && policy.value <= 1.0)) {
    throw std::invalid_argument(std::string("ChooseThreshold: ") + name + " value " +
                                std::to_string(policy.value) + " is outside [0, 1]");
  }
}

// Shortest text that reads back as the same double ("0.8", not "0.800000").
std::string ShortestNumber(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

}  // namespace

ConfusionMatrix Confusion(const std::vector<int>& labels, const std::vector<double>& scores,
                          double threshold) {
  Validate(labels, scores, "Confusion");
  ValidateThreshold(threshold, "Confusion");
  ConfusionMatrix cm;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const bool predicted = scores[i] >= threshold;
    if (labels[i] == 1) {
      ++(predicted ? cm.true_positive : cm.false_negative);
    } else {
      ++(predicted ? cm.false_positive : cm.true_negative);
    }
  }
  return cm;
}

double RocAuc(const std::vector<int>& labels, const std::vector<double>& scores) {
  Validate(labels, scores, "RocAuc");
  return RocAucFromSummary(SummarizeRanking(labels, scores));
}

double AveragePrecision(const std::vector<int>& labels, const std::vector<double>& scores) {
  Validate(labels, scores, "AveragePrecision");
  return AveragePrecisionFromSummary(SummarizeRanking(labels, scores));
}

double LogLoss(const std::vector<int>& labels, const std::vector<double>& scores) {
  Validate(labels, scores, "LogLoss");
  constexpr double kEps = 1e-15;
  double sum = 0.0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double p = std::clamp(scores[i], kEps, 1.0 - kEps);
    sum -= labels[i] == 1 ? std::log(p) : std::log1p(-p);
  }
  return sum / static_cast<double>(labels.size());
}

double BrierScore(const std::vector<int>& labels, const std::vector<double>& scores) {
  Validate(labels, scores, "BrierScore");
  double sum = 0.0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double diff = scores[i] - static_cast<double>(labels[i]);
    sum += diff * diff;
  }
  return sum / static_cast<double>(labels.size());
}

BinaryMetrics ComputeMetrics(const std::vector<int>& labels, const std::vector<double>& scores,
                             double threshold) {
  Validate(labels, scores, "ComputeMetrics");
  ValidateThreshold(threshold, "ComputeMetrics");
  BinaryMetrics m;
  m.threshold = threshold;
  m.rows = static_cast<std::int64_t>(labels.size());
  m.confusion = Confusion(labels, scores, threshold);
  const ConfusionMatrix& cm = m.confusion;
  m.positives = cm.true_positive + cm.false_negative;
  m.accuracy =
      static_cast<double>(cm.true_positive + cm.true_negative) / static_cast<double>(m.rows);
  m.precision = Precision(cm.true_positive, cm.false_positive);
  m.recall = Ratio(static_cast<double>(cm.true_positive), static_cast<double>(m.positives));
  m.f1 = F1(cm.true_positive, cm.false_positive, cm.false_negative);
  const RankSummary summary = SummarizeRanking(labels, scores);
  m.roc_auc = RocAucFromSummary(summary);
  m.pr_auc = AveragePrecisionFromSummary(summary);
  m.log_loss = LogLoss(labels, scores);
  m.brier = BrierScore(labels, scores);
  return m;
}

std::vector<CurvePoint> RocCurve(const std::vector<int>& labels,
                                 const std::vector<double>& scores) {
  Validate(labels, scores, "RocCurve");
  const RankSummary summary = SummarizeRanking(labels, scores);
  const double positives = static_cast<double>(summary.positives);
  const double negatives = static_cast<double>(summary.negatives);
  std::vector<CurvePoint> curve;
  curve.reserve(summary.points.size() + 1);
  curve.push_back({std::numeric_limits<double>::infinity(), 0.0, 0.0});
  for (const CumulativeCounts& point : summary.points) {
    // A rate over an empty class stays 0, as recall does when there is no positive.
    curve.push_back({point.score, Ratio(static_cast<double>(point.fp), negatives),
                     Ratio(static_cast<double>(point.tp), positives)});
  }
  return curve;
}

std::vector<CurvePoint> PrecisionRecallCurve(const std::vector<int>& labels,
                                             const std::vector<double>& scores) {
  Validate(labels, scores, "PrecisionRecallCurve");
  const RankSummary summary = SummarizeRanking(labels, scores);
  const double positives = static_cast<double>(summary.positives);
  std::vector<CurvePoint> curve;
  curve.reserve(summary.points.size());
  for (const CumulativeCounts& point : summary.points) {
    curve.push_back({point.score, Ratio(static_cast<double>(point.tp), positives),
                     Precision(point.tp, point.fp)});
  }
  return curve;
}

std::vector<ThresholdPoint> ThresholdSweep(const std::vector<int>& labels,
                                           const std::vector<double>& scores,
                                           const std::vector<double>& thresholds) {
  Validate(labels, scores, "ThresholdSweep");
  for (double t : thresholds) ValidateThreshold(t, "ThresholdSweep");

  // Ascending scores; positives_from[i] = positives among rows i..n-1, so the rows predicted
  // positive at threshold t are the suffix starting at lower_bound(t).
  const std::size_t n = labels.size();
  std::vector<std::pair<double, int>> rows(n);
  for (std::size_t i = 0; i < n; ++i) rows[i] = {scores[i], labels[i]};
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<double> sorted(n);
  std::vector<std::int64_t> positives_from(n + 1, 0);
  for (std::size_t i = n; i-- > 0;) {
    sorted[i] = rows[i].first;
    positives_from[i] = positives_from[i + 1] + rows[i].second;
  }
  const std::int64_t positives = positives_from[0];

  std::vector<ThresholdPoint> sweep;
  sweep.reserve(thresholds.size());
  for (double t : thresholds) {
    const std::size_t first = static_cast<std::size_t>(
        std::lower_bound(sorted.begin(), sorted.end(), t) - sorted.begin());
    const std::int64_t predicted = static_cast<std::int64_t>(n - first);
    const std::int64_t tp = positives_from[first];
    const std::int64_t fp = predicted - tp;
    ThresholdPoint point;
    point.threshold = t;
    point.precision = Precision(tp, fp);
    point.recall = Ratio(static_cast<double>(tp), static_cast<double>(positives));
    point.f1 = F1(tp, fp, positives - tp);
    point.positive_rate = static_cast<double>(predicted) / static_cast<double>(n);
    sweep.push_back(point);
  }
  return sweep;
}

std::vector<GainsRow> GainsTable(const std::vector<int>& labels, const std::vector<double>& scores,
                                 int groups) {
  Validate(labels, scores, "GainsTable");
  if (groups < 1) {
    throw std::invalid_argument("GainsTable: groups must be at least 1, got " +
                                std::to_string(groups));
  }
  const std::size_t n = labels.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Stable, so tied scores keep input order and the table is reproducible.
  std::stable_sort(order.begin(), order.end(),
                   [&scores](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });

  const std::int64_t total_positives = std::count(labels.begin(), labels.end(), 1);
  const double overall_rate = static_cast<double>(total_positives) / static_cast<double>(n);
  const auto group_start = [n, groups](std::int64_t g) {
    return static_cast<std::size_t>(static_cast<std::uint64_t>(g) * n /
                                    static_cast<std::uint64_t>(groups));
  };

  std::vector<GainsRow> table;
  table.reserve(static_cast<std::size_t>(groups));
  std::int64_t cumulative_rows = 0, cumulative_positives = 0;
  for (int g = 0; g < groups; ++g) {
    GainsRow row;
    row.group = g + 1;
    const std::size_t begin = group_start(g), end = group_start(g + 1);
    row.rows = static_cast<std::int64_t>(end - begin);
    for (std::size_t i = begin; i < end; ++i) row.positives += labels[order[i]];
    cumulative_rows += row.rows;
    cumulative_positives += row.positives;
    row.cumulative_fraction = static_cast<double>(cumulative_rows) / static_cast<double>(n);
    row.cumulative_gain =
        Ratio(static_cast<double>(cumulative_positives), static_cast<double>(total_positives));
    // Groups can be empty when groups > n; their rate is taken as 0.
    const double group_rate =
        Ratio(static_cast<double>(row.positives), static_cast<double>(row.rows));
    const double cumulative_rate =
        Ratio(static_cast<double>(cumulative_positives), static_cast<double>(cumulative_rows));
    row.lift = Ratio(group_rate, overall_rate);
    row.cumulative_lift = Ratio(cumulative_rate, overall_rate);
    table.push_back(row);
  }
  return table;
}

std::vector<CalibrationBin> CalibrationTable(const std::vector<int>& labels,
                                             const std::vector<double>& scores, int bins) {
  Validate(labels, scores, "CalibrationTable");
  if (bins < 1) {
    throw std::invalid_argument("CalibrationTable: bins must be at least 1, got " +
                                std::to_string(bins));
  }
  const double width = static_cast<double>(bins);
  const auto lower_edge = [width](int b) { return static_cast<double>(b) / width; };

  std::vector<CalibrationBin> table(static_cast<std::size_t>(bins));
  for (int b = 0; b < bins; ++b) {
    table[b].lower = lower_edge(b);
    table[b].upper = lower_edge(b + 1);
  }
  std::vector<double> score_sum(table.size(), 0.0);
  std::vector<std::int64_t> positive_count(table.size(), 0);
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const double s = scores[i];
    // Out-of-range scores land in the end bins; 1.0 belongs to the last bin.
    int b = s <= 0.0 ? 0 : s >= 1.0 ? bins - 1 : static_cast<int>(s * width);
    b = std::clamp(b, 0, bins - 1);
    // s * bins can round across an edge (fl(1/49) * 49 < 1); agree with the reported edges.
    if (b + 1 < bins && s >= lower_edge(b + 1)) ++b;
    if (b > 0 && s < lower_edge(b)) --b;
    ++table[b].rows;
    score_sum[b] += s;
    positive_count[b] += labels[i];
  }
  for (std::size_t b = 0; b < table.size(); ++b) {
    const double rows = static_cast<double>(table[b].rows);
    table[b].mean_predicted = Ratio(score_sum[b], rows);
    table[b].observed_rate = Ratio(static_cast<double>(positive_count[b]), rows);
  }
  return table;
}

double ChooseThreshold(const ThresholdPolicy& policy, const std::vector<int>& labels,
                       const std::vector<double>& scores) {
  Validate(labels, scores, "ChooseThreshold");
  using Kind = ThresholdPolicy::Kind;
  switch (policy.kind) {
    case Kind::kFixed:
      return policy.value;

    case Kind::kTopFraction: {
      CheckFractionValue(policy, "top_fraction");
      const std::size_t n = scores.size();
      // A relative slack far above rounding error keeps a product such as 7.000000000000001
      // (F * n = 7 in exact arithmetic) from asking for 8 rows.
      const double target = policy.value * static_cast<double>(n) * (1.0 - 1e-12);
      std::size_t k = static_cast<std::size_t>(std::ceil(target));
      k = std::clamp<std::size_t>(k, 1, n);
      return KthHighest(scores, k);
    }

    case Kind::kMaxF1:
    case Kind::kMinRecall: {
      const bool max_f1 = policy.kind == Kind::kMaxF1;
      if (!max_f1) CheckFractionValue(policy, "min_recall");
      const RankSummary summary = SummarizeRanking(labels, scores);
      if (summary.positives == 0) {
        throw std::invalid_argument(std::string("ChooseThreshold: ") +
                                    (max_f1 ? "max_f1" : "min_recall") +
                                    " needs at least one positive label");
      }
      const double positives = static_cast<double>(summary.positives);
      if (!max_f1) {
        // Descending thresholds: the first that reaches R is the highest. The lowest distinct
        // score predicts every row positive (recall 1), so some threshold always qualifies.
        for (const CumulativeCounts& point : summary.points) {
          if (static_cast<double>(point.tp) / positives >= policy.value) return point.score;
        }
        return summary.points.back().score;
      }
      // Descending thresholds with a strict improvement test keep the highest one on ties.
      // Equal count ratios give bit-identical doubles, so ties are detected exactly.
      double best_threshold = summary.points.front().score;
      double best_f1 = -1.0;
      for (const CumulativeCounts& point : summary.points) {
        const double f1 = F1(point.tp, point.fp, summary.positives - point.tp);
        if (f1 > best_f1) {
          best_f1 = f1;
          best_threshold = point.score;
        }
      }
      return best_threshold;
    }
  }
  throw std::invalid_argument("ChooseThreshold: unknown policy kind");
}

nlohmann::json ToJson(const BinaryMetrics& metrics) {
  return nlohmann::json{
      {"accuracy", metrics.accuracy},
      {"precision", metrics.precision},
      {"recall", metrics.recall},
      {"f1", metrics.f1},
      {"roc_auc", metrics.roc_auc},
      {"pr_auc", metrics.pr_auc},
      {"log_loss", metrics.log_loss},
      {"brier", metrics.brier},
      {"threshold", metrics.threshold},
      {"rows", metrics.rows},
      {"positives", metrics.positives},
      {"confusion_matrix",
       {{"true_positive", metrics.confusion.true_positive},
        {"false_positive", metrics.confusion.false_positive},
        {"true_negative", metrics.confusion.true_negative},
        {"false_negative", metrics.confusion.false_negative}}},
  };
}

double ExpectedCalibrationError(const std::vector<int>& labels, const std::vector<double>& scores,
                                int bins) {
  double weighted = 0;
  for (const CalibrationBin& b : CalibrationTable(labels, scores, bins)) {
    weighted += static_cast<double>(b.rows) * std::abs(b.mean_predicted - b.observed_rate);
  }
  return weighted / static_cast<double>(scores.size());
}

ProbabilityQuality AssessProbabilities(const std::vector<int>& labels,
                                       const std::vector<double>& scores) {
  Validate(labels, scores, "AssessProbabilities");
  ProbabilityQuality q;
  const double n = static_cast<double>(scores.size());
  q.mean_predicted = std::accumulate(scores.begin(), scores.end(), 0.0) / n;
  q.positive_rate = static_cast<double>(std::count(labels.begin(), labels.end(), 1)) / n;
  q.ece = ExpectedCalibrationError(labels, scores, 10);
  q.brier = BrierScore(labels, scores);
  q.log_loss = LogLoss(labels, scores);
  const std::vector<double> base(scores.size(), q.positive_rate);
  q.base_rate_brier = BrierScore(labels, base);
  q.base_rate_log_loss = LogLoss(labels, base);
  return q;
}

nlohmann::json ToJson(const ProbabilityQuality& q) {
  return {{"mean_predicted", q.mean_predicted},
          {"positive_rate", q.positive_rate},
          {"ece", q.ece},
          {"brier", q.brier},
          {"log_loss", q.log_loss},
          {"base_rate_brier", q.base_rate_brier},
          {"base_rate_log_loss", q.base_rate_log_loss}};
}

namespace {

nlohmann::json CalibrationJson(const std::vector<int>& labels, const std::vector<double>& scores) {
  nlohmann::json bins = nlohmann::json::array();
  for (const CalibrationBin& b : CalibrationTable(labels, scores, 10)) {
    bins.push_back({{"lower", b.lower},
                    {"upper", b.upper},
                    {"rows", b.rows},
                    {"mean_predicted", b.mean_predicted},
                    {"observed_rate", b.observed_rate}});
  }
  return bins;
}

}  // namespace

nlohmann::json EvaluationJson(const std::vector<int>& labels, const std::vector<double>& scores,
                              double threshold, const std::vector<double>* raw_scores) {
  nlohmann::json out = ToJson(ComputeMetrics(labels, scores, threshold));
  out["gains"] = nlohmann::json::array();
  for (const GainsRow& g : GainsTable(labels, scores, 10)) {
    out["gains"].push_back({{"decile", g.group},
                            {"rows", g.rows},
                            {"positives", g.positives},
                            {"cumulative_fraction", g.cumulative_fraction},
                            {"cumulative_gain", g.cumulative_gain},
                            {"lift", g.lift},
                            {"cumulative_lift", g.cumulative_lift}});
  }
  out["calibration"] = CalibrationJson(labels, scores);
  out["probability_quality"] = ToJson(AssessProbabilities(labels, scores));
  if (raw_scores != nullptr && !raw_scores->empty()) {
    out["uncalibrated"] = {
        {"roc_auc", RocAuc(labels, *raw_scores)},
        {"probability_quality", ToJson(AssessProbabilities(labels, *raw_scores))},
        {"calibration", CalibrationJson(labels, *raw_scores)}};
  }
  return out;
}

std::string PolicyName(const ThresholdPolicy& policy) {
  using Kind = ThresholdPolicy::Kind;
  switch (policy.kind) {
    case Kind::kFixed:
      return "fixed";
    case Kind::kMaxF1:
      return "max_f1";
    case Kind::kMinRecall:
      return "min_recall: " + ShortestNumber(policy.value);
    case Kind::kTopFraction:
      return "top_fraction: " + ShortestNumber(policy.value);
  }
  return "unknown";
}

}  // namespace bankscore
