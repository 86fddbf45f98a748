// The analyst report commands: gather a TableProfile or a ModelReportInput and render it.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "bankscore/commands.h"
#include "bankscore/database.h"
#include "bankscore/error.h"
#include "common/clock.h"
#include "ingest/source_check.h"
#include "model/bundle.h"
#include "model/registry.h"
#include "model/shap_summary.h"
#include "report/html_document.h"
#include "report/model_report.h"
#include "report/profile.h"

namespace bankscore {

int ProfileCommand(const CommandContext& ctx, const std::string& out_dir) {
  report::PrepareOutputDirectory(out_dir);
  const Config& config = ctx.config;
  auto db = OpenDatabase(config, ctx.log);
  ValidateSourceTable(*db, config);

  std::vector<std::string> others;
  for (const std::string& c : db->TableColumns(config.source.table)) {
    if (c != config.source.key) others.push_back(c);
  }
  std::vector<std::string> columns = {config.source.key};
  columns.insert(columns.end(), others.begin(), others.end());
  TableProfiler profiler(ProfileOptionsFromConfig(config), columns);
  db->ScanTable(config.source.table, config.source.key, others, std::nullopt,
                config.scoring.batch_size, [&profiler](const RowBatch& b) { profiler.Add(b); });
  const TableProfile profile = profiler.Finish();

  ReportStamp stamp;
  stamp.generated_at = UtcTimestamp();
  stamp.report = config.report;
  try {
    const ModelBundle bundle = LoadBundle(ResolveModelDirectory(config.model.path));
    stamp.model_version = bundle.metadata.version;
    stamp.model_created_at = bundle.metadata.created_at;
  } catch (const ModelError& e) {
    ctx.log.debug("profile: no model shown ({})", e.what());
  }
  const RenderedReport rendered = RenderProfile(profile, stamp);
  report::WriteReportFile(out_dir, "profile.html", rendered.html);
  report::WriteReportFile(out_dir, "profile.md", rendered.markdown);
  ctx.log.info("profiled {} rows of {} ({} columns)", profile.rows, config.source.table,
               profile.columns.size());
  ctx.out << "wrote " << out_dir << "/profile.html and " << out_dir << "/profile.md ("
          << profile.rows << " rows, " << profile.columns.size() << " columns)\n";
  return 0;
}

int ReportCommand(const CommandContext& ctx, const std::string& out_dir) {
  const Config& config = ctx.config;
  const std::string model_dir = ResolveModelDirectory(config.model.path);
  ModelBundle bundle = LoadBundle(model_dir);
  CheckBundleMatchesSource(bundle, config.source, model_dir);
  report::PrepareOutputDirectory(out_dir);

  ModelReportInput in;
  in.threshold = EffectiveDecision(bundle, config.scoring).threshold;
  in.threshold_from_config = config.scoring.threshold.has_value();
  in.generated_at = UtcTimestamp();
  in.report = config.report;
  const std::vector<std::string>& names = bundle.encoder.output_names();
  const std::map<int, double> gain = bundle.booster.FeatureImportance("gain");
  const std::map<int, double> total = bundle.booster.FeatureImportance("total_gain");
  for (const auto& [index, value] : gain) {
    FeatureImportanceEntry e;
    e.feature = index >= 0 && static_cast<std::size_t>(index) < names.size()
                    ? names[static_cast<std::size_t>(index)]
                    : "f" + std::to_string(index);
    e.gain = value;
    auto it = total.find(index);
    e.total_gain = it != total.end() ? it->second : 0.0;
    in.importance.push_back(std::move(e));
  }
  if (const auto it = bundle.metadata.extra.find("shap_importance");
      it != bundle.metadata.extra.end() && it->is_array()) {
    for (const auto& c : *it) {
      in.shap_importance.push_back(
          {c.value("column", std::string()), c.value("mean_abs_shap", 0.0)});
    }
  }
  if (const auto it = bundle.metadata.extra.find("shap_summary");
      it != bundle.metadata.extra.end()) {
    try {
      in.shap_summary = ShapSummaryFromJson(*it);
    } catch (const ModelError& e) {  // the rest of the report is still worth having
      ctx.log.warn("report: SHAP summary chart left out: {}", e.what());
    }
  }
  in.metadata = std::move(bundle.metadata);
  in.validation = std::move(bundle.validation);
  in.test = std::move(bundle.test);

  const RenderedReport rendered = RenderModelReport(in);
  report::WriteReportFile(out_dir, "report.html", rendered.html);
  report::WriteReportFile(out_dir, "report.md", rendered.markdown);
  ctx.log.info("model report for {} written to {}", in.metadata.version, out_dir);
  ctx.out << "wrote " << out_dir << "/report.html and " << out_dir << "/report.md (model "
          << in.metadata.version << ", threshold " << fmt::format("{:.4f}", in.threshold) << ")\n";
  return 0;
}

}  // namespace bankscore
