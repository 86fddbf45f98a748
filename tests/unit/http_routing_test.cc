// The HTTP service's plumbing without sockets: the router (patterns, 404, 405 with Allow) and the
// token rule (Bearer, Basic with the token as password, constant-time comparison's answers).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "bankscore/error.h"
#include "service/router.h"
#include "service/token_check.h"

namespace bankscore::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

HttpRequest Request(const std::string& method, const std::string& path) {
  HttpRequest request;
  request.method = method;
  request.path = path;
  return request;
}

Router MakeRouter() {
  Router router;
  router.Add("GET", "/v1/clients/{key}", [](const HttpRequest& r) {
    return TextResponse(200, "client " + r.path_params.at("key"));
  });
  router.Add("POST", "/v1/score", [](const HttpRequest&) { return TextResponse(200, "scored"); });
  router.Add("GET", "/", [](const HttpRequest&) { return TextResponse(200, "form"); });
  return router;
}

TEST(RouterTest, MatchesPatternsAndSetsParameters) {
  const Router router = MakeRouter();
  Router::Result r = router.Dispatch(Request("GET", "/v1/clients/42"));
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "client 42\n");
  EXPECT_EQ(r.route, "/v1/clients/{key}");
  EXPECT_EQ(router.Dispatch(Request("POST", "/v1/score")).response.body, "scored\n");
  EXPECT_EQ(router.Dispatch(Request("GET", "/")).response.body, "form\n");
}

TEST(RouterTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  const Router router = MakeRouter();
  for (const char* path : {"/v1/clients/", "/v1/clients/1/x", "/v1/score/", "/nope", "/v1"}) {
    Router::Result r = router.Dispatch(Request("GET", path));
    EXPECT_EQ(r.response.status, 404) << path;
    EXPECT_EQ(r.route, "unmatched") << path;
  }
  Router::Result r = router.Dispatch(Request("GET", "/v1/score"));
  EXPECT_EQ(r.response.status, 405);
  EXPECT_THAT(r.response.headers, ElementsAre(Pair("Allow", "POST")));
  EXPECT_THAT(r.response.body, HasSubstr("method GET is not allowed on /v1/score"));
  EXPECT_EQ(r.route, "/v1/score");
}

TEST(SplitPathTest, Segments) {
  EXPECT_THAT(SplitPath("/"), ElementsAre(""));
  EXPECT_THAT(SplitPath("/a/b"), ElementsAre("a", "b"));
  EXPECT_THAT(SplitPath("/a/b/"), ElementsAre("a", "b", ""));
}

TEST(TokenCheckTest, NoTokenAllowsEverything) {
  const TokenCheck open;
  EXPECT_FALSE(open.enabled());
  EXPECT_TRUE(open.Allows("", false));
  EXPECT_TRUE(open.Allows("Bearer anything", false));
}

TEST(TokenCheckTest, BearerTokenMustMatchExactly) {
  const TokenCheck check("s3cret-token");
  EXPECT_TRUE(check.enabled());
  EXPECT_TRUE(check.Allows("Bearer s3cret-token", false));
  EXPECT_TRUE(check.Allows("bearer s3cret-token", false));  // the scheme is case-insensitive
  EXPECT_FALSE(check.Allows("", false));
  EXPECT_FALSE(check.Allows("Bearer s3cret-toke", false));
  EXPECT_FALSE(check.Allows("Bearer s3cret-token2", false));
  EXPECT_FALSE(check.Allows("Bearer S3CRET-TOKEN", false));
  EXPECT_FALSE(check.Allows("s3cret-token", false));
  EXPECT_FALSE(check.Allows("Token s3cret-token", false));
}

TEST(TokenCheckTest, BasicAuthCarriesTheTokenAsPasswordForPagesOnly) {
  const TokenCheck check("s3cret-token");
  // base64("anyone:s3cret-token")
  const std::string basic = "Basic YW55b25lOnMzY3JldC10b2tlbg==";
  EXPECT_TRUE(check.Allows(basic, true));
  EXPECT_FALSE(check.Allows(basic, false));                    // the API wants Bearer
  EXPECT_FALSE(check.Allows("Basic YW55b25lOndyb25n", true));  // anyone:wrong
  EXPECT_FALSE(check.Allows("Basic !!!", true));               // not base64
  EXPECT_FALSE(check.Allows("Basic czNjcmV0LXRva2Vu", true));  // no user:password form
}

TEST(TokenCheckTest, Base64Decoding) {
  std::string out;
  EXPECT_TRUE(DecodeBase64("YW55b25lOnMzY3JldC10b2tlbg==", out));
  EXPECT_EQ(out, "anyone:s3cret-token");
  EXPECT_TRUE(DecodeBase64("", out));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(DecodeBase64("a", out));
  EXPECT_FALSE(DecodeBase64("ab$d", out));
}

TEST(TokenCheckTest, TokenFileIsReadAndTrimmedOrRefusedNamingTheKey) {
  const std::string path = ::testing::TempDir() + "bankscore-token-test";
  {
    std::ofstream out(path);
    out << "file-token\n";
  }
  EXPECT_TRUE(TokenCheck::FromFile(path).Allows("Bearer file-token", false));
  {
    std::ofstream out(path, std::ios::trunc);
    out << " \n";
  }
  EXPECT_THROW(
      {
        try {
          TokenCheck::FromFile(path);
        } catch (const ConfigError& e) {
          EXPECT_THAT(e.what(), HasSubstr("server.token_file: " + path + " holds no token"));
          throw;
        }
      },
      ConfigError);
  std::remove(path.c_str());
  try {
    TokenCheck::FromFile(path);
    FAIL() << "a missing token file was accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("server.token_file: cannot read " + path));
  }
}

}  // namespace
}  // namespace bankscore::service
