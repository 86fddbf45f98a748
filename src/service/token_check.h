// Internal: TokenCheck, the bearer-token rule of the HTTP service (server.token_file).
//
// Without a token everything is open (the server listens on loopback by default). With one, a
// request must carry "Authorization: Bearer <token>"; pages (which a browser without JavaScript
// cannot send a Bearer header for) also accept HTTP Basic auth with the token as the password
// and any user name, so the browser's own login prompt works. The comparison takes the same time
// whatever the presented text (SHA-256 digests compared in full), so response times do not leak
// how much of a guess was right.
#pragma once

#include <string>
#include <string_view>

namespace bankscore::service {

class TokenCheck {
 public:
  TokenCheck() = default;  // no token: everything allowed
  explicit TokenCheck(const std::string& token);

  // The token in `path`, trailing whitespace and line breaks removed. Throws ConfigError naming
  // server.token_file when the file cannot be read or holds no token.
  static TokenCheck FromFile(const std::string& path);

  bool enabled() const { return !digest_.empty(); }
  // True when no token is set, or `authorization` (the header's value) carries it: as a Bearer
  // token, or with `allow_basic` as the password of Basic auth.
  bool Allows(std::string_view authorization, bool allow_basic) const;

 private:
  bool Matches(std::string_view presented) const;

  std::string digest_;  // SHA-256 hex of the token; empty when none is set
};

// Standard base64 (RFC 4648) into `out`; false when `text` is not base64.
bool DecodeBase64(std::string_view text, std::string& out);

}  // namespace bankscore::service
