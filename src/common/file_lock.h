// Internal: FileLock, an exclusive flock() on a file, held for the object's lifetime. It keeps two
// processes from changing the same files at once (two `train` runs promoting into one model
// directory); the kernel releases it when the process dies, so a crash never leaves it stuck.
#pragma once

#include <filesystem>

namespace bankscore {

class FileLock {
 public:
  // Creates `path` if needed and waits until the lock is free. Throws FileError naming the path
  // when the file cannot be opened or locked.
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

}  // namespace bankscore
