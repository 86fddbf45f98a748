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

spdlog::logger& NullLogger() {
  static auto logger =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  return *logger;
}

}  // namespace

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
      << settings.scoring_yaml << "training:\n"
      << settings.training_yaml << "logging:\n  level: warn\n"
      << settings.extra_yaml;
  out.close();
  config_ = LoadConfig(config_path_);
}

std::unique_ptr<Database> TestEnvironment::Open() const {
  return OpenDatabase(config_, NullLogger());
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
