// SyncService over the wire: Push outcomes (applied, duplicate, conflict,
// rejected with details), batch limits answered by the server rather than
// the transport, concurrent retries, Pull paging and tokens (bound to the
// account and scope, tamper-evident, surviving a restart), the feed's view
// per role and scope changes, and the audit trail of both methods.
#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "tests/integration/test_server.h"

namespace rehab::testing {
namespace {

namespace v1 = ::rehab::v1;

constexpr char kCounty[] = "320831";
constexpr char kPush[] = "rehab.v1.SyncService/Push";
constexpr char kPull[] = "rehab.v1.SyncService/Pull";

// A MutationResult's status, decoded as a client decodes a call's error.
WireError WhyOf(const v1::MutationResult& result) {
  const google::rpc::Status& s = result.status();
  return DecodeError(grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                                  s.message(), s.SerializeAsString()));
}

// Two townships, each with one village and its rehab station. Staff of
// station A write patients; each township has a supervisor.
class SyncServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::StartOrDie();
    sync_ = server_->Sync();
    county_ = server_->CreateTwoTownCounty();
    staff_ = server_->CreateAndLogin("staff-a", v1::ROLE_FACILITY_STAFF,
                                     county_.station_a.id());
    sup_a_ = server_->CreateAndLogin("sup-a", v1::ROLE_SUPERVISOR,
                                     county_.township_a.id());
    sup_b_ = server_->CreateAndLogin("sup-b", v1::ROLE_SUPERVISOR,
                                     county_.township_b.id());
    ASSERT_FALSE(HasFailure());
  }

  // A patient of village A served by station A; category 4 (physical)
  // unless told otherwise.
  v1::Patient NewPatient(int sequence, int category = 4) {
    v1::Patient p;
    p.set_id(NewUuid());
    p.set_name(absl::StrCat("Patient ", sequence));
    p.set_id_number(TestIdNumber(kCounty, "19800101", sequence));
    p.set_disability_card_number(absl::StrCat(p.id_number(), category, 2));
    p.set_area_id(county_.village_a.id());
    p.set_facility_id(county_.station_a.id());
    p.set_address("1 Main Street");
    return p;
  }

  static v1::Mutation Create(const v1::Patient& patient) {
    v1::Mutation m;
    m.set_mutation_id(NewUuid());
    *m.mutable_patient() = patient;
    return m;
  }

  static v1::Mutation Edit(const v1::Patient& patient, int64_t base_version) {
    v1::Mutation m = Create(patient);
    m.set_base_version(base_version);
    return m;
  }

  static v1::Mutation Enroll(const std::string& patient_id,
                             v1::Program program) {
    v1::Mutation m;
    m.set_mutation_id(NewUuid());
    v1::Enrollment* e = m.mutable_enrollment();
    e->set_id(NewUuid());
    e->set_patient_id(patient_id);
    e->set_program(program);
    e->set_start_date("2024-01-15");
    return m;
  }

  grpc::Status Push(const std::string& token,
                    const std::vector<v1::Mutation>& mutations,
                    v1::PushResponse* response) {
    v1::PushRequest request;
    for (const v1::Mutation& m : mutations) *request.add_mutations() = m;
    auto context = TestServer::Context(token);
    return sync_->Push(context.get(), request, response);
  }

  // Pushes and expects one result per mutation; the results.
  std::vector<v1::MutationResult> MustPush(
      const std::string& token, const std::vector<v1::Mutation>& mutations) {
    v1::PushResponse response;
    grpc::Status status = Push(token, mutations, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.results_size(), static_cast<int>(mutations.size()));
    return {response.results().begin(), response.results().end()};
  }

  grpc::Status Pull(const std::string& token, const std::string& sync_token,
                    int32_t page_size, v1::PullResponse* response) {
    v1::PullRequest request;
    request.set_sync_token(sync_token);
    request.set_page_size(page_size);
    auto context = TestServer::Context(token);
    return sync_->Pull(context.get(), request, response);
  }

  // Pulls from `*sync_token` until caught up, advancing it.
  std::vector<v1::Change> PullAll(const std::string& token,
                                  std::string* sync_token,
                                  int32_t page_size = 0) {
    std::vector<v1::Change> changes;
    for (int pages = 0; pages < 10000; ++pages) {
      v1::PullResponse response;
      grpc::Status status = Pull(token, *sync_token, page_size, &response);
      if (!status.ok()) {
        ADD_FAILURE() << "Pull: " << status.error_message();
        break;
      }
      changes.insert(changes.end(), response.changes().begin(),
                     response.changes().end());
      *sync_token = response.sync_token();
      if (response.caught_up()) break;
    }
    return changes;
  }

  grpc::Status GetPatient(const std::string& token, const std::string& id,
                          v1::Patient* out) {
    v1::GetPatientRequest request;
    request.set_id(id);
    auto context = TestServer::Context(token);
    return server_->Patients()->GetPatient(context.get(), request, out);
  }

  int CountPatients() {
    int count = 0;
    v1::ListPatientsRequest request;
    request.set_page_size(1000);
    for (;;) {
      v1::ListPatientsResponse response;
      auto context = TestServer::Context(server_->AdminToken());
      grpc::Status status =
          server_->Patients()->ListPatients(context.get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      count += response.patients_size();
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return count;
  }

  std::string AccountId(const std::string& username) {
    v1::ListAccountsRequest request;
    request.set_page_size(100);
    v1::ListAccountsResponse response;
    auto context = TestServer::Context(server_->AdminToken());
    grpc::Status status =
        server_->Directory()->ListAccounts(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const v1::Account& a : response.accounts()) {
      if (a.username() == username) return a.id();
    }
    ADD_FAILURE() << "no account " << username;
    return "";
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
  TwoTownCounty county_;
  std::string staff_, sup_a_, sup_b_;
};

// --- Push ------------------------------------------------------------------

TEST_F(SyncServiceTest, AppliesAMutationOnceAndAnswersItsRetryDuplicate) {
  const v1::Mutation m = Create(NewPatient(1));
  const std::vector<v1::MutationResult> first = MustPush(staff_, {m});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].outcome(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(first[0].id(), m.patient().id());
  EXPECT_EQ(first[0].version(), 1);

  v1::PushResponse again;
  ASSERT_TRUE(Push(staff_, {m}, &again).ok());
  ASSERT_EQ(again.results_size(), 1);
  EXPECT_EQ(again.results(0).outcome(), v1::OUTCOME_DUPLICATE);
  EXPECT_EQ(again.results(0).id(), first[0].id());
  EXPECT_EQ(again.results(0).change_seq(), first[0].change_seq());
  EXPECT_GT(again.server_time().seconds(), 0);
  EXPECT_EQ(CountPatients(), 1);
}

TEST_F(SyncServiceTest, TheSameMutationFromTwoThreadsAtOnceAppliesOnce) {
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    const v1::Mutation m = Create(NewPatient(round + 1));
    absl::Notification go;
    v1::MutationResult results[2];
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        go.WaitForNotification();
        v1::PushResponse response;
        grpc::Status status = Push(staff_, {m}, &response);
        EXPECT_TRUE(status.ok()) << status.error_message();
        if (response.results_size() == 1) results[t] = response.results(0);
      });
    }
    go.Notify();
    for (std::thread& t : threads) t.join();
    std::multiset<int> outcomes = {results[0].outcome(), results[1].outcome()};
    EXPECT_EQ(outcomes,
              (std::multiset<int>{v1::OUTCOME_APPLIED, v1::OUTCOME_DUPLICATE}))
        << "round " << round;
    EXPECT_EQ(results[0].id(), results[1].id());
    EXPECT_EQ(results[0].version(), results[1].version());
  }
  EXPECT_EQ(CountPatients(), kRounds);
}

TEST_F(SyncServiceTest, AMutationIdReusedWithAnotherPayloadIsRejected) {
  const v1::Mutation first = Create(NewPatient(1));
  ASSERT_EQ(MustPush(staff_, {first})[0].outcome(), v1::OUTCOME_APPLIED);

  v1::Mutation reused = Create(NewPatient(2));
  reused.set_mutation_id(first.mutation_id());
  const v1::MutationResult result = MustPush(staff_, {reused})[0];
  EXPECT_EQ(result.outcome(), v1::OUTCOME_REJECTED);
  const WireError why = WhyOf(result);
  EXPECT_TRUE(why.has_details);
  EXPECT_EQ(why.code, grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(why.reason, "MUTATION_ID_REUSED");

  v1::Patient stored;
  ASSERT_TRUE(GetPatient(staff_, first.patient().id(), &stored).ok());
  EXPECT_EQ(stored.name(), first.patient().name());
  v1::Patient absent;
  EXPECT_EQ(GetPatient(staff_, reused.patient().id(), &absent).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(SyncServiceTest, OneInvalidRecordInABatchOfAHundredIsRejectedAlone) {
  std::vector<v1::Mutation> batch;
  for (int i = 0; i < 100; ++i) {
    v1::Patient p = NewPatient(i + 1);
    if (i == 64) p.set_birth_date("1990-02-30");
    batch.push_back(Create(p));
  }
  const std::vector<v1::MutationResult> results = MustPush(staff_, batch);
  ASSERT_EQ(results.size(), 100u);
  int applied = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].mutation_id(), batch[i].mutation_id());
    if (results[i].outcome() == v1::OUTCOME_APPLIED) ++applied;
  }
  EXPECT_EQ(applied, 99);
  EXPECT_EQ(results[64].outcome(), v1::OUTCOME_REJECTED);
  const WireError why = WhyOf(results[64]);
  EXPECT_EQ(why.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(why.reason, "INVALID_ARGUMENT");
  ASSERT_EQ(why.fields.size(), 1u);
  EXPECT_EQ(why.fields[0], "patient.birth_date");
  EXPECT_EQ(CountPatients(), 99);
}

TEST_F(SyncServiceTest, AStaleBaseVersionIsAConflictCarryingTheServerCopy) {
  v1::Patient p = NewPatient(1);
  ASSERT_EQ(MustPush(staff_, {Create(p)})[0].outcome(), v1::OUTCOME_APPLIED);
  v1::Patient renamed = p;
  renamed.set_name("Renamed Once");
  ASSERT_EQ(MustPush(staff_, {Edit(renamed, 1)})[0].outcome(),
            v1::OUTCOME_APPLIED);

  v1::Patient stale = p;
  stale.set_address("2 Other Street");
  const v1::MutationResult result = MustPush(staff_, {Edit(stale, 1)})[0];
  EXPECT_EQ(result.outcome(), v1::OUTCOME_CONFLICT);
  EXPECT_EQ(WhyOf(result).code, grpc::StatusCode::ABORTED);
  EXPECT_EQ(WhyOf(result).reason, "VERSION_CONFLICT");
  EXPECT_EQ(result.current().kind(), v1::CHANGE_KIND_UPSERT);
  EXPECT_EQ(result.current().collection(), "patients");
  EXPECT_EQ(result.current().patient().name(), "Renamed Once");
  EXPECT_EQ(result.current().patient().version(), 2);

  v1::Patient stored;
  ASSERT_TRUE(GetPatient(staff_, p.id(), &stored).ok());
  EXPECT_EQ(stored.address(), "1 Main Street");
  EXPECT_EQ(stored.version(), 2);
}

TEST_F(SyncServiceTest, TooLargeBatchesAreRefusedByTheServerNotTheTransport) {
  std::vector<v1::Mutation> many;
  for (int i = 0; i < 501; ++i) many.push_back(Create(NewPatient(i + 1)));
  v1::PushResponse response;
  grpc::Status status = Push(staff_, many, &response);
  WireError error = DecodeError(status);
  EXPECT_EQ(error.code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(error.reason, "BATCH_TOO_LARGE");
  EXPECT_NE(error.message.find("500"), std::string::npos) << error.message;

  // Five records of about 1 MiB each: over the 4 MiB batch limit, under
  // the 8 MiB message limit.
  std::vector<v1::Mutation> heavy;
  for (int i = 0; i < 5; ++i) {
    v1::Patient p = NewPatient(i + 1);
    p.set_address(std::string(1 << 20, 'x'));
    heavy.push_back(Create(p));
  }
  status = Push(staff_, heavy, &response);
  error = DecodeError(status);
  EXPECT_EQ(error.code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(error.reason, "BATCH_TOO_LARGE");
  EXPECT_NE(error.message.find("4 MiB"), std::string::npos) << error.message;
  EXPECT_EQ(CountPatients(), 0);
}

TEST_F(SyncServiceTest, RecordsPushAndPullInTheAuditTrail) {
  const v1::Patient p = NewPatient(1);
  ASSERT_EQ(MustPush(staff_, {Create(p)})[0].outcome(), v1::OUTCOME_APPLIED);
  std::string token;
  ASSERT_EQ(PullAll(sup_a_, &token).size(), 1u);

  const std::string staff_id = AccountId("staff-a");
  const std::string sup_id = AccountId("sup-a");
  std::vector<v1::AuditEvent> events =
      server_->AuditEventsFor(p.id(), kPush, staff_id);
  bool pushed = false;
  for (const v1::AuditEvent& e : events) {
    if (e.method() == kPush && e.account_id() == staff_id) {
      pushed = true;
      EXPECT_EQ(e.outcome(), "OK");
    }
  }
  EXPECT_TRUE(pushed);
  events = server_->AuditEventsFor(p.id(), kPull, sup_id);
  bool pulled = false;
  for (const v1::AuditEvent& e : events) {
    if (e.method() == kPull && e.account_id() == sup_id) pulled = true;
  }
  EXPECT_TRUE(pulled);
}

// --- Pull ------------------------------------------------------------------

TEST_F(SyncServiceTest, PagesTheFeedWithoutGapsOrRepeatsWhileWritesGoOn) {
  std::vector<v1::Mutation> initial;
  std::set<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    initial.push_back(Create(NewPatient(i + 1)));
    expected.insert(initial.back().patient().id());
  }
  MustPush(staff_, initial);

  // A writer adds patients while the supervisor pages through the feed.
  std::atomic<bool> stop{false};
  std::vector<std::string> written;
  std::thread writer([&] {
    for (int i = 0; i < 60 && !stop.load(); ++i) {
      const v1::Mutation m = Create(NewPatient(100 + i));
      v1::PushResponse response;
      if (Push(staff_, {m}, &response).ok() &&
          response.results(0).outcome() == v1::OUTCOME_APPLIED) {
        written.push_back(m.patient().id());
      }
    }
  });

  std::string token;
  std::vector<v1::Change> changes;
  int pages = 0;
  for (; pages < 1000; ++pages) {
    v1::PullResponse page;
    grpc::Status status = Pull(sup_a_, token, 7, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_LE(page.changes_size(), 7);
    changes.insert(changes.end(), page.changes().begin(), page.changes().end());
    token = page.sync_token();
    if (page.caught_up()) break;
  }
  writer.join();
  // What the writer added after the last page comes next.
  std::vector<v1::Change> tail = PullAll(sup_a_, &token, 7);
  changes.insert(changes.end(), tail.begin(), tail.end());

  for (const std::string& id : written) expected.insert(id);
  std::set<std::string> seen;
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_TRUE(seen.insert(changes[i].id()).second)
        << "repeated " << changes[i].id();
    if (i > 0) {
      EXPECT_LT(changes[i - 1].change_seq(), changes[i].change_seq());
    }
  }
  EXPECT_EQ(seen, expected);
  EXPECT_GE(pages, 5);

  v1::PullResponse idle;
  ASSERT_TRUE(Pull(sup_a_, token, 0, &idle).ok());
  EXPECT_TRUE(idle.caught_up());
  EXPECT_EQ(idle.changes_size(), 0);
}

TEST_F(SyncServiceTest, RefusesPageSizesOutOfRange) {
  v1::PullResponse response;
  for (int32_t size : {-1, 2001}) {
    const WireError error = DecodeError(Pull(sup_a_, "", size, &response));
    EXPECT_EQ(error.code, grpc::StatusCode::INVALID_ARGUMENT);
    ASSERT_EQ(error.fields.size(), 1u);
    EXPECT_EQ(error.fields[0], "page_size");
  }
}

TEST_F(SyncServiceTest, ATokenOfAnotherAccountOrTamperedNeedsAResync) {
  MustPush(staff_, {Create(NewPatient(1))});
  v1::PullResponse first;
  ASSERT_TRUE(Pull(sup_a_, "", 0, &first).ok());
  const std::string token = first.sync_token();

  v1::PullResponse response;
  WireError error = DecodeError(Pull(sup_b_, token, 0, &response));
  EXPECT_EQ(error.code, grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(error.reason, "RESYNC_REQUIRED");

  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  raw[3] = static_cast<char>(raw[3] ^ 0x40);
  error =
      DecodeError(Pull(sup_a_, absl::WebSafeBase64Escape(raw), 0, &response));
  EXPECT_EQ(error.code, grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(error.reason, "RESYNC_REQUIRED");

  error = DecodeError(Pull(sup_a_, "garbage", 0, &response));
  EXPECT_EQ(error.reason, "RESYNC_REQUIRED");

  EXPECT_TRUE(Pull(sup_a_, token, 0, &response).ok());
}

TEST_F(SyncServiceTest, AScopeChangeOfTheAccountNeedsAResync) {
  MustPush(staff_, {Create(NewPatient(1))});
  std::string token;
  ASSERT_EQ(PullAll(sup_a_, &token).size(), 1u);

  // The supervisor is given the psychiatric identity permission.
  const std::string id = AccountId("sup-a");
  ASSERT_TRUE(server_->server()
                  .store()
                  ->Write([&](WriteTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(std::optional<v1::Account> account,
                                     txn.GetAccount(id));
                    if (!account.has_value()) {
                      return absl::NotFoundError("no account");
                    }
                    account->set_psychiatric_identity(true);
                    account->set_version(account->version() + 1);
                    return txn.PutAccount(*account, std::nullopt);
                  })
                  .ok());

  v1::PullResponse response;
  const WireError error = DecodeError(Pull(sup_a_, token, 0, &response));
  EXPECT_EQ(error.code, grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(error.reason, "RESYNC_REQUIRED");
  // Starting over works.
  std::string fresh;
  EXPECT_EQ(PullAll(sup_a_, &fresh).size(), 1u);
}

TEST_F(SyncServiceTest, ATokenStaysValidAcrossARestart) {
  MustPush(staff_, {Create(NewPatient(1))});
  std::string token;
  ASSERT_EQ(PullAll(sup_a_, &token).size(), 1u);

  ASSERT_TRUE(server_->Restart().ok());
  sync_ = server_->Sync();
  MustPush(staff_, {Create(NewPatient(2))});
  const std::vector<v1::Change> after = PullAll(sup_a_, &token);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].patient().name(), "Patient 2");
}

TEST_F(SyncServiceTest, APatientMovedAwayLeavesTheOldTownshipsFeed) {
  const v1::Patient p = NewPatient(1);
  const v1::Mutation enroll = Enroll(p.id(), v1::PROGRAM_PRECISION_REHAB);
  ASSERT_EQ(MustPush(staff_, {Create(p), enroll})[1].outcome(),
            v1::OUTCOME_APPLIED);
  std::string token_a;
  std::string token_b;
  ASSERT_EQ(PullAll(sup_a_, &token_a).size(), 2u);
  ASSERT_EQ(PullAll(sup_b_, &token_b).size(), 0u);

  v1::Patient moved = p;
  moved.set_area_id(county_.village_b.id());
  moved.set_facility_id(county_.station_b.id());
  ASSERT_EQ(MustPush(server_->AdminToken(), {Edit(moved, 1)})[0].outcome(),
            v1::OUTCOME_APPLIED);

  std::set<std::pair<std::string, std::string>> removed;
  for (const v1::Change& c : PullAll(sup_a_, &token_a)) {
    EXPECT_EQ(c.kind(), v1::CHANGE_KIND_REMOVED_FROM_SCOPE);
    removed.emplace(c.collection(), c.id());
  }
  const std::set<std::pair<std::string, std::string>> records = {
      {"patients", p.id()}, {"enrollments", enroll.enrollment().id()}};
  EXPECT_EQ(removed, records);

  std::set<std::pair<std::string, std::string>> arrived;
  for (const v1::Change& c : PullAll(sup_b_, &token_b)) {
    EXPECT_EQ(c.kind(), v1::CHANGE_KIND_UPSERT);
    arrived.emplace(c.collection(), c.id());
    if (c.collection() == "patients") {
      EXPECT_EQ(c.patient().area_id(), county_.village_b.id());
    }
  }
  EXPECT_EQ(arrived, records);
}

TEST_F(SyncServiceTest, ASupervisorWithoutTheFlagPullsPsychiatricPseudonyms) {
  const v1::Patient psychiatric = NewPatient(1, 6);
  const v1::Patient physical = NewPatient(2, 4);
  MustPush(staff_, {Create(psychiatric), Create(physical)});

  std::string token;
  std::vector<v1::Change> changes = PullAll(sup_a_, &token);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_TRUE(changes[0].patient().pseudonymised());
  EXPECT_EQ(changes[0].patient().id_number(), "");
  EXPECT_EQ(changes[0].patient().address(), "");
  EXPECT_NE(changes[0].patient().name(), psychiatric.name());
  EXPECT_FALSE(changes[1].patient().pseudonymised());
  EXPECT_EQ(changes[1].patient().id_number(), physical.id_number());

  // Psychiatric management for the second: the feed sends it again,
  // pseudonymised now.
  ASSERT_EQ(MustPush(staff_, {Enroll(physical.id(),
                                     v1::PROGRAM_PSYCHIATRIC_MANAGEMENT)})[0]
                .outcome(),
            v1::OUTCOME_APPLIED);
  bool resent = false;
  for (const v1::Change& c : PullAll(sup_a_, &token)) {
    if (c.collection() == "patients" && c.id() == physical.id()) {
      resent = true;
      EXPECT_TRUE(c.patient().pseudonymised());
      EXPECT_EQ(c.patient().id_number(), "");
    }
  }
  EXPECT_TRUE(resent);

  // A supervisor with the flag sees both identities.
  v1::CreateAccountRequest request;
  request.mutable_account()->set_username("sup-a-identity");
  request.mutable_account()->set_role(v1::ROLE_SUPERVISOR);
  request.mutable_account()->set_scope_id(county_.township_a.id());
  request.mutable_account()->set_psychiatric_identity(true);
  request.set_password(kTestPassword);
  v1::Account account;
  auto context = TestServer::Context(server_->AdminToken());
  ASSERT_TRUE(server_->Directory()
                  ->CreateAccount(context.get(), request, &account)
                  .ok());
  v1::LoginResponse login;
  ASSERT_TRUE(server_->Login("sup-a-identity", kTestPassword, &login).ok());
  std::string flagged_token;
  for (const v1::Change& c : PullAll(login.access_token(), &flagged_token)) {
    if (c.collection() == "patients") {
      EXPECT_FALSE(c.patient().pseudonymised());
      EXPECT_FALSE(c.patient().id_number().empty());
    }
  }
}

TEST_F(SyncServiceTest, AKioskPullsTheKioskViewOfItsFacilityAndNoEnrollments) {
  const v1::Patient mine = NewPatient(1);
  v1::Patient other = NewPatient(2);
  other.set_area_id(county_.village_b.id());
  other.set_facility_id(county_.station_b.id());
  MustPush(server_->AdminToken(),
           {Create(mine), Create(other),
            Enroll(mine.id(), v1::PROGRAM_PRECISION_REHAB)});

  const std::string kiosk = server_->CreateAndLogin("kiosk-a", v1::ROLE_KIOSK,
                                                    county_.station_a.id());
  std::string token;
  const std::vector<v1::Change> changes = PullAll(kiosk, &token);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].collection(), "patients");
  const v1::Patient& view = changes[0].patient();
  EXPECT_EQ(view.id(), mine.id());
  EXPECT_EQ(view.name(), mine.name());
  EXPECT_EQ(view.id_number(), "");
  EXPECT_EQ(view.disability_card_number(), "");
  EXPECT_EQ(view.address(), "");
  EXPECT_EQ(view.birth_date(), "");

  // The same view LookupPatient gives the kiosk.
  v1::LookupPatientRequest lookup;
  lookup.set_disability_card_number(mine.disability_card_number());
  v1::Patient looked_up;
  auto context = TestServer::Context(kiosk);
  ASSERT_TRUE(server_->Patients()
                  ->LookupPatient(context.get(), lookup, &looked_up)
                  .ok());
  EXPECT_EQ(view.SerializeAsString(), looked_up.SerializeAsString());
}

TEST_F(SyncServiceTest, ADoctorPullsNothingBeforeContracts) {
  MustPush(staff_, {Create(NewPatient(1))});
  v1::CreatePractitionerRequest request;
  request.mutable_practitioner()->set_name("Dr Chen");
  request.mutable_practitioner()->set_kind(v1::PRACTITIONER_KIND_FAMILY_DOCTOR);
  request.mutable_practitioner()->set_facility_id(county_.station_a.id());
  v1::Practitioner doctor;
  auto context = TestServer::Context(server_->AdminToken());
  ASSERT_TRUE(server_->Directory()
                  ->CreatePractitioner(context.get(), request, &doctor)
                  .ok());
  const std::string token =
      server_->CreateAndLogin("dr-chen", v1::ROLE_FAMILY_DOCTOR, doctor.id());
  v1::PullResponse response;
  ASSERT_TRUE(Pull(token, "", 0, &response).ok());
  EXPECT_EQ(response.changes_size(), 0);
  EXPECT_TRUE(response.caught_up());
}

}  // namespace
}  // namespace rehab::testing
