#include "rehab/client/client.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rehab/client/errors.h"
#include "server/common/errors.h"
#include "tests/client-sdk/mock_stub.h"

namespace rehab::client {
namespace {

using internal::CallContext;
using internal::MockStub;
using ::testing::_;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::StrictMock;

absl::Status Unauthenticated(const char* reason) {
  return rehab::ErrorWithReason(absl::StatusCode::kUnauthenticated,
                                "unauthenticated", reason);
}

rehab::v1::LoginResponse Tokens(const std::string& access,
                                const std::string& refresh) {
  rehab::v1::LoginResponse response;
  response.set_access_token(access);
  response.set_refresh_token(refresh);
  return response;
}

rehab::v1::WhoAmIResponse Me(const std::string& username) {
  rehab::v1::WhoAmIResponse response;
  response.mutable_account()->set_username(username);
  return response;
}

// WhoAmI answers: "expired" for `expired_token`, the account for `good`.
auto WhoAmIAccepting(const std::string& good,
                     const std::string& expired_token = "a1") {
  return [good, expired_token](const CallContext& context,
                               const rehab::v1::WhoAmIRequest&)
             -> absl::StatusOr<rehab::v1::WhoAmIResponse> {
    if (context.access_token == good) return Me("doctor.wang");
    if (context.access_token == expired_token) {
      return Unauthenticated(rehab::kReasonTokenExpired);
    }
    return Unauthenticated(rehab::kReasonTokenRevoked);
  };
}

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() : stub_(std::make_shared<StrictMock<MockStub>>()) {
    ClientOptions options;
    options.device_id = "phone-7";
    options.default_deadline = absl::Seconds(3);
    client_ = std::make_unique<Client>(options, stub_);
  }

  std::shared_ptr<StrictMock<MockStub>> stub_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientTest, LoginKeepsTheTokensAndNamesTheDevice) {
  EXPECT_CALL(*stub_, Login(_, _))
      .WillOnce(Invoke([](const CallContext& context,
                          const rehab::v1::LoginRequest& request) {
        EXPECT_EQ(context.access_token, "");
        EXPECT_EQ(request.username(), "doctor.wang");
        EXPECT_EQ(request.password(), "secret-pass");
        EXPECT_EQ(request.device_id(), "phone-7");
        return Tokens("a1", "r1");
      }));
  EXPECT_CALL(*stub_, WhoAmI(_, _)).WillOnce(Invoke(WhoAmIAccepting("a1")));

  ASSERT_TRUE(client_->Login("doctor.wang", "secret-pass").ok());

  EXPECT_EQ(client_->session().access_token, "a1");
  EXPECT_EQ(client_->session().refresh_token, "r1");
  absl::StatusOr<rehab::v1::WhoAmIResponse> me = client_->WhoAmI();
  ASSERT_TRUE(me.ok()) << me.status();
  EXPECT_EQ(me->account().username(), "doctor.wang");
}

TEST_F(ClientTest, FailedLoginKeepsTheSessionHeldBefore) {
  client_->SetSession("a1", "r1");
  EXPECT_CALL(*stub_, Login(_, _))
      .WillOnce(Return(Unauthenticated(rehab::kReasonBadCredentials)));

  absl::StatusOr<rehab::v1::LoginResponse> login =
      client_->Login("doctor.wang", "wrong");

  EXPECT_EQ(ErrorReason(login.status()), "BAD_CREDENTIALS");
  EXPECT_EQ(client_->session(), (Session{"a1", "r1"}));
}

TEST_F(ClientTest, EveryCallCarriesTheDefaultDeadline) {
  client_->SetSession("a1", "r1");
  absl::Time deadline;
  EXPECT_CALL(*stub_, GetPatient(_, _))
      .WillOnce(Invoke([&](const CallContext& context,
                           const rehab::v1::GetPatientRequest& request) {
        deadline = context.deadline;
        EXPECT_EQ(context.access_token, "a1");
        EXPECT_EQ(request.id(), "p-1");
        return rehab::v1::Patient();
      }));
  const absl::Time before = absl::Now();

  rehab::v1::GetPatientRequest request;
  request.set_id("p-1");
  ASSERT_TRUE(client_->GetPatient(request).ok());

  EXPECT_GE(deadline, before + absl::Seconds(3));
  EXPECT_LE(deadline, absl::Now() + absl::Seconds(3));
}

TEST_F(ClientTest, RefreshesAnExpiredTokenOnceAndRepeatsTheCall) {
  client_->SetSession("a1", "r1");
  EXPECT_CALL(*stub_, WhoAmI(_, _))
      .Times(2)
      .WillRepeatedly(Invoke(WhoAmIAccepting("a2")));
  EXPECT_CALL(*stub_, RefreshToken(_, _))
      .WillOnce(Invoke([](const CallContext& context,
                          const rehab::v1::RefreshTokenRequest& request) {
        EXPECT_EQ(request.refresh_token(), "r1");
        EXPECT_EQ(context.access_token, "");
        return Tokens("a2", "r2");
      }));

  absl::StatusOr<rehab::v1::WhoAmIResponse> me = client_->WhoAmI();

  ASSERT_TRUE(me.ok()) << me.status();
  EXPECT_EQ(client_->session(), (Session{"a2", "r2"}));
}

TEST_F(ClientTest, RepeatsTheCallOnlyOnce) {
  client_->SetSession("a1", "r1");
  EXPECT_CALL(*stub_, WhoAmI(_, _))
      .Times(2)
      .WillRepeatedly(Return(Unauthenticated(rehab::kReasonTokenExpired)));
  EXPECT_CALL(*stub_, RefreshToken(_, _)).WillOnce(Return(Tokens("a2", "r2")));

  absl::StatusOr<rehab::v1::WhoAmIResponse> me = client_->WhoAmI();

  EXPECT_EQ(me.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ErrorReason(me.status()), "TOKEN_EXPIRED");
}

TEST_F(ClientTest, DoesNotRefreshARevokedToken) {
  client_->SetSession("a1", "r1");
  EXPECT_CALL(*stub_, WhoAmI(_, _))
      .WillOnce(Return(Unauthenticated(rehab::kReasonTokenRevoked)));

  absl::StatusOr<rehab::v1::WhoAmIResponse> me = client_->WhoAmI();

  EXPECT_EQ(ErrorReason(me.status()), "TOKEN_REVOKED");
  EXPECT_EQ(client_->session(), (Session{"a1", "r1"}));
}

TEST_F(ClientTest, ReturnsTheExpiryWhenNoRefreshTokenIsHeld) {
  client_->SetSession("a1", "");
  EXPECT_CALL(*stub_, WhoAmI(_, _)).WillOnce(Invoke(WhoAmIAccepting("a2")));

  absl::StatusOr<rehab::v1::WhoAmIResponse> me = client_->WhoAmI();

  EXPECT_EQ(me.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ErrorReason(me.status()), "TOKEN_EXPIRED");
}

TEST_F(ClientTest, ForgetsTheSessionWhenTheRefreshIsRefused) {
  client_->SetSession("a1", "r1");
  EXPECT_CALL(*stub_, WhoAmI(_, _)).WillOnce(Invoke(WhoAmIAccepting("a2")));
  EXPECT_CALL(*stub_, RefreshToken(_, _))
      .WillOnce(Return(Unauthenticated(rehab::kReasonTokenExpired)));

  absl::StatusOr<rehab::v1::WhoAmIResponse> me = client_->WhoAmI();

  EXPECT_EQ(me.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(client_->session().logged_in());
  EXPECT_EQ(client_->session().refresh_token, "");
}

TEST_F(ClientTest, KeepsTheSessionWhenTheRefreshCannotReachTheServer) {
  client_->SetSession("a1", "r1");
  EXPECT_CALL(*stub_, WhoAmI(_, _)).WillOnce(Invoke(WhoAmIAccepting("a2")));
  EXPECT_CALL(*stub_, RefreshToken(_, _))
      .WillOnce(Return(absl::UnavailableError("connection refused")));

  absl::StatusOr<rehab::v1::WhoAmIResponse> me = client_->WhoAmI();

  EXPECT_EQ(me.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(client_->session(), (Session{"a1", "r1"}));
}

TEST_F(ClientTest, ConcurrentCallsThatMeetOneExpiryShareOneRefresh) {
  constexpr int kCallers = 8;
  client_->SetSession("a1", "r1");
  // Every caller's first attempt fails only once all of them have made it,
  // so that all of them meet the expiry together.
  absl::Barrier all_expired(kCallers);
  std::atomic<int> refreshes{0};
  EXPECT_CALL(*stub_, WhoAmI(_, _))
      .Times(2 * kCallers)
      .WillRepeatedly(Invoke([&](const CallContext& context,
                                 const rehab::v1::WhoAmIRequest& request)
                                 -> absl::StatusOr<rehab::v1::WhoAmIResponse> {
        if (context.access_token == "a1") {
          all_expired.Block();
        }
        return WhoAmIAccepting("a2")(context, request);
      }));
  EXPECT_CALL(*stub_, RefreshToken(_, _))
      .WillRepeatedly(Invoke(
          [&](const CallContext&, const rehab::v1::RefreshTokenRequest&) {
            ++refreshes;
            // Long enough for the other callers to queue up behind it.
            absl::SleepFor(absl::Milliseconds(50));
            return Tokens("a2", "r2");
          }));

  std::vector<absl::Status> results(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] { results[i] = client_->WhoAmI().status(); });
  }
  for (std::thread& t : callers) t.join();

  EXPECT_EQ(refreshes.load(), 1);
  for (const absl::Status& status : results) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(client_->session(), (Session{"a2", "r2"}));
}

TEST_F(ClientTest, LogoutRevokesTheRefreshTokenAndForgetsTheSession) {
  client_->SetSession("a1", "r1");
  EXPECT_CALL(*stub_, Logout(_, _))
      .WillOnce(Invoke([](const CallContext& context,
                          const rehab::v1::LogoutRequest& request) {
        EXPECT_EQ(context.access_token, "a1");
        EXPECT_EQ(request.refresh_token(), "r1");
        return rehab::v1::LogoutResponse();
      }));

  EXPECT_TRUE(client_->Logout().ok());

  EXPECT_FALSE(client_->session().logged_in());
}

TEST_F(ClientTest, LogoutAfterExpiryRevokesTheRefreshedPair) {
  client_->SetSession("a1", "r1");
  EXPECT_CALL(*stub_, RefreshToken(_, _)).WillOnce(Return(Tokens("a2", "r2")));
  EXPECT_CALL(*stub_, Logout(_, _))
      .WillOnce(Return(Unauthenticated(rehab::kReasonTokenExpired)))
      .WillOnce(Invoke([](const CallContext& context,
                          const rehab::v1::LogoutRequest& request) {
        EXPECT_EQ(context.access_token, "a2");
        EXPECT_EQ(request.refresh_token(), "r2");
        return rehab::v1::LogoutResponse();
      }));

  EXPECT_TRUE(client_->Logout().ok());
  EXPECT_FALSE(client_->session().logged_in());
}

TEST_F(ClientTest, LogoutForgetsTheSessionEvenWhenTheServerIsUnreachable) {
  client_->SetSession("a1", "r1");
  EXPECT_CALL(*stub_, Logout(_, _))
      .WillOnce(Return(absl::UnavailableError("connection refused")));

  EXPECT_EQ(client_->Logout().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(client_->session().logged_in());
}

TEST_F(ClientTest, ExplicitRefreshNeedsARefreshToken) {
  EXPECT_EQ(client_->RefreshToken().status().code(),
            absl::StatusCode::kFailedPrecondition);

  client_->SetSession("a1", "r1");
  EXPECT_CALL(*stub_, RefreshToken(_, _)).WillOnce(Return(Tokens("a2", "r2")));
  ASSERT_TRUE(client_->RefreshToken().ok());
  EXPECT_EQ(client_->session(), (Session{"a2", "r2"}));
}

TEST(ClientCreateTest, RefusesUnusableOptions) {
  ClientOptions no_target;
  no_target.target = "";
  EXPECT_EQ(Client::Create(no_target).status().code(),
            absl::StatusCode::kInvalidArgument);

  ClientOptions no_deadline;
  no_deadline.default_deadline = absl::ZeroDuration();
  EXPECT_EQ(Client::Create(no_deadline).status().code(),
            absl::StatusCode::kInvalidArgument);

  ClientOptions half_certificate;
  half_certificate.use_tls = true;
  half_certificate.tls_client_cert_pem = "-----BEGIN CERTIFICATE-----";
  EXPECT_EQ(Client::Create(half_certificate).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ClientCreateTest, ReportsAServerThatIsDownThroughTheCalls) {
  ClientOptions options;
  options.target = "127.0.0.1:1";
  options.default_deadline = absl::Seconds(5);
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();

  absl::StatusOr<rehab::v1::LoginResponse> login =
      (*client)->Login("admin", "password");

  EXPECT_EQ(login.status().code(), absl::StatusCode::kUnavailable)
      << login.status();
}

}  // namespace
}  // namespace rehab::client
