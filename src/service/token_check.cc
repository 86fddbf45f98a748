#include "service/token_check.h"

#include <cstdint>

#include "bankscore/error.h"
#include "common/files.h"
#include "common/sha256.h"

namespace bankscore::service {
namespace {

constexpr std::size_t kMaxTokenFileBytes = 4096;

bool StartsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char a = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] + 32) : text[i];
    if (a != prefix[i]) return false;
  }
  return true;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

bool DecodeBase64(std::string_view text, std::string& out) {
  out.clear();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const int value = Base64Value(c);
    if (value < 0) return false;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return count < 6;  // one leftover character cannot be valid
}

TokenCheck::TokenCheck(const std::string& token) : digest_(Sha256Hex(token)) {}

TokenCheck TokenCheck::FromFile(const std::string& path) {
  std::string token;
  try {
    token = ReadFile(path, kMaxTokenFileBytes);
  } catch (const FileError& e) {
    throw ConfigError("server.token_file: cannot read " + path + ": " + e.reason());
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ' ||
                            token.back() == '\t')) {
    token.pop_back();
  }
  if (token.empty()) throw ConfigError("server.token_file: " + path + " holds no token");
  return TokenCheck(token);
}

bool TokenCheck::Matches(std::string_view presented) const {
  // Digests have a fixed length: every byte is compared whatever the presented text.
  const std::string digest = Sha256Hex(presented);
  unsigned char difference = 0;
  for (std::size_t i = 0; i < digest_.size(); ++i) {
    difference |= static_cast<unsigned char>(digest[i] ^ digest_[i]);
  }
  return difference == 0;
}

bool TokenCheck::Allows(std::string_view authorization, bool allow_basic) const {
  if (!enabled()) return true;
  if (StartsWithIgnoringCase(authorization, "bearer ")) {
    return Matches(authorization.substr(7));
  }
  if (allow_basic && StartsWithIgnoringCase(authorization, "basic ")) {
    std::string decoded;
    if (!DecodeBase64(authorization.substr(6), decoded)) return false;
    const std::size_t colon = decoded.find(':');
    return colon != std::string::npos && Matches(std::string_view(decoded).substr(colon + 1));
  }
  return false;
}

}  // namespace bankscore::service
