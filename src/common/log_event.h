// Internal: structured log events, the one place that gives a log line fields besides its
// message, so a log shipper can alert on `event=run_finished status=failed` (README, "Logs").
//
// With logging.json every set field becomes a member of the line's JSON object next to
// "message"; plain-text lines show the message only (it says the same in words). Unset fields
// (empty strings, run_id 0, no value) are left out. Logging never throws.
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>

namespace bankscore {

struct LogEvent {
  std::string event;        // run_started, batch_written, run_finished, reload, retry, lock_wait
  std::int64_t run_id = 0;  // 0: no run (yet)
  std::string model_version;
  std::optional<std::int64_t> rows;
  std::string status;  // run_finished: succeeded, failed, interrupted; reload: succeeded, failed
  std::optional<std::int64_t> duration_ms;
  std::string error_class;  // failures: see ErrorClass
};

// Logs `message` at `level` with `event`'s fields.
void LogStructured(spdlog::logger& log, spdlog::level::level_enum level, const LogEvent& event,
                   const std::string& message);

// What kind of failure `e` is, for error_class: config, database, database_transient, data,
// model, file, error (another bankscore error) or internal (anything else: a bug).
std::string ErrorClass(const std::exception& e);

}  // namespace bankscore
