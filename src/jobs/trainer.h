// Training: from the labelled rows of the source table to a saved ModelBundle.
//
// Steps: read labelled rows (label not NULL) ordered by key; split off the test set (stratified
// with the configured seed, or the last rows by key for the time split); carve a validation set
// from the rest; fit the encoder on the training rows only; treat class imbalance on the training
// rows only; train XGBoost with early stopping on validation; choose the threshold on validation;
// evaluate once on the untouched test set. Throws DataError when there are too few labelled rows
// or only one class.
#pragma once

#include "bankscore/config.h"
#include "bankscore/database.h"
#include "model/bundle.h"

namespace bankscore {

ModelBundle TrainModel(Database& db, const Config& config, spdlog::logger& log);

}  // namespace bankscore
