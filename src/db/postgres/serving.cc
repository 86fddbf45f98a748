#include "db/postgres/serving.h"

#include <algorithm>

#include "common/text.h"
#include "db/postgres/values.h"

namespace bankscore::internal::pg {
namespace {

// A timestamptz as the ISO 8601 UTC text SQLite stores ("2026-11-22T10:15:00.123Z").
std::string IsoText(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

std::string Text(const pqxx::field& f) { return f.is_null() ? std::string() : f.c_str(); }

std::optional<double> OptionalNumber(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : ParseNumber(f.c_str());
}

double Number(const pqxx::field& f) { return OptionalNumber(f).value_or(0.0); }

std::int64_t Integer(const pqxx::field& f, const std::string& what) {
  return f.is_null() ? 0 : ToInt64(f, what);
}

}  // namespace

std::optional<PredictionRecord> ServingQueries::LatestPrediction(std::int64_t key) {
  const std::string what = "read the latest prediction of a client";
  const std::string& table = config_.results.table;
  return db_.Run(what, {{table, "SELECT"}}, [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    // The primary key (source_key, model_version) finds the key's few rows; the newest run wins,
    // as in the latest view.
    const pqxx::result r = tx.exec_params(
        "SELECT source_key, model_version, probability, label, threshold, run_id, " +
            IsoText("scored_at") + ", " + IsoText("relabeled_at") + " FROM " +
            QuoteIdentifier(table) + " WHERE source_key = $1 ORDER BY run_id DESC LIMIT 1",
        key);
    tx.commit();
    if (r.empty()) return std::optional<PredictionRecord>();
    const pqxx::row row = r[0];
    return std::optional<PredictionRecord>(
        PredictionRecord{Integer(row[0], what), Text(row[1]), Number(row[2]),
                         static_cast<int>(Integer(row[3], what)), Number(row[4]),
                         Integer(row[5], what), Text(row[6]), Text(row[7])});
  });
}

std::vector<RunInfo> ServingQueries::RecentRuns(std::size_t limit) {
  const std::string what = "read the recent runs";
  const std::string& runs = config_.results.runs_table;
  return db_.Run(what, {{runs, "SELECT"}}, [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    const pqxx::result r =
        tx.exec_params("SELECT run_id, kind, status, model_version, threshold, " +
                           IsoText("started_at") + ", " + IsoText("finished_at") +
                           ", EXTRACT(EPOCH FROM started_at)::float8,"
                           " EXTRACT(EPOCH FROM finished_at - started_at)::float8,"
                           " rows_read, rows_scored, rows_rejected, rows_positive, message,"
                           " unseen_categories, out_of_training_range, column_counts FROM " +
                           QuoteIdentifier(runs) + " ORDER BY run_id DESC LIMIT $1",
                       static_cast<std::int64_t>(std::min<std::size_t>(limit, 1000000)));
    tx.commit();
    std::vector<RunInfo> out;
    for (const auto& row : r) {
      out.push_back(RunInfo{Integer(row[0], what), Text(row[1]), Text(row[2]), Text(row[3]),
                            Number(row[4]), Text(row[5]), Text(row[6]), Number(row[7]),
                            OptionalNumber(row[8]), Integer(row[9], what), Integer(row[10], what),
                            Integer(row[11], what), Integer(row[12], what), Text(row[13]),
                            Integer(row[14], what), Integer(row[15], what), Text(row[16])});
    }
    return out;
  });
}

std::vector<RunTotals> ServingQueries::TotalsByRunStatus() {
  const std::string what = "sum the runs per status";
  const std::string& runs = config_.results.runs_table;
  return db_.Run(what, {{runs, "SELECT"}}, [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    const pqxx::result r = tx.exec(
        "SELECT kind, status, COUNT(*), SUM(rows_scored), SUM(rows_rejected), SUM(rows_positive),"
        " EXTRACT(EPOCH FROM MAX(finished_at))::float8 FROM " +
        QuoteIdentifier(runs) + " GROUP BY kind, status ORDER BY kind, status");
    tx.commit();
    std::vector<RunTotals> out;
    for (const auto& row : r) {
      out.push_back(RunTotals{Text(row[0]), Text(row[1]), Integer(row[2], what),
                              Integer(row[3], what), Integer(row[4], what), Integer(row[5], what),
                              OptionalNumber(row[6])});
    }
    return out;
  });
}

std::vector<std::int64_t> ServingQueries::ScoreHistogram(std::int64_t run_id, int bins) {
  const std::string what = "read the score distribution of a run";
  const std::string& table = config_.results.table;
  const int n = std::max(bins, 1);
  return db_.Run(what, {{table, "SELECT"}}, [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    // The run index finds the run's rows.
    const pqxx::result r = tx.exec_params(
        "SELECT LEAST(floor(probability * $2::int)::bigint, $2::int - 1), COUNT(*) FROM " +
            QuoteIdentifier(table) + " WHERE run_id = $1 GROUP BY 1",
        run_id, n);
    tx.commit();
    std::vector<std::int64_t> counts(static_cast<std::size_t>(n), 0);
    for (const auto& row : r) {
      const std::int64_t bin = std::clamp<std::int64_t>(Integer(row[0], what), 0, n - 1);
      counts[static_cast<std::size_t>(bin)] += Integer(row[1], what);
    }
    return counts;
  });
}

}  // namespace bankscore::internal::pg
