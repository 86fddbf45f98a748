// bankscore_bench: end-to-end timings and peak memory of the real bankscore binary.
//
// For each table size it builds a fresh SQLite database (the bundled full data set loaded
// `--copies` times), trains once, then times `bankscore score` from empty results `--runs` times
// and reports the median wall time, rows per second and the scoring process's peak RSS (from
// wait4). Peak RSS at two sizes shows whether memory grows with the table (it should not: scoring
// works in batches). Usage:
//   bankscore_bench --bankscore build/bankscore --data data/bank-additional-full.csv.gz
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

// `run` names the results tables, so every timed run starts from empty results in the same file.
void WriteConfig(const fs::path& path, const fs::path& dir, int batch_size, int run) {
  std::ofstream out(path);
  out << "database: {backend: sqlite, path: " << (dir / "bench.db").string() << "}\n"
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
  CLI::App app{"bankscore end-to-end benchmark (SQLite)"};
  std::string binary = "build/bankscore";
  std::string data = "data/bank-additional-full.csv.gz";
  std::vector<int> copies = {1, 5};
  int runs = 5;
  int batch_size = 10000;
  app.add_option("--bankscore", binary, "bankscore binary")->check(CLI::ExistingFile);
  app.add_option("--data", data, "CSV to load (loaded --copies times)")->check(CLI::ExistingFile);
  app.add_option("--copies", copies, "Table sizes, as copies of the data set");
  app.add_option("--runs", runs, "Timed scoring runs per size")->check(CLI::PositiveNumber);
  app.add_option("--batch-size", batch_size, "scoring.batch_size")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  std::printf("%-10s %-8s %10s %10s %12s %14s\n", "rows", "step", "median s", "min s",
              "rows/s", "peak RSS MiB");
  for (int n : copies) {
    fs::path dir = fs::temp_directory_path() / ("bankscore-bench-" + std::to_string(n));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path config = dir / "bench.yaml";
    WriteConfig(config, dir, batch_size, 0);
    std::vector<double> load_times;
    Measurement load;
    for (int c = 0; c < n; ++c) {
      load = Run({binary, "load", "--config", config.string(), "--csv", data});
      load_times.push_back(load.seconds);
    }
    Measurement train = Run({binary, "train", "--config", config.string()});
    const long rows = 41188L * n;

    std::vector<double> score_times;
    long peak = 0;
    for (int r = 0; r < runs; ++r) {
      WriteConfig(config, dir, batch_size, r);
      Measurement score = Run({binary, "score", "--config", config.string()});
      score_times.push_back(score.seconds);
      peak = std::max(peak, score.peak_rss_kib);
    }
    std::printf("%-10ld %-8s %10.3f %10.3f %12.0f %14s\n", rows, "load", Median(load_times),
                *std::min_element(load_times.begin(), load_times.end()), 41188 / Median(load_times),
                "");
    std::printf("%-10ld %-8s %10.3f %10.3f %12.0f %14.1f\n", rows, "train", train.seconds,
                train.seconds, rows / train.seconds, train.peak_rss_kib / 1024.0);
    std::printf("%-10ld %-8s %10.3f %10.3f %12.0f %14.1f\n", rows, "score", Median(score_times),
                *std::min_element(score_times.begin(), score_times.end()),
                rows / Median(score_times), peak / 1024.0);
    fs::remove_all(dir);
  }
  return 0;
}
