#include "service/serving_state.h"

namespace bankscore::service {

void ServingState::Publish(std::shared_ptr<const ModelBundle> model, const ScoringConfig& scoring) {
  ServingSnapshot next;
  next.decision = EffectiveDecision(*model, scoring);
  next.threshold_from_config = scoring.threshold.has_value();
  next.model = std::move(model);
  std::lock_guard<std::mutex> lock(mutex_);
  next.segments = std::move(current_.segments);
  current_ = std::move(next);
}

void ServingState::PublishSegments(std::shared_ptr<const SegmentCatalog> segments) {
  std::lock_guard<std::mutex> lock(mutex_);
  current_.segments = std::move(segments);
}

void ServingState::ReportModelProblem(const std::string& problem) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!current_.model) current_.model_problem = problem;
}

ServingSnapshot ServingState::Snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

}  // namespace bankscore::service
