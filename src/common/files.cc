#include "common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace bankscore {
namespace fs = std::filesystem;
namespace {

// Closes a file descriptor when it goes out of scope.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, reporting the error close() may give (a delayed write failure).
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

[[noreturn]] void Fail(const std::string& verb, const fs::path& path, const std::string& why) {
  throw FileError(verb, path.string(), why);
}

}  // namespace

std::string ReadFile(const fs::path& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not hang; the regular-file check below refuses it anyway.
  Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) Fail("read", path, std::strerror(errno));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) Fail("read", path, std::strerror(errno));
  if (S_ISDIR(info.st_mode)) Fail("read", path, "it is a directory");
  if (!S_ISREG(info.st_mode)) Fail("read", path, "it is not a regular file");
  if (static_cast<std::uint64_t>(info.st_size) > max_bytes) {
    Fail("read", path, "it is larger than the limit of " + std::to_string(max_bytes) + " bytes");
  }
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) Fail("read", path, std::strerror(errno));
    if (got == 0) break;
    if (text.size() + static_cast<std::size_t>(got) > max_bytes) {
      Fail("read", path, "it is larger than the limit of " + std::to_string(max_bytes) + " bytes");
    }
    text.append(buffer, static_cast<std::size_t>(got));
  }
  return text;
}

void WriteFileAtomic(const fs::path& path, const std::string& text) {
  const fs::path temporary = path.string() + ".tmp." + std::to_string(::getpid());
  Descriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
  if (fd.get() < 0) Fail("write", path, std::strerror(errno));
  std::string_view rest(text);
  while (!rest.empty()) {
    const ssize_t put = ::write(fd.get(), rest.data(), rest.size());
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) {
      const std::string why = std::strerror(errno);
      ::unlink(temporary.c_str());
      Fail("write", path, why);
    }
    rest.remove_prefix(static_cast<std::size_t>(put));
  }
  if (::fsync(fd.get()) != 0 || fd.Close() != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temporary.c_str());
    Fail("write", path, why);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temporary.c_str());
    Fail("write", path, why);
  }
}

void SyncDirectory(const fs::path& dir) {
  Descriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) Fail("sync directory", dir, std::strerror(errno));
}

void CreateDirectories(const fs::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return;
  CreateDirectories(dir.parent_path());
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
    Fail("create directory", dir, std::strerror(errno));
  }
  if (!fs::is_directory(dir, ec)) Fail("create directory", dir, "a file of that name exists");
}

}  // namespace bankscore
