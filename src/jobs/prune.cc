#include "jobs/prune.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "bankscore/error.h"
#include "common/text.h"

namespace bankscore {

PrunePlan PlanPrune(const std::vector<StoredVersion>& versions, const PruneOptions& options) {
  if (options.keep_versions < 1) {
    throw ConfigError("--keep-versions must be at least 1, got " +
                      std::to_string(options.keep_versions) +
                      " (the current model version is always kept as well)");
  }
  PrunePlan plan;
  // `versions` is oldest first: walk it newest first.
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    const bool newest = static_cast<std::int64_t>(plan.kept.size()) < options.keep_versions;
    if (newest || it->model_version == options.current_version) {
      plan.kept.push_back(it->model_version);
    } else if (it->predictions + it->reasons + it->rejections > 0) {
      plan.to_prune.insert(plan.to_prune.begin(), *it);
    }
  }
  // The current version may not have results yet; it is kept all the same.
  if (std::find(plan.kept.begin(), plan.kept.end(), options.current_version) == plan.kept.end()) {
    plan.kept.push_back(options.current_version);
  }
  return plan;
}

std::string DescribeKept(const PrunePlan& plan) { return Join(plan.kept); }

PruneSummary PruneOldVersions(Database& db, const PruneOptions& options, spdlog::logger& log) {
  PruneSummary summary;
  summary.plan = PlanPrune(db.StoredVersions(), options);
  if (options.dry_run) return summary;
  const std::string kept = DescribeKept(summary.plan);
  for (const StoredVersion& version : summary.plan.to_prune) {
    const PruneResult removed = db.PruneVersion(version.model_version, options.batch_keys, kept);
    log.info("pruned model version {}: {} predictions, {} reasons, {} rejections removed{}",
             version.model_version, removed.predictions, removed.reasons, removed.rejections,
             removed.dropped_partitions ? " (partitions dropped)" : "");
    summary.pruned.push_back({version.model_version, removed});
  }
  return summary;
}

}  // namespace bankscore
