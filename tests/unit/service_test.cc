// The HTTP service as a function from request to response (service/service.h), over a
// FakeDatabase and a small real model: a client scored through the API gets exactly the
// probability a batch run stored for the same row; every refusal is a 4xx naming the field;
// nothing is written; the token rule; readiness; the pages; /metrics in the exposition format
// with counters that move after a run.
#include "service/service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/text.h"
#include "fakes/fake_database.h"
#include "fakes/synthetic_clients.h"
#include "jobs/scorer.h"
#include "model/reasons.h"
#include "service/api_handlers.h"
#include "service/dashboard_page.h"
#include "service/form_page.h"
#include "support/prometheus_format.h"

namespace bankscore::service {
namespace {

using nlohmann::json;
using testing::FakeDatabase;
using ::testing::HasSubstr;
using ::testing::Not;

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() : config_(MakeConfig()), db_(config_) {
    testing::AddClients(db_, 1, 40);
    db_.EnsureResultsSchema();
  }

  static Config MakeConfig() {
    testing::ClientsSettings settings;
    settings.model_path = testing::SyntheticModel().path;
    return testing::ClientsConfig(settings);
  }

  std::unique_ptr<Service> MakeService(bool publish = true) {
    auto service = std::make_unique<Service>(config_, db_.Opener(), testing::QuietLogger());
    if (publish) service->state().Publish(testing::SharedSyntheticModel(), config_.scoring);
    return service;
  }

  RunSummary ScoreRun() {
    auto lock = db_.TryLockScorer(false, std::chrono::milliseconds(0), nullptr);
    EXPECT_NE(lock, nullptr);
    return ScoreNewRows(db_, *lock, config_, *testing::SharedSyntheticModel(), ScoreOptions{},
                        testing::QuietLogger());
  }

  static HttpRequest Get(const std::string& path) {
    HttpRequest request;
    request.method = "GET";
    request.path = path;
    return request;
  }
  static HttpRequest Post(const std::string& path, const std::string& body) {
    HttpRequest request = Get(path);
    request.method = "POST";
    request.body = body;
    return request;
  }

  Config config_;
  FakeDatabase db_;
};

TEST_F(ServiceTest, ScoredClientsEqualTheBatchRunsStoredPredictions) {
  ScoreRun();
  auto service = MakeService();
  const RowBatch rows = testing::SyntheticClients(1, 40);
  json request = {{"clients", json::array()}};
  for (std::size_t i = 0; i < rows.rows.size(); ++i) {
    request["clients"].push_back(testing::ClientRequestJson(rows, i));
  }
  const HttpResponse response = service->Handle(Post("/v1/score", request.dump()));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.content_type, kJsonType);
  const json answer = json::parse(response.body);
  const auto stored = db_.Predictions();
  ASSERT_EQ(answer.at("clients").size(), stored.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const json& c = answer["clients"][i];
    EXPECT_EQ(c.at("id").get<std::int64_t>(), stored[i].key);
    EXPECT_NEAR(c.at("probability").get<double>(), stored[i].probability, 1e-12);
    EXPECT_EQ(c.at("label").get<int>(), stored[i].label);
    EXPECT_EQ(c.at("threshold").get<double>(), stored[i].threshold);
    EXPECT_EQ(c.at("model_version").get<std::string>(), stored[i].model_version);
    // The run's reasons (scoring.explain_top: 3 by default), from the same code.
    ASSERT_EQ(c.at("reasons").size(), 3u);
    std::string line;
    for (const json& r : c["reasons"]) {
      AppendReason(line, r.at("feature").get<std::string>(), r.at("value").get<std::string>(),
                   r.at("contribution").get<double>());
    }
    EXPECT_EQ(line, stored[i].top_reasons);
    EXPECT_FALSE(c.contains("segment"));  // no segments yet (issue 14)
  }
  // One client alone: the object itself.
  const HttpResponse one =
      service->Handle(Post("/v1/score", testing::ClientRequestJson(rows, 0).dump()));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_NEAR(json::parse(one.body).at("probability").get<double>(), stored[0].probability, 1e-12);
  // Nothing was written: no run, no prediction.
  EXPECT_EQ(db_.Runs().size(), 1u);
  EXPECT_EQ(db_.Calls(FakeDatabase::Method::kWriteBatch), 1);
}

TEST_F(ServiceTest, EveryRefusalIsA4xxWithAJsonErrorNamingTheField) {
  auto service = MakeService();
  struct Case {
    HttpRequest request;
    int status;
    std::string field;
  };
  const std::vector<Case> cases = {
      {Post("/v1/score", "{\"age\": "), 400, ""},
      {Post("/v1/score", R"({"age": "forty"})"), 400, "age"},
      {Post("/v1/score", R"({"job": 7})"), 400, "job"},
      {Post("/v1/score", R"({"salary": 1})"), 400, "salary"},
      {Post("/v1/score", R"({"y": "yes"})"), 400, "y"},
      {Post("/v1/score", R"({"clients": [{"age": 1}, {"pdays": "x"}]})"), 400, "clients[1].pdays"},
      {Post("/v1/score", "{\"clients\": [" + std::string(1000, ' ') + "]}"), 400, "clients"},
      {Get("/v1/clients/abc"), 400, "key"},
      {Get("/v1/clients/99999"), 404, "key"},
      {Get("/v1/nothing"), 404, "path"},
      {Get("/v1/score"), 405, ""},
  };
  for (const Case& c : cases) {
    const HttpResponse response = service->Handle(c.request);
    SCOPED_TRACE(c.request.method + " " + c.request.path + " " + c.request.body);
    EXPECT_EQ(response.status, c.status) << response.body;
    const json body = json::parse(response.body);
    EXPECT_FALSE(body.at("error").get<std::string>().empty());
    if (!c.field.empty()) {
      EXPECT_EQ(body.at("field"), c.field);
    }
  }
  std::string many = "{\"clients\": [";
  for (int i = 0; i < 1001; ++i) many += std::string(i ? "," : "") + "{}";
  const HttpResponse too_many = service->Handle(Post("/v1/score", many + "]}"));
  EXPECT_EQ(too_many.status, 400);
  EXPECT_THAT(too_many.body, HasSubstr("expected 1 to 1000 clients, got 1001"));
  EXPECT_EQ(db_.Runs().size(), 0u);
}

TEST_F(ServiceTest, StoredPredictionOfAClient) {
  ScoreRun();
  auto service = MakeService();
  const HttpResponse response = service->Handle(Get("/v1/clients/7"));
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = json::parse(response.body);
  const auto stored = db_.Predictions()[6];
  EXPECT_EQ(body.at("id"), 7);
  EXPECT_EQ(body.at("probability").get<double>(), stored.probability);
  EXPECT_EQ(body.at("run_id"), 1);
}

TEST_F(ServiceTest, ModelDescriptionHasCategoriesRangesThresholdAndMetrics) {
  auto service = MakeService();
  const HttpResponse response = service->Handle(Get("/v1/model"));
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = json::parse(response.body);
  EXPECT_EQ(body.at("model_version"), testing::SharedSyntheticModel()->metadata.version);
  EXPECT_EQ(body.at("threshold").get<double>(),
            testing::SharedSyntheticModel()->metadata.threshold);
  EXPECT_EQ(body.at("threshold_source"), "model");
  const json& features = body.at("features");
  ASSERT_EQ(features.size(), 3u);
  EXPECT_EQ(features[0].at("name"), "job");
  EXPECT_THAT(features[0].at("categories").get<std::vector<std::string>>(),
              ::testing::Contains("retired"));
  EXPECT_EQ(features[1].at("name"), "age");
  EXPECT_GE(features[1].at("min").get<double>(), 18);
  EXPECT_LE(features[1].at("max").get<double>(), 87);
  EXPECT_LE(features[2].at("max").get<double>(), 29);  // pdays without the 999 sentinel
  EXPECT_GT(body.at("test_metrics").at("roc_auc").get<double>(), 0.5);
  EXPECT_EQ(body.at("capabilities").at("reasons"), true);  // scoring.explain_top: 3 by default
  EXPECT_EQ(body.at("capabilities").at("explain_top"), 3);
}

TEST_F(ServiceTest, WithoutAModelTheModelEndpointsAnswer503AndReadyzSaysWhy) {
  auto service = MakeService(/*publish=*/false);
  service->state().ReportModelProblem("no bundle at models/m");
  EXPECT_EQ(service->Handle(Get("/healthz")).status, 200);
  const HttpResponse ready = service->Handle(Get("/readyz"));
  EXPECT_EQ(ready.status, 503);
  EXPECT_THAT(ready.body, HasSubstr("no model loaded: no bundle at models/m"));
  EXPECT_EQ(service->Handle(Post("/v1/score", "{}")).status, 503);
  EXPECT_EQ(service->Handle(Get("/v1/model")).status, 503);
  EXPECT_EQ(service->Handle(Get("/")).status, 503);
  service->state().Publish(testing::SharedSyntheticModel(), config_.scoring);
  EXPECT_EQ(service->Handle(Get("/readyz")).status, 200);
  EXPECT_EQ(service->Handle(Post("/v1/score", "{}")).status, 200);
}

TEST_F(ServiceTest, ReadyzIs503WhileTheDatabaseIsDown) {
  auto service = MakeService();
  db_.FailNext(FakeDatabase::Method::kOpen, FakeDatabase::Fault::kTransient);
  const HttpResponse down = service->Handle(Get("/readyz"));
  EXPECT_EQ(down.status, 503);
  EXPECT_THAT(down.body, HasSubstr("database unreachable"));
  EXPECT_EQ(service->Handle(Get("/readyz")).status, 200);  // reconnected
  // Scoring one client never needs the database.
  db_.FailNext(FakeDatabase::Method::kOpen, FakeDatabase::Fault::kTransient, 100);
  EXPECT_EQ(service->Handle(Post("/v1/score", R"({"age": 30})")).status, 200);
}

TEST_F(ServiceTest, TokenIsRequiredForTheApiAndPagesButNotForOps) {
  const std::string token_file = ::testing::TempDir() + "service-test-token";
  std::ofstream(token_file) << "tok3n\n";
  config_.server.token_file = token_file;
  auto service = MakeService();
  HttpResponse denied = service->Handle(Get("/v1/model"));
  EXPECT_EQ(denied.status, 401);
  EXPECT_THAT(denied.headers,
              ::testing::Contains(::testing::Pair("WWW-Authenticate", HasSubstr("Bearer"))));
  HttpRequest with_token = Get("/v1/model");
  with_token.headers["authorization"] = "Bearer tok3n";
  EXPECT_EQ(service->Handle(with_token).status, 200);
  with_token.headers["authorization"] = "Bearer tok3n ";
  EXPECT_EQ(service->Handle(with_token).status, 401);
  HttpResponse page = service->Handle(Get("/dashboard"));
  EXPECT_EQ(page.status, 401);
  EXPECT_THAT(page.headers,
              ::testing::Contains(::testing::Pair("WWW-Authenticate", HasSubstr("Basic"))));
  HttpRequest basic = Get("/dashboard");
  basic.headers["authorization"] = "Basic dXNlcjp0b2szbg==";  // user:tok3n
  EXPECT_EQ(service->Handle(basic).status, 200);
  EXPECT_EQ(service->Handle(Post("/v1/score", "{}")).status, 401);
  for (const char* open : {"/healthz", "/readyz", "/metrics"}) {
    EXPECT_EQ(service->Handle(Get(open)).status, 200) << open;
  }
}

TEST_F(ServiceTest, FormPageListsEveryFieldAndShowsTheScoredClient) {
  auto service = MakeService();
  const HttpResponse page = service->Handle(Get("/"));
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, kHtmlType);
  EXPECT_THAT(page.body, HasSubstr("<select id=\"f-job\" name=\"job\">"));
  EXPECT_THAT(page.body, HasSubstr("<option>retired</option>"));
  EXPECT_THAT(page.body, HasSubstr("id=\"f-age\" name=\"age\""));
  EXPECT_THAT(page.body, HasSubstr("id=\"f-pdays\" name=\"pdays\""));
  EXPECT_THAT(page.body, HasSubstr("999 = no value"));
  EXPECT_THAT(page.body, Not(HasSubstr("<script")));
  EXPECT_THAT(page.headers, ::testing::Contains(::testing::Pair("Content-Security-Policy",
                                                                HasSubstr("default-src 'none'"))));

  HttpRequest submitted = Get("/");
  submitted.query = {{"job", "retired"}, {"age", "65"}, {"pdays", "999"}};
  const HttpResponse result = service->Handle(submitted);
  ASSERT_EQ(result.status, 200);
  ClientInput client{std::nullopt, {std::string("retired"), 65.0, 999.0}};
  const ScoredClients expected =
      ScoreClients(*testing::SharedSyntheticModel(),
                   EffectiveDecision(*testing::SharedSyntheticModel(), config_.scoring),
                   config_.source, {client}, nullptr, config_.scoring.explain_top);
  EXPECT_THAT(result.body, HasSubstr("<output id=\"probability\" data-value=\"" +
                                     FormatDouble(expected.clients[0].probability) + "\">"));
  EXPECT_THAT(result.body, HasSubstr("<option selected>retired</option>"));

  submitted.query = {{"age", "old"}};
  const HttpResponse bad = service->Handle(submitted);
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("age: expected a number, got &#39;old&#39;"));
}

TEST_F(ServiceTest, ResultShowsReasonsAsABarChartAndTheSegmentWhenTheModelGivesThem) {
  ScoredClients scored{"v1", Decision{0.5}, {ClientResult{}}};
  scored.clients[0].probability = 0.7;
  scored.clients[0].label = 1;
  EXPECT_THAT(ScoreResultHtml(scored, 0), HasSubstr("scoring.explain_top is 0"));
  scored.clients[0].reasons = {{"poutcome", "success", 1.21}, {"contact", "telephone", -0.33}};
  scored.clients[0].segment = SegmentInfo{3, "retired, previous success"};
  const std::string html = ScoreResultHtml(scored, 0);
  EXPECT_THAT(html, HasSubstr("<svg id=\"reasons\""));
  EXPECT_THAT(html, HasSubstr("poutcome = success"));
  EXPECT_THAT(html, HasSubstr("Segment 3: retired, previous success"));
  const json api = ClientJson(scored.clients[0], scored, "client_id");
  EXPECT_EQ(api.at("reasons").size(), 2u);
  EXPECT_EQ(api.at("reasons")[0].at("feature"), "poutcome");
  EXPECT_EQ(api.at("segment").at("id"), 3);
}

TEST_F(ServiceTest, DashboardShowsRunsChartsAndTheScoreDistributionAfterTwoRuns) {
  auto service = MakeService();
  EXPECT_THAT(service->Handle(Get("/dashboard")).body, HasSubstr("No score run yet"));
  ScoreRun();
  testing::AddClients(db_, 41, 10);
  ScoreRun();
  const HttpResponse page = service->Handle(Get("/dashboard"));
  ASSERT_EQ(page.status, 200);
  for (const char* id :
       {"runs-rows", "runs-positive-rate", "runs-duration", "score-distribution"}) {
    EXPECT_THAT(page.body, HasSubstr(std::string("<svg id=\"") + id + "\"")) << id;
  }
  EXPECT_THAT(page.body, HasSubstr("Scores of run 2 (10 rows)"));
  EXPECT_THAT(page.body, HasSubstr("<td class=\"status-succeeded\">succeeded</td>"));
  EXPECT_THAT(page.body, HasSubstr(testing::SharedSyntheticModel()->metadata.version));
  EXPECT_THAT(page.body, Not(HasSubstr("nan")));
}

TEST_F(ServiceTest, RunTableShowsTheDriftSignsEachRunRecorded) {
  DashboardData data;
  RunInfo quiet;
  quiet.run_id = 1;
  quiet.kind = "score";
  quiet.status = "succeeded";
  RunInfo drifted = quiet;
  drifted.run_id = 2;
  drifted.unseen_categories = 3;
  drifted.out_of_training_range = 1200;
  drifted.column_counts =
      R"({"job": {"unseen": 1}, "month": {"unseen": 2}, "euribor3m": {"out_of_training_range": 1200}})";
  RunInfo running = quiet;
  running.run_id = 3;
  running.status = "running";
  data.runs = {running, drifted, quiet};
  const std::string html = DashboardHtml(data, ServingSnapshot{}, config_.source);
  EXPECT_THAT(html, HasSubstr("<th>drift signs</th>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"drift\">1,203 cells</td>"));
  EXPECT_THAT(html, HasSubstr("Drift signs: 3 cells of unseen categories (month 2, job 1); 1,200 "
                              "values beyond the training range (euribor3m 1,200)."));
  EXPECT_THAT(html, HasSubstr("<td class=\"muted\">none seen</td>"));
  // A run still going has recorded nothing yet; a broken column_counts only loses the columns;
  // a message goes below its run too.
  drifted.column_counts = "{not json";
  drifted.message = "stopped by SIGTERM";
  data.runs = {drifted};
  EXPECT_THAT(DashboardHtml(data, ServingSnapshot{}, config_.source),
              HasSubstr("Drift signs: 3 cells of unseen categories; 1,200 values beyond the "
                        "training range.</span> stopped by SIGTERM</td></tr>"));
}

TEST_F(ServiceTest, ValuesOutsideSourceRangesAreRefusedAsABatchRunRejectsThem) {
  config_.source.ranges = {{"age", {18.0, 100.0}}};
  auto service = MakeService();
  const HttpResponse refused = service->Handle(Post("/v1/score", R"({"age": 150})"));
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_THAT(json::parse(refused.body).at("error").get<std::string>(),
              HasSubstr("column 'age': 150 is outside source.ranges [18, 100]"));
  const HttpResponse many =
      service->Handle(Post("/v1/score", R"({"clients": [{"age": 40}, {"age": 7}]})"));
  EXPECT_EQ(many.status, 400) << many.body;
  EXPECT_EQ(json::parse(many.body).at("field"), "clients[1]");
  EXPECT_EQ(service->Handle(Post("/v1/score", R"({"age": 100})")).status, 200);
}

TEST_F(ServiceTest, MetricsFollowTheFormatAndCountersMoveAfterARun) {
  auto service = MakeService();
  ScoreRun();
  service->Handle(Post("/v1/score", "{}"));
  const auto scrape = [&] {
    const HttpResponse response = service->Handle(Get("/metrics"));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, kPrometheusType);
    testing::PrometheusScrape parsed = testing::ParsePrometheus(response.body);
    EXPECT_THAT(parsed.problems, ::testing::IsEmpty()) << response.body;
    return parsed;
  };
  const testing::PrometheusScrape before = scrape();
  EXPECT_EQ(before.samples.at("bankscore_rows_scored_total"), 40);
  EXPECT_EQ(before.samples.at("bankscore_runs{kind=\"score\",status=\"succeeded\"}"), 1);
  EXPECT_EQ(before.samples.at("bankscore_model_info{version=\"" +
                              testing::SharedSyntheticModel()->metadata.version +
                              "\",threshold_source=\"model\"}"),
            1);
  EXPECT_EQ(before.samples.at(
                "bankscore_http_requests_total{route=\"/v1/score\",method=\"POST\",code=\"200\"}"),
            1);
  EXPECT_EQ(before.samples.at("bankscore_database_up"), 1);
  testing::AddClients(db_, 41, 25);
  ScoreRun();
  const testing::PrometheusScrape after = scrape();
  EXPECT_EQ(after.samples.at("bankscore_rows_scored_total"), 65);
  EXPECT_EQ(after.samples.at("bankscore_runs{kind=\"score\",status=\"succeeded\"}"), 2);
  EXPECT_EQ(after.samples.at("bankscore_http_requests_total{route=\"/metrics\",method=\"GET\","
                             "code=\"200\"}"),
            1);
}

}  // namespace
}  // namespace bankscore::service
