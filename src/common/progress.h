// Internal: the progress of a long job of known size (a scoring run, a CSV load), for ops who
// watch it: batches and rows done of the total, the rate and the time left, as one line of text.
//
// Progress only counts and decides when a line is due (its clock is injected, so tests control
// time); ProgressLog shows the lines. Neither throws. A total that turns out too small (rows
// added meanwhile) grows to what was done, so the line never claims more than 100%.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace bankscore {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;
  using Now = std::function<Clock::time_point()>;

  // `what` names the job ("score run 7"); `total_rows` rows come in `total_batches` batches. A
  // line is due `interval` after the previous one, and after the last batch.
  Progress(std::string what, std::int64_t total_rows, std::int64_t total_batches,
           std::chrono::milliseconds interval, Now now = Clock::now);

  // Counts one batch of `rows` done; true when a line is due.
  bool Add(std::int64_t rows);
  bool done() const { return batches_ >= total_batches_; }

  // "score run 7: 12 of 42 batches, 12000 of 41188 rows (29%), 9800 rows/s, 3 s left"; after the
  // last batch "..., done in 4.2 s".
  std::string Line() const;

 private:
  std::string what_;
  std::int64_t total_rows_;
  std::int64_t total_batches_;
  std::chrono::milliseconds interval_;
  Now now_;
  Clock::time_point started_;
  Clock::time_point last_line_;
  std::int64_t rows_ = 0;
  std::int64_t batches_ = 0;
};

// Shows a job's progress at info level: on a terminal (stderr is a tty and logs are plain text)
// one line rewritten in place about 4 times a second, else one log line every `log_interval`
// (and the last one), so a log file gets a line every few seconds, not one per batch.
class ProgressLog {
 public:
  ProgressLog(spdlog::logger& log, bool json_logs, std::string what, std::int64_t total_rows,
              std::int64_t batch_size,
              std::chrono::milliseconds log_interval = std::chrono::seconds(5));
  void Add(std::int64_t rows);

 private:
  spdlog::logger& log_;
  bool enabled_;
  bool terminal_;
  Progress progress_;
};

}  // namespace bankscore
