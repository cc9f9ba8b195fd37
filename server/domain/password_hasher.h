// Password hashing with Argon2id (libsodium crypto_pwhash_str).
#ifndef REHAB_SERVER_DOMAIN_PASSWORD_HASHER_H_
#define REHAB_SERVER_DOMAIN_PASSWORD_HASHER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace rehab {

struct PasswordHasherOptions {
  // Argon2id cost. Defaults are libsodium's INTERACTIVE limits (2 passes,
  // 64 MiB), the least DESIGN.md allows in production; tests may lower them.
  uint64_t ops_limit = 2;
  size_t mem_limit = 64u << 20;

  // The cheapest limits libsodium accepts: for tests only.
  static PasswordHasherOptions ForTests();
};

// Thread-safe (stateless beyond its options).
class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordHasherOptions options = {});

  // The encoded hash string (algorithm, parameters and salt included).
  // INTERNAL if libsodium fails (out of memory).
  absl::StatusOr<std::string> Hash(const std::string& password) const;

  // True when `password` matches `encoded`, whatever limits made it.
  bool Verify(const std::string& encoded, const std::string& password) const;

 private:
  PasswordHasherOptions options_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_PASSWORD_HASHER_H_
