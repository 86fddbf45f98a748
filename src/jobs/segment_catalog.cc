#include "jobs/segment_catalog.h"

#include "jobs/segmenter.h"

namespace bankscore {
namespace {

// Size, positive rate and mean probability of all segments together, weighted by the rows each
// rate is over.
SegmentProfile Overall(const std::vector<SegmentProfile>& segments) {
  SegmentProfile all;
  all.share = 1.0;
  double positives = 0, probability_sum = 0;
  for (const SegmentProfile& p : segments) {
    all.size += p.size;
    all.labelled += p.labelled;
    all.predicted += p.predicted;
    positives += p.positive_rate.value_or(0) * static_cast<double>(p.labelled);
    probability_sum += p.mean_probability.value_or(0) * static_cast<double>(p.predicted);
  }
  if (all.labelled > 0) all.positive_rate = positives / static_cast<double>(all.labelled);
  if (all.predicted > 0)
    all.mean_probability = probability_sum / static_cast<double>(all.predicted);
  return all;
}

}  // namespace

std::optional<SegmentCatalog> SegmentCatalog::Load(Database& db, const Config& config) {
  if (!db.TableExists(config.segmentation.models_table)) return std::nullopt;
  const std::optional<SegmentationModel> model = LoadCurrentSegmentation(db, config, nullptr);
  if (!model) return std::nullopt;
  SegmentCatalog catalog;
  catalog.model_ = *model;
  const std::vector<SegmentProfileRow> rows = db.ReadSegmentProfiles(model->version);
  for (int segment = 1; segment <= model->k; ++segment) {
    SegmentProfile profile;
    profile.segment = segment;
    for (const SegmentProfileRow& row : rows) {
      if (row.segment == segment) profile = FromRow(row);
    }
    catalog.profiles_.segments.push_back(std::move(profile));
  }
  catalog.profiles_.overall = Overall(catalog.profiles_.segments);
  return catalog;
}

std::string SegmentCatalog::Description(int segment) const {
  if (segment < 1 || segment > static_cast<int>(profiles_.segments.size())) return "";
  return profiles_.segments[static_cast<std::size_t>(segment - 1)].description;
}

std::vector<ClientSegment> SegmentCatalog::Lookup(Database& db,
                                                  const std::vector<std::int64_t>& keys) const {
  std::vector<ClientSegment> out;
  for (const SegmentAssignment& a : db.FindSegments(model_.version, keys)) {
    out.push_back({a.key, a.segment, a.distance, Description(a.segment)});
  }
  return out;
}

ClientSegment SegmentCatalog::Classify(const std::vector<std::string>& columns,
                                       const std::vector<Value>& row) const {
  std::vector<int> segments;
  std::vector<double> distances;
  model_.Assign(columns, {row}, segments, distances);
  return {0, segments.front(), distances.front(), Description(segments.front())};
}

}  // namespace bankscore
