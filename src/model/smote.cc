// SMOTE-NC (Chawla et al. 2002, section 6.1) over the positive rows of the training fold.
//
// Column kinds. Columns inside a OneHotGroup are categorical; every other column is continuous.
// A continuous column whose values among the positives are all 0, 1 or NaN (the sentinel flags) is
// binary: it is interpolated like the others, then rounded back to 0/1.
//
// Distance (squared) between two positive rows:
//   - continuous column, both values present: ((a - b) / sd)^2, sd being the population standard
//     deviation of the column over the positives with NaN skipped. A column with sd == 0 adds 0.
//   - continuous column, NaN in either row (or both): Med^2. This applies to sd == 0 columns too,
//     since "present" versus "missing" is still a difference there.
//   - one-hot group whose category differs: Med^2. A NaN group in either row counts as differing
//     (as a NaN continuous value does); an all-zero group ("none of the known categories") is a
//     category of its own.
// Med is the median of the standard deviations of the continuous columns measured after
// standardization, over the columns with sd > 0. Each of those is exactly 1, so Med = 1.
// Zero-sd columns are left out of the median on purpose: they carry no distance, and counting them
// would let a few constant columns drive Med to 0 and switch the categorical penalty off. With no
// varying continuous column at all Med is also 1, so categories still separate rows.
//
// Neighbours are found by brute force: all squared distances are one matrix product of per-row
// embeddings (see Embed), computed a block of rows at a time so memory stays O(block * n). Ties
// are broken by the lower row index, so the result is deterministic for a given build.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

#include "model/imbalance.h"

namespace bankscore::internal {
namespace {

using Index = Eigen::Index;
using RowMajorMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr double kMed = 1.0;  // see the file comment
constexpr Index kBlockRows = 256;
// Decorrelates the sampling stream from ShuffledIndices, which seeds mt19937_64 with `seed` too.
constexpr std::uint64_t kSamplingSalt = 0x9E3779B97F4A7C15ULL;

struct ContinuousColumn {
  Index column = 0;
  bool binary = false;
  double mean = 0.0;
  double sd = 0.0;  // population sd over the non-NaN positives; 0 when fewer than two values
};

struct Layout {
  std::vector<OneHotGroup> groups;           // non-empty groups only
  std::vector<ContinuousColumn> continuous;  // every column outside the groups
};

// Validates the groups and classifies and measures the other columns.
Layout DescribeColumns(const FeatureMatrix& positives, const std::vector<OneHotGroup>& groups) {
  const Index cols = positives.cols();
  std::vector<bool> categorical(static_cast<std::size_t>(cols), false);
  Layout layout;
  for (const OneHotGroup& group : groups) {
    if (group.start < 0 || group.width < 0 || group.start + group.width > cols) {
      throw std::invalid_argument("SmoteNc: one-hot group out of the matrix's columns");
    }
    // A categorical column that was all NULL at fit time has an empty vocabulary: nothing to do.
    if (group.width == 0) continue;
    for (int c = group.start; c < group.start + group.width; ++c) {
      if (categorical[static_cast<std::size_t>(c)]) {
        throw std::invalid_argument("SmoteNc: one-hot groups overlap");
      }
      categorical[static_cast<std::size_t>(c)] = true;
    }
    layout.groups.push_back(group);
  }
  for (Index c = 0; c < cols; ++c) {
    if (categorical[static_cast<std::size_t>(c)]) continue;
    ContinuousColumn column;
    column.column = c;
    column.binary = true;
    double sum = 0.0;
    Index present = 0;
    for (Index r = 0; r < positives.rows(); ++r) {
      const float v = positives(r, c);
      if (std::isnan(v)) continue;
      if (v != 0.0f && v != 1.0f) column.binary = false;
      sum += v;
      ++present;
    }
    if (present > 0) {
      column.mean = sum / static_cast<double>(present);
      double squares = 0.0;
      for (Index r = 0; r < positives.rows(); ++r) {
        const float v = positives(r, c);
        if (!std::isnan(v)) squares += (v - column.mean) * (v - column.mean);
      }
      column.sd = std::sqrt(squares / static_cast<double>(present));
    }
    layout.continuous.push_back(column);
  }
  return layout;
}

// Category codes of a group in one row: 0..width-1 for a one-hot value, width for all zeros, and
// width + 1 for NaN. The order makes real categories win the lowest-index tie break.
int CategoryOf(const FeatureMatrix& m, Index row, const OneHotGroup& group) {
  int hot = -1;
  for (int c = 0; c < group.width; ++c) {
    const float v = m(row, group.start + c);
    if (std::isnan(v)) return group.width + 1;
    if (hot < 0 && v >= 0.5f) hot = c;
  }
  return hot < 0 ? group.width : hot;
}

// Per-row vectors such that dist^2(i, j) = left.row(i) . right.row(j) + offset. With z the
// standardized value (0 when missing or when sd == 0), m the "present" mask and c the one-hot
// indicator of each group's category (no slot for NaN, so NaN never matches), per column:
//   z_i^2 m_j + m_i z_j^2 - 2 z_i z_j + Med^2 (1 - m_i m_j)   = (z_i - z_j)^2 or Med^2
// and per group Med^2 (1 - c_i . c_j).
struct Embedding {
  RowMajorMatrixXd left;
  RowMajorMatrixXd right;
  double offset = 0.0;
};

Embedding Embed(const FeatureMatrix& positives, const Layout& layout,
                const std::vector<int>& categories) {
  const Index n = positives.rows();
  const Index dc = static_cast<Index>(layout.continuous.size());
  const Index ng = static_cast<Index>(layout.groups.size());
  Index slots = 0;
  for (const OneHotGroup& group : layout.groups) slots += group.width + 1;  // + "none"
  Embedding e;
  e.left = RowMajorMatrixXd::Zero(n, 4 * dc + slots);
  e.right = RowMajorMatrixXd::Zero(n, 4 * dc + slots);
  e.offset = kMed * kMed * static_cast<double>(dc + ng);
  for (Index i = 0; i < n; ++i) {
    for (Index k = 0; k < dc; ++k) {
      const ContinuousColumn& column = layout.continuous[static_cast<std::size_t>(k)];
      const float v = positives(i, column.column);
      const double present = std::isnan(v) ? 0.0 : 1.0;
      const double z = (std::isnan(v) || column.sd <= 0.0) ? 0.0 : (v - column.mean) / column.sd;
      e.left(i, k) = z * z;
      e.right(i, k) = present;
      e.left(i, dc + k) = present;
      e.right(i, dc + k) = z * z;
      e.left(i, 2 * dc + k) = z;
      e.right(i, 2 * dc + k) = -2.0 * z;
      e.left(i, 3 * dc + k) = present;
      e.right(i, 3 * dc + k) = -kMed * kMed * present;
    }
    Index slot = 4 * dc;
    for (Index g = 0; g < ng; ++g) {
      const OneHotGroup& group = layout.groups[static_cast<std::size_t>(g)];
      const int category = categories[static_cast<std::size_t>(i * ng + g)];
      if (category <= group.width) {
        e.left(i, slot + category) = 1.0;
        e.right(i, slot + category) = -kMed * kMed;
      }
      slot += group.width + 1;
    }
  }
  return e;
}

// The k nearest other rows of each row, nearest first: row i's are [i * k, i * k + k).
std::vector<Index> NearestNeighbours(const Embedding& e, Index k) {
  const Index n = e.left.rows();
  std::vector<Index> neighbours(static_cast<std::size_t>(n * k));
  std::vector<std::pair<double, Index>> candidates;
  candidates.reserve(static_cast<std::size_t>(n));
  for (Index start = 0; start < n; start += kBlockRows) {
    const Index rows = std::min(kBlockRows, n - start);
    const RowMajorMatrixXd block = e.left.middleRows(start, rows) * e.right.transpose();
    for (Index r = 0; r < rows; ++r) {
      const Index i = start + r;
      candidates.clear();
      for (Index j = 0; j < n; ++j) {
        if (j != i) candidates.emplace_back(block(r, j), j);  // (distance, index) orders ties
      }
      std::partial_sort(candidates.begin(), candidates.begin() + k, candidates.end());
      for (Index t = 0; t < k; ++t) {
        neighbours[static_cast<std::size_t>(i * k + t)] =
            candidates[static_cast<std::size_t>(t)].second;
      }
    }
  }
  return neighbours;
}

// Majority category of each group among each row's neighbours. Ties go to the row's own category
// when it is among the tied ones, else to the lowest code (real categories before none and NaN).
std::vector<int> MajorityCategories(const Layout& layout, const std::vector<int>& categories,
                                    const std::vector<Index>& neighbours, Index n, Index k) {
  const Index ng = static_cast<Index>(layout.groups.size());
  std::vector<int> majority(static_cast<std::size_t>(n * ng));
  std::vector<int> votes;
  for (Index i = 0; i < n; ++i) {
    for (Index g = 0; g < ng; ++g) {
      votes.assign(static_cast<std::size_t>(layout.groups[static_cast<std::size_t>(g)].width + 2),
                   0);
      for (Index t = 0; t < k; ++t) {
        const Index nb = neighbours[static_cast<std::size_t>(i * k + t)];
        ++votes[static_cast<std::size_t>(categories[static_cast<std::size_t>(nb * ng + g)])];
      }
      const int own = categories[static_cast<std::size_t>(i * ng + g)];
      const int most = *std::max_element(votes.begin(), votes.end());
      int winner = own;
      if (votes[static_cast<std::size_t>(own)] != most) {
        winner = static_cast<int>(std::find(votes.begin(), votes.end(), most) - votes.begin());
      }
      majority[static_cast<std::size_t>(i * ng + g)] = winner;
    }
  }
  return majority;
}

void WriteCategory(FeatureMatrix& out, Index row, const OneHotGroup& group, int category) {
  auto cells = out.row(row).segment(group.start, group.width);
  if (category > group.width) {
    cells.setConstant(kMissing);
  } else {
    cells.setZero();
    if (category < group.width) cells(category) = 1.0f;
  }
}

}  // namespace

FeatureMatrix SmoteNc(const FeatureMatrix& positives, const std::vector<OneHotGroup>& groups,
                      int neighbors, std::int64_t count, std::uint64_t seed) {
  if (count < 0) throw std::invalid_argument("SmoteNc: count must be >= 0");
  if (neighbors < 1) throw std::invalid_argument("SmoteNc: neighbors must be >= 1");
  const Layout layout = DescribeColumns(positives, groups);
  const Index n = positives.rows();
  FeatureMatrix out(static_cast<Index>(count), positives.cols());
  if (count == 0) return out;
  if (n == 0) throw std::invalid_argument("SmoteNc: no positive rows to oversample");
  if (n == 1) {
    out = positives.row(0).replicate(static_cast<Index>(count), 1);
    return out;
  }

  const Index k = std::min<Index>(neighbors, n - 1);
  const Index ng = static_cast<Index>(layout.groups.size());
  std::vector<int> categories(static_cast<std::size_t>(n * ng));
  for (Index i = 0; i < n; ++i) {
    for (Index g = 0; g < ng; ++g) {
      categories[static_cast<std::size_t>(i * ng + g)] =
          CategoryOf(positives, i, layout.groups[static_cast<std::size_t>(g)]);
    }
  }
  const std::vector<Index> neighbours = NearestNeighbours(Embed(positives, layout, categories), k);
  const std::vector<int> majority = MajorityCategories(layout, categories, neighbours, n, k);

  // Bases cycle through a shuffled order so every positive seeds the same number of rows (+-1).
  // Raw mt19937_64 output rather than std distributions, whose results vary across libraries.
  const std::vector<std::size_t> order = ShuffledIndices(static_cast<std::size_t>(n), seed);
  std::mt19937_64 rng(seed ^ kSamplingSalt);
  for (Index s = 0; s < static_cast<Index>(count); ++s) {
    const auto base = static_cast<Index>(order[static_cast<std::size_t>(s % n)]);
    const Index nb = neighbours[static_cast<std::size_t>(base * k) +
                                static_cast<std::size_t>(rng() % static_cast<std::uint64_t>(k))];
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
    for (const ContinuousColumn& column : layout.continuous) {
      const float from = positives(base, column.column);
      const float to = positives(nb, column.column);
      float value = from;  // a NaN at either end keeps the base's value (NaN stays NaN)
      if (!std::isnan(from) && !std::isnan(to)) {
        const double v = from + u * (static_cast<double>(to) - from);
        value = static_cast<float>(column.binary ? std::round(v) : v);
      }
      out(s, column.column) = value;
    }
    for (Index g = 0; g < ng; ++g) {
      WriteCategory(out, s, layout.groups[static_cast<std::size_t>(g)],
                    majority[static_cast<std::size_t>(base * ng + g)]);
    }
  }
  return out;
}

}  // namespace bankscore::internal
