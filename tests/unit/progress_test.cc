// Progress: when a line is due and what it says, with a clock the test moves by hand.
#include "common/progress.h"

#include <gtest/gtest.h>

#include <chrono>

namespace bankscore {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ProgressTest : public ::testing::Test {
 protected:
  Progress::Now Clock() {
    return [this] { return now_; };
  }
  Progress::Clock::time_point now_{};
};

TEST_F(ProgressTest, LineIsDueEveryIntervalAndAfterTheLastBatch) {
  Progress p("score run 7", 4000, 4, seconds(5), Clock());
  now_ += seconds(2);
  EXPECT_FALSE(p.Add(1000));
  now_ += seconds(3);  // 5 s since the start
  ASSERT_TRUE(p.Add(1000));
  EXPECT_EQ(p.Line(), "score run 7: 2 of 4 batches, 2000 of 4000 rows (50%), 400 rows/s, 5 s left");
  now_ += seconds(1);
  EXPECT_FALSE(p.Add(1000));  // 1 s since the last line
  now_ += seconds(1);
  ASSERT_TRUE(p.Add(1000));  // the last batch, whatever the time
  EXPECT_TRUE(p.done());
  EXPECT_EQ(p.Line(),
            "score run 7: 4 of 4 batches, 4000 of 4000 rows (100%), 571 rows/s, done in 7.0 s");
}

TEST_F(ProgressTest, TimeLeftInMinutesAndHours) {
  Progress p("load", 1000000, 1000, seconds(1), Clock());
  now_ += seconds(10);
  ASSERT_TRUE(p.Add(1000));  // 100 rows/s: 999000 rows take 9990 s
  EXPECT_EQ(p.Line(),
            "load: 1 of 1000 batches, 1000 of 1000000 rows (0%), 100 rows/s, 2 h 46 min left");
  Progress q("load", 10000, 10, seconds(1), Clock());
  now_ += seconds(10);
  ASSERT_TRUE(q.Add(1000));  // 100 rows/s: 9000 rows take 90 s
  EXPECT_EQ(q.Line(),
            "load: 1 of 10 batches, 1000 of 10000 rows (10%), 100 rows/s, 1 min 30 s left");
}

// Batches that hold a few rows more or less than batch_size: the rows say when the job is done.
TEST_F(ProgressTest, RowsDecideTheEndWhateverTheBatchCount) {
  Progress fewer("score", 3000, 4, milliseconds(0), Clock());
  now_ += seconds(1);
  fewer.Add(1500);
  EXPECT_FALSE(fewer.done());
  fewer.Add(1500);
  EXPECT_TRUE(fewer.done());
  EXPECT_EQ(fewer.Line(),
            "score: 2 of 2 batches, 3000 of 3000 rows (100%), 3000 rows/s, done in 1.0 s");

  Progress more("score", 3000, 2, milliseconds(0), Clock());
  now_ += seconds(1);
  more.Add(1000);
  more.Add(1000);
  EXPECT_FALSE(more.done());
  EXPECT_EQ(more.Line(), "score: 2 of 3 batches, 2000 of 3000 rows (66%), 2000 rows/s, 1 s left");
}

TEST_F(ProgressTest, RowsAddedMeanwhileNeverShowMoreThanAllOfThem) {
  Progress p("score", 1000, 1, seconds(5), Clock());
  now_ += seconds(1);
  EXPECT_TRUE(p.Add(1200));
  EXPECT_EQ(p.Line(),
            "score: 1 of 1 batches, 1200 of 1200 rows (100%), 1200 rows/s, done in 1.0 s");
}

TEST_F(ProgressTest, NoRateBeforeAnyTimePassed) {
  Progress p("load", 2000, 2, milliseconds(0), Clock());
  p.Add(1000);
  EXPECT_EQ(p.Line(), "load: 1 of 2 batches, 1000 of 2000 rows (50%)");
}

}  // namespace
}  // namespace bankscore
