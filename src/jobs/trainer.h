// Training: from the labelled rows of the source table to a saved ModelBundle.
//
// Steps: read labelled rows (label not NULL) ordered by key; split off the test set (stratified
// with the configured seed, or the last rows by key for the time split); carve a validation set
// from the rest; fit the encoder on the training rows only; treat class imbalance on the training
// rows only; train XGBoost with early stopping on validation; fit the calibrator
// (training.calibration) on the validation rows' booster output and choose the threshold on the
// calibrated validation scores; refit the booster with the chosen rounds (scaled by the row ratio)
// on every row but the test split (training.final_fit: all_labelled takes those too); evaluate
// once on the untouched test set. Throws DataError when there are too few labelled rows
// or only one class.
//
// `incumbent` is the current model, if any: when it reads the same feature columns, its ROC AUC
// on the new model's test rows goes into metadata.extra["incumbent"] = {version, roc_auc, rows},
// so the promotion gate (model/promotion_gate.h) compares the two on the same rows.
#pragma once

#include "bankscore/config.h"
#include "bankscore/database.h"
#include "model/bundle.h"

namespace bankscore {

ModelBundle TrainModel(Database& db, const Config& config, spdlog::logger& log,
                       const ModelBundle* incumbent = nullptr);

}  // namespace bankscore
