#include "jobs/segmenter.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "bankscore/error.h"
#include "common/text.h"
#include "ingest/source_check.h"
#include "jobs/segment_sample.h"

namespace bankscore {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// The segmentation's columns must exist in the source table (its key, label and model features
// are checked by ValidateSourceTable).
void CheckColumns(Database& db, const Config& config, const std::vector<std::string>& columns) {
  const std::vector<std::string> present = db.TableColumns(config.source.table);
  for (const std::string& column : columns) {
    if (std::find(present.begin(), present.end(), column) == present.end()) {
      throw ConfigError(config.file + ": segmentation.features: column '" + column +
                        "' is not in table " + config.source.table);
    }
  }
}

// One set of segmentation tables serves one source, as the results tables do: another table's
// keys would look segmented already, and the view would join them with this source's predictions.
void CheckSegmentsServeThisSource(const SegmentationRecord& current, const Config& config) {
  const std::string self = config.source.Identity();
  if (current.source_table == self) return;
  const SegmentationConfig& s = config.segmentation;
  throw ConfigError(config.file + ": segmentation tables " + s.models_table + ", " + s.table +
                    " and " + s.profiles_table + " hold the segments of source " +
                    current.source_table + ", and this config segments " + self +
                    "; give each source its own (segmentation.models_table, .table, "
                    ".profiles_table, .view)");
}

SegmentationRecord RecordOf(const SegmentationModel& model, const Config& config) {
  SegmentationRecord r;
  r.version = model.version;
  r.k = model.k;
  r.rows_fitted = static_cast<std::int64_t>(model.rows_fitted);
  r.silhouette = model.Chosen().silhouette;
  r.features = Join(model.Columns(), ",");
  r.source_table = config.source.Identity();
  r.model_json = model.ModelJson().dump();
  r.diagnostics_json = model.DiagnosticsJson().dump();
  return r;
}

// Fits a new segmentation on a sample and makes it current.
void Fit(Database& db, const Config& config, const SegmentOptions& options,
         SegmentRunSummary& summary, spdlog::logger& log) {
  const auto start = Clock::now();
  if (const std::optional<SegmentationRecord> current = db.CurrentSegmentation()) {
    CheckSegmentsServeThisSource(*current, config);
  }
  SegmentationConfig seg = config.segmentation;
  if (options.k) seg.k = options.k;
  const SegmentSample sample = ReadSegmentSample(db, config, seg.Columns());
  if (sample.rows.empty()) {
    throw DataError("segmentation: table " + config.source.table +
                    " has no row with an integer key to fit on");
  }
  log.info("fitting segments on {} of {} rows of {} ({} columns, k {}, {} restarts per k)",
           sample.rows.size(), sample.rows_read, config.source.table, seg.Columns().size(),
           seg.k ? std::to_string(*seg.k)
                 : "auto in [" + std::to_string(seg.k_min) + ", " + std::to_string(seg.k_max) + "]",
           seg.n_init);
  summary.model = FitSegmentation(seg, {config.source.sentinels, config.source.ranges},
                                  sample.columns, sample.rows, [&log](const KCandidate& c) {
                                    log.debug("k = {}: inertia {:.1f} after {} iterations", c.k,
                                              c.inertia, c.iterations);
                                  });
  summary.sample_rows = static_cast<std::int64_t>(sample.rows.size());
  summary.new_version = db.ActivateSegmentation(RecordOf(summary.model, config));
  const std::optional<SegmentationRecord> current = db.CurrentSegmentation();
  summary.fitted_at = current ? current->fitted_at : "";
  summary.fit_time = Since(start);
}

}  // namespace

std::optional<SegmentationModel> LoadCurrentSegmentation(Database& db, const Config& config,
                                                         std::string* fitted_at) {
  const std::optional<SegmentationRecord> record = db.CurrentSegmentation();
  if (!record) return std::nullopt;
  CheckSegmentsServeThisSource(*record, config);
  SegmentationModel model =
      SegmentationModel::FromJson(record->model_json, record->diagnostics_json);
  if (model.version != record->version) {
    throw ModelError("stored segmentation " + record->version +
                     " does not match its content (it hashes to " + model.version +
                     "): it was changed after fitting; run bankscore segment again");
  }
  if (fitted_at != nullptr) *fitted_at = record->fitted_at;
  return model;
}

AssignResult AssignSegments(Database& db, const Config& config, const SegmentationModel& model,
                            spdlog::logger& log) {
  const std::vector<std::string> columns = model.Columns();
  const std::size_t batch_size = config.scoring.batch_size;
  AssignResult result;
  std::optional<std::int64_t> after;
  std::vector<int> segments;
  std::vector<double> distances;
  std::vector<SegmentAssignment> rows;
  while (true) {
    const RowBatch batch = db.ReadUnsegmented(model.version, columns, after, batch_size);
    if (batch.rows.empty()) break;
    model.Assign(batch.columns, batch.rows, segments, distances);
    rows.clear();
    for (std::size_t i = 0; i < batch.rows.size(); ++i) {
      const auto* key = std::get_if<std::int64_t>(&batch.rows[i][0]);
      if (key == nullptr) throw DataError("segmentation: a key read back is not an integer");
      rows.push_back({*key, segments[i], distances[i]});
    }
    result.rows_assigned += db.WriteSegments(model.version, rows);
    ++result.batches;
    after = rows.back().key;
    log.debug("assigned {} rows to segments of {} (up to key {})", result.rows_assigned,
              model.version, *after);
    if (batch.rows.size() < batch_size) break;
  }
  return result;
}

SegmentProfiles RefreshSegmentProfiles(Database& db, const Config& config,
                                       const SegmentationModel& model) {
  const std::vector<SegmentStats> stats =
      db.SummarizeSegments(model.version, model.encoder.numeric(), model.encoder.categorical());
  SegmentProfiles profiles =
      BuildProfiles(stats, model, {config.source.label, config.source.positive_label});
  std::vector<SegmentProfileRow> rows;
  for (const SegmentProfile& p : profiles.segments) rows.push_back(ToRow(p));
  db.WriteSegmentProfiles(model.version, rows);
  return profiles;
}

SegmentRunSummary SegmentCustomers(Database& db, const Config& config,
                                   const SegmentOptions& options, spdlog::logger& log) {
  ValidateSourceTable(db, config);
  db.EnsureResultsSchema();  // the segments view joins the latest predictions
  db.EnsureSegmentsSchema();
  SegmentRunSummary summary;
  if (options.assign_only) {
    std::optional<SegmentationModel> current =
        LoadCurrentSegmentation(db, config, &summary.fitted_at);
    if (!current) {
      throw ConfigError("no segmentation in " + config.segmentation.models_table +
                        " yet: run bankscore segment without --assign first");
    }
    summary.model = std::move(*current);
    if (summary.model.Columns() != config.segmentation.Columns()) {
      log.warn(
          "the current segmentation {} reads {}, not the configured features; --assign "
          "uses the stored segmentation's (segment without --assign to refit)",
          summary.model.version, Join(summary.model.Columns()));
    }
    CheckColumns(db, config, summary.model.Columns());
  } else {
    CheckColumns(db, config, config.segmentation.Columns());
    Fit(db, config, options, summary, log);
  }
  auto start = Clock::now();
  const AssignResult assigned = AssignSegments(db, config, summary.model, log);
  summary.rows_assigned = assigned.rows_assigned;
  summary.batches = assigned.batches;
  summary.assign_time = Since(start);
  start = Clock::now();
  summary.profiles = RefreshSegmentProfiles(db, config, summary.model);
  summary.profile_time = Since(start);
  log.info("segmentation {}: {} rows assigned in {} batches, {} rows in {} segments",
           summary.model.version, summary.rows_assigned, summary.batches,
           summary.profiles.overall.size, summary.model.k);
  return summary;
}

std::int64_t AssignNewRowsAfterScoring(Database& db, const Config& config, bool predictions_changed,
                                       spdlog::logger& log) {
  db.EnsureSegmentsSchema();
  const std::optional<SegmentationModel> model = LoadCurrentSegmentation(db, config, nullptr);
  if (!model) {
    log.info("segmentation.assign_on_run: no segmentation yet (run bankscore segment)");
    return 0;
  }
  const AssignResult assigned = AssignSegments(db, config, *model, log);
  if (assigned.rows_assigned > 0 || predictions_changed) {
    RefreshSegmentProfiles(db, config, *model);
  }
  if (assigned.rows_assigned > 0) {
    log.info("segmentation {}: {} new rows assigned", model->version, assigned.rows_assigned);
  }
  return assigned.rows_assigned;
}

}  // namespace bankscore
