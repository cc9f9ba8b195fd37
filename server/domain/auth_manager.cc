#include "server/domain/auth_manager.h"

#include <sodium.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/access_policy.h"
#include "server/domain/resource.h"
#include "server/domain/validation.h"

namespace rehab {
namespace {

using ::rehab::v1::Account;
using ::rehab::v1::LoginResponse;

constexpr size_t kTokenBytes = 32;

absl::Status Unauthenticated(std::string_view message,
                             std::string_view reason) {
  return ErrorWithReason(absl::StatusCode::kUnauthenticated, message, reason);
}

absl::Status BadCredentials() {
  return Unauthenticated("wrong username or password", kReasonBadCredentials);
}

absl::Status TokenRevoked() {
  return Unauthenticated("token revoked or unknown", kReasonTokenRevoked);
}

absl::Status TokenExpired() {
  return Unauthenticated("token expired", kReasonTokenExpired);
}

absl::Status AccountDisabled() {
  return Unauthenticated("account disabled", kReasonAccountDisabled);
}

// 256 random bits, base64url without padding (43 characters).
std::string NewToken() {
  unsigned char bytes[kTokenBytes];
  randombytes_buf(bytes, sizeof(bytes));
  std::string token = absl::WebSafeBase64Escape(
      std::string(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
  sodium_memzero(bytes, sizeof(bytes));
  return token;
}

// Only ACTIVE accounts act; an account whose state was never set is not
// taken for an active one.
bool IsActive(const Account& account) {
  return account.state() == rehab::v1::ACCOUNT_STATE_ACTIVE;
}

// A hash made with the same limits as real ones, of a password no one
// knows, so that verifying against it costs what a real verify costs.
std::string MakeDummyHash(const PasswordHasher& hasher) {
  absl::StatusOr<std::string> hash = hasher.Hash(NewToken());
  return hash.ok() ? *std::move(hash) : std::string();
}

}  // namespace

std::string HashToken(const std::string& token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest,
                     reinterpret_cast<const unsigned char*>(token.data()),
                     token.size());
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

AuthManager::AuthManager(Store* store, const Clock* clock,
                         const PasswordHasher* hasher, AuthOptions options)
    : store_(store),
      clock_(clock),
      hasher_(hasher),
      options_(options),
      dummy_hash_(MakeDummyHash(*hasher)),
      limiter_(options.limiter) {}

absl::StatusOr<LoginResponse> AuthManager::Login(
    const rehab::v1::LoginRequest& request, const std::string& peer) {
  FieldViolations v;
  if (request.username().empty() ||
      request.username().size() > kMaxShortLength) {
    v.Add("username", absl::StrCat("1 to ", kMaxShortLength, " characters"));
  }
  if (request.password().empty() ||
      request.password().size() > kMaxPasswordLength) {
    v.Add("password", absl::StrCat("1 to ", kMaxPasswordLength, " bytes"));
  }
  if (request.device_id().size() > kMaxShortLength) {
    v.Add("device_id",
          absl::StrCat("at most ", kMaxShortLength, " characters"));
  }
  RETURN_IF_ERROR(v.ToStatus());

  // Usernames are stored in lower case (validation allows no other), so a
  // name typed with capitals still names its account, and the limiter
  // counts both spellings as one.
  const std::string username = absl::AsciiStrToLower(request.username());
  const absl::Time now = clock_->Now();
  if (!limiter_.Allowed(username, peer, now)) {
    return ErrorWithReason(absl::StatusCode::kResourceExhausted,
                           "too many failed logins; try again later",
                           kReasonLoginRateLimited);
  }

  std::optional<Account> account;
  std::optional<std::string> hash;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(account, txn.GetAccountByUsername(username));
    if (account.has_value()) {
      ASSIGN_OR_RETURN(hash, txn.GetPasswordHash(account->id()));
    }
    return absl::OkStatus();
  }));

  // An unknown name costs one verify like a known one, and fails alike.
  bool verified = false;
  if (account.has_value() && hash.has_value()) {
    verified = hasher_->Verify(*hash, request.password());
  } else {
    hasher_->Verify(dummy_hash_, request.password());
  }
  if (!verified) {
    limiter_.RecordFailure(username, peer, now);
    return BadCredentials();
  }
  limiter_.RecordSuccess(username);
  if (!IsActive(*account)) return AccountDisabled();

  // The slow verify ran outside the writer; the account is read again
  // inside it, so a disable that committed meanwhile is not undone by
  // tokens issued after it.
  LoginResponse response;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Account> current,
                     txn.GetAccount(account->id()));
    if (!current.has_value()) return BadCredentials();
    if (!IsActive(*current)) return AccountDisabled();
    ASSIGN_OR_RETURN(response, IssueTokens(txn, *current, request.device_id()));
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<LoginResponse> AuthManager::RefreshToken(
    const rehab::v1::RefreshTokenRequest& request,
    const std::string& /*peer*/) {
  if (request.refresh_token().empty()) {
    return InvalidArgumentError("refresh_token", "required");
  }
  const std::string token_hash = HashToken(request.refresh_token());
  LoginResponse response;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<TokenRecord> token,
                     txn.GetToken(token_hash));
    if (!token.has_value() || token->kind != TokenRecord::Kind::kRefresh) {
      return TokenRevoked();
    }
    ASSIGN_OR_RETURN(std::optional<Account> account,
                     txn.GetAccount(token->account_id));
    if (!account.has_value()) return TokenRevoked();
    // Before the token's own state: disabling revokes every token, and the
    // device must learn that the account is gone, not merely logged out.
    if (!IsActive(*account)) return AccountDisabled();
    // A spent refresh token was revoked with its family when it was spent,
    // so presenting it again finds the family already revoked.
    if (token->revoked) return TokenRevoked();
    if (clock_->Now() >= token->expire_time) return TokenExpired();
    RETURN_IF_ERROR(txn.RevokeTokenFamily(token->family_id));
    ASSIGN_OR_RETURN(response, IssueTokens(txn, *account, token->device_id));
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<Caller> AuthManager::Authenticate(
    const std::string& access_token, const std::string& peer) {
  if (access_token.empty()) return TokenRevoked();
  const std::string token_hash = HashToken(access_token);
  const absl::Time now = clock_->Now();
  std::shared_ptr<const VerifiedToken> verified;
  if (options_.credentials_epoch) {
    // Read before the store is: an entry read from a snapshot older than a
    // write then carries an epoch older than that write's.
    const int64_t epoch = options_.credentials_epoch();
    verified = Remembered(token_hash, epoch);
    if (verified == nullptr) {
      ASSIGN_OR_RETURN(VerifiedToken read, VerifyInStore(token_hash, now));
      verified = std::make_shared<const VerifiedToken>(std::move(read));
      Remember(token_hash, epoch, verified);
    }
  } else {
    ASSIGN_OR_RETURN(VerifiedToken read, VerifyInStore(token_hash, now));
    verified = std::make_shared<const VerifiedToken>(std::move(read));
  }
  // A remembered token may have expired since; the account's state and
  // the token's revocation cannot have changed at an unchanged epoch.
  if (now >= verified->expire_time) return TokenExpired();
  Caller caller = verified->caller;
  caller.peer = peer;
  for (const BreakGlassGrant& grant : verified->grants) {
    if (grant.expire_time <= now) continue;
    auto& ids = caller.break_glass_patient_ids;
    if (std::find(ids.begin(), ids.end(), grant.patient_id) == ids.end()) {
      ids.push_back(grant.patient_id);
    }
  }
  return caller;
}

absl::StatusOr<AuthManager::VerifiedToken> AuthManager::VerifyInStore(
    const std::string& token_hash, absl::Time now) {
  VerifiedToken verified;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<TokenRecord> token,
                     txn.GetToken(token_hash));
    if (!token.has_value() || token->kind != TokenRecord::Kind::kAccess) {
      return TokenRevoked();
    }
    ASSIGN_OR_RETURN(std::optional<Account> account,
                     txn.GetAccount(token->account_id));
    if (!account.has_value()) return TokenRevoked();
    if (!IsActive(*account)) return AccountDisabled();
    if (token->revoked) return TokenRevoked();
    if (now >= token->expire_time) return TokenExpired();

    verified.expire_time = token->expire_time;
    Caller& caller = verified.caller;
    caller.account_id = account->id();
    caller.username = account->username();
    caller.role = account->role();
    caller.scope_id = account->scope_id();
    caller.ward_ids.assign(account->ward_ids().begin(),
                           account->ward_ids().end());
    caller.device_id = token->device_id;
    if (account->role() == rehab::v1::ROLE_SUPERVISOR) {
      caller.psychiatric_identity = account->psychiatric_identity();
      // A scope area that no longer exists leaves the code empty, which
      // the policy reads as no patients at all.
      ASSIGN_OR_RETURN(std::optional<rehab::v1::Area> area,
                       txn.GetArea(account->scope_id()));
      if (area.has_value()) caller.scope_area_code = area->code();
    }
    if (account->role() == rehab::v1::ROLE_FAMILY_DOCTOR) {
      ASSIGN_OR_RETURN(std::optional<rehab::v1::Practitioner> practitioner,
                       txn.GetPractitioner(account->scope_id()));
      if (practitioner.has_value()) caller.scope_team = practitioner->team();
    }
    // All of them, expired or not, so that a remembered entry can tell
    // which are live at any later time.
    ASSIGN_OR_RETURN(verified.grants, txn.ListBreakGlassGrants(
                                          account->id(), absl::InfinitePast()));
    return absl::OkStatus();
  }));
  return verified;
}

std::shared_ptr<const AuthManager::VerifiedToken> AuthManager::Remembered(
    const std::string& token_hash, int64_t epoch) {
  absl::MutexLock lock(&cache_mu_);
  if (epoch != cache_epoch_) {
    // Something authentication reads was written: nothing remembered
    // holds any more. (An epoch older than the cache's is a caller that
    // read it before another one moved the cache on.)
    if (epoch > cache_epoch_) {
      cache_.clear();
      cache_epoch_ = epoch;
    }
    return nullptr;
  }
  auto it = cache_.find(token_hash);
  return it == cache_.end() ? nullptr : it->second;
}

void AuthManager::Remember(const std::string& token_hash, int64_t epoch,
                           std::shared_ptr<const VerifiedToken> verified) {
  absl::MutexLock lock(&cache_mu_);
  if (epoch < cache_epoch_) return;
  if (epoch > cache_epoch_) {
    cache_.clear();
    cache_epoch_ = epoch;
  }
  if (cache_.size() >= options_.max_cached_tokens) cache_.clear();
  cache_[token_hash] = std::move(verified);
}

absl::Status AuthManager::Logout(const Caller& caller,
                                 const std::string& access_token,
                                 const rehab::v1::LogoutRequest& request) {
  std::vector<std::string> token_hashes = {HashToken(access_token)};
  if (!request.refresh_token().empty()) {
    token_hashes.push_back(HashToken(request.refresh_token()));
  }
  return store_->Write([&](WriteTxn& txn) -> absl::Status {
    for (const std::string& token_hash : token_hashes) {
      ASSIGN_OR_RETURN(std::optional<TokenRecord> token,
                       txn.GetToken(token_hash));
      // Someone else's token is left alone, and not reported, so that
      // logout cannot be used to test which tokens exist.
      if (token.has_value() && token->account_id == caller.account_id) {
        RETURN_IF_ERROR(txn.RevokeTokenFamily(token->family_id));
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<rehab::v1::WhoAmIResponse> AuthManager::WhoAmI(
    const Caller& caller, const std::string& access_token) {
  const std::string token_hash = HashToken(access_token);
  rehab::v1::WhoAmIResponse response;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Account> account,
                     txn.GetAccount(caller.account_id));
    ASSIGN_OR_RETURN(std::optional<TokenRecord> token,
                     txn.GetToken(token_hash));
    if (!account.has_value() || !token.has_value() ||
        token->account_id != caller.account_id) {
      return TokenRevoked();
    }
    *response.mutable_account() = *std::move(account);
    *response.mutable_expire_time() = ToProto(token->expire_time);
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<rehab::v1::BreakGlassResponse> AuthManager::BreakGlass(
    const Caller& caller, const rehab::v1::BreakGlassRequest& request) {
  RETURN_IF_ERROR(AccessPolicy::RequireRole(
      caller, {rehab::v1::ROLE_SUPERVISOR, rehab::v1::ROLE_FAMILY_DOCTOR},
      "break the glass"));
  FieldViolations v;
  if (request.patient_id().empty()) v.Add("patient_id", "required");
  const std::string reason(absl::StripAsciiWhitespace(request.reason()));
  if (reason.empty()) {
    v.Add("reason", "required");
  } else if (reason.size() > kMaxTextLength) {
    v.Add("reason", absl::StrCat("at most ", kMaxTextLength, " bytes"));
  }
  RETURN_IF_ERROR(v.ToStatus());

  BreakGlassGrant grant;
  grant.account_id = caller.account_id;
  grant.patient_id = request.patient_id();
  grant.reason = reason;
  grant.expire_time = clock_->Now() + options_.break_glass_ttl;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    const absl::Status not_found = absl::NotFoundError("patient not found");
    ASSIGN_OR_RETURN(std::optional<rehab::v1::Patient> patient,
                     txn.GetPatient(grant.patient_id));
    if (!patient.has_value()) return not_found;
    // A supervisor's emergency access stays inside their area; a family
    // doctor may be called to any patient, which is what the grant is for.
    if (caller.role == rehab::v1::ROLE_SUPERVISOR) {
      ASSIGN_OR_RETURN(
          const bool in_area,
          txn.PatientInScope(grant.patient_id,
                             AccessPolicy::PatientScopeFor(caller)));
      if (!in_area) return not_found;
    }
    return txn.PutBreakGlassGrant(grant);
  }));
  // DESIGN.md section 7 raises an alert for every break-glass grant. Alerts
  // are stored by ReportService, which does not exist yet; the grant will
  // raise its alert here when the alert table arrives. Until then the API
  // layer's audit event (with the reason) is the record of it.
  rehab::v1::BreakGlassResponse response;
  *response.mutable_expire_time() = ToProto(grant.expire_time);
  return response;
}

absl::StatusOr<Account> AuthManager::BootstrapAdmin(
    const std::string& username, const std::string& password) {
  Account account;
  account.set_username(username);
  account.set_role(rehab::v1::ROLE_ADMIN);
  account.set_state(rehab::v1::ACCOUNT_STATE_ACTIVE);
  RETURN_IF_ERROR(ValidateAccount(account, password));
  RETURN_IF_ERROR(
      StampCreate(account, Caller::System(), clock_->Now(), "account"));
  ASSIGN_OR_RETURN(const std::string hash, hasher_->Hash(password));
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Account> taken,
                     txn.GetAccountByUsername(username));
    if (taken.has_value()) {
      return ErrorWithReason(absl::StatusCode::kAlreadyExists,
                             absl::StrCat("username ", username, " is taken"),
                             kReasonAlreadyExists);
    }
    return txn.PutAccount(account, hash);
  }));
  return account;
}

absl::StatusOr<LoginResponse> AuthManager::IssueTokens(
    WriteTxn& txn, const Account& account, const std::string& device_id) {
  const absl::Time now = clock_->Now();
  TokenRecord access;
  access.kind = TokenRecord::Kind::kAccess;
  access.account_id = account.id();
  access.family_id = NewUuid();
  access.device_id = device_id;
  access.issue_time = now;
  access.expire_time = now + options_.access_ttl;
  TokenRecord refresh = access;
  refresh.kind = TokenRecord::Kind::kRefresh;
  refresh.expire_time = now + options_.refresh_ttl;

  LoginResponse response;
  response.set_access_token(NewToken());
  response.set_refresh_token(NewToken());
  access.token_hash = HashToken(response.access_token());
  refresh.token_hash = HashToken(response.refresh_token());
  RETURN_IF_ERROR(txn.PutToken(access));
  RETURN_IF_ERROR(txn.PutToken(refresh));
  *response.mutable_expire_time() = ToProto(access.expire_time);
  *response.mutable_refresh_expire_time() = ToProto(refresh.expire_time);
  *response.mutable_account() = account;
  return response;
}

}  // namespace rehab
