#include "model/registry.h"

#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <tuple>

#include "bankscore/error.h"
#include "common/file_lock.h"
#include "common/files.h"

namespace bankscore {

namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxVersionLength = 128;
constexpr const char* kVersionsDir = "versions";
constexpr const char* kCurrentLink = "current";
constexpr const char* kHistoryFile = "history";
constexpr const char* kLockFile = ".lock";
constexpr const char* kLegacyAside = ".current-before-versions";
constexpr const char* kBundleFiles[] = {"model.json", "bundle.json"};

bool IsVersionName(const std::string& name) {
  if (name.empty() || name.size() > kMaxVersionLength || name[0] == '.') return false;
  if (name.find("..") != std::string::npos) return false;
  // Explicit ranges rather than std::isalnum, whose answer depends on the locale.
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// The version a `current` link points at; its target is always "versions/<version>".
std::string VersionOfLink(const fs::path& link) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(link, ec);
  if (ec) throw ModelError("cannot read the link " + link.string() + ": " + ec.message());
  const std::string version = target.filename().string();
  if (target.parent_path() != kVersionsDir || !IsVersionName(version)) {
    throw ModelError(link.string() + " points at '" + target.string() + "', not at a version in " +
                     kVersionsDir + "/; point it at one with bankscore models promote VERSION");
  }
  return version;
}

bool IsSymlink(const fs::path& path) {
  std::error_code ec;
  return fs::is_symlink(fs::symlink_status(path, ec));
}

// A real directory named `current` holding a bundle: model.path pointed at models/ while the
// layout before versions kept its bundle in models/current.
bool IsLegacyCurrentDirectory(const fs::path& current) {
  std::error_code ec;
  return fs::is_directory(fs::symlink_status(current, ec)) &&
         fs::exists(current / "bundle.json", ec);
}

// A version directory as `models list` shows it; what is wrong with it rather than an exception.
VersionEntry ReadEntry(const fs::path& dir, bool current) {
  VersionEntry entry;
  entry.current = current;
  const std::string name = dir.filename().string();
  try {
    entry.metadata = LoadBundleMetadata(dir.string());
    if (entry.metadata.version == name) return entry;
    entry.problem = dir.string() + "/bundle.json names version " + entry.metadata.version;
  } catch (const ModelError& e) {
    entry.problem = e.what();
  }
  entry.metadata = ModelMetadata{};
  entry.metadata.version = name;
  return entry;
}

void Check(const std::error_code& ec, const std::string& what) {
  if (ec) throw ModelError("cannot " + what + ": " + ec.message());
}

// Runs a files.h operation, reporting its failure as a model error.
template <typename F>
void AsModelError(F&& operation) {
  try {
    operation();
  } catch (const FileError& e) {
    throw ModelError(e.what());
  }
}

}  // namespace

void ValidateVersionName(const std::string& version) {
  if (!IsVersionName(version)) {
    throw ModelError("'" + version + "' is not a model version: versions are 1 to " +
                     std::to_string(kMaxVersionLength) +
                     " letters, digits, '.', '_' and '-', not starting with '.' and without "
                     "'..' (see bankscore models list)");
  }
}

std::string ResolveModelDirectory(const std::string& model_path) {
  const fs::path root(model_path);
  const fs::path current = root / kCurrentLink;
  if (IsSymlink(current)) return (root / kVersionsDir / VersionOfLink(current)).string();
  if (IsLegacyCurrentDirectory(current)) return current.string();
  std::error_code ec;
  if (fs::exists(root / "bundle.json", ec)) return root.string();
  throw ModelError("no model at " + model_path + ": neither " + current.string() +
                   " nor a bundle.json (train a model first: bankscore train)");
}

ModelRegistry::ModelRegistry(const std::string& model_path) : root_(model_path) {}

fs::path ModelRegistry::VersionDirectory(const std::string& version) const {
  ValidateVersionName(version);
  return root_ / kVersionsDir / version;
}

bool ModelRegistry::Has(const std::string& version) const {
  std::error_code ec;
  return fs::exists(VersionDirectory(version) / "bundle.json", ec);
}

std::optional<std::string> ModelRegistry::CurrentVersion() const {
  const fs::path current = root_ / kCurrentLink;
  if (!IsSymlink(current)) return std::nullopt;
  return VersionOfLink(current);
}

std::vector<VersionEntry> ModelRegistry::List() const {
  std::vector<VersionEntry> entries;
  std::error_code ec;
  if (!fs::is_directory(root_ / kVersionsDir, ec)) return entries;
  const std::optional<std::string> current = CurrentVersion();
  for (const fs::directory_entry& dir : fs::directory_iterator(root_ / kVersionsDir, ec)) {
    const std::string name = dir.path().filename().string();
    std::error_code type_ec;
    if (!IsVersionName(name) || !dir.is_directory(type_ec)) continue;
    entries.push_back(ReadEntry(dir.path(), current == name));
  }
  Check(ec, "list " + (root_ / kVersionsDir).string());
  std::sort(entries.begin(), entries.end(), [](const VersionEntry& a, const VersionEntry& b) {
    return std::tie(a.metadata.created_at, a.metadata.version) <
           std::tie(b.metadata.created_at, b.metadata.version);
  });
  return entries;
}

std::optional<std::string> ModelRegistry::FindIdentical(const ModelMetadata& metadata) const {
  for (const VersionEntry& entry : List()) {
    if (entry.problem.empty() && entry.metadata.content_sha256 == metadata.content_sha256 &&
        entry.metadata.threshold == metadata.threshold) {
      return entry.metadata.version;
    }
  }
  return std::nullopt;
}

void ModelRegistry::Add(const ModelBundle& bundle) {
  const fs::path dir = VersionDirectory(bundle.metadata.version);
  const FileLock lock = Lock();
  AsModelError([&] { CreateDirectories(root_ / kVersionsDir); });
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    throw ModelError("model version " + bundle.metadata.version + " already exists in " +
                     (root_ / kVersionsDir).string());
  }
  // Written under a hidden name (not a version name, so never listed), then renamed: a version
  // directory is complete from the moment it exists.
  const fs::path staging = root_ / kVersionsDir / ("." + bundle.metadata.version + ".staging");
  fs::remove_all(staging, ec);
  SaveBundle(bundle, staging.string());
  fs::rename(staging, dir, ec);
  Check(ec, "move the model into " + dir.string());
  AsModelError([&] { SyncDirectory(root_ / kVersionsDir); });
}

void ModelRegistry::Promote(const std::string& version) {
  if (!Has(version)) {
    throw ModelError("no model version " + version + " in " + (root_ / kVersionsDir).string() +
                     " (see bankscore models list)");
  }
  const FileLock lock = Lock();
  if (CurrentVersion() == version) return;
  // The link first: were the process to die in between, history would lack the new version and
  // a rollback would still go back to the one before it.
  SwitchCurrent(version);
  AppendHistory(version);
}

std::string ModelRegistry::Rollback(const std::function<void(const std::string&)>& check) {
  const FileLock lock = Lock();
  const std::optional<std::string> current = CurrentVersion();
  if (!current) throw ModelError("no current model in " + root_.string() + " to roll back from");
  std::vector<std::string> history = ReadHistory();
  while (!history.empty() && (history.back() == *current || !Has(history.back()))) {
    history.pop_back();
  }
  if (history.empty()) {
    throw ModelError("no earlier version to roll back to: " + (root_ / kHistoryFile).string() +
                     " names no kept version that was current before " + *current);
  }
  const std::string target = history.back();
  check(target);
  // History first: were the process to die in between, the next rollback goes to `target`.
  WriteHistory(history);
  SwitchCurrent(target);
  return target;
}

std::vector<std::string> ModelRegistry::Prune(std::size_t keep) {
  const FileLock lock = Lock();
  std::vector<VersionEntry> entries = List();  // oldest first
  std::vector<std::string> removed;
  const std::size_t removable = entries.size() > keep ? entries.size() - keep : 0;
  for (std::size_t i = 0; i < removable; ++i) {
    if (entries[i].current) continue;
    std::error_code ec;
    fs::remove_all(VersionDirectory(entries[i].metadata.version), ec);
    Check(ec, "remove model version " + entries[i].metadata.version);
    removed.push_back(entries[i].metadata.version);
  }
  if (!removed.empty()) {
    const std::set<std::string> gone(removed.begin(), removed.end());
    std::vector<std::string> history = ReadHistory();
    history.erase(std::remove_if(history.begin(), history.end(),
                                 [&gone](const std::string& v) { return gone.count(v) > 0; }),
                  history.end());
    WriteHistory(history);
  }
  return removed;
}

std::optional<fs::path> ModelRegistry::LegacyBundleDirectory() const {
  const fs::path current = root_ / kCurrentLink;
  if (IsLegacyCurrentDirectory(current)) return current;
  std::error_code ec;
  if (!IsSymlink(current) && fs::exists(root_ / "bundle.json", ec)) return root_;
  return std::nullopt;
}

std::optional<std::string> ModelRegistry::MigrateLegacyLayout() {
  if (!LegacyBundleDirectory()) return std::nullopt;
  const FileLock lock = Lock();
  const std::optional<fs::path> legacy = LegacyBundleDirectory();  // another process may have
  if (!legacy) return std::nullopt;                                // moved it meanwhile
  std::string version;
  try {
    version = LoadBundle(legacy->string()).metadata.version;  // checks it is whole and unchanged
    ValidateVersionName(version);
  } catch (const ModelError& e) {
    throw ModelError("the model in " + legacy->string() +
                     " (the layout before model versions) cannot be moved into " + kVersionsDir +
                     "/: " + e.what() + "; move it away to start afresh");
  }
  if (!Has(version)) CopyIntoVersions(*legacy, version);
  const bool in_current = *legacy != root_;
  std::error_code ec;
  if (in_current) {
    // A symlink cannot be renamed over a directory: move the directory aside first.
    fs::rename(*legacy, root_ / kLegacyAside, ec);
    Check(ec, "move " + legacy->string() + " aside");
  }
  SwitchCurrent(version);
  AppendHistory(version);
  if (in_current) {
    fs::remove_all(root_ / kLegacyAside, ec);
  } else {
    for (const char* file : kBundleFiles) fs::remove(root_ / file, ec);
  }
  return version;
}

FileLock ModelRegistry::Lock() const {
  try {
    CreateDirectories(root_);
    return FileLock(root_ / kLockFile);
  } catch (const FileError& e) {
    throw ModelError(e.what());
  }
}

void ModelRegistry::CopyIntoVersions(const fs::path& bundle_dir, const std::string& version) const {
  // Byte for byte: bundle.json holds the hash of model.json as written.
  const fs::path staging = root_ / kVersionsDir / ("." + version + ".migrating");
  std::error_code ec;
  fs::remove_all(staging, ec);
  AsModelError([&] { CreateDirectories(staging); });
  for (const char* file : kBundleFiles) {
    AsModelError([&] { WriteFileAtomic(staging / file, ReadFile(bundle_dir / file)); });
  }
  fs::rename(staging, VersionDirectory(version), ec);
  Check(ec, "move the model into " + VersionDirectory(version).string());
  AsModelError([&] { SyncDirectory(root_ / kVersionsDir); });
}

void ModelRegistry::SwitchCurrent(const std::string& version) const {
  const fs::path temporary = root_ / (".current.tmp." + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove(temporary, ec);
  // Relative, so model.path can be moved or mounted elsewhere with its versions.
  fs::create_symlink(fs::path(kVersionsDir) / version, temporary, ec);
  Check(ec, "create " + temporary.string());
  fs::rename(temporary, root_ / kCurrentLink, ec);  // rename(2) replaces the old link atomically
  std::error_code ignored;
  if (ec) fs::remove(temporary, ignored);
  Check(ec, "point " + (root_ / kCurrentLink).string() + " at " + version);
  AsModelError([&] { SyncDirectory(root_); });
}

std::vector<std::string> ModelRegistry::ReadHistory() const {
  std::vector<std::string> versions;
  std::error_code ec;
  if (!fs::exists(root_ / kHistoryFile, ec)) return versions;
  std::string text;
  AsModelError([&] { text = ReadFile(root_ / kHistoryFile); });
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (IsVersionName(line)) versions.push_back(line);  // anything else cannot be a version
  }
  return versions;
}

void ModelRegistry::WriteHistory(const std::vector<std::string>& versions) const {
  std::string text;
  for (const std::string& v : versions) text += v + "\n";
  AsModelError([&] { WriteFileAtomic(root_ / kHistoryFile, text); });
}

void ModelRegistry::AppendHistory(const std::string& version) const {
  std::vector<std::string> history = ReadHistory();
  history.push_back(version);
  WriteHistory(history);
}

}  // namespace bankscore
