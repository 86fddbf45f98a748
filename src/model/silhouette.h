// Internal: the mean silhouette of a clustering (bankscore segment, choosing k).
//
// For row i in cluster A: a(i) is its mean Euclidean distance to the other rows of A, b(i) the
// smallest mean distance to the rows of another cluster, and s(i) = (b - a) / max(a, b); a row
// alone in its cluster has s = 0 (Rousseeuw 1987, as scikit-learn). The mean over all rows is in
// [-1, 1]; higher means tighter, better separated clusters. The cost is quadratic in the rows, so
// callers pass a sample (segmentation.silhouette_sample rows).
#pragma once

#include <vector>

#include "model/segment_matrix.h"

namespace bankscore {

// Mean silhouette of each labelling of the rows of `x` (labels 0 .. k-1 of every row; k is the
// largest label + 1). The pairwise distances are computed once, blockwise, for all labellings.
std::vector<double> MeanSilhouettes(const SegmentMatrix& x,
                                    const std::vector<std::vector<int>>& labellings);

double MeanSilhouette(const SegmentMatrix& x, const std::vector<int>& labels);

}  // namespace bankscore
