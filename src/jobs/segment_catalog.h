// SegmentCatalog: the current segmentation as the service layer shows it, a client's segment and
// its one-line description (for GET /v1/clients/{key}, POST /v1/score and the dashboard).
//
// Load reads the current segmentation and its profiles once; the catalog is then a plain value
// the service keeps until it reloads (a new `bankscore segment` makes another version current).
// Lookup asks the database for stored segments, one query for a whole list of keys; Classify
// computes the segment of a row that is not stored (a client scored on the fly) with the stored
// centroids, exactly as an assignment would, and writes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/database.h"
#include "model/segment_profile.h"
#include "model/segmentation.h"

namespace bankscore {

struct ClientSegment {
  std::int64_t key = 0;  // 0 for Classify
  int segment = 0;       // 1..k
  double distance = 0;   // to the segment's centroid
  std::string description;
};

class SegmentCatalog {
 public:
  // nullopt when no segmentation exists (or its tables do not). Throws ModelError for a stored
  // segmentation that cannot be read, ConfigError for one of another source, DatabaseError.
  static std::optional<SegmentCatalog> Load(Database& db, const Config& config);

  const std::string& version() const { return model_.version; }
  const SegmentationModel& model() const { return model_; }
  // Segments 1..k in order (sizes, rates, descriptions: the dashboard's panel).
  const std::vector<SegmentProfile>& profiles() const { return profiles_.segments; }
  // The same with the overall profile (size, positive rate and mean probability of all segmented
  // clients, from the segments' own figures; no column profiles), as the charts take them.
  const SegmentProfiles& all_profiles() const { return profiles_; }
  // The description of segment 1..k ("" when out of range).
  std::string Description(int segment) const;

  // The stored segments of those of `keys` that have one, in key order.
  std::vector<ClientSegment> Lookup(Database& db, const std::vector<std::int64_t>& keys) const;
  // The segment of one row, cells named by `columns` (which must include the model's columns).
  // Throws DataError for a missing column.
  ClientSegment Classify(const std::vector<std::string>& columns,
                         const std::vector<Value>& row) const;

 private:
  SegmentationModel model_;
  SegmentProfiles profiles_;
};

}  // namespace bankscore
