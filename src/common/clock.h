// Internal: the current time as text, in UTC, the one copy every timestamp comes from.
#pragma once

#include <chrono>
#include <string>

namespace bankscore {

// ISO 8601 in UTC to the second: "2026-11-22T10:15:00Z".
std::string UtcTimestamp();
// ISO 8601 in UTC to the millisecond: "2026-11-22T10:15:00.123Z" (SQLite's timestamps).
std::string UtcTimestampMillis();
// The same instant compact, for file and version names: "20261122T101500Z".
std::string UtcCompactTimestamp();
// ISO 8601 in UTC to the second of a given time.
std::string FormatUtc(std::chrono::system_clock::time_point when);

// Seconds from `now` until the next `hour`:`minute` UTC (strictly after now: 1 to 86400 s).
std::chrono::seconds UntilNextUtcTime(std::chrono::system_clock::time_point now, int hour,
                                      int minute);

}  // namespace bankscore
