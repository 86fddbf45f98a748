// Internal: retention, `bankscore prune --keep-versions N` (issue 15). The results of every model
// version except the N newest and the current one are removed from the predictions, reasons and
// rejected tables (Database::PruneVersion: partitions dropped where the tables are partitioned,
// the rest deleted in short transactions of a key range each), and each removal is recorded in
// results.prunes_table. Runs (results.runs_table) are kept: they are the history.
//
// "Newest" is by a version's first score run in these results tables (the highest first run id
// is the newest), not by the model registry: the results database is what is pruned, it is the
// same for every host that scores into it, and it knows versions whose registry is elsewhere or
// was pruned already. The current version (model.path's `current`) is always kept, also after a
// rollback made an older version current again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bankscore/database.h"

namespace spdlog {
class logger;
}

namespace bankscore {

struct PruneOptions {
  std::int64_t keep_versions = 0;  // N >= 1; ConfigError otherwise
  std::string current_version;     // never pruned
  bool dry_run = false;            // plan and report only
  // Source keys per delete transaction: at most this many predictions and rejections (and
  // scoring.explain_top times as many reasons) per transaction.
  std::int64_t batch_keys = 10000;
};

// Which versions stay and which go, from Database::StoredVersions (oldest first).
struct PrunePlan {
  std::vector<std::string> kept;        // newest first; the current one last if it is older
  std::vector<StoredVersion> to_prune;  // oldest first, with their row counts; only versions
                                        // that still have rows
};

// Throws ConfigError unless options.keep_versions >= 1.
PrunePlan PlanPrune(const std::vector<StoredVersion>& versions, const PruneOptions& options);

// One version's removal.
struct PrunedVersion {
  std::string model_version;
  PruneResult removed;
};

struct PruneSummary {
  PrunePlan plan;
  std::vector<PrunedVersion> pruned;  // empty for a dry run
};

// Plans and, unless options.dry_run, prunes each version oldest first; logs every version.
// Throws ConfigError (keep_versions) and DatabaseError.
PruneSummary PruneOldVersions(Database& db, const PruneOptions& options, spdlog::logger& log);

// "v3, v2": the kept versions as PruneVersion records them.
std::string DescribeKept(const PrunePlan& plan);

}  // namespace bankscore
