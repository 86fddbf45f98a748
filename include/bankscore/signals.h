// SignalWatcher: turns SIGHUP, SIGTERM and SIGINT into state the daemon can poll and wait on.
//
// Construct it in main before any other thread starts: it blocks those signals in the calling
// thread (threads created later inherit the mask) and receives them with sigwait() in a thread of
// its own, so no signal handler and no global variable is involved. Destroying it stops the thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace bankscore {

class SignalWatcher {
 public:
  SignalWatcher();
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // True once SIGTERM or SIGINT arrived.
  bool stop_requested() const { return stop_.load(); }
  // True if SIGHUP arrived since the last call (and clears it).
  bool TakeReloadRequest() { return reload_.exchange(false); }
  // Sleeps up to `duration`; returns early when any watched signal arrives.
  void WaitFor(std::chrono::milliseconds duration);

  // For tests and for the daemon's own use: behave as if the signal arrived.
  void RequestStop();
  void RequestReload();
  // Ends a WaitFor early without a signal (a worker thread announcing it is done).
  void Wake() { Notify(); }

 private:
  void Run();
  void Notify();

  std::atomic<bool> stop_{false};
  std::atomic<bool> reload_{false};
  std::atomic<bool> quitting_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t events_ = 0;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace bankscore
