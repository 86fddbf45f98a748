// The Database interface's contract (bankscore/database.h), checked on both implementations with
// the same test bodies: idempotent DDL, batch writes that skip rows already written and count only
// what they inserted, relabel, abandoned runs and the exclusive scorer lock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "integration/test_support.h"

namespace bankscore::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class DatabaseContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<Database> OpenWithResultsSchema() {
    auto db = env_.Open();
    db->CreateSourceTable("bank_clients", {{"client_id", ColumnType::kInteger}}, "client_id");
    db->EnsureResultsSchema();
    db->EnsureResultsSchema();  // idempotent
    return db;
  }

  TestEnvironment env_{GetParam()};
};

TEST_P(DatabaseContractTest, ReplayedBatchInsertsAndCountsOnlyNewRows) {
  auto db = OpenWithResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t run_id = db->BeginRun(run);
  std::vector<Prediction> predictions = {{1, 0.25, 0}, {2, 0.75, 1}};
  std::vector<Rejection> rejections = {{3, "column age: tab\there"}};

  BatchWriteResult first = db->WriteBatch(run_id, "v1", 0.5, predictions, rejections);
  EXPECT_EQ(first.predictions_inserted, 2);
  EXPECT_EQ(first.rejections_inserted, 1);
  // The same batch again (as after a lost COMMIT acknowledgement) plus one new row.
  predictions.push_back({4, 0.5, 1});
  BatchWriteResult second = db->WriteBatch(run_id, "v1", 0.5, predictions, rejections);
  EXPECT_EQ(second.predictions_inserted, 1);
  EXPECT_EQ(second.rejections_inserted, 0);

  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions"), 3);
  RowBatch reason = db->Query("SELECT reason FROM rejected_rows");
  ASSERT_EQ(reason.rows.size(), 1u);
  EXPECT_EQ(reason.rows[0][0], Value(std::string("column age: tab\there")));
  // The run's totals count what was inserted (3 + 1), so rows_read = scored + rejected holds and
  // the replayed positive (key 2) is not counted twice.
  EXPECT_EQ(env_.QueryInt("SELECT rows_read FROM scoring_runs"), 4);
  EXPECT_EQ(env_.QueryInt("SELECT rows_scored FROM scoring_runs"), 3);
  EXPECT_EQ(env_.QueryInt("SELECT rows_rejected FROM scoring_runs"), 1);
  EXPECT_EQ(env_.QueryInt("SELECT rows_positive FROM scoring_runs"), 2);
}

// A batch of 2,345 predictions (SQLite writes it in statements of 1,000, 100, 10 and 1 rows)
// over 345 of them written before: exactly the 2,000 new rows are inserted and counted, with
// their own probability, label, raw score and reasons; the old rows keep theirs.
TEST_P(DatabaseContractTest, LargeBatchOverEarlierRowsInsertsAndCountsOnlyTheNewOnes) {
  auto db = OpenWithResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t run_id = db->BeginRun(run);
  std::vector<Prediction> earlier;
  for (std::int64_t key = 1001; key <= 1345; ++key) earlier.push_back({key, 0.1, 0, 0.0, "old"});
  ASSERT_EQ(db->WriteBatch(run_id, "v1", 0.5, earlier, {}).predictions_inserted, 345);

  std::vector<Prediction> batch;
  std::vector<PredictionReason> reasons;
  for (std::int64_t key = 1; key <= 2345; ++key) {
    const int label = key % 3 == 0 ? 1 : 0;
    batch.push_back({key, label ? 0.9 : 0.2, label, static_cast<double>(key), "r"});
    reasons.push_back({key, 1, "age", std::string("30"), 0.5});
  }
  const BatchWriteResult written = db->WriteBatch(run_id, "v1", 0.5, batch, {}, reasons);
  EXPECT_EQ(written.predictions_inserted, 2000);
  // Multiples of 3 among the new keys: 1..1000 and 1346..2345.
  EXPECT_EQ(written.positives_inserted, 333 + 333);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions"), 2345);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions WHERE top_reasons = 'old'"), 345);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions WHERE label = 1 AND raw_score = "
                          "source_key AND probability = 0.9 AND threshold = 0.5"),
            666);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM prediction_reasons"), 2000);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM prediction_reasons WHERE source_key BETWEEN "
                          "1001 AND 1345"),
            0);
  EXPECT_EQ(env_.QueryInt("SELECT rows_scored FROM scoring_runs"), 2345);
  EXPECT_EQ(env_.QueryInt("SELECT rows_positive FROM scoring_runs"), 666);
}

TEST_P(DatabaseContractTest, SameKeysUnderAnotherModelVersionAreNewRows) {
  auto db = OpenWithResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t run_id = db->BeginRun(run);
  const std::vector<Prediction> predictions = {{1, 0.25, 0}, {2, 0.75, 1}};
  EXPECT_EQ(db->WriteBatch(run_id, "v1", 0.5, predictions, {}).predictions_inserted, 2);
  EXPECT_EQ(db->WriteBatch(run_id, "v2", 0.5, predictions, {}).predictions_inserted, 2);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions"), 4);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(DISTINCT model_version) FROM predictions"), 2);
}

TEST_P(DatabaseContractTest, RelabelChangesOnlyRowsWithAnotherThresholdAndRecordsIt) {
  auto db = OpenWithResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t score_run = db->BeginRun(run);
  db->WriteBatch(score_run, "v1", 0.5, {{1, 0.25, 0}, {2, 0.75, 1}}, {});
  db->WriteBatch(score_run, "v1", 0.3, {{3, 0.5, 1}}, {});
  db->WriteBatch(score_run, "v0", 0.5, {{1, 0.9, 1}}, {});  // another version: untouched

  run.kind = "relabel";
  const std::int64_t relabel_run = db->BeginRun(run);
  RelabelResult r = db->Relabel(relabel_run, "v1", Decision{0.8});
  EXPECT_EQ(r.rows_relabeled, 3);
  EXPECT_EQ(r.labels_changed, 2);  // keys 2 and 3 were 1 and are now 0
  EXPECT_EQ(r.positives_after, 0);
  EXPECT_EQ(r.previous_thresholds, "0.5 (2 rows), 0.3 (1 row)");
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions WHERE model_version = 'v1' AND "
                          "label = 1"),
            0);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions WHERE model_version = 'v1' AND "
                          "relabeled_at IS NOT NULL"),
            3);
  EXPECT_EQ(env_.QueryInt("SELECT label FROM predictions WHERE model_version = 'v0'"), 1);
  // The relabel's run carries its counts, committed with the change.
  const std::string where = " FROM scoring_runs WHERE run_id = " + std::to_string(relabel_run);
  EXPECT_EQ(env_.QueryInt("SELECT rows_read" + where), 3);
  EXPECT_EQ(env_.QueryInt("SELECT rows_scored" + where), 3);
  EXPECT_EQ(env_.QueryInt("SELECT rows_positive" + where), 0);

  // Same threshold again: nothing differs, nothing changes.
  EXPECT_EQ(db->Relabel(db->BeginRun(run), "v1", Decision{0.8}).rows_relabeled, 0);
  // probability >= threshold is positive: 0.75 at threshold 0.75 becomes 1.
  r = db->Relabel(db->BeginRun(run), "v1", Decision{0.75});
  EXPECT_EQ(r.rows_relabeled, 3);
  EXPECT_EQ(r.labels_changed, 1);
  EXPECT_EQ(r.positives_after, 1);
  EXPECT_EQ(r.previous_thresholds, "0.8 (3 rows)");
}

TEST_P(DatabaseContractTest, FinishRunKeepsTheTotalsTheBatchesCommitted) {
  auto db = OpenWithResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t run_id = db->BeginRun(run);
  db->WriteBatch(run_id, "v1", 0.5, {{1, 0.25, 0}, {2, 0.75, 1}}, {{3, "bad"}});
  // The caller's idea of the counts (here: none) never overwrites what was committed.
  run.status = "failed";
  run.message = "lost the connection";
  run.threshold = 0.4;
  db->FinishRun(run_id, run);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE rows_read = 3 AND "
                          "rows_scored = 2 AND rows_rejected = 1 AND rows_positive = 1 AND "
                          "status = 'failed' AND message = 'lost the connection' AND "
                          "threshold = 0.4 AND finished_at IS NOT NULL"),
            1);
}

TEST_P(DatabaseContractTest, RunsLeftRunningAreMarkedAbandonedOnce) {
  auto db = OpenWithResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t finished = db->BeginRun(run);
  db->BeginRun(run);  // its process "died": never finished
  run.status = "succeeded";
  db->FinishRun(finished, run);

  EXPECT_EQ(db->MarkAbandonedRuns(), 1);
  EXPECT_EQ(db->MarkAbandonedRuns(), 0);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE status = 'abandoned' AND "
                          "finished_at IS NOT NULL"),
            1);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE status = 'succeeded'"), 1);
}

TEST_P(DatabaseContractTest, ScorerLockIsExclusiveUntilReleased) {
  auto a = env_.Open();
  auto b = env_.Open();
  auto held = a->TryLockScorer(false, milliseconds(0), nullptr);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(b->TryLockScorer(false, milliseconds(0), nullptr), nullptr);
  const auto start = Clock::now();
  EXPECT_EQ(b->TryLockScorer(true, milliseconds(300), nullptr), nullptr);
  EXPECT_GE(Clock::now() - start, milliseconds(300));
  held.reset();
  auto taken = b->TryLockScorer(false, milliseconds(0), nullptr);
  ASSERT_NE(taken, nullptr);
  EXPECT_NO_THROW(taken->EnsureHeld());
}

// The counts before a run: rows whose key is NULL (never scored), and rows still to score. A key
// declared as the table's primary key cannot be NULL, and the count of those rows is zero without
// a scan; a plain column can hold NULLs.
TEST_P(DatabaseContractTest, CountsRowsWithoutAKeyAndRowsStillToScore) {
  auto db = env_.Open();
  db->Query("CREATE TABLE bank_clients (client_id INTEGER, age INTEGER)");
  db->Query("INSERT INTO bank_clients VALUES (1, 30), (NULL, 31), (2, 32), (2, 33), (NULL, 34)");
  db->EnsureResultsSchema();
  EXPECT_EQ(db->CountUnkeyedRows().null_keys, 2);
  EXPECT_EQ(db->CountUnkeyedRows().non_integer_keys, 0);
  // Key 2's two rows both count; a prediction of key 1 and a rejection of key 2 under v1 leave
  // nothing of v1, and v2 still has all three keyed rows.
  EXPECT_EQ(db->CountUnscoredRows("v1"), 3);
  RunRecord run;
  run.model_version = "v1";
  db->WriteBatch(db->BeginRun(run), "v1", 0.5, {{1, 0.25, 0}}, {{2, "duplicate key"}});
  EXPECT_EQ(db->CountUnscoredRows("v1"), 0);
  EXPECT_FALSE(db->HasUnscoredRows("v1"));
  EXPECT_EQ(db->CountUnscoredRows("v2"), 3);
  EXPECT_TRUE(db->HasUnscoredRows("v2"));
}

TEST_P(DatabaseContractTest, APrimaryKeyHasNoRowsWithoutAKey) {
  auto db = OpenWithResultsSchema();
  db->Query("INSERT INTO bank_clients (client_id) VALUES (1), (2), (3)");
  const UnkeyedRows unkeyed = db->CountUnkeyedRows();
  EXPECT_EQ(unkeyed.null_keys, 0);
  EXPECT_EQ(unkeyed.non_integer_keys, 0);
  EXPECT_EQ(db->CountUnscoredRows("v1"), 3);
}

TEST_P(DatabaseContractTest, WaitingForTheScorerLockEndsWhenStopIsRequested) {
  auto a = env_.Open();
  auto b = env_.Open();
  auto held = a->TryLockScorer(false, milliseconds(0), nullptr);
  ASSERT_NE(held, nullptr);
  const auto start = Clock::now();
  const auto stop = [&] { return Clock::now() - start > milliseconds(300); };
  EXPECT_EQ(b->TryLockScorer(true, std::chrono::minutes(10), stop), nullptr);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

// Results tables made by an earlier bankscore lack the newer run columns: they are added in
// place, and the runs already recorded keep their rows.
TEST_P(DatabaseContractTest, ResultsTablesOfAnEarlierVersionGainTheNewColumns) {
  auto db = OpenWithResultsSchema();
  RunRecord old_run;
  old_run.model_version = "v0";
  db->BeginRun(old_run);
  for (const char* column :
       {"source_table", "unseen_categories", "out_of_training_range", "column_counts"}) {
    db->Query(std::string("ALTER TABLE scoring_runs DROP COLUMN ") + column);
  }
  db.reset();

  auto upgraded = env_.Open();
  upgraded->EnsureResultsSchema();
  RunRecord run;
  run.model_version = "v1";
  run.source_table = "bank_clients(client_id)";
  const std::int64_t run_id = upgraded->BeginRun(run);
  run.unseen_categories = 3;
  run.column_counts = R"({"job": {"unseen": 3}})";
  upgraded->FinishRun(run_id, run);
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM scoring_runs"), 2);
  EXPECT_EQ(env_.QueryInt("SELECT unseen_categories FROM scoring_runs WHERE model_version = 'v1'"),
            3);
  EXPECT_EQ(env_.QueryInt("SELECT unseen_categories FROM scoring_runs WHERE model_version = 'v0'"),
            0);
  EXPECT_EQ(upgraded->ResultsSources(), std::vector<std::string>{"bank_clients(client_id)"});
}

// Issue 13: the read-only queries of the HTTP service.
TEST_P(DatabaseContractTest, ServingQueriesReadLatestPredictionRunsTotalsAndHistogram) {
  auto db = OpenWithResultsSchema();
  EXPECT_FALSE(db->LatestPrediction(1).has_value());
  EXPECT_TRUE(db->RecentRuns(10).empty());
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t first = db->BeginRun(run);
  db->WriteBatch(first, "v1", 0.5, {{1, 0.125, 0}, {2, 0.75, 1}, {3, 1.0, 1}}, {{4, "bad"}});
  run.status = "succeeded";
  run.unseen_categories = 2;
  run.out_of_training_range = 1;
  run.column_counts = R"({"job": {"unseen": 2}, "age": {"out_of_training_range": 1}})";
  db->FinishRun(first, run);
  run.model_version = "v2";
  run.status = "running";
  run.unseen_categories = 0;
  run.out_of_training_range = 0;
  run.column_counts = "";
  const std::int64_t second = db->BeginRun(run);
  db->WriteBatch(second, "v2", 0.25, {{1, 0.3, 1}}, {});

  // Key 1's newest prediction is the second run's, under v2.
  const std::optional<PredictionRecord> latest = db->LatestPrediction(1);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->model_version, "v2");
  EXPECT_DOUBLE_EQ(latest->probability, 0.3);
  EXPECT_EQ(latest->label, 1);
  EXPECT_DOUBLE_EQ(latest->threshold, 0.25);
  EXPECT_EQ(latest->run_id, second);
  EXPECT_THAT(latest->scored_at, ::testing::MatchesRegex(R"(20[0-9-]+T[0-9:.]+Z)"));
  EXPECT_EQ(latest->relabeled_at, "");
  EXPECT_FALSE(db->LatestPrediction(4).has_value());  // rejected, never predicted

  const std::vector<RunInfo> runs = db->RecentRuns(10);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].run_id, second);  // newest first
  EXPECT_EQ(runs[0].status, "running");
  EXPECT_EQ(runs[0].finished_at, "");
  EXPECT_FALSE(runs[0].duration_seconds.has_value());
  EXPECT_EQ(runs[1].status, "succeeded");
  EXPECT_EQ(runs[1].rows_read, 4);
  EXPECT_EQ(runs[1].rows_scored, 3);
  EXPECT_EQ(runs[1].rows_rejected, 1);
  EXPECT_EQ(runs[1].rows_positive, 2);
  EXPECT_EQ(runs[1].unseen_categories, 2);
  EXPECT_EQ(runs[1].out_of_training_range, 1);
  EXPECT_THAT(runs[1].column_counts, ::testing::HasSubstr("\"out_of_training_range\": 1"));
  EXPECT_EQ(runs[0].unseen_categories, 0);
  EXPECT_EQ(runs[0].column_counts, "");
  ASSERT_TRUE(runs[1].duration_seconds.has_value());
  EXPECT_GE(*runs[1].duration_seconds, 0.0);
  EXPECT_LT(*runs[1].duration_seconds, 600.0);
  const double now = static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
  EXPECT_NEAR(runs[1].started_unix, now, 600.0);
  EXPECT_EQ(db->RecentRuns(1).size(), 1u);

  const std::vector<RunTotals> totals = db->TotalsByRunStatus();
  ASSERT_EQ(totals.size(), 2u);
  EXPECT_EQ(totals[0].status, "running");  // ordered by kind, then status
  EXPECT_FALSE(totals[0].last_finished_unix.has_value());
  EXPECT_EQ(totals[1].status, "succeeded");
  EXPECT_EQ(totals[1].runs, 1);
  EXPECT_EQ(totals[1].rows_scored, 3);
  EXPECT_EQ(totals[1].rows_rejected, 1);
  EXPECT_EQ(totals[1].rows_positive, 2);
  ASSERT_TRUE(totals[1].last_finished_unix.has_value());
  EXPECT_NEAR(*totals[1].last_finished_unix, now, 600.0);

  // 0.125 in bin 0, 0.75 in bin 3, 1.0 in the last bin.
  EXPECT_THAT(db->ScoreHistogram(first, 4), ::testing::ElementsAre(1, 0, 0, 2));
  EXPECT_THAT(db->ScoreHistogram(second, 2), ::testing::ElementsAre(1, 0));
  EXPECT_THAT(db->ScoreHistogram(999, 2), ::testing::ElementsAre(0, 0));
}

// SQLite types values, not columns: only a key that is the rowid (INTEGER PRIMARY KEY of a rowid
// table) is sure to be an integer. A WITHOUT ROWID table's INTEGER PRIMARY KEY can hold text.
TEST(SqliteSourceKeysTest, OnlyARowidKeySkipsTheCountOfKeysThatAreNotIntegers) {
  TestEnvironment env(Backend::kSqlite);
  auto db = env.Open();
  db->Query("CREATE TABLE bank_clients (client_id INTEGER PRIMARY KEY, age INTEGER) WITHOUT ROWID");
  db->Query("INSERT INTO bank_clients VALUES (1, 30), ('x7', 31), (3, 32)");
  db->EnsureResultsSchema();
  UnkeyedRows unkeyed = db->CountUnkeyedRows();
  EXPECT_EQ(unkeyed.null_keys, 0);
  EXPECT_EQ(unkeyed.non_integer_keys, 1);
  EXPECT_EQ(unkeyed.examples, std::vector<std::string>{"'x7'"});
  EXPECT_EQ(db->CountUnscoredRows("v1"), 2);

  db->Query("DROP TABLE bank_clients");
  db->Query("CREATE TABLE bank_clients (client_id INTEGER PRIMARY KEY, age INTEGER)");
  db->Query("INSERT INTO bank_clients VALUES (1, 30), (2, 31)");
  unkeyed = db->CountUnkeyedRows();
  EXPECT_EQ(unkeyed.non_integer_keys, 0);
  EXPECT_EQ(db->CountUnscoredRows("v1"), 2);
}

// Files made before the positives index keep their predictions and lose the (model_version, label)
// index, whose upkeep was a fifth of the write.
TEST(SqliteSourceKeysTest, ResultsOfAnEarlierVersionTradeTheVersionLabelIndexForThePositives) {
  TestEnvironment env(Backend::kSqlite);
  auto db = env.Open();
  db->EnsureResultsSchema();
  db->Query("DROP INDEX predictions_positives_idx");
  db->Query("CREATE INDEX predictions_version_label_idx ON predictions (model_version, label)");
  db.reset();
  auto upgraded = env.Open();
  upgraded->EnsureResultsSchema();
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                         "('predictions_version_label_idx', 'predictions_positives_idx')"),
            1);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE name = "
                         "'predictions_positives_idx' AND sql LIKE '%WHERE label = 1'"),
            1);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseContractTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

}  // namespace
}  // namespace bankscore::testing

namespace bankscore::testing {
namespace {

// The reader of unscored rows on a real database: key order, the lower key bound, rows with a
// result skipped, and cells typed as stored, including text that COPY has to escape.
class UnscoredReaderTest : public ::testing::TestWithParam<Backend> {
 protected:
  ColumnarBatch ReadAll(Database& db, std::optional<std::int64_t> after) {
    ColumnarBatch batch;
    batch.Reset(env_.config().source.FeatureColumns());
    auto reader = db.ReadUnscored("v1", after);
    while (reader->Next(batch, 1000)) {
    }
    return batch;
  }

  TestEnvironment env_{GetParam()};
};

TEST_P(UnscoredReaderTest, ReadsEveryUnscoredRowInKeyOrderWithItsCells) {
  ASSERT_EQ(RunBankscore({"load", "--config", env_.config_path(), "--csv", SampleCsv()}).exit_code,
            0);
  auto db = env_.Open();
  db->EnsureResultsSchema();
  db->Query(
      "UPDATE bank_clients SET job = 'tab\tnew\nline back\\slash \xE2\x82\xAC', age = NULL "
      "WHERE client_id = 3");
  RunRecord run;
  run.model_version = "v1";
  db->WriteBatch(db->BeginRun(run), "v1", 0.5, {{2, 0.5, 1}}, {{4, "bad"}});
  EXPECT_TRUE(db->HasUnscoredRows("v1"));

  const ColumnarBatch all = ReadAll(*db, std::nullopt);
  ASSERT_EQ(all.rows(), 4119u - 2);
  EXPECT_EQ(all.keys[0], 1);
  EXPECT_EQ(all.keys[1], 3);  // 2 has a prediction
  EXPECT_EQ(all.keys[2], 5);  // 4 has a rejection
  EXPECT_TRUE(std::is_sorted(all.keys.begin(), all.keys.end()));
  const Column& job = all.columns[all.Find("job")];
  EXPECT_EQ(job.type(1), CellType::kText);
  EXPECT_EQ(job.text(1), "tab\tnew\nline back\\slash \xE2\x82\xAC");
  const Column& age = all.columns[all.Find("age")];
  EXPECT_EQ(age.type(1), CellType::kNull);
  // Numeric features load as REAL on SQLite and double precision on PostgreSQL, whose text
  // form "30" reads back as an integer cell: either way the number is the file's.
  EXPECT_NE(age.type(0), CellType::kNull);
  EXPECT_NE(age.type(0), CellType::kText);
  EXPECT_DOUBLE_EQ(age.number(0), 30);
  const Column& euribor = all.columns[all.Find("euribor3m")];
  EXPECT_EQ(euribor.type(0), CellType::kReal);
  EXPECT_DOUBLE_EQ(euribor.number(0), 1.313);  // the first row of the bundled sample

  const ColumnarBatch after = ReadAll(*db, 4000);
  ASSERT_EQ(after.rows(), 119u);
  EXPECT_EQ(after.keys.front(), 4001);
}

// Read in pieces while predictions of the rows returned are written, as the pipeline does (the
// SQLite reader lets its snapshot go between pieces and reads on after the last key): every row
// comes once, in key order, also the three rows each of keys 1000 and 1001 (a table without a
// primary key), which straddle the pieces.
TEST_P(UnscoredReaderTest, ReadingInPiecesWhileWritingReturnsEveryRowOnce) {
  ASSERT_EQ(RunBankscore({"load", "--config", env_.config_path(), "--csv", SampleCsv()}).exit_code,
            0);
  auto db = env_.Open();
  db->EnsureResultsSchema();
  db->Query("CREATE TABLE copied AS SELECT * FROM bank_clients");
  for (int copy = 0; copy < 2; ++copy) {
    db->Query("INSERT INTO copied SELECT * FROM bank_clients WHERE client_id IN (1000, 1001)");
  }
  db->Query("DROP TABLE bank_clients");
  db->Query("ALTER TABLE copied RENAME TO bank_clients");
  ASSERT_EQ(env_.QueryInt("SELECT COUNT(*) FROM bank_clients WHERE client_id = 1000"), 3);
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t run_id = db->BeginRun(run);

  ColumnarBatch all;
  all.Reset(env_.config().source.FeatureColumns());
  auto reader = db->ReadUnscored("v1", std::nullopt);
  const std::size_t pieces[] = {1000, 2, 1, 1000, 997, 1000};
  std::size_t written = 0;
  for (std::size_t piece = 0; reader->Next(all, pieces[piece % 6]); ++piece) {
    std::vector<Prediction> predictions;
    for (; written < all.rows(); ++written) {
      const std::int64_t key = all.keys[written];
      if (key != 1000 && key != 1001) predictions.push_back({key, 0.5, 1});
    }
    db->WriteBatch(run_id, "v1", 0.5, predictions, {}, {});
  }
  ASSERT_EQ(all.rows(), 4119u + 4);
  EXPECT_TRUE(std::is_sorted(all.keys.begin(), all.keys.end()));
  EXPECT_EQ(std::count(all.keys.begin(), all.keys.end(), 1000), 3);
  EXPECT_EQ(std::count(all.keys.begin(), all.keys.end(), 1001), 3);
  EXPECT_EQ(std::adjacent_find(all.keys.begin() + 1005, all.keys.end()), all.keys.end());
  EXPECT_EQ(env_.QueryInt("SELECT COUNT(*) FROM predictions"), 4119 - 2);
}

// SQLite reads the first run of a version without a look-up per row into the results tables,
// when no score run of the version has written anything (the runs' totals say so); once one
// has, rows with a result are skipped. Totals a DBA zeroed by hand make a run read scored rows
// again, and still nothing is stored twice.
TEST(SqliteFirstRunTest, AVersionWithoutResultsIsReadWholeAndStillWrittenOnce) {
  TestEnvironment env(Backend::kSqlite);
  ASSERT_EQ(RunBankscore({"load", "--config", env.config_path(), "--csv", SampleCsv()}).exit_code,
            0);
  auto db = env.Open();
  db->EnsureResultsSchema();
  const auto count_unscored = [&] {
    ColumnarBatch batch;
    batch.Reset(env.config().source.FeatureColumns());
    auto reader = db->ReadUnscored("v1", std::nullopt);
    while (reader->Next(batch, 1000)) {
    }
    return static_cast<std::int64_t>(batch.rows());
  };
  RunRecord run;
  run.model_version = "v1";
  const std::int64_t run_id = db->BeginRun(run);
  EXPECT_EQ(db->CountUnscoredRows("v1"), 4119);
  EXPECT_EQ(count_unscored(), 4119);

  const std::vector<Prediction> first_ten = {{1, 0.5, 1}, {2, 0.5, 1}, {3, 0.5, 1}, {4, 0.5, 1},
                                             {5, 0.5, 1}, {6, 0.5, 1}, {7, 0.5, 1}, {8, 0.5, 1},
                                             {9, 0.5, 1}, {10, 0.5, 1}};
  EXPECT_EQ(db->WriteBatch(run_id, "v1", 0.5, first_ten, {{11, "bad"}}).predictions_inserted, 10);
  EXPECT_EQ(db->CountUnscoredRows("v1"), 4119 - 11);
  EXPECT_EQ(count_unscored(), 4119 - 11);
  EXPECT_EQ(db->CountUnscoredRows("v2"), 4119);  // another version has no results

  db->Query("UPDATE scoring_runs SET rows_read = 0, rows_scored = 0, rows_rejected = 0");
  EXPECT_EQ(count_unscored(), 4119);
  EXPECT_EQ(db->WriteBatch(run_id, "v1", 0.5, first_ten, {{11, "bad"}}).predictions_inserted, 0);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM predictions"), 10);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM rejected_rows"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, UnscoredReaderTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

}  // namespace
}  // namespace bankscore::testing
