// Internal: the description of the served model that GET /v1/model returns and the form and the
// dashboard show: version, features with their known categories and training ranges, the
// threshold in force and where it comes from, the test-split metrics at that threshold, and the
// current segmentation's version and k when one is published.
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "service/serving_state.h"

namespace bankscore::service {

// `snapshot.model` must not be null. `explain_top`: the reasons a score returns
// (scoring.explain_top; capabilities.reasons says whether there are any).
nlohmann::json DescribeModel(const ServingSnapshot& snapshot, std::size_t explain_top);

}  // namespace bankscore::service
