// Internal: GET /dashboard, the operations view for people: the current model card, the runs
// over time (rows scored and positives, positive rate, duration), the score distribution of the
// latest run with the threshold marked, a table of the recent runs with their status and drift
// signs (unseen categories, values far beyond the training range), the customer segments panel
// (segments_panel.h), and links to the latest model report and data profile. Charts are
// server-rendered SVG from src/report; the page has no script and loads nothing.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bankscore/database.h"
#include "service/http_message.h"
#include "service/service_context.h"

namespace bankscore::service {

// Everything the page shows besides the model, read from the database in one go.
struct DashboardData {
  std::vector<RunInfo> runs;            // newest first
  std::optional<RunInfo> latest_score;  // the newest score run that scored rows
  std::vector<std::int64_t> histogram;  // its probabilities in kHistogramBins bins over [0, 1]
  std::string database_problem;         // not empty: the database did not answer
  std::vector<std::pair<std::string, std::string>> reports;  // {file, title} in reports_dir
};

inline constexpr int kHistogramBins = 20;
inline constexpr std::size_t kDashboardRuns = 50;

HttpResponse HandleDashboard(ServiceContext& ctx, const HttpRequest& request);

// The page's content (below the header), for tests. `source` names the label for the segments.
std::string DashboardHtml(const DashboardData& data, const ServingSnapshot& snapshot,
                          const SourceConfig& source);

}  // namespace bankscore::service
