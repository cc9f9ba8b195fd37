// Logins, tokens and account state over the wire, with the error reasons a
// client decodes from the grpc-status-details-bin trailer.
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/integration/test_server.h"

namespace rehab::testing {
namespace {

namespace v1 = ::rehab::v1;

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = TestServer::StartOrDie(); }

  // WhoAmI with `token`: the cheapest authenticated call.
  grpc::Status WhoAmI(const std::string& token,
                      v1::WhoAmIResponse* response = nullptr) {
    v1::WhoAmIResponse ignored;
    auto context = TestServer::Context(token);
    return server_->Auth()->WhoAmI(context.get(), v1::WhoAmIRequest(),
                                   response != nullptr ? response : &ignored);
  }

  std::unique_ptr<TestServer> server_;
};

TEST_F(AuthTest, LoginReturnsTokensThatAuthenticate) {
  v1::LoginResponse login;
  grpc::Status status = server_->Login(kAdminUsername, kAdminPassword, &login);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(login.access_token().empty());
  EXPECT_FALSE(login.refresh_token().empty());
  EXPECT_NE(login.access_token(), login.refresh_token());
  EXPECT_EQ(login.account().username(), kAdminUsername);
  EXPECT_EQ(login.account().role(), v1::ROLE_ADMIN);

  v1::WhoAmIResponse who;
  status = WhoAmI(login.access_token(), &who);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(who.account().username(), kAdminUsername);
}

TEST_F(AuthTest, WrongPasswordIsUnauthenticatedWithBadCredentials) {
  v1::LoginResponse login;
  grpc::Status status =
      server_->Login(kAdminUsername, "not-the-password", &login);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  WireError error = DecodeError(status);
  ASSERT_TRUE(error.has_details);
  EXPECT_EQ(error.reason, "BAD_CREDENTIALS");
  EXPECT_EQ(error.domain, "rehab.v1");
  EXPECT_TRUE(login.access_token().empty());

  // An unknown name fails the same way, so names cannot be probed.
  status = server_->Login("nobody", "not-the-password", &login);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DecodeError(status).reason, "BAD_CREDENTIALS");
}

TEST_F(AuthTest, EmptyUsernameIsInvalidArgumentNamingTheField) {
  v1::LoginResponse login;
  grpc::Status status = server_->Login("", "whatever-password", &login);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  WireError error = DecodeError(status);
  ASSERT_TRUE(error.has_details);
  EXPECT_EQ(error.fields, std::vector<std::string>{"username"});
}

TEST_F(AuthTest, CallWithoutTokenIsUnauthenticated) {
  grpc::Status status = WhoAmI("");
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(DecodeError(status).has_details);

  // A token the server never issued counts as revoked.
  status = WhoAmI("made-up-token");
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DecodeError(status).reason, "TOKEN_REVOKED");
}

TEST_F(AuthTest, MalformedAuthorizationIsUnauthenticated) {
  auto context = TestServer::Context();
  context->AddMetadata("authorization", "Basic YWRtaW46YWRtaW4=");
  v1::WhoAmIResponse who;
  grpc::Status status =
      server_->Auth()->WhoAmI(context.get(), v1::WhoAmIRequest(), &who);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthTest, AccessTokenExpiresWithTheClock) {
  v1::LoginResponse login;
  ASSERT_TRUE(server_->Login(kAdminUsername, kAdminPassword, &login).ok());
  ASSERT_TRUE(WhoAmI(login.access_token()).ok());

  server_->clock().Advance(absl::Hours(1) + absl::Seconds(1));
  grpc::Status status = WhoAmI(login.access_token());
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DecodeError(status).reason, "TOKEN_EXPIRED");
}

TEST_F(AuthTest, RefreshIssuesNewTokensAndSpendsTheOldOne) {
  v1::LoginResponse login;
  ASSERT_TRUE(server_->Login(kAdminUsername, kAdminPassword, &login).ok());
  server_->clock().Advance(absl::Hours(2));
  ASSERT_EQ(DecodeError(WhoAmI(login.access_token())).reason, "TOKEN_EXPIRED");

  v1::RefreshTokenRequest refresh;
  refresh.set_refresh_token(login.refresh_token());
  v1::LoginResponse renewed;
  auto context = TestServer::Context();
  grpc::Status status =
      server_->Auth()->RefreshToken(context.get(), refresh, &renewed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_NE(renewed.access_token(), login.access_token());
  EXPECT_TRUE(WhoAmI(renewed.access_token()).ok());

  // The spent refresh token does not work twice.
  v1::LoginResponse again;
  auto context2 = TestServer::Context();
  status = server_->Auth()->RefreshToken(context2.get(), refresh, &again);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DecodeError(status).reason, "TOKEN_REVOKED");
}

TEST_F(AuthTest, LogoutRevokesTheToken) {
  v1::LoginResponse login;
  ASSERT_TRUE(server_->Login(kAdminUsername, kAdminPassword, &login).ok());
  v1::LogoutRequest logout;
  logout.set_refresh_token(login.refresh_token());
  v1::LogoutResponse out;
  auto context = TestServer::Context(login.access_token());
  grpc::Status status = server_->Auth()->Logout(context.get(), logout, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();

  status = WhoAmI(login.access_token());
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DecodeError(status).reason, "TOKEN_REVOKED");

  v1::RefreshTokenRequest refresh;
  refresh.set_refresh_token(login.refresh_token());
  v1::LoginResponse renewed;
  auto context2 = TestServer::Context();
  status = server_->Auth()->RefreshToken(context2.get(), refresh, &renewed);
  EXPECT_EQ(DecodeError(status).reason, "TOKEN_REVOKED");
}

TEST_F(AuthTest, DisabledAccountLosesItsTokensAtOnce) {
  v1::Area county = server_->CreateArea("320831", "Demo County");
  v1::Account account =
      server_->CreateAccount("supervisor1", v1::ROLE_SUPERVISOR, county.id());
  v1::LoginResponse login;
  ASSERT_TRUE(server_->Login("supervisor1", kTestPassword, &login).ok());
  ASSERT_TRUE(WhoAmI(login.access_token()).ok());

  v1::DisableAccountRequest disable;
  disable.set_id(account.id());
  v1::Account disabled;
  auto context = TestServer::Context(server_->AdminToken());
  grpc::Status status =
      server_->Directory()->DisableAccount(context.get(), disable, &disabled);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(disabled.state(), v1::ACCOUNT_STATE_DISABLED);

  // The token issued before is refused on the very next call.
  status = WhoAmI(login.access_token());
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DecodeError(status).reason, "ACCOUNT_DISABLED");

  // So is a new login, and the refresh token.
  v1::LoginResponse again;
  status = server_->Login("supervisor1", kTestPassword, &again);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(DecodeError(status).reason, "ACCOUNT_DISABLED");

  v1::RefreshTokenRequest refresh;
  refresh.set_refresh_token(login.refresh_token());
  auto context2 = TestServer::Context();
  status = server_->Auth()->RefreshToken(context2.get(), refresh, &again);
  EXPECT_EQ(DecodeError(status).reason, "ACCOUNT_DISABLED");
}

TEST_F(AuthTest, FailedLoginIsAuditedWithTheUsernameNotThePassword) {
  v1::LoginResponse login;
  ASSERT_FALSE(server_->Login("mallory", "secret-guess-123", &login).ok());

  // Audit writes are queued without waiting: poll briefly.
  v1::ListAuditEventsResponse events;
  bool found = false;
  for (int attempt = 0; attempt < 50 && !found; ++attempt) {
    auto context = TestServer::Context(server_->AdminToken());
    ASSERT_TRUE(server_->Admin()
                    ->ListAuditEvents(context.get(),
                                      v1::ListAuditEventsRequest(), &events)
                    .ok());
    for (const v1::AuditEvent& e : events.audit_events()) {
      if (e.method() == "rehab.v1.AuthService/Login") {
        found = true;
        EXPECT_EQ(e.outcome(), "UNAUTHENTICATED");
        EXPECT_NE(e.detail().find("mallory"), std::string::npos);
        EXPECT_EQ(e.detail().find("secret-guess-123"), std::string::npos);
      }
    }
    if (!found) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(found) << "no audit event for the failed login";
}

}  // namespace
}  // namespace rehab::testing
