#include "jobs/trainer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <numeric>
#include <optional>

#include <nlohmann/json.hpp>

#include "bankscore/error.h"
#include "common/clock.h"
#include "common/text.h"
#include "ingest/source_check.h"
#include "jobs/labels.h"
#include "model/imbalance.h"
#include "model/metrics.h"
#include "model/shap_summary.h"

namespace bankscore {
namespace {

using internal::OneHotGroup;

// Labelled rows of the source table in key order.
struct LabelledData {
  std::vector<std::string> columns;  // feature columns
  std::vector<std::int64_t> keys;
  std::vector<std::vector<Value>> rows;
  std::vector<int> labels;
};

LabelledData ReadLabelled(Database& db, const Config& config) {
  const SourceConfig& src = config.source;
  LabelledData data;
  data.columns = src.FeatureColumns();
  std::vector<std::string> columns = data.columns;
  columns.push_back(src.label);
  std::vector<std::string> label_texts;
  std::map<std::string, std::int64_t> label_counts;
  db.ScanTable(src.table, src.key, columns, src.label, config.scoring.batch_size,
               [&](const RowBatch& batch) {
                 for (const auto& row : batch.rows) {
                   // A row whose key is not an integer cannot be traced back.
                   const auto* key = std::get_if<std::int64_t>(&row[0]);
                   if (key == nullptr) continue;
                   data.keys.push_back(*key);
                   label_texts.push_back(ValueText(row.back()));
                   ++label_counts[label_texts.back()];
                   data.rows.emplace_back(row.begin() + 1, row.end() - 1);
                 }
               });
  const LabelRule rule(src, label_counts);
  data.labels.reserve(label_texts.size());
  for (const auto& text : label_texts) data.labels.push_back(rule.Classify(text));
  return data;
}

// Splits `candidates` (indices into the data) into (kept, held out). Stratified: each class
// shuffled with `seed` and `fraction` of it held out. Time: the last `fraction` in key order.
std::pair<std::vector<std::size_t>, std::vector<std::size_t>> Split(
    const std::vector<std::size_t>& candidates, const std::vector<int>& labels, double fraction,
    TrainingConfig::Split method, std::uint64_t seed) {
  std::vector<std::size_t> kept, held;
  if (method == TrainingConfig::Split::kTime) {
    auto n_held = static_cast<std::size_t>(std::llround(fraction * candidates.size()));
    std::size_t cut = candidates.size() - n_held;
    kept.assign(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(cut));
    held.assign(candidates.begin() + static_cast<std::ptrdiff_t>(cut), candidates.end());
    return {kept, held};
  }
  for (int cls = 0; cls <= 1; ++cls) {
    std::vector<std::size_t> members;
    for (std::size_t i : candidates) {
      if (labels[i] == cls) members.push_back(i);
    }
    std::vector<std::size_t> order = internal::ShuffledIndices(members.size(), seed + cls);
    auto n_held = static_cast<std::size_t>(std::llround(fraction * members.size()));
    for (std::size_t j = 0; j < order.size(); ++j) {
      (j < n_held ? held : kept).push_back(members[order[j]]);
    }
  }
  // Back to key order, so the training data does not depend on the shuffle beyond membership.
  std::sort(kept.begin(), kept.end());
  std::sort(held.begin(), held.end());
  return {kept, held};
}

// Encoded rows of one split; rows the encoder rejects are dropped and counted.
struct EncodedSplit {
  FeatureMatrix features;
  std::vector<float> labels;
  std::vector<int> int_labels;
  std::vector<std::int64_t> keys;
  std::size_t rejected = 0;
};

EncodedSplit EncodeSplit(const FeatureEncoder& encoder, const LabelledData& data,
                         const std::vector<std::size_t>& indices) {
  std::vector<std::vector<Value>> rows;
  rows.reserve(indices.size());
  for (std::size_t i : indices) rows.push_back(data.rows[i]);
  EncodedRows encoded = encoder.Transform(data.columns, rows);
  EncodedSplit out;
  out.features = std::move(encoded.matrix);
  out.rejected = encoded.rejected.size();
  for (std::size_t r : encoded.accepted) {
    std::size_t i = indices[r];
    out.labels.push_back(static_cast<float>(data.labels[i]));
    out.int_labels.push_back(data.labels[i]);
    out.keys.push_back(data.keys[i]);
  }
  return out;
}

std::string ImbalanceName(TrainingConfig::Imbalance m) {
  switch (m) {
    case TrainingConfig::Imbalance::kNone:
      return "none";
    case TrainingConfig::Imbalance::kScalePosWeight:
      return "scale_pos_weight";
    case TrainingConfig::Imbalance::kRandomOversample:
      return "random_oversample";
    case TrainingConfig::Imbalance::kSmote:
      return "smote";
  }
  return "none";
}

std::map<std::string, std::string> XgboostParams(const TrainingConfig& training) {
  std::map<std::string, std::string> params = {{"objective", "binary:logistic"},
                                               {"eval_metric", "auc"},
                                               {"tree_method", "hist"},
                                               {"max_depth", "4"},
                                               {"eta", "0.05"},
                                               {"subsample", "0.8"},
                                               {"colsample_bytree", "0.8"},
                                               {"min_child_weight", "1"},
                                               {"nthread", "2"}};
  params["seed"] = std::to_string(training.seed);
  for (const auto& [k, v] : training.xgboost) params[k] = v;
  return params;
}

// An encoder and a booster fitted on some rows, with what the fit did to them.
struct FittedBooster {
  FeatureEncoder encoder;
  std::optional<Booster> booster;
  int best_iteration = 0;
  double best_score = 0;
  std::string eval_metric;
  std::int64_t training_rows = 0;  // after resampling
  std::int64_t original_training_rows = 0;
  std::int64_t synthetic_rows = 0;
  double scale_pos_weight = 0;
  std::size_t dropped = 0;  // rows the encoder rejected
  std::map<std::string, std::string> params;
  double encode_seconds = 0;  // fitting the encoder and encoding the rows
  double boost_seconds = 0;   // resampling and XGBoost's boosting rounds
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Where a training's time went, in seconds. Encoding and boosting are those of the model kept
// (the early-stopping fit and the refit); `checks` is the time-split model and cross-validation,
// `figures` the drift profile and the SHAP figures; evaluation (scoring the validation and test
// rows, calibration, threshold, metrics, the incumbent's figure) is the rest.
struct TrainingTimes {
  double read = 0, encode = 0, boost = 0, checks = 0, figures = 0, total = 0;

  double evaluate() const {
    return std::max(0.0, total - read - encode - boost - checks - figures);
  }
  nlohmann::json Json() const {
    const auto ms = [](double seconds) { return std::round(seconds * 1000) / 1000; };
    return {{"read", ms(read)},           {"encode", ms(encode)}, {"boost", ms(boost)},
            {"evaluate", ms(evaluate())}, {"checks", ms(checks)}, {"figures", ms(figures)}};
  }
  std::string Line() const {
    return fmt::format(
        "trained in {:.2f} s: read {:.2f} s, encode {:.2f} s, boost {:.2f} s, evaluate {:.2f} s, "
        "time-split and cross-validation checks {:.2f} s, drift and SHAP figures {:.2f} s",
        total, read, encode, boost, evaluate(), checks, figures);
  }
};

// Training progress at info level: every kLogEveryRounds rounds, the validation metric now and
// the best so far (early stopping may end training before `max_rounds`).
std::function<void(int, const std::string&, int, double)> RoundLogger(spdlog::logger& log,
                                                                      int max_rounds) {
  constexpr int kLogEveryRounds = 10;
  return [&log, max_rounds](int done, const std::string& eval, int best_round, double best) {
    if ((done + 1) % kLogEveryRounds != 0) return;
    log.info("training: round {} of at most {}, {} (best {:.4f} at round {})", done + 1, max_rounds,
             eval, best, best_round + 1);
  };
}

// Fits the encoder and the booster on `train_idx`: with `rounds` == 0, early stopping on
// `valid_idx` chooses the rounds; otherwise exactly `rounds` rounds are trained.
FittedBooster FitBooster(const LabelledData& data, const std::vector<std::size_t>& train_idx,
                         const std::vector<std::size_t>& valid_idx, const Config& config,
                         int rounds, spdlog::logger* progress_log = nullptr) {
  const TrainingConfig& tc = config.training;
  FittedBooster fit;
  const auto encoding = std::chrono::steady_clock::now();
  std::vector<std::vector<Value>> train_rows;
  train_rows.reserve(train_idx.size());
  for (std::size_t i : train_idx) train_rows.push_back(data.rows[i]);
  fit.encoder = FeatureEncoder::Fit(config.source, data.columns, train_rows);
  train_rows.clear();

  EncodedSplit train = EncodeSplit(fit.encoder, data, train_idx);
  EncodedSplit valid = rounds > 0 ? EncodedSplit{} : EncodeSplit(fit.encoder, data, valid_idx);
  fit.dropped = train.rejected + valid.rejected;
  fit.encode_seconds = SecondsSince(encoding);
  const auto boosting = std::chrono::steady_clock::now();
  std::vector<OneHotGroup> groups;
  int offset = 0;
  for (const auto& vocabulary : fit.encoder.vocabularies()) {
    groups.push_back({offset, static_cast<int>(vocabulary.size())});
    offset += static_cast<int>(vocabulary.size());
  }
  internal::ResampledTraining resampled = internal::ApplyImbalance(
      tc.imbalance, train.features, train.labels, groups, tc.smote_neighbors, tc.seed);

  BoosterTrainOptions options;
  options.params = XgboostParams(tc);
  if (resampled.scale_pos_weight > 0) {
    options.params["scale_pos_weight"] = std::to_string(resampled.scale_pos_weight);
  }
  options.num_boost_round = rounds > 0 ? rounds : tc.num_boost_round;
  options.early_stopping_rounds = rounds > 0 ? 0 : tc.early_stopping_rounds;
  if (progress_log) options.on_round = RoundLogger(*progress_log, options.num_boost_round);
  BoosterTrainResult trained = Booster::Train(resampled.features, resampled.labels, {},
                                              valid.features, valid.labels, options);
  fit.best_iteration = trained.best_iteration;
  fit.best_score = trained.best_score;
  fit.eval_metric = trained.eval_metric;
  fit.params = options.params;
  fit.booster.emplace(std::move(trained.booster));
  fit.training_rows = resampled.features.rows();
  fit.original_training_rows = train.features.rows();
  fit.synthetic_rows = resampled.synthetic_rows;
  fit.scale_pos_weight = resampled.scale_pos_weight;
  fit.boost_seconds = SecondsSince(boosting);
  return fit;
}

// The rows `indices` scored by a fitted model: raw booster output and calibrated probability.
// Rows the encoder rejects are left out.
ScoredSet ScoreRows(const LabelledData& data, const std::vector<std::size_t>& indices,
                    const FeatureEncoder& encoder, const Booster& booster,
                    const Calibrator& calibrator) {
  EncodedSplit split = EncodeSplit(encoder, data, indices);
  ScoredSet set{split.keys, split.int_labels, {}, booster.Predict(split.features)};
  set.scores = calibrator.Apply(set.raw_scores);
  return set;
}

// One fitted model and its scores on a validation and a test set.
struct FitResult {
  FittedBooster fitted;
  Calibrator calibrator;
  ScoredSet validation;
  ScoredSet test;
  double threshold = 0.5;
  BinaryMetrics test_metrics;
};

// Fits a model on `train_idx` (early stopping on `valid_idx`), fits the calibrator and chooses
// the threshold on the validation rows, and scores `test_idx`. The test rows influence nothing.
FitResult FitAndEvaluate(const LabelledData& data, const std::vector<std::size_t>& train_idx,
                         const std::vector<std::size_t>& valid_idx,
                         const std::vector<std::size_t>& test_idx, const Config& config,
                         spdlog::logger* progress_log = nullptr) {
  FitResult fit;
  fit.fitted = FitBooster(data, train_idx, valid_idx, config, 0, progress_log);
  const FeatureEncoder& encoder = fit.fitted.encoder;
  fit.validation = ScoreRows(data, valid_idx, encoder, *fit.fitted.booster, Calibrator());
  fit.calibrator = Calibrator::Fit(config.training.calibration, fit.validation.labels,
                                   fit.validation.raw_scores);
  fit.validation.scores = fit.calibrator.Apply(fit.validation.raw_scores);
  fit.test = ScoreRows(data, test_idx, encoder, *fit.fitted.booster, fit.calibrator);

  // The threshold is chosen on validation data (calibrated), never on the test split.
  const ThresholdPolicy& policy = config.scoring.threshold_policy;
  fit.threshold = policy.kind == ThresholdPolicy::Kind::kFixed
                      ? config.scoring.threshold.value_or(policy.value)
                      : ChooseThreshold(policy, fit.validation.labels, fit.validation.scores);
  fit.test_metrics = ComputeMetrics(fit.test.labels, fit.test.scores, fit.threshold);
  return fit;
}

// Stratified k-fold over `rows`: each fold is the test set once; validation is carved from the
// other folds. Returns mean, standard deviation and values of each metric.
nlohmann::json CrossValidate(const LabelledData& data, const std::vector<std::size_t>& rows,
                             const Config& config, spdlog::logger& log) {
  const TrainingConfig& tc = config.training;
  const int k = tc.cv_folds;
  std::vector<int> fold_of(data.rows.size(), -1);
  for (int cls = 0; cls <= 1; ++cls) {
    std::vector<std::size_t> members;
    for (std::size_t i : rows) {
      if (data.labels[i] == cls) members.push_back(i);
    }
    std::vector<std::size_t> order = internal::ShuffledIndices(members.size(), tc.seed + 7 + cls);
    for (std::size_t j = 0; j < order.size(); ++j) {
      fold_of[members[order[j]]] = static_cast<int>(j % static_cast<std::size_t>(k));
    }
  }
  const char* names[] = {"roc_auc", "pr_auc",   "f1",       "precision",
                         "recall",  "accuracy", "log_loss", "brier"};
  std::map<std::string, std::vector<double>> values;
  for (int f = 0; f < k; ++f) {
    std::vector<std::size_t> rest, held;
    for (std::size_t i : rows) (fold_of[i] == f ? held : rest).push_back(i);
    auto [train_idx, valid_idx] =
        Split(rest, data.labels, tc.validation_fraction, TrainingConfig::Split::kStratified,
              tc.seed + 1000 + static_cast<std::uint64_t>(f));
    FitResult fit = FitAndEvaluate(data, train_idx, valid_idx, held, config);
    nlohmann::json m = ToJson(fit.test_metrics);
    for (const char* name : names) values[name].push_back(m.at(name).get<double>());
    log.info("cross-validation fold {}/{}: ROC AUC {:.4f}, F1 {:.4f}", f + 1, k,
             fit.test_metrics.roc_auc, fit.test_metrics.f1);
  }
  nlohmann::json out = {{"folds", k}, {"metrics", nlohmann::json::object()}};
  for (const auto& [name, v] : values) {
    double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    double ss = 0;
    for (double x : v) ss += (x - mean) * (x - mean);
    double sd = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
    out["metrics"][name] = {{"mean", mean}, {"std", sd}, {"values", v}};
  }
  return out;
}

// Why the other split's figures differ, from this data's figures only.
std::string TimeSplitNote(const LabelledData& data, const std::vector<std::size_t>& earlier,
                          const std::vector<std::size_t>& later) {
  const auto rate = [&](const std::vector<std::size_t>& rows) {
    double positives = 0;
    for (std::size_t i : rows) positives += data.labels[i];
    return rows.empty() ? 0.0 : 100.0 * positives / static_cast<double>(rows.size());
  };
  return fmt::format(
      "Trained on the earliest {} rows by key and tested on the last {}. The test part's "
      "positive rate is {:.1f}% against {:.1f}% in the earlier rows; when the rows are in time "
      "order, these figures are the closer guess of how the model does on rows yet to come.",
      earlier.size(), later.size(), rate(later), rate(earlier));
}

// What the report says of the saved model's TreeSHAP contributions on the test rows: the mean
// |SHAP| per source column, largest first (which columns move its predictions, named as in the
// source table), and the summary chart's sample of values against contributions for the top ones.
void AddShapFigures(const ModelBundle& bundle, const LabelledData& data,
                    const std::vector<std::size_t>& test_idx, nlohmann::json& extra) {
  std::vector<std::vector<Value>> rows;
  rows.reserve(test_idx.size());
  for (std::size_t i : test_idx) rows.push_back(data.rows[i]);
  const ShapSummary shap = SummarizeShap(bundle.booster, bundle.encoder, data.columns, rows);
  nlohmann::json importance = nlohmann::json::array();
  for (const ColumnImportance& c : shap.importance) {
    importance.push_back({{"column", c.column}, {"mean_abs_shap", c.mean_abs_shap}});
  }
  extra["shap_importance"] = std::move(importance);
  extra["shap_summary"] = ShapSummaryToJson(shap.columns);
}

// What scoring runs measure drift against (model/drift.h). The feature bins come from the rows
// the saved model was fitted on. The probability's come from the test split as the saved model
// scores it: those rows are not among the ones it was fitted on (unless final_fit is
// all_labelled), so their probabilities are distributed as those of new rows from the training
// period; on its own training rows a booster is more confident than on any new row, and the
// validation split's stored scores are those of the model before the refit.
DriftReference FitDriftReference(const ModelBundle& bundle, const LabelledData& data,
                                 const std::vector<std::size_t>& fitted_rows) {
  const EncodedSplit fitted = EncodeSplit(bundle.encoder, data, fitted_rows);
  return DriftReference::Fit(bundle.encoder, fitted.features, bundle.test.scores);
}

// The time-ordered split's test metrics, for comparison with the stratified ones.
nlohmann::json TimeSplitFigures(const LabelledData& data, const std::vector<std::size_t>& all,
                                const Config& config, spdlog::logger& log) {
  const TrainingConfig& tc = config.training;
  auto [rest, test] =
      Split(all, data.labels, tc.test_fraction, TrainingConfig::Split::kTime, tc.seed);
  auto [train, valid] = Split(rest, data.labels, tc.validation_fraction,
                              TrainingConfig::Split::kTime, tc.seed + 1000);
  const FitResult fit = FitAndEvaluate(data, train, valid, test, config);
  nlohmann::json figures = ToJson(fit.test_metrics);
  figures["note"] = TimeSplitNote(data, rest, test);
  log.info("time-ordered split for comparison: ROC AUC {:.4f}, F1 {:.4f}", fit.test_metrics.roc_auc,
           fit.test_metrics.f1);
  return figures;
}

// The rounds of the refit: early stopping's choice, scaled by how many more rows the refit has
// (a booster with more rows to fit takes proportionally more rounds to reach the same fit).
int RefitRounds(int best_rounds, std::size_t fit_rows, std::size_t refit_rows) {
  const double scaled = best_rounds * static_cast<double>(refit_rows) /
                        static_cast<double>(std::max<std::size_t>(fit_rows, 1));
  return std::max(1, static_cast<int>(std::lround(scaled)));
}

nlohmann::json TrainingJson(const TrainingConfig& tc, const FittedBooster& fit, int refit_rounds,
                            const Calibrator& calibrator) {
  return {{"split", tc.split == TrainingConfig::Split::kTime ? "time" : "stratified"},
          {"test_fraction", tc.test_fraction},
          {"validation_fraction", tc.validation_fraction},
          {"seed", tc.seed},
          {"imbalance", ImbalanceName(tc.imbalance)},
          {"scale_pos_weight", fit.scale_pos_weight},
          {"num_boost_round", tc.num_boost_round},
          {"early_stopping_rounds", tc.early_stopping_rounds},
          {"eval_metric", fit.eval_metric},
          {"best_validation_score", fit.best_score},
          {"calibration", calibrator.MethodName()},
          {"final_fit", tc.final_fit == TrainingConfig::FinalFit::kAllLabelled
                            ? "all_labelled"
                            : "train_and_validation"},
          {"refit_rounds", refit_rounds},
          {"xgboost", fit.params},
          {"include_duration", tc.include_duration},
          {"cv_folds", tc.cv_folds},
          {"rows_dropped_unencodable", fit.dropped}};
}

// The incumbent's ROC AUC on the new model's test rows (its own encoder, booster and
// calibrator, as the new model's figure is computed), for the
// promotion gate; nullopt when it reads other feature columns and cannot score them.
std::optional<nlohmann::json> IncumbentOnTestRows(const ModelBundle& incumbent,
                                                  const LabelledData& data,
                                                  const std::vector<std::size_t>& test_idx,
                                                  const ScoredSet& test, const SourceConfig& source,
                                                  spdlog::logger& log) {
  if (incumbent.encoder.categorical() != source.categorical ||
      incumbent.encoder.numeric() != source.numeric) {
    return std::nullopt;
  }
  const EncodedSplit split = EncodeSplit(incumbent.encoder, data, test_idx);
  // Both encoders reject the same rows (rejection does not depend on what was fitted), so the
  // rows are the same; should they ever differ, no figure is better than one on other rows.
  if (split.keys != test.keys) {
    log.warn("the current model {} encodes other test rows than the new model; not compared",
             incumbent.metadata.version);
    return std::nullopt;
  }
  const double auc = RocAuc(split.int_labels,
                            incumbent.calibrator.Apply(incumbent.booster.Predict(split.features)));
  log.info("current model {}: ROC AUC {:.4f} on the new model's {} test rows",
           incumbent.metadata.version, auc, split.keys.size());
  return nlohmann::json{
      {"version", incumbent.metadata.version}, {"roc_auc", auc}, {"rows", split.keys.size()}};
}

// The labelled rows of the source table; throws DataError when they cannot train a model.
LabelledData ReadTrainable(Database& db, const Config& config, spdlog::logger& log) {
  ValidateSourceTable(db, config);
  LabelledData data = ReadLabelled(db, config);
  const std::int64_t positives = std::count(data.labels.begin(), data.labels.end(), 1);
  log.info("read {} labelled rows from {} ({} positive, label {} = '{}')", data.rows.size(),
           config.source.table, positives, config.source.label, config.source.positive_label);
  if (data.rows.size() < 50) {
    throw DataError("too few labelled rows to train on: " + std::to_string(data.rows.size()) +
                    " (at least 50 needed)");
  }
  if (positives == 0 || positives == static_cast<std::int64_t>(data.rows.size())) {
    throw DataError("the labelled rows contain only one class (source.positive_label is '" +
                    config.source.positive_label + "'); both classes are needed to train");
  }
  return data;
}

// The figures and warnings kept beside the model's own: the other split's figures (so nobody
// mistakes the stratified figures for future performance), cross-validation, warnings.
nlohmann::json TrainingNotes(const LabelledData& data, const std::vector<std::size_t>& all,
                             const std::vector<std::size_t>& rest, const Config& config,
                             spdlog::logger& log) {
  const TrainingConfig& tc = config.training;
  nlohmann::json extra = nlohmann::json::object();
  nlohmann::json warnings = nlohmann::json::array();
  if (tc.include_duration) {
    warnings.push_back(
        "duration is among the features: it is only known after the call has ended and decides "
        "the outcome almost by itself, so this model cannot be used to choose whom to call. Use "
        "it only as the 'with duration' benchmark.");
  }
  if (tc.final_fit == TrainingConfig::FinalFit::kAllLabelled) {
    extra["metrics_note"] =
        "training.final_fit is all_labelled: the saved model was refitted on every labelled row, "
        "test rows included, so the test figures are those of the model before the refit.";
  }
  if (tc.split == TrainingConfig::Split::kStratified) {
    extra["time_split"] = TimeSplitFigures(data, all, config, log);
  }
  if (tc.cv_folds >= 2) extra["cross_validation"] = CrossValidate(data, rest, config, log);
  extra["warnings"] = warnings;
  for (const auto& w : warnings) log.warn("{}", w.get<std::string>());
  return extra;
}

// Everything bundle.json says about how `bundle` was made, but the `extra` notes.
void DescribeBundle(ModelBundle& bundle, const FitResult& fit, const FittedBooster& final_fit,
                    int refit_rounds, const Config& config) {
  ModelMetadata& m = bundle.metadata;
  m.created_at = UtcTimestamp();
  m.content_sha256 = ContentHash(bundle.booster.ToJson(), bundle.encoder, bundle.calibrator);
  m.version = UtcCompactTimestamp() + "-" + m.content_sha256.substr(0, 12);
  m.source_table = config.source.table;
  m.label_column = config.source.label;
  m.positive_label = config.source.positive_label;
  m.feature_columns = config.source.FeatureColumns();
  m.training_rows = final_fit.training_rows;
  m.original_training_rows = final_fit.original_training_rows;
  m.synthetic_rows = final_fit.synthetic_rows;
  m.validation_rows = static_cast<std::int64_t>(bundle.validation.labels.size());
  m.test_rows = static_cast<std::int64_t>(bundle.test.labels.size());
  m.threshold = fit.threshold;
  m.threshold_policy = PolicyName(config.scoring.threshold_policy);
  m.best_iteration = fit.fitted.best_iteration;
  m.training = TrainingJson(config.training, fit.fitted, refit_rounds, bundle.calibrator);
  m.test_metrics = EvaluationJson(bundle.test.labels, bundle.test.scores, fit.threshold,
                                  &bundle.test.raw_scores);
}

}  // namespace

ModelBundle TrainModel(Database& db, const Config& config, spdlog::logger& log,
                       const ModelBundle* incumbent) {
  const auto started = std::chrono::steady_clock::now();
  const TrainingConfig& tc = config.training;
  LabelledData data = ReadTrainable(db, config, log);
  TrainingTimes times;
  times.read = SecondsSince(started);
  std::vector<std::size_t> all(data.rows.size());
  std::iota(all.begin(), all.end(), 0);
  auto [rest, test_idx] = Split(all, data.labels, tc.test_fraction, tc.split, tc.seed);
  auto [train_idx, valid_idx] =
      Split(rest, data.labels, tc.validation_fraction, tc.split, tc.seed + 1000);
  FitResult fit = FitAndEvaluate(data, train_idx, valid_idx, test_idx, config, &log);
  if (fit.fitted.dropped > 0) {
    log.warn("{} labelled rows could not be encoded and were left out", fit.fitted.dropped);
  }
  log.info("early stopping chose {} rounds (best validation {} = {:.4f}); calibration {}",
           fit.fitted.best_iteration + 1, fit.fitted.eval_metric, fit.fitted.best_score,
           fit.calibrator.MethodName());

  // Refit on more rows with the rounds early stopping chose; the calibrator and threshold stay.
  const bool all_labelled = tc.final_fit == TrainingConfig::FinalFit::kAllLabelled;
  const std::vector<std::size_t>& refit_rows = all_labelled ? all : rest;
  const int refit_rounds =
      RefitRounds(fit.fitted.best_iteration + 1, train_idx.size(), refit_rows.size());
  FittedBooster final_fit = FitBooster(data, refit_rows, {}, config, refit_rounds);
  log.info("refitted on {} labelled rows ({}) with {} rounds", refit_rows.size(),
           all_labelled ? "every labelled row" : "all but the test split", refit_rounds);
  if (!all_labelled) {  // the test rows are still unseen: evaluate the model that is saved
    fit.test = ScoreRows(data, test_idx, final_fit.encoder, *final_fit.booster, fit.calibrator);
    fit.test_metrics = ComputeMetrics(fit.test.labels, fit.test.scores, fit.threshold);
  }

  times.encode = fit.fitted.encode_seconds + final_fit.encode_seconds;
  times.boost = fit.fitted.boost_seconds + final_fit.boost_seconds;
  const auto checking = std::chrono::steady_clock::now();
  nlohmann::json extra = TrainingNotes(data, all, rest, config, log);
  times.checks = SecondsSince(checking);
  ModelBundle bundle{ModelMetadata{},
                     std::move(final_fit.encoder),
                     std::move(*final_fit.booster),
                     std::move(fit.validation),
                     std::move(fit.test),
                     std::move(fit.calibrator),
                     std::nullopt};
  DescribeBundle(bundle, fit, final_fit, refit_rounds, config);
  const auto explaining = std::chrono::steady_clock::now();
  bundle.drift = FitDriftReference(bundle, data, refit_rows);
  AddShapFigures(bundle, data, test_idx, extra);
  times.figures = SecondsSince(explaining);
  if (incumbent != nullptr) {
    if (auto figure =
            IncumbentOnTestRows(*incumbent, data, test_idx, bundle.test, config.source, log)) {
      extra["incumbent"] = std::move(*figure);
    }
  }
  times.total = SecondsSince(started);
  extra["training_seconds"] = std::round(times.total * 1000) / 1000;
  extra["training_phases"] = times.Json();
  log.info("{}", times.Line());
  const ModelMetadata& m = bundle.metadata;
  bundle.metadata.extra = std::move(extra);
  log.info("model {}: test ROC AUC {:.4f}, PR AUC {:.4f}, F1 {:.4f} at threshold {:.4f} ({})",
           m.version, fit.test_metrics.roc_auc, fit.test_metrics.pr_auc, fit.test_metrics.f1,
           m.threshold, m.threshold_policy);
  return bundle;
}

}  // namespace bankscore
