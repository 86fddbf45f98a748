// Internal: ModelRegistry, the model versions kept under model.path.
//
// Layout of model.path:
//   versions/<version>/  one bundle per trained model (model/bundle.h), complete before anything
//                        points at it and never changed afterwards
//   current              symlink to versions/<version>: the model that scores
//   history              the versions made current, oldest first, one per line (for rollback)
//   .lock                flock() held while the registry is being changed (common/file_lock.h)
// `current` is switched by renaming a new symlink over it, then syncing the directory, so a reader
// sees the old version or the new one and never half a bundle. Readers resolve the link once
// (ResolveModelDirectory) and read every file of the bundle from that version's directory, so a
// promotion between two of their reads cannot mix two versions.
//
// The layout before versions, a bundle directly in model.path (or a bundle directory named
// `current` in it), still loads as it is; MigrateLegacyLayout, run by every command that changes
// the registry, moves it into versions/ and points `current` at it. Failures throw ModelError.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/file_lock.h"
#include "model/bundle.h"

namespace bankscore {

// The directory of the bundle to load for model.path `model_path`: versions/<version> as
// `current` names it (the link is read once), or the bundle of the layout before versions. Throws
// ModelError when there is no model (naming `bankscore train`) or `current` is not a version.
std::string ResolveModelDirectory(const std::string& model_path);

// Throws ModelError unless `version` is safe as a directory name: 1 to 128 characters among
// [0-9A-Za-z._-], not starting with '.', without "..".
void ValidateVersionName(const std::string& version);

// One kept version, as `models list` shows it.
struct VersionEntry {
  ModelMetadata metadata;  // only metadata.version when `problem` is set
  bool current = false;
  std::string problem;  // why its bundle.json cannot be read; empty when it can
};

class ModelRegistry {
 public:
  explicit ModelRegistry(const std::string& model_path);

  const std::filesystem::path& root() const { return root_; }
  // versions/<version>; validates the name first.
  std::filesystem::path VersionDirectory(const std::string& version) const;
  bool Has(const std::string& version) const;
  // The version `current` names; nullopt when there is none (no model yet, or the old layout).
  std::optional<std::string> CurrentVersion() const;
  // Every kept version, oldest first, with the current one marked.
  std::vector<VersionEntry> List() const;
  // A kept version identical to the model `metadata` describes (same content hash and threshold,
  // so it would score every row the same way), if there is one.
  std::optional<std::string> FindIdentical(const ModelMetadata& metadata) const;

  // Writes `bundle` as versions/<its version>, without making it current. Refuses a version that
  // is already kept.
  void Add(const ModelBundle& bundle);
  // Makes a kept version current and appends it to history; nothing when it already is current.
  void Promote(const std::string& version);
  // Makes the version that was current before the current one current again, and returns it.
  // Versions pruned since are passed over. `check` may refuse the version (by throwing) before
  // anything changes. Throws ModelError when there is no earlier version to go back to.
  std::string Rollback(const std::function<void(const std::string& version)>& check);
  // Removes all but the `keep` newest versions, never the current one; returns the versions
  // removed, oldest first.
  std::vector<std::string> Prune(std::size_t keep);
  // Moves a bundle of the layout before versions into versions/ and makes it current; returns its
  // version, or nullopt when there is nothing to move.
  std::optional<std::string> MigrateLegacyLayout();

 private:
  // Held while the registry changes; creates model.path if needed.
  FileLock Lock() const;
  // Where a bundle of the layout before versions is, if there is one.
  std::optional<std::filesystem::path> LegacyBundleDirectory() const;
  std::vector<std::string> ReadHistory() const;
  void WriteHistory(const std::vector<std::string>& versions) const;
  void AppendHistory(const std::string& version) const;
  void SwitchCurrent(const std::string& version) const;
  void CopyIntoVersions(const std::filesystem::path& bundle_dir, const std::string& version) const;

  std::filesystem::path root_;
};

}  // namespace bankscore
