// Internal: ServingState, what the HTTP service answers with: the current model bundle and the
// scoring settings its threshold comes from, and the current customer segmentation (issue 14).
// The process that owns the model (the daemon, or the serve loop) publishes a new one after a
// retrain or a reload, and the segmentation when it refreshes it; handlers take a snapshot per
// request, so a request is answered by one model, one threshold and one segmentation from start
// to end, and a model being replaced stays alive until the last request using it has finished.
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "bankscore/config.h"
#include "bankscore/decision.h"
#include "jobs/segment_catalog.h"
#include "model/bundle.h"

namespace bankscore::service {

struct ServingSnapshot {
  std::shared_ptr<const ModelBundle> model;  // null while no model could be loaded
  Decision decision;                         // the effective threshold (scoring.threshold first)
  bool threshold_from_config = false;        // scoring.threshold overrides the bundle's
  std::string model_problem;                 // why there is no model (when `model` is null)
  std::shared_ptr<const SegmentCatalog> segments;  // null until a segmentation is published
};

class ServingState {
 public:
  // A model and the scoring settings in force (scoring.threshold, if set, overrides the bundle).
  void Publish(std::shared_ptr<const ModelBundle> model, const ScoringConfig& scoring);
  // No model can be served; keeps the last one if there was one.
  void ReportModelProblem(const std::string& problem);
  // The current segmentation; null when there is none (any longer).
  void PublishSegments(std::shared_ptr<const SegmentCatalog> segments);

  ServingSnapshot Snapshot() const;

 private:
  mutable std::mutex mutex_;
  ServingSnapshot current_;
};

}  // namespace bankscore::service
