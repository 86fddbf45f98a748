#include "db/postgres/segments.h"

#include <algorithm>

#include "bankscore/error.h"
#include "common/text.h"
#include "db/postgres/copy_writer.h"
#include "db/postgres/values.h"
#include "db/segments_sql.h"
#include "db/sql_text.h"

namespace bankscore::internal::pg {
namespace {

// Parameters travel as text (NULL as a null pointer); each placeholder casts to its value's type.
using TextParams = std::vector<std::optional<std::string>>;

SqlParams Params() {
  return SqlParams([](int n, const Value& v) {
    const char* type = std::holds_alternative<std::int64_t>(v) ? "bigint"
                       : std::holds_alternative<double>(v)     ? "double precision"
                                                               : "text";
    return "$" + std::to_string(n) + "::" + type;
  });
}

TextParams AsText(const std::vector<Value>& values) {
  TextParams out;
  for (const Value& v : values) {
    if (IsNull(v)) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(ValueText(v));
    }
  }
  return out;
}

pqxx::result Exec(pqxx::transaction_base& tx, const std::string& sql, const SqlParams& params) {
  const TextParams text = AsText(params.values());
  return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(text));
}

SegmentDialect Dialect(const Config& config) {
  // Column types are fixed: the key is an integer column (checked before a run), so only NULL is
  // left out, and a numeric column holds numbers.
  return {"s." + QuoteIdentifier(config.source.key) + " IS NOT NULL",
          [](const std::string& cell) { return cell; }};
}

// A PostgreSQL array literal of numbers, "{1,2,3}", bound as one parameter.
template <typename T, typename Format>
std::string ArrayLiteral(const std::vector<SegmentAssignment>& rows, T SegmentAssignment::*field,
                         Format&& format) {
  std::string out = "{";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) out += ',';
    out += format(rows[i].*field);
  }
  return out + "}";
}

std::string IntText(std::int64_t v) { return std::to_string(v); }

std::optional<double> OptionalDouble(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<double>();
}

}  // namespace

std::int64_t SegmentStatements::PresentRelations(pqxx::transaction_base& tx) {
  const SegmentationConfig& s = config_.segmentation;
  return tx
      .exec_params1(
          "SELECT count(c.oid) FROM unnest(ARRAY[$1::text, $2::text, $3::text, $4::text]) AS"
          " t(name) JOIN pg_catalog.pg_class c ON c.relname = t.name AND c.relnamespace ="
          " (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = current_schema())",
          s.table, s.profiles_table, s.models_table, s.view)[0]
      .as<std::int64_t>();
}

void SegmentStatements::EnsureSegmentsSchema() {
  const std::string ddl = SegmentsDdl("postgres", config_);
  db_.Run("create the segmentation tables", {}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    // As for the results tables: no DDL (and no table locks) once everything exists.
    if (PresentRelations(tx) == 4) return;
    tx.exec(
        "SELECT pg_advisory_xact_lock(hashtextextended("
        "'bankscore segments ddl ' || coalesce(current_schema(), ''), 0))");
    if (PresentRelations(tx) < 4) tx.exec(ddl);
    tx.commit();
  });
}

bool SegmentStatements::ActivateSegmentation(const SegmentationRecord& r) {
  const std::string& name = config_.segmentation.models_table;
  const std::string models = QuoteIdentifier(name);
  const std::string next = "(SELECT COALESCE(MAX(activation), 0) + 1 FROM " + models + ")";
  return db_.Run(
      "store segmentation " + r.version, {{name, "INSERT"}, {name, "UPDATE"}},
      [&](pqxx::connection& c) {
        pqxx::work tx(c);
        // Two processes activating at once would read the same MAX(activation).
        tx.exec("SELECT pg_advisory_xact_lock(hashtextextended('bankscore segmentations', 0))");
        const bool inserted =
            tx.exec_params("INSERT INTO " + models +
                               " (segmentation_version, k, rows_fitted, silhouette, features,"
                               " source_table, model, diagnostics, activation) VALUES ($1::text,"
                               " $2::integer, $3::bigint, $4::double precision, $5::text, $6::text,"
                               " $7::jsonb, $8::jsonb, " +
                               next + ") ON CONFLICT DO NOTHING",
                           r.version, r.k, r.rows_fitted, FormatDouble(r.silhouette), r.features,
                           r.source_table, r.model_json, r.diagnostics_json)
                .affected_rows() > 0;
        if (!inserted) {
          tx.exec_params(
              "UPDATE " + models + " SET activation = " + next +
                  ", activated_at = clock_timestamp() WHERE segmentation_version = $1::text"
                  " AND activation < (SELECT MAX(activation) FROM " +
                  models + ")",
              r.version);
        }
        tx.commit();
        return inserted;
      });
}

std::optional<SegmentationRecord> SegmentStatements::CurrentSegmentation() {
  const std::string& name = config_.segmentation.models_table;
  const pqxx::result r =
      db_.Exec("read the current segmentation", {{name, "SELECT"}},
               "SELECT segmentation_version, k, rows_fitted, silhouette, features, source_table,"
               " model::text, diagnostics::text, to_char(fitted_at AT TIME ZONE 'UTC', "
               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
               " FROM " +
                   QuoteIdentifier(name) + " ORDER BY activation DESC LIMIT 1");
  if (r.empty()) return std::nullopt;
  const pqxx::row row = r[0];
  return SegmentationRecord{
      row[0].as<std::string>(), row[1].as<int>(),         ToInt64(row[2], "rows_fitted"),
      row[3].as<double>(),      row[4].as<std::string>(), row[5].as<std::string>(),
      row[6].as<std::string>(), row[7].as<std::string>(), row[8].as<std::string>()};
}

RowBatch SegmentStatements::ReadUnsegmented(const std::string& version,
                                            const std::vector<std::string>& columns,
                                            std::optional<std::int64_t> after_key,
                                            std::size_t limit) {
  SqlParams params = Params();
  const std::string sql =
      UnsegmentedRowsSql(config_, Dialect(config_), columns, after_key, limit, version, params);
  const std::string& source = config_.source.table;
  RowBatch batch;
  batch.columns = {config_.source.key};
  batch.columns.insert(batch.columns.end(), columns.begin(), columns.end());
  batch.rows = db_.Run("read unsegmented rows of " + source,
                       {{source, "SELECT"}, {config_.segmentation.table, "SELECT"}},
                       [&](pqxx::connection& c) {
                         pqxx::work tx(c);
                         const pqxx::result r = Exec(tx, sql, params);
                         tx.commit();
                         return ToRows(r, 0);
                       });
  return batch;
}

std::int64_t SegmentStatements::WriteSegments(const std::string& version,
                                              const std::vector<SegmentAssignment>& rows) {
  const std::string& table = config_.segmentation.table;
  const std::string keys = ArrayLiteral(rows, &SegmentAssignment::key, IntText);
  const std::string segments =
      ArrayLiteral(rows, &SegmentAssignment::segment, [](int s) { return std::to_string(s); });
  const std::string distances = ArrayLiteral(rows, &SegmentAssignment::distance, FormatDouble);
  return db_.Run("write a batch of segments", {{table, "INSERT"}}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    const pqxx::result r =
        tx.exec_params("INSERT INTO " + QuoteIdentifier(table) +
                           " (source_key, segmentation_version, segment, distance)"
                           " SELECT k, $1::text, s, d FROM unnest($2::bigint[], $3::integer[],"
                           " $4::double precision[]) AS t(k, s, d) ON CONFLICT DO NOTHING",
                       version, keys, segments, distances);
    tx.commit();
    return static_cast<std::int64_t>(r.affected_rows());
  });
}

std::vector<SegmentStats> SegmentStatements::SummarizeSegments(
    const std::string& version, const std::vector<std::string>& numeric,
    const std::vector<std::string>& categorical) {
  const Needs needs = {{config_.segmentation.table, "SELECT"},
                       {config_.source.table, "SELECT"},
                       {config_.results.latest_view, "SELECT"}};
  return db_.Run("summarize segments of " + version, needs, [&](pqxx::connection& c) {
    // One snapshot for the totals and the category counts.
    pqxx::transaction<pqxx::isolation_level::repeatable_read> tx(c);
    SqlParams params = Params();
    const pqxx::result totals =
        Exec(tx, SegmentTotalsSql(config_, Dialect(config_), numeric, version, params), params);
    std::vector<SegmentStats> stats;
    for (const auto& row : totals) {
      SegmentStats st;
      st.segment = row[0].as<int>();
      st.rows = ToInt64(row[1], "segment rows");
      st.labelled = ToInt64(row[2], "labelled rows");
      st.positives = ToInt64(row[3], "positive rows");
      st.predicted = ToInt64(row[4], "predicted rows");
      st.probability_sum = row[5].as<double>();
      for (std::size_t i = 0; i < numeric.size(); ++i) {
        st.numeric_count.push_back(ToInt64(row[static_cast<int>(6 + 2 * i)], "value count"));
        st.numeric_sum.push_back(row[static_cast<int>(7 + 2 * i)].as<double>());
      }
      st.category_counts.resize(categorical.size());
      stats.push_back(std::move(st));
    }
    for (std::size_t col = 0; col < categorical.size(); ++col) {
      SqlParams category_params = Params();
      const pqxx::result counts =
          Exec(tx, SegmentCategoriesSql(config_, categorical[col], version, category_params),
               category_params);
      for (const auto& row : counts) {
        const int segment = row[0].as<int>();
        const auto it = std::find_if(stats.begin(), stats.end(),
                                     [&](const SegmentStats& s) { return s.segment == segment; });
        if (it == stats.end()) continue;
        const std::string value = row[1].is_null() ? "" : row[1].as<std::string>();
        it->category_counts[col][value] += ToInt64(row[2], "category count");
      }
    }
    tx.commit();
    return stats;
  });
}

void SegmentStatements::WriteSegmentProfiles(const std::string& version,
                                             const std::vector<SegmentProfileRow>& profiles) {
  const std::string& table = config_.segmentation.profiles_table;
  db_.Run("write segment profiles", {{table, "DELETE"}, {table, "INSERT"}},
          [&](pqxx::connection& c) {
            pqxx::work tx(c);
            tx.exec_params(
                "DELETE FROM " + QuoteIdentifier(table) + " WHERE segmentation_version = $1::text",
                version);
            CopyWriter copy(tx, QuoteIdentifier(table),
                            {"segmentation_version", "segment", "size", "share", "positive_rate",
                             "mean_probability", "profile", "description"});
            const auto optional = [](const std::optional<double>& v) {
              return v ? Value{*v} : Value{};
            };
            for (const SegmentProfileRow& p : profiles) {
              copy.WriteRow({version, static_cast<std::int64_t>(p.segment), p.size, p.share,
                             optional(p.positive_rate), optional(p.mean_probability),
                             p.profile_json, p.description});
            }
            copy.Complete();
            tx.commit();
          });
}

std::vector<SegmentProfileRow> SegmentStatements::ReadSegmentProfiles(const std::string& version) {
  const std::string& table = config_.segmentation.profiles_table;
  return db_.Run("read segment profiles", {{table, "SELECT"}}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    const pqxx::result r = tx.exec_params(
        "SELECT segment, size, share, positive_rate, mean_probability, profile::text,"
        " description FROM " +
            QuoteIdentifier(table) + " WHERE segmentation_version = $1::text ORDER BY segment",
        version);
    tx.commit();
    std::vector<SegmentProfileRow> out;
    for (const auto& row : r) {
      out.push_back({row[0].as<int>(), ToInt64(row[1], "segment size"), row[2].as<double>(),
                     OptionalDouble(row[3]), OptionalDouble(row[4]), row[5].as<std::string>(),
                     row[6].as<std::string>()});
    }
    return out;
  });
}

std::vector<SegmentAssignment> SegmentStatements::FindSegments(
    const std::string& version, const std::vector<std::int64_t>& keys) {
  const std::string& table = config_.segmentation.table;
  std::string array = "{";
  for (std::size_t i = 0; i < keys.size(); ++i) array += (i ? "," : "") + std::to_string(keys[i]);
  array += "}";
  return db_.Run("look up segments", {{table, "SELECT"}}, [&](pqxx::connection& c) {
    pqxx::work tx(c);
    const pqxx::result r = tx.exec_params(
        "SELECT source_key, segment, distance FROM " + QuoteIdentifier(table) +
            " WHERE segmentation_version = $1::text AND source_key = ANY($2::bigint[])"
            " ORDER BY source_key",
        version, array);
    tx.commit();
    std::vector<SegmentAssignment> out;
    for (const auto& row : r) {
      out.push_back({ToInt64(row[0], "segment key"), row[1].as<int>(), row[2].as<double>()});
    }
    return out;
  });
}

}  // namespace bankscore::internal::pg
