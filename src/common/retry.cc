#include "common/retry.h"

#include <algorithm>
#include <thread>

namespace bankscore {

bool SleepUnlessStopped(std::chrono::milliseconds duration, const StopRequested& stop) {
  using Clock = std::chrono::steady_clock;
  constexpr std::chrono::milliseconds kSlice{50};
  const auto deadline = Clock::now() + duration;
  while (true) {
    if (stop && stop()) return false;
    const auto now = Clock::now();
    if (now >= deadline) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(kSlice, deadline - now));
  }
}

}  // namespace bankscore
