#include "jobs/segment_sample.h"

#include <algorithm>
#include <utility>

namespace bankscore {
namespace {

std::uint64_t Mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Candidate {
  std::uint64_t hash = 0;
  std::int64_t key = 0;
  std::vector<Value> row;
  // The heap's top is the candidate to drop first: the largest (hash, key).
  bool operator<(const Candidate& other) const {
    return std::pair(hash, key) < std::pair(other.hash, other.key);
  }
};

}  // namespace

std::uint64_t SampleHash(std::int64_t key, std::uint64_t seed) {
  return Mix(static_cast<std::uint64_t>(key) ^ Mix(seed + 0x9e3779b97f4a7c15ULL));
}

SegmentSample ReadSegmentSample(Database& db, const Config& config,
                                const std::vector<std::string>& columns) {
  const SegmentationConfig& seg = config.segmentation;
  SegmentSample sample;
  sample.columns = {config.source.key};
  sample.columns.insert(sample.columns.end(), columns.begin(), columns.end());
  std::vector<Candidate> heap;  // a max-heap on (hash, key): the first to drop on top
  db.ScanTable(config.source.table, config.source.key, columns, std::nullopt,
               config.scoring.batch_size, [&](const RowBatch& batch) {
                 for (const auto& row : batch.rows) {
                   ++sample.rows_read;
                   const auto* key = std::get_if<std::int64_t>(&row[0]);
                   if (key == nullptr) {
                     ++sample.unkeyed_rows;
                     continue;
                   }
                   Candidate c{SampleHash(*key, seg.seed), *key, {}};
                   if (heap.size() >= seg.sample && !(c < heap.front())) continue;
                   c.row = row;
                   heap.push_back(std::move(c));
                   std::push_heap(heap.begin(), heap.end());
                   if (heap.size() > seg.sample) {
                     std::pop_heap(heap.begin(), heap.end());
                     heap.pop_back();
                   }
                 }
               });
  std::sort_heap(heap.begin(), heap.end());  // smallest hash first
  sample.rows.reserve(heap.size());
  for (Candidate& c : heap) sample.rows.push_back(std::move(c.row));
  return sample;
}

}  // namespace bankscore
