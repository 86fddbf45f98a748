// The analyst reports end to end: load the 10% sample and train through the real binary, write
// both reports with ProfileCommand / ReportCommand, and render the pages in headless Chromium
// (Debian's `chromium`). Chromium is a test dependency: when /usr/bin/chromium is missing the
// rendering test FAILS, so a missing browser never hides a broken page.
//
// Set BANKSCORE_KEEP_REPORTS=DIR to keep the pages and screenshots for people to look at.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bankscore/commands.h"
#include "bankscore/error.h"
#include "integration/test_support.h"
#include "report/html_document.h"

namespace bankscore::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr std::uintmax_t kMinScreenshotBytes = 20 * 1024;

const std::vector<std::string> kModelChartIds = {
    "roc-curve",  "pr-curve",    "confusion-matrix",   "threshold-curve",
    "gains-lift", "calibration", "feature-importance", "score-distribution"};
const std::vector<std::string> kProfileChartIds = {
    "target-balance", "hist-age",   "rate-age",      "freq-job",         "rate-job",
    "freq-month",     "rate-month", "freq-poutcome", "rate-nr-employed", "hist-duration"};

bool HasBadNumber(const std::string& text) {
  static const std::regex bad(R"((^|[^A-Za-z])(nan|inf|infinity)([^A-Za-z]|$))", std::regex::icase);
  return std::regex_search(text, bad);
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ReportRenderTest : public ::testing::Test {
 protected:
  // One trained environment for the suite: loading and training take most of the time.
  static void SetUpTestSuite() {
    env_ = new TestEnvironment(Backend::kSqlite);
    CommandResult load =
        RunBankscore({"load", "--config", env_->config_path(), "--csv", SampleCsv()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    CommandResult train = RunBankscore({"train", "--config", env_->config_path()});
    ASSERT_EQ(train.exit_code, 0) << train.err;
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }

  int Profile(const fs::path& dir) {
    CommandContext ctx{env_->config(), NullLogger(), out_, nullptr, ""};
    return ProfileCommand(ctx, dir.string());
  }
  int Report(const fs::path& dir) {
    CommandContext ctx{env_->config(), NullLogger(), out_, nullptr, ""};
    return ReportCommand(ctx, dir.string());
  }

  // Checks one page's text, then renders it: a screenshot of real size and a DOM with the charts.
  void CheckPage(const fs::path& html_path, const std::vector<std::string>& ids) {
    SCOPED_TRACE(html_path.string());
    ASSERT_TRUE(fs::exists(html_path));
    const std::string html = ReadText(html_path);
    for (const std::string& id : ids) {
      EXPECT_THAT(html, HasSubstr("<svg id=\"" + id + "\"")) << id;
    }
    EXPECT_FALSE(HasBadNumber(html)) << "a page shows nan or inf";
    EXPECT_THAT(html, ::testing::Not(HasSubstr("<script")));

    fs::path md_path = html_path;
    md_path.replace_extension(".md");
    ASSERT_TRUE(fs::exists(md_path));
    const std::string md = ReadText(md_path);
    EXPECT_GT(md.size(), 1000u);
    EXPECT_FALSE(HasBadNumber(md));
    EXPECT_THAT(md, ::testing::Not(HasSubstr("<svg")));

    if (!fs::exists(kChromium)) {
      FAIL() << kChromium << " is missing: the report pages cannot be rendered. Install Debian's "
             << "chromium (apt-get install chromium; scripts/install-deps.sh does it).";
    }
    const fs::path png = html_path.parent_path() / (html_path.stem().string() + ".png");
    const auto [shot_code, shot_out] = RunHeadlessChromium(
        "file://" + fs::absolute(html_path).string(), "--screenshot=" + png.string(), env_->dir());
    ASSERT_EQ(shot_code, 0) << shot_out;
    ASSERT_TRUE(fs::exists(png)) << shot_out;
    EXPECT_GT(fs::file_size(png), kMinScreenshotBytes) << "screenshot looks blank: " << png;

    const auto [dom_code, dom] = RunHeadlessChromium("file://" + fs::absolute(html_path).string(),
                                                     "--dump-dom", env_->dir());
    ASSERT_EQ(dom_code, 0) << dom;
    for (const std::string& id : ids) {
      EXPECT_THAT(dom,
                  ::testing::ContainsRegex("<svg[^>]* id=\"" + id + "\"|<svg id=\"" + id + "\""))
          << id;
    }
    EXPECT_EQ(Count(dom, "<svg"), Count(html, "<svg")) << "the browser dropped charts";
    EXPECT_GT(Count(dom, "<polyline") + Count(dom, "<rect"), 20u);

    if (const char* keep = std::getenv("BANKSCORE_KEEP_REPORTS"); keep != nullptr && *keep) {
      fs::create_directories(keep);
      for (const fs::path& f : {html_path, md_path, png}) {
        fs::copy_file(f, fs::path(keep) / f.filename(), fs::copy_options::overwrite_existing);
      }
    }
  }

  static TestEnvironment* env_;
  std::ostringstream out_;
};

TestEnvironment* ReportRenderTest::env_ = nullptr;

TEST_F(ReportRenderTest, ProfilePageRendersWithItsCharts) {
  const fs::path dir = env_->dir() / "reports" / "profile";
  ASSERT_EQ(Profile(dir), 0);
  EXPECT_THAT(out_.str(), HasSubstr("profile.html"));
  EXPECT_THAT(out_.str(), HasSubstr("4119 rows"));
  CheckPage(dir / "profile.html", kProfileChartIds);
  const std::string md = ReadText(dir / "profile.md");
  EXPECT_THAT(md, HasSubstr("## Hypotheses the data suggests"));
  EXPECT_THAT(md, HasSubstr("Sentinel **pdays = 999**"));
  EXPECT_THAT(md, HasSubstr("**duration** is treated as known only with the outcome"));
  EXPECT_THAT(md, HasSubstr("| `y` | label |"));
  // The trained model is named on the page.
  EXPECT_THAT(md, ::testing::ContainsRegex("\\*\\*Model:\\*\\* version `[0-9]{8}T"));
}

TEST_F(ReportRenderTest, ModelReportRendersWithItsCharts) {
  const fs::path dir = env_->dir() / "reports" / "model";
  ASSERT_EQ(Report(dir), 0);
  EXPECT_THAT(out_.str(), HasSubstr("report.html"));
  CheckPage(dir / "report.html", kModelChartIds);
  const std::string md = ReadText(dir / "report.md");
  // The numbers agree with `bankscore evaluate` on the same bundle.
  CommandResult evaluate = RunBankscore({"evaluate", "--config", env_->config_path(), "--json"});
  ASSERT_EQ(evaluate.exit_code, 0) << evaluate.err;
  const auto metrics = nlohmann::json::parse(evaluate.out);
  char roc[32];
  std::snprintf(roc, sizeof roc, "| ROC AUC | %.4f |", metrics.at("roc_auc").get<double>());
  EXPECT_THAT(md, HasSubstr(roc));
  char f1[32];
  std::snprintf(f1, sizeof f1, "| F1 | %.4f |", metrics.at("f1").get<double>());
  EXPECT_THAT(md, HasSubstr(f1));
  // Calibration before and after, on the bundle the trainer made (isotonic by default).
  const std::string html = ReadText(dir / "report.html");
  EXPECT_THAT(html, HasSubstr(">calibrated (isotonic)</text>"));
  EXPECT_THAT(html, HasSubstr(">uncalibrated (booster output)</text>"));
  EXPECT_THAT(md, HasSubstr("| uncalibrated (booster output) |"));
  // The SHAP summary: a dependence plot for each of the 8 columns with the largest mean |SHAP|
  // (and one of its NULL and sentinel rows where a column has them; the browser drew every chart,
  // as CheckPage counted), and their table in the summary.
  EXPECT_THAT(html, HasSubstr("<section id=\"shap-summary\">"));
  EXPECT_THAT(html, HasSubstr("<svg id=\"shap-summary-8-"));
  EXPECT_THAT(html, ::testing::Not(HasSubstr("<svg id=\"shap-summary-9-")));
  EXPECT_THAT(html, HasSubstr(">contribution to log-odds</text>"));
  EXPECT_THAT(html, ::testing::Not(HasSubstr("SHAP summary chart is not available")));
  EXPECT_THAT(md, HasSubstr("## SHAP summary per source column (contribution against value)"));
  EXPECT_THAT(md, HasSubstr("| source column | values with the highest mean contribution |"));
}

// report.title and report.data_source reach both pages' header and footer.
TEST_F(ReportRenderTest, ConfiguredTitleAndDataSourceAreShown) {
  Config config = env_->config();
  config.report = {"Term deposits, spring 2026", "CRM extract of 2026-03-01"};
  CommandContext ctx{config, NullLogger(), out_, nullptr, ""};
  const fs::path dir = env_->dir() / "reports" / "titled";
  ASSERT_EQ(ReportCommand(ctx, dir.string()), 0);
  ASSERT_EQ(ProfileCommand(ctx, dir.string()), 0);
  for (const char* page : {"report.md", "profile.md"}) {
    const std::string md = ReadText(dir / page);
    EXPECT_THAT(md, HasSubstr("# Term deposits, spring 2026: ")) << page;
    EXPECT_THAT(md, HasSubstr("- **Data:** CRM extract of 2026-03-01; table `bank_clients`"))
        << page;
    EXPECT_THAT(md, ::testing::Not(HasSubstr("Moro"))) << page;
  }
}

TEST_F(ReportRenderTest, RewritingReplacesThePages) {
  const fs::path dir = env_->dir() / "reports" / "again";
  ASSERT_EQ(Report(dir), 0);
  ASSERT_EQ(Report(dir), 0);
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    ++files;
    EXPECT_NE(entry.path().filename().string()[0], '.') << "temporary file left behind";
  }
  EXPECT_EQ(files, 2u);
}

TEST_F(ReportRenderTest, UnwritableOutputDirectoryNamesThePath) {
  const fs::path blocker = env_->dir() / "not-a-directory";
  { std::ofstream(blocker) << "x"; }
  const fs::path dir = blocker / "reports";
  try {
    Report(dir);
    ADD_FAILURE() << "no exception";
  } catch (const ReportOutputError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr(dir.string()));
  }
  EXPECT_THROW(Profile(dir), ReportOutputError);
}

// Fresh environments: nothing loaded, nothing trained.
TEST(ReportErrorsTest, NoModelIsAModelErrorAndNoTableIsAConfigError) {
  TestEnvironment env(Backend::kSqlite);
  std::ostringstream out;
  CommandContext ctx{env.config(), NullLogger(), out, nullptr, ""};
  const std::string dir = (env.dir() / "reports").string();
  EXPECT_THROW(ReportCommand(ctx, dir), ModelError);
  env.Open();  // an empty database (a missing SQLite file is refused first: cli_errors_test.cc)
  try {
    ProfileCommand(ctx, dir);
    ADD_FAILURE() << "no exception";
  } catch (const ConfigError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("bank_clients"));
  }
}

}  // namespace
}  // namespace bankscore::testing
