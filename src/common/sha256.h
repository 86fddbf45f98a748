// Internal: SHA-256 digests (OpenSSL), for model content hashes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace bankscore {

// Accumulates data and returns its SHA-256 as 64 lowercase hex digits.
class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& Add(std::string_view data);
  // The digest of everything added; the object cannot be used after.
  std::string HexDigest();

 private:
  std::unique_ptr<evp_md_ctx_st, void (*)(evp_md_ctx_st*)> context_;
};

// SHA-256 of `data` as hex.
std::string Sha256Hex(std::string_view data);

}  // namespace bankscore
