#include "model/segment_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "bankscore/error.h"

namespace bankscore {
namespace {

constexpr double kMinEffect = 0.5;          // standard deviations from the overall value
constexpr double kMinCategoryShare = 0.15;  // of the segment, for a category to be a trait
constexpr std::int64_t kMinValues = 20;     // numeric values behind a segment mean
constexpr std::size_t kMaxTraits = 3;

// Numbers for a one-line description, to 3 significant digits: 61.2, 4.86, 0.0812, 5191.
std::string Short(double v) {
  const double a = std::abs(v);
  if (a >= 100) return fmt::format("{:.0f}", v);
  if (a < 0.001) return "0";
  return fmt::format("{:.3g}", v);
}

std::string Percent(double fraction) { return fmt::format("{:.0f}%", 100 * fraction); }

std::optional<double> Ratio(double part, std::int64_t whole) {
  if (whole <= 0) return std::nullopt;
  return part / static_cast<double>(whole);
}

// The sum of every segment's aggregates.
SegmentStats Total(const std::vector<SegmentStats>& stats, std::size_t numeric,
                   std::size_t categorical) {
  SegmentStats total;
  total.numeric_count.assign(numeric, 0);
  total.numeric_sum.assign(numeric, 0.0);
  total.category_counts.resize(categorical);
  for (const SegmentStats& s : stats) {
    total.rows += s.rows;
    total.labelled += s.labelled;
    total.positives += s.positives;
    total.predicted += s.predicted;
    total.probability_sum += s.probability_sum;
    for (std::size_t i = 0; i < numeric && i < s.numeric_count.size(); ++i) {
      total.numeric_count[i] += s.numeric_count[i];
      total.numeric_sum[i] += s.numeric_sum[i];
    }
    for (std::size_t c = 0; c < categorical && c < s.category_counts.size(); ++c) {
      for (const auto& [value, count] : s.category_counts[c])
        total.category_counts[c][value] += count;
    }
  }
  return total;
}

std::int64_t CountOf(const std::map<std::string, std::int64_t>& counts, const std::string& value) {
  const auto it = counts.find(value);
  return it == counts.end() ? 0 : it->second;
}

SegmentProfile Describe(int segment, const SegmentStats& s, const SegmentStats& all,
                        const SegmentEncoder& encoder) {
  SegmentProfile p;
  p.segment = segment;
  p.size = s.rows;
  p.share = Ratio(static_cast<double>(s.rows), all.rows).value_or(0.0);
  p.labelled = s.labelled;
  p.positive_rate = Ratio(static_cast<double>(s.positives), s.labelled);
  p.predicted = s.predicted;
  p.mean_probability = Ratio(s.probability_sum, s.predicted);
  for (std::size_t i = 0; i < encoder.numeric().size(); ++i) {
    const std::int64_t n = i < s.numeric_count.size() ? s.numeric_count[i] : 0;
    const double sum = i < s.numeric_sum.size() ? s.numeric_sum[i] : 0.0;
    p.numeric.push_back({encoder.numeric()[i], Ratio(sum, n), n});
  }
  for (std::size_t c = 0; c < encoder.categorical().size(); ++c) {
    CategoryProfile category{encoder.categorical()[c], "", 0, 0};
    std::int64_t best = 0;
    if (c < s.category_counts.size()) {
      for (const auto& [value, count] : s.category_counts[c]) {
        if (count > best) {  // map order: the first value wins a tie
          best = count;
          category.top = value;
        }
      }
    }
    category.share = Ratio(static_cast<double>(best), s.rows).value_or(0.0);
    category.overall =
        Ratio(static_cast<double>(CountOf(all.category_counts[c], category.top)), all.rows)
            .value_or(0.0);
    p.categorical.push_back(std::move(category));
  }
  return p;
}

struct Trait {
  double effect = 0;
  std::string text;
};

void NumericTraits(const SegmentProfile& p, const SegmentProfile& overall,
                   const SegmentEncoder& encoder, std::vector<Trait>& out) {
  for (std::size_t i = 0; i < p.numeric.size(); ++i) {
    const NumericProfile& n = p.numeric[i];
    const std::optional<double>& all = overall.numeric[i].mean;
    const double sd = encoder.sds()[i];
    if (!n.mean || !all || n.count < kMinValues || sd <= 0) continue;
    const double effect = std::abs(*n.mean - *all) / sd;
    if (effect >= kMinEffect) {
      out.push_back({effect, n.column + (*n.mean > *all ? " high (" : " low (") + Short(*n.mean) +
                                 " vs " + Short(*all) + ")"});
    }
  }
}

void CategoryTraits(const SegmentStats& s, const SegmentStats& all, const SegmentEncoder& encoder,
                    std::vector<Trait>& out) {
  for (std::size_t c = 0; c < encoder.categorical().size() && c < s.category_counts.size(); ++c) {
    Trait best;
    for (const auto& [value, count] : s.category_counts[c]) {
      const double share = Ratio(static_cast<double>(count), s.rows).value_or(0.0);
      const double p = Ratio(static_cast<double>(CountOf(all.category_counts[c], value)), all.rows)
                           .value_or(0.0);
      if (value.empty() || share < kMinCategoryShare || p <= 0 || p >= 1) continue;
      const double effect = (share - p) / std::sqrt(p * (1 - p));
      if (effect >= kMinEffect && effect > best.effect) {
        best = {effect, encoder.categorical()[c] + " " + value + " (" + Percent(share) + " vs " +
                            Percent(p) + ")"};
      }
    }
    if (!best.text.empty()) out.push_back(std::move(best));
  }
}

std::string Outcome(const SegmentProfile& p, const OutcomeName& outcome) {
  std::string text;
  if (p.positive_rate) {
    text = Percent(*p.positive_rate) + " " + outcome.label + " = " + outcome.positive;
  }
  if (p.mean_probability) {
    text +=
        (text.empty() ? "" : ", ") + fmt::format("mean probability {:.2f}", *p.mean_probability);
  }
  return text;
}

void AddDescription(SegmentProfile& p, const SegmentStats& s, const SegmentStats& all,
                    const SegmentProfile& overall, const SegmentEncoder& encoder,
                    const OutcomeName& outcome) {
  std::vector<Trait> traits;
  NumericTraits(p, overall, encoder, traits);
  CategoryTraits(s, all, encoder, traits);
  std::stable_sort(traits.begin(), traits.end(),
                   [](const Trait& a, const Trait& b) { return a.effect > b.effect; });
  for (std::size_t i = 0; i < traits.size() && i < kMaxTraits; ++i) {
    p.traits.push_back(traits[i].text);
  }
  std::string text;
  for (const std::string& trait : p.traits) text += (text.empty() ? "" : ", ") + trait;
  if (p.size == 0) text = "empty";
  if (text.empty()) text = "close to the average client";
  const std::string tail = p.size > 0 ? Outcome(p, outcome) : "";
  p.description = tail.empty() ? text : text + ": " + tail;
}

}  // namespace

SegmentProfiles BuildProfiles(const std::vector<SegmentStats>& stats,
                              const SegmentationModel& model, const OutcomeName& outcome) {
  const SegmentEncoder& encoder = model.encoder;
  const SegmentStats all = Total(stats, encoder.numeric().size(), encoder.categorical().size());
  SegmentProfiles out;
  out.overall = Describe(0, all, all, encoder);
  out.overall.description = Outcome(out.overall, outcome);
  for (int segment = 1; segment <= model.k; ++segment) {
    const auto it = std::find_if(stats.begin(), stats.end(),
                                 [&](const SegmentStats& s) { return s.segment == segment; });
    SegmentStats empty;
    empty.segment = segment;
    const SegmentStats& s = it != stats.end() ? *it : empty;
    SegmentProfile p = Describe(segment, s, all, encoder);
    AddDescription(p, s, all, out.overall, encoder, outcome);
    out.segments.push_back(std::move(p));
  }
  return out;
}

}  // namespace bankscore
