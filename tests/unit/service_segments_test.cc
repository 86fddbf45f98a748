// The HTTP service's customer segments (issue 14) over a FakeDatabase and a small real model: once
// a segmentation is published, POST /v1/score and the form give each client the segment its
// values fall in, GET /v1/clients/{key} the stored one, /v1/model names the segmentation, and the
// dashboard has the segments panel; a refresh that fails keeps the last segmentation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "common/text.h"
#include "fakes/fake_database.h"
#include "fakes/synthetic_clients.h"
#include "jobs/scorer.h"
#include "jobs/segmenter.h"
#include "service/service.h"

namespace bankscore::service {
namespace {

using nlohmann::json;
using testing::FakeDatabase;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kSegmentedClients = 60;

Config SegmentsConfig() {
  testing::ClientsSettings settings;
  settings.model_path = testing::SyntheticModel().path;
  Config config = testing::ClientsConfig(settings);
  config.segmentation.categorical = config.source.categorical;
  config.segmentation.numeric = config.source.numeric;
  config.segmentation.k_min = 2;
  config.segmentation.k_max = 3;
  config.segmentation.n_init = 2;
  config.segmentation.sample = 50;
  config.segmentation.silhouette_sample = 50;
  return config;
}

HttpRequest MakeRequest(const std::string& method, const std::string& path, std::string body = "") {
  HttpRequest request;
  request.method = method;
  request.path = path;
  request.body = std::move(body);
  return request;
}

class ServiceSegmentsTest : public ::testing::Test {
 protected:
  ServiceSegmentsTest() : config_(SegmentsConfig()), db_(config_) {
    testing::AddClients(db_, 1, kSegmentedClients);
    db_.EnsureResultsSchema();
    auto lock = db_.TryLockScorer(false, std::chrono::milliseconds(0), nullptr);
    ScoreNewRows(db_, *lock, config_, *testing::SharedSyntheticModel(), ScoreOptions{},
                 testing::QuietLogger());
    service_ = std::make_unique<Service>(config_, db_.Opener(), testing::QuietLogger());
    service_->state().Publish(testing::SharedSyntheticModel(), config_.scoring);
  }

  // Segments every client and publishes the segmentation; returns key -> stored segment.
  std::map<std::int64_t, SegmentAssignment> Segment() {
    summary_ = SegmentCustomers(db_, config_, {}, testing::QuietLogger());
    service_->RefreshSegments();
    std::map<std::int64_t, SegmentAssignment> stored;
    for (const SegmentAssignment& a : db_.StoredSegments(summary_.model.version)) {
      stored[a.key] = a;
    }
    return stored;
  }

  std::string Description(int segment) const {
    return summary_.profiles.segments.at(static_cast<std::size_t>(segment - 1)).description;
  }

  Config config_;
  FakeDatabase db_;
  std::unique_ptr<Service> service_;
  SegmentRunSummary summary_;
};

TEST_F(ServiceSegmentsTest, ScoredClientsGetTheSegmentTheirStoredRowHas) {
  const RowBatch rows = testing::SyntheticClients(1, kSegmentedClients);
  json request = {{"clients", json::array()}};
  for (std::size_t i = 0; i < rows.rows.size(); ++i) {
    request["clients"].push_back(testing::ClientRequestJson(rows, i));
  }
  const HttpResponse before = service_->Handle(MakeRequest("POST", "/v1/score", request.dump()));
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_FALSE(json::parse(before.body)["clients"][0].contains("segment"));

  const auto stored = Segment();
  const HttpResponse response = service_->Handle(MakeRequest("POST", "/v1/score", request.dump()));
  ASSERT_EQ(response.status, 200) << response.body;
  const json answer = json::parse(response.body);
  ASSERT_EQ(answer.at("clients").size(), static_cast<std::size_t>(kSegmentedClients));
  for (const json& client : answer["clients"]) {
    const std::int64_t key = client.at("id").get<std::int64_t>();
    const int segment = client.at("segment").at("id").get<int>();
    EXPECT_EQ(segment, stored.at(key).segment) << key;
    EXPECT_EQ(client["segment"].at("description").get<std::string>(), Description(segment));
  }
}

TEST_F(ServiceSegmentsTest, AStoredClientComesWithItsStoredSegment) {
  const auto stored = Segment();
  const HttpResponse response = service_->Handle(MakeRequest("GET", "/v1/clients/7"));
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = json::parse(response.body);
  EXPECT_EQ(body.at("segment").at("id").get<int>(), stored.at(7).segment);
  EXPECT_NEAR(body["segment"].at("distance").get<double>(), stored.at(7).distance, 1e-12);
  EXPECT_EQ(body["segment"].at("description").get<std::string>(),
            Description(stored.at(7).segment));
}

TEST_F(ServiceSegmentsTest, TheModelDescriptionNamesTheSegmentation) {
  json model = json::parse(service_->Handle(MakeRequest("GET", "/v1/model")).body);
  EXPECT_FALSE(model.at("capabilities").at("segments").get<bool>());
  EXPECT_FALSE(model.contains("segmentation"));
  Segment();
  model = json::parse(service_->Handle(MakeRequest("GET", "/v1/model")).body);
  EXPECT_TRUE(model.at("capabilities").at("segments").get<bool>());
  EXPECT_EQ(model.at("segmentation").at("version"), summary_.model.version);
  EXPECT_EQ(model["segmentation"].at("k"), summary_.model.k);
}

TEST_F(ServiceSegmentsTest, TheDashboardHasASegmentsPanelAndTheFormShowsTheSegment) {
  EXPECT_THAT(service_->Handle(MakeRequest("GET", "/dashboard")).body,
              HasSubstr("No customer segmentation yet"));
  const auto stored = Segment();
  const HttpResponse page = service_->Handle(MakeRequest("GET", "/dashboard"));
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("<h2 id=\"customer-segments\">Customer segments</h2>"));
  EXPECT_THAT(page.body,
              HasSubstr("<code id=\"segmentation-version\">" + summary_.model.version + "</code>"));
  for (const char* id : {"segment-sizes", "segment-rates", "segment-probability", "pca-scatter"}) {
    EXPECT_THAT(page.body, HasSubstr(std::string("<svg id=\"") + id + "\"")) << id;
  }
  EXPECT_THAT(page.body, HasSubstr("<table id=\"segments\">"));
  EXPECT_THAT(page.body, Not(HasSubstr("nan")));

  HttpRequest form = MakeRequest("GET", "/");
  const RowBatch rows = testing::SyntheticClients(3, 1);
  form.query = {{"job", ValueText(rows.rows[0][1])},
                {"age", ValueText(rows.rows[0][2])},
                {"pdays", ValueText(rows.rows[0][3])}};
  const int segment = stored.at(3).segment;
  EXPECT_THAT(service_->Handle(form).body, HasSubstr("Segment " + std::to_string(segment) + ": "));
}

TEST_F(ServiceSegmentsTest, ARefreshThatFailsKeepsTheLastSegmentation) {
  Segment();
  db_.FailNext(FakeDatabase::Method::kTableExists, FakeDatabase::Fault::kPermanent);
  service_->RefreshSegments();
  const json model = json::parse(service_->Handle(MakeRequest("GET", "/v1/model")).body);
  EXPECT_EQ(model.at("segmentation").at("version"), summary_.model.version);
}

}  // namespace
}  // namespace bankscore::service
