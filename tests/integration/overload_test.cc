// The executor's limits seen from a client: a full queue answers at once
// with RESOURCE_EXHAUSTED (reason OVERLOADED), and a call that waited past
// its deadline is dropped without its work being done.
//
// These tests use the production password cost, so that each Login holds
// the single worker for a noticeable time (tens of milliseconds or more).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/test_server.h"

namespace rehab::testing {
namespace {

namespace v1 = ::rehab::v1;

// One Login started on the callback API; Await waits for its end.
struct PendingLogin {
  grpc::ClientContext context;
  v1::LoginRequest request;
  v1::LoginResponse response;
  grpc::Status status;
  absl::Time finish_time;
};

std::unique_ptr<TestServer> StartSingleWorkerServer() {
  return TestServer::StartOrDie([](ServerOptions& o) {
    o.workers = 1;
    o.queue_capacity = 1;
    o.password_hasher = PasswordHasherOptions();  // the real, slow cost
  });
}

TEST(OverloadTest, FullQueueIsRefusedAtOnceWithOverloaded) {
  std::unique_ptr<TestServer> server = StartSingleWorkerServer();
  auto stub = server->Auth();
  constexpr int kCalls = 8;
  std::vector<std::unique_ptr<PendingLogin>> calls;
  absl::BlockingCounter done(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    auto call = std::make_unique<PendingLogin>();
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(30));
    call->request.set_username(kAdminUsername);
    call->request.set_password(kAdminPassword);
    PendingLogin* raw = call.get();
    stub->async()->Login(&raw->context, &raw->request, &raw->response,
                         [raw, &done](grpc::Status status) {
                           raw->status = std::move(status);
                           done.DecrementCount();
                         });
    calls.push_back(std::move(call));
  }
  done.Wait();

  int ok = 0, overloaded = 0;
  for (const auto& call : calls) {
    if (call->status.ok()) {
      ++ok;
      continue;
    }
    EXPECT_EQ(call->status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << call->status.error_message();
    EXPECT_EQ(DecodeError(call->status).reason, "OVERLOADED");
    ++overloaded;
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(overloaded, 1);
}

// The username of every failed Login the audit trail holds.
std::vector<std::string> FailedLoginNames(TestServer& server) {
  std::vector<std::string> names;
  v1::ListAuditEventsRequest request;
  request.set_page_size(100);
  v1::ListAuditEventsResponse response;
  grpc::Status status;
  // The one-slot queue may still hold a call that is being dropped.
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto context = TestServer::Context(server.AdminToken());
    status = server.Admin()->ListAuditEvents(context.get(), request, &response);
    if (status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(status.ok()) << status.error_message();
  for (const v1::AuditEvent& e : response.audit_events()) {
    if (e.method() == "rehab.v1.AuthService/Login") names.push_back(e.detail());
  }
  return names;
}

TEST(OverloadTest, CallQueuedPastItsDeadlineIsNotExecuted) {
  std::unique_ptr<TestServer> server = StartSingleWorkerServer();
  server->AdminToken();  // log in before the worker gets busy
  auto stub = server->Auth();

  // A slow login holds the worker; a second call, sent once the first has
  // surely reached the worker, waits in the queue until its deadline has
  // passed. Had it run, its failure would be audited under "late-user".
  // Timing on a loaded machine may let the second call find the queue
  // still full (refused, OVERLOADED), or let the first call finish before
  // the second one's deadline (then the worker may rightly run it); then
  // the pair is tried again, with another username.
  bool queued_past_deadline = false;
  std::string late_username;
  for (int attempt = 0; attempt < 20 && !queued_past_deadline; ++attempt) {
    absl::BlockingCounter done(2);
    PendingLogin busy;
    busy.context.set_deadline(std::chrono::system_clock::now() +
                              std::chrono::seconds(30));
    busy.request.set_username(kAdminUsername);
    busy.request.set_password(kAdminPassword);
    stub->async()->Login(&busy.context, &busy.request, &busy.response,
                         [&](grpc::Status status) {
                           busy.status = std::move(status);
                           busy.finish_time = absl::Now();
                           done.DecrementCount();
                         });
    absl::SleepFor(absl::Milliseconds(40));

    PendingLogin late;
    const absl::Time late_deadline = absl::Now() + absl::Milliseconds(10);
    late.context.set_deadline(absl::ToChronoTime(late_deadline));
    late_username = absl::StrCat("late-user-", attempt);
    late.request.set_username(late_username);
    late.request.set_password("wrong-password");
    stub->async()->Login(&late.context, &late.request, &late.response,
                         [&](grpc::Status status) {
                           late.status = std::move(status);
                           done.DecrementCount();
                         });
    done.Wait();
    ASSERT_TRUE(busy.status.ok()) << busy.status.error_message();
    if (late.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
        busy.finish_time < late_deadline + absl::Milliseconds(20)) {
      continue;
    }
    EXPECT_EQ(late.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
        << late.status.error_message();
    queued_past_deadline = true;
  }
  ASSERT_TRUE(queued_past_deadline);

  // Audit events are written in order: once a later failure shows up,
  // "late-user" would have shown up before it.
  v1::LoginResponse ignored;
  grpc::Status marker;
  for (int attempt = 0; attempt < 50; ++attempt) {
    marker = server->Login("marker-user", "wrong-password", &ignored);
    if (marker.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(marker.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  std::vector<std::string> names;
  for (int attempt = 0; attempt < 100; ++attempt) {
    names = FailedLoginNames(*server);
    if (std::find(names.begin(), names.end(), "marker-user") != names.end()) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_NE(std::find(names.begin(), names.end(), "marker-user"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), late_username), names.end());
}

}  // namespace
}  // namespace rehab::testing
