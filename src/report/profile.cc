// bankscore profile: one streaming pass over the source table into a TableProfile, then the data
// analyst's page (profile.html) and its Markdown summary (profile.md).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <unordered_map>
#include <utility>

#include "report/profile.h"

#include "bankscore/error.h"
#include "common/text.h"
#include "report/html_document.h"
#include "report/svg_chart.h"

namespace bankscore {
namespace {

using report::FormatCount;
using report::FormatFixed;
using report::FormatPercent;
using report::FormatSignificant;
using report::Md;
using report::Share;
using report::Slug;

constexpr int kCategoriesShown = 20;  // bars per categorical chart; the rest are folded
constexpr int kHypothesesListed = 8;  // "a short list"
// A numeric column with at most this many distinct values starts its bands from one group per
// value; more values start from the histogram bins.
constexpr std::size_t kMaxValueGroups = 60;
constexpr double kMaxIntegerBins = 60;  // integer columns spanning at most this: a bin per integer
constexpr double kStrongCorrelation = 0.7;

// Label of a row: unlabelled (NULL), negative or positive.
enum class LabelState { kNone, kNegative, kPositive };

struct Counts {
  std::int64_t rows = 0, labelled = 0, positives = 0;
  void Add(LabelState s) {
    ++rows;
    if (s != LabelState::kNone) ++labelled;
    if (s == LabelState::kPositive) ++positives;
  }
  void Add(const Counts& o) {
    rows += o.rows;
    labelled += o.labelled;
    positives += o.positives;
  }
};

// Distinct numeric values, ascending, with their label counts.
using ValueCounts = std::vector<std::pair<double, Counts>>;

ValueGroup ToGroup(std::string label, const Counts& c) {
  return ValueGroup{std::move(label), c.rows, c.labelled, c.positives};
}

// Numbers as an analyst writes them: no exponent, at most five significant digits for fractions.
std::string Num(double v) {
  if (!std::isfinite(v)) return "n/a";
  if (std::abs(v) >= 1e5 || v == std::round(v)) return FormatFixed(v, 0);
  return FormatSignificant(v, 5);
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A value as a number: integers and reals as they are, text when it reads as one.
std::optional<double> NumberOf(const Value& v) {
  if (const auto* text = std::get_if<std::string>(&v)) return ParseNumber(*text);
  return AsNumber(v);
}

void Merge(ValueGroup& into, const ValueGroup& g) {
  into.rows += g.rows;
  into.labelled += g.labelled;
  into.positives += g.positives;
}

// Most rows first, then by label: the order of every list of groups.
void SortByRows(std::vector<ValueGroup>& groups) {
  std::sort(groups.begin(), groups.end(), [](const ValueGroup& a, const ValueGroup& b) {
    return a.rows != b.rows ? a.rows > b.rows : a.label < b.label;
  });
}

// One numeric column: exact moments, and the distinct values with their label counts (replaced by
// a reservoir sample past the cap, so memory stays bounded on any table).
class NumericAccumulator {
 public:
  NumericAccumulator(std::size_t cap, std::uint64_t seed) : cap_(cap), rng_(seed) {}

  void Add(double v, LabelState s) {
    ++count_;
    const double delta = v - mean_;
    mean_ += delta / static_cast<double>(count_);
    m2_ += delta * (v - mean_);
    min_ = count_ == 1 ? v : std::min(min_, v);
    max_ = count_ == 1 ? v : std::max(max_, v);
    if (!sampled_) {
      exact_[v].Add(s);
      if (exact_.size() > cap_) StartSampling();
      return;
    }
    Offer(v, s);
  }

  std::int64_t count() const { return count_; }
  bool sampled() const { return sampled_; }
  double mean() const { return mean_; }
  double sd() const { return count_ > 1 ? std::sqrt(m2_ / static_cast<double>(count_ - 1)) : 0.0; }
  double min() const { return min_; }
  double max() const { return max_; }

  // Distinct values ascending with their counts (of the sample when sampled).
  ValueCounts Values() const {
    ValueCounts out;
    if (!sampled_) {
      out.assign(exact_.begin(), exact_.end());
    } else {
      std::unordered_map<double, Counts> grouped;
      for (const auto& [v, s] : reservoir_) grouped[v].Add(s);
      out.assign(grouped.begin(), grouped.end());
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  }

 private:
  // Replays the exact counts into a uniform reservoir; from then on every value is offered.
  void StartSampling() {
    sampled_ = true;
    std::unordered_map<double, Counts> exact;
    exact.swap(exact_);
    reservoir_.reserve(cap_);
    for (const auto& [v, c] : exact) {
      const std::int64_t negatives = c.labelled - c.positives, unlabelled = c.rows - c.labelled;
      for (std::int64_t i = 0; i < c.positives; ++i) Offer(v, LabelState::kPositive);
      for (std::int64_t i = 0; i < negatives; ++i) Offer(v, LabelState::kNegative);
      for (std::int64_t i = 0; i < unlabelled; ++i) Offer(v, LabelState::kNone);
    }
  }

  void Offer(double v, LabelState s) {
    ++offered_;
    if (reservoir_.size() < cap_) {
      reservoir_.emplace_back(v, s);
      return;
    }
    std::uniform_int_distribution<std::int64_t> pick(0, offered_ - 1);
    const std::int64_t j = pick(rng_);
    if (j < static_cast<std::int64_t>(cap_)) reservoir_[static_cast<std::size_t>(j)] = {v, s};
  }

  std::size_t cap_;
  std::mt19937_64 rng_;
  std::int64_t count_ = 0;
  double mean_ = 0, m2_ = 0, min_ = 0, max_ = 0;
  bool sampled_ = false;
  std::unordered_map<double, Counts> exact_;
  std::vector<std::pair<double, LabelState>> reservoir_;
  std::int64_t offered_ = 0;
};

struct ColumnAccumulator {
  ColumnAccumulator(std::string n, std::size_t cap, std::uint64_t seed)
      : name(std::move(n)), numbers(cap, seed) {}
  std::string name;
  std::string role;
  bool declared_numeric = false;
  bool declared_categorical = false;
  bool is_key = false;
  std::optional<double> sentinel;
  std::int64_t rows = 0, nulls = 0, unknowns = 0, integers = 0, reals = 0, texts = 0;
  std::int64_t numeric_texts = 0;  // text that parses as a number
  Counts sentinel_counts;
  NumericAccumulator numbers;
  std::unordered_map<std::string, Counts> categories;
  Counts other;  // categories past the cap

  bool Numeric() const {
    if (declared_numeric || is_key) return true;
    if (declared_categorical) return false;
    return texts == numeric_texts && integers + reals + texts > 0;
  }

  // Text columns keep category counts; numeric ones keep numbers; an undeclared column keeps
  // both until its values show which it is.
  void Add(const Value& v, LabelState state, std::size_t max_categories) {
    ++rows;
    if (IsNull(v)) {
      ++nulls;
      return;
    }
    const std::optional<double> number = CountType(v);
    if (!declared_numeric && !is_key) AddCategory(ValueText(v), state, max_categories);
    if (number && !declared_categorical && std::isfinite(*number)) AddNumber(*number, state);
  }

 private:
  // Counts how the value is stored (and the literal "unknown"); returns it as a number, if it is.
  std::optional<double> CountType(const Value& v) {
    if (std::holds_alternative<std::int64_t>(v)) ++integers;
    if (std::holds_alternative<double>(v)) ++reals;
    const auto* text = std::get_if<std::string>(&v);
    if (text == nullptr) return AsNumber(v);
    ++texts;
    if (*text == "unknown") ++unknowns;
    const std::optional<double> number = ParseNumber(*text);
    if (number) ++numeric_texts;
    return number;
  }

  void AddCategory(const std::string& text, LabelState state, std::size_t max_categories) {
    auto it = categories.find(text);
    if (it != categories.end()) {
      it->second.Add(state);
    } else if (categories.size() < max_categories) {
      categories[text].Add(state);
    } else {
      other.Add(state);
    }
  }

  // A key's values are no evidence for the label, so they carry no label counts.
  void AddNumber(double number, LabelState state) {
    if (sentinel && number == *sentinel) {
      sentinel_counts.Add(state);
    } else {
      numbers.Add(number, is_key ? LabelState::kNone : state);
    }
  }
};

ColumnAccumulator MakeAccumulator(const ProfileOptions& o, const std::string& name,
                                  std::size_t index) {
  ColumnAccumulator a(name, std::max<std::size_t>(o.max_exact_values, 16), 42 + index);
  a.declared_numeric = Contains(o.numeric, name);
  a.declared_categorical = Contains(o.categorical, name) || name == o.label;
  a.is_key = name == o.key;
  a.role = a.is_key                 ? "key"
           : name == o.label        ? "label"
           : a.declared_categorical ? "categorical feature"
           : a.declared_numeric     ? "numeric feature"
                                    : "not a feature";
  if (auto it = o.sentinels.find(name); it != o.sentinels.end()) a.sentinel = it->second;
  return a;
}

// Running sums for one pair of numeric columns, shifted by a first value for accuracy.
struct PairSums {
  std::size_t a = 0, b = 0;  // positions among the correlated columns
  std::int64_t n = 0;
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;

  void Add(double x, double y) {
    ++n;
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }

  // Pearson r; nullopt with fewer than 3 rows or a constant column.
  std::optional<double> R() const {
    if (n < 3) return std::nullopt;
    const double count = static_cast<double>(n);
    const double vx = sxx - sx * sx / count, vy = syy - sy * sy / count;
    if (vx <= 0 || vy <= 0) return std::nullopt;
    return std::clamp((sxy - sx * sy / count) / std::sqrt(vx * vy), -1.0, 1.0);
  }
};

double Quantile(const ValueCounts& values, std::int64_t n, double p) {
  // Linear interpolation between order statistics (numpy's default, R type 7).
  const double h = (static_cast<double>(n) - 1) * p;
  const auto lo_rank = static_cast<std::int64_t>(std::floor(h));
  const std::int64_t hi_rank = std::min<std::int64_t>(lo_rank + 1, n - 1);
  auto at = [&values](std::int64_t rank) {
    std::int64_t seen = 0;
    for (const auto& [v, c] : values) {
      seen += c.rows;
      if (rank < seen) return v;
    }
    return values.back().first;
  };
  const double a = at(lo_rank), b = at(hi_rank);
  return a + (b - a) * (h - static_cast<double>(lo_rank));
}

// ROC AUC of the value as a score for the label (ties count one half).
double RankAuc(const ValueCounts& values) {
  double positives = 0, negatives = 0, pairs = 0;
  for (const auto& [v, c] : values) {
    const double pos = static_cast<double>(c.positives);
    const double neg = static_cast<double>(c.labelled - c.positives);
    pairs += pos * (negatives + 0.5 * neg);
    positives += pos;
    negatives += neg;
  }
  return positives > 0 && negatives > 0 ? pairs / (positives * negatives) : 0.5;
}

// "17–24"; with a negative end "-37.5 to -36.1", since a dash next to a minus sign misreads.
std::string BandLabel(double lo, double hi) {
  if (lo == hi) return Num(lo);
  return Num(lo) + (lo < 0 || hi < 0 ? " to " : "\xE2\x80\x93") + Num(hi);
}

// Histogram edges: one bin per integer for small integer ranges, else about 20 nice bins. A long
// right tail (the top 1% spanning more than the rest) is cut at the 99th percentile; BinOf puts
// the values beyond the last edge into the last bin, and the caption says so.
std::vector<double> HistogramEdges(const ValueCounts& values, std::int64_t n) {
  const double lo = values.front().first, max = values.back().first;
  const double p99 = Quantile(values, n, 0.99);
  const double hi = p99 > lo && max - lo > 2 * (p99 - lo) ? p99 : max;
  const bool integers = std::all_of(values.begin(), values.end(),
                                    [](const auto& p) { return p.first == std::round(p.first); });
  std::vector<double> edges;
  if (integers && hi - lo <= kMaxIntegerBins) {
    for (double v = lo; v <= std::floor(hi) + 1; v += 1) edges.push_back(v - 0.5);
    return edges;
  }
  double step = report::MakeNiceScale(lo, hi, 21).step;
  if (integers) step = std::max(step, 1.0);
  const double first = std::floor(lo / step) * step;
  for (double e = first;; e += step) {
    edges.push_back(e);
    if (e > hi) break;
  }
  return edges;
}

std::size_t BinOf(const std::vector<double>& edges, double v) {
  const auto it = std::upper_bound(edges.begin(), edges.end(), v);
  const auto i = static_cast<std::size_t>(std::max<std::ptrdiff_t>(it - edges.begin() - 1, 0));
  return std::min(i, edges.size() - 2);
}

// Groups of adjacent values, each holding at least `min_support` labelled rows (the last one
// merged into its neighbour when short).
std::vector<ValueGroup> Bands(const ValueCounts& values, const std::vector<double>& edges,
                              std::int64_t min_support) {
  struct Fine {
    double lo, hi;
    Counts c;
  };
  std::vector<Fine> fine;
  if (values.size() <= kMaxValueGroups) {
    for (const auto& [v, c] : values) fine.push_back({v, v, c});
  } else {
    for (const auto& [v, c] : values) {
      const std::size_t b = BinOf(edges, v);
      if (fine.empty() || BinOf(edges, fine.back().hi) != b) fine.push_back({v, v, {}});
      fine.back().hi = v;
      fine.back().c.Add(c);
    }
  }
  std::vector<Fine> merged;
  bool open = false;
  for (const Fine& f : fine) {
    if (!open) {
      merged.push_back(f);
      open = true;
    } else {
      merged.back().hi = f.hi;
      merged.back().c.Add(f.c);
    }
    if (merged.back().c.labelled >= min_support) open = false;
  }
  if (open && merged.size() >= 2) {
    Fine last = merged.back();
    merged.pop_back();
    merged.back().hi = last.hi;
    merged.back().c.Add(last.c);
  }
  std::vector<ValueGroup> out;
  for (const Fine& m : merged) out.push_back(ToGroup(BandLabel(m.lo, m.hi), m.c));
  return out;
}

std::int64_t MinSupport(std::int64_t labelled) {
  return std::max<std::int64_t>(20, static_cast<std::int64_t>(std::ceil(0.01 * labelled)));
}

// Every label value with its rows; NULL is unlabelled and only the positive value is positive.
std::vector<ValueGroup> LabelGroups(const std::unordered_map<std::string, Counts>& values,
                                    const std::string& positive_label) {
  std::vector<ValueGroup> groups;
  for (const auto& [text, c] : values) {
    ValueGroup g = ToGroup(text, c);
    g.labelled = text == "(NULL)" ? 0 : c.rows;
    g.positives = text == positive_label ? c.rows : 0;
    groups.push_back(g);
  }
  SortByRows(groups);
  return groups;
}

std::string StorageText(const ColumnAccumulator& a) {
  std::vector<std::string> storage;
  if (a.integers) storage.push_back("integer");
  if (a.reals) storage.push_back("real");
  if (a.texts) storage.push_back("text");
  return storage.empty() ? "(only NULL)" : Join(storage, " + ");
}

// Rows per bin; values past the last edge (a folded long tail) count in the last bin.
void FillHistogram(const ValueCounts& values, std::int64_t n, NumericSummary& s) {
  s.edges = HistogramEdges(values, n);
  s.counts.assign(s.edges.size() - 1, 0);
  for (const auto& [v, c] : values) {
    s.counts[BinOf(s.edges, v)] += c.rows;
    if (v >= s.edges.back()) {
      if (s.overflow_rows == 0) s.overflow_from = v;
      s.overflow_rows += c.rows;
    }
  }
}

NumericSummary SummarizeNumbers(const ColumnAccumulator& a, std::int64_t min_support) {
  NumericSummary s;
  s.count = a.numbers.count();
  s.sampled = a.numbers.sampled();
  s.sentinel = a.sentinel;
  s.sentinel_rows = a.sentinel_counts.rows;
  s.sentinel_group = ToGroup(a.sentinel ? Num(*a.sentinel) + " (sentinel)" : "", a.sentinel_counts);
  const ValueCounts values = a.numbers.Values();
  s.distinct = static_cast<std::int64_t>(values.size());
  if (values.empty()) return s;
  std::int64_t n = 0;
  for (const auto& [v, c] : values) n += c.rows;
  s.min = a.numbers.min();
  s.max = a.numbers.max();
  s.mean = a.numbers.mean();
  s.sd = a.numbers.sd();
  s.q1 = Quantile(values, n, 0.25);
  s.median = Quantile(values, n, 0.5);
  s.q3 = Quantile(values, n, 0.75);
  if (a.is_key) return s;  // a key's distribution says nothing about the data
  FillHistogram(values, n, s);
  s.bands = Bands(values, s.edges, min_support);
  s.rank_auc = RankAuc(values);
  return s;
}

// Categories most frequent first, then "(other)" for those past the cap.
std::vector<ValueGroup> CategoryGroups(const ColumnAccumulator& a) {
  std::vector<ValueGroup> groups;
  for (const auto& [text, c] : a.categories) groups.push_back(ToGroup(text, c));
  SortByRows(groups);
  if (a.other.rows > 0) groups.push_back(ToGroup("(other)", a.other));
  return groups;
}

ColumnProfile ProfileColumn(const ColumnAccumulator& a, std::int64_t min_support) {
  ColumnProfile col;
  col.name = a.name;
  col.role = a.role;
  col.numeric = a.Numeric();
  col.storage = StorageText(a);
  col.rows = a.rows;
  col.nulls = a.nulls;
  col.unknowns = a.unknowns;
  if (col.numeric) {
    col.non_numeric = a.texts - a.numeric_texts;
    col.summary = SummarizeNumbers(a, min_support);
    col.distinct = col.summary.distinct + (a.sentinel_counts.rows > 0 ? 1 : 0);
  } else {
    col.categories = CategoryGroups(a);
    col.distinct = static_cast<std::int64_t>(a.categories.size());
    col.other_categories = a.other.rows;
  }
  return col;
}

// The groups whose positive rates a column is compared by: its categories, or its bands and
// its sentinel.
std::vector<ValueGroup> RateGroups(const ColumnProfile& col) {
  if (!col.numeric) return col.categories;
  std::vector<ValueGroup> groups = col.summary.bands;
  if (col.summary.sentinel_group.rows > 0) groups.push_back(col.summary.sentinel_group);
  return groups;
}

// The column's groups with the highest and lowest rate among those with enough rows ("(other)"
// is no group); nullopt when there are not two such groups.
std::optional<Hypothesis> HypothesisFor(const ColumnProfile& col, std::int64_t min_support) {
  const std::vector<ValueGroup> groups = RateGroups(col);
  const ValueGroup* high = nullptr;
  const ValueGroup* low = nullptr;
  for (const ValueGroup& g : groups) {
    if (g.labelled < min_support || g.label == "(other)") continue;
    if (high == nullptr || g.Rate() > high->Rate()) high = &g;
    if (low == nullptr || g.Rate() < low->Rate()) low = &g;
  }
  if (high == nullptr || high == low) return std::nullopt;
  Hypothesis h;
  h.column = col.name;
  h.high = *high;
  h.low = *low;
  h.gap = high->Rate() - low->Rate();
  h.min_rows = min_support;
  if (col.numeric) h.rank_auc = col.summary.rank_auc;
  return h;
}

}  // namespace

ProfileOptions ProfileOptionsFromConfig(const Config& config) {
  ProfileOptions o;
  o.table = config.source.table;
  o.key = config.source.key;
  o.label = config.source.label;
  o.positive_label = config.source.positive_label;
  o.categorical = config.source.categorical;
  o.numeric = config.source.numeric;
  o.sentinels = config.source.sentinels;
  return o;
}

struct TableProfiler::Impl {
  ProfileOptions options;
  std::vector<std::string> columns;
  std::size_t label_index = 0;
  bool has_label = false;
  std::vector<ColumnAccumulator> accumulators;
  std::unordered_map<std::string, Counts> label_values;
  std::vector<std::size_t> correlated;  // indices of numeric feature columns
  std::vector<PairSums> pairs;
  std::vector<double> shift;  // per correlated column: its first value
  std::vector<bool> shift_set;
  std::vector<std::optional<double>> row_numbers;  // per correlated column, in the current row
  std::int64_t rows = 0, labelled = 0, positives = 0;

  LabelState AddLabel(const std::vector<Value>& row);
  void AddCorrelations(const std::vector<Value>& row);
  std::vector<Correlation> Correlations() const;
};

// Counts the row's label value; returns the row's label state for the other columns' rates.
LabelState TableProfiler::Impl::AddLabel(const std::vector<Value>& row) {
  if (!has_label) return LabelState::kNone;
  const Value& label = row[label_index];
  label_values[IsNull(label) ? "(NULL)" : ValueText(label)].Add(LabelState::kNone);
  if (IsNull(label)) return LabelState::kNone;
  const LabelState state =
      ValueText(label) == options.positive_label ? LabelState::kPositive : LabelState::kNegative;
  ++labelled;
  if (state == LabelState::kPositive) ++positives;
  return state;
}

// Correlations count rows where both columns hold a number that is not a sentinel.
void TableProfiler::Impl::AddCorrelations(const std::vector<Value>& row) {
  for (std::size_t k = 0; k < correlated.size(); ++k) {
    const ColumnAccumulator& a = accumulators[correlated[k]];
    std::optional<double> number = NumberOf(row[correlated[k]]);
    if (number && a.sentinel && *number == *a.sentinel) number.reset();
    if (number && !shift_set[k]) {
      shift[k] = *number;
      shift_set[k] = true;
    }
    row_numbers[k] = number ? std::optional<double>(*number - shift[k]) : std::nullopt;
  }
  for (PairSums& p : pairs) {
    if (row_numbers[p.a] && row_numbers[p.b]) p.Add(*row_numbers[p.a], *row_numbers[p.b]);
  }
}

// Every pair with a defined r, strongest first.
std::vector<Correlation> TableProfiler::Impl::Correlations() const {
  std::vector<Correlation> out;
  for (const PairSums& p : pairs) {
    if (const std::optional<double> r = p.R()) {
      out.push_back({columns[correlated[p.a]], columns[correlated[p.b]], *r, p.n});
    }
  }
  std::sort(out.begin(), out.end(), [](const Correlation& x, const Correlation& y) {
    return std::abs(x.r) > std::abs(y.r);
  });
  return out;
}

TableProfiler::TableProfiler(ProfileOptions options, std::vector<std::string> columns)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.options = std::move(options);
  m.columns = std::move(columns);
  for (std::size_t i = 0; i < m.columns.size(); ++i) {
    const std::string& name = m.columns[i];
    m.accumulators.push_back(MakeAccumulator(m.options, name, i));
    if (name == m.options.label) {
      m.label_index = i;
      m.has_label = true;
    }
    if (m.accumulators.back().declared_numeric) m.correlated.push_back(i);
  }
  for (std::size_t x = 0; x < m.correlated.size(); ++x) {
    for (std::size_t y = x + 1; y < m.correlated.size(); ++y) m.pairs.push_back({x, y});
  }
  m.shift.assign(m.correlated.size(), 0.0);
  m.shift_set.assign(m.correlated.size(), false);
  m.row_numbers.assign(m.correlated.size(), std::nullopt);
}

TableProfiler::~TableProfiler() = default;

void TableProfiler::Add(const RowBatch& batch) {
  Impl& m = *impl_;
  if (batch.columns != m.columns) {
    throw DataError("profile of " + m.options.table + ": a batch arrived with other columns");
  }
  for (const auto& row : batch.rows) {
    ++m.rows;
    const LabelState state = m.AddLabel(row);
    for (std::size_t c = 0; c < row.size(); ++c) {
      m.accumulators[c].Add(row[c], state, m.options.max_categories);
    }
    m.AddCorrelations(row);
  }
}

TableProfile TableProfiler::Finish() {
  const Impl& m = *impl_;
  TableProfile profile;
  profile.options = m.options;
  profile.rows = m.rows;
  profile.labelled = m.labelled;
  profile.positives = m.positives;
  profile.label_values = LabelGroups(m.label_values, m.options.positive_label);
  const std::int64_t min_support = MinSupport(m.labelled);
  for (const ColumnAccumulator& a : m.accumulators) {
    profile.columns.push_back(ProfileColumn(a, min_support));
  }
  profile.correlations = m.Correlations();
  return profile;
}

std::vector<Hypothesis> RankHypotheses(const TableProfile& profile) {
  const ProfileOptions& o = profile.options;
  const std::int64_t min_support = MinSupport(profile.labelled);
  std::vector<Hypothesis> out;
  if (profile.labelled == 0) return out;
  for (const ColumnProfile& col : profile.columns) {
    if (col.role == "key" || col.role == "label" || Contains(o.leakage_columns, col.name)) continue;
    if (std::optional<Hypothesis> h = HypothesisFor(col, min_support)) out.push_back(std::move(*h));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Hypothesis& a, const Hypothesis& b) { return a.gap > b.gap; });
  return out;
}

namespace {

using report::Bar;
using report::BarChartSpec;
using report::NoteKind;
using report::ReportDocument;
using report::Table;

const ColumnProfile* FindColumn(const TableProfile& p, const std::string& name) {
  for (const ColumnProfile& c : p.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

double OverallRate(const TableProfile& p) { return Share(p.positives, p.labelled); }

// "where month = `mar`" or "where age in 60–69": how a group reads in a sentence.
std::string GroupPhrase(const std::string& column, const ValueGroup& g, bool numeric) {
  const bool single = g.label.find("\xE2\x80\x93") == std::string::npos &&
                      g.label.find(" to ") == std::string::npos;
  return Md(column) + (numeric && !single ? " in " : " = ") + "`" + Md(g.label) + "`";
}

std::string RateNote(const ValueGroup& g) {
  return FormatPercent(g.Rate()) + " of " + FormatCount(g.labelled);
}

// Bars for the rate chart of a list of groups (the biggest kCategoriesShown, in the given order).
std::vector<Bar> RateBars(const std::vector<ValueGroup>& groups, std::int64_t min_support) {
  std::vector<Bar> bars;
  for (const ValueGroup& g : groups) {
    if (static_cast<int>(bars.size()) == kCategoriesShown) break;
    if (g.labelled == 0) continue;
    bars.push_back(
        {g.label, g.Rate(), RateNote(g) + (g.labelled < min_support ? " (few rows)" : "")});
  }
  return bars;
}

BarChartSpec RateChart(const std::string& id, const std::string& column, double overall) {
  BarChartSpec spec;
  spec.id = id;
  spec.title = "Positive rate by " + column;
  spec.value_axis.label = "positive rate (labelled rows)";
  spec.value_axis.percent = true;
  spec.category_label = column;
  spec.color = report::kPalette[2];
  spec.reference = report::VerticalMarker{overall, "overall " + FormatPercent(overall), "#333333"};
  return spec;
}

ReportDocument StartDocument(const TableProfile& p, const ReportStamp& stamp) {
  const ProfileOptions& o = p.options;
  ReportDocument doc(ReportTitle(stamp.report, "data profile", "Data profile: " + o.table));
  doc.AddMeta("Data", DataSourceText(stamp.report, o.table, o.label, o.positive_label));
  doc.AddMeta("Source", "table `" + Md(o.table) + "`, key `" + Md(o.key) + "`, label `" +
                            Md(o.label) + "` (positive value \"" + Md(o.positive_label) + "\")");
  doc.AddMeta("Model", stamp.model_version.empty()
                           ? std::string("no model trained yet")
                           : "version `" + Md(stamp.model_version) + "`, created " +
                                 Md(stamp.model_created_at));
  doc.AddMeta("Generated", Md(stamp.generated_at) + " (UTC)");
  return doc;
}

// --- Overview ---

// The overview's "summary" cell: the median and range, or the most frequent category.
std::string ColumnSummary(const ColumnProfile& c) {
  if (c.numeric && c.summary.count > 0) {
    std::string summary = "median " + Num(c.summary.median) + ", range " + Num(c.summary.min) +
                          " to " + Num(c.summary.max);
    if (c.summary.sentinel_rows > 0) {
      summary += "; sentinel " + Num(*c.summary.sentinel) + " in " +
                 FormatPercent(Share(c.summary.sentinel_rows, c.rows));
    }
    return summary;
  }
  if (c.categories.empty()) return "";
  return "most frequent `" + Md(c.categories.front().label) + "` (" +
         FormatPercent(Share(c.categories.front().rows, c.rows)) + ")";
}

Table OverviewTable(const TableProfile& p) {
  Table overview;
  overview.header = {"column", "role",        "stored as", "non-NULL",
                     "NULL",   "\"unknown\"", "distinct",  "summary"};
  overview.numeric = {false, false, false, true, true, true, true, false};
  for (const ColumnProfile& c : p.columns) {
    overview.rows.push_back(
        {"[`" + Md(c.name) + "`](#col-" + Slug(c.name) + ")", c.role, Md(c.storage),
         FormatCount(c.rows - c.nulls), FormatPercent(Share(c.nulls, c.rows)),
         FormatPercent(Share(c.unknowns, c.rows)),
         // A sample's distinct count is only a lower bound.
         FormatCount(c.distinct) + (c.summary.sampled ? "+" : ""), ColumnSummary(c)});
  }
  return overview;
}

// What the "unknown" column of the overview counts, and where this table has any.
std::string UnknownSummary(const TableProfile& p) {
  int columns = 0;
  for (const ColumnProfile& c : p.columns) columns += c.unknowns > 0 ? 1 : 0;
  return "\"unknown\" counts the literal text `unknown`" +
         (columns == 0 ? std::string(", which no column holds.")
                       : ", held by " + std::to_string(columns) + " of the " +
                             std::to_string(p.columns.size()) + " columns.");
}

void OverviewSection(ReportDocument& doc, const TableProfile& p) {
  doc.BeginSection("overview", "Overview");
  doc.AddParagraph(FormatCount(p.rows) + " rows and " + std::to_string(p.columns.size()) +
                   " columns; " + FormatCount(p.labelled) + " rows are labelled, of which " +
                   FormatCount(p.positives) + " (" + FormatPercent(OverallRate(p)) + ") are \"" +
                   Md(p.options.positive_label) + "\". The table was read once, in key order, in " +
                   "batches. " + UnknownSummary(p));
  doc.AddTable(OverviewTable(p));
}

// --- Target ---

std::string TargetText(const TableProfile& p) {
  const std::int64_t negatives = p.labelled - p.positives;
  return FormatCount(p.positives) + " of " + FormatCount(p.labelled) + " labelled rows (" +
         FormatPercent(OverallRate(p)) + ") are positive: about " +
         (p.positives > 0 ? FormatFixed(static_cast<double>(negatives) / p.positives, 1) : "n/a") +
         " negatives per positive. Accuracy is therefore a poor yardstick (predicting negative for "
         "everyone is " +
         FormatPercent(Share(negatives, p.labelled)) + " accurate); the model " +
         "report uses recall, precision, F1, ROC and PR curves and lift.";
}

Table TargetTable(const TableProfile& p) {
  Table target;
  target.header = {Md(p.options.label), "rows", "share"};
  target.numeric = {false, true, true};
  for (const ValueGroup& g : p.label_values) {
    target.rows.push_back(
        {"`" + Md(g.label) + "`", FormatCount(g.rows), FormatPercent(Share(g.rows, p.rows))});
  }
  return target;
}

BarChartSpec BalanceChart(const TableProfile& p) {
  BarChartSpec balance;
  balance.id = "target-balance";
  balance.title = "Target balance: " + p.options.label;
  balance.value_axis.label = "rows";
  balance.category_label = p.options.label;
  for (const ValueGroup& g : p.label_values) {
    balance.bars.push_back(
        {g.label, static_cast<double>(g.rows),
         FormatCount(g.rows) + " (" + FormatPercent(Share(g.rows, p.rows)) + ")"});
  }
  return balance;
}

void TargetSection(ReportDocument& doc, const TableProfile& p) {
  doc.BeginSection("target", "Target balance");
  doc.AddParagraph(p.labelled > 0 ? TargetText(p)
                                  : "No row has a label, so no positive rates can be shown.");
  doc.AddTable(TargetTable(p));
  doc.AddFigure(report::BarChart(BalanceChart(p)), "Rows per label value (all rows).");
}

// --- Leakage, sentinels and unknowns ---

// How well a value ranks positives, in either direction (AUC 0.3 ranks as well as 0.7).
double RankStrength(double auc) { return std::max(auc, 1 - auc); }

struct StrongestFeature {
  std::string name;  // empty: no numeric feature ranks better than chance
  double strength = 0.5;
};

StrongestFeature StrongestNumericFeature(const TableProfile& p) {
  StrongestFeature best;
  for (const ColumnProfile& c : p.columns) {
    if (!c.numeric || (c.role != "numeric feature")) continue;
    const double strength = RankStrength(c.summary.rank_auc);
    if (strength > best.strength) best = {c.name, strength};
  }
  return best;
}

// How strongly the leaking column ranks positives here, against the best honest feature.
std::string LeakageStrengthText(const TableProfile& p, const ColumnProfile& c) {
  const NumericSummary& s = c.summary;
  const StrongestFeature best = StrongestNumericFeature(p);
  std::string text = " In this table, ranking by " + Md(c.name) + " alone gives ROC AUC " +
                     FormatFixed(RankStrength(s.rank_auc), 3);
  if (!best.name.empty()) {
    text += ", against " + FormatFixed(best.strength, 3) + " for the strongest numeric " +
            "feature (" + Md(best.name) + ")";
  }
  text += ".";
  if (!s.bands.empty()) {
    const ValueGroup& first = s.bands.front();
    const ValueGroup& last = s.bands.back();
    text += " Positive rate " + FormatPercent(first.Rate()) + " for " + Md(c.name) + " " +
            Md(first.label) + " against " + FormatPercent(last.Rate()) + " for " + Md(last.label) +
            ".";
  }
  return text;
}

std::string LeakageText(const TableProfile& p, const ColumnProfile& c, bool is_feature) {
  std::string text = "**" + Md(c.name) + "** is treated as known only with the outcome (a " +
                     "leakage column), so it is kept out of the hypotheses.";
  if (c.numeric && c.summary.count > 0 && p.labelled > 0) text += LeakageStrengthText(p, c);
  text += is_feature ? " It IS configured as a feature: if it is only known with the outcome, a "
                       "model trained with it cannot be used before the outcome is known."
                     : " It is not a model feature here (not in source.features).";
  return text;
}

// A warning when a leakage column is a feature, else a note.
void LeakageNotes(ReportDocument& doc, const TableProfile& p) {
  const ProfileOptions& o = p.options;
  for (const std::string& name : o.leakage_columns) {
    const ColumnProfile* c = FindColumn(p, name);
    if (c == nullptr) continue;
    const bool is_feature = Contains(o.numeric, name) || Contains(o.categorical, name);
    doc.AddNote(is_feature ? NoteKind::kWarning : NoteKind::kInfo, LeakageText(p, *c, is_feature));
  }
}

std::string SentinelText(const TableProfile& p, const ColumnProfile& c, double value) {
  const NumericSummary& s = c.summary;
  ValueGroup others{"", 0, 0, 0};
  for (const ValueGroup& g : s.bands) Merge(others, g);
  std::string text = "Sentinel **" + Md(c.name) + " = " + Num(value) +
                     "** (a configured \"no value\" marker): " + FormatCount(s.sentinel_rows) +
                     " rows (" + FormatPercent(Share(s.sentinel_rows, c.rows)) + ").";
  if (p.labelled > 0 && s.sentinel_group.labelled > 0) {
    text += " Positive rate " + FormatPercent(s.sentinel_group.Rate()) + " in those rows, " +
            FormatPercent(others.Rate()) + " in the others.";
  }
  return text + " The statistics and histogram of " + Md(c.name) +
         " leave the sentinel out; the "
         "model's encoder turns it into a flag column and a missing value.";
}

std::vector<std::string> UnknownItems(const TableProfile& p) {
  std::vector<std::string> items;
  for (const ColumnProfile& c : p.columns) {
    if (c.unknowns == 0) continue;
    std::string item = "`" + Md(c.name) + "`: " + FormatPercent(Share(c.unknowns, c.rows)) +
                       " \"unknown\" (" + FormatCount(c.unknowns) + " rows)";
    for (const ValueGroup& g : c.categories) {
      if (g.label == "unknown" && g.labelled > 0) {
        item += ", positive rate " + FormatPercent(g.Rate());
      }
    }
    items.push_back(item);
  }
  return items;
}

void NotesSection(ReportDocument& doc, const TableProfile& p) {
  doc.BeginSection("notes", "Leakage, sentinels and unknowns");
  LeakageNotes(doc, p);
  for (const auto& [name, value] : p.options.sentinels) {
    const ColumnProfile* c = FindColumn(p, name);
    if (c != nullptr) doc.AddNote(NoteKind::kInfo, SentinelText(p, *c, value));
  }
  const std::vector<std::string> unknowns = UnknownItems(p);
  if (!unknowns.empty()) {
    doc.AddParagraph(
        "Columns holding the literal \"unknown\" (kept as a category of its own by "
        "the encoder):");
    doc.AddList(unknowns);
  }
}

// --- Hypotheses ---

const Correlation* FindCorrelation(const TableProfile& p, const std::string& a,
                                   const std::string& b) {
  for (const Correlation& c : p.correlations) {
    if ((c.a == a && c.b == b) || (c.a == b && c.b == a)) return &c;
  }
  return nullptr;
}

// A hypothesis on the short list, and the columns named under it: a column strongly correlated
// with one already listed adds no new hypothesis, so the short list covers different effects.
struct ListedHypothesis {
  std::size_t index;                    // into the ranked hypotheses
  std::vector<std::string> members;     // its column, then the columns named under it
  std::vector<std::string> companions;  // report text for each of those
};

// Names `column` under `listed` when it moves with any member. Members include the columns named
// earlier, so a column that moves with one of those joins the same hypothesis.
bool Absorb(const TableProfile& p, ListedHypothesis& listed, const std::string& column) {
  for (const std::string& member : listed.members) {
    const Correlation* c = FindCorrelation(p, column, member);
    if (c == nullptr || std::abs(c->r) < kStrongCorrelation) continue;
    listed.companions.push_back(
        "`" + Md(column) + "` (r = " + FormatFixed(c->r, 2) +
        (member == listed.members.front() ? "" : " with `" + Md(member) + "`") + ")");
    listed.members.push_back(column);
    return true;
  }
  return false;
}

std::vector<ListedHypothesis> ShortList(const TableProfile& p,
                                        const std::vector<Hypothesis>& hypotheses) {
  std::vector<ListedHypothesis> listed;
  for (std::size_t i = 0; i < hypotheses.size(); ++i) {
    const std::string& column = hypotheses[i].column;
    bool absorbed = false;
    for (ListedHypothesis& l : listed) {
      absorbed = Absorb(p, l, column);
      if (absorbed) break;
    }
    if (!absorbed && listed.size() < static_cast<std::size_t>(kHypothesesListed)) {
      listed.push_back({i, {column}, {}});
    }
  }
  return listed;
}

// `companions`: report text naming correlated columns left out of the list in its favour.
std::string HypothesisText(const Hypothesis& h, const ColumnProfile& col, double overall,
                           const std::string& companions) {
  std::string text = "**" + Md(h.column) + "**: " + FormatPercent(h.high.Rate()) + " positive " +
                     "where " + GroupPhrase(h.column, h.high, col.numeric) + " (" +
                     FormatCount(h.high.labelled) + " labelled rows) against " +
                     FormatPercent(h.low.Rate()) + " where " +
                     GroupPhrase(h.column, h.low, col.numeric) + " (" +
                     FormatCount(h.low.labelled) + "); a gap of " + FormatFixed(h.gap * 100, 1) +
                     " percentage points (overall " + FormatPercent(overall) + ").";
  if (h.rank_auc) {
    const double auc = *h.rank_auc;
    if (std::abs(auc - 0.5) < 0.05) {
      text += " The value alone barely ranks positives (ROC AUC " + FormatFixed(auc, 3) +
              "): the difference lies in particular bands, not in a trend.";
    } else {
      text += fmt::format(
          " Ranked by {} alone, ROC AUC {}: {} values tend to go with "
          "a positive label.",
          Md(h.column), FormatFixed(auc, 3), auc > 0.5 ? "higher" : "lower");
    }
  }
  if (!companions.empty()) {
    text += " It moves with " + companions + ", whose rates tell much the same story.";
  }
  text += " This suggests that " + Md(h.column) +
          " is associated with the label (an association in this data, not a cause; chart: "
          "[rates by " +
          Md(h.column) + "](#rate-" + Slug(h.column) + ")).";
  return text;
}

std::string HypothesesIntro(std::int64_t min_rows) {
  return "Each hypothesis compares the positive rate between the groups of one column: its "
         "categories, or bands of adjacent values for numeric columns (a sentinel is a group of "
         "its own). Only groups with at least " +
         FormatCount(min_rows) +
         " labelled rows (1% of them, at least 20) count. Columns are ranked by the gap between "
         "their highest and lowest rate; the key, the label and leakage columns are left out, "
         "and a numeric feature that moves with a listed one (|r| at least " +
         FormatFixed(kStrongCorrelation, 1) +
         ") is named under it. These are associations "
         "found in this data, worth testing, not causes.";
}

std::vector<std::string> OverlapItems(const TableProfile& p) {
  std::vector<std::string> overlaps;
  for (const Correlation& c : p.correlations) {
    if (std::abs(c.r) < kStrongCorrelation) continue;
    overlaps.push_back("`" + Md(c.a) + "` and `" + Md(c.b) + "`: r = " + FormatFixed(c.r, 2) +
                       " over " + FormatCount(c.rows) + " rows");
  }
  return overlaps;
}

Table RankedTable(const std::vector<Hypothesis>& hypotheses) {
  Table ranked;
  ranked.caption =
      "Every eligible column, ranked by the gap between its highest and lowest "
      "positive rate.";
  ranked.header = {"#", "column", "highest", "rate", "rows", "lowest", "rate", "rows", "gap (pp)"};
  ranked.numeric = {true, false, false, true, true, false, true, true, true};
  for (std::size_t i = 0; i < hypotheses.size(); ++i) {
    const Hypothesis& h = hypotheses[i];
    ranked.rows.push_back({std::to_string(i + 1), "`" + Md(h.column) + "`", Md(h.high.label),
                           FormatPercent(h.high.Rate()), FormatCount(h.high.labelled),
                           Md(h.low.label), FormatPercent(h.low.Rate()),
                           FormatCount(h.low.labelled), FormatFixed(h.gap * 100, 1)});
  }
  return ranked;
}

void HypothesesSection(ReportDocument& doc, const TableProfile& p) {
  doc.BeginSection("hypotheses", "Hypotheses the data suggests");
  const std::vector<Hypothesis> hypotheses = RankHypotheses(p);
  if (hypotheses.empty()) {
    doc.AddParagraph("No column shows groups large enough to compare (or no row is labelled).");
    return;
  }
  doc.AddParagraph(HypothesesIntro(hypotheses.front().min_rows));
  std::vector<std::string> items;
  for (const ListedHypothesis& l : ShortList(p, hypotheses)) {
    const Hypothesis& h = hypotheses[l.index];
    items.push_back(
        HypothesisText(h, *FindColumn(p, h.column), OverallRate(p), Join(l.companions)));
  }
  doc.AddList(items, true);
  const std::vector<std::string> overlaps = OverlapItems(p);
  if (!overlaps.empty()) {
    doc.AddParagraph("Numeric features that move together (|Pearson r| at least " +
                     FormatFixed(kStrongCorrelation, 1) +
                     "): hypotheses about them probably "
                     "describe one effect, not several.");
    doc.AddList(overlaps);
  }
  doc.AddTable(RankedTable(hypotheses));
}

// --- Columns ---

// Role, storage, and the counts of values, NULLs, "unknown"s and distinct values.
std::string ColumnFacts(const ColumnProfile& col) {
  std::string line = "Role: " + col.role + ". Stored as " + Md(col.storage) + ". " +
                     FormatCount(col.rows - col.nulls) + " values, " + FormatCount(col.nulls) +
                     " NULL (" + FormatPercent(Share(col.nulls, col.rows)) + ")";
  if (col.unknowns > 0) {
    line += ", " + FormatCount(col.unknowns) + " \"unknown\" (" +
            FormatPercent(Share(col.unknowns, col.rows)) + ")";
  }
  line += ", " + FormatCount(col.distinct) + " distinct.";
  if (col.non_numeric > 0) {
    line += " " + FormatCount(col.non_numeric) +
            " text values that are not numbers are left out "
            "of the statistics.";
  }
  return line;
}

Table NumericStatsTable(const TableProfile& p, const ColumnProfile& col) {
  const NumericSummary& s = col.summary;
  Table t;
  t.header = {"count", "min", "Q1", "median", "mean", "Q3", "max", "sd"};
  t.numeric.assign(t.header.size(), true);
  t.rows.push_back({FormatCount(s.count), Num(s.min), Num(s.q1), Num(s.median), Num(s.mean),
                    Num(s.q3), Num(s.max), Num(s.sd)});
  if (s.sentinel) {
    t.caption = "Statistics exclude the sentinel " + Num(*s.sentinel) + " (" +
                FormatCount(s.sentinel_rows) + " rows, " +
                FormatPercent(Share(s.sentinel_rows, col.rows)) + ").";
  }
  if (s.sampled) {
    t.caption += " Quartiles and histogram from a uniform sample of " +
                 FormatCount(static_cast<std::int64_t>(p.options.max_exact_values)) +
                 " values; count, mean, sd, min and max are exact.";
  }
  return t;
}

report::HistogramSpec ColumnHistogram(const ColumnProfile& col) {
  const NumericSummary& s = col.summary;
  report::HistogramSpec h;
  h.id = "hist-" + Slug(col.name);
  h.title = "Distribution of " + col.name;
  h.x_axis.label = col.name + (s.sentinel ? " (without " + Num(*s.sentinel) + ")" : "");
  h.y_axis.label = "rows";
  h.edges = s.edges;
  std::vector<double> heights(s.counts.begin(), s.counts.end());
  h.series.push_back({"", heights, report::kPalette[0]});
  h.layout.width = 560;
  h.layout.height = 340;
  h.layout.margin_top = 44;
  return h;
}

std::string HistogramCaption(const ColumnProfile& col) {
  const NumericSummary& s = col.summary;
  std::string caption = "Rows per bin of " + Md(col.name) + ".";
  if (s.overflow_rows > 0) {
    caption += " The long tail is folded in: the last bin also holds the " +
               FormatCount(s.overflow_rows) + " values from " + Num(s.overflow_from) + " up to " +
               Num(s.max) + ".";
  }
  return caption;
}

// Statistics, the histogram and the rate per band (the key: statistics only).
void NumericColumn(ReportDocument& doc, const TableProfile& p, const ColumnProfile& col) {
  const NumericSummary& s = col.summary;
  if (s.count == 0) {
    doc.AddParagraph("No numeric values.", false);
    return;
  }
  doc.AddTable(NumericStatsTable(p, col));
  if (col.role == "key") return;
  doc.AddFigure(report::Histogram(ColumnHistogram(col)), HistogramCaption(col));
  const std::int64_t min_support = MinSupport(p.labelled);
  BarChartSpec rate = RateChart("rate-" + Slug(col.name), col.name, OverallRate(p));
  rate.bars = RateBars(RateGroups(col), min_support);
  rate.category_label = col.name + " band";
  doc.AddFigure(report::BarChart(rate),
                "Positive rate per band of " + Md(col.name) + " (bands hold at least " +
                    FormatCount(min_support) + " labelled rows where the data allows); ranked " +
                    "by " + Md(col.name) + " alone, ROC AUC " + FormatFixed(s.rank_auc, 3) + ".");
}

// Every category when they fit the charts, else the biggest ones and "(N more)" for the rest.
std::vector<ValueGroup> ShownCategories(const ColumnProfile& col) {
  std::vector<ValueGroup> shown;
  ValueGroup rest{"", 0, 0, 0};
  int folded = 0;
  for (const ValueGroup& g : col.categories) {
    if (static_cast<int>(shown.size()) < kCategoriesShown - 1 ||
        col.categories.size() <= static_cast<std::size_t>(kCategoriesShown)) {
      shown.push_back(g);
    } else {
      Merge(rest, g);
      ++folded;
    }
  }
  if (folded > 0) {
    rest.label = "(" + std::to_string(folded) + " more)";
    shown.push_back(rest);
  }
  return shown;
}

BarChartSpec FrequencyChart(const ColumnProfile& col, const std::vector<ValueGroup>& shown) {
  BarChartSpec freq;
  freq.id = "freq-" + Slug(col.name);
  freq.title = "Rows by " + col.name;
  freq.value_axis.label = "share of rows";
  freq.value_axis.percent = true;
  freq.category_label = col.name;
  for (const ValueGroup& g : shown) {
    freq.bars.push_back(
        {g.label, Share(g.rows, col.rows),
         FormatPercent(Share(g.rows, col.rows)) + " (" + FormatCount(g.rows) + ")"});
  }
  return freq;
}

Table CategoryTable(const ColumnProfile& col, const std::vector<ValueGroup>& shown) {
  Table t;
  t.header = {Md(col.name), "rows", "share", "labelled", "positive rate"};
  t.numeric = {false, true, true, true, true};
  for (const ValueGroup& g : shown) {
    t.rows.push_back({Md(g.label), FormatCount(g.rows), FormatPercent(Share(g.rows, col.rows)),
                      FormatCount(g.labelled), g.labelled ? FormatPercent(g.Rate()) : "n/a"});
  }
  t.in_page = false;  // the charts carry these numbers on the page
  return t;
}

// Frequencies, and the positive rate per category, in the same order.
void CategoricalColumn(ReportDocument& doc, const TableProfile& p, const ColumnProfile& col) {
  const std::vector<ValueGroup> shown = ShownCategories(col);
  doc.AddFigure(report::BarChart(FrequencyChart(col, shown)),
                "Share of all rows per category (NULL not shown).");
  if (p.labelled > 0 && col.role != "key") {
    BarChartSpec rate = RateChart("rate-" + Slug(col.name), col.name, OverallRate(p));
    rate.bars = RateBars(shown, MinSupport(p.labelled));
    doc.AddFigure(report::BarChart(rate),
                  "Positive rate per category, same order; the dashed line is the overall "
                  "rate.");
  }
  doc.AddTable(CategoryTable(col, shown));
}

void AddColumnSection(ReportDocument& doc, const TableProfile& p, const ColumnProfile& col) {
  doc.AddSubheading("col-" + Slug(col.name), "`" + Md(col.name) + "`", true);
  doc.AddParagraph(ColumnFacts(col), false);
  if (col.role == "label") {
    doc.AddParagraph("The target: see [Target balance](#target).", false);
  } else if (col.numeric) {
    NumericColumn(doc, p, col);
  } else {
    CategoricalColumn(doc, p, col);
  }
}

void ColumnsSection(ReportDocument& doc, const TableProfile& p) {
  doc.BeginSection("columns", "Columns");
  doc.AddParagraph(
      "Every column of the table, features or not, in table order. Positive "
      "rates are over labelled rows; bars marked \"few rows\" rest on fewer than " +
          FormatCount(MinSupport(p.labelled)) + " labelled rows.",
      false);
  for (const ColumnProfile& c : p.columns) AddColumnSection(doc, p, c);
}

}  // namespace

RenderedReport RenderProfile(const TableProfile& p, const ReportStamp& stamp) {
  ReportDocument doc = StartDocument(p, stamp);
  OverviewSection(doc, p);
  TargetSection(doc, p);
  NotesSection(doc, p);
  HypothesesSection(doc, p);
  ColumnsSection(doc, p);
  doc.SetFooter(
      "Generated by bankscore profile at " + Md(stamp.generated_at) + ". Data: " +
      DataSourceText(stamp.report, p.options.table, p.options.label, p.options.positive_label) +
      ".");
  return {doc.RenderHtml(), doc.RenderMarkdown()};
}

}  // namespace bankscore
