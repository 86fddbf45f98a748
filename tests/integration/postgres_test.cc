// PostgreSQL-specific behaviour, against the real test server: the full data set on both backends,
// the restricted scoring role from sql/postgres/roles.sql, connection errors, a connection cut in
// the middle of a run, and the adapter's own contracts (types, COPY, locks, reconnects). What both
// backends share is tested once, in pipeline_test.cc.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "bankscore/error.h"
#include "integration/test_support.h"

extern char** environ;

namespace bankscore::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

// Writes a copy of env's config with another `database:` section and returns its path.
std::string ConfigWithDatabase(const TestEnvironment& env, const std::string& file_name,
                               const std::string& database_yaml) {
  std::string text = ReadText(env.config_path());
  const std::size_t begin = text.find("database:\n");
  const std::size_t end = text.find("\nsource:\n");
  EXPECT_NE(begin, std::string::npos);
  EXPECT_NE(end, std::string::npos);
  text.replace(begin, end + 1 - begin, database_yaml);
  const std::string path = (env.dir() / file_name).string();
  std::ofstream(path) << text;
  return path;
}

std::string PostgresDatabaseYaml(const std::string& dsn, const std::string& schema) {
  return "database:\n  backend: postgres\n  dsn: \"" + dsn + "\"\n  schema: " + schema +
         "\n  connect_attempts: 3\n  retry_backoff: 100ms\n";
}

CommandResult Bankscore(const std::string& command, const std::string& config,
                        std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {command, "--config", config};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunBankscore(args);
}

// The bankscore binary running in the background with PGAPPNAME set, so the test can find its
// connections in pg_stat_activity without touching other tests' processes. Killed if still running
// when destroyed.
class BackgroundBankscore {
 public:
  BackgroundBankscore(const std::vector<std::string>& args, const std::string& application_name,
                      const fs::path& dir)
      : out_(dir / "background.out"), err_(dir / "background.err") {
    std::vector<std::string> argv_text = {BANKSCORE_BINARY};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<std::string> env_text;
    for (char** e = environ; *e; ++e) {
      if (std::string(*e).rfind("PGAPPNAME=", 0) != 0) env_text.emplace_back(*e);
    }
    env_text.push_back("PGAPPNAME=" + application_name);
    std::vector<char*> argv, envp;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(rc, 0) << "cannot start " << argv[0];
    if (rc != 0) pid_ = -1;
  }
  ~BackgroundBankscore() {
    if (pid_ > 0 && !exit_code_) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  BackgroundBankscore(const BackgroundBankscore&) = delete;
  BackgroundBankscore& operator=(const BackgroundBankscore&) = delete;

  // The exit code once the process has ended.
  std::optional<int> Poll() {
    if (exit_code_ || pid_ <= 0) return exit_code_;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return exit_code_;
  }

  // Waits for the end; -1 on timeout.
  int Wait(std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!Poll() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return exit_code_.value_or(-1);
  }

  std::string Out() const { return ReadText(out_); }
  std::string Err() const { return ReadText(err_); }

  void Terminate() {
    if (pid_ > 0 && !Poll()) kill(pid_, SIGTERM);
  }

 private:
  fs::path out_, err_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// The runs table, one line per run (id, kind, status, rows scored, message), for failure messages.
std::string DescribeRuns(const TestEnvironment& env) {
  std::ostringstream out;
  out << "scoring_runs:\n";
  try {
    const RowBatch runs = env.Open()->Query(
        "SELECT run_id, kind, status, rows_scored, message FROM scoring_runs ORDER BY run_id");
    for (const auto& row : runs.rows) {
      out << " ";
      for (const Value& v : row) {
        const auto* text = std::get_if<std::string>(&v);
        out << " | " << (text ? *text : DescribeValue(v));  // the message in full
      }
      out << "\n";
    }
  } catch (const std::exception& e) {
    out << "  (cannot read: " << e.what() << ")\n";
  }
  return out.str();
}

// ---- End to end through the CLI ----------------------------------------------------------------

TEST(PostgresTest, FullDataSetScoresAndMatchesSqliteMetrics) {
  TestSettings settings;
  settings.batch_size = 10000;
  // Without reasons (TestSettings' default): this test compares the backends' scores and metrics;
  // reasons_test.cc covers the reasons on both.
  TestEnvironment sqlite(Backend::kSqlite, settings);
  TestEnvironment postgres(Backend::kPostgres, settings);

  std::map<std::string, nlohmann::json> metrics;
  for (const TestEnvironment* env : {&sqlite, &postgres}) {
    const std::string name = BackendName(env->backend());
    SCOPED_TRACE(name);
    CommandResult load = Bankscore("load", env->config_path(), {"--csv", FullCsv()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    EXPECT_THAT(load.out, HasSubstr("loaded 41188 rows"));
    CommandResult train = Bankscore("train", env->config_path());
    ASSERT_EQ(train.exit_code, 0) << train.err;
    CommandResult score = Bankscore("score", env->config_path());
    ASSERT_EQ(score.exit_code, 0) << score.err;
    EXPECT_EQ(env->QueryInt("SELECT COUNT(*) FROM predictions"), kFullRows);
    EXPECT_EQ(env->QueryInt("SELECT COUNT(DISTINCT source_key) FROM predictions"), kFullRows);
    CommandResult eval = Bankscore("evaluate", env->config_path(), {"--json"});
    ASSERT_EQ(eval.exit_code, 0) << eval.err;
    metrics[name] = nlohmann::json::parse(eval.out);
  }

  const nlohmann::json& s = metrics["sqlite"];
  const nlohmann::json& p = metrics["postgres"];
  for (const char* key : {"accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "log_loss",
                          "brier", "threshold"}) {
    EXPECT_NEAR(s.at(key).get<double>(), p.at(key).get<double>(), 1e-9) << key;
  }
  EXPECT_EQ(s.at("rows"), p.at("rows"));
  EXPECT_EQ(s.at("confusion_matrix"), p.at("confusion_matrix"));
  // Same data and seed give the same model, so the stored predictions agree as well.
  EXPECT_EQ(sqlite.QueryInt("SELECT COUNT(*) FROM predictions WHERE label = 1"),
            postgres.QueryInt("SELECT COUNT(*) FROM predictions WHERE label = 1"));
  const std::string sample =
      "SELECT source_key, probability FROM predictions WHERE source_key IN (1, 777, 20000, 41188) "
      "ORDER BY source_key";
  RowBatch from_sqlite = sqlite.Open()->Query(sample);
  RowBatch from_postgres = postgres.Open()->Query(sample);
  ASSERT_EQ(from_sqlite.rows.size(), 4u);
  EXPECT_EQ(from_sqlite.rows, from_postgres.rows);
}

TEST(PostgresTest, RestrictedRoleScoresAndPermissionErrorWritesNothing) {
  TestEnvironment env(Backend::kPostgres);
  const std::string& schema = env.schema();
  // The owner (the admin) loads the data and creates the results tables; then the DBA's script.
  ASSERT_EQ(Bankscore("load", env.config_path(), {"--csv", SampleCsv()}).exit_code, 0);
  CommandResult init = Bankscore("init-db", env.config_path());
  ASSERT_EQ(init.exit_code, 0) << init.err;
  const std::string psql = "psql " + ShellQuote(PostgresDsn()) +
                           " -X -q -v ON_ERROR_STOP=1 -v schema=" + schema + " -f " +
                           ShellQuote(SourceDir() + "/sql/postgres/roles.sql") + " 2>&1";
  ASSERT_EQ(std::system(psql.c_str()), 0) << psql;

  // The scorer logs in as bankscore (trust auth on the test server: no password needed).
  const std::string scorer = ConfigWithDatabase(
      env, "scorer.yaml", PostgresDatabaseYaml(PostgresDsn() + " user=bankscore", schema));
  CommandResult train = Bankscore("train", scorer);  // reading the source is enough to train
  ASSERT_EQ(train.exit_code, 0) << train.err;
  CommandResult score = Bankscore("score", scorer);
  ASSERT_EQ(score.exit_code, 0) << score.err;
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM predictions"), kSampleRows);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE status = 'succeeded'"), 1);
  CommandResult show = Bankscore("show", scorer);
  EXPECT_EQ(show.exit_code, 0) << show.err;

  // Nothing else: the scorer cannot load rows into the source table.
  CommandResult load = Bankscore("load", scorer, {"--csv", SampleCsv()});
  EXPECT_EQ(load.exit_code, 1);
  EXPECT_THAT(load.err, HasSubstr("permission denied for table bank_clients"));

  // New rows arrive, and the scorer loses INSERT on predictions.
  ASSERT_EQ(Bankscore("load", env.config_path(), {"--csv", SampleCsv()}).exit_code, 0);
  PsqlAdmin("REVOKE INSERT ON " + schema + ".predictions FROM bankscore_scorer");
  CommandResult denied = Bankscore("score", scorer);
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.err, AllOf(HasSubstr("permission denied: role bankscore lacks INSERT on "
                                          "predictions (see sql/postgres/roles.sql)"),
                                HasSubstr("nothing was written")));
  EXPECT_EQ(std::count(denied.err.begin(), denied.err.end(), '\n'), 1) << denied.err;
  // Refused before anything is written: no prediction, no rejection, not even a run row.
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM predictions"), kSampleRows);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM rejected_rows"), 0);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM scoring_runs"), 1);

  // relabel needs UPDATE on predictions, which the role has: it works under the role too.
  PsqlAdmin("GRANT INSERT ON " + schema + ".predictions TO bankscore_scorer");
  CommandResult relabel = Bankscore("relabel", scorer, {"--threshold", "0.9"});
  EXPECT_EQ(relabel.exit_code, 0) << relabel.err;
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM predictions WHERE threshold = 0.9"), kSampleRows);

  // The read-only group: an analyst in it reads the results and the view, and nothing else.
  const std::string analyst = "analyst_" + schema;
  PsqlAdmin("CREATE ROLE " + analyst + " LOGIN IN ROLE bankscore_reader");
  const auto as_analyst = [&](const std::string& sql) {
    return RunShell("psql " + ShellQuote(PostgresDsn() + " user=" + analyst) +
                    " -X -q -At -v ON_ERROR_STOP=1 -c " + ShellQuote(sql) + " 2>&1");
  };
  EXPECT_EQ(as_analyst("SELECT COUNT(*) FROM " + schema + ".latest_predictions"),
            std::make_pair(0, std::to_string(kSampleRows) + "\n"));
  EXPECT_EQ(as_analyst("SELECT COUNT(*) FROM " + schema + ".scoring_runs"),
            std::make_pair(0, std::string("2\n")));  // the score and the relabel
  const auto insert = as_analyst("INSERT INTO " + schema +
                                 ".predictions (source_key, model_version, probability, label, "
                                 "threshold, run_id) VALUES (1, 'x', 0.5, 1, 0.5, 1)");
  EXPECT_NE(insert.first, 0);
  EXPECT_THAT(insert.second, HasSubstr("permission denied for table predictions"));
  const auto source = as_analyst("SELECT COUNT(*) FROM " + schema + ".bank_clients");
  EXPECT_NE(source.first, 0);
  EXPECT_THAT(source.second, HasSubstr("permission denied for table bank_clients"));
  PsqlAdmin("DROP ROLE " + analyst);
}

TEST(PostgresTest, RoleWithoutWriteAccessIsRefusedNamingEveryMissingGrant) {
  TestEnvironment env(Backend::kPostgres);
  const std::string& schema = env.schema();
  ASSERT_EQ(Bankscore("load", env.config_path(), {"--csv", SampleCsv()}).exit_code, 0);
  ASSERT_EQ(Bankscore("train", env.config_path()).exit_code, 0);
  ASSERT_EQ(Bankscore("init-db", env.config_path()).exit_code, 0);
  // A read-only reporting role: it may read everything and write nothing.
  const std::string role = "bankscore_reader_" + schema;
  PsqlAdmin("DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role +
            " LOGIN; GRANT USAGE ON "
            "SCHEMA " +
            schema + " TO " + role + "; GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " +
            role);
  const std::string reader = ConfigWithDatabase(
      env, "reader.yaml", PostgresDatabaseYaml(PostgresDsn() + " user=" + role, schema));
  const CommandResult check = Bankscore("check", reader);
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_THAT(check.out, AllOf(HasSubstr("ok       database"), HasSubstr("role " + role),
                               HasSubstr("problem  scoring grants"),
                               HasSubstr("INSERT on predictions"), HasSubstr("fix: grant")));
  CommandResult denied = Bankscore("score", reader);
  PsqlAdmin("DROP OWNED BY " + role + "; DROP ROLE " + role);
  EXPECT_EQ(denied.exit_code, 1) << denied.err;
  EXPECT_THAT(
      denied.err,
      AllOf(HasSubstr("permission denied"), HasSubstr(role), HasSubstr("INSERT on predictions"),
            HasSubstr("INSERT on rejected_rows"), HasSubstr("UPDATE on scoring_runs"),
            HasSubstr("sql/postgres/roles.sql"), HasSubstr("nothing was written")));
  EXPECT_EQ(std::count(denied.err.begin(), denied.err.end(), '\n'), 1) << denied.err;
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM predictions"), 0);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM scoring_runs"), 0);
}

// With database.schema set, `bankscore schema` names every table and view with its schema, so a
// DBA's psql puts them there whatever its search_path; index names stay unqualified.
TEST(PostgresTest, SchemaCommandPrintsSchemaQualifiedNamesThatPsqlApplies) {
  TestEnvironment env(Backend::kPostgres);
  const std::string q = "\"" + env.schema() + "\".";
  const CommandResult schema = Bankscore("schema", env.config_path());
  ASSERT_EQ(schema.exit_code, 0) << schema.err;
  EXPECT_THAT(schema.out,
              AllOf(HasSubstr("CREATE TABLE IF NOT EXISTS " + q + "\"predictions\" ("),
                    HasSubstr("REFERENCES " + q + "\"scoring_runs\" (run_id)"),
                    HasSubstr("CREATE INDEX IF NOT EXISTS \"predictions_run_idx\" ON " + q +
                              "\"predictions\" (run_id)"),
                    HasSubstr("CREATE OR REPLACE VIEW " + q + "\"latest_predictions\" AS"),
                    HasSubstr("FROM " + q + "\"predictions\""),
                    HasSubstr("COMMENT ON COLUMN " + q + "\"latest_predictions\".probability IS"),
                    HasSubstr("CREATE TABLE IF NOT EXISTS " + q + "\"segments\" (")));
  EXPECT_THAT(schema.out, Not(HasSubstr("TABLE IF NOT EXISTS \"predictions\"")));
  // psql as the admin, whose search_path does not hold the schema.
  PsqlAdmin(schema.out);
  EXPECT_EQ(PsqlAdmin("SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                      "c.relnamespace WHERE n.nspname = '" +
                      env.schema() +
                      "' AND c.relname IN ('predictions', 'scoring_runs', 'rejected_rows', "
                      "'prediction_reasons', 'latest_predictions', 'segments')"),
            "6");
  EXPECT_EQ(
      PsqlAdmin("SELECT col_description('" + env.schema() + ".latest_predictions'::regclass, 3)"),
      "Calibrated probability that the row is a positive (see predictions.probability).");
}

// "Top 100 to call" on latest_predictions with two model versions of every key: answered by
// walking the probability index (no Sort of the table), with the same rows as DISTINCT ON.
TEST(PostgresTest, TopNOfTheLatestViewIsReadFromAnIndex) {
  TestEnvironment env(Backend::kPostgres);
  ASSERT_EQ(Bankscore("init-db", env.config_path()).exit_code, 0);
  const std::string s = env.schema() + ".";
  PsqlAdmin("INSERT INTO " + s +
            "scoring_runs (run_id, model_version, threshold, status) "
            "SELECT r, CASE WHEN r < 100 THEN 'v1' ELSE 'v2' END, 0.5, 'succeeded' "
            "FROM generate_series(1, 200) r");
  // Each version its own probabilities (a permutation of k / 41188), and runs of 1,000 keys.
  for (const char* version : {"'v1', 1 + k / 1000, k * 7919", "'v2', 100 + k / 1000, k * 104729"}) {
    PsqlAdmin("INSERT INTO " + s +
              "predictions (source_key, model_version, run_id, probability, label, threshold) "
              "SELECT k, " +
              version + " % 41188 / 41188.0, 0, 0.5 FROM generate_series(1::bigint, 41188) k");
  }
  PsqlAdmin("ANALYZE " + s + "predictions");
  auto db = env.Open();
  std::string plan;
  for (const auto& row :
       db->Query("EXPLAIN SELECT * FROM latest_predictions ORDER BY probability DESC LIMIT 100")
           .rows) {
    plan += std::get<std::string>(row.at(0)) + "\n";
  }
  EXPECT_THAT(plan, AllOf(HasSubstr("Index Scan using predictions_probability_idx"),
                          Not(HasSubstr("Sort")), Not(HasSubstr("Seq Scan"))))
      << plan;
  // The same 100 rows as the "newest run of each key" the view has always meant.
  const RowBatch top = db->Query(
      "SELECT source_key, model_version, probability FROM latest_predictions "
      "ORDER BY probability DESC, source_key LIMIT 100");
  const RowBatch reference = db->Query(
      "SELECT source_key, model_version, probability FROM (SELECT DISTINCT ON (source_key) * "
      "FROM predictions ORDER BY source_key, run_id DESC) AS d "
      "ORDER BY probability DESC, source_key LIMIT 100");
  ASSERT_EQ(top.rows.size(), 100u);
  EXPECT_EQ(top.rows, reference.rows);
  EXPECT_EQ(std::get<std::string>(top.rows[0][1]), "v2");
}

// A predictions table made by an earlier version (a foreign key to the runs, the (model_version,
// label) and (source_key, run_id) indexes, every one paid for by each row written): the next
// init-db as the owner drops them and adds the partial index of the positives.
TEST(PostgresTest, InitDbDropsWhatEarlierVersionsMadeThatSlowedTheWrites) {
  TestEnvironment env(Backend::kPostgres);
  ASSERT_EQ(Bankscore("init-db", env.config_path()).exit_code, 0);
  const std::string p = env.schema() + ".predictions";
  PsqlAdmin("DROP INDEX " + env.schema() + ".predictions_positives_idx; ALTER TABLE " + p +
            " ADD FOREIGN KEY (run_id) REFERENCES " + env.schema() +
            ".scoring_runs (run_id); CREATE INDEX predictions_version_label_idx ON " + p +
            " (model_version, label); CREATE INDEX predictions_key_run_idx ON " + p +
            " (source_key, run_id)");
  const std::string constraints =
      "SELECT COUNT(*) FROM pg_constraint WHERE conrelid = '" + p + "'::regclass AND contype = 'f'";
  const std::string indexes =
      "SELECT string_agg(indexrelid::regclass::text, ',' "
      "ORDER BY indexrelid::regclass::text) "
      "FROM pg_index WHERE indrelid = '" +
      p + "'::regclass";
  ASSERT_EQ(PsqlAdmin(constraints), "1");
  ASSERT_EQ(Bankscore("init-db", env.config_path()).exit_code, 0);
  EXPECT_EQ(PsqlAdmin(constraints), "0");
  EXPECT_EQ(PsqlAdmin("SET search_path TO " + env.schema() + "; " + indexes),
            "predictions_pkey,predictions_positives_idx,predictions_probability_idx,"
            "predictions_run_idx");
}

TEST(PostgresTest, DbaSourceTableWithOtherNumericTypesIsLoadedAndScored) {
  TestEnvironment env(Backend::kPostgres);
  // The DBA's script, then the other types the issue lists for source columns.
  const std::string psql = "PGOPTIONS='-c search_path=" + env.schema() + "' psql " +
                           ShellQuote(PostgresDsn()) + " -X -q -v ON_ERROR_STOP=1 -f " +
                           ShellQuote(SourceDir() + "/sql/postgres/source_bank_clients.sql") +
                           " 2>&1";
  ASSERT_EQ(std::system(psql.c_str()), 0) << psql;
  PsqlAdmin("ALTER TABLE " + env.schema() +
            ".bank_clients ALTER age TYPE bigint, ALTER campaign TYPE numeric, "
            "ALTER \"cons.price.idx\" TYPE numeric(8, 3), ALTER euribor3m TYPE real, "
            "ALTER job TYPE varchar(20), ALTER month TYPE char(3)");
  CommandResult load = Bankscore("load", env.config_path(), {"--csv", SampleCsv()});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_THAT(load.out, Not(HasSubstr("table created")));
  CommandResult train = Bankscore("train", env.config_path());
  ASSERT_EQ(train.exit_code, 0) << train.err;
  CommandResult score = Bankscore("score", env.config_path());
  ASSERT_EQ(score.exit_code, 0) << score.err;
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM predictions"), kSampleRows);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM rejected_rows"), 0);
  // A numeric NaN is a value the model cannot use: that row is rejected, not scored.
  PsqlAdmin("UPDATE " + env.schema() + ".bank_clients SET campaign = 'NaN' WHERE client_id = 9");
  PsqlAdmin("DELETE FROM " + env.schema() + ".predictions WHERE source_key = 9");
  ASSERT_EQ(Bankscore("score", env.config_path()).exit_code, 0);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM rejected_rows WHERE source_key = 9"), 1);
}

TEST(PostgresTest, UnreachableServerGivesOneLineErrorWithoutPassword) {
  TestEnvironment env(Backend::kPostgres);
  const std::string password = "s3cr3t-Pa55w0rd";
  const fs::path password_file = env.dir() / "pg-password";
  std::ofstream(password_file) << password << "\n";
  struct Case {
    std::string dsn, host, port, database;
  };
  const std::vector<Case> cases = {
      {"host=/nonexistent/bankscore-socket port=5999 dbname=bank user=scorer",
       "/nonexistent/bankscore-socket", "5999", "bank"},
      {"postgresql://scorer@127.0.0.1:1/bank_db", "127.0.0.1", "1", "bank_db"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.dsn);
    const std::string config =
        ConfigWithDatabase(env, "unreachable.yaml",
                           "database:\n  backend: postgres\n  dsn: \"" + c.dsn +
                               "\"\n  password_file: " + password_file.string() +
                               "\n  connect_attempts: 2\n  retry_backoff: 10ms\n");
    for (const char* command : {"score", "load"}) {
      std::vector<std::string> extra;
      if (std::string(command) == "load") extra = {"--csv", SampleCsv()};
      CommandResult result = Bankscore(command, config, extra);
      EXPECT_EQ(result.exit_code, 1) << result.err;
      EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
      EXPECT_THAT(result.err, AllOf(HasSubstr("cannot connect to PostgreSQL at host " + c.host +
                                              " port " + c.port + " database " + c.database + ": "),
                                    Not(HasSubstr(password))));
      EXPECT_THAT(result.out, Not(HasSubstr(password)));
    }
  }
}

TEST(PostgresTest, ConnectionCutMidRunRecoversAndInvariantsHold) {
  TestSettings settings;
  settings.batch_size = 500;
  TestEnvironment env(Backend::kPostgres, settings);
  ASSERT_EQ(Bankscore("load", env.config_path(), {"--csv", SampleCsv()}).exit_code, 0);
  CommandResult train = Bankscore("train", env.config_path());
  ASSERT_EQ(train.exit_code, 0) << train.err;
  ASSERT_NO_FATAL_FAILURE(AppendFullDataSet(env, 2));
  const std::int64_t rows = env.QueryInt("SELECT COUNT(*) FROM bank_clients");
  ASSERT_EQ(rows, kSampleRows + 2 * kFullRows);
  ASSERT_EQ(Bankscore("init-db", env.config_path()).exit_code, 0);  // so progress can be polled

  const std::string application_name = "bankscore-test-" + env.schema();
  const std::string kill =
      "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
      "current_database() AND pid <> pg_backend_pid() AND application_name = '" +
      application_name + "'";
  auto predictions = [&] {
    return std::stoll(PsqlAdmin("SELECT COUNT(*) FROM " + env.schema() + ".predictions"));
  };
  // Waits until at least `n` predictions are committed or the run has ended.
  auto wait_for = [&](BackgroundBankscore& run, std::int64_t n) {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (!run.Poll() && predictions() < n && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return !run.Poll();
  };

  {
    BackgroundBankscore run({"score", "--config", env.config_path()}, application_name, env.dir());
    // Cut the connection twice: after the first batches, and again after the reconnect.
    ASSERT_TRUE(wait_for(run, 1000)) << "the run ended before the first cut: " << run.Err();
    EXPECT_GE(std::stoll(PsqlAdmin(kill)), 1);
    const std::int64_t after_first_cut = predictions();
    if (wait_for(run, after_first_cut + 2000)) PsqlAdmin(kill);
    const int exit_code = run.Wait(std::chrono::seconds(60));
    // Either the retries carried the run through, or it failed cleanly with the reason.
    const std::string diagnosis = DescribeRuns(env) + "stderr of the run:\n" + run.Err();
    EXPECT_THAT(exit_code, ::testing::AnyOf(0, 1)) << diagnosis;
    EXPECT_THAT(run.Err(), HasSubstr("lost the connection to PostgreSQL")) << diagnosis;
    if (exit_code == 0) {
      EXPECT_THAT(run.Err(), HasSubstr("reconnected to PostgreSQL")) << diagnosis;
      EXPECT_THAT(run.Out(), HasSubstr("succeeded")) << diagnosis;
    } else {
      EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE status = 'failed' AND "
                             "message LIKE '%lost the connection%'"),
                1)
          << diagnosis;
    }
  }

  // The next run picks up whatever is left; then every row has exactly one prediction.
  CommandResult again = Bankscore("score", env.config_path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM predictions"), rows);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(DISTINCT source_key) FROM predictions"), rows);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM bank_clients c WHERE NOT EXISTS "
                         "(SELECT 1 FROM predictions p WHERE p.source_key = c.client_id)"),
            0);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM rejected_rows"), 0);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE status = 'running'"), 0);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE "
                         "rows_read <> rows_scored + rows_rejected"),
            0);
  // A succeeded run counted exactly the predictions it wrote, even across retried batches.
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM scoring_runs r WHERE status = 'succeeded' AND "
                         "rows_scored <> (SELECT COUNT(*) FROM predictions p "
                         "WHERE p.run_id = r.run_id)"),
            0);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM predictions WHERE label <> "
                         "CASE WHEN probability >= threshold THEN 1 ELSE 0 END"),
            0);
}

// The database goes away in the middle of a daemon's run for longer than its retries: the run
// fails, and its end cannot be written either. When the database is back, the daemon records that
// run as failed with its reason (not as 'abandoned') and scores the rest. The outage is made with
// a login role of this test's own: NOLOGIN and its sessions terminated, then LOGIN again.
TEST(PostgresTest, DaemonRecordsARunThatFailedDuringAnOutageOnceTheDatabaseIsBack) {
  TestSettings settings;
  settings.batch_size = 200;
  settings.scoring_yaml = "  interval: 1h\n";
  TestEnvironment env(Backend::kPostgres, settings);
  const std::string& schema = env.schema();
  // Trained on the sample (fast); the full data set behind it makes a run long enough to cut.
  ASSERT_EQ(Bankscore("load", env.config_path(), {"--csv", SampleCsv()}).exit_code, 0);
  CommandResult train = Bankscore("train", env.config_path());
  ASSERT_EQ(train.exit_code, 0) << train.err;
  ASSERT_EQ(Bankscore("load", env.config_path(), {"--csv", FullCsv()}).exit_code, 0);
  ASSERT_EQ(Bankscore("init-db", env.config_path()).exit_code, 0);
  const std::int64_t rows = kSampleRows + kFullRows;

  const std::string role = "bankscore_outage_" + schema;
  PsqlAdmin("DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role +
            " LOGIN; GRANT USAGE ON "
            "SCHEMA " +
            schema + " TO " + role + "; GRANT ALL ON ALL TABLES IN SCHEMA " + schema + " TO " +
            role + "; GRANT ALL ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role);
  const std::string config = ConfigWithDatabase(
      env, "outage.yaml", PostgresDatabaseYaml(PostgresDsn() + " user=" + role, schema));
  auto predictions = [&] {
    return std::stoll(PsqlAdmin("SELECT COUNT(*) FROM " + schema + ".predictions"));
  };
  auto eventually = [](const std::function<bool()>& condition) {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (!condition() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
  };

  {
    BackgroundBankscore daemon({"run", "--config", config}, "bankscore-outage-" + schema,
                               env.dir());
    ASSERT_TRUE(eventually([&] { return daemon.Poll() || predictions() >= 1000; }));
    ASSERT_FALSE(daemon.Poll()) << daemon.Err();
    ASSERT_LT(predictions(), rows) << "the run ended before the outage";
    PsqlAdmin("ALTER ROLE " + role +
              " NOLOGIN; SELECT COUNT(pg_terminate_backend(pid)) FROM "
              "pg_stat_activity WHERE usename = '" +
              role + "'");
    EXPECT_TRUE(eventually([&] {
      return daemon.Err().find("it will be recorded by the next run") != std::string::npos;
    })) << daemon.Err();
    EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE status = 'running'"), 1);
    EXPECT_FALSE(daemon.Poll()) << "the daemon must not exit while the database is down";

    PsqlAdmin("ALTER ROLE " + role + " LOGIN");
    EXPECT_TRUE(eventually([&] { return predictions() == rows; })) << daemon.Err();
    EXPECT_THAT(daemon.Err(), HasSubstr("which the database had been down for"));
    daemon.Terminate();
    EXPECT_EQ(daemon.Wait(std::chrono::seconds(30)), 0) << daemon.Err();
  }
  PsqlAdmin("DROP OWNED BY " + role + "; DROP ROLE " + role);

  // The interrupted run says what happened, with the reason and the rows it did commit.
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE status = 'failed' AND "
                         "finished_at IS NOT NULL AND rows_scored > 0 AND "
                         "(message LIKE '%lost the connection%' OR "
                         "message LIKE '%cannot connect%')"),
            1);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE status IN ('abandoned', "
                         "'running')"),
            0);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(DISTINCT source_key) FROM predictions"), rows);
  EXPECT_EQ(env.QueryInt("SELECT COUNT(*) FROM scoring_runs WHERE "
                         "rows_read <> rows_scored + rows_rejected"),
            0);
  EXPECT_EQ(env.QueryInt("SELECT SUM(rows_scored) FROM scoring_runs"), rows);
}

// ---- The adapter directly ----------------------------------------------------------------------

class PostgresAdapterTest : public ::testing::Test {
 protected:
  std::unique_ptr<Database> Open() { return env_.Open(); }

  TestEnvironment env_{Backend::kPostgres};
};

TEST_F(PostgresAdapterTest, SessionIsNamedAndUsesTheConfiguredSchema) {
  RowBatch r = Open()->Query(
      "SELECT current_setting('application_name') AS app, current_schema() AS schema");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.columns, (std::vector<std::string>{"app", "schema"}));
  EXPECT_EQ(r.rows[0][0], Value(std::string("bankscore")));
  EXPECT_EQ(r.rows[0][1], Value(env_.schema()));
}

TEST_F(PostgresAdapterTest, ColumnTypesMapToValues) {
  auto db = Open();
  db->Query(
      "CREATE TABLE typed (k BIGINT PRIMARY KEY, a SMALLINT, b INTEGER, c REAL, d DOUBLE "
      "PRECISION, e NUMERIC(12, 3), f VARCHAR(10), g CHAR(3), h TEXT, i NUMERIC)");
  db->Query(
      "INSERT INTO typed VALUES (1, 2, 3, 1.5, 0.1, 12.345, 'var', 'ch', 'text', 'NaN'), "
      "(2, NULL, NULL, NULL, 'Infinity', NULL, NULL, NULL, NULL, NULL)");
  RowBatch r = db->Query("SELECT a, b, c, d, e, f, g, h, i FROM typed ORDER BY k");
  ASSERT_EQ(r.rows.size(), 2u);
  const auto& row = r.rows[0];
  EXPECT_EQ(row[0], Value(std::int64_t{2}));
  EXPECT_EQ(row[1], Value(std::int64_t{3}));
  EXPECT_EQ(row[2], Value(1.5));
  EXPECT_EQ(row[3], Value(0.1));  // exact: the session prints doubles in full precision
  EXPECT_EQ(row[4], Value(12.345));
  EXPECT_EQ(row[5], Value(std::string("var")));
  EXPECT_EQ(row[6], Value(std::string("ch ")));  // bpchar pads
  EXPECT_EQ(row[7], Value(std::string("text")));
  ASSERT_TRUE(std::holds_alternative<double>(row[8]));
  EXPECT_TRUE(std::isnan(std::get<double>(row[8])));
  const auto& nulls = r.rows[1];
  EXPECT_TRUE(IsNull(nulls[0]));
  EXPECT_TRUE(IsNull(nulls[8]));
  EXPECT_EQ(nulls[3], Value(HUGE_VAL));
  EXPECT_EQ(db->TableColumns("typed"),
            (std::vector<std::string>{"k", "a", "b", "c", "d", "e", "f", "g", "h", "i"}));
  EXPECT_TRUE(db->TableExists("typed"));
  EXPECT_FALSE(db->TableExists("pg_class"));  // only the configured schema counts
  EXPECT_THROW(db->TableColumns("missing"), DatabaseError);
}

TEST_F(PostgresAdapterTest, CopyRoundTripsValuesExactly) {
  auto db = Open();
  db->CreateSourceTable("odd table",
                        {{"id", ColumnType::kInteger},
                         {"int col", ColumnType::kInteger},
                         {"real.col", ColumnType::kReal},
                         {"Text\"Col", ColumnType::kText}},
                        "id");
  RowBatch batch;
  batch.columns = {"id", "int col", "real.col", "Text\"Col"};
  const std::vector<std::string> texts = {"tab\there", "new\nline", "back\\slash\\N", "\\N",
                                          "quote'\"",  "",          "ünïcødé €",      "cr\rlf"};
  const std::vector<double> reals = {0.1,    -0.0,  1e-300, 5e-324, 1.7976931348623157e308,
                                     92.893, -46.2, 1.0 / 3};
  for (std::size_t i = 0; i < texts.size(); ++i) {
    batch.rows.push_back({Value(static_cast<std::int64_t>(i + 1)),
                          Value(std::int64_t{-9223372036854775807LL + static_cast<long long>(i)}),
                          Value(reals[i]), Value(texts[i])});
  }
  batch.rows.push_back({Value(std::int64_t{100}), Value(), Value(), Value()});
  db->InsertRows("odd table", batch);
  EXPECT_EQ(db->CountRows("odd table"), 9);
  EXPECT_EQ(db->MaxKey("odd table", "id"), 100);

  std::vector<RowBatch> seen;
  db->ScanTable("odd table", "id", {"int col", "real.col", "Text\"Col"}, std::nullopt, 4,
                [&](const RowBatch& b) { seen.push_back(b); });
  ASSERT_EQ(seen.size(), 3u);  // 4 + 4 + 1
  std::vector<std::vector<Value>> all;
  for (const auto& b : seen) all.insert(all.end(), b.rows.begin(), b.rows.end());
  EXPECT_EQ(all, batch.rows);
  EXPECT_EQ(seen[0].columns, batch.columns);

  std::size_t scanned = 0;
  db->ScanTable("odd table", "id", {"Text\"Col"}, std::string("Text\"Col"), 100,
                [&](const RowBatch& b) { scanned += b.rows.size(); });
  EXPECT_EQ(scanned, 8u);  // the NULL row is left out
}

// Terminates the backend holding this test schema's scorer lock (other tests' locks, on the same
// server at the same time, have other keys) and returns how many it terminated.
std::int64_t TerminateScorerLockHolder(const TestEnvironment& env) {
  const std::string key =
      "hashtextextended('bankscore scorer " + env.schema() + ".predictions', 0)";
  const std::string out = PsqlAdmin(
      "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND "
      "granted AND objsubid = 1 AND classid::text::bigint = ((" +
      key +
      " >> 32) & 4294967295) "
      "AND objid::text::bigint = (" +
      key + " & 4294967295)");
  return std::stoll(out);
}

TEST_F(PostgresAdapterTest, ScorerLockLostWithItsConnectionIsTakenAgainOnlyIfFree) {
  auto a = Open();
  auto b = Open();
  auto held = a->TryLockScorer(false, std::chrono::milliseconds(0), nullptr);
  ASSERT_NE(held, nullptr);
  EXPECT_NO_THROW(held->EnsureHeld());

  // The lock's connection is cut while nobody else wants the lock: it is taken again.
  ASSERT_EQ(TerminateScorerLockHolder(env_), 1);
  EXPECT_NO_THROW(held->EnsureHeld());
  EXPECT_EQ(b->TryLockScorer(false, std::chrono::milliseconds(0), nullptr), nullptr);

  // Cut again, and another scorer takes the lock first: the first one must stop.
  ASSERT_EQ(TerminateScorerLockHolder(env_), 1);
  auto other = b->TryLockScorer(true, std::chrono::seconds(5), nullptr);
  ASSERT_NE(other, nullptr);
  try {
    held->EnsureHeld();
    ADD_FAILURE() << "no error although another scorer holds the lock";
  } catch (const DatabaseError& e) {
    EXPECT_FALSE(e.transient());
    EXPECT_THAT(e.what(), HasSubstr("another bankscore scorer holds the lock"));
  }
}

TEST_F(PostgresAdapterTest, LostConnectionIsTransientAndNextCallReconnects) {
  auto db = Open();
  const Value pid = db->Query("SELECT pg_backend_pid()").rows.at(0).at(0);
  PsqlAdmin("SELECT pg_terminate_backend(" + DescribeValue(pid) + ")");
  try {
    db->Query("SELECT 1");
    ADD_FAILURE() << "no error after the connection was terminated";
  } catch (const DatabaseError& e) {
    EXPECT_TRUE(e.transient()) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("lost the connection to PostgreSQL at host"));
  }
  // Reconnected, with the session set up again (the schema in particular).
  RowBatch r = db->Query("SELECT pg_backend_pid(), current_schema()");
  EXPECT_NE(r.rows.at(0).at(0), pid);
  EXPECT_EQ(r.rows.at(0).at(1), Value(env_.schema()));
}

// The unscored-row reader has a connection of its own. When its backend is terminated while the
// server is busy with the COPY's query (not blocked sending rows), the backend sends its FATAL
// error before it closes the socket, and libpq hands that error over as the COPY's result while
// the connection still reads as open. It is a lost connection all the same: transient, so the
// scorer reopens the reader after the last key it delivered instead of failing the run.
TEST_F(PostgresAdapterTest, ReaderCutWhileTheServerRunsItsQueryIsALostConnection) {
  ASSERT_EQ(Bankscore("load", env_.config_path(), {"--csv", SampleCsv()}).exit_code, 0);
  auto db = Open();
  db->EnsureResultsSchema();
  // The source becomes a view that pauses at key 100, so the reader's query is still running.
  db->Query("ALTER TABLE bank_clients RENAME TO bank_clients_rows");
  db->Query(
      "CREATE FUNCTION pause_at_100(k bigint) RETURNS boolean LANGUAGE plpgsql VOLATILE AS "
      "$$ BEGIN IF k = 100 THEN PERFORM pg_sleep(60); END IF; RETURN true; END $$");
  db->Query(
      "CREATE VIEW bank_clients AS SELECT * FROM bank_clients_rows WHERE pause_at_100(client_id)");
  // The version is a literal in the reader's COPY statement: it names this test's backend.
  const std::string version = "cut-" + env_.schema();
  const std::string paused_reader =
      " FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE 'COPY (%" + version +
      "%'";
  // Terminated from another thread: until the server has something to send, the reader waits
  // inside ReadUnscored or Next.
  std::atomic<std::int64_t> terminated{0};
  std::thread cut([&] {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (terminated == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      terminated = std::stoll(PsqlAdmin("SELECT COUNT(pg_terminate_backend(pid))" + paused_reader));
    }
  });
  std::optional<std::pair<bool, std::string>> error;  // transient, message
  try {
    ColumnarBatch batch;
    batch.Reset(env_.config().source.FeatureColumns());
    auto reader = db->ReadUnscored(version, std::nullopt);
    while (reader->Next(batch, 1000)) {
    }
  } catch (const DatabaseError& e) {
    error.emplace(e.transient(), e.what());
  }
  cut.join();
  ASSERT_EQ(terminated.load(), 1) << "the reader's backend was not found sleeping in the view";
  ASSERT_TRUE(error) << "no error after the reader's connection was terminated";
  EXPECT_TRUE(error->first) << error->second;
  EXPECT_THAT(error->second, HasSubstr("lost the connection to PostgreSQL at host"));
}

TEST_F(PostgresAdapterTest, ErrorsNameTheOperationAndTheServerMessage) {
  auto db = Open();
  try {
    db->Query("SELECT * FROM no_such_table");
    ADD_FAILURE() << "no error";
  } catch (const DatabaseError& e) {
    EXPECT_FALSE(e.transient());
    EXPECT_THAT(e.what(), HasSubstr("relation \"no_such_table\" does not exist"));
    EXPECT_THAT(std::string(e.what()), Not(HasSubstr("\n")));
  }
  // A text value in a typed column fails the whole COPY, naming the column and the value.
  db->CreateSourceTable("numbers", {{"id", ColumnType::kInteger}, {"x", ColumnType::kReal}}, "id");
  RowBatch batch;
  batch.columns = {"id", "x"};
  batch.rows = {{Value(std::int64_t{1}), Value(1.0)},
                {Value(std::int64_t{2}), Value(std::string("forty"))}};
  try {
    db->InsertRows("numbers", batch);
    ADD_FAILURE() << "no error";
  } catch (const DatabaseError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("load rows into numbers"), HasSubstr("\"forty\""),
                                HasSubstr("column x")));
  }
  EXPECT_EQ(db->CountRows("numbers"), 0);  // nothing half-written
}

TEST(PostgresOpenTest, MissingPasswordFileIsReportedWithoutConnecting) {
  TestEnvironment env(Backend::kPostgres);
  Config config = env.config();
  config.database.password_file = (env.dir() / "missing").string();
  try {
    OpenDatabase(config, NullLogger());
    ADD_FAILURE() << "no error";
  } catch (const DatabaseError& e) {
    EXPECT_THAT(e.what(), HasSubstr("database.password_file"));
  }
}

}  // namespace
}  // namespace bankscore::testing
