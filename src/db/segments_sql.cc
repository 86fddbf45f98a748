#include "db/segments_sql.h"

#include <stdexcept>

#include "bankscore/database.h"
#include "common/text.h"
#include "db/sql_text.h"

namespace bankscore::internal {
namespace {

std::string Source(const std::string& column) { return "s." + QuoteIdentifier(column); }

// "FROM segments AS g JOIN source AS s ON s.key = g.source_key"
std::string AssignedRows(const Config& config) {
  return " FROM " + QuoteIdentifier(config.segmentation.table) + " AS g JOIN " +
         QuoteIdentifier(config.source.table) + " AS s ON " + Source(config.source.key) +
         " = g.source_key";
}

std::string Where(const std::string& version, SqlParams& params) {
  return " WHERE g.segmentation_version = " + params.Add(version);
}

// The label as LabelRule (jobs/labels.h) classifies it: 1 for the positive label, 0 for a
// negative one, NULL for none and, with source.negative_labels, for a value that is neither (not
// counted as labelled). label_case_insensitive compares both sides in lower case.
std::string LabelClass(const SourceConfig& source, SqlParams& params) {
  const auto normal = [&source](const std::string& text) {
    return source.label_case_insensitive ? "LOWER(" + text + ")" : text;
  };
  const std::string label = Source(source.label);
  const std::string cell = normal("CAST(" + label + " AS TEXT)");
  std::string sql = "CASE WHEN " + label + " IS NULL THEN NULL WHEN " + cell + " = " +
                    normal(params.Add(source.positive_label)) + " THEN 1";
  if (source.negative_labels.empty()) return sql + " ELSE 0 END";
  sql += " WHEN " + cell + " IN (";
  for (std::size_t i = 0; i < source.negative_labels.size(); ++i) {
    sql += (i ? ", " : "") + normal(params.Add(source.negative_labels[i]));
  }
  return sql + ") THEN 0 END";
}

// A numeric source cell as a number, NULL when it is not one, is the column's sentinel or lies
// outside its source.ranges (as the segment encoder reads it).
std::string UsableNumber(const SourceConfig& source, const SegmentDialect& dialect,
                         const std::string& column, SqlParams& params) {
  const std::string value = dialect.number(Source(column));
  std::vector<std::string> missing;
  if (const auto sentinel = source.sentinels.find(column); sentinel != source.sentinels.end()) {
    missing.push_back(value + " = " + params.Add(sentinel->second));
  }
  if (const auto range = source.ranges.find(column); range != source.ranges.end()) {
    missing.push_back(value + " < " + params.Add(range->second.first));
    missing.push_back(value + " > " + params.Add(range->second.second));
  }
  if (missing.empty()) return value;
  return "CASE WHEN " + Join(missing, " OR ") + " THEN NULL ELSE " + value + " END";
}

}  // namespace

std::string SegmentsDdl(const std::string& backend, const Config& config) {
  const char* text = EmbeddedSql("sql/" + backend + "/segments.sql");
  if (text == nullptr) throw std::logic_error("no embedded segments DDL for backend " + backend);
  const SegmentationConfig& s = config.segmentation;
  return RenderTemplate(text, {{"segments", s.table},
                               {"segment_profiles", s.profiles_table},
                               {"segmentations", s.models_table},
                               {"segmented_predictions", s.view},
                               {"latest_predictions", config.results.latest_view}});
}

std::string UnsegmentedRowsSql(const Config& config, const SegmentDialect& dialect,
                               const std::vector<std::string>& columns,
                               std::optional<std::int64_t> after_key, std::size_t limit,
                               const std::string& version, SqlParams& params) {
  const std::string key = Source(config.source.key);
  std::string sql = "SELECT " + key;
  for (const std::string& c : columns) sql += ", " + Source(c);
  sql += " FROM " + QuoteIdentifier(config.source.table) + " AS s WHERE " + dialect.key_is_integer;
  if (after_key) sql += " AND " + key + " > " + params.Add(*after_key);
  // NOT EXISTS on the (source_key, segmentation_version) primary key: an index probe per row.
  sql += " AND NOT EXISTS (SELECT 1 FROM " + QuoteIdentifier(config.segmentation.table) +
         " AS g WHERE g.source_key = " + key +
         " AND g.segmentation_version = " + params.Add(version) + ")";
  return sql + " ORDER BY " + key + " LIMIT " + params.Add(static_cast<std::int64_t>(limit));
}

std::string SegmentTotalsSql(const Config& config, const SegmentDialect& dialect,
                             const std::vector<std::string>& numeric, const std::string& version,
                             SqlParams& params) {
  const std::string label = LabelClass(config.source, params);
  std::string sql = "SELECT g.segment, COUNT(*), COUNT(" + label + "), COALESCE(SUM(" + label +
                    "), 0), COUNT(p.probability), COALESCE(SUM(p.probability), 0)";
  for (const std::string& column : numeric) {
    const std::string value = UsableNumber(config.source, dialect, column, params);
    sql += ", COUNT(" + value + "), COALESCE(SUM(" + value + "), 0)";
  }
  sql += AssignedRows(config) + " LEFT JOIN " + QuoteIdentifier(config.results.latest_view) +
         " AS p ON p.source_key = g.source_key" + Where(version, params);
  return sql + " GROUP BY g.segment ORDER BY g.segment";
}

std::string SegmentCategoriesSql(const Config& config, const std::string& column,
                                 const std::string& version, SqlParams& params) {
  const std::string cell = "CAST(" + Source(column) + " AS TEXT)";
  return "SELECT g.segment, " + cell + ", COUNT(*)" + AssignedRows(config) +
         Where(version, params) + " GROUP BY g.segment, " + cell + " ORDER BY 1, 2";
}

}  // namespace bankscore::internal
