// Internal: the model report behind `bankscore report` (the data scientist's view of a model).
//
// RenderModelReport turns a ModelReportInput (the bundle's metadata, holdout scores and feature
// importance) into a self-contained HTML page and a Markdown summary. It does no I/O, so tests
// render reports from hand-made input without a trained model. Every figure comes from the input;
// the page says which split each chart uses.
#pragma once

#include <string>
#include <vector>

#include "model/bundle.h"
#include "model/shap_importance.h"
#include "model/shap_summary.h"
#include "report/html_document.h"

namespace bankscore {

struct FeatureImportanceEntry {
  std::string feature;    // encoded feature name, e.g. "poutcome=success"
  double gain = 0;        // XGBoost "gain": average gain of the feature's splits
  double total_gain = 0;  // XGBoost "total_gain"
};

struct ModelReportInput {
  ModelMetadata metadata;
  ScoredSet validation;
  ScoredSet test;
  double threshold = 0.5;                          // effective threshold
  bool threshold_from_config = false;              // scoring.threshold overrides the bundle's
  std::vector<FeatureImportanceEntry> importance;  // any order
  // Mean |SHAP| per source column on the test split, largest first; empty for models trained
  // before it was recorded (the section then says so).
  std::vector<ColumnImportance> shap_importance;
  // The SHAP summary chart's sample (the top columns by mean |SHAP|, test split); empty for models
  // trained before it was recorded.
  std::vector<ShapColumnSummary> shap_summary;
  std::string generated_at;  // ISO 8601 UTC
  ReportConfig report;       // title and data source line; the table and label stand in when unset
};

// Throws DataError when the test or validation set is empty.
RenderedReport RenderModelReport(const ModelReportInput& input);

}  // namespace bankscore
