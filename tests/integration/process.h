// A bankscore child process for the daemon and crash tests: started with fork/execv (no shell, so
// the pid is bankscore's own and signals reach it directly), stdout and stderr redirected to files
// the test can read while it runs, signalled, and waited for with a deadline.
//
// Header-only on purpose: tests/CMakeLists.txt compiles the *_test.cc files plus test_support.cc
// only. Everything here is inline.
//
// RAII: a Process still running when destroyed is killed with SIGKILL and reaped, so a failed
// assertion never leaves a daemon behind holding the scorer lock or a database connection.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "integration/test_support.h"

namespace bankscore::testing {

class Process {
 public:
  // Starts `binary` with `args` (argv[1..]); stdin is /dev/null, stdout and stderr go to
  // `<log_prefix>.out` and `<log_prefix>.err`. Throws std::runtime_error if fork fails; an execv
  // failure shows up as exit code 127 with the reason in the .err file.
  Process(const std::string& binary, const std::vector<std::string>& args,
          const std::filesystem::path& log_prefix)
      : out_path_(log_prefix.string() + ".out"), err_path_(log_prefix.string() + ".err") {
    // Everything the child needs is prepared before fork: between fork and exec only
    // async-signal-safe calls are allowed (the test binary may have other threads).
    std::vector<std::string> argv_storage = {binary};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out = out_path_.string(), err = err_path_.string();
    static const char kExecFailed[] = "process.h: execv failed\n";

    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
      // Start from a clean signal state whatever the test runner set up: bankscore installs its
      // own mask (SignalWatcher) and must see SIGTERM/SIGHUP with default dispositions otherwise.
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      signal(SIGHUP, SIG_DFL);
      signal(SIGTERM, SIG_DFL);
      signal(SIGINT, SIG_DFL);
      int in_fd = open("/dev/null", O_RDONLY);
      int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in_fd < 0 || out_fd < 0 || err_fd < 0) _exit(126);
      dup2(in_fd, STDIN_FILENO);
      dup2(out_fd, STDOUT_FILENO);
      dup2(err_fd, STDERR_FILENO);
      execv(argv[0], argv.data());
      ssize_t ignored = write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
      (void)ignored;
      _exit(127);
    }
  }

  ~Process() {
    if (!exit_code_ && pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }

  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // Sends `signal_number`; false if the process is already gone (reaped).
  bool Signal(int signal_number) {
    if (exit_code_) return false;
    return kill(pid_, signal_number) == 0;
  }

  // True while the process has not exited (reaps it if it has).
  bool Running() {
    Poll();
    return !exit_code_.has_value();
  }

  // Waits up to `timeout` for the process to exit. Returns its exit code (128 + signal number
  // when killed by a signal, like a shell), or nullopt if it is still running.
  std::optional<int> WaitFor(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!Poll() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exit_code_;
  }

  // SIGKILL and reap, for the crash test; returns once the process is gone.
  void Kill() {
    if (exit_code_) return;
    kill(pid_, SIGKILL);
    WaitFor(std::chrono::minutes(1));
  }

  std::optional<int> exit_code() const { return exit_code_; }

  std::string Stdout() const { return ReadText(out_path_); }
  std::string Log() const { return ReadText(err_path_); }  // bankscore logs to stderr

  // Waits until the log contains `text`; false after `timeout`, or as soon as the process has
  // exited without writing it (no point waiting for a dead process).
  bool WaitForLog(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (Log().find(text) != std::string::npos) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      if (!Running()) return Log().find(text) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // The exit code and the log, for assertion messages.
  std::string Describe() const {
    std::ostringstream out;
    out << "bankscore pid " << pid_ << ", "
        << (exit_code_ ? "exit code " + std::to_string(*exit_code_) : std::string("running"))
        << "\n--- stderr (" << err_path_.string() << ") ---\n"
        << Log() << "--- stdout ---\n"
        << Stdout() << "--- end ---";
    return out.str();
  }

 private:
  // Reaps the child if it has exited; true once it has.
  bool Poll() {
    if (exit_code_) return true;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return true;
    }
    return false;
  }

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
};

// Polls `condition` every `every` until it holds or `timeout` passes. Returns whether it held.
// Tests use this instead of fixed sleeps: fast machines do not wait, slow ones (ASan) get time.
inline bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds every = std::chrono::milliseconds(100)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

// Prints the stderr and stdout of the processes started with these output prefixes, for the
// record of a failed test.
inline void PrintProcessLogs(const std::vector<std::filesystem::path>& prefixes) {
  for (const auto& prefix : prefixes) {
    std::cout << "=== log of " << prefix.filename().string() << " ===\n"
              << ReadText(prefix.string() + ".err") << ReadText(prefix.string() + ".out")
              << "=== end ===\n";
  }
}

}  // namespace bankscore::testing
