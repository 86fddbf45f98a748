// Internal: segment profiles, what each segment of a segmentation is like, and its one-line
// description (bankscore segment's table, report and lookups).
//
// BuildProfiles turns the per-segment aggregates the database computes (SegmentStats) into
// profiles: size and share, subscription (positive-label) rate where labels exist, mean predicted
// probability where predictions exist, each numeric column's mean and each categorical column's
// top category. The description names the segment's most distinctive traits, at most three:
//   - a numeric column whose segment mean is at least half a standard deviation (of the fitting
//     sample) from the overall mean: "age high (61 vs 40)";
//   - a category over-represented by at least half the standard deviation of its indicator,
//     sqrt(p (1 - p)), and held by at least 15% of the segment: "job retired (58% vs 4%)";
// ranked by that standardised difference (one trait per column), then the outcome:
// "job retired (58% vs 4%), age high (61 vs 40): 47% y = yes, mean probability 0.41".
// Pure functions of their input; they do not throw for empty segments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bankscore/database.h"
#include "model/segmentation.h"

namespace bankscore {

struct NumericProfile {
  std::string column;
  std::optional<double> mean;  // nullopt: no numeric value in the segment
  std::int64_t count = 0;
};

struct CategoryProfile {
  std::string column;
  std::string top;     // the most frequent value ("" when every cell is NULL)
  double share = 0;    // of the segment's rows
  double overall = 0;  // the same value's share of all assigned rows
};

struct SegmentProfile {
  int segment = 0;  // 0 for the overall profile
  std::int64_t size = 0;
  double share = 0;
  std::int64_t labelled = 0;
  std::optional<double> positive_rate;
  std::int64_t predicted = 0;
  std::optional<double> mean_probability;
  std::vector<NumericProfile> numeric;
  std::vector<CategoryProfile> categorical;
  std::vector<std::string> traits;  // the distinctive traits, strongest first
  std::string description;
};

struct SegmentProfiles {
  SegmentProfile overall;                // every assigned row
  std::vector<SegmentProfile> segments;  // segment 1..k, in order (empty segments included)
};

// How the outcome is named in descriptions: "y = yes".
struct OutcomeName {
  std::string label;
  std::string positive;
};

// Profiles of segments 1..model.k from `stats` (which may lack empty segments).
SegmentProfiles BuildProfiles(const std::vector<SegmentStats>& stats,
                              const SegmentationModel& model, const OutcomeName& outcome);

// As stored in segmentation.profiles_table, and back (the JSON holds the column profiles and
// traits). FromRow throws ModelError for malformed JSON.
SegmentProfileRow ToRow(const SegmentProfile& profile);
SegmentProfile FromRow(const SegmentProfileRow& row);

}  // namespace bankscore
