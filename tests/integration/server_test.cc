// The HTTP service as people and programs use it (issue 13): the real bankscore binary, `serve`
// (and `run` with server.listen), on a free loopback port chosen by the system (listen port 0,
// read back from the log), after a real load, train and batch run of the 10% sample:
//   - clients scored through POST /v1/score equal the batch run's stored predictions for the
//     same keys (1e-9), one at a time and many at once, on every backend;
//   - every 4xx the API promises, a 10 MiB body refused, the token enforced;
//   - /metrics parses as the exposition format and its counters move after a run;
//   - the pages in headless Chromium: the form renders every field, the no-JavaScript form
//     submitted for a known client shows its stored probability, the dashboard shows its charts
//     after two runs. Set BANKSCORE_KEEP_SCREENSHOTS=DIR to keep the screenshots for people.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "common/text.h"
#include "integration/process.h"
#include "integration/test_support.h"
#include "service/http_server.h"
#include "support/prometheus_format.h"

namespace bankscore::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using service::HttpClient;
using service::HttpResponse;
using std::chrono::seconds;
using ::testing::HasSubstr;

const std::vector<std::string> kCategorical = {"job",         "marital", "education", "default",
                                               "housing",     "loan",    "contact",   "month",
                                               "day_of_week", "poutcome"};
const std::vector<std::string> kNumeric = {"age",           "campaign",     "pdays",
                                           "previous",      "emp.var.rate", "cons.price.idx",
                                           "cons.conf.idx", "euribor3m",    "nr.employed"};

std::vector<std::string> Features() {
  std::vector<std::string> all = kCategorical;
  all.insert(all.end(), kNumeric.begin(), kNumeric.end());
  return all;
}

// A bankscore process serving HTTP, with a client connected to it.
class Served {
 public:
  Served(const std::vector<std::string>& args, const fs::path& log_prefix)
      : process_(BANKSCORE_BINARY, args, log_prefix) {
    EXPECT_TRUE(process_.WaitForLog("serving HTTP on http://127.0.0.1:", seconds(120)))
        << process_.Describe();
    std::smatch m;
    const std::string log = process_.Log();
    if (std::regex_search(log, m, std::regex(R"(serving HTTP on http://127\.0\.0\.1:([0-9]+)/)"))) {
      port_ = std::stoi(m[1]);
    }
    EXPECT_GT(port_, 0) << process_.Describe();
    client_ = std::make_unique<HttpClient>("127.0.0.1", port_);
  }
  ~Served() { Stop(); }

  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return client_->Send(method, target, body, headers);
  }
  HttpResponse Get(const std::string& target) { return Send("GET", target); }
  int port() const { return port_; }
  std::string Url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(port_) + target;
  }
  Process& process() { return process_; }

  // SIGTERM: the process must exit 0 within a few seconds.
  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    client_.reset();
    process_.Signal(SIGTERM);
    const std::optional<int> code = process_.WaitFor(seconds(15));
    EXPECT_EQ(code, 0) << process_.Describe();
  }

 private:
  Process process_;
  int port_ = 0;
  std::unique_ptr<HttpClient> client_;
  bool stopped_ = false;
};

json ToJson(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return nullptr;
}

// One loaded, trained and scored environment per backend, shared by the suite's tests.
struct Prepared {
  explicit Prepared(Backend backend) : env(backend) {
    for (const char* step : {"load", "train", "score"}) {
      std::vector<std::string> args = {step, "--config", env.config_path()};
      if (std::string(step) == "load") args.insert(args.end(), {"--csv", SampleCsv()});
      const CommandResult r = RunBankscore(args);
      EXPECT_EQ(r.exit_code, 0) << step << ": " << r.err;
    }
  }

  // The config with info logging (the test waits for log lines) and a server section.
  std::string ServeConfig(const std::string& name, const std::string& server_yaml) const {
    std::string text = ReadText(env.config_path());
    const std::string warn = "logging:\n  level: warn\n";
    text.replace(text.find(warn), warn.size(), "logging:\n  level: info\n");
    const fs::path path = env.dir() / name;
    std::ofstream(path) << text << "server:\n" << server_yaml;
    return path.string();
  }

  // Source rows by key (the feature columns), and the stored probabilities.
  std::map<std::int64_t, std::vector<Value>> Rows(std::size_t limit) const {
    std::map<std::int64_t, std::vector<Value>> rows;
    env.Open()->ScanTable("bank_clients", "client_id", Features(), std::nullopt, 500,
                          [&](const RowBatch& batch) {
                            for (const auto& row : batch.rows) {
                              if (rows.size() >= limit) return;
                              const auto key = std::get<std::int64_t>(row[0]);
                              rows[key] = std::vector<Value>(row.begin() + 1, row.end());
                            }
                          });
    return rows;
  }
  std::map<std::int64_t, double> Stored() const {
    std::map<std::int64_t, double> stored;
    for (const auto& row :
         env.Open()->Query("SELECT source_key, probability FROM latest_predictions").rows) {
      stored[static_cast<std::int64_t>(*AsNumber(row[0]))] = *AsNumber(row[1]);
    }
    return stored;
  }

  // Another batch run over newly loaded rows (the sample again, under new keys).
  void LoadAndScoreAgain() const {
    for (const char* step : {"load", "score"}) {
      std::vector<std::string> args = {step, "--config", env.config_path()};
      if (std::string(step) == "load") args.insert(args.end(), {"--csv", SampleCsv()});
      const CommandResult r = RunBankscore(args);
      EXPECT_EQ(r.exit_code, 0) << step << ": " << r.err;
    }
  }

  TestEnvironment env;
};

json ClientJson(std::int64_t key, const std::vector<Value>& features) {
  json client = {{"client_id", key}};
  const std::vector<std::string> names = Features();
  for (std::size_t i = 0; i < names.size(); ++i) client[names[i]] = ToJson(features[i]);
  return client;
}

class ServerTest : public ::testing::TestWithParam<Backend> {
 protected:
  static void TearDownTestSuite() { prepared_.clear(); }

  Prepared& Env() {
    auto& slot = prepared_[GetParam()];
    if (!slot) slot = std::make_unique<Prepared>(GetParam());
    return *slot;
  }

  std::unique_ptr<Served> Serve(const std::string& server_yaml = "  listen: 127.0.0.1:0\n",
                                const std::string& command = "serve") {
    const std::string config = Env().ServeConfig(command + ".yaml", server_yaml);
    return std::make_unique<Served>(std::vector<std::string>{command, "--config", config},
                                    Env().env.dir() / (command + "-" + std::to_string(++started_)));
  }

  static inline std::map<Backend, std::unique_ptr<Prepared>> prepared_;
  // Log files are never reused: a new process's log must not be read before it truncated the
  // old one.
  static inline int started_ = 0;
};

TEST_P(ServerTest, ScoredClientsEqualTheStoredBatchPredictionsOneAndManyAtATime) {
  auto served = Serve();
  const auto rows = Env().Rows(300);
  const auto stored = Env().Stored();
  const std::int64_t runs = Env().env.QueryInt("SELECT COUNT(*) FROM scoring_runs");
  const std::int64_t predictions = Env().env.QueryInt("SELECT COUNT(*) FROM predictions");
  ASSERT_EQ(rows.size(), 300u);
  json request = {{"clients", json::array()}};
  for (const auto& [key, features] : rows) request["clients"].push_back(ClientJson(key, features));
  const HttpResponse many = served->Send("POST", "/v1/score", request.dump());
  ASSERT_EQ(many.status, 200) << many.body;
  const json answer = json::parse(many.body);
  ASSERT_EQ(answer.at("clients").size(), rows.size());
  for (const json& client : answer.at("clients")) {
    const std::int64_t key = client.at("client_id");
    ASSERT_TRUE(stored.count(key)) << key;
    EXPECT_NEAR(client.at("probability").get<double>(), stored.at(key), 1e-9) << key;
  }
  int checked = 0;
  for (const auto& [key, features] : rows) {
    if (++checked > 5) break;
    json one = ClientJson(key, features);
    one.erase("client_id");  // the key is optional
    const HttpResponse response = served->Send("POST", "/v1/score", one.dump());
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_NEAR(json::parse(response.body).at("probability").get<double>(), stored.at(key), 1e-9);
    const HttpResponse lookup = served->Get("/v1/clients/" + std::to_string(key));
    ASSERT_EQ(lookup.status, 200) << lookup.body;
    EXPECT_EQ(json::parse(lookup.body).at("probability").get<double>(), stored.at(key));
  }
  // Nothing was written by scoring.
  EXPECT_EQ(Env().env.QueryInt("SELECT COUNT(*) FROM scoring_runs"), runs);
  EXPECT_EQ(Env().env.QueryInt("SELECT COUNT(*) FROM predictions"), predictions);
}

TEST_P(ServerTest, MetricsFollowTheFormatAndCountersMoveAfterARun) {
  auto served = Serve();
  const auto scrape = [&] {
    const HttpResponse response = served->Get("/metrics");
    EXPECT_EQ(response.status, 200);
    EXPECT_THAT(response.content_type, HasSubstr("text/plain; version=0.0.4"));
    PrometheusScrape parsed = ParsePrometheus(response.body);
    EXPECT_THAT(parsed.problems, ::testing::IsEmpty()) << response.body;
    return parsed;
  };
  const PrometheusScrape before = scrape();
  const double scored = before.samples.at("bankscore_rows_scored_total");
  const double runs = before.samples.at("bankscore_runs{kind=\"score\",status=\"succeeded\"}");
  EXPECT_GE(scored, 4119);
  EXPECT_EQ(before.samples.at("bankscore_database_up"), 1);
  EXPECT_EQ(before.samples.at("bankscore_model_loaded"), 1);
  EXPECT_GT(before.samples.at("bankscore_last_success_timestamp_seconds"), 1.7e9);
  Env().LoadAndScoreAgain();
  const PrometheusScrape after = scrape();
  EXPECT_EQ(after.samples.at("bankscore_rows_scored_total"), scored + 4119);
  EXPECT_EQ(after.samples.at("bankscore_runs{kind=\"score\",status=\"succeeded\"}"), runs + 1);
  EXPECT_EQ(after.samples.at(
                "bankscore_http_requests_total{route=\"/metrics\",method=\"GET\",code=\"200\"}"),
            1);
  EXPECT_GT(after.samples.at("bankscore_http_request_duration_seconds_count{route=\"/metrics\"}"),
            0);
}

// Customer segments (issue 14): after `bankscore segment` and a SIGHUP (which makes serve re-read
// the segmentation at once instead of within 30 s), a scored client gets the segment its stored
// row has, a stored client its stored segment, and the dashboard the segments panel.
TEST_P(ServerTest, SegmentsAppearInTheAnswersAndTheDashboardAfterSegmenting) {
  const auto has_segments = [](const json& model) {
    return model.contains("capabilities") && model["capabilities"].value("segments", false);
  };
  auto served = Serve();
  EXPECT_FALSE(has_segments(json::parse(served->Get("/v1/model").body)));
  const fs::path config = Env().env.dir() / "segment.yaml";
  std::ofstream(config) << ReadText(Env().env.config_path())
                        << "segmentation:\n  k_range: [2, 4]\n  n_init: 2\n  sample: 1500\n"
                           "  silhouette_sample: 400\n";
  const CommandResult segment = RunBankscore({"segment", "--config", config.string()});
  ASSERT_EQ(segment.exit_code, 0) << segment.err;
  served->process().Signal(SIGHUP);
  json model;
  for (int i = 0; i < 150 && !has_segments(model); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    model = json::parse(served->Get("/v1/model").body);
  }
  ASSERT_TRUE(has_segments(model)) << served->process().Describe();
  std::map<std::int64_t, int> stored;
  for (const auto& row : Env().env.Open()->Query("SELECT source_key, segment FROM segments").rows) {
    stored[static_cast<std::int64_t>(*AsNumber(row[0]))] = static_cast<int>(*AsNumber(row[1]));
  }
  const auto rows = Env().Rows(200);
  json request = {{"clients", json::array()}};
  for (const auto& [key, features] : rows) request["clients"].push_back(ClientJson(key, features));
  const HttpResponse many = served->Send("POST", "/v1/score", request.dump());
  ASSERT_EQ(many.status, 200) << many.body;
  const json answer = json::parse(many.body);  // kept: the loop reads into it
  for (const json& client : answer.at("clients")) {
    const std::int64_t key = client.at("client_id");
    EXPECT_EQ(client.at("segment").at("id").get<int>(), stored.at(key)) << key;
    EXPECT_FALSE(client.at("segment").at("description").get<std::string>().empty());
  }
  const std::int64_t key = rows.begin()->first;
  const json lookup = json::parse(served->Get("/v1/clients/" + std::to_string(key)).body);
  EXPECT_EQ(lookup.at("segment").at("id").get<int>(), stored.at(key));
  const HttpResponse dashboard = served->Get("/dashboard");
  for (const char* id : {"segment-sizes", "segment-rates", "segment-probability", "pca-scatter"}) {
    EXPECT_THAT(dashboard.body, HasSubstr(std::string("<svg id=\"") + id + "\"")) << id;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendTestName());

// The rest does not depend on the backend: SQLite only.
class ServerSqliteTest : public ServerTest {};

TEST_P(ServerSqliteTest, Every4xxTheApiPromises) {
  auto served = Serve("  listen: 127.0.0.1:0\n  max_body_bytes: 1048576\n");
  struct Case {
    std::string method, target, body;
    int status;
    std::string error;
  };
  std::string too_many = "{\"clients\": [";
  for (int i = 0; i < 1001; ++i) too_many += std::string(i ? "," : "") + "{}";
  too_many += "]}";
  const std::vector<Case> cases = {
      {"POST", "/v1/score", "{\"age\": ", 400, "malformed JSON"},
      {"POST", "/v1/score", "", 400, "malformed JSON"},
      {"POST", "/v1/score", R"({"age": "forty"})", 400, "age: expected a number or null"},
      {"POST", "/v1/score", R"({"job": 1})", 400, "job: expected a string (a category)"},
      {"POST", "/v1/score", R"({"duration": 12})", 400, "unknown column 'duration'"},
      {"POST", "/v1/score", R"({"y": "no"})", 400, "the label the model predicts"},
      {"POST", "/v1/score", R"({"clients": [{"age": 30}, {"age": {}}]})", 400,
       "clients[1].age: expected a number"},
      {"POST", "/v1/score", too_many, 400, "expected 1 to 1000 clients, got 1001"},
      {"POST", "/v1/score", R"({"clients": []})", 400, "got 0"},
      {"GET", "/v1/clients/forty-two", "", 400, "key: expected an integer client_id"},
      {"GET", "/v1/clients/999999999", "", 404, "no stored prediction for client_id 999999999"},
      {"GET", "/v1/unknown", "", 404, "no such resource"},
      {"GET", "/v1/score", "", 405, "method GET is not allowed on /v1/score"},
      {"DELETE", "/v1/model", "", 405, "not allowed"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target + " " + c.body.substr(0, 60));
    const HttpResponse response = served->Send(c.method, c.target, c.body);
    EXPECT_EQ(response.status, c.status) << response.body;
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_THAT(json::parse(response.body).at("error").get<std::string>(), HasSubstr(c.error));
  }
  const HttpResponse huge = served->Send("POST", "/v1/score", std::string(10 << 20, ' '));
  EXPECT_EQ(huge.status, 413);
  EXPECT_THAT(huge.body, HasSubstr("larger than server.max_body_bytes (1048576 bytes)"));
  // The service is still there and answers.
  EXPECT_EQ(served->Send("POST", "/v1/score", R"({"age": 30})").status, 200);
  EXPECT_EQ(Env().env.QueryInt("SELECT COUNT(*) FROM predictions WHERE source_key > 999999"), 0);
}

TEST_P(ServerSqliteTest, TheTokenIsEnforcedOnTheApiAndThePages) {
  const fs::path token = Env().env.dir() / "token";
  std::ofstream(token) << "integration-token\n";
  auto served = Serve("  listen: 127.0.0.1:0\n  token_file: " + token.string() + "\n");
  EXPECT_EQ(served->Get("/v1/model").status, 401);
  EXPECT_EQ(served->Send("POST", "/v1/score", "{}").status, 401);
  EXPECT_EQ(served->Send("GET", "/v1/model", "", {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(
      served->Send("GET", "/v1/model", "", {{"Authorization", "Bearer integration-token"}}).status,
      200);
  EXPECT_EQ(served
                ->Send("POST", "/v1/score", R"({"age": 30})",
                       {{"Authorization", "Bearer integration-token"}})
                .status,
            200);
  const HttpResponse page = served->Get("/dashboard");
  EXPECT_EQ(page.status, 401);
  bool asks_for_basic = false;
  for (const auto& [name, value] : page.headers) {
    asks_for_basic = asks_for_basic || (name == "WWW-Authenticate" && value.rfind("Basic", 0) == 0);
  }
  EXPECT_TRUE(asks_for_basic);
  // base64("ops:integration-token")
  EXPECT_EQ(served->Send("GET", "/", "", {{"Authorization", "Basic b3BzOmludGVncmF0aW9uLXRva2Vu"}})
                .status,
            200);
  for (const char* open : {"/healthz", "/readyz", "/metrics"}) {
    EXPECT_EQ(served->Get(open).status, 200) << open;
  }
}

TEST_P(ServerSqliteTest, RunServesTheSameEndpointsWhenListenIsSet) {
  auto served = Serve("  listen: 127.0.0.1:0\n", "run");
  EXPECT_TRUE(served->process().WaitForLog("bankscore daemon started", seconds(60)));
  const HttpResponse ready = served->Get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  const HttpResponse scored = served->Send("POST", "/v1/score", R"({"age": 45, "job": "retired"})");
  EXPECT_EQ(scored.status, 200) << scored.body;
  EXPECT_EQ(served->Get("/dashboard").status, 200);
  served->Stop();
  EXPECT_THAT(served->process().Log(), HasSubstr("HTTP service stopped"));
}

// The DOM of `url`, and a screenshot named `name` (kept in BANKSCORE_KEEP_SCREENSHOTS if set).
std::string Render(const std::string& url, const std::string& name, const fs::path& scratch) {
  if (!fs::exists(kChromium)) {
    ADD_FAILURE() << kChromium << " is missing (apt-get install chromium; scripts/install-deps.sh "
                  << "--with-test-tools does it)";
    return "";
  }
  const char* keep = std::getenv("BANKSCORE_KEEP_SCREENSHOTS");
  const fs::path dir = keep && *keep ? fs::path(keep) : scratch;
  fs::create_directories(dir);
  const fs::path png = dir / (name + ".png");
  const auto [shot_code, shot_out] =
      RunHeadlessChromium(url, "--screenshot=" + png.string(), scratch, "1280,2200");
  EXPECT_EQ(shot_code, 0) << shot_out;
  EXPECT_TRUE(fs::exists(png) && fs::file_size(png) > 20 * 1024) << "blank screenshot " << png;
  const auto [dom_code, dom] = RunHeadlessChromium(url, "--dump-dom", scratch, "1280,2200");
  EXPECT_EQ(dom_code, 0) << dom;
  return dom;
}

std::string QueryOf(const std::vector<Value>& features) {
  std::string query;
  const std::vector<std::string> names = Features();
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string value = IsNull(features[i]) ? "" : ValueText(features[i]);
    std::string encoded;
    for (unsigned char c : value) {
      if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
        encoded += static_cast<char>(c);
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        encoded += hex;
      }
    }
    query += (i ? "&" : "") + names[i] + "=" + encoded;
  }
  return query;
}

TEST_P(ServerSqliteTest, PagesInChromiumFormFieldsKnownClientAndDashboardCharts) {
  auto served = Serve("  listen: 127.0.0.1:0\n");
  const std::string form = Render(served->Url("/"), "form", Env().env.dir());
  for (const std::string& name : kCategorical) {
    EXPECT_THAT(form, HasSubstr("<select id=\"f-" + name + "\" name=\"" + name + "\"")) << name;
  }
  for (const std::string& name : kNumeric) {
    EXPECT_THAT(form, HasSubstr("id=\"f-" + name + "\" name=\"" + name + "\"")) << name;
  }
  EXPECT_THAT(form, HasSubstr("<option>blue-collar</option>"));
  EXPECT_THAT(form, HasSubstr("training range"));

  // The form as a browser submits it (GET, no JavaScript), for a client the batch run scored.
  const auto rows = Env().Rows(20);
  const std::int64_t key = std::prev(rows.end())->first;
  const std::string result =
      Render(served->Url("/?" + QueryOf(rows.at(key))), "form-result", Env().env.dir());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      result, m,
      std::regex(R"re(<output id="probability" data-value="([^"]+)">([0-9.]+)</output>)re")))
      << result;
  EXPECT_NEAR(std::stod(m[1]), Env().Stored().at(key), 1e-9);

  // The dashboard after two runs.
  if (Env().env.QueryInt("SELECT COUNT(*) FROM scoring_runs") < 2) Env().LoadAndScoreAgain();
  const std::string dashboard = Render(served->Url("/dashboard"), "dashboard", Env().env.dir());
  for (const char* id :
       {"runs-rows", "runs-positive-rate", "runs-duration", "score-distribution"}) {
    EXPECT_THAT(dashboard, ::testing::ContainsRegex(std::string("<svg[^>]* id=\"") + id + "\""))
        << id;
  }
  EXPECT_THAT(dashboard, HasSubstr("id=\"model-card\""));
  EXPECT_THAT(dashboard, HasSubstr("status-succeeded"));
  EXPECT_THAT(dashboard, ::testing::Not(HasSubstr("<script")));
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerSqliteTest, ::testing::Values(Backend::kSqlite),
                         BackendTestName());

}  // namespace
}  // namespace bankscore::testing
