#include "db/sqlite/serving.h"

#include <algorithm>

#include "common/text.h"

namespace bankscore::internal::sqlite {
namespace {

// Times are stored as ISO 8601 text; julianday() reads them, and 2440587.5 is 1970-01-01 as a
// Julian day.
std::string UnixSeconds(const std::string& column) {
  return "(julianday(" + column + ") - 2440587.5) * 86400.0";
}

// A text cell, "" for NULL.
std::string Text(const Statement& s, int i) {
  const Value v = s.Cell(i);
  return IsNull(v) ? std::string() : ValueText(v);
}

std::optional<double> OptionalNumber(const Statement& s, int i) { return AsNumber(s.Cell(i)); }

}  // namespace

std::optional<PredictionRecord> ServingQueries::LatestPrediction(std::int64_t key) {
  // The primary key (source_key, model_version) finds the key's few rows; the newest run wins,
  // as in the latest view.
  Statement s(db_,
              "SELECT source_key, model_version, probability, label, threshold, run_id, scored_at,"
              " relabeled_at FROM " +
                  QuoteIdentifier(config_.results.table) +
                  " WHERE source_key = ?1 ORDER BY run_id DESC LIMIT 1",
              "read the latest prediction of a client");
  s.Bind(1, key);
  if (!s.Step()) return std::nullopt;
  return PredictionRecord{s.Int(0),    Text(s, 1), s.Double(2), static_cast<int>(s.Int(3)),
                          s.Double(4), s.Int(5),   Text(s, 6),  Text(s, 7)};
}

std::vector<RunInfo> ServingQueries::RecentRuns(std::size_t limit) {
  Statement s(db_,
              "SELECT run_id, kind, status, model_version, threshold, started_at, finished_at, " +
                  UnixSeconds("started_at") +
                  ", (julianday(finished_at) - julianday(started_at)) * 86400.0,"
                  " rows_read, rows_scored, rows_rejected, rows_positive, message,"
                  " unseen_categories, out_of_training_range, column_counts FROM " +
                  QuoteIdentifier(config_.results.runs_table) + " ORDER BY run_id DESC LIMIT ?1",
              "read the recent runs");
  s.Bind(1, static_cast<std::int64_t>(std::min<std::size_t>(limit, 1000000)));
  std::vector<RunInfo> runs;
  while (s.Step()) {
    runs.push_back(RunInfo{s.Int(0), Text(s, 1), Text(s, 2), Text(s, 3), s.Double(4), Text(s, 5),
                           Text(s, 6), s.Double(7), OptionalNumber(s, 8), s.Int(9), s.Int(10),
                           s.Int(11), s.Int(12), Text(s, 13), s.Int(14), s.Int(15), Text(s, 16)});
  }
  return runs;
}

std::vector<RunTotals> ServingQueries::TotalsByRunStatus() {
  Statement s(db_,
              "SELECT kind, status, COUNT(*), SUM(rows_scored), SUM(rows_rejected),"
              " SUM(rows_positive), MAX(" +
                  UnixSeconds("finished_at") + ") FROM " +
                  QuoteIdentifier(config_.results.runs_table) +
                  " GROUP BY kind, status ORDER BY kind, status",
              "sum the runs per status");
  std::vector<RunTotals> totals;
  while (s.Step()) {
    totals.push_back(RunTotals{Text(s, 0), Text(s, 1), s.Int(2), s.Int(3), s.Int(4), s.Int(5),
                               OptionalNumber(s, 6)});
  }
  return totals;
}

std::vector<std::int64_t> ServingQueries::ScoreHistogram(std::int64_t run_id, int bins) {
  std::vector<std::int64_t> counts(static_cast<std::size_t>(std::max(bins, 1)), 0);
  // The run index finds the run's rows; two-argument MIN is SQLite's scalar minimum.
  Statement s(db_,
              "SELECT MIN(CAST(probability * ?2 AS INTEGER), ?2 - 1), COUNT(*) FROM " +
                  QuoteIdentifier(config_.results.table) + " WHERE run_id = ?1 GROUP BY 1",
              "read the score distribution of a run");
  s.Bind(1, run_id);
  s.Bind(2, static_cast<std::int64_t>(counts.size()));
  while (s.Step()) {
    const std::int64_t bin = std::clamp<std::int64_t>(s.Int(0), 0, bins - 1);
    counts[static_cast<std::size_t>(bin)] += s.Int(1);
  }
  return counts;
}

}  // namespace bankscore::internal::sqlite
