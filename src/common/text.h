// Internal: the one place where text becomes a number and a value becomes text.
//
// Numbers are parsed with std::from_chars: independent of the locale, no leading whitespace, an
// optional leading '+', nothing left over, and finite ("1e400", "nan" and "inf" are not numbers).
// Every reader of numbers (config, CSV loader, encoder, profile) goes through these, so a value
// means the same thing everywhere.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bankscore/value.h"

namespace bankscore {

// A finite decimal number, or nullopt.
std::optional<double> ParseNumber(std::string_view text);

// A whole number in the range of `Int`, or nullopt ("2.5", "12abc", "1e3" and "-1" for an unsigned
// type are not).
template <typename Int>
std::optional<Int> ParseInteger(std::string_view text) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  Int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

inline std::optional<std::int64_t> ParseInt64(std::string_view text) {
  return ParseInteger<std::int64_t>(text);
}

// The shortest text that reads back as the same double ("0.1", "1e+30"); "NaN", "Infinity" and
// "-Infinity" for the non-finite values (PostgreSQL's spelling).
std::string FormatDouble(double value);

// A cell as plain text: text as is, numbers as FormatDouble / decimal digits, NULL as "NULL".
// Used where a value is data (a category, a label), not a message.
std::string ValueText(const Value& value);

// `items` joined with `separator`.
std::string Join(const std::vector<std::string>& items, std::string_view separator = ", ");

// Text safe to put on one line of a log or terminal: control characters (and DEL) become \n, \t,
// \r or \xHH; bytes that are not valid UTF-8 become \xHH. Printable text is unchanged.
std::string EscapeControl(std::string_view text);

// True when `text` is valid UTF-8 without NUL bytes.
bool IsValidUtf8(std::string_view text);

}  // namespace bankscore
