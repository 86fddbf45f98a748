// Internal: exact TreeSHAP contributions of a gradient-boosted tree model, computed leaf by leaf
// from tables made once per model, in the manner of Fast TreeSHAP v2 (Yang, 2021).
//
// TreeSHAP (path-dependent, as XGBoost computes it) gives each leaf's value to the features on
// its path. For a leaf whose path tests the distinct features P, with z_j the share of training
// cover that follows the path at the tests of feature j and o_j = 1 when the row passes all of
// them, the leaf adds to feature i in P:
//     v * (o_i - z_i) * sum over S within P \ {i} of  |S|! (|P|-|S|-1)! / |P|!
//                                                    * prod_{j in S} o_j * prod_{j not in S, i} z_j
// Since every o_j is 0 or 1, that depends on the row only through which features of P it passes
// (2^|P| patterns): the tables hold the value for every pattern, and explaining a row is, per
// leaf, |P| comparisons and |P| additions instead of XGBoost's O(depth^2) path recursion. The
// values equal XGBoost's `pred_contribs` up to float rounding (tested against it).
//
// Tables grow with 2^|P|: a model with a path of more than kMaxPathFeatures distinct features, or
// one XGBoost's TreeSHAP would treat otherwise (not a single-output gbtree of numeric splits with
// a logistic objective), is refused by Build with the reason, and the caller uses XGBoost's own.
// A built TreeShap is immutable; Contributions may run on several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bankscore {

class TreeShap {
 public:
  // The largest number of distinct features on one root-to-leaf path this explains.
  static constexpr int kMaxPathFeatures = 8;

  // From a model in XGBoost's JSON format (Booster::ToJson). Null, with the reason in `why_not`,
  // for a model this does not explain (see above); throws ModelError on malformed JSON.
  static std::optional<TreeShap> Build(const std::string& model_json, std::string& why_not);

  // `rows` x (`cols` + 1) values to `out` (row-major; per row one per feature and then the bias),
  // from `rows` x `cols` floats, NaN = missing, split over up to `threads` threads.
  void Contributions(const float* data, std::size_t rows, std::size_t cols, float* out,
                     int threads) const;

  std::size_t num_features() const { return num_features_; }

 private:
  // One distinct feature on a leaf's path: the row passes its tests when lo <= x < hi, or when
  // x is missing and every test of it on the path sends missing values the path's way.
  struct Condition {
    std::uint32_t feature = 0;
    float lo = 0;
    float hi = 0;
    bool missing_passes = false;
  };
  // A leaf: its conditions are conditions_[first, first + count), its table is
  // table_[table, table + 2^count * count), indexed by pattern * count + condition.
  struct Leaf {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
    std::size_t table = 0;
  };
  struct TreeParser;

  void ExplainBlock(const float* data, std::size_t rows, std::size_t cols, double* sums) const;

  std::size_t num_features_ = 0;
  double bias_ = 0;  // the base margin plus every tree's cover-weighted mean leaf value
  std::vector<Condition> conditions_;
  std::vector<Leaf> leaves_;
  std::vector<float> table_;  // float, as XGBoost computes: half the memory traffic of double
};

}  // namespace bankscore
