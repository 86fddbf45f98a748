// The feature encoder: one-hot vocabularies, unknown and unseen categories, NULLs, text in
// numeric columns, and the pdays = 999 sentinel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <utility>

#include "bankscore/error.h"
#include "model/encoder.h"

namespace bankscore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

SourceConfig Source() {
  SourceConfig s;
  s.categorical = {"job"};
  s.numeric = {"age", "pdays"};
  s.sentinels = {{"pdays", 999}};
  return s;
}

const std::vector<std::string> kColumns = {"age", "job", "pdays"};

std::vector<std::vector<Value>> TrainingRows() {
  return {{std::int64_t{30}, std::string("admin."), std::int64_t{999}},
          {std::int64_t{40}, std::string("unknown"), std::int64_t{3}},
          {std::int64_t{50}, std::string("blue-collar"), std::int64_t{999}},
          {std::int64_t{60}, std::monostate{}, std::int64_t{6}}};
}

FeatureEncoder Fitted() { return FeatureEncoder::Fit(Source(), kColumns, TrainingRows()); }

TEST(EncoderTest, OutputColumnsAreSortedOneHotThenNumericThenSentinelFlags) {
  // "unknown" is a category like any other; NULL is not a category.
  EXPECT_THAT(Fitted().output_names(), ElementsAre("job=admin.", "job=blue-collar", "job=unknown",
                                                   "age", "pdays", "pdays_is_999"));
}

TEST(EncoderTest, EncodesKnownCategoriesNumbersAndTheSentinel) {
  EncodedRows out = Fitted().Transform(kColumns, TrainingRows());
  ASSERT_EQ(out.matrix.rows(), 4);
  ASSERT_TRUE(out.rejected.empty());
  // Row 0: admin., age 30, pdays 999 -> missing days and flag 1.
  EXPECT_EQ(out.matrix(0, 0), 1.0f);
  EXPECT_EQ(out.matrix(0, 1), 0.0f);
  EXPECT_EQ(out.matrix(0, 2), 0.0f);
  EXPECT_EQ(out.matrix(0, 3), 30.0f);
  EXPECT_TRUE(std::isnan(out.matrix(0, 4)));
  EXPECT_EQ(out.matrix(0, 5), 1.0f);
  // Row 1: the literal "unknown" gets its own column; pdays 3 stays, flag 0.
  EXPECT_EQ(out.matrix(1, 2), 1.0f);
  EXPECT_EQ(out.matrix(1, 4), 3.0f);
  EXPECT_EQ(out.matrix(1, 5), 0.0f);
}

TEST(EncoderTest, NullCategoryIsMissingAcrossTheWholeGroup) {
  EncodedRows out = Fitted().Transform(kColumns, TrainingRows());
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(std::isnan(out.matrix(3, c))) << "column " << c;
  EXPECT_EQ(out.matrix(3, 3), 60.0f);
}

TEST(EncoderTest, UnseenCategoryIsAllZerosAndCountedNotFatal) {
  std::vector<std::vector<Value>> rows = {
      {std::int64_t{33}, std::string("astronaut"), std::int64_t{1}}};
  EncodedRows out = Fitted().Transform(kColumns, rows);
  ASSERT_EQ(out.matrix.rows(), 1);
  EXPECT_EQ(out.unseen_categories, 1u);
  EXPECT_EQ(out.matrix(0, 0) + out.matrix(0, 1) + out.matrix(0, 2), 0.0f);
}

TEST(EncoderTest, NullNumberIsMissingAndNumericTextIsAccepted) {
  std::vector<std::vector<Value>> rows = {
      {std::monostate{}, std::string("admin."), std::string("12.5")}};
  EncodedRows out = Fitted().Transform(kColumns, rows);
  ASSERT_EQ(out.matrix.rows(), 1);
  EXPECT_TRUE(std::isnan(out.matrix(0, 3)));
  EXPECT_EQ(out.matrix(0, 4), 12.5f);
}

TEST(EncoderTest, TextOrInfinityInANumericColumnRejectsTheRowWithAReason) {
  std::vector<std::vector<Value>> rows = {
      {std::string("forty"), std::string("admin."), std::int64_t{1}},
      {std::int64_t{41}, std::string("admin."), std::int64_t{2}},
      {std::int64_t{42}, std::string("admin."), std::numeric_limits<double>::infinity()}};
  EncodedRows out = Fitted().Transform(kColumns, rows);
  EXPECT_THAT(out.accepted, ElementsAre(1u));
  EXPECT_THAT(out.rejected, ElementsAre(0u, 2u));
  ASSERT_EQ(out.reasons.size(), 2u);
  EXPECT_THAT(out.reasons[0], HasSubstr("column 'age': expected a number, got text 'forty'"));
  EXPECT_THAT(out.reasons[1], HasSubstr("column 'pdays'"));
  ASSERT_EQ(out.matrix.rows(), 1);
  EXPECT_EQ(out.matrix(0, 3), 41.0f);
}

// Found by tests/fuzz/encoder_fuzzer.cc: a finite double beyond float range was accepted and
// encoded as an infinity, which XGBoost reads as a real value. Rejected now, as infinity is, and
// left out of the training range.
TEST(EncoderTest, NumberBeyondFloatRangeRejectsTheRowAndIsNotATrainingValue) {
  std::vector<std::vector<Value>> rows = {
      {std::int64_t{40}, std::string("admin."), 1e300},
      {std::int64_t{41}, std::string("admin."), std::string("-4e38")},
      {std::int64_t{42}, std::string("admin."), 3.4e38}};
  EncodedRows out = Fitted().Transform(kColumns, rows);
  EXPECT_THAT(out.accepted, ElementsAre(2u));
  EXPECT_THAT(out.rejected, ElementsAre(0u, 1u));
  ASSERT_EQ(out.reasons.size(), 2u);
  EXPECT_THAT(out.reasons[0], HasSubstr("column 'pdays': 1e+300 is beyond the range"));
  EXPECT_THAT(out.reasons[1], HasSubstr("column 'pdays': -4e+38 is beyond the range"));
  ASSERT_EQ(out.matrix.rows(), 1);
  EXPECT_TRUE(std::isfinite(out.matrix(0, 4)));

  std::vector<std::vector<Value>> training = TrainingRows();
  training.push_back({1e39, std::string("admin."), std::int64_t{5}});
  const FeatureEncoder encoder = FeatureEncoder::Fit(Source(), kColumns, training);
  EXPECT_EQ(encoder.numeric_ranges()[0], std::make_pair(30.0, 60.0));
}

// Found by tests/fuzz/encoder_fuzzer.cc: a training category that was not valid UTF-8 went into
// the vocabulary, and saving the encoder then threw nlohmann's type_error (invalid UTF-8), not a
// bankscore error. Such text is no category; a row holding it is rejected when encoded.
TEST(EncoderTest, TextThatIsNotUtf8IsNoCategoryAndTheEncoderStillSaves) {
  std::vector<std::vector<Value>> training = TrainingRows();
  training.push_back({std::int64_t{35}, std::string("caf\xE9"), std::int64_t{4}});
  training.push_back({std::int64_t{36}, std::string("nul\0in", 6), std::int64_t{4}});
  const FeatureEncoder encoder = FeatureEncoder::Fit(Source(), kColumns, training);
  EXPECT_THAT(encoder.vocabularies()[0], ElementsAre("admin.", "blue-collar", "unknown"));
  const FeatureEncoder loaded = FeatureEncoder::FromJson(encoder.ToJson());
  EXPECT_EQ(loaded.output_names(), encoder.output_names());
  EncodedRows out = loaded.Transform(kColumns, {training[4]});
  EXPECT_THAT(out.rejected, ElementsAre(0u));
}

TEST(EncoderTest, MissingFeatureColumnIsADataError) {
  EXPECT_THROW(Fitted().Transform({"age", "job"}, {}), DataError);
}

TEST(EncoderTest, JsonRoundTripEncodesIdentically) {
  FeatureEncoder original = Fitted();
  FeatureEncoder copy = FeatureEncoder::FromJson(original.ToJson());
  EXPECT_EQ(copy.output_names(), original.output_names());
  EncodedRows a = original.Transform(kColumns, TrainingRows());
  EncodedRows b = copy.Transform(kColumns, TrainingRows());
  // NaN != NaN, so compare with the missing cells masked.
  EXPECT_TRUE(a.matrix.array().isNaN().matrix() == b.matrix.array().isNaN().matrix());
  EXPECT_TRUE((a.matrix.array().isNaN())
                  .select(0, a.matrix.array())
                  .isApprox((b.matrix.array().isNaN()).select(0, b.matrix.array())));
}

TEST(EncoderTest, CorruptJsonIsAModelError) {
  EXPECT_THROW(FeatureEncoder::FromJson("{\"categorical\": 3}"), ModelError);
}

// Issue 13: the training range of each numeric column is the form's hint and part of /v1/model.
TEST(EncoderTest, NumericRangesLeaveOutNullsAndSentinelsAndSurviveJson) {
  const FeatureEncoder encoder = Fitted();
  ASSERT_EQ(encoder.numeric_ranges().size(), 2u);
  EXPECT_EQ(encoder.numeric_ranges()[0], std::make_pair(30.0, 60.0));
  EXPECT_EQ(encoder.numeric_ranges()[1], std::make_pair(3.0, 6.0));  // 999 is the sentinel
  const FeatureEncoder loaded = FeatureEncoder::FromJson(encoder.ToJson());
  EXPECT_EQ(loaded.numeric_ranges()[1], std::make_pair(3.0, 6.0));
  EXPECT_EQ(loaded.ToJson(), encoder.ToJson());
}

}  // namespace
}  // namespace bankscore
