// LabelRule: which label values are positive and negative, and the refusals that keep a value
// that is neither from silently becoming a negative.
#include "jobs/labels.h"

#include <gtest/gtest.h>

#include "bankscore/error.h"

namespace bankscore::testing {
namespace {

SourceConfig Source(const std::string& positive) {
  SourceConfig source;
  source.label = "y";
  source.positive_label = positive;
  return source;
}

std::string RuleError(const SourceConfig& source,
                      const std::map<std::string, std::int64_t>& counts) {
  try {
    LabelRule rule(source, counts);
  } catch (const DataError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(LabelRuleTest, TwoValuesNeedNoList) {
  const LabelRule rule(Source("yes"), {{"no", 10}, {"yes", 3}});
  EXPECT_EQ(rule.Classify("yes"), 1);
  EXPECT_EQ(rule.Classify("no"), 0);
}

TEST(LabelRuleTest, AThirdValueIsRefusedWithEveryCount) {
  EXPECT_EQ(RuleError(Source("yes"), {{"no", 10}, {"yes", 3}, {"maybe", 1}}),
            "source.label y holds 2 values besides the positive 'yes': 'maybe' (1 row), 'no' (10 "
            "rows); list the negative ones in source.negative_labels (values in another case count "
            "with source.label_case_insensitive), or fix the data");
}

TEST(LabelRuleTest, ListedNegativesAcceptOnlyThoseValues) {
  SourceConfig source = Source("1");
  source.negative_labels = {"0"};
  EXPECT_EQ(
      RuleError(source, {{"0", 5}, {"1", 2}, {"2", 4}, {"bad\nvalue", 1}}),
      "source.label y holds values that are neither the positive '1' nor in "
      "source.negative_labels: '2' (4 rows), 'bad\\nvalue' (1 row); fix the data or list them");
  source.negative_labels = {"0", "2", "bad\nvalue"};
  const LabelRule rule(source, {{"0", 5}, {"1", 2}, {"2", 4}, {"bad\nvalue", 1}});
  EXPECT_EQ(rule.Classify("2"), 0);
  EXPECT_EQ(rule.Classify("1"), 1);
}

TEST(LabelRuleTest, CaseInsensitiveFoldsSpellings) {
  SourceConfig source = Source("Yes");
  source.label_case_insensitive = true;
  source.negative_labels = {"NO"};
  const LabelRule rule(source, {{"no", 4}, {"No", 1}, {"YES", 2}, {"yes", 3}});
  EXPECT_EQ(rule.Classify("YES"), 1);
  EXPECT_EQ(rule.Classify("yes"), 1);
  EXPECT_EQ(rule.Classify("No"), 0);
}

TEST(LabelRuleTest, APositiveNoRowHoldsIsNamed) {
  SourceConfig source = Source("TRUE");
  source.label_case_insensitive = true;
  EXPECT_EQ(RuleError(source, {{"0", 4}, {"1", 2}}),
            "no labelled row holds source.positive_label 'TRUE'; source.label y holds '0' (4 "
            "rows), '1' (2 rows)");
}

}  // namespace
}  // namespace bankscore::testing
