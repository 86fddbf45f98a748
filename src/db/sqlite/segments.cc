#include "db/sqlite/segments.h"

#include <algorithm>

#include "bankscore/error.h"
#include "common/clock.h"
#include "common/text.h"
#include "db/segments_sql.h"
#include "db/sql_text.h"

namespace bankscore::internal::sqlite {
namespace {

SqlParams Params() {
  return SqlParams([](int n, const Value&) { return "?" + std::to_string(n); });
}

SegmentDialect Dialect(const Config& config) {
  // SQLite's typing is per value: the key and numeric cells are tested row by row.
  return {"typeof(s." + QuoteIdentifier(config.source.key) + ") = 'integer'",
          [](const std::string& cell) {
            return "CASE WHEN typeof(" + cell + ") IN ('integer', 'real') THEN " + cell + " END";
          }};
}

std::optional<double> OptionalDouble(const Statement& s, int i) {
  const Value v = s.Cell(i);
  if (IsNull(v)) return std::nullopt;
  return s.Double(i);
}

// "[1,2,3]": the keys as one JSON array, read back with json_each (one bound parameter).
std::string JsonArray(const std::vector<std::int64_t>& keys) {
  std::string out = "[";
  for (std::size_t i = 0; i < keys.size(); ++i) out += (i ? "," : "") + std::to_string(keys[i]);
  return out + "]";
}

}  // namespace

SegmentStatements::SegmentStatements(Connection& db, const Config& config)
    : db_(db), config_(config) {}

SegmentStatements::~SegmentStatements() = default;

std::unique_ptr<Statement> SegmentStatements::Prepare(const std::string& sql,
                                                      const std::vector<Value>& values,
                                                      const std::string& what) {
  auto s = std::make_unique<Statement>(db_, sql, what);
  for (std::size_t i = 0; i < values.size(); ++i) s->Bind(static_cast<int>(i + 1), values[i]);
  return s;
}

void SegmentStatements::EnsureSegmentsSchema() {
  Transaction tx(db_);
  db_.Exec(SegmentsDdl("sqlite", config_), "create segmentation tables");
  tx.Commit();
}

bool SegmentStatements::ActivateSegmentation(const SegmentationRecord& r) {
  const std::string models = QuoteIdentifier(config_.segmentation.models_table);
  const std::string next = "(SELECT COALESCE(MAX(activation), 0) + 1 FROM " + models + ")";
  Transaction tx(db_);
  auto insert = Prepare("INSERT INTO " + models +
                            " (segmentation_version, k, rows_fitted, silhouette, features,"
                            " source_table, model, diagnostics, activation) VALUES (?1, ?2, ?3,"
                            " ?4, ?5, ?6, ?7, ?8, " +
                            next + ") ON CONFLICT DO NOTHING",
                        {r.version, static_cast<std::int64_t>(r.k), r.rows_fitted, r.silhouette,
                         r.features, r.source_table, r.model_json, r.diagnostics_json},
                        "store segmentation " + r.version);
  insert->Step();
  const bool inserted = db_.Changes() > 0;
  if (!inserted) {
    // Already stored: it becomes current again only if another one is current now.
    auto update = Prepare("UPDATE " + models + " SET activation = " + next +
                              ", activated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
                              " WHERE segmentation_version = ?1 AND activation < (SELECT"
                              " MAX(activation) FROM " +
                              models + ")",
                          {r.version}, "activate segmentation " + r.version);
    update->Step();
  }
  insert.reset();
  tx.Commit();
  return inserted;
}

std::optional<SegmentationRecord> SegmentStatements::CurrentSegmentation() {
  Statement s(db_,
              "SELECT segmentation_version, k, rows_fitted, silhouette, features, source_table,"
              " model, diagnostics, fitted_at FROM " +
                  QuoteIdentifier(config_.segmentation.models_table) +
                  " ORDER BY activation DESC LIMIT 1",
              "read the current segmentation");
  if (!s.Step()) return std::nullopt;
  return SegmentationRecord{ValueText(s.Cell(0)), static_cast<int>(s.Int(1)), s.Int(2),
                            s.Double(3),          ValueText(s.Cell(4)),       ValueText(s.Cell(5)),
                            ValueText(s.Cell(6)), ValueText(s.Cell(7)),       ValueText(s.Cell(8))};
}

RowBatch SegmentStatements::ReadUnsegmented(const std::string& version,
                                            const std::vector<std::string>& columns,
                                            std::optional<std::int64_t> after_key,
                                            std::size_t limit) {
  SqlParams params = Params();
  const std::string sql =
      UnsegmentedRowsSql(config_, Dialect(config_), columns, after_key, limit, version, params);
  auto s = Prepare(sql, params.values(), "read unsegmented rows of " + config_.source.table);
  RowBatch batch;
  batch.columns = {config_.source.key};
  batch.columns.insert(batch.columns.end(), columns.begin(), columns.end());
  while (s->Step()) {
    std::vector<Value> row(batch.columns.size());
    for (std::size_t i = 0; i < row.size(); ++i) row[i] = s->Cell(static_cast<int>(i));
    batch.rows.push_back(std::move(row));
  }
  return batch;
}

std::int64_t SegmentStatements::WriteSegments(const std::string& version,
                                              const std::vector<SegmentAssignment>& rows) {
  if (!insert_) {
    insert_ = std::make_unique<Statement>(
        db_,
        "INSERT INTO " + QuoteIdentifier(config_.segmentation.table) +
            " (source_key, segmentation_version, segment, distance, assigned_at)"
            " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        "insert segments");
  }
  Transaction tx(db_);
  insert_->Bind(2, version);
  insert_->Bind(5, UtcTimestampMillis());  // one time stamp per batch
  std::int64_t inserted = 0;
  for (const SegmentAssignment& a : rows) {
    insert_->Bind(1, a.key);
    insert_->Bind(3, static_cast<std::int64_t>(a.segment));
    insert_->Bind(4, a.distance);
    insert_->Step();
    inserted += db_.Changes();
    insert_->Rewind();
  }
  insert_->Reset();
  tx.Commit();
  return inserted;
}

std::vector<SegmentStats> SegmentStatements::SummarizeSegments(
    const std::string& version, const std::vector<std::string>& numeric,
    const std::vector<std::string>& categorical) {
  SqlParams params = Params();
  const std::string sql = SegmentTotalsSql(config_, Dialect(config_), numeric, version, params);
  auto s = Prepare(sql, params.values(), "summarize segments of " + version);
  std::vector<SegmentStats> stats;
  while (s->Step()) {
    SegmentStats st;
    st.segment = static_cast<int>(s->Int(0));
    st.rows = s->Int(1);
    st.labelled = s->Int(2);
    st.positives = s->Int(3);
    st.predicted = s->Int(4);
    st.probability_sum = s->Double(5);
    for (std::size_t i = 0; i < numeric.size(); ++i) {
      st.numeric_count.push_back(s->Int(static_cast<int>(6 + 2 * i)));
      st.numeric_sum.push_back(s->Double(static_cast<int>(7 + 2 * i)));
    }
    st.category_counts.resize(categorical.size());
    stats.push_back(std::move(st));
  }
  for (std::size_t c = 0; c < categorical.size(); ++c) {
    AddCategoryCounts(version, categorical[c], c, stats);
  }
  return stats;
}

void SegmentStatements::AddCategoryCounts(const std::string& version, const std::string& column,
                                          std::size_t index, std::vector<SegmentStats>& stats) {
  SqlParams params = Params();
  const std::string sql = SegmentCategoriesSql(config_, column, version, params);
  auto s = Prepare(sql, params.values(), "count categories of " + column + " per segment");
  while (s->Step()) {
    const auto segment = static_cast<int>(s->Int(0));
    const auto it = std::find_if(stats.begin(), stats.end(),
                                 [&](const SegmentStats& st) { return st.segment == segment; });
    const Value value = s->Cell(1);
    if (it != stats.end())
      it->category_counts[index][IsNull(value) ? "" : ValueText(value)] += s->Int(2);
  }
}

void SegmentStatements::WriteSegmentProfiles(const std::string& version,
                                             const std::vector<SegmentProfileRow>& profiles) {
  const std::string table = QuoteIdentifier(config_.segmentation.profiles_table);
  Transaction tx(db_);
  Prepare("DELETE FROM " + table + " WHERE segmentation_version = ?1", {version},
          "replace segment profiles")
      ->Step();
  auto insert = Prepare("INSERT INTO " + table +
                            " (segmentation_version, segment, size, share, positive_rate,"
                            " mean_probability, profile, description)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        {version}, "insert segment profiles");
  for (const SegmentProfileRow& p : profiles) {
    insert->Bind(2, static_cast<std::int64_t>(p.segment));
    insert->Bind(3, p.size);
    insert->Bind(4, p.share);
    insert->Bind(5, p.positive_rate ? Value{*p.positive_rate} : Value{});
    insert->Bind(6, p.mean_probability ? Value{*p.mean_probability} : Value{});
    insert->Bind(7, p.profile_json);
    insert->Bind(8, p.description);
    insert->Step();
    insert->Rewind();
  }
  insert.reset();
  tx.Commit();
}

std::vector<SegmentProfileRow> SegmentStatements::ReadSegmentProfiles(const std::string& version) {
  auto s = Prepare(
      "SELECT segment, size, share, positive_rate, mean_probability, profile,"
      " description FROM " +
          QuoteIdentifier(config_.segmentation.profiles_table) +
          " WHERE segmentation_version = ?1 ORDER BY segment",
      {version}, "read segment profiles of " + version);
  std::vector<SegmentProfileRow> out;
  while (s->Step()) {
    out.push_back({static_cast<int>(s->Int(0)), s->Int(1), s->Double(2), OptionalDouble(*s, 3),
                   OptionalDouble(*s, 4), ValueText(s->Cell(5)), ValueText(s->Cell(6))});
  }
  return out;
}

std::vector<SegmentAssignment> SegmentStatements::FindSegments(
    const std::string& version, const std::vector<std::int64_t>& keys) {
  auto s = Prepare("SELECT source_key, segment, distance FROM " +
                       QuoteIdentifier(config_.segmentation.table) +
                       " WHERE segmentation_version = ?1 AND source_key IN"
                       " (SELECT value FROM json_each(?2)) ORDER BY source_key",
                   {version, JsonArray(keys)}, "look up segments");
  std::vector<SegmentAssignment> out;
  while (s->Step()) out.push_back({s->Int(0), static_cast<int>(s->Int(1)), s->Double(2)});
  return out;
}

}  // namespace bankscore::internal::sqlite
