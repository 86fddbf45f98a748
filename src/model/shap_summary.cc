#include "model/shap_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "bankscore/error.h"
#include "common/text.h"

namespace bankscore {
namespace {

// Per input column of `encoder`: its position in `columns` (Transform has checked they exist).
std::vector<std::size_t> RawPositions(const FeatureEncoder& encoder,
                                      const std::vector<std::string>& columns) {
  std::vector<std::size_t> out;
  for (const std::string& name : encoder.input_columns()) {
    out.push_back(static_cast<std::size_t>(std::find(columns.begin(), columns.end(), name) -
                                           columns.begin()));
  }
  return out;
}

// Per input column: its first encoded column. For a numeric column that is its value (the
// encoder writes the values before the sentinel flags); unused for categorical ones.
std::vector<std::size_t> FirstEncodedColumns(const FeatureEncoder& encoder) {
  const std::vector<std::size_t> source_of = encoder.EncodedSourceColumns();
  std::vector<std::size_t> out(encoder.input_columns().size(), 0);
  for (std::size_t i = source_of.size(); i-- > 0;) out[source_of[i]] = i;
  return out;
}

// What the summary needs to know of one sampled cell.
struct Cell {
  const Value& raw;
  float encoded;  // a numeric column's encoded value (NaN: NULL or its sentinel)
};

ShapPoint MakePoint(bool categorical, const Cell& cell, double contribution) {
  ShapPoint p;
  p.contribution = contribution;
  if (IsNull(cell.raw)) {
    p.label = "NULL";
  } else if (categorical) {
    p.label = ValueText(cell.raw);
  } else if (std::isnan(cell.encoded)) {
    p.label = ValueText(cell.raw) + " (sentinel)";  // not NULL, yet missing to the model
  } else {
    p.number = static_cast<double>(cell.encoded);
  }
  return p;
}

}  // namespace

std::vector<std::size_t> EvenSample(std::size_t rows, std::size_t points) {
  std::vector<std::size_t> out;
  const std::size_t n = std::min(rows, points);
  for (std::size_t i = 0; i < n; ++i) out.push_back(i * rows / n);
  return out;
}

ShapSummary SummarizeShap(const Booster& booster, const FeatureEncoder& encoder,
                          const std::vector<std::string>& columns,
                          const std::vector<std::vector<Value>>& rows,
                          const ShapSummaryOptions& options) {
  const EncodedRows encoded = encoder.Transform(columns, rows);
  const SourceContributions sums = ContributionsBySource(booster, encoder, encoded.matrix);
  const std::vector<std::string> inputs = encoder.input_columns();
  ShapSummary out;
  out.importance = MeanAbsoluteShap(sums, inputs);
  const std::vector<std::size_t> raw_at = RawPositions(encoder, columns);
  const std::vector<std::size_t> value_at = FirstEncodedColumns(encoder);
  const std::vector<std::size_t> sample = EvenSample(sums.rows, options.points);
  const std::size_t kept = std::min(options.columns, out.importance.size());
  for (std::size_t k = 0; k < kept; ++k) {
    const std::size_t c = static_cast<std::size_t>(
        std::find(inputs.begin(), inputs.end(), out.importance[k].column) - inputs.begin());
    ShapColumnSummary column{
        inputs[c], c < encoder.categorical().size(), out.importance[k].mean_abs_shap, {}};
    for (std::size_t r : sample) {
      const Cell cell{
          rows[encoded.accepted[r]][raw_at[c]],
          encoded.matrix(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(value_at[c]))};
      column.points.push_back(MakePoint(column.categorical, cell, sums.at(r, c)));
    }
    out.columns.push_back(std::move(column));
  }
  return out;
}

nlohmann::json ShapSummaryToJson(const std::vector<ShapColumnSummary>& columns) {
  // Rounded: four decimals of log-odds are far below what a chart shows, and 300 points of 8
  // columns then take some 30 kB of bundle.json.
  const auto round4 = [](double v) { return std::round(v * 1e4) / 1e4; };
  nlohmann::json out = nlohmann::json::array();
  for (const ShapColumnSummary& c : columns) {
    nlohmann::json points = nlohmann::json::array();
    for (const ShapPoint& p : c.points) {
      const nlohmann::json value = p.number
                                       ? nlohmann::json(std::stod(fmt::format("{:.6g}", *p.number)))
                                       : nlohmann::json(p.label);
      points.push_back({round4(p.contribution), value});
    }
    out.push_back({{"column", c.column},
                   {"type", c.categorical ? "categorical" : "numeric"},
                   {"mean_abs_shap", round4(c.mean_abs_shap)},
                   {"points", std::move(points)}});
  }
  return out;
}

std::vector<ShapColumnSummary> ShapSummaryFromJson(const nlohmann::json& j) {
  std::vector<ShapColumnSummary> out;
  try {
    if (!j.is_array()) throw ModelError("not a list");
    for (const nlohmann::json& c : j) {
      ShapColumnSummary column;
      column.column = c.at("column").get<std::string>();
      column.categorical = c.at("type").get<std::string>() == "categorical";
      column.mean_abs_shap = c.at("mean_abs_shap").get<double>();
      for (const nlohmann::json& p : c.at("points")) {
        ShapPoint point;
        point.contribution = p.at(0).get<double>();
        const nlohmann::json& value = p.at(1);
        if (value.is_number()) {
          point.number = value.get<double>();
        } else {
          point.label = value.get<std::string>();
        }
        column.points.push_back(std::move(point));
      }
      out.push_back(std::move(column));
    }
  } catch (const nlohmann::json::exception& e) {
    throw ModelError(std::string("bundle metadata: malformed shap_summary: ") + e.what());
  } catch (const ModelError& e) {
    throw ModelError(std::string("bundle metadata: malformed shap_summary: ") + e.what());
  }
  return out;
}

}  // namespace bankscore
