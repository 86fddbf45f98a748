#include "integration/test_support.h"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "common/sha256.h"

namespace bankscore::testing {
namespace fs = std::filesystem;

namespace {

std::string RandomSuffix() {
  std::random_device rd;
  std::mt19937_64 rng(rd());
  const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (int i = 0; i < 10; ++i) out += alphabet[rng() % 36];
  return out;
}

}  // namespace

spdlog::logger& NullLogger() {
  static auto logger =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  return *logger;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "sqlite" : "postgres";
}

TempDir::TempDir() : path_(fs::temp_directory_path() / ("bankscore-test-" + RandomSuffix())) {
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string SourceDir() { return BANKSCORE_SOURCE_DIR; }
std::string SampleCsv() { return SourceDir() + "/data/bank-additional.csv"; }
std::string FullCsv() { return SourceDir() + "/data/bank-additional-full.csv.gz"; }

std::string PostgresDsn() {
  const char* dsn = std::getenv("BANKSCORE_TEST_PG_DSN");
  if (dsn == nullptr || *dsn == '\0') {
    ADD_FAILURE() << "BANKSCORE_TEST_PG_DSN is not set: run the tests through scripts/test.sh, "
                     "which starts a throwaway PostgreSQL server";
    return "";
  }
  return dsn;
}

std::string PsqlAdmin(const std::string& sql) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out";
  std::string command = "psql " + ShellQuote(PostgresDsn()) +
                        " -X -q -t -A -v ON_ERROR_STOP=1 -c " + ShellQuote(sql) + " > " +
                        ShellQuote(out.string()) + " 2>&1";
  int status = std::system(command.c_str());
  std::string text = ReadText(out);
  EXPECT_EQ(status, 0) << "psql failed for: " << sql << "\n" << text;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

CommandResult RunBankscore(const std::vector<std::string>& args) {
  TempDir tmp;
  const fs::path out = tmp.path() / "stdout", err = tmp.path() / "stderr";
  std::string command = ShellQuote(BANKSCORE_BINARY);
  for (const auto& a : args) command += " " + ShellQuote(a);
  command += " > " + ShellQuote(out.string()) + " 2> " + ShellQuote(err.string()) + " < /dev/null";
  int status = std::system(command.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadText(out);
  result.err = ReadText(err);
  return result;
}

CommandResult RunCommand(const std::string& command, const std::string& config,
                         const std::vector<std::string>& extra) {
  std::vector<std::string> args = {command, "--config", config};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunBankscore(args);
}

std::pair<int, std::string> RunShell(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run: " << command;
    return {-1, ""};
  }
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, output};
}

std::pair<int, std::string> RunHeadlessChromium(const std::string& url, const std::string& mode,
                                                const fs::path& scratch,
                                                const std::string& window) {
  const fs::path profile = scratch / ("chromium-profile-" + RandomSuffix());
  const fs::path out = scratch / "chromium.out", err = scratch / "chromium.err";
  const std::string command =
      std::string("timeout 180 ") + kChromium +
      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
      " --disable-background-networking --disable-component-update --disable-sync"
      " --hide-scrollbars --window-size=" +
      window + " --user-data-dir=" + ShellQuote(profile.string()) + " " + ShellQuote(mode) + " " +
      ShellQuote(url) + " > " + ShellQuote(out.string()) + " 2> " + ShellQuote(err.string());
  const int status = std::system(command.c_str());
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  std::error_code ignored;
  fs::remove_all(profile, ignored);
  return {code, ReadText(out) + (code != 0 ? "\nstderr:\n" + ReadText(err) : "")};
}

void AppendFullDataSet(const TestEnvironment& env, int copies) {
  const SourceConfig& source = env.config().source;
  auto db = env.Open();
  const std::int64_t before = db->MaxKey(source.table, source.key).value_or(0);
  const CommandResult load =
      RunBankscore({"load", "--config", env.config_path(), "--csv", FullCsv()});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  ASSERT_EQ(db->MaxKey(source.table, source.key).value_or(0), before + kFullRows);
  std::string others;
  for (const std::string& column : db->TableColumns(source.table)) {
    if (column != source.key) others += ", \"" + column + "\"";
  }
  const std::string key = "\"" + source.key + "\"";
  for (int copy = 1; copy < copies; ++copy) {
    db->Query("INSERT INTO \"" + source.table + "\" (" + key + others + ") SELECT " + key + " + " +
              std::to_string(copy * kFullRows) + others + " FROM \"" + source.table + "\" WHERE " +
              key + " > " + std::to_string(before) + " AND " + key +
              " <= " + std::to_string(before + kFullRows));
  }
}

namespace {

// "size:modification time" of a file: a rebuilt binary or another data file changes it.
std::string FileStamp(const fs::path& path) {
  std::error_code ignored;
  return std::to_string(fs::file_size(path, ignored)) + ":" +
         std::to_string(fs::last_write_time(path, ignored).time_since_epoch().count());
}

}  // namespace

void InstallSampleModel(const TestEnvironment& env) {
  const std::string config = ReadText(env.config_path());
  const std::size_t source = config.find("\nsource:\n");
  const std::string model_path = "\nmodel:\n  path: " + (env.dir() / "model").string() + "\n";
  const std::size_t model = config.find(model_path);
  ASSERT_EQ(config.rfind("database:\n", 0), 0u) << config;
  ASSERT_NE(source, std::string::npos) << config;
  ASSERT_NE(model, std::string::npos) << config;
  std::string depends_on = config.substr(source);
  depends_on.replace(depends_on.find(model_path), model_path.size(), "\nmodel:\n");
  depends_on += FileStamp(BANKSCORE_BINARY) + "\n" + FileStamp(SampleCsv()) + "\n";
  const fs::path root = fs::path(BANKSCORE_BINARY).parent_path() / "test-model-cache";
  const fs::path cached = root / Sha256Hex(depends_on).substr(0, 16);

  if (!fs::exists(cached / "current" / "bundle.json")) {
    // Trained beside the cache and moved into place with one rename, so a reader never sees half
    // a bundle; test processes training at the same time both train, and the first rename wins.
    const fs::path work = root / ("training-" + RandomSuffix());
    fs::create_directories(work);
    std::string training = config;
    training.replace(model, model_path.size(),
                     "\nmodel:\n  path: " + (work / "model").string() + "\n");
    training.replace(0, source,
                     "database:\n  backend: sqlite\n  path: " + (work / "bank.db").string());
    const std::string training_config = (work / "bankscore.yaml").string();
    std::ofstream(training_config) << training;
    const CommandResult load =
        RunBankscore({"load", "--config", training_config, "--csv", SampleCsv()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    const CommandResult train = RunBankscore({"train", "--config", training_config});
    ASSERT_EQ(train.exit_code, 0) << train.err;
    std::error_code lost_the_race;
    fs::rename(work / "model", cached, lost_the_race);
    fs::remove_all(work, lost_the_race);
    ASSERT_TRUE(fs::exists(cached / "current" / "bundle.json")) << cached;
  }
  // The registry's `current` link is relative: copied as a link, it points into the copy.
  fs::copy(cached, env.dir() / "model",
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

TestEnvironment::TestEnvironment(Backend backend, const TestSettings& settings)
    : backend_(backend) {
  if (backend_ == Backend::kPostgres) {
    schema_ = "t_" + RandomSuffix();
    PsqlAdmin("CREATE SCHEMA " + schema_);
  }
  config_path_ = (dir() / "bankscore.yaml").string();
  RewriteConfig(settings);
}

TestEnvironment::~TestEnvironment() {
  if (backend_ == Backend::kPostgres && !schema_.empty()) {
    PsqlAdmin("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }
}

std::string TestEnvironment::DatabaseYaml() const {
  if (backend_ == Backend::kSqlite) {
    return "database:\n  backend: sqlite\n  path: " + (dir() / "bank.db").string() + "\n";
  }
  return "database:\n  backend: postgres\n  dsn: \"" + PostgresDsn() + "\"\n  schema: " + schema_ +
         "\n  connect_attempts: 3\n  retry_backoff: 100ms\n";
}

void TestEnvironment::RewriteConfig(const TestSettings& settings) {
  std::ofstream out(config_path_, std::ios::trunc);
  out << DatabaseYaml()
      << "source:\n"
         "  table: bank_clients\n"
         "  key: client_id\n"
         "  label: y\n"
         "  positive_label: \"yes\"\n"
         "  features:\n"
         "    categorical: [job, marital, education, default, housing, loan, contact, month,\n"
         "                  day_of_week, poutcome]\n"
         "    numeric: [age, campaign, pdays, previous, emp.var.rate, cons.price.idx,\n"
         "              cons.conf.idx, euribor3m, nr.employed]\n"
         "  sentinels: {pdays: 999}\n"
      << settings.source_yaml << "model:\n  path: " << (dir() / "model").string() << "\n"
      << "scoring:\n  batch_size: " << settings.batch_size << "\n"
      << "  explain_top: " << settings.explain_top << "\n"
      << settings.scoring_yaml << "training:\n"
      << settings.training_yaml << "logging:\n  level: warn\n"
      << settings.extra_yaml;
  out.close();
  config_ = LoadConfig(config_path_);
}

std::unique_ptr<Database> TestEnvironment::Open() const {
  return OpenOrCreateDatabase(config_, NullLogger());
}

std::int64_t TestEnvironment::QueryInt(const std::string& sql) const {
  RowBatch result = Open()->Query(sql);
  if (result.rows.size() != 1 || result.rows[0].size() != 1) {
    ADD_FAILURE() << "expected one value from: " << sql;
    return -1;
  }
  const Value& v = result.rows[0][0];
  if (auto n = AsNumber(v)) return static_cast<std::int64_t>(*n);
  if (const auto* s = std::get_if<std::string>(&v)) return std::stoll(*s);
  ADD_FAILURE() << "NULL from: " << sql;
  return -1;
}

}  // namespace bankscore::testing
