// ModelRegistry in temporary directories: versions are kept, identical content is found, `current`
// switches atomically (a reader racing promotions always loads a complete bundle), rollback walks
// back through history, prune never removes the current version, version names are checked
// before they become paths, and the layout before versions still loads and is moved into it.
#include "model/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "bankscore/error.h"
#include "common/files.h"
#include "fakes/synthetic_clients.h"

namespace bankscore::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A copy of the synthetic model under another version name; `numeric` picks one of two contents.
ModelBundle Bundle(const std::string& version, const std::string& created_at,
                   std::vector<std::string> numeric = {"age", "pdays"}) {
  ModelBundle bundle = LoadBundle(SyntheticModel(numeric).path);
  bundle.metadata.version = version;
  bundle.metadata.created_at = created_at;
  return bundle;
}

std::string ModelErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ModelError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ModelError";
  return "";
}

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest() {
    root_ = fs::path(::testing::TempDir()) /
            ("registry-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  ~RegistryTest() override { fs::remove_all(root_); }

  std::string Path() const { return root_.string(); }
  std::string History() const { return ReadFile(root_ / "history"); }

  // Adds versions a, b and c (oldest first, each its own content or threshold).
  void AddThree(ModelRegistry& registry) {
    registry.Add(Bundle("a", "2026-01-01T00:00:00Z"));
    registry.Add(Bundle("b", "2026-01-02T00:00:00Z", {"age"}));
    ModelBundle c = Bundle("c", "2026-01-03T00:00:00Z");
    c.metadata.threshold = 0.25;
    registry.Add(c);
  }

  fs::path root_;
};

TEST_F(RegistryTest, NoModelYetIsAModelErrorNamingTrain) {
  const ModelRegistry registry(Path());
  EXPECT_TRUE(registry.List().empty());
  EXPECT_FALSE(registry.CurrentVersion().has_value());
  EXPECT_THAT(ModelErrorOf([&] { ResolveModelDirectory(Path()); }), HasSubstr("bankscore train"));
}

// The content hash is checked before XGBoost reads model.json: XGBoost trusts what it parses and
// crashed on malformed models the bundle fuzz target made (tests/fuzz/README.md), so an edited
// model.json must be refused for its hash, whatever it holds.
TEST_F(RegistryTest, AnEditedModelFileIsRefusedForItsHashBeforeXgboostReadsIt) {
  fs::create_directories(root_);
  fs::copy(SyntheticModel().path, root_ / "bundle");
  WriteFileAtomic(root_ / "bundle" / "model.json", "{\"learner\": {\"split_type\": [0,00,]}}");
  EXPECT_THAT(ModelErrorOf([&] { LoadBundle((root_ / "bundle").string()); }),
              HasSubstr("does not match the content hash"));
}

TEST_F(RegistryTest, AddKeepsAVersionThatOnlyPromoteMakesCurrent) {
  ModelRegistry registry(Path());
  registry.Add(Bundle("v1", "2026-01-01T00:00:00Z"));
  EXPECT_TRUE(registry.Has("v1"));
  EXPECT_FALSE(registry.CurrentVersion().has_value());
  EXPECT_THROW(ResolveModelDirectory(Path()), ModelError);

  registry.Promote("v1");
  EXPECT_EQ(registry.CurrentVersion(), "v1");
  EXPECT_TRUE(fs::is_symlink(root_ / "current"));
  EXPECT_EQ(fs::read_symlink(root_ / "current"), fs::path("versions/v1"));
  EXPECT_EQ(ResolveModelDirectory(Path()), (root_ / "versions" / "v1").string());
  EXPECT_EQ(LoadBundle(ResolveModelDirectory(Path())).metadata.version, "v1");
  EXPECT_EQ(History(), "v1\n");

  registry.Promote("v1");  // already current: history unchanged
  EXPECT_EQ(History(), "v1\n");
}

TEST_F(RegistryTest, AVersionIsWrittenOnce) {
  ModelRegistry registry(Path());
  registry.Add(Bundle("v1", "2026-01-01T00:00:00Z"));
  EXPECT_THAT(ModelErrorOf([&] { registry.Add(Bundle("v1", "2026-01-02T00:00:00Z")); }),
              HasSubstr("already exists"));
  EXPECT_THAT(ModelErrorOf([&] { registry.Promote("v2"); }), HasSubstr("no model version v2"));
}

TEST_F(RegistryTest, ListsOldestFirstWithTheCurrentOneMarked) {
  ModelRegistry registry(Path());
  AddThree(registry);
  registry.Promote("b");
  fs::create_directories(root_ / "versions" / ".d.staging");  // being written: not listed
  std::vector<std::string> versions;
  std::vector<bool> current;
  for (const VersionEntry& e : registry.List()) {
    versions.push_back(e.metadata.version);
    current.push_back(e.current);
    EXPECT_EQ(e.problem, "");
  }
  EXPECT_THAT(versions, ElementsAre("a", "b", "c"));
  EXPECT_THAT(current, ElementsAre(false, true, false));

  // A directory that is not a whole version is listed with what is wrong with it.
  fs::create_directories(root_ / "versions" / "e");
  fs::create_directories(root_ / "versions" / "f");
  fs::copy(root_ / "versions" / "a" / "bundle.json", root_ / "versions" / "f");
  const std::vector<VersionEntry> entries = registry.List();
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].metadata.version, "e");
  EXPECT_THAT(entries[0].problem, HasSubstr("cannot read"));
  EXPECT_EQ(entries[1].metadata.version, "f");
  EXPECT_THAT(entries[1].problem, HasSubstr("bundle.json names version a"));
}

TEST_F(RegistryTest, IdenticalContentAndThresholdIsTheSameVersion) {
  ModelRegistry registry(Path());
  AddThree(registry);
  EXPECT_EQ(registry.FindIdentical(Bundle("new", "2026-02-01T00:00:00Z").metadata), "a");
  EXPECT_EQ(registry.FindIdentical(Bundle("new", "2026-02-01T00:00:00Z", {"age"}).metadata), "b");
  ModelBundle other_threshold = Bundle("new", "2026-02-01T00:00:00Z");
  other_threshold.metadata.threshold = 0.75;  // same booster, other labels: not the same model
  EXPECT_FALSE(registry.FindIdentical(other_threshold.metadata).has_value());
}

TEST_F(RegistryTest, RollbackWalksBackThroughTheVersionsThatWereCurrent) {
  ModelRegistry registry(Path());
  AddThree(registry);
  const auto accept = [](const std::string&) {};
  registry.Promote("a");
  registry.Promote("b");
  registry.Promote("c");
  EXPECT_EQ(registry.Rollback(accept), "b");
  EXPECT_EQ(registry.CurrentVersion(), "b");
  EXPECT_EQ(registry.Rollback(accept), "a");
  EXPECT_EQ(History(), "a\n");
  EXPECT_THAT(ModelErrorOf([&] { registry.Rollback(accept); }),
              HasSubstr("no earlier version to roll back to"));
  EXPECT_EQ(registry.CurrentVersion(), "a");
}

TEST_F(RegistryTest, RollbackRefusedByTheCheckChangesNothing) {
  ModelRegistry registry(Path());
  AddThree(registry);
  registry.Promote("a");
  registry.Promote("b");
  EXPECT_THROW(registry.Rollback([](const std::string& v) {
    if (v == "a") throw ConfigError("a reads other features");
  }),
               ConfigError);
  EXPECT_EQ(registry.CurrentVersion(), "b");
  EXPECT_EQ(History(), "a\nb\n");
}

TEST_F(RegistryTest, RollbackPassesOverVersionsRemovedSince) {
  ModelRegistry registry(Path());
  AddThree(registry);
  registry.Promote("a");
  registry.Promote("b");
  registry.Promote("c");
  fs::remove_all(root_ / "versions" / "b");  // by hand: prune would also clean the history
  EXPECT_EQ(registry.Rollback([](const std::string&) {}), "a");
}

TEST_F(RegistryTest, PruneKeepsTheNewestAndNeverTheCurrentOne) {
  ModelRegistry registry(Path());
  AddThree(registry);
  registry.Add(Bundle("d", "2026-01-04T00:00:00Z", {"age"}));
  registry.Promote("b");
  registry.Promote("a");  // the oldest is current
  EXPECT_THAT(registry.Prune(1), ElementsAre("b", "c"));
  EXPECT_TRUE(registry.Has("a"));
  EXPECT_TRUE(registry.Has("d"));
  EXPECT_EQ(registry.CurrentVersion(), "a");
  EXPECT_EQ(History(), "a\n");  // the removed versions are gone from history too
  EXPECT_THAT(registry.Prune(0), ElementsAre("d"));
  EXPECT_TRUE(registry.Prune(0).empty());
  EXPECT_EQ(LoadBundle(ResolveModelDirectory(Path())).metadata.version, "a");
}

TEST_F(RegistryTest, CurrentMustPointAtAVersion) {
  fs::create_directories(root_ / "elsewhere");
  fs::create_symlink("elsewhere", root_ / "current");
  EXPECT_THAT(ModelErrorOf([&] { ResolveModelDirectory(Path()); }),
              HasSubstr("not at a version in versions/"));
}

// A reader resolving and loading the current bundle in a loop while promotions switch it back
// and forth: every load succeeds, and the reader sees both versions (the race really happened).
TEST_F(RegistryTest, ReaderRacingPromotionsAlwaysLoadsACompleteBundle) {
  ModelRegistry registry(Path());
  registry.Add(Bundle("a", "2026-01-01T00:00:00Z"));
  registry.Add(Bundle("b", "2026-01-02T00:00:00Z", {"age"}));
  registry.Promote("a");
  std::atomic<bool> done{false}, failed{false};
  std::atomic<int> loads{0};
  std::set<std::string> seen;  // read after the reader has ended
  std::string failure;
  std::thread reader([&] {
    while (!done) {
      try {
        const ModelBundle bundle = LoadBundle(ResolveModelDirectory(Path()));
        seen.insert(bundle.metadata.version);
        ++loads;
      } catch (const std::exception& e) {
        failure = e.what();
        failed = true;
        return;
      }
    }
  });
  // Promotions go on until the reader has loaded enough bundles to have raced many of them (with
  // a deadline, so a stuck reader fails instead of hanging).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int i = 0; !failed && (i < 200 || loads < 50) && std::chrono::steady_clock::now() < deadline;
       ++i) {
    registry.Promote(i % 2 ? "a" : "b");
  }
  done = true;
  reader.join();
  EXPECT_EQ(failure, "");
  EXPECT_THAT(seen, ::testing::Contains("a"));
  EXPECT_THAT(seen, ::testing::Contains("b"));
}

TEST_F(RegistryTest, OldSingleBundleLayoutLoadsAndIsMovedIntoVersions) {
  const ModelBundle& model = *SyntheticModel().bundle;
  SaveBundle(model, Path());  // the layout before versions: the bundle in model.path itself
  EXPECT_EQ(ResolveModelDirectory(Path()), Path());

  ModelRegistry registry(Path());
  EXPECT_EQ(registry.MigrateLegacyLayout(), model.metadata.version);
  EXPECT_FALSE(fs::exists(root_ / "bundle.json"));
  EXPECT_FALSE(fs::exists(root_ / "model.json"));
  EXPECT_EQ(registry.CurrentVersion(), model.metadata.version);
  EXPECT_EQ(LoadBundle(ResolveModelDirectory(Path())).metadata.content_sha256,
            model.metadata.content_sha256);
  EXPECT_EQ(History(), model.metadata.version + "\n");
  EXPECT_FALSE(registry.MigrateLegacyLayout().has_value());  // nothing left to move
}

TEST_F(RegistryTest, OldBundleDirectoryNamedCurrentIsMovedIntoVersions) {
  const ModelBundle& model = *SyntheticModel().bundle;
  SaveBundle(model, (root_ / "current").string());  // model.path was models/current before
  EXPECT_EQ(ResolveModelDirectory(Path()), (root_ / "current").string());

  ModelRegistry registry(Path());
  EXPECT_EQ(registry.MigrateLegacyLayout(), model.metadata.version);
  EXPECT_TRUE(fs::is_symlink(root_ / "current"));
  EXPECT_EQ(LoadBundle(ResolveModelDirectory(Path())).metadata.version, model.metadata.version);
  EXPECT_EQ(registry.List().size(), 1u);
}

TEST_F(RegistryTest, DamagedOldBundleIsNotMoved) {
  SaveBundle(*SyntheticModel().bundle, Path());
  std::ofstream(root_ / "model.json", std::ios::app) << " ";
  ModelRegistry registry(Path());
  EXPECT_THAT(ModelErrorOf([&] { registry.MigrateLegacyLayout(); }),
              HasSubstr("cannot be moved into versions/"));
  EXPECT_TRUE(fs::exists(root_ / "bundle.json"));
}

// --- Version names ------------------------------------------------------------------------

struct NameCase {
  const char* label;  // the test's name
  std::string version;
};

std::string NameCaseLabel(const ::testing::TestParamInfo<NameCase>& param) {
  return param.param.label;
}

class BadVersionNameTest : public ::testing::TestWithParam<NameCase> {};

TEST_P(BadVersionNameTest, IsRefusedBeforeItBecomesAPath) {
  EXPECT_THAT(ModelErrorOf([] { ValidateVersionName(GetParam().version); }),
              HasSubstr("is not a model version"));
  const ModelRegistry registry("unused-models");
  EXPECT_THROW(registry.VersionDirectory(GetParam().version), ModelError);
  EXPECT_THROW(registry.Has(GetParam().version), ModelError);
}

INSTANTIATE_TEST_SUITE_P(Names, BadVersionNameTest,
                         ::testing::Values(NameCase{"empty", ""}, NameCase{"dot", "."},
                                           NameCase{"dotdot", ".."}, NameCase{"parent", "../x"},
                                           NameCase{"deeper", "../../etc/passwd"},
                                           NameCase{"slash", "a/b"}, NameCase{"absolute", "/tmp/x"},
                                           NameCase{"hidden", ".lock"},
                                           NameCase{"inner_dotdot", "a..b"},
                                           NameCase{"space", "a b"}, NameCase{"newline", "a\nb"},
                                           NameCase{"non_ascii", "v\xc3\xa9"},
                                           NameCase{"too_long", std::string(129, 'a')}),
                         NameCaseLabel);

TEST(VersionNameTest, VersionsAsTrainNamesThemAreAccepted) {
  EXPECT_NO_THROW(ValidateVersionName("20261122T101500Z-3fa9c2d1e0b7"));
  EXPECT_NO_THROW(ValidateVersionName("v1.2_3-rc"));
  EXPECT_NO_THROW(ValidateVersionName(std::string(128, 'a')));
}

}  // namespace
}  // namespace bankscore::testing
