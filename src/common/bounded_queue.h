// Internal: BoundedQueue, a blocking FIFO of at most `capacity` items between pipeline threads.
// Push blocks while full and Pop while empty. Close() lets the consumer drain what is left;
// Cancel() wakes everyone at once and drops the rest (a stage failed). Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace bankscore {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  // False when the queue was closed or cancelled (the item is dropped).
  bool Push(T item) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_ || cancelled_; });
    if (closed_ || cancelled_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // The next item; nullopt once closed and drained, or cancelled.
  std::optional<T> Pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_ || cancelled_; });
    if (cancelled_ || items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  void Close() { Set(closed_); }
  void Cancel() { Set(cancelled_); }

 private:
  void Set(bool& flag) {
    std::lock_guard<std::mutex> lock(mutex_);
    flag = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;
  bool closed_ = false;
  bool cancelled_ = false;
};

}  // namespace bankscore
