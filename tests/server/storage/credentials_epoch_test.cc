// The credentials epoch of SqliteStore, and AuthManager's cache over it:
// every change to what authentication reads applies to the next call.
#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/clock.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"
#include "server/domain/auth_manager.h"
#include "server/domain/password_hasher.h"
#include "server/storage/sqlite_store.h"
#include "tests/server/storage/store_test_util.h"

namespace rehab {
namespace {

using ::rehab::storage_test::MakeAccount;
using ::rehab::storage_test::MakeArea;
using ::rehab::storage_test::MakePatient;
using ::rehab::storage_test::SeedCounty;
using ::rehab::storage_test::TempDir;
using ::rehab::v1::Account;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kPassword[] = "correct horse";
constexpr char kSupervisorId[] = "c0000000-0000-4000-8000-000000000001";

class CredentialsEpochTest : public ::testing::Test {
 protected:
  CredentialsEpochTest()
      : clock_(absl::FromUnixSeconds(1700000000)),
        hasher_(PasswordHasherOptions::ForTests()) {}

  void SetUp() override {
    store_ = storage_test::OpenStoreOrDie(dir_.File("rehab.db"));
    ASSERT_TRUE(SeedCounty(*store_).ok());
    absl::StatusOr<std::string> hash = hasher_.Hash(kPassword);
    ASSERT_TRUE(hash.ok());
    supervisor_ = MakeAccount(kSupervisorId, "sup", rehab::v1::ROLE_SUPERVISOR,
                              "a-town1");
    ASSERT_TRUE(WriteDirect([&](WriteTxn& txn) {
                  RETURN_IF_ERROR(txn.PutAccount(supervisor_, *hash));
                  rehab::v1::Patient patient =
                      MakePatient("p-1", 1, "Wang Fang", "a-vil2", "");
                  return txn.PutPatient(patient);
                }).ok());

    AuthOptions options;
    options.credentials_epoch = [store = store_.get()] {
      return store->credentials_epoch();
    };
    auth_ =
        std::make_unique<AuthManager>(store_.get(), &clock_, &hasher_, options);
    rehab::v1::LoginRequest login;
    login.set_username("sup");
    login.set_password(kPassword);
    absl::StatusOr<rehab::v1::LoginResponse> tokens =
        auth_->Login(login, "10.0.0.1");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    tokens_ = *std::move(tokens);
    // Remembered from here on.
    ASSERT_TRUE(Authenticate().ok());
  }

  // A write that goes around AuthManager, as other managers' writes do.
  absl::Status WriteDirect(std::function<absl::Status(WriteTxn&)> fn) {
    return store_->Write(std::move(fn));
  }

  absl::StatusOr<Caller> Authenticate() {
    return auth_->Authenticate(tokens_.access_token(), "10.0.0.1");
  }

  std::optional<TokenRecord> AccessToken() {
    std::optional<TokenRecord> token;
    EXPECT_TRUE(store_
                    ->Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(
                          token,
                          txn.GetToken(HashToken(tokens_.access_token())));
                      return absl::OkStatus();
                    })
                    .ok());
    return token;
  }

  TempDir dir_;
  FakeClock clock_;
  PasswordHasher hasher_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<AuthManager> auth_;
  Account supervisor_;
  rehab::v1::LoginResponse tokens_;
};

TEST_F(CredentialsEpochTest, GrowsWithEveryWriteToWhatAuthenticationReads) {
  const int64_t start = store_->credentials_epoch();
  ASSERT_TRUE(WriteDirect([](WriteTxn& txn) {
                rehab::v1::Patient patient =
                    MakePatient("p-2", 2, "Li Lei", "a-vil1", "f-vil1");
                return txn.PutPatient(patient);
              }).ok());
  EXPECT_EQ(store_->credentials_epoch(), start);

  int64_t last = start;
  const auto expect_grown = [&](const char* what) {
    EXPECT_GT(store_->credentials_epoch(), last) << what;
    last = store_->credentials_epoch();
  };
  ASSERT_TRUE(WriteDirect([&](WriteTxn& txn) {
                Account changed = supervisor_;
                changed.set_psychiatric_identity(true);
                return txn.PutAccount(changed, std::nullopt);
              }).ok());
  expect_grown("PutAccount");
  std::optional<TokenRecord> token = AccessToken();
  ASSERT_TRUE(token.has_value());
  ASSERT_TRUE(WriteDirect([&](WriteTxn& txn) {
                TokenRecord other = *token;
                other.token_hash = HashToken("another token");
                return txn.PutToken(other);
              }).ok());
  expect_grown("PutToken");
  ASSERT_TRUE(WriteDirect([&](WriteTxn& txn) {
                return txn.RevokeTokenFamily("no such family");
              }).ok());
  expect_grown("RevokeTokenFamily");
  ASSERT_TRUE(WriteDirect([&](WriteTxn& txn) {
                return txn.RevokeAccountTokens("no such account");
              }).ok());
  expect_grown("RevokeAccountTokens");
  ASSERT_TRUE(WriteDirect([&](WriteTxn& txn) {
                BreakGlassGrant grant;
                grant.account_id = kSupervisorId;
                grant.patient_id = "p-1";
                grant.reason = "found unconscious";
                grant.expire_time = clock_.Now() + absl::Hours(1);
                return txn.PutBreakGlassGrant(grant);
              }).ok());
  expect_grown("PutBreakGlassGrant");
  ASSERT_TRUE(WriteDirect([](WriteTxn& txn) {
                rehab::v1::Area area =
                    MakeArea("a-vil3", "320831001002", "a-town1");
                return txn.PutArea(area);
              }).ok());
  expect_grown("PutArea");
}

TEST_F(CredentialsEpochTest, GrowsEvenWhenTheWriteIsRolledBack) {
  const int64_t start = store_->credentials_epoch();
  const absl::Status failed = WriteDirect([](WriteTxn& txn) -> absl::Status {
    RETURN_IF_ERROR(txn.RevokeAccountTokens(kSupervisorId));
    return absl::AbortedError("changed my mind");
  });
  EXPECT_TRUE(absl::IsAborted(failed));
  EXPECT_GT(store_->credentials_epoch(), start);
  EXPECT_TRUE(Authenticate().ok());
}

TEST_F(CredentialsEpochTest, RevokedTokenFailsAtTheNextCall) {
  std::optional<TokenRecord> token = AccessToken();
  ASSERT_TRUE(token.has_value());
  ASSERT_TRUE(WriteDirect([&](WriteTxn& txn) {
                return txn.RevokeTokenFamily(token->family_id);
              }).ok());
  absl::StatusOr<Caller> caller = Authenticate();
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(caller.status()), kReasonTokenRevoked);
}

TEST_F(CredentialsEpochTest, DisabledAccountFailsAtTheNextCall) {
  ASSERT_TRUE(WriteDirect([&](WriteTxn& txn) {
                Account disabled = supervisor_;
                disabled.set_state(rehab::v1::ACCOUNT_STATE_DISABLED);
                return txn.PutAccount(disabled, std::nullopt);
              }).ok());
  absl::StatusOr<Caller> caller = Authenticate();
  EXPECT_EQ(ReasonOf(caller.status()), kReasonAccountDisabled);
}

TEST_F(CredentialsEpochTest, ScopeAndGrantChangesShowAtTheNextCall) {
  absl::StatusOr<Caller> before = Authenticate();
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->scope_area_code, "320831001");
  EXPECT_THAT(before->break_glass_patient_ids, IsEmpty());

  ASSERT_TRUE(WriteDirect([&](WriteTxn& txn) -> absl::Status {
                Account moved = supervisor_;
                moved.set_scope_id("a-town2");
                RETURN_IF_ERROR(txn.PutAccount(moved, std::nullopt));
                BreakGlassGrant grant;
                grant.account_id = kSupervisorId;
                grant.patient_id = "p-1";
                grant.reason = "found unconscious";
                grant.expire_time = clock_.Now() + absl::Minutes(30);
                return txn.PutBreakGlassGrant(grant);
              }).ok());
  absl::StatusOr<Caller> after = Authenticate();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->scope_area_code, "320831002");
  EXPECT_THAT(after->break_glass_patient_ids, ElementsAre("p-1"));

  // Expiry needs no write: the remembered grant and token lapse with the
  // clock.
  clock_.Advance(absl::Minutes(31));
  after = Authenticate();
  ASSERT_TRUE(after.ok());
  EXPECT_THAT(after->break_glass_patient_ids, IsEmpty());
  clock_.Advance(absl::Hours(1));
  after = Authenticate();
  EXPECT_EQ(ReasonOf(after.status()), kReasonTokenExpired);
}

// What the header warns of: a write the store did not make (another
// process on the same file) does not move the epoch, so a remembered token
// stays good. rehabd is the only writer of its database.
TEST_F(CredentialsEpochTest, AnswersFromMemoryWhileTheEpochStands) {
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("rehab.db").c_str(), &other), SQLITE_OK);
  sqlite3_busy_timeout(other, 5000);
  EXPECT_EQ(sqlite3_exec(other, "UPDATE tokens SET revoked = 1", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(other);
  EXPECT_TRUE(Authenticate().ok());

  // Any write through the store ends it.
  ASSERT_TRUE(WriteDirect([](WriteTxn& txn) {
                return txn.RevokeTokenFamily("no such family");
              }).ok());
  EXPECT_EQ(ReasonOf(Authenticate().status()), kReasonTokenRevoked);
}

TEST_F(CredentialsEpochTest, WithoutAnEpochEveryCallReadsTheStore) {
  AuthManager uncached(store_.get(), &clock_, &hasher_, AuthOptions());
  ASSERT_TRUE(uncached.Authenticate(tokens_.access_token(), "p").ok());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("rehab.db").c_str(), &other), SQLITE_OK);
  sqlite3_busy_timeout(other, 5000);
  EXPECT_EQ(sqlite3_exec(other, "UPDATE tokens SET revoked = 1", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(
      ReasonOf(uncached.Authenticate(tokens_.access_token(), "p").status()),
      kReasonTokenRevoked);
}

}  // namespace
}  // namespace rehab
