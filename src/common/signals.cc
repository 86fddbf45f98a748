#include "bankscore/signals.h"

#include <pthread.h>
#include <signal.h>

namespace bankscore {
namespace {

// SIGUSR1 is only used to wake the watcher thread when it is destroyed.
sigset_t WatchedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1);
  return set;
}

}  // namespace

SignalWatcher::SignalWatcher() {
  sigset_t set = WatchedSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this] { Run(); });
}

SignalWatcher::~SignalWatcher() {
  quitting_ = true;
  pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
}

void SignalWatcher::Run() {
  sigset_t set = WatchedSignals();
  while (!quitting_) {
    int signal_number = 0;
    if (sigwait(&set, &signal_number) != 0) continue;
    if (signal_number == SIGHUP) {
      RequestReload();
    } else if (signal_number == SIGTERM || signal_number == SIGINT) {
      RequestStop();
    }
  }
}

void SignalWatcher::Notify() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++events_;
  }
  wake_.notify_all();
}

void SignalWatcher::RequestStop() {
  stop_ = true;
  Notify();
}

void SignalWatcher::RequestReload() {
  reload_ = true;
  Notify();
}

void SignalWatcher::WaitFor(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mutex_);
  const std::uint64_t seen = events_;
  wake_.wait_for(lock, duration, [&] { return events_ != seen || stop_.load() || reload_.load(); });
}

}  // namespace bankscore
