#include "server/domain/password_hasher.h"

#include <sodium.h>

#include <cstdlib>

namespace rehab {
namespace {

// libsodium must be initialised once before its random source and hashing
// are used; sodium_init is safe to call again, but not to skip.
void EnsureSodium() {
  static const bool initialised = [] {
    if (sodium_init() < 0) std::abort();
    return true;
  }();
  (void)initialised;
}

}  // namespace

PasswordHasherOptions PasswordHasherOptions::ForTests() {
  PasswordHasherOptions options;
  options.ops_limit = crypto_pwhash_OPSLIMIT_MIN;
  options.mem_limit = crypto_pwhash_MEMLIMIT_MIN;
  return options;
}

PasswordHasher::PasswordHasher(PasswordHasherOptions options)
    : options_(options) {
  EnsureSodium();
}

absl::StatusOr<std::string> PasswordHasher::Hash(
    const std::string& password) const {
  char encoded[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(encoded, password.data(), password.size(),
                            options_.ops_limit, options_.mem_limit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::InternalError("password hashing failed (out of memory)");
  }
  return std::string(encoded);
}

bool PasswordHasher::Verify(const std::string& encoded,
                            const std::string& password) const {
  // crypto_pwhash_str_verify reads a NUL-terminated string; std::string's
  // c_str() is one, and an embedded NUL only makes the hash not match.
  return crypto_pwhash_str_verify(encoded.c_str(), password.data(),
                                  password.size()) == 0;
}

}  // namespace rehab
