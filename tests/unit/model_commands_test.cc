// The `models` commands as functions over a registry in a temporary directory: what they print,
// what they refuse (a version trained on another source table), and the layout before versions
// (listed as such, moved into versions/ by the first command that changes the registry).
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "bankscore/commands.h"
#include "bankscore/error.h"
#include "fakes/synthetic_clients.h"
#include "model/registry.h"

namespace bankscore::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;

class ModelCommandsTest : public ::testing::Test {
 protected:
  ModelCommandsTest() {
    fs::remove_all(root_);
    ClientsSettings settings;
    settings.model_path = root_.string();
    config_ = ClientsConfig(settings);
  }
  ~ModelCommandsTest() override { fs::remove_all(root_); }

  CommandContext Context() { return CommandContext{config_, QuietLogger(), out_, nullptr, ""}; }

  // The synthetic model kept as `version`, made current when `current`.
  void Keep(const std::string& version, bool current) {
    ModelBundle bundle = LoadBundle(SyntheticModel().path);
    bundle.metadata.version = version;
    ModelRegistry registry(root_.string());
    registry.Add(bundle);
    if (current) registry.Promote(version);
  }

  fs::path root_ = fs::path(::testing::TempDir()) /
                   ("model-commands-" + std::to_string(::getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
  Config config_;
  std::ostringstream out_;
};

TEST_F(ModelCommandsTest, ListShowsEachVersionWithItsTestFiguresAndMarksTheCurrentOne) {
  Keep("v1", true);
  Keep("v2", false);
  EXPECT_EQ(ModelsListCommand(Context()), 0);
  const ModelMetadata& m = SyntheticModel().bundle->metadata;
  const std::string auc = fmt::format("{:.4f}", m.test_metrics.at("roc_auc").get<double>());
  EXPECT_THAT(
      out_.str(),
      AllOf(HasSubstr("version"), HasSubstr("created"), HasSubstr("rows"), HasSubstr("ROC AUC"),
            HasSubstr("PR AUC"), HasSubstr("F1"), HasSubstr("threshold"), HasSubstr("  *  v1  "),
            HasSubstr("     v2  "), HasSubstr(auc),
            HasSubstr(std::to_string(m.original_training_rows + m.validation_rows + m.test_rows))));
}

TEST_F(ModelCommandsTest, ListWithoutModelsSaysHowToTrainOne) {
  EXPECT_EQ(ModelsListCommand(Context()), 0);
  EXPECT_THAT(out_.str(), HasSubstr("no model versions in " + root_.string() + " yet"));
}

TEST_F(ModelCommandsTest, PromoteRefusesAVersionTrainedOnAnotherTable) {
  Keep("v1", false);
  config_.source.table = "other_clients";
  try {
    ModelsPromoteCommand(Context(), "v1");
    ADD_FAILURE() << "promoted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(std::string(e.what()),
                HasSubstr("source.table: model version v1 was trained on table 'clients' but the "
                          "config's source is 'other_clients'; it cannot be made current"));
  }
  EXPECT_FALSE(ModelRegistry(root_.string()).CurrentVersion().has_value());
}

TEST_F(ModelCommandsTest, PromoteSaysWhatWasCurrentAndUnknownVersionsAreNamed) {
  Keep("v1", true);
  Keep("v2", false);
  EXPECT_EQ(ModelsPromoteCommand(Context(), "v2"), 0);
  EXPECT_THAT(out_.str(), HasSubstr("model v2 is now current (was v1)"));
  EXPECT_EQ(ModelsPromoteCommand(Context(), "v2"), 0);
  EXPECT_THAT(out_.str(), HasSubstr("model v2 is already current"));
  EXPECT_THROW(ModelsPromoteCommand(Context(), "v3"), ModelError);
}

TEST_F(ModelCommandsTest, OldLayoutIsListedAsSuchAndMovedByTheNextChange) {
  const ModelBundle& model = *SyntheticModel().bundle;
  SaveBundle(model, root_.string());
  EXPECT_EQ(ModelsListCommand(Context()), 0);
  EXPECT_THAT(out_.str(),
              HasSubstr("holds one model, " + model.metadata.version + " (trained " +
                        model.metadata.created_at + "), in the layout before versions"));
  EXPECT_EQ(ModelsPruneCommand(Context(), 5), 0);
  EXPECT_THAT(out_.str(), AllOf(HasSubstr("moved model " + model.metadata.version + " into"),
                                HasSubstr("nothing to remove: 1 version(s) kept")));
  EXPECT_EQ(ModelRegistry(root_.string()).CurrentVersion(), model.metadata.version);
  EXPECT_EQ(LoadConfiguredModel(config_).metadata.version, model.metadata.version);
}

}  // namespace
}  // namespace bankscore::testing
