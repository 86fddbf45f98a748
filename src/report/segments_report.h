// Internal: the segments report behind `bankscore segment --out DIR` (segments.html and
// segments.md): how k was chosen (elbow and silhouette curves), the segments' sizes, subscription
// rates, mean predicted probabilities and one-line descriptions, the PCA picture and loadings,
// and the per-column profiles. RenderSegmentsReport does no I/O, so tests render it from
// hand-made input; every number on the page comes from the input.
#pragma once

#include <string>

#include "model/segment_profile.h"
#include "model/segmentation.h"
#include "report/html_document.h"

namespace bankscore {

struct SegmentsReportInput {
  SegmentationModel model;
  SegmentProfiles profiles;
  std::string source_table;
  std::string label;           // source.label
  std::string positive_label;  // source.positive_label
  ReportConfig report;         // the data source line
  std::string fitted_at;       // when the version was first stored
  std::string generated_at;    // ISO 8601 UTC
  // Names for the page's SQL examples.
  std::string segments_table;
  std::string profiles_table;
  std::string view;
};

// Throws DataError when the model has no candidates or no segments.
RenderedReport RenderSegmentsReport(const SegmentsReportInput& input);

}  // namespace bankscore
