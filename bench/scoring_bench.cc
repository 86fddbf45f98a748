// bankscore_bench: end-to-end timings and peak memory of the real bankscore binary.
//
// For each backend and table size it builds a fresh database (the bundled full data set loaded
// `--copies` times: the load timings), trains once, then times `bankscore score` from empty
// results `--runs` times and reports the median wall time, rows per second and the scoring
// process's peak RSS (from wait4). Peak RSS at two sizes shows whether memory grows with the
// table (it should not: scoring works in batches). SQLite always; PostgreSQL too with --pg-dsn,
// in a schema `bankscore_bench` that it drops and re-creates (needs psql). Usage:
//   bankscore_bench --bankscore build/bankscore --data data/bank-additional-full.csv.gz
//                   [--pg-dsn "host=... dbname=..."]
// scripts/bench.sh builds an optimised binary and runs this against a throwaway PostgreSQL.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <fcntl.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace {
namespace fs = std::filesystem;

struct Measurement {
  double seconds = 0;
  long peak_rss_kib = 0;
};

// Runs `args` (stdout/stderr to /dev/null) and measures wall time and the child's peak RSS.
Measurement Run(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot start " + args[0]);
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Measurement m;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.peak_rss_kib = usage.ru_maxrss;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("command failed: " + args[0] + " " + args[1]);
  }
  return m;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Where the bench's data lives: the `database:` section of its config, and how to empty it.
struct BenchBackend {
  std::string name;
  std::string database_yaml;
  std::vector<std::string> reset_command;  // run before each table size; empty for none
};

// A YAML double-quoted scalar.
std::string YamlQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// `run` names the results tables, so every timed run starts from empty results in the same
// database.
void WriteConfig(const fs::path& path, const fs::path& dir, const BenchBackend& backend,
                 int batch_size, int run) {
  std::ofstream out(path);
  out << "database: " << backend.database_yaml << "\n"
      << "source:\n  table: bank_clients\n  key: client_id\n  label: y\n"
      << "  features:\n"
      << "    categorical: [job, marital, education, default, housing, loan, contact, month,\n"
      << "                  day_of_week, poutcome]\n"
      << "    numeric: [age, campaign, pdays, previous, emp.var.rate, cons.price.idx,\n"
      << "              cons.conf.idx, euribor3m, nr.employed]\n"
      << "  sentinels: {pdays: 999}\n"
      << "model: {path: " << (dir / "model").string() << "}\n"
      << "scoring: {batch_size: " << batch_size << "}\n"
      << "results: {table: predictions_" << run << ", runs_table: runs_" << run
      << ", rejected_table: rejected_" << run << ", latest_view: latest_" << run << "}\n"
      << "logging: {level: warn}\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bankscore end-to-end benchmark"};
  std::string binary = "build/bankscore";
  std::string data = "data/bank-additional-full.csv.gz";
  std::string pg_dsn;
  std::vector<int> copies = {1, 5};
  int runs = 5;
  int batch_size = 10000;
  app.add_option("--bankscore", binary, "bankscore binary")->check(CLI::ExistingFile);
  app.add_option("--data", data, "CSV to load (loaded --copies times)")->check(CLI::ExistingFile);
  app.add_option("--copies", copies, "Table sizes, as copies of the data set");
  app.add_option("--runs", runs, "Timed scoring runs per size")->check(CLI::PositiveNumber);
  app.add_option("--batch-size", batch_size, "scoring.batch_size")->check(CLI::PositiveNumber);
  app.add_option("--pg-dsn", pg_dsn,
                 "Also benchmark PostgreSQL at this libpq DSN (schema bankscore_bench is dropped "
                 "and re-created)");
  CLI11_PARSE(app, argc, argv);

  std::vector<BenchBackend> backends;
  const fs::path root = fs::temp_directory_path() / "bankscore-bench";
  backends.push_back(
      {"sqlite", "{backend: sqlite, path: " + (root / "bench.db").string() + "}", {}});
  if (!pg_dsn.empty()) {
    backends.push_back(
        {"postgres",
         "{backend: postgres, dsn: " + YamlQuote(pg_dsn) + ", schema: bankscore_bench}",
         {"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg_dsn, "-c",
          "DROP SCHEMA IF EXISTS bankscore_bench CASCADE; "
          "CREATE SCHEMA bankscore_bench"}});
  }

  std::printf("%-9s %-10s %-6s %10s %10s %12s %14s\n", "backend", "rows", "step", "median s",
              "min s", "rows/s", "peak RSS MiB");
  try {
    for (const auto& backend : backends) {
      for (int n : copies) {
        fs::remove_all(root);
        fs::create_directories(root);
        if (!backend.reset_command.empty()) Run(backend.reset_command);
        const fs::path config = root / "bench.yaml";
        WriteConfig(config, root, backend, batch_size, 0);
        std::vector<double> load_times;
        long load_peak = 0;
        for (int c = 0; c < n; ++c) {
          Measurement load = Run({binary, "load", "--config", config.string(), "--csv", data});
          load_times.push_back(load.seconds);
          load_peak = std::max(load_peak, load.peak_rss_kib);
        }
        Measurement train = Run({binary, "train", "--config", config.string()});
        const long rows = 41188L * n;

        std::vector<double> score_times;
        long peak = 0;
        for (int r = 0; r < runs; ++r) {
          WriteConfig(config, root, backend, batch_size, r);
          Measurement score = Run({binary, "score", "--config", config.string()});
          score_times.push_back(score.seconds);
          peak = std::max(peak, score.peak_rss_kib);
        }
        const char* name = backend.name.c_str();
        // The load row is per load of the 41,188-row file (n loads make the table).
        std::printf("%-9s %-10ld %-6s %10.3f %10.3f %12.0f %14.1f\n", name, rows, "load",
                    Median(load_times), *std::min_element(load_times.begin(), load_times.end()),
                    41188 / Median(load_times), load_peak / 1024.0);
        std::printf("%-9s %-10ld %-6s %10.3f %10.3f %12.0f %14.1f\n", name, rows, "train",
                    train.seconds, train.seconds, rows / train.seconds,
                    train.peak_rss_kib / 1024.0);
        std::printf("%-9s %-10ld %-6s %10.3f %10.3f %12.0f %14.1f\n", name, rows, "score",
                    Median(score_times), *std::min_element(score_times.begin(), score_times.end()),
                    rows / Median(score_times), peak / 1024.0);
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bankscore_bench: %s\n", e.what());
    fs::remove_all(root);
    return 1;
  }
  fs::remove_all(root);
  return 0;
}
