// Shared fixtures for integration tests: temporary directories, test configs for each backend,
// running the real bankscore binary, and admin SQL against the test PostgreSQL server.
//
// PostgreSQL tests need BANKSCORE_TEST_PG_DSN (scripts/test.sh starts a throwaway server and sets
// it). When it is missing the tests FAIL rather than skip, so a broken server never hides.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bankscore/config.h"
#include "bankscore/database.h"

namespace spdlog {
class logger;
}

namespace bankscore::testing {

enum class Backend { kSqlite, kPostgres };
std::string BackendName(Backend backend);  // for test names: "sqlite", "postgres"

// Names the instances of a test suite parameterized on Backend: .../sqlite, .../postgres.
struct BackendTestName {
  std::string operator()(const ::testing::TestParamInfo<Backend>& info) const {
    return BackendName(info.param);
  }
};

// The whole file, byte for byte; empty if it cannot be read.
std::string ReadText(const std::filesystem::path& path);
// `s` as one single-quoted word for /bin/sh.
std::string ShellQuote(const std::string& s);

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string SourceDir();    // the repository root
std::string SampleCsv();    // data/bank-additional.csv (4,119 rows)
std::string FullCsv();      // data/bank-additional-full.csv.gz (41,188 rows)
std::string PostgresDsn();  // BANKSCORE_TEST_PG_DSN; fails the test if unset
constexpr std::int64_t kSampleRows = 4119;
constexpr std::int64_t kFullRows = 41188;

// Debian's chromium, which renders the pages and reports in headless mode.
inline constexpr const char* kChromium = "/usr/bin/chromium";

// Runs headless Chromium on `url` (http://... or file://...) with `mode` ("--dump-dom", which
// returns the DOM, or "--screenshot=FILE") in a window `window` ("width,height") wide and high,
// with a fresh profile under `scratch`. Returns the exit status and stdout, followed by stderr when
// Chromium failed. Gives up after 180 s.
std::pair<int, std::string> RunHeadlessChromium(const std::string& url, const std::string& mode,
                                                const std::filesystem::path& scratch,
                                                const std::string& window = "1280,4000");

// Runs `command` with /bin/sh; returns its exit status and stdout (add 2>&1 for stderr too).
std::pair<int, std::string> RunShell(const std::string& command);

// A logger that drops everything, for the library calls a test makes itself.
spdlog::logger& NullLogger();

// Runs SQL on the test PostgreSQL server with psql as the admin user; fails the test on error.
std::string PsqlAdmin(const std::string& sql);

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the bankscore binary with `args` and waits for it.
CommandResult RunBankscore(const std::vector<std::string>& args);
// Runs `bankscore command --config config extra...` and waits for it.
CommandResult RunCommand(const std::string& command, const std::string& config,
                         const std::vector<std::string>& extra = {});

class TestEnvironment;
// Appends `copies` copies of the full data set to env's source table, keyed after its largest key
// as `bankscore load` numbers them: the first copy is loaded with the binary, the others are copied
// from it in SQL (another load would only check and parse the same file again). Fails the test
// (fatally) on error.
void AppendFullDataSet(const TestEnvironment& env, int copies);

// Installs into env's model.path the model that loading the 4,119-row sample into an empty source
// table and `bankscore train` would give with env's config, for the tests that need a model but do
// not test training. It is trained once per build: the first caller trains it in a SQLite
// database of its own and keeps it under the build directory, keyed by everything it depends on
// (env's config but the database and model path, the bankscore binary and the sample file); later
// callers, in any test process, copy it. Fails the test (fatally) on error.
void InstallSampleModel(const TestEnvironment& env);

// Settings a test varies. `scoring_yaml` lines go under `scoring:` (indented two spaces, e.g.
// "  threshold: 0.3\n"); `extra_yaml` holds further top-level sections not written by default
// (anything but database, source, model, scoring, training, logging).
struct TestSettings {
  std::size_t batch_size = 1000;
  // scoring.explain_top. 0 unless a test is about reasons: the exact TreeSHAP behind them costs
  // about eight times the scoring itself under ASan, and most tests check other things.
  unsigned explain_top = 0;
  std::string source_yaml;  // further lines under `source:`, e.g. "  ranges: {age: [18, 99]}\n"
  std::string scoring_yaml;
  // The lines under `training:` (replacing these defaults, so a key can be changed).
  std::string training_yaml = "  seed: 42\n  num_boost_round: 200\n  early_stopping_rounds: 20\n";
  std::string extra_yaml;
};

// A complete test setup for one backend: a temp dir with a config file (demo features, model in
// the temp dir), and on PostgreSQL a fresh schema dropped at the end.
class TestEnvironment {
 public:
  explicit TestEnvironment(Backend backend, const TestSettings& settings = {});
  ~TestEnvironment();

  Backend backend() const { return backend_; }
  const std::string& config_path() const { return config_path_; }
  const Config& config() const { return config_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  const std::string& schema() const { return schema_; }  // postgres only

  // Rewrites the config file with other settings (keeps database and paths).
  void RewriteConfig(const TestSettings& settings);

  std::unique_ptr<Database> Open() const;
  // Single integer result of a query (COUNT(*), ...), through the bankscore adapter.
  std::int64_t QueryInt(const std::string& sql) const;

 private:
  std::string DatabaseYaml() const;

  Backend backend_;
  TempDir dir_;
  std::string schema_;
  std::string config_path_;
  Config config_;
};

}  // namespace bankscore::testing
