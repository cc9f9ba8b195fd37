#include "server/domain/auth_manager.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"
#include "tests/server/domain/fake_store.h"

namespace rehab {
namespace {

using ::rehab::v1::Account;
using ::rehab::v1::LoginRequest;
using ::rehab::v1::LoginResponse;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kCounty[] = "a0000000-0000-4000-8000-000000000001";
constexpr char kTownship[] = "a0000000-0000-4000-8000-000000000002";
constexpr char kOtherTownship[] = "a0000000-0000-4000-8000-000000000003";
constexpr char kInside[] = "b0000000-0000-4000-8000-000000000001";
constexpr char kOutside[] = "b0000000-0000-4000-8000-000000000002";
constexpr char kPassword[] = "correct horse";

class AuthManagerTest : public ::testing::Test {
 protected:
  AuthManagerTest()
      : clock_(absl::FromUnixSeconds(1700000000)),
        hasher_(PasswordHasherOptions::ForTests()),
        auth_(&store_, &clock_, &hasher_, Options()) {}

  static AuthOptions Options() {
    AuthOptions options;
    options.limiter.max_failures_per_account = 3;
    options.limiter.max_failures_per_peer = 50;
    return options;
  }

  void SetUp() override {
    ASSERT_TRUE(store_
                    .Write([](WriteTxn& txn) -> absl::Status {
                      rehab::v1::Area county;
                      county.set_id(kCounty);
                      county.set_code("320831");
                      RETURN_IF_ERROR(txn.PutArea(county));
                      rehab::v1::Area township;
                      township.set_id(kTownship);
                      township.set_code("320831001");
                      township.set_parent_id(kCounty);
                      RETURN_IF_ERROR(txn.PutArea(township));
                      rehab::v1::Area other;
                      other.set_id(kOtherTownship);
                      other.set_code("320831002");
                      other.set_parent_id(kCounty);
                      RETURN_IF_ERROR(txn.PutArea(other));
                      rehab::v1::Patient in;
                      in.set_id(kInside);
                      in.set_id_number("11010519491231002X");
                      in.set_area_id(kTownship);
                      RETURN_IF_ERROR(txn.PutPatient(in));
                      rehab::v1::Patient out;
                      out.set_id(kOutside);
                      out.set_id_number("34052419800101001X");
                      out.set_area_id(kOtherTownship);
                      return txn.PutPatient(out);
                    })
                    .ok());
  }

  Account AddAccount(const std::string& username, rehab::v1::Role role,
                     const std::string& scope_id = "") {
    Account account;
    account.set_id("c0000000-0000-4000-8000-" +
                   std::string(12 - std::to_string(next_id_).size(), '0') +
                   std::to_string(next_id_));
    ++next_id_;
    account.set_username(username);
    account.set_role(role);
    account.set_scope_id(scope_id);
    account.set_state(rehab::v1::ACCOUNT_STATE_ACTIVE);
    absl::StatusOr<std::string> hash = hasher_.Hash(kPassword);
    EXPECT_TRUE(hash.ok());
    EXPECT_TRUE(store_
                    .Write([&](WriteTxn& txn) {
                      return txn.PutAccount(account, *hash);
                    })
                    .ok());
    return account;
  }

  absl::StatusOr<LoginResponse> Login(const std::string& username,
                                      const std::string& password,
                                      const std::string& peer = "10.0.0.1") {
    LoginRequest request;
    request.set_username(username);
    request.set_password(password);
    request.set_device_id("phone-1");
    return auth_.Login(request, peer);
  }

  absl::StatusOr<LoginResponse> Refresh(const std::string& refresh_token) {
    rehab::v1::RefreshTokenRequest request;
    request.set_refresh_token(refresh_token);
    return auth_.RefreshToken(request, "10.0.0.1");
  }

  void Disable(Account account) {
    account.set_state(rehab::v1::ACCOUNT_STATE_DISABLED);
    ASSERT_TRUE(store_
                    .Write([&](WriteTxn& txn) -> absl::Status {
                      RETURN_IF_ERROR(txn.PutAccount(account, std::nullopt));
                      return txn.RevokeAccountTokens(account.id());
                    })
                    .ok());
  }

  FakeStore store_;
  FakeClock clock_;
  PasswordHasher hasher_;
  AuthManager auth_;
  int next_id_ = 1;
};

void ExpectUnauthenticated(const absl::Status& status,
                           const std::string& reason) {
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  EXPECT_EQ(ReasonOf(status), reason) << status;
}

TEST_F(AuthManagerTest, LoginReturnsTokensAndTheAccount) {
  const Account alice =
      AddAccount("alice", rehab::v1::ROLE_SUPERVISOR, kTownship);
  absl::StatusOr<LoginResponse> login = Login("alice", kPassword);
  ASSERT_TRUE(login.ok()) << login.status();

  EXPECT_EQ(login->access_token().size(), 43u);
  EXPECT_EQ(login->refresh_token().size(), 43u);
  EXPECT_NE(login->access_token(), login->refresh_token());
  EXPECT_EQ(login->access_token().find_first_of("+/="), std::string::npos);
  EXPECT_EQ(FromProto(login->expire_time()), clock_.Now() + absl::Hours(1));
  EXPECT_EQ(FromProto(login->refresh_expire_time()),
            clock_.Now() + absl::Hours(24 * 30));
  EXPECT_EQ(login->account().id(), alice.id());
  EXPECT_EQ(login->account().username(), "alice");
  EXPECT_EQ(login->account().role(), rehab::v1::ROLE_SUPERVISOR);

  // Only hashes are stored, never the tokens themselves.
  std::vector<TokenRecord> tokens = store_.tokens();
  ASSERT_EQ(tokens.size(), 2u);
  for (const TokenRecord& token : tokens) {
    EXPECT_NE(token.token_hash, login->access_token());
    EXPECT_NE(token.token_hash, login->refresh_token());
    EXPECT_EQ(token.account_id, alice.id());
    EXPECT_EQ(token.device_id, "phone-1");
  }
  EXPECT_EQ(tokens[0].family_id, tokens[1].family_id);
  EXPECT_NE(tokens[0].kind, tokens[1].kind);
}

TEST_F(AuthManagerTest, LoginTakesTheUsernameInAnyLetterCase) {
  AddAccount("alice", rehab::v1::ROLE_ADMIN);
  EXPECT_TRUE(Login("Alice", kPassword).ok());
}

TEST_F(AuthManagerTest, WrongPasswordAndUnknownUserFailAlike) {
  AddAccount("alice", rehab::v1::ROLE_ADMIN);
  absl::Status wrong = Login("alice", "not the password").status();
  absl::Status unknown = Login("mallory", kPassword).status();
  ExpectUnauthenticated(wrong, kReasonBadCredentials);
  ExpectUnauthenticated(unknown, kReasonBadCredentials);
  EXPECT_EQ(wrong.message(), unknown.message());
}

TEST_F(AuthManagerTest, LoginRefusesEmptyCredentials) {
  absl::Status status = Login("", "").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(status)) {
    fields.push_back(v.field);
  }
  EXPECT_THAT(fields, ElementsAre("username", "password"));
}

TEST_F(AuthManagerTest, RateLimitsAnAccountAfterRepeatedFailures) {
  AddAccount("alice", rehab::v1::ROLE_ADMIN);
  for (int i = 0; i < 3; ++i) {
    ExpectUnauthenticated(Login("alice", "guess").status(),
                          kReasonBadCredentials);
  }
  // Even the right password is refused while the limit holds.
  absl::Status limited = Login("alice", kPassword).status();
  EXPECT_EQ(limited.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(limited), kReasonLoginRateLimited);

  clock_.Advance(absl::Minutes(16));
  EXPECT_TRUE(Login("alice", kPassword).ok());
}

TEST_F(AuthManagerTest, RateLimitsUnknownUsersToo) {
  for (int i = 0; i < 3; ++i) Login("mallory", "guess").status().IgnoreError();
  EXPECT_EQ(Login("mallory", "guess").status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(AuthManagerTest, AuthenticateReturnsTheCaller) {
  const Account alice =
      AddAccount("alice", rehab::v1::ROLE_SUPERVISOR, kTownship);
  absl::StatusOr<LoginResponse> login = Login("alice", kPassword);
  ASSERT_TRUE(login.ok());

  absl::StatusOr<Caller> caller =
      auth_.Authenticate(login->access_token(), "10.0.0.9");
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->account_id, alice.id());
  EXPECT_EQ(caller->username, "alice");
  EXPECT_EQ(caller->role, rehab::v1::ROLE_SUPERVISOR);
  EXPECT_EQ(caller->scope_id, kTownship);
  EXPECT_EQ(caller->scope_area_code, "320831001");
  EXPECT_EQ(caller->device_id, "phone-1");
  EXPECT_EQ(caller->peer, "10.0.0.9");
  EXPECT_FALSE(caller->psychiatric_identity);
  EXPECT_THAT(caller->break_glass_patient_ids, IsEmpty());
}

TEST_F(AuthManagerTest, AuthenticateCarriesAGuardiansWards) {
  Account guardian = AddAccount("guardian", rehab::v1::ROLE_PATIENT, kInside);
  guardian.add_ward_ids(kOutside);
  ASSERT_TRUE(store_
                  .Write([&](WriteTxn& txn) {
                    return txn.PutAccount(guardian, std::nullopt);
                  })
                  .ok());
  absl::StatusOr<LoginResponse> login = Login("guardian", kPassword);
  ASSERT_TRUE(login.ok());
  absl::StatusOr<Caller> caller = auth_.Authenticate(login->access_token(), "");
  ASSERT_TRUE(caller.ok());
  EXPECT_THAT(caller->ward_ids, ElementsAre(kOutside));
}

TEST_F(AuthManagerTest, AuthenticateRefusesAnExpiredAccessToken) {
  AddAccount("alice", rehab::v1::ROLE_ADMIN);
  absl::StatusOr<LoginResponse> login = Login("alice", kPassword);
  ASSERT_TRUE(login.ok());
  clock_.Advance(absl::Minutes(59));
  EXPECT_TRUE(auth_.Authenticate(login->access_token(), "").ok());
  clock_.Advance(absl::Minutes(1));
  ExpectUnauthenticated(auth_.Authenticate(login->access_token(), "").status(),
                        kReasonTokenExpired);
}

TEST_F(AuthManagerTest, AuthenticateRefusesUnknownTokensAndRefreshTokens) {
  AddAccount("alice", rehab::v1::ROLE_ADMIN);
  absl::StatusOr<LoginResponse> login = Login("alice", kPassword);
  ASSERT_TRUE(login.ok());
  ExpectUnauthenticated(auth_.Authenticate("made-up", "").status(),
                        kReasonTokenRevoked);
  ExpectUnauthenticated(auth_.Authenticate("", "").status(),
                        kReasonTokenRevoked);
  ExpectUnauthenticated(auth_.Authenticate(login->refresh_token(), "").status(),
                        kReasonTokenRevoked);
}

TEST_F(AuthManagerTest, LogoutRevokesTheTokenPair) {
  AddAccount("alice", rehab::v1::ROLE_ADMIN);
  absl::StatusOr<LoginResponse> login = Login("alice", kPassword);
  ASSERT_TRUE(login.ok());
  absl::StatusOr<Caller> caller = auth_.Authenticate(login->access_token(), "");
  ASSERT_TRUE(caller.ok());

  ASSERT_TRUE(auth_.Logout(*caller, login->access_token(), {}).ok());
  ExpectUnauthenticated(auth_.Authenticate(login->access_token(), "").status(),
                        kReasonTokenRevoked);
  ExpectUnauthenticated(Refresh(login->refresh_token()).status(),
                        kReasonTokenRevoked);
}

TEST_F(AuthManagerTest, LogoutLeavesOtherAccountsTokensAlone) {
  AddAccount("alice", rehab::v1::ROLE_ADMIN);
  AddAccount("bob", rehab::v1::ROLE_ADMIN);
  absl::StatusOr<LoginResponse> alice = Login("alice", kPassword);
  absl::StatusOr<LoginResponse> bob = Login("bob", kPassword);
  ASSERT_TRUE(alice.ok() && bob.ok());
  absl::StatusOr<Caller> caller = auth_.Authenticate(alice->access_token(), "");
  ASSERT_TRUE(caller.ok());

  rehab::v1::LogoutRequest request;
  request.set_refresh_token(bob->refresh_token());
  ASSERT_TRUE(auth_.Logout(*caller, alice->access_token(), request).ok());
  EXPECT_TRUE(auth_.Authenticate(bob->access_token(), "").ok());
  EXPECT_TRUE(Refresh(bob->refresh_token()).ok());
}

TEST_F(AuthManagerTest, RefreshIssuesANewPairAndSpendsTheOldOne) {
  AddAccount("alice", rehab::v1::ROLE_ADMIN);
  absl::StatusOr<LoginResponse> login = Login("alice", kPassword);
  ASSERT_TRUE(login.ok());
  clock_.Advance(absl::Minutes(30));

  absl::StatusOr<LoginResponse> refreshed = Refresh(login->refresh_token());
  ASSERT_TRUE(refreshed.ok()) << refreshed.status();
  EXPECT_NE(refreshed->access_token(), login->access_token());
  EXPECT_NE(refreshed->refresh_token(), login->refresh_token());
  EXPECT_EQ(FromProto(refreshed->expire_time()), clock_.Now() + absl::Hours(1));
  EXPECT_EQ(refreshed->account().username(), "alice");
  absl::StatusOr<Caller> caller =
      auth_.Authenticate(refreshed->access_token(), "");
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ(caller->device_id, "phone-1");

  // The old refresh token is spent, and the old pair is gone with it.
  ExpectUnauthenticated(Refresh(login->refresh_token()).status(),
                        kReasonTokenRevoked);
  ExpectUnauthenticated(auth_.Authenticate(login->access_token(), "").status(),
                        kReasonTokenRevoked);
  // Reusing the spent token touches only its own, already revoked, family.
  EXPECT_TRUE(auth_.Authenticate(refreshed->access_token(), "").ok());
}

TEST_F(AuthManagerTest, RefreshRefusesExpiredAndAccessTokens) {
  AddAccount("alice", rehab::v1::ROLE_ADMIN);
  absl::StatusOr<LoginResponse> login = Login("alice", kPassword);
  ASSERT_TRUE(login.ok());
  ExpectUnauthenticated(Refresh(login->access_token()).status(),
                        kReasonTokenRevoked);
  ExpectUnauthenticated(Refresh("made-up").status(), kReasonTokenRevoked);
  EXPECT_EQ(Refresh("").status().code(), absl::StatusCode::kInvalidArgument);
  clock_.Advance(absl::Hours(24 * 30));
  ExpectUnauthenticated(Refresh(login->refresh_token()).status(),
                        kReasonTokenExpired);
}

TEST_F(AuthManagerTest, DisabledAccountCannotLogInOrUseItsTokens) {
  const Account alice = AddAccount("alice", rehab::v1::ROLE_ADMIN);
  absl::StatusOr<LoginResponse> login = Login("alice", kPassword);
  ASSERT_TRUE(login.ok());
  Disable(alice);

  ExpectUnauthenticated(Login("alice", kPassword).status(),
                        kReasonAccountDisabled);
  // A wrong password does not reveal that the account is disabled.
  ExpectUnauthenticated(Login("alice", "guess").status(),
                        kReasonBadCredentials);
  // Tokens issued before say ACCOUNT_DISABLED (so the device wipes its
  // data), not merely that they were revoked.
  ExpectUnauthenticated(auth_.Authenticate(login->access_token(), "").status(),
                        kReasonAccountDisabled);
  ExpectUnauthenticated(Refresh(login->refresh_token()).status(),
                        kReasonAccountDisabled);
}

TEST_F(AuthManagerTest, WhoAmIReturnsTheAccountAndExpiry) {
  AddAccount("alice", rehab::v1::ROLE_ADMIN);
  absl::StatusOr<LoginResponse> login = Login("alice", kPassword);
  ASSERT_TRUE(login.ok());
  absl::StatusOr<Caller> caller = auth_.Authenticate(login->access_token(), "");
  ASSERT_TRUE(caller.ok());
  absl::StatusOr<rehab::v1::WhoAmIResponse> me =
      auth_.WhoAmI(*caller, login->access_token());
  ASSERT_TRUE(me.ok()) << me.status();
  EXPECT_EQ(me->account().username(), "alice");
  EXPECT_EQ(FromProto(me->expire_time()), FromProto(login->expire_time()));
}

TEST_F(AuthManagerTest, BootstrapAdminCreatesAnAdministratorOnce) {
  absl::StatusOr<Account> admin = auth_.BootstrapAdmin("root", "long enough");
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_FALSE(admin->id().empty());
  EXPECT_EQ(admin->version(), 1);
  EXPECT_EQ(admin->author(), "system");
  EXPECT_EQ(admin->role(), rehab::v1::ROLE_ADMIN);
  EXPECT_EQ(admin->state(), rehab::v1::ACCOUNT_STATE_ACTIVE);

  absl::StatusOr<LoginResponse> login = Login("root", "long enough");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->account().id(), admin->id());

  absl::Status again =
      auth_.BootstrapAdmin("root", "another password").status();
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  // The first password still holds.
  EXPECT_TRUE(Login("root", "long enough").ok());
}

TEST_F(AuthManagerTest, BootstrapAdminRefusesBadNamesAndShortPasswords) {
  EXPECT_EQ(auth_.BootstrapAdmin("ro", "long enough").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth_.BootstrapAdmin("Root Admin", "long enough").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(auth_.BootstrapAdmin("root", "short").status().code(),
            absl::StatusCode::kInvalidArgument);
  std::optional<Account> stored;
  ASSERT_TRUE(store_
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(stored, txn.GetAccountByUsername("root"));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_FALSE(stored.has_value());
}

class BreakGlassTest : public AuthManagerTest {
 protected:
  Caller LoggedIn(const std::string& username) {
    absl::StatusOr<LoginResponse> login = Login(username, kPassword);
    EXPECT_TRUE(login.ok()) << login.status();
    if (!login.ok()) return Caller();
    access_token_ = login->access_token();
    absl::StatusOr<Caller> caller = auth_.Authenticate(access_token_, "");
    EXPECT_TRUE(caller.ok()) << caller.status();
    return caller.ok() ? *caller : Caller();
  }

  absl::StatusOr<rehab::v1::BreakGlassResponse> BreakGlass(
      const Caller& caller, const std::string& patient_id,
      const std::string& reason = "patient in crisis at the clinic") {
    rehab::v1::BreakGlassRequest request;
    request.set_patient_id(patient_id);
    request.set_reason(reason);
    return auth_.BreakGlass(caller, request);
  }

  std::string access_token_;
};

TEST_F(BreakGlassTest, GrantShowsInTheCallerUntilItExpires) {
  AddAccount("sup", rehab::v1::ROLE_SUPERVISOR, kTownship);
  const Caller caller = LoggedIn("sup");
  absl::StatusOr<rehab::v1::BreakGlassResponse> grant =
      BreakGlass(caller, kInside);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_EQ(FromProto(grant->expire_time()), clock_.Now() + absl::Hours(4));

  absl::StatusOr<Caller> after = auth_.Authenticate(access_token_, "");
  ASSERT_TRUE(after.ok());
  EXPECT_THAT(after->break_glass_patient_ids, ElementsAre(kInside));

  clock_.Advance(absl::Hours(4));
  // The access token has expired too; a fresh login shows no grant.
  const Caller later = LoggedIn("sup");
  EXPECT_THAT(later.break_glass_patient_ids, IsEmpty());
}

TEST_F(BreakGlassTest, SupervisorIsLimitedToTheirArea) {
  AddAccount("sup", rehab::v1::ROLE_SUPERVISOR, kTownship);
  const Caller caller = LoggedIn("sup");
  EXPECT_EQ(BreakGlass(caller, kOutside).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(BreakGlass(caller, "b0000000-0000-4000-8000-00000000ffff")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(BreakGlassTest, FamilyDoctorMayOpenAnyExistingPatient) {
  AddAccount("doc", rehab::v1::ROLE_FAMILY_DOCTOR,
             "d0000000-0000-4000-8000-000000000001");
  const Caller caller = LoggedIn("doc");
  EXPECT_TRUE(BreakGlass(caller, kOutside).ok());
  EXPECT_EQ(BreakGlass(caller, "b0000000-0000-4000-8000-00000000ffff")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(BreakGlassTest, RequiresAReasonAndAnEntitledRole) {
  AddAccount("sup", rehab::v1::ROLE_SUPERVISOR, kTownship);
  AddAccount("kiosk", rehab::v1::ROLE_KIOSK,
             "f0000000-0000-4000-8000-000000000001");
  AddAccount("admin", rehab::v1::ROLE_ADMIN);

  absl::Status no_reason = BreakGlass(LoggedIn("sup"), kInside, "  ").status();
  EXPECT_EQ(no_reason.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(FieldViolationsOf(no_reason).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(no_reason)[0].field, "reason");

  EXPECT_EQ(BreakGlass(LoggedIn("kiosk"), kInside).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(BreakGlass(LoggedIn("admin"), kInside).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace rehab
