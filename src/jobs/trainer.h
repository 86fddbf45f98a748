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
#pragma once

#include "bankscore/config.h"
#include "bankscore/database.h"
#include "model/bundle.h"

namespace bankscore {

// `incumbent`: the current model, or null. When it scores the same feature columns, its ROC AUC
// on the new model's test rows goes to metadata.extra["incumbent"] ({version, roc_auc, rows}),
// so a quality gate compares both models on the same rows.
ModelBundle TrainModel(Database& db, const Config& config, spdlog::logger& log,
                       const ModelBundle* incumbent = nullptr);

}  // namespace bankscore
