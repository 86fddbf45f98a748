// What POST /v1/score and the form accept, and how each mistake is named (client_input.h).
#include "service/client_input.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace bankscore::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

SourceConfig Source() {
  SourceConfig source;
  source.key = "client_id";
  source.label = "y";
  source.categorical = {"job"};
  source.numeric = {"age", "pdays"};
  return source;
}

// The InputError of `body`: "message|field".
std::string ErrorOf(const std::string& body, std::size_t max_clients = 1000) {
  try {
    ParseScoreRequest(body, Source(), max_clients);
  } catch (const InputError& e) {
    return std::string(e.what()) + "|" + e.field();
  }
  ADD_FAILURE() << "accepted: " << body;
  return "";
}

TEST(ClientInputTest, OneClientWithMissingColumnsAsNull) {
  const ScoreRequest r = ParseScoreRequest(R"({"job": "admin.", "age": 41})", Source());
  EXPECT_FALSE(r.many);
  ASSERT_EQ(r.clients.size(), 1u);
  EXPECT_FALSE(r.clients[0].key.has_value());
  EXPECT_THAT(r.clients[0].features,
              ElementsAre(Value(std::string("admin.")), Value(std::int64_t{41}), Value()));
}

TEST(ClientInputTest, ManyClientsWithKeysRealsAndNulls) {
  const ScoreRequest r = ParseScoreRequest(
      R"({"clients": [{"client_id": 7, "age": 30.5, "pdays": null}, {"job": null}]})", Source());
  EXPECT_TRUE(r.many);
  ASSERT_EQ(r.clients.size(), 2u);
  EXPECT_EQ(r.clients[0].key, 7);
  EXPECT_THAT(r.clients[0].features, ElementsAre(Value(), Value(30.5), Value()));
  EXPECT_THAT(r.clients[1].features, ElementsAre(Value(), Value(), Value()));
}

TEST(ClientInputTest, EveryMistakeIsNamed) {
  EXPECT_THAT(ErrorOf("{"), HasSubstr("malformed JSON"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("malformed JSON"));
  EXPECT_THAT(ErrorOf("[1]"), HasSubstr("the request: expected an object"));
  EXPECT_EQ(ErrorOf(R"({"age": "forty"})"),
            "age: expected a number or null, got a string \"forty\"|age");
  EXPECT_EQ(ErrorOf(R"({"age": true})"), "age: expected a number or null, got true|age");
  EXPECT_EQ(ErrorOf(R"({"job": 3})"),
            "job: expected a string (a category) or null, got a number 3|job");
  EXPECT_EQ(ErrorOf(R"({"duration": 10})"),
            "duration: unknown column 'duration': not one the model uses (GET /v1/model lists "
            "them)|duration");
  EXPECT_EQ(ErrorOf(R"({"y": "yes"})"), "y: 'y' is the label the model predicts; leave it out|y");
  EXPECT_EQ(ErrorOf(R"({"client_id": "x"})"),
            "client_id: expected an integer key, got a string \"x\"|client_id");
  EXPECT_EQ(ErrorOf(R"({"clients": [{"age": 1}, {"age": []}]})"),
            "clients[1].age: expected a number or null, got a list []|clients[1].age");
  EXPECT_EQ(ErrorOf(R"({"clients": []})"), "clients: expected 1 to 1000 clients, got 0|clients");
  EXPECT_EQ(ErrorOf(R"({"clients": [{}, {}, {}]})", 2),
            "clients: expected 1 to 2 clients, got 3|clients");
  EXPECT_EQ(ErrorOf(R"({"clients": {}})"),
            "clients: expected a list of client objects, got an object|clients");
  EXPECT_EQ(ErrorOf(R"({"clients": [5]})"),
            "clients[0]: expected an object of column values, got a number|clients[0]");
  EXPECT_THAT(ErrorOf(R"({"clients": [], "age": 1})"), HasSubstr("not both|clients"));
  EXPECT_THAT(ErrorOf(R"({"clients": [{"age": [[[1]]]}]})"), HasSubstr("nested too deeply"));
  EXPECT_THAT(ErrorOf(std::string(100000, '[')), HasSubstr("nested too deeply"));
}

TEST(ClientInputTest, FormFieldsEmptyMeansNullAndNumbersMustParse) {
  HttpRequest request;
  request.query = {{"job", "admin."}, {"age", "41"}, {"pdays", ""}, {"submit", "x"}};
  EXPECT_TRUE(HasClientFields(request, Source()));
  const ClientInput client = ClientFromQuery(request, Source());
  EXPECT_THAT(client.features, ElementsAre(Value(std::string("admin.")), Value(41.0), Value()));
  request.query = {{"age", "forty"}};
  try {
    ClientFromQuery(request, Source());
    FAIL() << "accepted age=forty";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "age: expected a number, got 'forty'");
    EXPECT_EQ(e.field(), "age");
  }
  request.query = {{"client_id", "5"}};
  EXPECT_FALSE(HasClientFields(request, Source()));
}

}  // namespace
}  // namespace bankscore::service
