// Internal: the charts of a segmentation, shared by the segments report (segments.html) and the
// service's dashboard: segment sizes, the positive-label rate and the mean predicted probability
// per segment (bars, with the overall value as a dashed line), and the PCA scatter of a sample
// coloured by segment with the centres. Pure functions of their input; the caller renders the
// spec (svg_chart.h) and may change its layout.
#pragma once

#include <string>

#include "model/segment_profile.h"
#include "model/segmentation.h"
#include "report/svg_chart.h"

namespace bankscore::report {

// The colour of segment 1..k (the group palette, cycled).
std::string SegmentColor(int segment);

// Share of clients per segment ("segment-sizes").
BarChartSpec SegmentSizeChart(const SegmentProfiles& profiles);

// The positive-label rate ("segment-rates", axis "share with <label> = <positive>") or, with
// `probability`, the mean predicted probability ("segment-probability") per segment; n/a bars
// for segments without labels or predictions.
BarChartSpec SegmentRateChart(const SegmentProfiles& profiles, const OutcomeName& outcome,
                              bool probability);

// The first two principal components of the model's picture ("pca-scatter"), by segment.
ScatterSpec SegmentPcaChart(const SegmentationModel& model);

}  // namespace bankscore::report
