#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bankscore/config.h"
#include "model/imbalance.h"
#include "model/matrix.h"

namespace bankscore::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using Index = Eigen::Index;
using Imbalance = TrainingConfig::Imbalance;

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
// Category codes used by the test helpers (the spec's "NaN group" and "all zeros").
constexpr int kNanCategory = 1000;
constexpr int kNoCategory = 999;

FeatureMatrix Matrix(std::initializer_list<std::initializer_list<float>> rows) {
  FeatureMatrix m(static_cast<Index>(rows.size()), static_cast<Index>(rows.begin()->size()));
  Index r = 0;
  for (const auto& row : rows) {
    Index c = 0;
    for (float v : row) m(r, c++) = v;
    ++r;
  }
  return m;
}

bool SameValue(float a, float b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

bool SameRow(const FeatureMatrix& a, Index i, const FeatureMatrix& b, Index j) {
  if (a.cols() != b.cols()) return false;
  for (Index c = 0; c < a.cols(); ++c) {
    if (!SameValue(a(i, c), b(j, c))) return false;
  }
  return true;
}

bool SameMatrix(const FeatureMatrix& a, const FeatureMatrix& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Index r = 0; r < a.rows(); ++r) {
    if (!SameRow(a, r, b, r)) return false;
  }
  return true;
}

// Appends n "signature" columns: column j is NaN in row j and 0 elsewhere. A synthetic row is NaN
// in column j exactly when row j was its base, which pins the base down. The columns have sd 0, so
// the only distance they add is Med^2 for each of the two NaNs of every pair: the same constant
// for all pairs, leaving the neighbour ranking unchanged.
FeatureMatrix WithSignature(const FeatureMatrix& m) {
  FeatureMatrix out(m.rows(), m.cols() + m.rows());
  out.leftCols(m.cols()) = m;
  out.rightCols(m.rows()).setZero();
  for (Index r = 0; r < m.rows(); ++r) out(r, m.cols() + r) = kNan;
  return out;
}

int CategoryOf(const FeatureMatrix& m, Index row, const OneHotGroup& group) {
  int hot = kNoCategory;
  for (int c = 0; c < group.width; ++c) {
    const float v = m(row, group.start + c);
    if (std::isnan(v)) return kNanCategory;
    if (v == 1.0f && hot == kNoCategory) hot = c;
  }
  return hot;
}

// Exactly one 1 and the rest 0, or (for a NaN category) all NaN.
bool ValidGroup(const FeatureMatrix& m, Index row, const OneHotGroup& group) {
  int ones = 0;
  int nans = 0;
  for (int c = 0; c < group.width; ++c) {
    const float v = m(row, group.start + c);
    if (std::isnan(v)) {
      ++nans;
    } else if (v == 1.0f) {
      ++ones;
    } else if (v != 0.0f) {
      return false;
    }
  }
  return nans == group.width || (nans == 0 && ones == 1);
}

struct Kinds {
  std::vector<bool> categorical;
  std::vector<bool> binary;  // continuous columns whose positives are all 0, 1 or NaN
};

Kinds KindsOf(const FeatureMatrix& positives, const std::vector<OneHotGroup>& groups) {
  Kinds kinds;
  kinds.categorical.assign(static_cast<std::size_t>(positives.cols()), false);
  kinds.binary.assign(static_cast<std::size_t>(positives.cols()), false);
  for (const OneHotGroup& g : groups) {
    for (int c = g.start; c < g.start + g.width; ++c) kinds.categorical[c] = true;
  }
  for (Index c = 0; c < positives.cols(); ++c) {
    if (kinds.categorical[c]) continue;
    bool binary = true;
    for (Index r = 0; r < positives.rows(); ++r) {
      const float v = positives(r, c);
      if (!std::isnan(v) && v != 0.0f && v != 1.0f) binary = false;
    }
    kinds.binary[c] = binary;
  }
  return kinds;
}

// The spec's distance, one pair at a time: standardized Euclidean over continuous columns (a zero
// sd column adds 0), Med^2 = 1 for a NaN in either row and for each differing or NaN group.
std::vector<std::vector<Index>> ReferenceNeighbours(const FeatureMatrix& p,
                                                    const std::vector<OneHotGroup>& groups, int k) {
  const Kinds kinds = KindsOf(p, groups);
  const Index n = p.rows();
  std::vector<double> sd(static_cast<std::size_t>(p.cols()), 0.0);
  for (Index c = 0; c < p.cols(); ++c) {
    double sum = 0.0;
    double squares = 0.0;
    int present = 0;
    for (Index r = 0; r < n; ++r) {
      if (!std::isnan(p(r, c))) {
        sum += p(r, c);
        ++present;
      }
    }
    for (Index r = 0; r < n; ++r) {
      if (!std::isnan(p(r, c))) squares += std::pow(p(r, c) - sum / present, 2);
    }
    if (present > 0) sd[c] = std::sqrt(squares / present);
  }
  std::vector<std::vector<Index>> neighbours(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    std::vector<std::pair<double, Index>> candidates;
    for (Index j = 0; j < n; ++j) {
      if (j == i) continue;
      double d = 0.0;
      for (Index c = 0; c < p.cols(); ++c) {
        if (kinds.categorical[c]) continue;
        if (std::isnan(p(i, c)) || std::isnan(p(j, c))) {
          d += 1.0;
        } else if (sd[c] > 0.0) {
          d += std::pow((p(i, c) - p(j, c)) / sd[c], 2);
        }
      }
      for (const OneHotGroup& g : groups) {
        const int a = CategoryOf(p, i, g);
        const int b = CategoryOf(p, j, g);
        if (a == kNanCategory || b == kNanCategory || a != b) d += 1.0;
      }
      candidates.emplace_back(d, j);
    }
    std::sort(candidates.begin(), candidates.end());
    for (int t = 0; t < std::min<int>(k, static_cast<int>(n) - 1); ++t) {
      neighbours[i].push_back(candidates[t].second);
    }
  }
  return neighbours;
}

// Majority category among the neighbours; ties go to the base's own category, then to the lowest
// index (real categories before "none" and NaN).
std::vector<std::vector<int>> ReferenceMajority(const FeatureMatrix& p,
                                                const std::vector<OneHotGroup>& groups,
                                                const std::vector<std::vector<Index>>& neighbours) {
  std::vector<std::vector<int>> majority(neighbours.size());
  for (std::size_t i = 0; i < neighbours.size(); ++i) {
    for (const OneHotGroup& g : groups) {
      std::vector<int> votes(kNanCategory + 1, 0);
      for (Index nb : neighbours[i]) ++votes[CategoryOf(p, nb, g)];
      const int own = CategoryOf(p, static_cast<Index>(i), g);
      const int most = *std::max_element(votes.begin(), votes.end());
      majority[i].push_back(
          votes[own] == most
              ? own
              : static_cast<int>(std::find(votes.begin(), votes.end(), most) - votes.begin()));
    }
  }
  return majority;
}

struct Origin {
  Index base = 0;
  Index neighbour = 0;
  double u = 0.0;  // NaN when no continuous column pins it down
};

// Every (base, neighbour, u) that explains the continuous columns of synthetic row `s`: each is
// base + u * (neighbour - base) with one u in [0, 1] (a float result may round up to the
// neighbour), the base's value where either end is NaN, and binary columns rounded.
std::vector<Origin> Explain(const FeatureMatrix& p, const Kinds& kinds, const FeatureMatrix& out,
                            Index s) {
  std::vector<Origin> origins;
  for (Index b = 0; b < p.rows(); ++b) {
    for (Index nb = 0; nb < p.rows(); ++nb) {
      if (nb == b) continue;
      // u from the non-binary column with the widest gap, which is the least sensitive to rounding.
      double u = std::numeric_limits<double>::quiet_NaN();
      double widest = 0.0;
      for (Index c = 0; c < p.cols(); ++c) {
        if (kinds.categorical[c] || kinds.binary[c]) continue;
        const double gap = static_cast<double>(p(nb, c)) - p(b, c);
        if (std::abs(gap) > widest) {  // false for NaN
          widest = std::abs(gap);
          u = (out(s, c) - static_cast<double>(p(b, c))) / gap;
        }
      }
      if (!std::isnan(u) && (u < -1e-9 || u > 1.0 + 1e-6)) continue;
      bool ok = true;
      int side = -1;  // binary columns: 0 = took the base's value, 1 = the neighbour's
      for (Index c = 0; c < p.cols() && ok; ++c) {
        if (kinds.categorical[c]) continue;
        const float bv = p(b, c);
        const float nv = p(nb, c);
        const float sv = out(s, c);
        if (std::isnan(bv) || std::isnan(nv)) {
          ok = SameValue(sv, bv);
        } else if (kinds.binary[c]) {
          if (bv == nv) {
            ok = sv == bv;
          } else {
            const int took = sv == nv ? 1 : (sv == bv ? 0 : -2);
            if (took < 0 || (side >= 0 && side != took)) ok = false;
            side = took;
            // Near u = 0.5 either rounding is acceptable.
            if (ok && !std::isnan(u) && std::abs(u - 0.5) > 1e-6) ok = took == (u > 0.5 ? 1 : 0);
          }
        } else {
          const double expected = std::isnan(u) ? bv : bv + u * (static_cast<double>(nv) - bv);
          ok = std::abs(sv - expected) <= 1e-5 * (1.0 + std::abs(bv) + std::abs(nv));
        }
      }
      if (ok) origins.push_back({b, nb, u});
    }
  }
  return origins;
}

// Every synthetic row must come from some base b and one of `neighbours[b]`, with valid one-hot
// groups equal to `categories[b]`. Returns how each explained row was made (first match).
std::vector<Origin> ExpectSmoteRows(const FeatureMatrix& p, const std::vector<OneHotGroup>& groups,
                                    const FeatureMatrix& out,
                                    const std::vector<std::vector<Index>>& neighbours,
                                    const std::vector<std::vector<int>>& categories) {
  const Kinds kinds = KindsOf(p, groups);
  std::vector<Origin> made;
  for (Index s = 0; s < out.rows(); ++s) {
    for (const OneHotGroup& g : groups) {
      EXPECT_TRUE(ValidGroup(out, s, g)) << "row " << s << " group at " << g.start;
    }
    bool explained = false;
    for (const Origin& o : Explain(p, kinds, out, s)) {
      const auto& nbs = neighbours[static_cast<std::size_t>(o.base)];
      if (std::find(nbs.begin(), nbs.end(), o.neighbour) == nbs.end()) continue;
      std::vector<int> got;
      for (const OneHotGroup& g : groups) got.push_back(CategoryOf(out, s, g));
      if (got != categories[static_cast<std::size_t>(o.base)]) continue;
      explained = true;
      made.push_back(o);
      break;
    }
    EXPECT_TRUE(explained) << "synthetic row " << s << " is not base + u * (neighbour - base) "
                           << "for a base, one of its k nearest neighbours and their majority: "
                           << out.row(s);
  }
  return made;
}

std::vector<Index> Bases(const std::vector<Origin>& made) {
  std::vector<Index> bases;
  for (const Origin& o : made) bases.push_back(o.base);
  return bases;
}

std::vector<std::vector<Index>> AllOthers(Index n) {
  std::vector<std::vector<Index>> all(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < n; ++j) {
      if (j != i) all[i].push_back(j);
    }
  }
  return all;
}

// Random positives: group A (cols 0-2), group B (cols 3-6), four numeric columns with ~10% NaN on
// very different scales, one 0/1 flag. Groups are NaN in ~5% of rows.
FeatureMatrix RandomPositives(Index n, unsigned seed, std::vector<OneHotGroup>* groups) {
  *groups = {{0, 3}, {3, 4}};
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  FeatureMatrix m = FeatureMatrix::Zero(n, 12);
  for (Index r = 0; r < n; ++r) {
    for (const OneHotGroup& g : *groups) {
      if (unit(rng) < 0.05f) {
        m.row(r).segment(g.start, g.width).setConstant(kNan);
      } else {
        m(r, g.start + static_cast<int>(unit(rng) * 0.999f * g.width)) = 1.0f;
      }
    }
    const float scales[] = {1.0f, 100.0f, 0.01f, 10.0f};
    for (int c = 0; c < 4; ++c) m(r, 7 + c) = unit(rng) < 0.1f ? kNan : unit(rng) * scales[c];
    m(r, 11) = unit(rng) < 0.3f ? 1.0f : 0.0f;
  }
  return m;
}

// --- SmoteNc ---

// Two far-apart clusters of three rows, k = 2: each row's neighbours are its two cluster mates.
TEST(SmoteNcTest, InterpolatesTowardsHandPickedNeighbours) {
  // group (cols 0-2), x, y, flag
  const FeatureMatrix p = Matrix({{1, 0, 0, 0, 0, 0},        // A, category 0
                                  {1, 0, 0, 1, 0.5f, 1},     // A, category 0
                                  {0, 1, 0, 0.5f, 2, 0},     // A, category 1
                                  {0, 0, 1, 100, 100, 1},    // B, category 2
                                  {0, 1, 0, 101, 103, 1},    // B, category 1
                                  {0, 1, 0, 104, 101, 0}});  // B, category 1
  const std::vector<OneHotGroup> groups = {{0, 3}};
  const FeatureMatrix out = SmoteNc(p, groups, 2, 60, 7);
  ASSERT_EQ(out.rows(), 60);
  ASSERT_EQ(out.cols(), p.cols());
  // Cluster A votes 0 for every base (row 0's tie goes to its own 0); cluster B votes 1.
  const std::vector<std::vector<Index>> neighbours = {{1, 2}, {0, 2}, {0, 1},
                                                      {4, 5}, {3, 5}, {3, 4}};
  const std::vector<std::vector<int>> categories = {{0}, {0}, {0}, {1}, {1}, {1}};
  const std::vector<Index> bases = Bases(ExpectSmoteRows(p, groups, out, neighbours, categories));
  ASSERT_EQ(bases.size(), 60u);
  const auto in_a = std::count_if(bases.begin(), bases.end(), [](Index b) { return b < 3; });
  EXPECT_GT(in_a, 0);
  EXPECT_LT(in_a, 60);
}

TEST(SmoteNcTest, CategoriesTakeNeighbourMajorityWithOwnThenLowestIndexTieBreaks) {
  // groups A (cols 0-2) and B (cols 3-5), x; n = 3 and k = 2, so the neighbours are the others.
  const FeatureMatrix p = WithSignature(Matrix({{0, 1, 0, 0, 0, 1, 0},     // A=1 B=2
                                                {0, 0, 1, 1, 0, 0, 1},     // A=2 B=0
                                                {1, 0, 0, 0, 0, 1, 3}}));  // A=0 B=2
  const std::vector<OneHotGroup> groups = {{0, 3}, {3, 3}};
  const FeatureMatrix out = SmoteNc(p, groups, 2, 30, 11);
  // A: row 0 sees {2, 0} -> 0 (lowest); row 1 sees {1, 0} -> 0; row 2 sees {1, 2} -> 1.
  // B: row 0 sees {0, 2} -> own 2; row 1 sees {2, 2} -> 2; row 2 sees {2, 0} -> own 2.
  const std::vector<Index> bases =
      Bases(ExpectSmoteRows(p, groups, out, AllOthers(3), {{0, 2}, {0, 2}, {1, 2}}));
  EXPECT_EQ(std::count(bases.begin(), bases.end(), 0), 10);
  EXPECT_EQ(std::count(bases.begin(), bases.end(), 1), 10);
  EXPECT_EQ(std::count(bases.begin(), bases.end(), 2), 10);
}

TEST(SmoteNcTest, NanGroupIsACategoryThatRanksAfterRealOnes) {
  // groups A (0-1), B (2-3), C (4-5), x.
  const FeatureMatrix p = WithSignature(Matrix({{1, 0, kNan, kNan, 1, 0, 0},
                                                {kNan, kNan, 0, 1, kNan, kNan, 2},
                                                {kNan, kNan, 0, 1, 0, 1, 5}}));
  const std::vector<OneHotGroup> groups = {{0, 2}, {2, 2}, {4, 2}};
  const FeatureMatrix out = SmoteNc(p, groups, 5, 30, 3);
  // A: row 0 sees {NaN, NaN} -> NaN; row 1 sees {0, NaN} -> own NaN; row 2 likewise -> NaN.
  // B: row 0 sees {1, 1} -> 1; rows 1 and 2 see {NaN, 1} -> own 1.
  // C: row 0 sees {NaN, 1} -> 1 (own 0 not tied, 1 before NaN); row 1 sees {0, 1} -> 0;
  //    row 2 sees {0, NaN} -> 0 (real category before NaN).
  const int nan = kNanCategory;
  const std::vector<Index> bases =
      Bases(ExpectSmoteRows(p, groups, out, AllOthers(3), {{nan, 1, 1}, {nan, 1, 0}, {nan, 1, 0}}));
  EXPECT_EQ(bases.size(), 30u);
  for (Index s = 0; s < out.rows(); ++s) {
    EXPECT_TRUE(std::isnan(out(s, 0)) && std::isnan(out(s, 1))) << "row " << s;
  }
}

TEST(SmoteNcTest, ContinuousNanKeepsTheBaseValue) {
  // x is NaN in row 1; y is complete. neighbors = 50 is clamped to n - 1 = 2.
  const FeatureMatrix p = WithSignature(Matrix({{1, 0}, {kNan, 2}, {5, 4}}));
  const FeatureMatrix out = SmoteNc(p, {}, 50, 30, 5);
  const std::vector<Index> bases = Bases(ExpectSmoteRows(p, {}, out, AllOthers(3), {{}, {}, {}}));
  ASSERT_EQ(bases.size(), 30u);
  int from_row0_to_row1 = 0;
  for (Index s = 0; s < out.rows(); ++s) {
    // Base row 1 -> x stays NaN; otherwise x is a number (row 0 towards row 1 keeps x = 1).
    EXPECT_EQ(std::isnan(out(s, 0)), bases[s] == 1) << "row " << s;
    EXPECT_FALSE(std::isnan(out(s, 1)));
    if (bases[s] == 0 && out(s, 0) == 1.0f && out(s, 1) > 0.0f) ++from_row0_to_row1;
  }
  EXPECT_GT(from_row0_to_row1, 0);  // the NaN-neighbour case was exercised
}

TEST(SmoteNcTest, NanAddsMedianPenaltyToTheDistance) {
  // Columns x, w, y; k = 1. Row 1 is nearest to row 0 on x and w, but its NaN y costs Med^2 = 1
  // while row 2's standardized gap is ~0.004, so row 0's neighbour is row 2. Ignoring the NaN
  // would pick row 1 instead.
  const FeatureMatrix p = WithSignature(
      Matrix({{0, 0, 0}, {0.2f, 0.3f, kNan}, {0.5f, -0.3f, 0}, {20, 20, 20}, {21, 21, 21}}));
  const std::vector<std::vector<Index>> expected = {{2}, {0}, {0}, {4}, {3}};
  ASSERT_EQ(ReferenceNeighbours(p, {}, 1), expected);  // the reference agrees with the hand pick
  const FeatureMatrix out = SmoteNc(p, {}, 1, 50, 9);
  const std::vector<Index> bases =
      Bases(ExpectSmoteRows(p, {}, out, expected, std::vector<std::vector<int>>(5)));
  EXPECT_EQ(std::count(bases.begin(), bases.end(), 0), 10);
}

TEST(SmoteNcTest, CategoryMismatchAddsMedianPenaltyToTheDistance) {
  // group (cols 0-1), x; k = 1. Row 1 is nearest to row 0 on x but has the other category; with
  // the Med^2 = 1 penalty row 2 (same category, standardized gap ~0.16) is nearer.
  const FeatureMatrix p =
      WithSignature(Matrix({{1, 0, 0}, {0, 1, 1}, {1, 0, 1.5f}, {1, 0, 20}, {1, 0, 21}}));
  const std::vector<OneHotGroup> groups = {{0, 2}};
  const std::vector<std::vector<Index>> expected = {{2}, {2}, {0}, {4}, {3}};
  ASSERT_EQ(ReferenceNeighbours(p, groups, 1), expected);
  const FeatureMatrix out = SmoteNc(p, groups, 1, 50, 4);
  const std::vector<Index> bases =
      Bases(ExpectSmoteRows(p, groups, out, expected, {{0}, {0}, {0}, {0}, {0}}));
  EXPECT_EQ(std::count(bases.begin(), bases.end(), 0), 10);
}

TEST(SmoteNcTest, BinaryColumnsStayZeroOneAndOtherIntegersInterpolate) {
  // flag (0/1), level (0/1/2: not binary), x.
  const FeatureMatrix p = Matrix({{0, 0, 1.0f},
                                  {1, 2, 1.3f},
                                  {1, 1, 2.1f},
                                  {0, 2, 0.4f},
                                  {1, 0, 3.3f},
                                  {0, 1, 2.8f},
                                  {kNan, 2, 1.9f}});
  const FeatureMatrix out = SmoteNc(p, {}, 3, 100, 21);
  ExpectSmoteRows(p, {}, out, ReferenceNeighbours(p, {}, 3), std::vector<std::vector<int>>(7));
  int fractional_levels = 0;
  for (Index s = 0; s < out.rows(); ++s) {
    EXPECT_TRUE(out(s, 0) == 0.0f || out(s, 0) == 1.0f || std::isnan(out(s, 0))) << out(s, 0);
    if (out(s, 1) != std::round(out(s, 1))) ++fractional_levels;
  }
  EXPECT_GT(fractional_levels, 0);
}

TEST(SmoteNcTest, MatchesReferenceNeighboursAndMajorityOnRandomData) {
  std::vector<OneHotGroup> groups;
  const FeatureMatrix p = RandomPositives(120, 17, &groups);
  const auto neighbours = ReferenceNeighbours(p, groups, 5);
  const FeatureMatrix out = SmoteNc(p, groups, 5, 400, 99);
  ASSERT_EQ(out.rows(), 400);
  const std::vector<Index> bases =
      Bases(ExpectSmoteRows(p, groups, out, neighbours, ReferenceMajority(p, groups, neighbours)));
  EXPECT_EQ(bases.size(), 400u);
}

TEST(SmoteNcTest, DeterministicForASeedAndDifferentForAnother) {
  std::vector<OneHotGroup> groups;
  const FeatureMatrix p = RandomPositives(80, 5, &groups);
  const FeatureMatrix a = SmoteNc(p, groups, 5, 200, 42);
  const FeatureMatrix b = SmoteNc(p, groups, 5, 200, 42);
  const FeatureMatrix c = SmoteNc(p, groups, 5, 200, 43);
  EXPECT_TRUE(SameMatrix(a, b));
  EXPECT_FALSE(SameMatrix(a, c));
}

TEST(SmoteNcTest, ReturnsExactlyCountRows) {
  const FeatureMatrix p = Matrix({{1, 0, 3}, {0, 1, 4}, {1, 0, 8}});
  const std::vector<OneHotGroup> groups = {{0, 2}};
  for (std::int64_t count : {0, 1, 2, 3, 7, 100}) {
    const FeatureMatrix out = SmoteNc(p, groups, 5, count, 1);
    EXPECT_EQ(out.rows(), count);
    EXPECT_EQ(out.cols(), 3);
  }
}

TEST(SmoteNcTest, BasesCycleThroughEveryPositive) {
  const FeatureMatrix p = WithSignature(Matrix({{0, 0}, {1, 3}, {4, 1}, {2, 2}, {5, 5}}));
  const FeatureMatrix out = SmoteNc(p, {}, 2, 12, 8);
  const std::vector<Index> bases = Bases(
      ExpectSmoteRows(p, {}, out, ReferenceNeighbours(p, {}, 2), std::vector<std::vector<int>>(5)));
  ASSERT_EQ(bases.size(), 12u);
  for (Index b = 0; b < 5; ++b) {
    const auto uses = std::count(bases.begin(), bases.end(), b);
    EXPECT_TRUE(uses == 2 || uses == 3) << "row " << b << " was a base " << uses << " times";
  }
}

TEST(SmoteNcTest, DrawsTheNeighbourAtRandomAmongTheK) {
  const FeatureMatrix p = WithSignature(Matrix({{0, 0}, {1, 3}, {4, 1}, {2, 2}, {5, 5}}));
  const auto neighbours = ReferenceNeighbours(p, {}, 2);
  const std::vector<Origin> made = ExpectSmoteRows(p, {}, SmoteNc(p, {}, 2, 60, 8), neighbours,
                                                   std::vector<std::vector<int>>(5));
  ASSERT_EQ(made.size(), 60u);
  // Every base is used 12 times; each of its two neighbours should turn up.
  for (Index b = 0; b < 5; ++b) {
    for (Index nb : neighbours[b]) {
      EXPECT_TRUE(std::any_of(made.begin(), made.end(),
                              [&](const Origin& o) { return o.base == b && o.neighbour == nb; }))
          << "row " << b << " never interpolated towards its neighbour " << nb;
    }
  }
}

TEST(SmoteNcTest, SinglePositiveIsDuplicated) {
  const FeatureMatrix p = Matrix({{0, 1, 2.5f, kNan, 1}});
  const FeatureMatrix out = SmoteNc(p, {{0, 2}}, 5, 4, 1);
  ASSERT_EQ(out.rows(), 4);
  for (Index s = 0; s < out.rows(); ++s) EXPECT_TRUE(SameRow(out, s, p, 0)) << out.row(s);
}

TEST(SmoteNcTest, RejectsBadArguments) {
  const FeatureMatrix empty(0, 4);
  EXPECT_THROW(SmoteNc(empty, {}, 5, 1, 1), std::invalid_argument);
  EXPECT_EQ(SmoteNc(empty, {}, 5, 0, 1).rows(), 0);
  const FeatureMatrix p = Matrix({{1, 0, 3}, {0, 1, 4}});
  EXPECT_THROW(SmoteNc(p, {{0, 2}}, 5, -1, 1), std::invalid_argument);
  EXPECT_THROW(SmoteNc(p, {{0, 2}}, 0, 3, 1), std::invalid_argument);
  EXPECT_THROW(SmoteNc(p, {{2, 2}}, 5, 3, 1), std::invalid_argument);          // past the end
  EXPECT_THROW(SmoteNc(p, {{0, 2}, {1, 2}}, 5, 3, 1), std::invalid_argument);  // overlap
  EXPECT_EQ(SmoteNc(p, {{0, 2}, {2, 0}}, 5, 3, 1).rows(), 3);  // empty vocabulary is allowed
}

// --- ApplyImbalance ---

struct Training {
  FeatureMatrix features;
  std::vector<float> labels;
  std::vector<OneHotGroup> groups = {{0, 2}};
};

// 3 positives near the origin, 9 negatives near (50, 50); group (cols 0-1), x, y.
Training SmallTraining() {
  Training t;
  t.features = Matrix({{1, 0, 0, 0},
                       {0, 1, 50, 51},
                       {1, 0, 49, 50},
                       {0, 1, 1, 2},
                       {0, 1, 52, 50},
                       {1, 0, 51, 49},
                       {0, 1, 50, 50},
                       {1, 0, 2, 0.5f},
                       {1, 0, 48, 52},
                       {0, 1, 53, 47},
                       {1, 0, 50, 48},
                       {0, 1, 49, 49}});
  t.labels = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0};
  return t;
}

FeatureMatrix PositiveRows(const Training& t) {
  FeatureMatrix p(0, t.features.cols());
  for (std::size_t i = 0; i < t.labels.size(); ++i) {
    if (t.labels[i] != 1.0f) continue;
    p.conservativeResize(p.rows() + 1, Eigen::NoChange);
    p.row(p.rows() - 1) = t.features.row(static_cast<Index>(i));
  }
  return p;
}

TEST(ApplyImbalanceTest, SmoteBalancesWithSyntheticPositivesAfterTheOriginals) {
  const Training t = SmallTraining();
  const ResampledTraining r =
      ApplyImbalance(Imbalance::kSmote, t.features, t.labels, t.groups, 5, 3);
  EXPECT_EQ(r.synthetic_rows, 9 - 3);
  ASSERT_EQ(r.features.rows(), 12 + 6);
  ASSERT_EQ(r.labels.size(), 18u);
  EXPECT_TRUE(SameMatrix(r.features.topRows(12), t.features));
  EXPECT_EQ(std::vector<float>(r.labels.begin(), r.labels.begin() + 12), t.labels);
  EXPECT_THAT(std::vector<float>(r.labels.begin() + 12, r.labels.end()),
              ElementsAre(1, 1, 1, 1, 1, 1));
  EXPECT_EQ(std::count(r.labels.begin(), r.labels.end(), 1.0f), 9);
  EXPECT_EQ(r.scale_pos_weight, 0.0);
  // Synthetic rows come from the positives only (negatives are 50 units away). Positive
  // categories are 0, 1, 0: every base's neighbours vote 0 or tie with its own category.
  const FeatureMatrix positives = PositiveRows(t);
  const auto neighbours = AllOthers(3);
  ExpectSmoteRows(positives, t.groups, r.features.bottomRows(6), neighbours,
                  ReferenceMajority(positives, t.groups, neighbours));
}

TEST(ApplyImbalanceTest, RandomOversampleOnlyDuplicatesPositives) {
  const Training t = SmallTraining();
  const ResampledTraining r =
      ApplyImbalance(Imbalance::kRandomOversample, t.features, t.labels, t.groups, 5, 3);
  EXPECT_EQ(r.synthetic_rows, 6);
  ASSERT_EQ(r.features.rows(), 18);
  EXPECT_TRUE(SameMatrix(r.features.topRows(12), t.features));
  EXPECT_EQ(std::count(r.labels.begin(), r.labels.end(), 1.0f), 9);
  const FeatureMatrix positives = PositiveRows(t);
  for (Index s = 12; s < 18; ++s) {
    EXPECT_EQ(r.labels[static_cast<std::size_t>(s)], 1.0f);
    bool copy = false;
    for (Index i = 0; i < positives.rows(); ++i)
      copy = copy || SameRow(r.features, s, positives, i);
    EXPECT_TRUE(copy) << "row " << s << " is not a copy of a positive: " << r.features.row(s);
  }
}

TEST(ApplyImbalanceTest, ScalePosWeightIsNegativesOverPositives) {
  const Training t = SmallTraining();
  const ResampledTraining r =
      ApplyImbalance(Imbalance::kScalePosWeight, t.features, t.labels, t.groups, 5, 3);
  EXPECT_DOUBLE_EQ(r.scale_pos_weight, 3.0);
  EXPECT_EQ(r.synthetic_rows, 0);
  EXPECT_TRUE(SameMatrix(r.features, t.features));
  EXPECT_EQ(r.labels, t.labels);
}

TEST(ApplyImbalanceTest, NoneLeavesTheDataUnchanged) {
  Training t = SmallTraining();
  t.features(1, 2) = kNan;
  const ResampledTraining r =
      ApplyImbalance(Imbalance::kNone, t.features, t.labels, t.groups, 5, 3);
  EXPECT_TRUE(SameMatrix(r.features, t.features));
  EXPECT_THAT(r.labels, ElementsAreArray(t.labels));
  EXPECT_EQ(r.synthetic_rows, 0);
  EXPECT_EQ(r.scale_pos_weight, 0.0);
}

}  // namespace
}  // namespace bankscore::internal
