#include "service/segments_panel.h"

#include <cstdint>
#include <optional>

#include "report/html_document.h"
#include "report/segment_charts.h"
#include "report/svg_chart.h"
#include "service/page_layout.h"

namespace bankscore::service {
namespace {

using report::EscapeHtml;
using report::FormatCount;
using report::FormatFixed;
using report::FormatPercent;

std::string RateCell(const std::optional<double>& v, bool probability) {
  if (!v) return "n/a";
  return probability ? FormatFixed(*v, 3) : FormatPercent(*v);
}

std::string SegmentRow(const SegmentProfile& p, const std::string& name) {
  return "<tr><td class=\"num\">" + name + "</td><td class=\"num\">" + FormatCount(p.size) +
         "</td><td class=\"num\">" + FormatPercent(p.share) + "</td><td class=\"num\">" +
         RateCell(p.positive_rate, false) + "</td><td class=\"num\">" +
         RateCell(p.mean_probability, true) + "</td><td>" + EscapeHtml(p.description) +
         "</td></tr>\n";
}

std::string SegmentTable(const SegmentProfiles& profiles, const SourceConfig& source) {
  std::string html =
      "<table id=\"segments\"><thead><tr><th class=\"num\">segment</th><th class=\"num\">"
      "clients</th><th class=\"num\">share</th><th class=\"num\">positive rate</th><th "
      "class=\"num\">mean probability</th><th>description</th></tr></thead><tbody>\n";
  for (const SegmentProfile& p : profiles.segments)
    html += SegmentRow(p, std::to_string(p.segment));
  html += SegmentRow(profiles.overall, "all") + "</tbody></table>\n";
  return html + "<p class=\"muted\">Positive rate: share of the labelled clients with " +
         EscapeHtml(source.label) + " = " + EscapeHtml(source.positive_label) +
         ". Mean probability: of each client's latest prediction. Every client's segment is in " +
         "the view <code>segmented_predictions</code> and the API's answers.</p>\n";
}

std::string SegmentCharts(const SegmentCatalog& segments, const SourceConfig& source) {
  const SegmentProfiles& profiles = segments.all_profiles();
  const OutcomeName outcome{source.label, source.positive_label};
  std::string html =
      "<div class=\"figures\">" +
      RenderFigure(report::BarChart(report::SegmentSizeChart(profiles)),
                   "Share of all segmented clients per segment.") +
      RenderFigure(report::BarChart(report::SegmentRateChart(profiles, outcome, false)),
                   "The dashed line is the rate over all segmented clients.");
  if (profiles.overall.mean_probability) {
    html +=
        RenderFigure(report::BarChart(report::SegmentRateChart(profiles, outcome, true)),
                     "Mean of the latest predicted probabilities; the dashed line is all clients.");
  }
  // One flex row: the PCA picture wraps below the bars with the row gap between them.
  return html +
         RenderFigure(report::ScatterChart(report::SegmentPcaChart(segments.model())),
                      "A sample of the clients the segmentation was fitted on, on its first two "
                      "principal components; the large dots are the segment centres.") +
         "</div>\n";
}

}  // namespace

std::string SegmentsPanelHtml(const SegmentCatalog* segments, const SourceConfig& source) {
  if (segments == nullptr) {
    return "<p class=\"muted\">No customer segmentation yet: run <code>bankscore segment</code>. "
           "The service re-reads it every 30 s (bankscore serve) or after each scoring cycle "
           "(bankscore run).</p>\n";
  }
  const SegmentationModel& model = segments->model();
  return "<p>Segmentation <code id=\"segmentation-version\">" + EscapeHtml(model.version) +
         "</code>: " + std::to_string(model.k) + " segments of " +
         FormatCount(segments->all_profiles().overall.size) + " clients, fitted on " +
         FormatCount(static_cast<std::int64_t>(model.rows_fitted)) + " rows (mean silhouette " +
         FormatFixed(model.Chosen().silhouette, 3) + ").</p>\n" +
         SegmentTable(segments->all_profiles(), source) + SegmentCharts(*segments, source);
}

}  // namespace bankscore::service
