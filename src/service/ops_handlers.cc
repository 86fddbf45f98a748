#include "service/ops_handlers.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "service/json_response.h"
#include "service/prometheus_text.h"

namespace bankscore::service {
namespace {

using Type = PrometheusText::Type;

double UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// What /metrics reads from the runs table; `ok` is false when the database did not answer.
struct RunFigures {
  bool ok = false;
  std::vector<RunTotals> totals;
  std::optional<RunInfo> last_finished_score;  // the newest finished score run
};

RunFigures ReadRunFigures(ServiceContext& ctx) {
  RunFigures figures;
  try {
    ctx.db.Use([&](Database& db) {
      if (!db.TableExists(ctx.config.results.runs_table)) return 0;  // no run yet
      figures.totals = db.TotalsByRunStatus();
      for (const RunInfo& run : db.RecentRuns(20)) {
        if (run.kind == "score" && run.duration_seconds) {
          figures.last_finished_score = run;
          break;
        }
      }
      return 0;
    });
    figures.ok = true;
  } catch (const DatabaseError&) {
    figures.ok = false;  // reported as bankscore_database_up 0; /readyz says why
  }
  return figures;
}

void WriteModel(PrometheusText& out, const ServingSnapshot& snapshot) {
  out.Family("bankscore_model_loaded", Type::kGauge, "1 when a model is loaded and served.");
  out.Sample({}, snapshot.model ? 1 : 0);
  out.Family("bankscore_model_info", Type::kGauge,
             "The model being served, as labels; the value is always 1.");
  if (snapshot.model) {
    out.Sample({{"version", snapshot.model->metadata.version},
                {"threshold_source", snapshot.threshold_from_config ? "config" : "model"}},
               1);
  }
  out.Family("bankscore_model_threshold", Type::kGauge,
             "The decision threshold in force: label 1 when probability >= threshold.");
  if (snapshot.model) out.Sample({}, snapshot.decision.threshold);
}

void WriteRuns(PrometheusText& out, const RunFigures& figures) {
  out.Family("bankscore_runs", Type::kGauge,
             "Runs in the runs table by kind and status (a run moves from running to its end "
             "status).");
  std::int64_t scored = 0, rejected = 0, positive = 0;
  std::optional<double> last_success;
  for (const RunTotals& t : figures.totals) {
    out.Sample({{"kind", t.kind}, {"status", t.status}}, static_cast<double>(t.runs));
    if (t.kind != "score") continue;  // a relabel's rows were counted by the run that scored them
    scored += t.rows_scored;
    rejected += t.rows_rejected;
    positive += t.rows_positive;
    if (t.status == "succeeded") last_success = t.last_finished_unix;
  }
  out.Family("bankscore_rows_scored_total", Type::kCounter, "Rows scored by all score runs.");
  out.Sample({}, static_cast<double>(scored));
  out.Family("bankscore_rows_rejected_total", Type::kCounter,
             "Rows rejected (not scorable) by all score runs.");
  out.Sample({}, static_cast<double>(rejected));
  out.Family("bankscore_rows_positive_total", Type::kCounter,
             "Rows labelled positive when scored, by all score runs.");
  out.Sample({}, static_cast<double>(positive));
  out.Family("bankscore_last_success_timestamp_seconds", Type::kGauge,
             "When the latest successful score run finished (Unix time).");
  if (last_success) out.Sample({}, *last_success);
  out.Family("bankscore_last_run_duration_seconds", Type::kGauge,
             "Duration of the latest finished score run.");
  if (figures.last_finished_score) out.Sample({}, *figures.last_finished_score->duration_seconds);
}

}  // namespace

HttpResponse HandleHealthz(ServiceContext&, const HttpRequest&) {
  return JsonResponse(200, {{"status", "alive"}});
}

HttpResponse HandleReadyz(ServiceContext& ctx, const HttpRequest&) {
  std::vector<std::string> problems;
  const ServingSnapshot snapshot = ctx.state.Snapshot();
  if (!snapshot.model) problems.push_back("no model loaded: " + snapshot.model_problem);
  try {
    ctx.db.Use([&](Database& db) { return db.TableExists(ctx.config.source.table); });
  } catch (const DatabaseError& e) {
    problems.push_back(std::string("database unreachable: ") + e.what());
  }
  if (!problems.empty()) {
    std::string message = "not ready: " + problems.front();
    for (std::size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i];
    return JsonResponse(503, {{"status", "not ready"}, {"error", message}, {"reasons", problems}});
  }
  return JsonResponse(200,
                      {{"status", "ready"}, {"model_version", snapshot.model->metadata.version}});
}

HttpResponse HandleMetrics(ServiceContext& ctx, const HttpRequest&) {
  const RunFigures figures = ReadRunFigures(ctx);
  PrometheusText out;
  out.Family("process_start_time_seconds", Type::kGauge,
             "Start time of the process since unix epoch in seconds.");
  out.Sample({}, UnixSeconds(ctx.started));
  out.Family("bankscore_database_up", Type::kGauge,
             "1 when the database answered this scrape's queries.");
  out.Sample({}, figures.ok ? 1 : 0);
  WriteModel(out, ctx.state.Snapshot());
  WriteRuns(out, figures);
  ctx.http_metrics.Write(out);
  return HttpResponse{200, kPrometheusType, out.text(), {}};
}

}  // namespace bankscore::service
