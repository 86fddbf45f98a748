#include "fakes/fake_database.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <type_traits>
#include <utility>

#include "bankscore/error.h"
#include "common/text.h"
#include "db/sql_text.h"

namespace bankscore::testing {
namespace {

using VersionAndKey = std::pair<std::string, std::int64_t>;

// A key cell as the adapters read it: integers (and reals) are keys; NULL and text are not.
std::optional<std::int64_t> KeyOf(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  return std::nullopt;  // only integers are keys
}

// Key order as SQLite sorts it: NULL (and anything not a number) first.
bool KeyLess(const Value& a, const Value& b) { return KeyOf(a) < KeyOf(b); }

}  // namespace

struct FakeDatabase::Table {
  std::vector<ColumnSpec> columns;
  std::optional<std::string> primary_key;
  std::vector<std::vector<Value>> rows;
};

struct FakeDatabase::Store {
  struct PendingFault {
    Fault fault = Fault::kTransient;
    int skip = 0;
    int times = 0;
  };

  mutable std::mutex mutex;
  std::map<std::string, Table> tables;
  bool results_schema = false;
  std::map<VersionAndKey, StoredPrediction> predictions;
  std::map<VersionAndKey, StoredRejection> rejections;
  std::map<std::pair<VersionAndKey, int>, PredictionReason> reasons;  // by rank
  std::vector<StoredRun> runs;                                        // run_id = index + 1
  std::map<std::string, StoredCheck> checks;                          // by model version
  std::vector<StoredPrune> prunes;
  bool scorer_locked = false;
  int shared_holders = 0;
  std::set<std::int64_t> held_runs;  // runs of live lock holders (ScorerLock::HoldRun)
  std::unique_ptr<FakeLeaseStore> leases;
  std::optional<std::string> access_refusal;
  std::map<Method, int> calls;
  std::map<Method, PendingFault> faults;
  std::map<Method, std::function<void(int)>> hooks;
  // --- segmentation
  bool segments_schema = false;
  std::map<std::string, std::pair<SegmentationRecord, std::int64_t>> segmentations;  // activation
  std::map<VersionAndKey, SegmentAssignment> segments;
  std::map<std::string, std::vector<SegmentProfileRow>> segment_profiles;
  int segment_writes = 0;
  std::optional<int> segment_write_failure;  // successful writes left before one fails
};

// The scorer lock: held until destroyed. EnsureHeld fails only when a fault is injected.
class FakeDatabase::Lock : public ScorerLock {
 public:
  Lock(std::shared_ptr<Store> store, bool shared) : store_(std::move(store)), shared_(shared) {}
  ~Lock() override {
    std::lock_guard<std::mutex> lock(store_->mutex);
    if (shared_) {
      --store_->shared_holders;
    } else {
      store_->scorer_locked = false;
    }
    for (std::int64_t run : runs_) store_->held_runs.erase(run);
  }
  void EnsureHeld() override {
    if (Enter(*store_, Method::kEnsureHeld)) {
      throw DatabaseError("fake database: EnsureHeld: lost the connection (injected)", true);
    }
  }
  void HoldRun(std::int64_t run_id) override {
    std::lock_guard<std::mutex> lock(store_->mutex);
    store_->held_runs.insert(run_id);
    runs_.push_back(run_id);
  }

 private:
  std::shared_ptr<Store> store_;
  const bool shared_;
  std::vector<std::int64_t> runs_;
};

const char* MethodName(FakeDatabase::Method method) {
  static const char* const kNames[] = {"Open",
                                       "TableExists",
                                       "TableColumns",
                                       "CreateSourceTable",
                                       "InsertRows",
                                       "CountRows",
                                       "MaxKey",
                                       "ScanTable",
                                       "EnsureResultsSchema",
                                       "HasUnscoredRows",
                                       "CountUnscoredRows",
                                       "OpenReader",
                                       "ReadUnscored",
                                       "CountUnkeyedRows",
                                       "CheckScoringAccess",
                                       "WriteBatch",
                                       "BeginRun",
                                       "FinishRun",
                                       "ResultsSources",
                                       "MarkAbandonedRuns",
                                       "ForgetRejections",
                                       "Relabel",
                                       "TryLockScorer",
                                       "EnsureHeld",
                                       "Query",
                                       "LatestPrediction",
                                       "RecentRuns",
                                       "TotalsByRunStatus",
                                       "ScoreHistogram",
                                       "ReadRunDrift",
                                       "StoredVersions",
                                       "PruneVersion",
                                       "RecordCheck"};
  static_assert(std::size(kNames) ==
                static_cast<std::size_t>(FakeDatabase::Method::kRecordCheck) + 1);
  return kNames[static_cast<std::size_t>(method)];
}

FakeDatabase::FakeDatabase(const Config& config)
    : FakeDatabase(std::make_shared<Store>(), config) {}

FakeDatabase::FakeDatabase(std::shared_ptr<Store> store, const Config& config)
    : store_(std::move(store)), config_(config) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  if (store_->leases) return;
  // The first connection's config names the source (all connections of one test share it).
  store_->leases = std::make_unique<FakeLeaseStore>(
      [store = std::weak_ptr<Store>(store_), source = config_.source](const std::string& v) {
        return LeaseKeys(*store.lock(), source, v);
      });
}

std::vector<std::pair<std::int64_t, bool>> FakeDatabase::LeaseKeys(Store& store,
                                                                   const SourceConfig& source,
                                                                   const std::string& version) {
  std::lock_guard<std::mutex> lock(store.mutex);
  std::vector<std::pair<std::int64_t, bool>> keys;
  const auto t = store.tables.find(source.table);
  if (t == store.tables.end()) throw DatabaseError("fake database: no table " + source.table);
  const auto& columns = t->second.columns;
  const auto k = static_cast<std::size_t>(
      std::find_if(columns.begin(), columns.end(),
                   [&](const ColumnSpec& c) { return c.name == source.key; }) -
      columns.begin());
  for (const auto& row : t->second.rows) {
    const auto key = KeyOf(row.at(k));
    if (!key) continue;
    const VersionAndKey id{version, *key};
    keys.emplace_back(*key, !store.predictions.count(id) && !store.rejections.count(id));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

LeaseStore* FakeDatabase::Leases() { return store_->leases.get(); }

FakeLeaseStore& FakeDatabase::FakeLeases() const { return *store_->leases; }

FakeDatabase::~FakeDatabase() = default;

std::unique_ptr<FakeDatabase> FakeDatabase::Connect(const Config& config) const {
  return std::unique_ptr<FakeDatabase>(new FakeDatabase(store_, config));
}

DatabaseOpener FakeDatabase::Opener() const {
  return [store = store_](const Config& config, spdlog::logger&) -> std::unique_ptr<Database> {
    if (Enter(*store, Method::kOpen)) {
      throw DatabaseError("fake database: Open: lost the connection (injected)", true);
    }
    return std::unique_ptr<Database>(new FakeDatabase(store, config));
  };
}

// --- Test controls -------------------------------------------------------------------------------

void FakeDatabase::FailNext(Method method, Fault fault, int times, int skip) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  store_->faults[method] = {fault, skip, times};
}

void FakeDatabase::BeforeCall(Method method, std::function<void(int call)> hook) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  store_->hooks[method] = std::move(hook);
}

void FakeDatabase::RefuseScoringAccess(const std::string& missing) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  store_->access_refusal =
      "fake database: permission denied: role scorer lacks " + missing + "; nothing was written";
}

void FakeDatabase::CreateTable(const std::string& table, const std::vector<ColumnSpec>& columns) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  store_->tables.emplace(table, Table{columns, std::nullopt, {}});
}

int FakeDatabase::Calls(Method method) const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  const auto it = store_->calls.find(method);
  return it == store_->calls.end() ? 0 : it->second;
}

std::vector<FakeDatabase::StoredPrediction> FakeDatabase::Predictions() const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  std::vector<StoredPrediction> out;
  for (const auto& [id, p] : store_->predictions) out.push_back(p);
  return out;
}

std::vector<FakeDatabase::StoredRejection> FakeDatabase::Rejections() const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  std::vector<StoredRejection> out;
  for (const auto& [id, r] : store_->rejections) out.push_back(r);
  return out;
}

std::vector<PredictionReason> FakeDatabase::Reasons() const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  std::vector<PredictionReason> out;
  for (const auto& [id, r] : store_->reasons) out.push_back(r);
  return out;
}

std::vector<FakeDatabase::StoredRun> FakeDatabase::Runs() const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  return store_->runs;
}

std::vector<ColumnSpec> FakeDatabase::TableSpecs(const std::string& table) const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  return TableOrThrow(table).columns;
}

RowBatch FakeDatabase::TableRows(const std::string& table) const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  const Table& t = TableOrThrow(table);
  RowBatch out;
  for (const auto& c : t.columns) out.columns.push_back(c.name);
  out.rows = t.rows;
  return out;
}

bool FakeDatabase::ScorerLocked() const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  return store_->scorer_locked;
}

// --- Call machinery --------------------------------------------------------------------------

bool FakeDatabase::Enter(Store& store, Method method) {
  std::function<void(int)> hook;
  int call = 0;
  {
    std::lock_guard<std::mutex> lock(store.mutex);
    call = ++store.calls[method];
    hook = store.hooks[method];
  }
  if (hook) hook(call);
  std::lock_guard<std::mutex> lock(store.mutex);
  Store::PendingFault& pending = store.faults[method];
  if (pending.skip > 0) {
    --pending.skip;
    return false;
  }
  if (pending.times == 0) return false;
  --pending.times;
  const std::string where = std::string("fake database: ") + MethodName(method) + ": ";
  switch (pending.fault) {
    case Fault::kTransient:
      throw DatabaseError(where + "connection lost (injected transient fault)", true);
    case Fault::kPermanent:
      throw DatabaseError(where + "statement failed (injected permanent fault)", false);
    case Fault::kCommitThenLoseConnection:
      return true;
  }
  return false;
}

template <typename Op>
auto FakeDatabase::Call(Method method, Op&& op) {
  const bool lose_connection = Enter(*store_, method);
  std::lock_guard<std::mutex> lock(store_->mutex);
  auto result = op();
  if (lose_connection) {
    throw DatabaseError(std::string("fake database: ") + MethodName(method) +
                            ": connection lost after COMMIT, outcome unknown (injected)",
                        true);
  }
  return result;
}

FakeDatabase::Table& FakeDatabase::TableOrThrow(const std::string& table) const {
  const auto it = store_->tables.find(table);
  if (it == store_->tables.end()) {
    throw DatabaseError("fake database: table " + table + " does not exist");
  }
  return it->second;
}

void FakeDatabase::RequireResultsSchema() const {
  if (!store_->results_schema) {
    throw DatabaseError("fake database: the results tables do not exist (EnsureResultsSchema)");
  }
}

std::vector<std::size_t> FakeDatabase::ColumnIndices(
    const Table& table, const std::vector<std::string>& columns) const {
  std::vector<std::size_t> out;
  for (const auto& name : columns) {
    const auto it = std::find_if(table.columns.begin(), table.columns.end(),
                                 [&](const ColumnSpec& c) { return c.name == name; });
    if (it == table.columns.end()) throw DatabaseError("fake database: no column " + name);
    out.push_back(static_cast<std::size_t>(it - table.columns.begin()));
  }
  return out;
}

// --- Source tables -----------------------------------------------------------------------------

bool FakeDatabase::TableExists(const std::string& table) {
  return Call(Method::kTableExists, [&] {
    // The results tables exist once EnsureResultsSchema ran, as in the adapters.
    const ResultsConfig& r = config_.results;
    const bool results_table = table == r.table || table == r.runs_table ||
                               table == r.rejected_table || table == r.latest_view;
    return store_->tables.count(table) > 0 || (store_->results_schema && results_table);
  });
}

std::vector<std::string> FakeDatabase::TableColumns(const std::string& table) {
  return Call(Method::kTableColumns, [&] {
    std::vector<std::string> out;
    for (const auto& c : TableOrThrow(table).columns) out.push_back(c.name);
    return out;
  });
}

void FakeDatabase::CreateSourceTable(const std::string& table,
                                     const std::vector<ColumnSpec>& columns,
                                     const std::string& key) {
  Call(Method::kCreateSourceTable, [&] {
    store_->tables.emplace(table, Table{columns, key, {}});  // IF NOT EXISTS
    return 0;
  });
}

namespace {

// Buffers the batches and inserts them in one InsertRows call (one kInsertRows) on Commit.
class BufferedInserter : public RowInserter {
 public:
  BufferedInserter(Database& db, std::string table, std::vector<std::string> columns)
      : db_(db), table_(std::move(table)) {
    rows_.columns = std::move(columns);
  }
  void Write(const RowBatch& batch) override {
    rows_.rows.insert(rows_.rows.end(), batch.rows.begin(), batch.rows.end());
  }
  void Commit() override { db_.InsertRows(table_, rows_); }

 private:
  Database& db_;
  std::string table_;
  RowBatch rows_;
};

}  // namespace

std::unique_ptr<RowInserter> FakeDatabase::BeginInsert(const std::string& table,
                                                       const std::vector<std::string>& columns) {
  return std::make_unique<BufferedInserter>(*this, table, columns);
}

void FakeDatabase::InsertRows(const std::string& table, const RowBatch& batch) {
  Call(Method::kInsertRows, [&] {
    Table& t = TableOrThrow(table);
    const std::vector<std::size_t> index = ColumnIndices(t, batch.columns);
    std::vector<std::vector<Value>> added;  // checked completely before anything is added
    for (const auto& row : batch.rows) {
      std::vector<Value> full(t.columns.size());
      for (std::size_t i = 0; i < index.size(); ++i) full[index[i]] = row.at(i);
      added.push_back(std::move(full));
    }
    if (t.primary_key) {
      const std::size_t k = ColumnIndices(t, {*t.primary_key})[0];
      std::vector<std::optional<std::int64_t>> keys;
      for (const auto& row : t.rows) keys.push_back(KeyOf(row[k]));
      for (const auto& row : added) {
        const auto key = KeyOf(row[k]);
        if (!key) throw DatabaseError("fake database: NULL primary key in " + table);
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
          throw DatabaseError("fake database: duplicate key " + std::to_string(*key) + " in " +
                              table);
        }
        keys.push_back(key);
      }
    }
    t.rows.insert(t.rows.end(), added.begin(), added.end());
    return 0;
  });
}

std::int64_t FakeDatabase::CountRows(const std::string& table) {
  return Call(Method::kCountRows,
              [&] { return static_cast<std::int64_t>(TableOrThrow(table).rows.size()); });
}

std::optional<std::int64_t> FakeDatabase::MaxKey(const std::string& table, const std::string& key) {
  return Call(Method::kMaxKey, [&] {
    const Table& t = TableOrThrow(table);
    const std::size_t k = ColumnIndices(t, {key})[0];
    std::optional<std::int64_t> max;
    for (const auto& row : t.rows) max = std::max(max, KeyOf(row[k]));
    return max;
  });
}

void FakeDatabase::ScanTable(const std::string& table, const std::string& key,
                             const std::vector<std::string>& columns,
                             const std::optional<std::string>& where_not_null,
                             std::size_t batch_size,
                             const std::function<void(const RowBatch&)>& sink) {
  std::vector<std::string> names = {key};
  names.insert(names.end(), columns.begin(), columns.end());
  // Copied under the lock; the sink runs outside it.
  std::vector<std::vector<Value>> rows = Call(Method::kScanTable, [&] {
    const Table& t = TableOrThrow(table);
    const std::vector<std::size_t> index = ColumnIndices(t, names);
    std::optional<std::size_t> filter;
    if (where_not_null) filter = ColumnIndices(t, {*where_not_null})[0];
    std::vector<std::vector<Value>> out;
    for (const auto& row : t.rows) {
      if (filter && IsNull(row[*filter])) continue;
      std::vector<Value> picked;
      for (std::size_t i : index) picked.push_back(row[i]);
      out.push_back(std::move(picked));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return KeyLess(a[0], b[0]); });
    return out;
  });
  RowBatch batch;
  batch.columns = names;
  for (auto& row : rows) {
    batch.rows.push_back(std::move(row));
    if (batch.rows.size() >= batch_size) {
      sink(batch);
      batch.rows.clear();
    }
  }
  if (!batch.rows.empty()) sink(batch);
}

// --- Results -----------------------------------------------------------------------------------

void FakeDatabase::EnsureResultsSchema() {
  Call(Method::kEnsureResultsSchema, [&] { return store_->results_schema = true; });
}

std::vector<std::pair<std::int64_t, std::vector<Value>>> FakeDatabase::UnscoredRows(
    const std::string& model_version, std::optional<std::int64_t> after_key,
    std::optional<std::int64_t> up_to_key) const {
  RequireResultsSchema();
  const SourceConfig& src = config_.source;
  const Table& t = TableOrThrow(src.table);
  const std::size_t k = ColumnIndices(t, {src.key})[0];
  const std::vector<std::size_t> index = ColumnIndices(t, src.FeatureColumns());
  std::vector<std::pair<std::int64_t, std::vector<Value>>> rows;
  for (const auto& row : t.rows) {
    const auto key = KeyOf(row[k]);
    if (!key || (after_key && *key <= *after_key) || (up_to_key && *key > *up_to_key)) continue;
    const VersionAndKey id{model_version, *key};
    if (store_->predictions.count(id) || store_->rejections.count(id)) continue;
    std::vector<Value> values;
    for (std::size_t i : index) values.push_back(row[i]);
    rows.emplace_back(*key, std::move(values));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return rows;
}

// A snapshot of the unscored rows, handed out batch by batch.
class FakeDatabase::Reader : public UnscoredRowReader {
 public:
  Reader(FakeDatabase& db, std::vector<std::pair<std::int64_t, std::vector<Value>>> rows)
      : db_(db), rows_(std::move(rows)) {}

  bool Next(ColumnarBatch& batch, std::size_t max_rows) override {
    return db_.Call(Method::kReadUnscored, [&] {
      std::size_t appended = 0;
      for (; next_ < rows_.size() && appended < max_rows; ++next_, ++appended) {
        batch.keys.push_back(rows_[next_].first);
        for (std::size_t c = 0; c < batch.columns.size(); ++c) {
          batch.columns[c].AppendValue(rows_[next_].second[c]);
        }
      }
      return appended > 0;
    });
  }

 private:
  FakeDatabase& db_;
  std::vector<std::pair<std::int64_t, std::vector<Value>>> rows_;
  std::size_t next_ = 0;
};

bool FakeDatabase::HasUnscoredRows(const std::string& model_version) {
  return Call(Method::kHasUnscoredRows,
              [&] { return !UnscoredRows(model_version, std::nullopt).empty(); });
}

std::int64_t FakeDatabase::CountUnscoredRows(const std::string& model_version) {
  return Call(Method::kCountUnscoredRows, [&] {
    return static_cast<std::int64_t>(UnscoredRows(model_version, std::nullopt).size());
  });
}

std::unique_ptr<UnscoredRowReader> FakeDatabase::ReadUnscored(
    const std::string& model_version, std::optional<std::int64_t> after_key,
    std::optional<std::int64_t> up_to_key) {
  return Call(Method::kOpenReader, [&] {
    return std::make_unique<Reader>(*this, UnscoredRows(model_version, after_key, up_to_key));
  });
}

UnkeyedRows FakeDatabase::CountUnkeyedRows() {
  return Call(Method::kCountUnkeyedRows, [&] {
    const Table& t = TableOrThrow(config_.source.table);
    const std::size_t k = ColumnIndices(t, {config_.source.key})[0];
    UnkeyedRows out;
    for (const auto& row : t.rows) {
      if (IsNull(row[k])) {
        ++out.null_keys;
      } else if (!KeyOf(row[k])) {
        ++out.non_integer_keys;
        if (out.examples.size() < 5) out.examples.push_back(DescribeValue(row[k]));
      }
    }
    return out;
  });
}

std::string FakeDatabase::ColumnSqlType(const std::string& table, const std::string& column) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  const Table& t = TableOrThrow(table);
  const std::size_t c = ColumnIndices(t, {column})[0];
  return ColumnTypeName(t.columns[c].type);
}

void FakeDatabase::CheckScoringAccess() {
  Call(Method::kCheckScoringAccess, [&] {
    if (store_->access_refusal) throw DatabaseError(*store_->access_refusal, false);
    return 0;
  });
}

BatchWriteResult FakeDatabase::WriteBatch(std::int64_t run_id, const std::string& model_version,
                                          double threshold,
                                          const std::vector<Prediction>& predictions,
                                          const std::vector<Rejection>& rejections,
                                          const std::vector<PredictionReason>& reasons) {
  return Call(Method::kWriteBatch, [&] {
    RequireResultsSchema();
    if (run_id < 1 || run_id > static_cast<std::int64_t>(store_->runs.size())) {
      throw DatabaseError("fake database: WriteBatch: no run " + std::to_string(run_id));
    }
    BatchWriteResult result;
    for (const auto& p : predictions) {
      const StoredPrediction row{p.key,     model_version, p.probability, p.label,
                                 threshold, run_id,        false,         p.top_reasons};
      if (store_->predictions.emplace(VersionAndKey{model_version, p.key}, row).second) {
        ++result.predictions_inserted;
        result.positives_inserted += p.label;
      }
    }
    // As the real tables: a reason is skipped when its (key, version, rank) is there already.
    for (const auto& r : reasons) {
      store_->reasons.emplace(std::make_pair(VersionAndKey{model_version, r.key}, r.rank), r);
    }
    for (const auto& r : rejections) {
      const StoredRejection row{r.key, model_version, run_id, r.reason};
      result.rejections_inserted +=
          store_->rejections.emplace(VersionAndKey{model_version, r.key}, row).second;
    }
    StoredRun& run = store_->runs[static_cast<std::size_t>(run_id - 1)];
    run.rows_read += result.predictions_inserted + result.rejections_inserted;
    run.rows_scored += result.predictions_inserted;
    run.rows_rejected += result.rejections_inserted;
    run.rows_positive += result.positives_inserted;
    run.record.threshold = threshold;
    return result;
  });
}

// --- Runs --------------------------------------------------------------------------------------

std::int64_t FakeDatabase::BeginRun(const RunRecord& run) {
  return Call(Method::kBeginRun, [&] {
    RequireResultsSchema();
    StoredRun stored;
    stored.run_id = static_cast<std::int64_t>(store_->runs.size()) + 1;
    stored.record = run;
    store_->runs.push_back(stored);
    return stored.run_id;
  });
}

void FakeDatabase::FinishRun(std::int64_t run_id, const RunRecord& run) {
  Call(Method::kFinishRun, [&] {
    RequireResultsSchema();
    for (StoredRun& stored : store_->runs) {  // an unknown id updates nothing, as in SQL
      if (stored.run_id != run_id) continue;
      stored.record.status = run.status;
      stored.record.threshold = run.threshold;
      stored.record.message = run.message;
      stored.record.unseen_categories = run.unseen_categories;
      stored.record.out_of_training_range = run.out_of_training_range;
      stored.record.column_counts = run.column_counts;
      if (run.kind == "score") stored.record.drift = run.drift;
      stored.record.leases_claimed = run.leases_claimed;
      stored.record.lease_takeovers = run.lease_takeovers;
      stored.finished = true;
    }
    return 0;
  });
}

std::optional<RunDrift> FakeDatabase::ReadRunDrift(std::optional<std::int64_t> run_id) {
  return Call(Method::kReadRunDrift, [&]() -> std::optional<RunDrift> {
    RequireResultsSchema();
    const StoredRun* found = nullptr;
    for (const StoredRun& run : store_->runs) {
      if (run_id ? run.run_id == *run_id : !run.record.drift.empty()) found = &run;
    }
    if (!found && !run_id) {  // the latest score run, which has none
      for (const StoredRun& run : store_->runs) {
        if (run.record.kind == "score") found = &run;
      }
    }
    if (!found) return std::nullopt;
    RunDrift out{found->run_id, found->record.model_version, found->record.status,
                 found->record.message, found->record.drift};
    std::stable_sort(out.columns.begin(), out.columns.end(),
                     [](const DriftRow& a, const DriftRow& b) {
                       return a.psi != b.psi ? a.psi > b.psi : a.column < b.column;
                     });
    return out;
  });
}

std::vector<std::string> FakeDatabase::ResultsSources() {
  return Call(Method::kResultsSources, [&] {
    RequireResultsSchema();
    std::vector<std::string> sources;
    for (const StoredRun& run : store_->runs) {
      const std::string& s = run.record.source_table;
      if (!s.empty() && std::find(sources.begin(), sources.end(), s) == sources.end()) {
        sources.push_back(s);
      }
    }
    return sources;
  });
}

std::int64_t FakeDatabase::ForgetRejections(const std::string& model_version) {
  return Call(Method::kForgetRejections, [&] {
    RequireResultsSchema();
    std::int64_t forgotten = 0;
    for (auto it = store_->rejections.begin(); it != store_->rejections.end();) {
      if (it->second.model_version == model_version) {
        it = store_->rejections.erase(it);
        ++forgotten;
      } else {
        ++it;
      }
    }
    return forgotten;
  });
}

std::int64_t FakeDatabase::MarkAbandonedRuns() {
  return Call(Method::kMarkAbandonedRuns, [&] {
    RequireResultsSchema();
    std::int64_t marked = 0;
    for (StoredRun& run : store_->runs) {
      if (run.record.status != "running" || store_->held_runs.count(run.run_id)) continue;
      run.record.status = "abandoned";
      run.record.message = "the process ended before the run finished";
      run.finished = true;
      ++marked;
    }
    return marked;
  });
}

RelabelResult FakeDatabase::Relabel(std::int64_t run_id, const std::string& model_version,
                                    const Decision& decision) {
  return Call(Method::kRelabel, [&] {
    RequireResultsSchema();
    RelabelResult result;
    std::map<double, std::int64_t> previous;  // rows per replaced threshold
    for (auto& [id, p] : store_->predictions) {
      if (p.model_version != model_version || p.threshold == decision.threshold) continue;
      const int label = decision.Label(p.probability);
      ++previous[p.threshold];
      ++result.rows_relabeled;
      result.labels_changed += label != p.label;
      result.positives_after += label;
      p.label = label;
      p.threshold = decision.threshold;
      p.relabeled = true;
    }
    // Most rows first, then by threshold, as the adapters' GROUP BY ... ORDER BY.
    std::vector<std::pair<double, std::int64_t>> counts(previous.begin(), previous.end());
    std::stable_sort(counts.begin(), counts.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    result.previous_thresholds = internal::DescribeThresholdCounts(counts);
    for (StoredRun& run : store_->runs) {
      if (run.run_id != run_id) continue;
      run.rows_read = run.rows_scored = result.rows_relabeled;
      run.rows_positive = result.positives_after;
    }
    return result;
  });
}

std::unique_ptr<ScorerLock> FakeDatabase::TryLockScorer(bool wait,
                                                        std::chrono::milliseconds timeout,
                                                        const std::function<bool()>& stop) {
  if (Enter(*store_, Method::kTryLockScorer)) {
    // A session lock taken on a connection that is then lost is released with it.
    throw DatabaseError("fake database: TryLockScorer: connection lost (injected)", true);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto try_once = [&] {
    std::lock_guard<std::mutex> lock(store_->mutex);
    if (store_->shared_holders > 0) return false;
    return !std::exchange(store_->scorer_locked, true);
  };
  while (!try_once()) {  // polled, never waiting with the mutex held
    if (!wait || std::chrono::steady_clock::now() >= deadline || (stop && stop())) return nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::make_unique<Lock>(store_, false);
}

std::unique_ptr<ScorerLock> FakeDatabase::TryLockScorerShared(bool wait,
                                                              std::chrono::milliseconds timeout,
                                                              const std::function<bool()>& stop) {
  if (Enter(*store_, Method::kTryLockScorer)) {
    throw DatabaseError("fake database: TryLockScorerShared: connection lost (injected)", true);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto try_once = [&] {
    std::lock_guard<std::mutex> lock(store_->mutex);
    if (store_->scorer_locked) return false;
    ++store_->shared_holders;
    return true;
  };
  while (!try_once()) {
    if (!wait || std::chrono::steady_clock::now() >= deadline || (stop && stop())) return nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::make_unique<Lock>(store_, true);
}

void FakeDatabase::UpdateCell(const std::string& table, const std::string& key_column,
                              std::int64_t key, const std::string& column, const Value& value) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  Table& t = TableOrThrow(table);
  const std::vector<std::size_t> at = ColumnIndices(t, {key_column, column});
  for (auto& row : t.rows) {
    if (row[at[0]] == Value{key}) row[at[1]] = value;
  }
}

RowBatch FakeDatabase::Query(const std::string& sql) {
  return Call(Method::kQuery, [&]() -> RowBatch {
    throw DatabaseError("fake database: does not run SQL: " + sql);
  });
}

// --- Segmentation ------------------------------------------------------------------------------

namespace {

// A numeric cell as SQL's SUM sees it in SQLite: integers and reals; NULL and text are left out.
std::optional<double> NumberOf(const Value& v) {
  if (std::holds_alternative<std::string>(v)) return std::nullopt;
  return AsNumber(v);
}

// As the adapters' segment totals read a numeric cell: a number that is not the column's
// sentinel and lies within its source.ranges.
std::optional<double> UsableNumber(const SourceConfig& src, const std::string& column,
                                   const Value& v) {
  const auto x = NumberOf(v);
  if (!x) return x;
  const auto sentinel = src.sentinels.find(column);
  if (sentinel != src.sentinels.end() && *x == sentinel->second) return std::nullopt;
  const auto range = src.ranges.find(column);
  if (range != src.ranges.end() && (*x < range->second.first || *x > range->second.second)) {
    return std::nullopt;
  }
  return x;
}

// As the adapters classify a label (LabelRule): 1 positive, 0 negative, nullopt for NULL and,
// with source.negative_labels, for a value that is neither.
std::optional<int> LabelClass(const SourceConfig& src, const Value& v) {
  if (IsNull(v)) return std::nullopt;
  const auto normal = [&src](std::string text) {
    if (src.label_case_insensitive) {
      for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
  };
  const std::string label = normal(ValueText(v));
  if (label == normal(src.positive_label)) return 1;
  if (src.negative_labels.empty()) return 0;
  for (const std::string& negative : src.negative_labels) {
    if (label == normal(negative)) return 0;
  }
  return std::nullopt;
}

}  // namespace

void FakeDatabase::EnsureSegmentsSchema() {
  std::lock_guard<std::mutex> lock(store_->mutex);
  RequireResultsSchema();
  store_->segments_schema = true;
  // Listed (empty) so that TableExists sees them; their rows live in the Store's own fields.
  const SegmentationConfig& s = config_.segmentation;
  for (const std::string& name : {s.table, s.profiles_table, s.models_table, s.view}) {
    store_->tables.emplace(name, Table{});
  }
}

bool FakeDatabase::ActivateSegmentation(const SegmentationRecord& record) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  if (!store_->segments_schema) throw DatabaseError("fake database: no segmentation tables");
  std::int64_t latest = 0;
  for (const auto& [version, stored] : store_->segmentations) {
    latest = std::max(latest, stored.second);
  }
  auto [it, inserted] =
      store_->segmentations.emplace(record.version, std::pair(record, latest + 1));
  if (!inserted && it->second.second < latest) it->second.second = latest + 1;
  return inserted;
}

std::optional<SegmentationRecord> FakeDatabase::CurrentSegmentation() {
  std::lock_guard<std::mutex> lock(store_->mutex);
  std::optional<SegmentationRecord> current;
  std::int64_t best = 0;
  for (const auto& [version, stored] : store_->segmentations) {
    if (stored.second > best) {
      best = stored.second;
      current = stored.first;
    }
  }
  return current;
}

RowBatch FakeDatabase::ReadUnsegmented(const std::string& version,
                                       const std::vector<std::string>& columns,
                                       std::optional<std::int64_t> after_key, std::size_t limit) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  const SourceConfig& src = config_.source;
  const Table& t = TableOrThrow(src.table);
  const std::size_t k = ColumnIndices(t, {src.key})[0];
  const std::vector<std::size_t> index = ColumnIndices(t, columns);
  RowBatch out;
  out.columns = {src.key};
  out.columns.insert(out.columns.end(), columns.begin(), columns.end());
  std::vector<std::pair<std::int64_t, std::vector<Value>>> rows;
  for (const auto& row : t.rows) {
    const auto key = KeyOf(row[k]);
    if (!key || (after_key && *key <= *after_key)) continue;
    if (store_->segments.count({version, *key})) continue;
    std::vector<Value> values = {*key};
    for (std::size_t i : index) values.push_back(row[i]);
    rows.emplace_back(*key, std::move(values));
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < rows.size() && i < limit; ++i) out.rows.push_back(rows[i].second);
  return out;
}

std::int64_t FakeDatabase::WriteSegments(const std::string& version,
                                         const std::vector<SegmentAssignment>& rows) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  if (!store_->segments_schema) throw DatabaseError("fake database: no segmentation tables");
  ++store_->segment_writes;
  if (store_->segment_write_failure && (*store_->segment_write_failure)-- == 0) {
    store_->segment_write_failure.reset();
    throw DatabaseError("fake database: WriteSegments: connection lost (injected)", true);
  }
  std::int64_t inserted = 0;
  for (const SegmentAssignment& a : rows) {
    inserted += store_->segments.emplace(VersionAndKey{version, a.key}, a).second;
  }
  return inserted;
}

std::vector<SegmentStats> FakeDatabase::SummarizeSegments(
    const std::string& version, const std::vector<std::string>& numeric,
    const std::vector<std::string>& categorical) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  const SourceConfig& src = config_.source;
  const Table& t = TableOrThrow(src.table);
  const std::size_t k = ColumnIndices(t, {src.key})[0];
  const std::size_t label = ColumnIndices(t, {src.label})[0];
  const std::vector<std::size_t> num = ColumnIndices(t, numeric);
  const std::vector<std::size_t> cat = ColumnIndices(t, categorical);
  // Each key's latest prediction: the one of the highest run.
  std::map<std::int64_t, const StoredPrediction*> latest;
  for (const auto& [id, p] : store_->predictions) {
    auto& slot = latest[p.key];
    if (!slot || p.run_id > slot->run_id) slot = &p;
  }
  std::map<int, SegmentStats> stats;
  for (const auto& row : t.rows) {
    const auto key = KeyOf(row[k]);
    if (!key) continue;
    const auto assigned = store_->segments.find({version, *key});
    if (assigned == store_->segments.end()) continue;
    SegmentStats& s = stats[assigned->second.segment];
    s.segment = assigned->second.segment;
    s.numeric_count.resize(numeric.size());
    s.numeric_sum.resize(numeric.size());
    s.category_counts.resize(categorical.size());
    ++s.rows;
    if (const auto label_class = LabelClass(src, row[label])) {
      ++s.labelled;
      s.positives += *label_class;
    }
    if (const auto p = latest.find(*key); p != latest.end()) {
      ++s.predicted;
      s.probability_sum += p->second->probability;
    }
    for (std::size_t i = 0; i < num.size(); ++i) {
      const auto x = UsableNumber(src, numeric[i], row[num[i]]);
      if (!x) continue;
      ++s.numeric_count[i];
      s.numeric_sum[i] += *x;
    }
    for (std::size_t c = 0; c < cat.size(); ++c) {
      ++s.category_counts[c][IsNull(row[cat[c]]) ? "" : ValueText(row[cat[c]])];
    }
  }
  std::vector<SegmentStats> out;
  for (auto& [segment, s] : stats) out.push_back(std::move(s));
  return out;
}

void FakeDatabase::WriteSegmentProfiles(const std::string& version,
                                        const std::vector<SegmentProfileRow>& profiles) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  if (!store_->segments_schema) throw DatabaseError("fake database: no segmentation tables");
  store_->segment_profiles[version] = profiles;
}

std::vector<SegmentProfileRow> FakeDatabase::ReadSegmentProfiles(const std::string& version) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  const auto it = store_->segment_profiles.find(version);
  return it == store_->segment_profiles.end() ? std::vector<SegmentProfileRow>{} : it->second;
}

std::vector<SegmentAssignment> FakeDatabase::FindSegments(const std::string& version,
                                                          const std::vector<std::int64_t>& keys) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  std::vector<std::int64_t> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<SegmentAssignment> out;
  for (std::int64_t key : sorted) {
    const auto it = store_->segments.find({version, key});
    if (it != store_->segments.end()) out.push_back(it->second);
  }
  return out;
}

int FakeDatabase::SegmentWrites() const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  return store_->segment_writes;
}

void FakeDatabase::FailSegmentWriteAfter(int successful) {
  std::lock_guard<std::mutex> lock(store_->mutex);
  store_->segment_write_failure = successful;
}

std::vector<SegmentAssignment> FakeDatabase::StoredSegments(const std::string& version) const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  std::vector<SegmentAssignment> out;
  for (const auto& [id, a] : store_->segments) {
    if (id.first == version) out.push_back(a);
  }
  return out;
}

std::vector<std::string> FakeDatabase::SegmentationVersions() const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  std::vector<std::string> out;
  for (const auto& [version, stored] : store_->segmentations) out.push_back(version);
  return out;
}

// --- Serving (issue 13)
// -------------------------------------------------------------------------

std::optional<PredictionRecord> FakeDatabase::LatestPrediction(std::int64_t key) {
  return Call(Method::kLatestPrediction, [&] {
    RequireResultsSchema();
    std::optional<PredictionRecord> latest;
    for (const auto& [id, p] : store_->predictions) {
      if (p.key != key || (latest && latest->run_id >= p.run_id)) continue;
      latest = PredictionRecord{
          p.key, p.model_version, p.probability, p.label, p.threshold, p.run_id, "", ""};
    }
    return latest;
  });
}

std::vector<RunInfo> FakeDatabase::RecentRuns(std::size_t limit) {
  return Call(Method::kRecentRuns, [&] {
    RequireResultsSchema();
    std::vector<RunInfo> runs;
    for (auto it = store_->runs.rbegin(); it != store_->runs.rend() && runs.size() < limit; ++it) {
      const RunRecord& r = it->record;
      runs.push_back(RunInfo{it->run_id, r.kind, r.status, r.model_version, r.threshold, "", "",
                             static_cast<double>(it->run_id), std::nullopt, it->rows_read,
                             it->rows_scored, it->rows_rejected, it->rows_positive, r.message,
                             r.unseen_categories, r.out_of_training_range, r.column_counts});
    }
    return runs;
  });
}

std::vector<RunTotals> FakeDatabase::TotalsByRunStatus() {
  return Call(Method::kTotalsByRunStatus, [&] {
    RequireResultsSchema();
    std::map<std::pair<std::string, std::string>, RunTotals> groups;  // ordered as ORDER BY
    for (const StoredRun& run : store_->runs) {
      RunTotals& t = groups[{run.record.kind, run.record.status}];
      t.kind = run.record.kind;
      t.status = run.record.status;
      ++t.runs;
      t.rows_scored += run.rows_scored;
      t.rows_rejected += run.rows_rejected;
      t.rows_positive += run.rows_positive;
    }
    std::vector<RunTotals> totals;
    for (auto& [kind_status, t] : groups) totals.push_back(std::move(t));
    return totals;
  });
}

std::vector<std::int64_t> FakeDatabase::ScoreHistogram(std::int64_t run_id, int bins) {
  return Call(Method::kScoreHistogram, [&] {
    RequireResultsSchema();
    const int n = std::max(bins, 1);
    std::vector<std::int64_t> counts(static_cast<std::size_t>(n), 0);
    for (const auto& [id, p] : store_->predictions) {
      if (p.run_id != run_id) continue;
      const int bin = std::clamp(static_cast<int>(p.probability * n), 0, n - 1);
      ++counts[static_cast<std::size_t>(bin)];
    }
    return counts;
  });
}

// --- Retention and the last check (issue 15) ---------------------------------------------------

std::vector<FakeDatabase::StoredCheck> FakeDatabase::Checks() const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  std::vector<StoredCheck> out;
  for (const auto& [version, check] : store_->checks) out.push_back(check);
  return out;
}

std::vector<FakeDatabase::StoredPrune> FakeDatabase::Prunes() const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  return store_->prunes;
}

std::vector<StoredVersion> FakeDatabase::StoredVersions() {
  return Call(Method::kStoredVersions, [&] {
    RequireResultsSchema();
    std::map<std::string, StoredVersion> versions;
    const auto at = [&](const std::string& version) -> StoredVersion& {
      StoredVersion& v = versions[version];
      v.model_version = version;
      return v;
    };
    for (const StoredRun& run : store_->runs) {
      StoredVersion& v = at(run.record.model_version);
      if (run.record.kind == "score" && v.first_run_id == 0) v.first_run_id = run.run_id;
    }
    for (const auto& [key, p] : store_->predictions) ++at(key.first).predictions;
    for (const auto& [key, r] : store_->reasons) ++at(key.first.first).reasons;
    for (const auto& [key, r] : store_->rejections) ++at(key.first).rejections;
    std::vector<StoredVersion> out;
    for (const auto& [version, v] : versions) out.push_back(v);
    std::stable_sort(out.begin(), out.end(), [](const StoredVersion& a, const StoredVersion& b) {
      return a.first_run_id < b.first_run_id;
    });
    return out;
  });
}

namespace {

// Erases the entries of `map` whose key's version (per `version_of`) is `version`; returns how
// many.
template <typename Map, typename VersionOf>
std::int64_t EraseVersion(Map& map, const std::string& version, VersionOf version_of) {
  std::int64_t erased = 0;
  for (auto it = map.begin(); it != map.end();) {
    if (version_of(it->first) == version) {
      it = map.erase(it);
      ++erased;
    } else {
      ++it;
    }
  }
  return erased;
}

}  // namespace

PruneResult FakeDatabase::PruneVersion(const std::string& model_version,
                                       std::int64_t /*batch_keys*/,
                                       const std::string& kept_versions) {
  return Call(Method::kPruneVersion, [&] {
    RequireResultsSchema();
    PruneResult out;
    const auto key_version = [](const VersionAndKey& k) { return k.first; };
    out.predictions = EraseVersion(store_->predictions, model_version, key_version);
    out.rejections = EraseVersion(store_->rejections, model_version, key_version);
    out.reasons =
        EraseVersion(store_->reasons, model_version,
                     [](const std::pair<VersionAndKey, int>& k) { return k.first.first; });
    if (out.predictions + out.reasons + out.rejections > 0) {
      store_->prunes.push_back({model_version, out, kept_versions});
    }
    return out;
  });
}

void FakeDatabase::RecordCheck(const std::string& model_version, std::optional<std::int64_t> run_id,
                               std::int64_t rows_found) {
  Call(Method::kRecordCheck, [&] {
    RequireResultsSchema();
    StoredCheck& check = store_->checks[model_version];
    check.model_version = model_version;
    check.rows_found = rows_found;
    if (run_id) check.last_run_id = run_id;
    ++check.checks;
    return 0;
  });
}

}  // namespace bankscore::testing
