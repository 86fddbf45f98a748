// bankscore_bench: `bankscore score` against the limits of the machine and the Python pipeline it
// replaces, measured side by side in one run (issue 9's benchmark; not a timed test).
//
// For each backend (SQLite; PostgreSQL with --pg-dsn) and each table size (the bundled 41,188 rows
// tiled with new keys), with one 300-tree, depth-5 model trained once on the bundled rows:
//   score    wall time of `bankscore score` from empty results (median of --runs), rows/s, the
//            process's peak RSS, and the time in each pipeline stage from its own counters; once
//            per --explain-top value (default 0 and 3: without and with per-row reasons)
//   limits   bankscore_bench_limits: XGBoost's in-place predict alone on the same encoded rows
//            (right after each score run; the share of its rows/s is the median of the pairs),
//            a bare read of the same rows, a bare bulk write of as many result rows
//   python   bench/python_reference.py (pandas read_sql, get_dummies, predict_proba, to_sql /
//            execute_values) on the same table and model, up to --python-max-rows
// and prints one Markdown table (README, "Performance").
//   bankscore_bench --bankscore B --limits L --data CSV [--pg-dsn DSN] [--sizes 1000000,...]
// scripts/bench.sh builds an optimised binary and runs this against a throwaway PostgreSQL.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace {
namespace fs = std::filesystem;

constexpr long kBaseRows = 41188;

struct Measurement {
  double seconds = 0;
  long peak_rss_kib = 0;
  std::string out;
};

// Runs `args` and measures wall time, the child's peak RSS and its standard output.
Measurement Run(const std::vector<std::string>& args) {
  const fs::path out_file = fs::temp_directory_path() / "bankscore-bench.out";
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot start " + args[0]);
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Measurement m;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.peak_rss_kib = usage.ru_maxrss;
  std::ifstream in(out_file);
  m.out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("command failed: " + args[0] + " " + args[1] + "\n" + m.out);
  }
  return m;
}

std::string Fixed(double value, int decimals = 2) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The number after `label` in `text` ("predict 2.31 s" -> 2.31), or -1.
double NumberAfter(const std::string& text, const std::string& label) {
  const std::size_t at = text.find(label);
  if (at == std::string::npos) return -1;
  return std::strtod(text.c_str() + at + label.size(), nullptr);
}

// The third field of a "<what> <rows> <seconds>" line.
double LimitSeconds(const std::string& out) {
  std::istringstream in(out);
  std::string what;
  long rows = 0;
  double seconds = -1;
  in >> what >> rows >> seconds;
  return seconds;
}

struct Backend {
  std::string name;
  std::string database_yaml;
  std::vector<std::string> sql_command;  // runs SQL given as its last argument
  std::string sql_prefix;                // put before every statement (the schema)
  std::vector<std::string> python_target;
};

struct Options {
  std::string bankscore, limits, data, python = "/usr/bin/python3", python_script, pg_dsn;
  std::vector<long> sizes = {1000000, 10000000};
  long python_max_rows = 1100000;
  int runs = 3;
  std::vector<int> explain_tops = {0, 3};  // scoring.explain_top values measured
  fs::path dir;
};

void WriteConfig(const fs::path& path, const Options& o, const Backend& b, int explain_top) {
  std::ofstream out(path);
  out << "database: " << b.database_yaml << "\n"
      << "source:\n  table: bank_clients\n  key: client_id\n  label: y\n  features:\n"
      << "    categorical: [job, marital, education, default, housing, loan, contact, month,\n"
      << "                  day_of_week, poutcome]\n"
      << "    numeric: [age, campaign, pdays, previous, emp.var.rate, cons.price.idx,\n"
      << "              cons.conf.idx, euribor3m, nr.employed]\n"
      << "  sentinels: {pdays: 999}\n"
      << "model: {path: " << (o.dir / "model").string() << "}\n"
      << "scoring: {batch_size: 10000, threads: 2, explain_top: " << explain_top << "}\n"
      << "training:\n  num_boost_round: 300\n  early_stopping_rounds: 0\n"
      << "  xgboost: {max_depth: 5, eta: 0.05, nthread: 2}\n"
      << "logging: {level: warn}\n";
}

std::vector<std::string> WithSql(const Backend& b, const std::string& sql) {
  std::vector<std::string> command = b.sql_command;
  command.push_back(b.sql_prefix + sql);
  return command;
}

// The 41,188 bundled rows copied with new keys until the table has `rows` rows, inserted in key
// order as a table whose clients arrive with growing keys is stored (a PostgreSQL heap in random
// key order would make the scorer's key-ordered read a random walk over the table).
void Tile(const Backend& b, long rows) {
  const long copies = (rows + kBaseRows - 1) / kBaseRows;
  const std::string columns =
      "age, job, marital, education, \"default\", housing, loan, contact, month, day_of_week, "
      "duration, campaign, pdays, previous, poutcome, \"emp.var.rate\", \"cons.price.idx\", "
      "\"cons.conf.idx\", euribor3m, \"nr.employed\", y";
  const std::string series =
      b.name == "sqlite"
          ? "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k "
            "WHERE n < " +
                std::to_string(copies - 1) + ") "
          : "WITH k(n) AS (SELECT generate_series(1, " + std::to_string(copies - 1) + ")) ";
  Run(WithSql(b, series + "INSERT INTO bank_clients (client_id, " + columns +
                     ") SELECT client_id + n * " + std::to_string(kBaseRows) + ", " + columns +
                     " FROM bank_clients, k WHERE client_id <= " + std::to_string(kBaseRows) +
                     " AND client_id + n * " + std::to_string(kBaseRows) +
                     " <= " + std::to_string(rows) + " ORDER BY 1"));
}

// Every results table, those that refer to scoring_runs first.
void ClearResults(const Backend& b) {
  Run(WithSql(b, std::string("DELETE FROM prediction_reasons; DELETE FROM predictions;"
                             " DELETE FROM rejected_rows; DELETE FROM run_drift;"
                             " DELETE FROM scoring_checks;") +
                     (b.name == "sqlite" ? "" : " DELETE FROM scoring_leases;") +
                     " DELETE FROM scoring_runs;"));
}

struct Row {
  std::string backend;
  long rows = 0;
  int explain_top = 0;
  double score = 0, rss_mib = 0, read = 0, encode = 0, predict = 0, write = 0;
  double limit_predict = 0, limit_read = 0, limit_write = 0, python = -1, python_rss_mib = 0;
  double share = 0;  // median over the runs of (predict alone) / (score), each pair back to back
};

// The config of `b` with scoring.explain_top = `explain_top` (the database and model are shared).
fs::path ConfigFor(const Options& o, const Backend& b, int explain_top) {
  const fs::path config = o.dir / (b.name + "-explain" + std::to_string(explain_top) + ".yaml");
  WriteConfig(config, o, b, explain_top);
  return config;
}

// XGBoost's in-place predict alone on the table's rows (bankscore_bench_limits), in seconds.
double PredictAlone(const Options& o, const fs::path& config, long rows) {
  return LimitSeconds(Run({o.limits, "--config", config.string(), "--what", "predict", "--rows",
                           std::to_string(rows), "--runs", "1"})
                          .out);
}

// `bankscore score` alone with scoring.explain_top = `explain_top` on the table already tiled.
// Each run is followed at once by XGBoost's predict alone: this host's speed drifts by up to 2x
// over minutes (its two vCPUs are sometimes two cores, sometimes closer to one), so the share is
// taken per pair and the median of the pairs reported.
Row MeasureScore(const Options& o, const Backend& b, long rows, int explain_top) {
  Row row{b.name, rows, explain_top};
  const fs::path config = ConfigFor(o, b, explain_top);
  std::vector<double> times, alone, shares;
  for (int r = 0; r < o.runs; ++r) {
    ClearResults(b);
    const Measurement m = Run({o.bankscore, "score", "--config", config.string()});
    times.push_back(m.seconds);
    alone.push_back(PredictAlone(o, config, rows));
    shares.push_back(alone.back() / m.seconds);
    std::fprintf(stderr, "%s %ld rows explain_top %d run %d: score %.2f s, predict alone %.2f s\n",
                 b.name.c_str(), rows, explain_top, r + 1, m.seconds, alone.back());
    row.rss_mib = std::max(row.rss_mib, m.peak_rss_kib / 1024.0);
    // "time in each stage (...): read 2.08 s, encode 0.41 s, predict 6.44 s, write 3.08 s"
    row.read = NumberAfter(m.out, "): read ");
    row.encode = NumberAfter(m.out, ", encode ");
    row.predict = NumberAfter(m.out, ", predict ");
    row.write = NumberAfter(m.out, ", write ");
  }
  row.score = Median(times);
  row.limit_predict = Median(alone);
  row.share = Median(shares);
  return row;
}

// The limits and the Python reference, once per table size, into `row`.
void MeasureReferences(const Options& o, const Backend& b, long rows, const fs::path& config,
                       Row& row) {
  const auto limit = [&](const char* what) {
    return LimitSeconds(Run({o.limits, "--config", config.string(), "--what", what, "--rows",
                             std::to_string(rows), "--runs", std::to_string(o.runs)})
                            .out);
  };
  row.limit_read = limit("read");
  row.limit_write = limit("write");
  if (rows <= o.python_max_rows) {
    std::vector<std::string> args = {o.python, o.python_script, "--bundle",
                                     (o.dir / "model" / "current").string()};
    args.insert(args.end(), b.python_target.begin(), b.python_target.end());
    const Measurement m = Run(args);
    row.python = LimitSeconds(m.out) > 0 ? m.seconds : -1;
    row.python_rss_mib = m.peak_rss_kib / 1024.0;
  }
}

// One row per --explain-top value; the references are measured once and shown on each.
std::vector<Row> Measure(const Options& o, const Backend& b, long rows) {
  Tile(b, rows);
  std::vector<Row> out;
  for (int explain_top : o.explain_tops) out.push_back(MeasureScore(o, b, rows, explain_top));
  Row references;
  MeasureReferences(o, b, rows, ConfigFor(o, b, o.explain_tops.front()), references);
  for (Row& r : out) {
    r.limit_read = references.limit_read;
    r.limit_write = references.limit_write;
    r.python = references.python;
    r.python_rss_mib = references.python_rss_mib;
  }
  return out;
}

void Print(const std::vector<Row>& table) {
  std::printf(
      "| backend | rows | explain_top | bankscore score | rows/s | peak RSS | read / encode / "
      "predict / write (stage time) | XGBoost predict alone | bare read | bare write | Python "
      "reference | speed-up vs Python | share of XGBoost's rows/s |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& r : table) {
    const std::string python =
        r.python > 0 ? Fixed(r.python) + " s (" + Fixed(r.python_rss_mib, 0) + " MiB)" : "n/a";
    std::printf(
        "| %s | %ld | %d | %.2f s | %.0f | %.0f MiB | %.2f / %.2f / %.2f / %.2f s | %.2f s | "
        "%.2f s | %.2f s | %s | %s | %.0f%% |\n",
        r.backend.c_str(), r.rows, r.explain_top, r.score, r.rows / r.score, r.rss_mib, r.read,
        r.encode, r.predict, r.write, r.limit_predict, r.limit_read, r.limit_write, python.c_str(),
        r.python > 0 ? (Fixed(r.python / r.score, 1) + "x").c_str() : "n/a", 100.0 * r.share);
  }
}

std::vector<Backend> MakeBackends(const Options& o) {
  std::vector<Backend> backends;
  const std::string db = (o.dir / "bench.db").string();
  backends.push_back(
      {"sqlite", "{backend: sqlite, path: " + db + "}", {"sqlite3", db}, "", {"--sqlite", db}});
  if (!o.pg_dsn.empty()) {
    backends.push_back({"postgres",
                        "{backend: postgres, dsn: \"" + o.pg_dsn + "\", schema: bankscore_bench}",
                        {"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", o.pg_dsn, "-c"},
                        "SET search_path TO bankscore_bench; ",
                        {"--pg-dsn", o.pg_dsn, "--schema", "bankscore_bench"}});
  }
  return backends;
}

// Loads the bundled rows into a fresh database of `b` (and trains the one model, first time).
fs::path Prepare(const Options& o, const Backend& b, bool train) {
  const fs::path config = ConfigFor(o, b, o.explain_tops.front());
  if (b.name == "postgres") {
    Run(WithSql(Backend{b.name, "", b.sql_command, "", {}},
                "DROP SCHEMA IF EXISTS bankscore_bench CASCADE; CREATE SCHEMA bankscore_bench"));
  }
  Run({o.bankscore, "load", "--config", config.string(), "--csv", o.data});
  if (train) Run({o.bankscore, "train", "--config", config.string()});
  Run({o.bankscore, "init-db", "--config", config.string()});
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bankscore scoring benchmark"};
  Options o;
  std::string dir = (fs::temp_directory_path() / "bankscore-bench").string();
  app.add_option("--bankscore", o.bankscore, "bankscore binary")->required();
  app.add_option("--limits", o.limits, "bankscore_bench_limits binary")->required();
  app.add_option("--data", o.data, "the bundled CSV")->required();
  app.add_option("--python-script", o.python_script, "bench/python_reference.py")->required();
  app.add_option("--python", o.python, "Python with pandas and xgboost");
  app.add_option("--pg-dsn", o.pg_dsn, "also PostgreSQL (schema bankscore_bench is re-created)");
  app.add_option("--sizes", o.sizes, "table sizes in rows");
  app.add_option("--runs", o.runs, "timed runs per measurement")->check(CLI::PositiveNumber);
  app.add_option("--python-max-rows", o.python_max_rows, "largest table Python is run on");
  app.add_option("--dir", dir, "work directory (emptied)");
  bool keep = false;
  app.add_flag("--keep", keep, "keep the work directory (database, model, configs) to profile");
  app.add_option("--explain-top", o.explain_tops, "scoring.explain_top values to score with")
      ->check(CLI::Range(0, 20));
  CLI11_PARSE(app, argc, argv);
  o.dir = dir;
  std::vector<Row> table;
  try {
    fs::remove_all(o.dir);
    fs::create_directories(o.dir);
    bool trained = false;
    for (const Backend& b : MakeBackends(o)) {
      Prepare(o, b, !trained);
      trained = true;
      for (long rows : o.sizes) {
        for (Row& r : Measure(o, b, rows)) table.push_back(std::move(r));
        std::fprintf(stderr, "measured %s at %ld rows\n", b.name.c_str(), rows);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bankscore_bench: %s\n", e.what());
    return 1;
  }
  Print(table);
  if (!keep) fs::remove_all(o.dir);
  return 0;
}
