// Logins, tokens, authentication of calls and break-glass grants
// (DESIGN.md section 7).
//
// Tokens are random 256-bit values, base64url without padding; only their
// SHA-256 hashes are stored. An access token and the refresh token issued
// with it form a family: Logout revokes the family; refreshing spends the
// refresh token and issues a new family (a spent refresh token presented
// again revokes the whole family it belongs to, as reuse means theft).
//
// Credentials cache. With AuthOptions::credentials_epoch set, Authenticate
// remembers what it verified (token hash -> the token's expiry, the
// account's caller fields, the account's break-glass grants) and answers
// later calls with the same token from memory. It stays exact, never stale
// by any time window: the epoch is a counter that the store advances after
// every committed write to accounts, tokens, break-glass grants or areas
// (SqliteStore::credentials_epoch), and every remembered entry is dropped
// as soon as the epoch moves, so a logout, a refresh, a disable or a role
// change made through this process applies to the very next call. What
// depends on time alone (token expiry, grant expiry) is checked on every
// call against the clock, as the store's query would.
// This assumes one rehabd process is the only writer of its database. A
// deployment with several replicas over one database (DESIGN.md section 8,
// PostgreSQL) must replace the epoch with one the database itself advances
// (or turn the cache off), else a revocation made through one replica would
// go unseen by the others.
#ifndef REHAB_SERVER_DOMAIN_AUTH_MANAGER_H_
#define REHAB_SERVER_DOMAIN_AUTH_MANAGER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rehab/v1/auth.pb.h"
#include "server/common/clock.h"
#include "server/domain/caller.h"
#include "server/domain/login_limiter.h"
#include "server/domain/password_hasher.h"
#include "server/domain/store.h"

namespace rehab {

struct AuthOptions {
  // Lifetime of an access token.
  absl::Duration access_ttl = absl::Hours(1);
  // Lifetime of a refresh token.
  absl::Duration refresh_ttl = absl::Hours(24 * 30);
  // How long a break-glass grant lasts.
  absl::Duration break_glass_ttl = absl::Hours(4);
  // Failed-login limits.
  LoginLimiterOptions limiter;
  // Turns the credentials cache on (see the file comment): returns the
  // store's credentials epoch, a number that grows after every committed
  // write to accounts, tokens, break-glass grants or areas. Unset: every
  // Authenticate reads the store.
  std::function<int64_t()> credentials_epoch;
  // Tokens remembered at most; beyond it the cache starts over.
  size_t max_cached_tokens = 4096;
};

// Thread-safe.
class AuthManager {
 public:
  // `store`, `clock` and `hasher` must outlive the manager.
  AuthManager(Store* store, const Clock* clock, const PasswordHasher* hasher,
              AuthOptions options = {});

  // UNAUTHENTICATED (reason BAD_CREDENTIALS) for an unknown user or a wrong
  // password, alike, so that names cannot be probed; ACCOUNT_DISABLED for a
  // disabled account; RESOURCE_EXHAUSTED (reason LOGIN_RATE_LIMITED) when
  // the account or the peer has failed too often. INVALID_ARGUMENT when
  // username or password is empty or oversized.
  absl::StatusOr<rehab::v1::LoginResponse> Login(
      const rehab::v1::LoginRequest& request, const std::string& peer);

  // UNAUTHENTICATED with TOKEN_EXPIRED or TOKEN_REVOKED (an unknown token
  // counts as revoked), or ACCOUNT_DISABLED.
  absl::StatusOr<rehab::v1::LoginResponse> RefreshToken(
      const rehab::v1::RefreshTokenRequest& request, const std::string& peer);

  // Verifies a bearer access token and returns who calls. UNAUTHENTICATED
  // with reason TOKEN_EXPIRED, TOKEN_REVOKED (unknown, revoked or a refresh
  // token) or ACCOUNT_DISABLED. Fills the caller's scope area code, wards
  // and live break-glass grants.
  absl::StatusOr<Caller> Authenticate(const std::string& access_token,
                                      const std::string& peer);

  // Revokes the calling token's family, and the family of `refresh_token`
  // when given and owned by the caller.
  absl::Status Logout(const Caller& caller, const std::string& access_token,
                      const rehab::v1::LogoutRequest& request);

  absl::StatusOr<rehab::v1::WhoAmIResponse> WhoAmI(
      const Caller& caller, const std::string& access_token);

  // Grants `caller` (a supervisor or a family doctor) one patient for
  // break_glass_ttl, with a reason (required). PERMISSION_DENIED for other
  // roles; NOT_FOUND for an unknown patient or one outside the caller's
  // area (supervisors) .
  absl::StatusOr<rehab::v1::BreakGlassResponse> BreakGlass(
      const Caller& caller, const rehab::v1::BreakGlassRequest& request);

  // Creates an administrator `username` with `password`. ALREADY_EXISTS
  // when the name is taken; INVALID_ARGUMENT for a bad name or a password
  // shorter than 8 characters.
  absl::StatusOr<rehab::v1::Account> BootstrapAdmin(
      const std::string& username, const std::string& password);

 private:
  // What Authenticate verified for one access token, valid while the
  // credentials epoch stays where it was when it was read.
  struct VerifiedToken {
    absl::Time expire_time;
    // Everything but peer and break_glass_patient_ids.
    Caller caller;
    // Every grant of the account, expired or not.
    std::vector<BreakGlassGrant> grants;
  };

  absl::StatusOr<rehab::v1::LoginResponse> IssueTokens(
      WriteTxn& txn, const rehab::v1::Account& account,
      const std::string& device_id);
  // Reads the token and its account from the store.
  absl::StatusOr<VerifiedToken> VerifyInStore(const std::string& token_hash,
                                              absl::Time now);
  // The remembered entry of `token_hash`, if any, at `epoch`.
  std::shared_ptr<const VerifiedToken> Remembered(const std::string& token_hash,
                                                  int64_t epoch);
  // Remembers `verified`, read at `epoch`, unless the epoch has moved.
  void Remember(const std::string& token_hash, int64_t epoch,
                std::shared_ptr<const VerifiedToken> verified);

  Store* const store_;
  const Clock* const clock_;
  const PasswordHasher* const hasher_;
  const AuthOptions options_;
  // A hash of no one's password, verified when the username is unknown so
  // that such a login takes as long as a wrong password.
  const std::string dummy_hash_;
  LoginLimiter limiter_;

  absl::Mutex cache_mu_;
  // Entries all read at cache_epoch_.
  int64_t cache_epoch_ ABSL_GUARDED_BY(cache_mu_) = 0;
  absl::flat_hash_map<std::string, std::shared_ptr<const VerifiedToken>> cache_
      ABSL_GUARDED_BY(cache_mu_);
};

// SHA-256 of a token, raw bytes (what the token store keys on).
std::string HashToken(const std::string& token);

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_AUTH_MANAGER_H_
