#include "db/sqlite/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "bankscore/error.h"

namespace bankscore::internal::sqlite {
namespace {

class FileLock : public ScorerLock {
 public:
  explicit FileLock(int fd) : fd_(fd) {}
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() override {
    flock(fd_, LOCK_UN);
    close(fd_);
  }
  // An flock lives as long as the open file: it cannot be lost while this object exists.
  void EnsureHeld() override {}

 private:
  int fd_;
};

std::string LockPath(const std::string& database_path) {
  std::error_code ec;
  const std::filesystem::path canonical = std::filesystem::canonical(database_path, ec);
  return (ec ? std::filesystem::path(database_path) : canonical).string() + ".scorer-lock";
}

}  // namespace

std::unique_ptr<ScorerLock> TryLockScorer(const std::string& database_path, bool wait,
                                          std::chrono::milliseconds timeout,
                                          const std::function<bool()>& stop) {
  const std::string lock_path = LockPath(database_path);
  const int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) {
    throw DatabaseError("cannot open lock file " + lock_path + ": " + std::strerror(errno));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK || !wait || std::chrono::steady_clock::now() >= deadline ||
        (stop && stop())) {
      close(fd);
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::make_unique<FileLock>(fd);
}

}  // namespace bankscore::internal::sqlite
