// The quality gate of `train`: the first model is always promoted; after that a new model becomes
// current only if its test ROC AUC is at least the current model's on the same rows minus the
// tolerance, unless training.promote is always or --promote is given; without a figure for the
// current model (other features) there is nothing to compare; a figure for a model that is no
// longer current does not promote.
#include "model/promotion_gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bankscore {
namespace {

using ::testing::HasSubstr;

ModelMetadata Candidate(double auc, double incumbent_auc, const std::string& incumbent = "old") {
  ModelMetadata m;
  m.version = "new";
  m.test_metrics = {{"roc_auc", auc}};
  m.extra = {{"incumbent", {{"version", incumbent}, {"roc_auc", incumbent_auc}, {"rows", 824}}}};
  return m;
}

const TrainingConfig kDefaults;  // if_not_worse, tolerance 0.005

TEST(PromotionGateTest, FirstModelIsPromoted) {
  ModelMetadata m;
  m.test_metrics = {{"roc_auc", 0.5}};
  const PromotionDecision d = DecidePromotion(m, std::nullopt, kDefaults, false);
  EXPECT_TRUE(d.promote);
  EXPECT_EQ(d.reason, "there was no current model");
}

TEST(PromotionGateTest, WorseBeyondTheToleranceIsKeptAsACandidateWithBothFigures) {
  const PromotionDecision d = DecidePromotion(Candidate(0.7000, 0.8123), "old", kDefaults, false);
  EXPECT_FALSE(d.promote);
  EXPECT_EQ(d.reason,
            "test ROC AUC 0.7000 against 0.8123 for the current model old on the same 824 test "
            "rows, more than training.promote_tolerance 0.005 below");
}

TEST(PromotionGateTest, WithinTheToleranceOrBetterIsPromoted) {
  EXPECT_TRUE(DecidePromotion(Candidate(0.8080, 0.8123), "old", kDefaults, false).promote);
  EXPECT_TRUE(DecidePromotion(Candidate(0.9000, 0.8123), "old", kDefaults, false).promote);
  EXPECT_FALSE(DecidePromotion(Candidate(0.8070, 0.8123), "old", kDefaults, false).promote);
  TrainingConfig strict;
  strict.promote_tolerance = 0;
  EXPECT_TRUE(DecidePromotion(Candidate(0.8123, 0.8123), "old", strict, false).promote);
  EXPECT_FALSE(DecidePromotion(Candidate(0.8122, 0.8123), "old", strict, false).promote);
}

TEST(PromotionGateTest, AlwaysAndPromoteFlagOverrideTheFigures) {
  TrainingConfig always;
  always.promote = TrainingConfig::Promote::kAlways;
  const PromotionDecision by_config = DecidePromotion(Candidate(0.6, 0.8), "old", always, false);
  EXPECT_TRUE(by_config.promote);
  EXPECT_THAT(by_config.reason, HasSubstr("training.promote is always"));
  const PromotionDecision forced = DecidePromotion(Candidate(0.6, 0.8), "old", kDefaults, true);
  EXPECT_TRUE(forced.promote);
  EXPECT_THAT(forced.reason, HasSubstr("--promote given (test ROC AUC 0.6000 against 0.8000"));
}

TEST(PromotionGateTest, WithoutAFigureForTheCurrentModelThereIsNothingToCompare) {
  ModelMetadata no_figure;  // the current model reads other feature columns
  no_figure.test_metrics = {{"roc_auc", 0.6}};
  const PromotionDecision d = DecidePromotion(no_figure, "old", kDefaults, false);
  EXPECT_TRUE(d.promote);
  EXPECT_THAT(d.reason, HasSubstr("cannot be compared"));
}

TEST(PromotionGateTest, CurrentModelChangedDuringTrainingIsNotReplacedUnchecked) {
  const PromotionDecision d =
      DecidePromotion(Candidate(0.9, 0.8, "older"), "old", kDefaults, false);
  EXPECT_FALSE(d.promote);
  EXPECT_EQ(d.reason, "test ROC AUC 0.9000, compared with older, but old became current meanwhile");
  EXPECT_TRUE(DecidePromotion(Candidate(0.9, 0.8, "older"), "old", kDefaults, true).promote);
}

}  // namespace
}  // namespace bankscore
