#include "model/reasons.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace bankscore {

void SumBySourceColumn(const float* contributions, const std::vector<std::size_t>& source_of,
                       std::size_t sources, std::vector<double>& sums) {
  sums.assign(sources, 0.0);
  // Summed in double: a column of 40 one-hot indicators adds 40 floats.
  for (std::size_t i = 0; i < source_of.size(); ++i) sums[source_of[i]] += contributions[i];
}

void TopContributions(const std::vector<double>& sums, std::size_t k,
                      std::vector<SourceContribution>& out) {
  out.clear();
  for (std::size_t c = 0; c < sums.size(); ++c) out.push_back({c, sums[c]});
  const std::size_t keep = std::min(k, out.size());
  // Magnitude first, then column order: equal contributions (often exact zeros) rank the same
  // way in every run and on every backend.
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(keep), out.end(),
                    [](const SourceContribution& a, const SourceContribution& b) {
                      const double left = std::fabs(a.contribution);
                      const double right = std::fabs(b.contribution);
                      return left != right ? left > right : a.column < b.column;
                    });
  out.resize(keep);
}

std::string FormatReason(const std::string& feature, const std::string& value,
                         double contribution) {
  // "+0.00" and "-0.00" both say "too small to matter"; a plain "+" keeps the column aligned.
  const double shown = std::fabs(contribution) < 0.005 ? 0.0 : contribution;
  return fmt::format("{}={} ({:+.2f})", feature, value, shown);
}

void AppendReason(std::string& line, const std::string& feature, const std::string& value,
                  double contribution) {
  if (!line.empty()) line += "; ";
  line += FormatReason(feature, value, contribution);
}

}  // namespace bankscore
