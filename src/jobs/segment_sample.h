// Internal: the sample a segmentation is fitted on (bankscore segment).
//
// One ScanTable pass over the source table keeps the `segmentation.sample` rows whose keys have
// the smallest hash of (key, segmentation.seed), in a bounded heap: memory stays at the sample's
// size whatever the table's. The rows come back in hash order, a random order that depends only
// on the keys and the seed (not on the table's physical order or the batch size), so the same
// rows always give the same sample, and its first rows are themselves a random subsample (the
// silhouette sample). Rows whose key is NULL or not an integer are skipped and counted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/database.h"

namespace bankscore {

struct SegmentSample {
  std::vector<std::string> columns;      // the key first, then the requested columns
  std::vector<std::vector<Value>> rows;  // at most segmentation.sample, in hash order
  std::int64_t rows_read = 0;            // rows of the table scanned
  std::int64_t unkeyed_rows = 0;         // skipped: NULL or non-integer key
};

// Throws DatabaseError from the scan.
SegmentSample ReadSegmentSample(Database& db, const Config& config,
                                const std::vector<std::string>& columns);

// The 64-bit mix of (key, seed) the sample is ordered by (SplitMix64's finaliser).
std::uint64_t SampleHash(std::int64_t key, std::uint64_t seed);

}  // namespace bankscore
