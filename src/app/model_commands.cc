// The model registry's commands (`models list|promote|rollback|prune`) and what `train` does with
// a new model: keep it as a version, and make it current if the quality gate lets it.
#include "app/model_commands.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

#include "app/text_table.h"
#include "bankscore/error.h"
#include "common/text.h"
#include "model/promotion_gate.h"

namespace bankscore {
namespace {

// Throws ConfigError, naming why, when `version` cannot score the config's source: trained on
// another table or other feature columns. Loading it also checks the bundle is whole.
void CheckVersionFitsSource(const ModelRegistry& registry, const std::string& version,
                            const Config& config) {
  if (!registry.Has(version)) {
    throw ModelError("no model version " + version + " in " + registry.root().string() +
                     "/versions (see bankscore models list)");
  }
  const std::string dir = registry.VersionDirectory(version).string();
  const ModelBundle bundle = LoadBundle(dir);
  if (bundle.metadata.source_table != config.source.table) {
    throw ConfigError("source.table: model version " + version + " was trained on table '" +
                      bundle.metadata.source_table + "' but the config's source is '" +
                      config.source.table + "'; it cannot be made current");
  }
  CheckBundleMatchesSource(bundle, config.source, dir);
}

std::string Figure(const nlohmann::json& metrics, const char* name) {
  const auto it = metrics.find(name);
  return it != metrics.end() && it->is_number() ? fmt::format("{:.4f}", it->get<double>()) : "-";
}

// One line of `models list`.
std::vector<std::string> ListRow(const VersionEntry& entry) {
  const ModelMetadata& m = entry.metadata;
  if (!entry.problem.empty()) {
    return {entry.current ? "*" : "", EscapeControl(m.version), "unreadable", "", "", "", "", ""};
  }
  const std::int64_t rows = m.original_training_rows + m.validation_rows + m.test_rows;
  return {entry.current ? "*" : "",          EscapeControl(m.version),
          EscapeControl(m.created_at),       std::to_string(rows),
          Figure(m.test_metrics, "roc_auc"), Figure(m.test_metrics, "pr_auc"),
          Figure(m.test_metrics, "f1"),      fmt::format("{:.4f}", m.threshold)};
}

// Says that no version is kept: none at all, or one bundle in the layout before versions.
void PrintNoVersions(const CommandContext& ctx, const ModelRegistry& registry) {
  const std::string root = registry.root().string();
  try {
    const ModelMetadata m = LoadBundleMetadata(ResolveModelDirectory(root));
    ctx.out << fmt::format(
        "{} holds one model, {} (trained {}), in the layout before versions; the next train, "
        "promote, rollback or prune moves it into {}/versions\n",
        root, EscapeControl(m.version), EscapeControl(m.created_at), root);
  } catch (const ModelError&) {
    ctx.out << "no model versions in " << root << " yet (train one: bankscore train --config "
            << ctx.config.file << ")\n";
  }
}

std::string PreviousText(const std::optional<std::string>& previous) {
  return previous ? " (was " + *previous + ")" : "";
}

}  // namespace

void MigrateLegacyModel(const CommandContext& ctx, ModelRegistry& registry) {
  if (const std::optional<std::string> version = registry.MigrateLegacyLayout()) {
    ctx.out << fmt::format("moved model {} into {}/versions/ (model versions); it stays current\n",
                           *version, registry.root().string());
  }
}

std::optional<ModelBundle> LoadCurrentForComparison(const CommandContext& ctx,
                                                    const ModelRegistry& registry) {
  const std::optional<std::string> current = registry.CurrentVersion();
  if (!current) return std::nullopt;
  try {
    return LoadBundle(registry.VersionDirectory(*current).string());
  } catch (const ModelError& e) {
    ctx.log.warn(
        "the current model {} cannot be loaded, so the new model cannot be compared "
        "with it: {}",
        *current, e.what());
    return std::nullopt;
  }
}

int KeepTrainedModel(const CommandContext& ctx, ModelRegistry& registry, ModelBundle bundle,
                     bool force_promote) {
  const std::optional<std::string> current = registry.CurrentVersion();
  ModelMetadata& m = bundle.metadata;
  if (const std::optional<std::string> same = registry.FindIdentical(m)) {
    if (same == current) {
      ctx.out << fmt::format(
          "identical in content to the current version {}: no new version, nothing to score "
          "again\n",
          *same);
      return 0;
    }
    ctx.out << fmt::format("identical in content to kept version {}: no new version\n", *same);
    m.version = *same;  // the gate decides about the kept version
  } else {
    registry.Add(bundle);
    ctx.out << fmt::format("saved as {}\n", registry.VersionDirectory(m.version).string());
  }
  const PromotionDecision decision =
      DecidePromotion(m, current, ctx.config.training, force_promote);
  if (!decision.promote) {
    ctx.out << fmt::format(
        "model {} kept as a candidate, not current: {}; to use it anyway: bankscore models "
        "promote {} (or train --promote)\n",
        m.version, decision.reason, m.version);
    return kExitNotPromoted;
  }
  registry.Promote(m.version);
  ctx.out << fmt::format("model {} is now current: {}\n", m.version, decision.reason);
  return 0;
}

int ModelsListCommand(const CommandContext& ctx) {
  const ModelRegistry registry(ctx.config.model.path);
  const std::vector<VersionEntry> entries = registry.List();
  if (entries.empty()) {
    PrintNoVersions(ctx, registry);
    return 0;
  }
  ctx.out << "model versions in " << registry.root().string()
          << " (test split figures; * is current):\n";
  std::vector<std::vector<std::string>> rows;
  for (const VersionEntry& entry : entries) rows.push_back(ListRow(entry));
  PrintTextTable(ctx.out,
                 {"", "version", "created", "rows", "ROC AUC", "PR AUC", "F1", "threshold"}, rows);
  for (const VersionEntry& entry : entries) {
    if (!entry.problem.empty()) ctx.out << "  " << EscapeControl(entry.problem) << "\n";
  }
  return 0;
}

int ModelsPromoteCommand(const CommandContext& ctx, const std::string& version) {
  ValidateVersionName(version);
  ModelRegistry registry(ctx.config.model.path);
  MigrateLegacyModel(ctx, registry);
  CheckVersionFitsSource(registry, version, ctx.config);
  const std::optional<std::string> previous = registry.CurrentVersion();
  if (previous == version) {
    ctx.out << "model " << version << " is already current\n";
    return 0;
  }
  registry.Promote(version);
  ctx.out << fmt::format(
      "model {} is now current{}; the next scoring run scores the rows it has not scored\n",
      version, PreviousText(previous));
  return 0;
}

int ModelsRollbackCommand(const CommandContext& ctx) {
  ModelRegistry registry(ctx.config.model.path);
  MigrateLegacyModel(ctx, registry);
  const std::optional<std::string> previous = registry.CurrentVersion();
  const std::string version = registry.Rollback(
      [&](const std::string& v) { CheckVersionFitsSource(registry, v, ctx.config); });
  ctx.out << fmt::format(
      "rolled back: model {} is current again{}; the next scoring run scores the rows it has "
      "not scored\n",
      version, PreviousText(previous));
  return 0;
}

int ModelsPruneCommand(const CommandContext& ctx, std::size_t keep) {
  ModelRegistry registry(ctx.config.model.path);
  MigrateLegacyModel(ctx, registry);
  const std::vector<std::string> removed = registry.Prune(keep);
  const std::size_t left = registry.List().size();
  if (removed.empty()) {
    ctx.out << fmt::format("nothing to remove: {} version(s) kept in {}/versions\n", left,
                           registry.root().string());
    return 0;
  }
  ctx.out << fmt::format("removed {} version(s): {}; {} kept (the current one among them)\n",
                         removed.size(), Join(removed), left);
  return 0;
}

}  // namespace bankscore
