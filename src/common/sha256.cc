#include "common/sha256.h"

#include <openssl/evp.h>

#include <new>
#include <stdexcept>

namespace bankscore {

Sha256::Sha256() : context_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
  if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
    throw std::bad_alloc();
  }
}

Sha256& Sha256::Add(std::string_view data) {
  if (EVP_DigestUpdate(context_.get(), data.data(), data.size()) != 1) {
    throw std::runtime_error("SHA-256 update failed");
  }
  return *this;
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_.get(), digest, &length) != 1) {
    throw std::runtime_error("SHA-256 final failed");
  }
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::string Sha256Hex(std::string_view data) { return Sha256().Add(data).HexDigest(); }

}  // namespace bankscore
