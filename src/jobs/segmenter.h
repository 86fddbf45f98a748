// Customer segmentation over the Database interface: `bankscore segment` and the daemon's
// assignment of new rows.
//
// SegmentCustomers fits a segmentation on a sample of the source table (segment_sample.h,
// model/segmentation.h), stores it and makes it current (a version already stored is not stored
// twice), assigns every source row that has no segment in that version, and rewrites its
// profiles. With `assign_only` it fits nothing: it assigns the current segmentation's new rows.
//
// Assignment is exactly once per version: rows are read `scoring.batch_size` at a time by key
// (Database::ReadUnsegmented, keyset pagination, so memory stays at one batch however large the
// table), and each batch is written in one transaction whose INSERT skips a (key, version)
// already present. A crash loses at most the batch in flight, which the next run assigns; a
// rerun adds nothing. Throws DataError (no rows, too few rows, missing columns), ModelError (a
// stored segmentation that cannot be read), ConfigError (assign_only without a segmentation;
// segmentation tables that serve another source) and DatabaseError.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "bankscore/config.h"
#include "bankscore/database.h"
#include "model/segment_profile.h"
#include "model/segmentation.h"

namespace spdlog {
class logger;
}

namespace bankscore {

struct SegmentOptions {
  std::optional<int> k;      // overrides segmentation.k
  bool assign_only = false;  // --assign: no fit; new rows of the current segmentation only
};

struct SegmentRunSummary {
  SegmentationModel model;
  std::string fitted_at;         // when the version was first stored
  bool new_version = false;      // this run stored the version
  std::int64_t sample_rows = 0;  // rows fitted on (0 with assign_only)
  std::int64_t rows_assigned = 0;
  std::int64_t batches = 0;  // write transactions
  SegmentProfiles profiles;
  std::chrono::milliseconds fit_time{0};
  std::chrono::milliseconds assign_time{0};
  std::chrono::milliseconds profile_time{0};
};

SegmentRunSummary SegmentCustomers(Database& db, const Config& config,
                                   const SegmentOptions& options, spdlog::logger& log);

// What one assignment pass did.
struct AssignResult {
  std::int64_t rows_assigned = 0;
  std::int64_t batches = 0;
};

// Assigns the source rows without a segment in `model`'s version, batch by batch.
AssignResult AssignSegments(Database& db, const Config& config, const SegmentationModel& model,
                            spdlog::logger& log);

// Recomputes the profiles of `model`'s version from the database and stores them.
SegmentProfiles RefreshSegmentProfiles(Database& db, const Config& config,
                                       const SegmentationModel& model);

// The current segmentation, read back and checked against its version and source; nullopt when
// there is none. Throws ModelError when the stored model does not hash to its version, and
// ConfigError when it segments another source than config's (source.table and source.key).
std::optional<SegmentationModel> LoadCurrentSegmentation(Database& db, const Config& config,
                                                         std::string* fitted_at);

// The daemon's step after a scoring cycle (segmentation.assign_on_run): assigns new rows of the
// current segmentation, and refreshes its profiles when rows were assigned or
// `predictions_changed` (their mean probabilities move). Returns the rows assigned; 0 (and a log
// line) when there is no segmentation yet.
std::int64_t AssignNewRowsAfterScoring(Database& db, const Config& config, bool predictions_changed,
                                       spdlog::logger& log);

}  // namespace bankscore
