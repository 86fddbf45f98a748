// ColumnarBatch: typed cells per column, values back as they went in, rows moved between batches,
// and capacity kept across Clear (the scorer reuses batches).
#include "bankscore/columnar_batch.h"

#include <gtest/gtest.h>

#include <string>

#include "common/bounded_queue.h"

namespace bankscore {
namespace {

TEST(ColumnarBatchTest, CellsKeepTheirTypeAndValue) {
  const ColumnarBatch batch =
      ToColumnar({"a", "b"}, {7, 8, 9},
                 {{Value(std::int64_t{42}), Value(std::string("x"))},
                  {Value(1.5), Value()},
                  {Value(std::string("")), Value(std::string("a\tb\n\xE2\x82\xAC"))}});
  ASSERT_EQ(batch.rows(), 3u);
  const Column& a = batch.columns[0];
  EXPECT_EQ(a.type(0), CellType::kInteger);
  EXPECT_EQ(a.integer(0), 42);
  EXPECT_EQ(a.number(0), 42.0);
  EXPECT_EQ(a.type(1), CellType::kReal);
  EXPECT_EQ(a.number(1), 1.5);
  EXPECT_EQ(a.type(2), CellType::kText);
  EXPECT_EQ(a.text(2), "");
  const Column& b = batch.columns[1];
  EXPECT_EQ(b.text(0), "x");
  EXPECT_EQ(b.type(1), CellType::kNull);
  EXPECT_EQ(b.text(2), "a\tb\n\xE2\x82\xAC");
  EXPECT_EQ(b.ValueAt(2), Value(std::string("a\tb\n\xE2\x82\xAC")));
  EXPECT_EQ(batch.Find("b"), 1u);
  EXPECT_EQ(batch.Find("c"), ColumnarBatch::kNotFound);
}

TEST(ColumnarBatchTest, RowsMoveBetweenBatchesAndTruncateKeepsTheFirst) {
  ColumnarBatch from = ToColumnar(
      {"t"}, {1, 2, 3},
      {{Value(std::string("one"))}, {Value(std::string("two"))}, {Value(std::string("three"))}});
  ColumnarBatch to;
  to.Reset({"t"});
  to.AppendRowFrom(from, 2);
  to.AppendRowFrom(from, 0);
  EXPECT_EQ(to.keys, (std::vector<std::int64_t>{3, 1}));
  EXPECT_EQ(to.columns[0].text(0), "three");
  EXPECT_EQ(to.columns[0].text(1), "one");
  from.Truncate(1);
  ASSERT_EQ(from.rows(), 1u);
  EXPECT_EQ(from.columns[0].text(0), "one");
  from.columns[0].AppendText("four");  // the text arena was cut back with the rows
  from.keys.push_back(4);
  EXPECT_EQ(from.columns[0].text(1), "four");
  from.Clear();
  EXPECT_EQ(from.rows(), 0u);
  EXPECT_EQ(from.names, (std::vector<std::string>{"t"}));
}

TEST(BoundedQueueTest, DeliversInOrderAndDrainsAfterClose) {
  BoundedQueue<int> queue(2);
  EXPECT_TRUE(queue.Push(1));
  EXPECT_TRUE(queue.Push(2));
  queue.Close();
  EXPECT_FALSE(queue.Push(3));
  EXPECT_EQ(queue.Pop(), 1);
  EXPECT_EQ(queue.Pop(), 2);
  EXPECT_EQ(queue.Pop(), std::nullopt);
}

TEST(BoundedQueueTest, CancelDropsWhatIsLeft) {
  BoundedQueue<int> queue(2);
  queue.Push(1);
  queue.Cancel();
  EXPECT_EQ(queue.Pop(), std::nullopt);
  EXPECT_FALSE(queue.Push(2));
}

}  // namespace
}  // namespace bankscore
