// SegmentProfile to and from a row of segmentation.profiles_table. The row's `profile` column is
// JSON a DBA can read: {"numeric": {"age": {"mean": 61.2, "count": 812}}, "categorical":
// {"job": {"top": "retired", "share": 0.58, "overall": 0.04}}, "traits": [...], "labelled": 812,
// "predicted": 812}.
#include <nlohmann/json.hpp>

#include "bankscore/error.h"
#include "model/segment_profile.h"

namespace bankscore {

SegmentProfileRow ToRow(const SegmentProfile& p) {
  nlohmann::ordered_json numeric = nlohmann::ordered_json::object();
  for (const NumericProfile& n : p.numeric) {
    numeric[n.column] = {
        {"mean", n.mean ? nlohmann::ordered_json(*n.mean) : nlohmann::ordered_json()},
        {"count", n.count}};
  }
  nlohmann::ordered_json categorical = nlohmann::ordered_json::object();
  for (const CategoryProfile& c : p.categorical) {
    categorical[c.column] = {{"top", c.top}, {"share", c.share}, {"overall", c.overall}};
  }
  const nlohmann::ordered_json profile = {{"numeric", numeric},
                                          {"categorical", categorical},
                                          {"traits", p.traits},
                                          {"labelled", p.labelled},
                                          {"predicted", p.predicted}};
  return {p.segment,          p.size,         p.share,      p.positive_rate,
          p.mean_probability, profile.dump(), p.description};
}

SegmentProfile FromRow(const SegmentProfileRow& row) {
  SegmentProfile p;
  p.segment = row.segment;
  p.size = row.size;
  p.share = row.share;
  p.positive_rate = row.positive_rate;
  p.mean_probability = row.mean_probability;
  p.description = row.description;
  try {
    const nlohmann::json j = nlohmann::json::parse(row.profile_json);
    for (const auto& [column, n] : j.at("numeric").items()) {
      const auto& mean = n.at("mean");
      p.numeric.push_back({column,
                           mean.is_null() ? std::nullopt : std::optional(mean.get<double>()),
                           n.at("count").get<std::int64_t>()});
    }
    for (const auto& [column, c] : j.at("categorical").items()) {
      p.categorical.push_back({column, c.at("top").get<std::string>(), c.at("share").get<double>(),
                               c.at("overall").get<double>()});
    }
    p.traits = j.at("traits").get<std::vector<std::string>>();
    p.labelled = j.at("labelled").get<std::int64_t>();
    p.predicted = j.at("predicted").get<std::int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw ModelError("segment " + std::to_string(row.segment) +
                     " profile: malformed JSON: " + e.what());
  }
  return p;
}

}  // namespace bankscore
