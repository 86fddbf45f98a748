#include "common/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace bankscore {
namespace {

// "3 s", "4 min 10 s", "2 h 5 min": a time left, rounded to what a person reads.
std::string Duration(double seconds) {
  const auto s = static_cast<std::int64_t>(seconds + 0.5);
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {} s", s / 60, s % 60);
  return fmt::format("{} h {} min", s / 3600, s % 3600 / 60);
}

}  // namespace

Progress::Progress(std::string what, std::int64_t total_rows, std::int64_t total_batches,
                   std::chrono::milliseconds interval, Now now)
    : what_(std::move(what)),
      total_rows_(std::max<std::int64_t>(total_rows, 0)),
      total_batches_(std::max<std::int64_t>(total_batches, 1)),
      interval_(interval),
      now_(std::move(now)),
      started_(now_()),
      last_line_(started_) {}

bool Progress::Add(std::int64_t rows) {
  rows_ += rows;
  ++batches_;
  total_rows_ = std::max(total_rows_, rows_);
  // Batches are about batch_size rows each; the rows say when the job is done.
  total_batches_ = rows_ == total_rows_ ? batches_ : std::max(total_batches_, batches_ + 1);
  const Clock::time_point now = now_();
  if (!done() && now - last_line_ < interval_) return false;
  last_line_ = now;
  return true;
}

std::string Progress::Line() const {
  const double elapsed = std::chrono::duration<double>(now_() - started_).count();
  const double rate = elapsed > 0 ? rows_ / elapsed : 0;
  const int percent = total_rows_ ? static_cast<int>(100 * rows_ / total_rows_) : 100;
  std::string line = fmt::format("{}: {} of {} batches, {} of {} rows ({}%)", what_, batches_,
                                 total_batches_, rows_, total_rows_, percent);
  if (rate > 0) line += fmt::format(", {:.0f} rows/s", rate);
  if (done()) return line + fmt::format(", done in {:.1f} s", elapsed);
  if (rate > 0) line += ", " + Duration((total_rows_ - rows_) / rate) + " left";
  return line;
}

ProgressLog::ProgressLog(spdlog::logger& log, bool json_logs, std::string what,
                         std::int64_t total_rows, std::int64_t batch_size,
                         std::chrono::milliseconds log_interval)
    : log_(log),
      enabled_(log.should_log(spdlog::level::info)),
      // A rewritten line would break JSON lines, and is noise in a file.
      terminal_(enabled_ && !json_logs && ::isatty(STDERR_FILENO) == 1),
      progress_(std::move(what), total_rows,
                (total_rows + std::max<std::int64_t>(batch_size, 1) - 1) /
                    std::max<std::int64_t>(batch_size, 1),
                terminal_ ? std::chrono::milliseconds(250) : log_interval) {}

void ProgressLog::Add(std::int64_t rows) {
  if (!progress_.Add(rows) || !enabled_) return;
  if (!terminal_) {
    log_.info("{}", progress_.Line());
    return;
  }
  // \r and "erase to end of line": the same line, rewritten; a newline after the last one.
  std::fprintf(stderr, "\r\033[K%s%s", progress_.Line().c_str(), progress_.done() ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace bankscore
