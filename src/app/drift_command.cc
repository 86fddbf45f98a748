// bankscore drift: the drift rows of one scoring run (results.drift_table), worst first.

#include <fmt/format.h>

#include "app/text_table.h"
#include "bankscore/commands.h"
#include "bankscore/database.h"
#include "bankscore/error.h"
#include "common/text.h"

namespace bankscore {
namespace {

void PrintDriftRows(const CommandContext& ctx, const RunDrift& run) {
  std::vector<std::vector<std::string>> rows;
  bool without_status = false;
  for (const DriftRow& d : run.columns) {
    rows.push_back({EscapeControl(d.column), fmt::format("{:.4f}", d.psi), d.status.value_or("-"),
                    std::to_string(d.rows)});
    without_status = without_status || !d.status;
  }
  PrintTextTable(ctx.out, {"column", "psi", "status", "rows"}, rows);
  const MonitoringConfig& m = ctx.config.monitoring;
  ctx.out << "status: ok below " << FormatDouble(m.psi_warn) << ", warn from "
          << FormatDouble(m.psi_warn) << ", alert from " << FormatDouble(m.psi_alert)
          << " (monitoring.psi_warn, monitoring.psi_alert)\n";
  if (without_status) {
    ctx.out << "-: the run scored fewer than monitoring.min_rows (" << m.min_rows
            << ") rows, too few for a status\n";
  }
}

}  // namespace

int DriftCommand(const CommandContext& ctx, std::optional<std::int64_t> run_id) {
  auto db = OpenDatabase(ctx.config, ctx.log);
  const ResultsConfig& r = ctx.config.results;
  if (!db->TableExists(r.runs_table) || !db->TableExists(r.drift_table)) {
    if (run_id) {
      throw DataError("no run " + std::to_string(*run_id) + " in " + r.runs_table +
                      ": no run has been recorded (or bankscore init-db has not created " +
                      r.drift_table + " yet)");
    }
    ctx.out << "no drift recorded yet (run: bankscore score --config " << ctx.config.file << ")\n";
    return 0;
  }
  const std::optional<RunDrift> run = db->ReadRunDrift(run_id);
  if (!run && run_id) {
    throw DataError("no run " + std::to_string(*run_id) + " in " + r.runs_table +
                    " (bankscore show --config " + ctx.config.file + " lists the latest runs)");
  }
  if (!run) {
    ctx.out << "no scoring runs yet (run: bankscore score --config " << ctx.config.file << ")\n";
    return 0;
  }
  ctx.out << "run " << run->run_id << " (" << run->status << ", model " << run->model_version
          << "): PSI against the model's training profile, worst first\n";
  if (run->columns.empty()) {
    ctx.out << "no drift rows: no reference (the model has no training profile: it was trained "
               "before drift was measured; retrain), or the run scored no rows\n";
  } else {
    PrintDriftRows(ctx, *run);
  }
  if (!run->message.empty()) ctx.out << "message: " << EscapeControl(run->message) << "\n";
  return 0;
}

}  // namespace bankscore
