// bankscore segment: fit (or, with --assign, reuse) the customer segmentation, assign every row
// without a segment, and print and optionally render what the segments are.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "bankscore/commands.h"
#include "bankscore/database.h"
#include "bankscore/error.h"
#include "common/clock.h"
#include "jobs/segmenter.h"
#include "report/html_document.h"
#include "report/segments_report.h"

namespace bankscore {
namespace {

std::string Rate(const std::optional<double>& v, bool percent) {
  if (!v) return "n/a";
  return percent ? fmt::format("{:.1f}%", 100 * *v) : fmt::format("{:.3f}", *v);
}

void PrintCandidates(std::ostream& out, const SegmentationModel& m) {
  out << "  k   inertia       mean silhouette\n";
  for (const KCandidate& c : m.candidates) {
    out << fmt::format("  {:<3} {:<13.1f} {:.4f}{}\n", c.k, c.inertia, c.silhouette,
                       c.k == m.k ? "  <- chosen" : "");
  }
}

void PrintSegments(std::ostream& out, const SegmentProfiles& profiles) {
  out << "  segment  clients   share     pos. rate  mean prob.  description\n";
  for (const SegmentProfile& p : profiles.segments) {
    out << fmt::format("  {:<8} {:>7} {:>6.1f}%  {:>12}  {:>10}  {}\n", p.segment, p.size,
                       100 * p.share, Rate(p.positive_rate, true), Rate(p.mean_probability, false),
                       p.description);
  }
}

void PrintSummary(const CommandContext& ctx, const SegmentRunSummary& s, bool assign_only) {
  const SegmentationModel& m = s.model;
  const auto seconds = [](std::chrono::milliseconds d) { return d.count() / 1000.0; };
  if (!assign_only) {
    ctx.out << fmt::format("segmentation {} ({}): {} segments, {}, fitted on {} rows in {:.2f} s\n",
                           m.version, s.new_version ? "new" : "already stored, now current", m.k,
                           m.k_auto ? "k chosen by the best mean silhouette" : "k fixed",
                           s.sample_rows, seconds(s.fit_time));
    PrintCandidates(ctx.out, m);
  } else {
    ctx.out << fmt::format("segmentation {} (current, fitted {}): {} segments\n", m.version,
                           s.fitted_at, m.k);
  }
  ctx.out << fmt::format(
      "assigned {} rows without a segment in {} batches ({:.2f} s); profiles of {} rows "
      "({:.2f} s)\n",
      s.rows_assigned, s.batches, seconds(s.assign_time), s.profiles.overall.size,
      seconds(s.profile_time));
  PrintSegments(ctx.out, s.profiles);
}

void WriteReport(const CommandContext& ctx, const SegmentRunSummary& s,
                 const std::string& out_dir) {
  const Config& config = ctx.config;
  SegmentsReportInput in{s.model,
                         s.profiles,
                         config.source.table,
                         config.source.label,
                         config.source.positive_label,
                         config.report,
                         s.fitted_at,
                         UtcTimestamp(),
                         config.segmentation.table,
                         config.segmentation.profiles_table,
                         config.segmentation.view};
  const RenderedReport rendered = RenderSegmentsReport(in);
  report::WriteReportFile(out_dir, "segments.html", rendered.html);
  report::WriteReportFile(out_dir, "segments.md", rendered.markdown);
  ctx.out << "wrote " << out_dir << "/segments.html and " << out_dir << "/segments.md\n";
}

}  // namespace

int SegmentCommand(const CommandContext& ctx, std::optional<int> k, const std::string& out_dir,
                   bool assign) {
  if (k && assign) {
    throw ConfigError(
        "--k cannot be combined with --assign, which keeps the current "
        "segmentation (and its k)");
  }
  if (k && (*k < 2 || *k > 100)) {
    throw ConfigError("--k: must be an integer between 2 and 100, got " + std::to_string(*k));
  }
  if (!out_dir.empty()) report::PrepareOutputDirectory(out_dir);
  auto db = OpenDatabase(ctx.config, ctx.log);
  const SegmentRunSummary summary = SegmentCustomers(*db, ctx.config, {k, assign}, ctx.log);
  PrintSummary(ctx, summary, assign);
  if (!out_dir.empty()) WriteReport(ctx, summary, out_dir);
  return 0;
}

}  // namespace bankscore
