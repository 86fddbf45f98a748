// bankscore_bench_limits: the machine's limits for the scoring benchmark, measured the way
// bankscore would need them, on the same table and model as `bankscore score`:
//   predict  XGBoost's in-place prediction alone, on the rows already encoded in memory
//            (chunks of up to 1M rows), with scoring.threads threads
//   read     a bare read of the same rows and columns: SQLite stepping a SELECT, PostgreSQL
//            COPY (SELECT ...) TO STDOUT
//   write    a bare bulk write of N (key, version, probability, label) rows into a fresh table
//            with a primary key: SQLite prepared INSERTs in one transaction, PostgreSQL COPY
// Prints "<what> <rows> <seconds>" (the median of --runs).
//   bankscore_bench_limits --config bench.yaml --what predict|read|write [--rows N] [--runs 3]
#include <libpq-fe.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/database.h"
#include "db/sql_text.h"
#include "model/bundle.h"

namespace {

using bankscore::Config;
using Clock = std::chrono::steady_clock;

double Seconds(const std::function<void()>& work) {
  const auto started = Clock::now();
  work();
  return std::chrono::duration<double>(Clock::now() - started).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string SelectSql(const Config& c) {
  std::string sql = "SELECT " + bankscore::QuoteIdentifier(c.source.key);
  for (const auto& name : c.source.FeatureColumns()) sql += ", " + bankscore::QuoteIdentifier(name);
  return sql + " FROM " + bankscore::QuoteIdentifier(c.source.table) + " ORDER BY " +
         bankscore::QuoteIdentifier(c.source.key);
}

// --- predict -----------------------------------------------------------------------------------

// Encodes every source row (through bankscore's own reader and encoder, untimed), then times
// PredictDense over the encoded chunks.
std::pair<std::size_t, double> PredictLimit(const Config& config, spdlog::logger& log) {
  auto db = bankscore::OpenDatabase(config, log);
  const bankscore::ModelBundle model = bankscore::LoadConfiguredModel(config);
  auto reader = db->ReadUnscored("bench-limits: no such version", std::nullopt);
  constexpr std::size_t kChunk = 1000000;
  bankscore::ColumnarBatch batch;
  bankscore::EncodedBatch encoded;
  std::vector<double> out;
  std::size_t rows = 0;
  double seconds = 0;
  for (bool more = true; more;) {
    batch.Reset(config.source.FeatureColumns());
    while ((more = reader->Next(batch, kChunk - batch.rows())) && batch.rows() < kChunk) {
    }
    if (batch.rows() == 0) break;
    model.encoder.Encode(batch, encoded);
    seconds += Seconds([&] {
      model.booster.PredictDense(encoded.values.data(), encoded.rows(), encoded.width, out);
    });
    rows += encoded.rows();
  }
  return {rows, seconds};
}

// --- read --------------------------------------------------------------------------------------

std::size_t SqliteRead(const Config& config) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(config.database.path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                  nullptr);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> owned(db, sqlite3_close);
  sqlite3_stmt* raw = nullptr;
  const std::string sql = SelectSql(config);
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    throw std::runtime_error(sqlite3_errmsg(db));
  }
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, sqlite3_finalize);
  std::size_t rows = 0;
  double sink = 0;
  while (sqlite3_step(raw) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(raw); ++i) {
      if (sqlite3_column_type(raw, i) == SQLITE_TEXT) {
        sink += sqlite3_column_bytes(raw, i);
      } else {
        sink += sqlite3_column_double(raw, i);
      }
    }
    ++rows;
  }
  if (sink == -1) std::puts("");  // keeps the reads from being optimised away
  return rows;
}

using PgConn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

PgConn PgConnect(const Config& config) {
  PgConn conn(PQconnectdb(config.database.dsn.c_str()), PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn.get()));
  if (!config.database.schema.empty()) {
    PQclear(PQexec(conn.get(), ("SET search_path TO " + config.database.schema).c_str()));
  }
  return conn;
}

std::size_t PostgresRead(const Config& config) {
  PgConn conn = PgConnect(config);
  PGresult* r = PQexec(conn.get(), ("COPY (" + SelectSql(config) + ") TO STDOUT").c_str());
  if (PQresultStatus(r) != PGRES_COPY_OUT) throw std::runtime_error(PQerrorMessage(conn.get()));
  PQclear(r);
  std::size_t rows = 0;
  char* line = nullptr;
  while (PQgetCopyData(conn.get(), &line, 0) > 0) {
    PQfreemem(line);
    ++rows;
  }
  PQclear(PQgetResult(conn.get()));
  return rows;
}

// --- write -------------------------------------------------------------------------------------

void SqliteWrite(const Config& config, std::size_t rows) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(config.database.path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                  nullptr);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> owned(db, sqlite3_close);
  sqlite3_exec(db,
               "PRAGMA synchronous = NORMAL; DROP TABLE IF EXISTS bench_write; "
               "CREATE TABLE bench_write (source_key INTEGER NOT NULL, model_version TEXT NOT "
               "NULL, probability REAL NOT NULL, label INTEGER NOT NULL, PRIMARY KEY "
               "(source_key, model_version)); BEGIN",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* raw = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO bench_write VALUES (?1, 'v1', ?2, ?3)", -1, &raw, nullptr);
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, sqlite3_finalize);
  for (std::size_t i = 0; i < rows; ++i) {
    sqlite3_bind_int64(raw, 1, static_cast<sqlite3_int64>(i + 1));
    sqlite3_bind_double(raw, 2, 0.5);
    sqlite3_bind_int(raw, 3, static_cast<int>(i % 2));
    sqlite3_step(raw);
    sqlite3_reset(raw);
  }
  sqlite3_exec(db, "COMMIT; DROP TABLE bench_write", nullptr, nullptr, nullptr);
}

void PostgresWrite(const Config& config, std::size_t rows) {
  PgConn conn = PgConnect(config);
  PQclear(PQexec(conn.get(),
                 "DROP TABLE IF EXISTS bench_write; CREATE TABLE bench_write (source_key BIGINT "
                 "NOT NULL, model_version TEXT NOT NULL, probability DOUBLE PRECISION NOT NULL, "
                 "label SMALLINT NOT NULL, PRIMARY KEY (source_key, model_version))"));
  PGresult* r = PQexec(conn.get(), "COPY bench_write FROM STDIN");
  if (PQresultStatus(r) != PGRES_COPY_IN) throw std::runtime_error(PQerrorMessage(conn.get()));
  PQclear(r);
  std::string line;
  for (std::size_t i = 0; i < rows; ++i) {
    line = std::to_string(i + 1) + "\tv1\t0.5\t" + std::to_string(i % 2) + "\n";
    PQputCopyData(conn.get(), line.data(), static_cast<int>(line.size()));
  }
  PQputCopyEnd(conn.get(), nullptr);
  PQclear(PQgetResult(conn.get()));
  PQclear(PQexec(conn.get(), "DROP TABLE bench_write"));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bankscore benchmark limits"};
  std::string config_path, what;
  std::size_t rows = 1000000;
  int runs = 3;
  app.add_option("--config", config_path)->required();
  app.add_option("--what", what)->required()->check(CLI::IsMember({"predict", "read", "write"}));
  app.add_option("--rows", rows, "rows to write");
  app.add_option("--runs", runs)->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    const Config config = bankscore::LoadConfig(config_path);
    auto log =
        std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::null_sink_mt>());
    const bool sqlite = config.database.backend == bankscore::DatabaseConfig::Backend::kSqlite;
    std::vector<double> times;
    std::size_t count = 0;
    for (int r = 0; r < runs; ++r) {
      if (what == "predict") {
        const auto [n, seconds] = PredictLimit(config, *log);
        count = n;
        times.push_back(seconds);
      } else if (what == "read") {
        times.push_back(
            Seconds([&] { count = sqlite ? SqliteRead(config) : PostgresRead(config); }));
      } else {
        count = rows;
        times.push_back(
            Seconds([&] { sqlite ? SqliteWrite(config, rows) : PostgresWrite(config, rows); }));
      }
    }
    std::printf("%s %zu %.3f\n", what.c_str(), count, Median(times));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bankscore_bench_limits: %s\n", e.what());
    return 1;
  }
  return 0;
}
