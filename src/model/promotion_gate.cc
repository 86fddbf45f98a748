#include "model/promotion_gate.h"

#include <fmt/format.h>

namespace bankscore {
namespace {

// The current model's ROC AUC on the candidate's test rows, as the trainer recorded it.
struct IncumbentFigure {
  double roc_auc = 0;
  std::int64_t rows = 0;
};

// The version the trainer compared with, if it could compare at all.
std::optional<std::string> ComparedVersion(const ModelMetadata& candidate) {
  const auto it = candidate.extra.find("incumbent");
  if (it == candidate.extra.end() || !it->is_object()) return std::nullopt;
  return it->value("version", "");
}

std::optional<IncumbentFigure> IncumbentOnSameRows(const ModelMetadata& candidate,
                                                   const std::string& current_version) {
  if (ComparedVersion(candidate) != current_version) return std::nullopt;
  const auto it = candidate.extra.find("incumbent");
  const auto auc = it->find("roc_auc");
  if (auc == it->end() || !auc->is_number()) return std::nullopt;
  return IncumbentFigure{auc->get<double>(), it->value("rows", std::int64_t{0})};
}

}  // namespace

PromotionDecision DecidePromotion(const ModelMetadata& candidate,
                                  const std::optional<std::string>& current_version,
                                  const TrainingConfig& training, bool forced) {
  if (!current_version) return {true, "there was no current model"};
  const double auc = candidate.test_metrics.value("roc_auc", 0.0);
  const std::optional<IncumbentFigure> incumbent = IncumbentOnSameRows(candidate, *current_version);
  const std::string figures =
      incumbent ? fmt::format(
                      "test ROC AUC {:.4f} against {:.4f} for the current model {} on the "
                      "same {} test rows",
                      auc, incumbent->roc_auc, *current_version, incumbent->rows)
                : fmt::format("test ROC AUC {:.4f}", auc);
  if (forced) return {true, "--promote given (" + figures + ")"};
  if (training.promote == TrainingConfig::Promote::kAlways) {
    return {true, "training.promote is always (" + figures + ")"};
  }
  const std::optional<std::string> compared = ComparedVersion(candidate);
  if (compared && *compared != *current_version) {
    // Another model was made current while this one trained: its figures compare nothing.
    return {false, figures + ", compared with " + *compared + ", but " + *current_version +
                       " became current meanwhile"};
  }
  if (!incumbent) {
    return {true, figures + "; the current model " + *current_version +
                      " cannot be compared on these rows (it reads other feature columns than "
                      "the config lists, or could not be loaded), so it is replaced"};
  }
  if (auc >= incumbent->roc_auc - training.promote_tolerance) {
    return {true, fmt::format("{} (training.promote_tolerance {:g})", figures,
                              training.promote_tolerance)};
  }
  return {false, fmt::format("{}, more than training.promote_tolerance {:g} below", figures,
                             training.promote_tolerance)};
}

}  // namespace bankscore
