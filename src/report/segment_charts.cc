#include "report/segment_charts.h"

#include <cmath>
#include <iterator>
#include <optional>
#include <utility>

#include "report/html_document.h"

namespace bankscore::report {
namespace {

BarChartSpec SegmentBars(std::string id, std::string title, std::string axis, bool percent) {
  BarChartSpec spec;
  spec.id = std::move(id);
  spec.title = std::move(title);
  spec.width = kHalfRowChartWidth;
  spec.value_axis.label = std::move(axis);
  spec.value_axis.percent = percent;
  spec.category_label = "segment";
  return spec;
}

std::string RateText(const std::optional<double>& v, bool probability) {
  if (!v) return "n/a";
  return probability ? FormatFixed(*v, 3) : FormatPercent(*v);
}

}  // namespace

std::string SegmentColor(int segment) {
  return kGroupPalette[static_cast<std::size_t>(segment - 1) % std::size(kGroupPalette)];
}

BarChartSpec SegmentSizeChart(const SegmentProfiles& profiles) {
  BarChartSpec spec = SegmentBars("segment-sizes", "Segment sizes", "share of clients", true);
  for (const SegmentProfile& p : profiles.segments) {
    spec.bars.push_back({std::to_string(p.segment), p.share,
                         FormatPercent(p.share) + " (n = " + FormatCount(p.size) + ")"});
  }
  return spec;
}

BarChartSpec SegmentRateChart(const SegmentProfiles& profiles, const OutcomeName& outcome,
                              bool probability) {
  BarChartSpec spec =
      probability ? SegmentBars("segment-probability", "Mean predicted probability by segment",
                                "mean predicted probability", false)
                  : SegmentBars("segment-rates", "Positive rate by segment",
                                "share with " + outcome.label + " = " + outcome.positive, true);
  spec.color = kPalette[probability ? 2 : 1];
  for (const SegmentProfile& p : profiles.segments) {
    const std::optional<double>& v = probability ? p.mean_probability : p.positive_rate;
    spec.bars.push_back({std::to_string(p.segment), v.value_or(NAN), RateText(v, probability)});
  }
  const std::optional<double>& overall =
      probability ? profiles.overall.mean_probability : profiles.overall.positive_rate;
  if (overall) {
    spec.reference = VerticalMarker{*overall, "all: " + RateText(overall, probability), "#333333"};
  }
  return spec;
}

ScatterSpec SegmentPcaChart(const SegmentationModel& model) {
  const SegmentationPicture& p = model.picture;
  ScatterSpec spec;
  spec.id = "pca-scatter";
  spec.title = "Clients on the first two principal components, by segment";
  spec.layout.width = 1100;
  spec.layout.height = 620;
  const auto ratio = [&p](std::size_t i) {
    return i < p.explained_variance_ratio.size() ? FormatPercent(p.explained_variance_ratio[i])
                                                 : "n/a";
  };
  spec.x_axis.label = "PC1 (" + ratio(0) + " of the variance)";
  spec.y_axis.label = "PC2 (" + ratio(1) + ")";
  for (int s = 1; s <= model.k; ++s) {
    ScatterGroup g{"segment " + std::to_string(s), {}, {}, SegmentColor(s)};
    for (const ScatterPoint& point : p.points) {
      if (point.segment != s) continue;
      g.x.push_back(point.x);
      g.y.push_back(point.y);
    }
    spec.groups.push_back(std::move(g));
  }
  for (std::size_t s = 0; s < p.centroids.size(); ++s) {
    spec.centres.push_back({p.centroids[s].first, p.centroids[s].second, std::to_string(s + 1)});
  }
  return spec;
}

}  // namespace bankscore::report
