// bankscore prune --keep-versions N [--dry-run]: removes the results of old model versions
// (jobs/prune.h), prints what went and what stayed.

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "app/scorer_lock_wait.h"
#include "app/text_table.h"
#include "bankscore/commands.h"
#include "bankscore/database.h"
#include "common/text.h"
#include "jobs/prune.h"
#include "model/bundle.h"
#include "model/registry.h"

namespace bankscore {
namespace {

std::string Counts(std::int64_t predictions, std::int64_t reasons, std::int64_t rejections) {
  return fmt::format("{} predictions, {} reasons, {} rejections", predictions, reasons, rejections);
}

void PrintPlan(const CommandContext& ctx, const std::vector<StoredVersion>& versions,
               const PrunePlan& plan, const std::string& current) {
  std::vector<std::vector<std::string>> rows;
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    const bool kept =
        std::find(plan.kept.begin(), plan.kept.end(), it->model_version) != plan.kept.end();
    const bool empty = it->predictions + it->reasons + it->rejections == 0;
    rows.push_back({EscapeControl(it->model_version),
                    it->first_run_id ? std::to_string(it->first_run_id) : "-",
                    std::to_string(it->predictions), std::to_string(it->reasons),
                    std::to_string(it->rejections),
                    it->model_version == current ? "keep (current)"
                    : kept                       ? "keep"
                    : empty                      ? "- (pruned before)"
                                                 : "prune"});
  }
  PrintTextTable(ctx.out,
                 {"model version", "first run", "predictions", "reasons", "rejections", "action"},
                 rows);
}

}  // namespace

int PruneCommand(const CommandContext& ctx, std::int64_t keep_versions, bool dry_run) {
  PruneOptions options;
  options.keep_versions = keep_versions;
  options.dry_run = dry_run;
  PlanPrune({}, options);  // N >= 1 before anything is read
  // The version model.path's `current` names: never pruned, whatever N.
  options.current_version =
      LoadBundleMetadata(ResolveModelDirectory(ctx.config.model.path)).version;
  auto db = OpenDatabase(ctx.config, ctx.log);
  db->EnsureResultsSchema();
  // A scorer still running an old version would write its rows again behind the prune: wait for
  // it, as relabel does (a dry run changes nothing and waits for nobody).
  std::unique_ptr<ScorerLock> lock;
  if (!dry_run) lock = WaitForScorerLock(*db, "prune");
  const std::vector<StoredVersion> versions = db->StoredVersions();
  const PruneSummary summary = PruneOldVersions(*db, options, ctx.log);
  PrintPlan(ctx, versions, summary.plan, options.current_version);
  if (summary.plan.to_prune.empty()) {
    ctx.out << "nothing to prune: kept " << EscapeControl(DescribeKept(summary.plan)) << "\n";
    return 0;
  }
  if (dry_run) {
    for (const StoredVersion& v : summary.plan.to_prune) {
      ctx.out << "would remove model version " << EscapeControl(v.model_version) << ": "
              << Counts(v.predictions, v.reasons, v.rejections) << "\n";
    }
    ctx.out << "dry run: nothing removed\n";
    return 0;
  }
  for (const PrunedVersion& p : summary.pruned) {
    ctx.out << "removed model version " << EscapeControl(p.model_version) << ": "
            << Counts(p.removed.predictions, p.removed.reasons, p.removed.rejections)
            << (p.removed.dropped_partitions ? " (partitions dropped)" : "") << "\n";
  }
  ctx.out << "kept " << EscapeControl(DescribeKept(summary.plan)) << "; recorded in "
          << ctx.config.results.prunes_table << "\n";
  return 0;
}

}  // namespace bankscore
