// Internal: the dashboard's customer segments panel (issue 14), so that people see the segments
// without SQL: the current segmentation's segments with their sizes, positive rates, mean
// predicted probabilities and one-line descriptions, as a table and bar charts, and the PCA
// picture of its fitting sample coloured by segment with the centres. Charts come from
// report/segment_charts.h, as in segments.html.
#pragma once

#include <string>

#include "bankscore/config.h"
#include "jobs/segment_catalog.h"

namespace bankscore::service {

// The panel's HTML (below its heading). `segments` null: a line saying how to make one.
std::string SegmentsPanelHtml(const SegmentCatalog* segments, const SourceConfig& source);

}  // namespace bankscore::service
