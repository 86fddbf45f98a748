// Internal: reading and writing whole files, the one copy used by config, bundles, reports and
// password files.
//
// Files bankscore writes hold client data or models: main() sets the process umask from
// files.umask (default 077, so files are 0600 and directories 0700 whatever the umask it was
// started with), and these functions create with 0666 / 0777 under it, as SQLite does for its
// database, WAL and lock files. Writes go to a temporary name in the same directory, are flushed
// to disk and renamed into place, so a reader sees the old file or the complete new one.
#pragma once

#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>

#include "bankscore/error.h"

namespace bankscore {

// A file could not be read or written. The message is "cannot <verb> <path>: <reason>"; callers
// that know what the file is for rephrase it with reason().
class FileError : public Error {
 public:
  FileError(const std::string& verb, const std::string& path, const std::string& reason)
      : Error("cannot " + verb + " " + path + ": " + reason), reason_(reason) {}
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

inline constexpr std::size_t kUnlimitedFileSize = std::numeric_limits<std::size_t>::max();

// The whole regular file `path`. Throws FileError ("cannot read PATH: reason") when it cannot be
// opened, is not a regular file (a directory, a FIFO, a device) or is larger than `max_bytes`.
std::string ReadFile(const std::filesystem::path& path, std::size_t max_bytes = kUnlimitedFileSize);

// Writes `text` to `path` atomically (temporary file, fsync, rename). Throws FileError naming the
// path.
void WriteFileAtomic(const std::filesystem::path& path, const std::string& text);

// Flushes `dir` itself to disk, so renames and new entries in it survive a crash (a rename is
// atomic, but only durable once its directory is synced). Throws FileError naming the directory.
void SyncDirectory(const std::filesystem::path& dir);

// Creates `dir` and missing parents (existing directories are left as they are). Throws
// FileError naming the directory.
void CreateDirectories(const std::filesystem::path& dir);

}  // namespace bankscore
