// The offline part of rehab::client::Client (outbox, cache, sync engine)
// against an in-memory SyncService (fake_sync_server.h) and a real local
// SQLite file.
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rehab/client/client.h"
#include "rehab/client/errors.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "tests/client-sdk/fake_sync_server.h"

namespace rehab::client {
namespace {

using internal::FakeSyncServer;
using rehab::v1::Enrollment;
using rehab::v1::Mutation;
using rehab::v1::Patient;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

Patient NewPatient(const std::string& name, const std::string& card = "") {
  Patient p;
  p.set_name(name);
  p.set_area_id("area-1");
  p.set_disability_card_number(card);
  return p;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

class SyncTest : public ::testing::Test {
 protected:
  SyncTest() {
    std::string pattern =
        (std::filesystem::path(::testing::TempDir()) / "rehab-sdk-XXXXXX")
            .string();
    dir_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
    db_path_ = dir_ + "/local.db";
  }
  ~SyncTest() override {
    client_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  ClientOptions Options() {
    ClientOptions options;
    options.local_db_path = db_path_;
    options.default_deadline = absl::Seconds(5);
    options.retry.initial_backoff = absl::Milliseconds(1);
    options.retry.max_backoff = absl::Milliseconds(4);
    return options;
  }

  std::unique_ptr<Client> Open(ClientOptions options) {
    return std::make_unique<Client>(std::move(options), server_.MakeStub());
  }

  // A client on db_path_, logged in as `username`.
  void StartClient(ClientOptions options, const std::string& username = "doc") {
    client_ = Open(std::move(options));
    absl::StatusOr<rehab::v1::LoginResponse> login =
        client_->Login(username, "password");
    ASSERT_TRUE(login.ok()) << login.status();
  }
  void StartClient() { StartClient(Options()); }

  SyncReport SyncOrDie() {
    absl::StatusOr<SyncReport> report = client_->Sync();
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : SyncReport{};
  }

  std::string CreateOrDie(Patient patient) {
    absl::StatusOr<std::string> id = client_->Create(std::move(patient));
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or("");
  }

  Patient LocalOrDie(const std::string& id) {
    absl::StatusOr<std::optional<Patient>> p = client_->GetLocalPatient(id);
    EXPECT_TRUE(p.ok()) << p.status();
    EXPECT_TRUE(p.ok() && p->has_value()) << "no local patient " << id;
    return p.ok() && p->has_value() ? **p : Patient();
  }

  int64_t Pending() { return client_->PendingCount().value_or(-1); }

  FakeSyncServer server_;
  std::string dir_;
  std::string db_path_;
  std::unique_ptr<Client> client_;
};

TEST_F(SyncTest, CreateReturnsANewIdAtOnceAndSendsNothing) {
  StartClient();
  const int pushes = server_.push_calls();

  const std::string id = CreateOrDie(NewPatient("Wang Fang"));

  EXPECT_TRUE(rehab::IsCanonicalUuid(id)) << id;
  EXPECT_EQ(id[14], '4') << "a version 4 UUID: " << id;
  EXPECT_EQ(Pending(), 1);
  EXPECT_EQ(LocalOrDie(id).name(), "Wang Fang");
  EXPECT_EQ(LocalOrDie(id).version(), 0);
  EXPECT_EQ(server_.push_calls(), pushes);
  EXPECT_EQ(server_.record_count(), 0);
}

TEST_F(SyncTest, CreateKeepsTheIdItIsGivenInCanonicalForm) {
  StartClient();
  const std::string id = rehab::NewUuid();
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(toupper(c));
  Patient p = NewPatient("Li Lei");
  p.set_id(upper);

  EXPECT_EQ(CreateOrDie(p), id);
}

TEST_F(SyncTest, CreateRefusesAMalformedId) {
  StartClient();
  Patient p = NewPatient("Li Lei");
  p.set_id("not-a-uuid");

  absl::StatusOr<std::string> id = client_->Create(p);

  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_THAT(FieldViolationsOf(id.status()), SizeIs(1));
  EXPECT_EQ(FieldViolationsOf(id.status())[0].field, "patient.id");
  EXPECT_EQ(Pending(), 0);
}

TEST_F(SyncTest, WritesNeedALoginOnTheDevice) {
  client_ = Open(Options());

  absl::StatusOr<std::string> id = client_->Create(NewPatient("Li Lei"));

  EXPECT_EQ(id.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SyncTest, OfflineMethodsNeedALocalDatabase) {
  ClientOptions options = Options();
  options.local_db_path.clear();
  client_ = Open(options);

  EXPECT_EQ(client_->Create(NewPatient("Li Lei")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(client_->Sync().status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(client_->PendingCount().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SyncTest, WritesSurviveReopeningTheDatabase) {
  StartClient();
  const std::string id = CreateOrDie(NewPatient("Zhao Min"));
  client_.reset();

  client_ = Open(Options());

  EXPECT_EQ(Pending(), 1);
  EXPECT_EQ(LocalOrDie(id).name(), "Zhao Min");
  // Still bound to the account: writes work offline without a new login.
  EXPECT_TRUE(client_->Create(NewPatient("Sun Li")).ok());
}

TEST_F(SyncTest, SyncPushesInQueueOrderInBatchesThenPulls) {
  ClientOptions options = Options();
  options.push_batch_size = 2;
  StartClient(options);
  std::vector<std::string> queued;
  std::vector<std::string> sent;
  server_.before_push = [&](const rehab::v1::PushRequest& request) {
    EXPECT_LE(request.mutations_size(), 2);
    for (const Mutation& m : request.mutations())
      sent.push_back(m.patient().id());
    return absl::OkStatus();
  };
  for (int i = 0; i < 5; ++i) {
    queued.push_back(CreateOrDie(NewPatient("P" + std::to_string(i))));
  }

  SyncReport report = SyncOrDie();

  EXPECT_EQ(sent, queued);
  EXPECT_EQ(server_.push_calls(), 3);
  EXPECT_EQ(report.pushed, 5);
  EXPECT_EQ(report.pulled, 5);
  EXPECT_TRUE(report.caught_up);
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(server_.record_count(), 5);
  EXPECT_EQ(LocalOrDie(queued[0]).version(), 1);
  EXPECT_GT(LocalOrDie(queued[0]).change_seq(), 0);
  EXPECT_EQ(client_->sync_status().state, SyncState::kUpToDate);
}

TEST_F(SyncTest, RetriesUnavailableAndTheRetryIsAnsweredDuplicate) {
  StartClient();
  const std::string id = CreateOrDie(NewPatient("Qian Yu"));
  // The server commits the batch but the answer is lost, once.
  int lost = 0;
  server_.after_push = [&] {
    return lost++ == 0 ? absl::UnavailableError("connection reset")
                       : absl::OkStatus();
  };

  SyncReport report = SyncOrDie();

  EXPECT_EQ(server_.push_calls(), 2);
  EXPECT_EQ(report.pushed, 0);
  EXPECT_EQ(report.duplicates, 1);
  EXPECT_EQ(server_.record_count(), 1);
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(LocalOrDie(id).version(), 1);
}

TEST_F(SyncTest, KeepsTheOutboxWhenTheServerStaysUnreachable) {
  ClientOptions options = Options();
  options.retry.max_attempts = 3;
  StartClient(options);
  CreateOrDie(NewPatient("Zhou Xun"));
  server_.before_push = [](const rehab::v1::PushRequest&) {
    return absl::UnavailableError("no route to host");
  };

  absl::StatusOr<SyncReport> report = client_->Sync();

  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Pending(), 1);
  EXPECT_EQ(client_->sync_status().state, SyncState::kOffline);
  EXPECT_EQ(client_->sync_status().last_error.code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(client_->sync_status().pending, 1);
}

TEST_F(SyncTest, HalvesTheBatchOnResourceExhaustedAndParksASingleTooLarge) {
  ClientOptions options = Options();
  options.push_batch_size = 8;
  StartClient(options);
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) {
    ids.push_back(CreateOrDie(
        NewPatient(i == 5 ? std::string(1000, 'x') : "P" + std::to_string(i))));
  }
  std::vector<int> sizes;
  // Refuses any batch over 3 mutations and any with the huge record.
  server_.before_push = [&](const rehab::v1::PushRequest& request) {
    sizes.push_back(request.mutations_size());
    bool huge = false;
    for (const Mutation& m : request.mutations()) {
      huge = huge || m.patient().name().size() > 100;
    }
    if (request.mutations_size() > 3 || huge) {
      return rehab::ErrorWithReason(absl::StatusCode::kResourceExhausted,
                                    "batch too large",
                                    rehab::kReasonBatchTooLarge);
    }
    return absl::OkStatus();
  };

  SyncReport report = SyncOrDie();

  EXPECT_EQ(report.pushed, 7);
  EXPECT_EQ(report.rejected, 1);
  EXPECT_EQ(sizes.front(), 8);
  EXPECT_EQ(sizes[1], 4);
  EXPECT_EQ(Pending(), 0);
  absl::StatusOr<std::vector<ParkedMutation>> parked = client_->ListParked();
  ASSERT_TRUE(parked.ok()) << parked.status();
  ASSERT_THAT(*parked, SizeIs(1));
  EXPECT_EQ((*parked)[0].mutation.patient().id(), ids[5]);
  EXPECT_EQ((*parked)[0].outcome, rehab::v1::OUTCOME_REJECTED);
  EXPECT_EQ((*parked)[0].status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorReason((*parked)[0].status), "BATCH_TOO_LARGE");
}

TEST_F(SyncTest, KeepsEachBatchWithinTheServersFourMebibytes) {
  StartClient();
  for (int i = 0; i < 3; ++i) {
    Patient p = NewPatient("P" + std::to_string(i));
    p.set_address(std::string(1600 << 10, 'a'));
    CreateOrDie(p);
  }
  std::vector<int> sizes;
  server_.before_push = [&](const rehab::v1::PushRequest& request) {
    sizes.push_back(request.mutations_size());
    return absl::OkStatus();
  };

  EXPECT_EQ(SyncOrDie().pushed, 3);

  EXPECT_EQ(sizes, (std::vector<int>{2, 1}));
}

TEST_F(SyncTest, ARejectedMutationIsParkedWithItsReasonAndNeverResent) {
  StartClient();
  CreateOrDie(NewPatient("A"));
  const std::string bad = CreateOrDie(NewPatient(""));
  CreateOrDie(NewPatient("C"));

  SyncReport report = SyncOrDie();

  EXPECT_EQ(report.pushed, 2);
  EXPECT_EQ(report.rejected, 1);
  absl::StatusOr<std::vector<ParkedMutation>> parked = client_->ListParked();
  ASSERT_TRUE(parked.ok());
  ASSERT_THAT(*parked, SizeIs(1));
  EXPECT_EQ((*parked)[0].mutation.patient().id(), bad);
  ASSERT_THAT(FieldViolationsOf((*parked)[0].status), SizeIs(1));
  EXPECT_EQ(FieldViolationsOf((*parked)[0].status)[0].field, "patient.name");
  EXPECT_EQ(client_->sync_status().parked, 1);

  // The queue moves on, and the parked one is not sent again.
  CreateOrDie(NewPatient("D"));
  const int64_t received = server_.mutations_received();
  report = SyncOrDie();
  EXPECT_EQ(report.pushed, 1);
  EXPECT_EQ(server_.mutations_received(), received + 1);

  // Until settled, the cache shows the local record; then it is gone.
  EXPECT_EQ(LocalOrDie(bad).name(), "");
  ASSERT_TRUE(client_->DiscardParked((*parked)[0].mutation.mutation_id()).ok());
  EXPECT_FALSE(client_->GetLocalPatient(bad)->has_value());
  EXPECT_EQ(client_->sync_status().parked, 0);
  EXPECT_EQ(client_->DiscardParked((*parked)[0].mutation.mutation_id()).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SyncTest, AStaleEditIsParkedAsAConflictAndOverwritesNothing) {
  StartClient();
  const std::string id = CreateOrDie(NewPatient("Old Name"));
  SyncOrDie();
  // Another device renames the patient meanwhile.
  Patient theirs = *server_.patient(id);
  theirs.set_name("Their Name");
  server_.Put(theirs);
  Patient mine = LocalOrDie(id);
  mine.set_name("My Name");
  ASSERT_TRUE(client_->Update(mine).ok());

  SyncReport report = SyncOrDie();

  EXPECT_EQ(report.conflicts, 1);
  EXPECT_EQ(report.skipped_pending, 1);
  EXPECT_EQ(server_.patient(id)->name(), "Their Name");
  EXPECT_EQ(LocalOrDie(id).name(), "My Name");
  absl::StatusOr<std::vector<ParkedMutation>> parked = client_->ListParked();
  ASSERT_TRUE(parked.ok());
  ASSERT_THAT(*parked, SizeIs(1));
  EXPECT_EQ((*parked)[0].outcome, rehab::v1::OUTCOME_CONFLICT);
  EXPECT_EQ((*parked)[0].mutation.patient().name(), "My Name");
  EXPECT_EQ((*parked)[0].mutation.base_version(), 1);
  ASSERT_TRUE((*parked)[0].server_copy.has_value());
  EXPECT_EQ((*parked)[0].server_copy->patient().name(), "Their Name");
  EXPECT_EQ((*parked)[0].server_copy->patient().version(), 2);

  // Settling it: the cache shows the server's copy again.
  ASSERT_TRUE(client_->DiscardParked((*parked)[0].mutation.mutation_id()).ok());
  EXPECT_EQ(LocalOrDie(id).name(), "Their Name");
  EXPECT_EQ(LocalOrDie(id).version(), 2);
}

TEST_F(SyncTest, TwoEditsOfOneRecordGoOutOneAfterTheOther) {
  StartClient();
  const std::string id = CreateOrDie(NewPatient("v0"));
  Patient edit = LocalOrDie(id);
  edit.set_name("v1");
  ASSERT_TRUE(client_->Update(edit).ok());
  edit = LocalOrDie(id);
  edit.set_name("v2");
  ASSERT_TRUE(client_->Update(edit).ok());

  SyncReport report = SyncOrDie();

  EXPECT_EQ(report.pushed, 3);
  EXPECT_EQ(report.conflicts + report.rejected, 0);
  EXPECT_EQ(server_.push_calls(), 3);
  EXPECT_EQ(server_.patient(id)->name(), "v2");
  EXPECT_EQ(server_.patient(id)->version(), 3);
  EXPECT_EQ(LocalOrDie(id).version(), 3);
}

TEST_F(SyncTest, UpdateNeedsTheVersionOfAServerRecord) {
  StartClient();
  Patient p = NewPatient("Nobody");
  p.set_id(rehab::NewUuid());

  absl::StatusOr<std::string> id = client_->Update(p);

  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolationsOf(id.status())[0].field, "patient.version");
}

TEST_F(SyncTest, APullNeverOverwritesARecordWithAnUnsentEdit) {
  StartClient();
  const std::string id = CreateOrDie(NewPatient("Before"));
  SyncOrDie();
  Patient theirs = *server_.patient(id);
  theirs.set_name("Server Edit");
  server_.Put(theirs);
  // The user edits while the sync is between its push and its pull.
  server_.before_pull = [&](const rehab::v1::PullRequest&) {
    server_.before_pull = nullptr;
    Patient mine = LocalOrDie(id);
    mine.set_name("Local Edit");
    EXPECT_TRUE(client_->Update(mine).ok());
    return absl::OkStatus();
  };

  SyncReport report = SyncOrDie();

  EXPECT_EQ(report.skipped_pending, 1);
  EXPECT_EQ(report.pulled, 0);
  EXPECT_EQ(LocalOrDie(id).name(), "Local Edit");
  EXPECT_EQ(Pending(), 1);
}

TEST_F(SyncTest, TombstonesAndRemovalsDeleteCachedRecords) {
  StartClient();
  Patient a = NewPatient("A");
  a.set_id(rehab::NewUuid());
  Patient b = NewPatient("B");
  b.set_id(rehab::NewUuid());
  server_.Put(a);
  server_.Put(b);
  Enrollment e;
  e.set_id(rehab::NewUuid());
  e.set_patient_id(b.id());
  server_.Put(e);
  SyncOrDie();
  ASSERT_THAT(*client_->ListLocalEnrollments(b.id()), SizeIs(1));

  server_.Remove("patients", a.id(), rehab::v1::CHANGE_KIND_TOMBSTONE);
  server_.Remove("patients", b.id(), rehab::v1::CHANGE_KIND_REMOVED_FROM_SCOPE);
  server_.Remove("enrollments", e.id(),
                 rehab::v1::CHANGE_KIND_REMOVED_FROM_SCOPE);
  SyncReport report = SyncOrDie();

  EXPECT_EQ(report.pulled, 3);
  EXPECT_FALSE(client_->GetLocalPatient(a.id())->has_value());
  EXPECT_FALSE(client_->GetLocalPatient(b.id())->has_value());
  EXPECT_THAT(*client_->ListLocalEnrollments(b.id()), IsEmpty());
}

TEST_F(SyncTest, EachPageIsKeptWithItsPosition) {
  ClientOptions options = Options();
  options.pull_page_size = 3;
  StartClient(options);
  for (int i = 0; i < 10; ++i) {
    Patient p = NewPatient("P" + std::to_string(i));
    p.set_id(rehab::NewUuid());
    server_.Put(p);
  }
  // The device goes offline after the second page.
  int pulls = 0;
  server_.before_pull = [&](const rehab::v1::PullRequest&) {
    return ++pulls >= 3 ? absl::UnavailableError("offline") : absl::OkStatus();
  };
  EXPECT_FALSE(client_->Sync().ok());
  EXPECT_THAT(*client_->ListLocalPatients({}), SizeIs(6));

  // Back online: the pull goes on from the third page.
  std::vector<std::string> tokens;
  server_.before_pull = [&](const rehab::v1::PullRequest& request) {
    tokens.push_back(request.sync_token());
    return absl::OkStatus();
  };
  SyncReport report = SyncOrDie();

  EXPECT_EQ(report.pulled, 4);
  ASSERT_FALSE(tokens.empty());
  EXPECT_EQ(tokens[0], "t6");
  EXPECT_THAT(*client_->ListLocalPatients({}), SizeIs(10));
}

TEST_F(SyncTest, ResyncRequiredRebuildsTheCacheAndKeepsTheOutbox) {
  StartClient();
  Patient kept = NewPatient("Kept");
  kept.set_id(rehab::NewUuid());
  server_.Put(kept);
  SyncOrDie();
  // Something the server no longer sends (its feed was rebuilt).
  Patient gone = NewPatient("Gone");
  gone.set_id(rehab::NewUuid());
  server_.Put(gone);
  SyncOrDie();
  server_.Remove("patients", gone.id(), rehab::v1::CHANGE_KIND_UNSPECIFIED);
  server_.RequireResync();
  // A write made between the push and the pull stays queued.
  std::string unsent;
  server_.before_pull = [&](const rehab::v1::PullRequest&) {
    server_.before_pull = nullptr;
    unsent = CreateOrDie(NewPatient("Unsent"));
    return absl::OkStatus();
  };

  SyncReport report = SyncOrDie();

  EXPECT_TRUE(report.resynced);
  EXPECT_EQ(LocalOrDie(kept.id()).name(), "Kept");
  EXPECT_FALSE(client_->GetLocalPatient(gone.id())->has_value());
  EXPECT_EQ(Pending(), 1);
  EXPECT_EQ(LocalOrDie(unsent).name(), "Unsent");
}

TEST_F(SyncTest, FlagsADeviceClockFarFromTheServers) {
  ClientOptions options = Options();
  const absl::Time server_time = absl::FromUnixSeconds(1800000000);
  options.clock = [server_time] { return server_time - absl::Hours(2); };
  server_.SetTime(server_time);
  StartClient(options);
  const std::string id = CreateOrDie(NewPatient("Skewed"));

  SyncReport report = SyncOrDie();

  EXPECT_TRUE(report.clock_skew_flagged);
  EXPECT_EQ(report.clock_skew, absl::Hours(2));
  EXPECT_EQ(report.server_time, server_time);
  EXPECT_TRUE(client_->sync_status().clock_skew_flagged);
  EXPECT_EQ(client_->sync_status().clock_skew, absl::Hours(2));
}

TEST_F(SyncTest, ASmallSkewIsNotFlagged) {
  ClientOptions options = Options();
  const absl::Time server_time = absl::FromUnixSeconds(1800000000);
  options.clock = [server_time] { return server_time + absl::Minutes(9); };
  server_.SetTime(server_time);
  StartClient(options);

  SyncReport report = SyncOrDie();

  EXPECT_FALSE(report.clock_skew_flagged);
  EXPECT_EQ(report.clock_skew, -absl::Minutes(9));
}

TEST_F(SyncTest, MutationsCarryTheDeviceTime) {
  ClientOptions options = Options();
  const absl::Time device = absl::FromUnixSeconds(1700000000);
  options.clock = [device] { return device; };
  StartClient(options);
  std::vector<int64_t> times;
  server_.before_push = [&](const rehab::v1::PushRequest& request) {
    for (const Mutation& m : request.mutations()) {
      times.push_back(m.device_time().seconds());
    }
    return absl::OkStatus();
  };
  CreateOrDie(NewPatient("Timed"));

  SyncOrDie();

  EXPECT_THAT(times, ElementsAre(1700000000));
}

TEST_F(SyncTest, AnExpiredTokenIsRefreshedOnceAndTheSyncCompletes) {
  ClientOptions options = Options();
  options.pull_page_size = 1;
  StartClient(options);
  for (int i = 0; i < 3; ++i) {
    Patient p = NewPatient("P" + std::to_string(i));
    p.set_id(rehab::NewUuid());
    server_.Put(p);
  }
  int pulls = 0;
  server_.before_pull = [&](const rehab::v1::PullRequest&) {
    if (++pulls == 2) server_.ExpireAccessToken();
    return absl::OkStatus();
  };

  SyncReport report = SyncOrDie();

  EXPECT_EQ(server_.refresh_calls(), 1);
  EXPECT_EQ(report.pulled, 3);
  EXPECT_TRUE(report.caught_up);
}

TEST_F(SyncTest, ARevokedSessionKeepsTheOutbox) {
  StartClient();
  CreateOrDie(NewPatient("Kept"));
  server_.RevokeTokens();

  absl::StatusOr<SyncReport> report = client_->Sync();

  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ErrorReason(report.status()), "TOKEN_REVOKED");
  EXPECT_EQ(Pending(), 1);
  EXPECT_EQ(client_->sync_status().state, SyncState::kFailed);

  // After logging in again the outbox goes out.
  ASSERT_TRUE(client_->Login("doc", "password").ok());
  EXPECT_EQ(SyncOrDie().pushed, 1);
}

TEST_F(SyncTest, ADisabledAccountWipesTheDevice) {
  StartClient();
  const std::string id = CreateOrDie(NewPatient("Secret Name"));
  SyncOrDie();
  CreateOrDie(NewPatient("Unsent Secret"));
  std::vector<SyncState> states;
  client_->SetSyncListener(
      [&](const SyncStatus& status) { states.push_back(status.state); });
  server_.DisableAccount();

  absl::StatusOr<SyncReport> report = client_->Sync();

  EXPECT_EQ(ErrorReason(report.status()), "ACCOUNT_DISABLED");
  EXPECT_EQ(client_->sync_status().state, SyncState::kWiped);
  EXPECT_EQ(client_->sync_status().pending, 0);
  EXPECT_EQ(Pending(), 0);
  EXPECT_FALSE(client_->GetLocalPatient(id)->has_value());
  EXPECT_EQ(client_->Create(NewPatient("x")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(states.back(), SyncState::kWiped);
  const std::string bytes = ReadFile(db_path_) + ReadFile(db_path_ + "-wal");
  EXPECT_EQ(bytes.find("Secret Name"), std::string::npos);
  EXPECT_EQ(bytes.find("Unsent Secret"), std::string::npos);
}

TEST_F(SyncTest, ADisabledAccountMetByAnOnlineCallWipesTheDevice) {
  StartClient();
  CreateOrDie(NewPatient("Unsent"));
  server_.DisableAccount();

  EXPECT_EQ(ErrorReason(client_->WhoAmI().status()), "ACCOUNT_DISABLED");

  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(client_->sync_status().state, SyncState::kWiped);
}

TEST_F(SyncTest, ADisabledAccountMetByTheRefreshWipesTheDevice) {
  StartClient();
  CreateOrDie(NewPatient("Unsent"));
  server_.ExpireAccessToken();
  server_.DisableAccount();

  EXPECT_FALSE(client_->RefreshToken().ok());

  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(client_->sync_status().state, SyncState::kWiped);
}

TEST_F(SyncTest, ARefusedLoginOfTheDevicesDisabledUserWipesIt) {
  StartClient(Options(), "doc");
  CreateOrDie(NewPatient("Unsent"));
  ASSERT_TRUE(client_->Logout().ok());
  server_.DisableAccount();

  EXPECT_FALSE(client_->Login("doc", "password").ok());

  EXPECT_EQ(Pending(), 0);
}

TEST_F(SyncTest, TokensAreNotStoredInTheLocalDatabase) {
  StartClient();
  CreateOrDie(NewPatient("Someone"));
  SyncOrDie();
  const Session session = client_->session();
  client_.reset();

  const std::string bytes = ReadFile(db_path_) + ReadFile(db_path_ + "-wal");

  ASSERT_FALSE(session.access_token.empty());
  EXPECT_EQ(bytes.find(session.access_token), std::string::npos);
  EXPECT_EQ(bytes.find(session.refresh_token), std::string::npos);
}

TEST_F(SyncTest, AnotherAccountCannotLogInOverUnsentChanges) {
  StartClient(Options(), "doc");
  const std::string id = CreateOrDie(NewPatient("Doc's"));
  const Session before = client_->session();

  absl::StatusOr<rehab::v1::LoginResponse> login =
      client_->Login("nurse", "password");

  EXPECT_EQ(login.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(client_->session(), before);
  EXPECT_EQ(Pending(), 1);
  EXPECT_EQ(LocalOrDie(id).name(), "Doc's");
}

TEST_F(SyncTest, AnotherAccountLogsInOverSyncedDataAndErasesIt) {
  StartClient(Options(), "doc");
  const std::string id = CreateOrDie(NewPatient("Doc's"));
  SyncOrDie();

  ASSERT_TRUE(client_->Login("nurse", "password").ok());

  EXPECT_FALSE(client_->GetLocalPatient(id)->has_value());
  EXPECT_TRUE(client_->Create(NewPatient("Nurse's")).ok());
}

TEST_F(SyncTest, AnAdoptedSessionOfAnotherAccountIsCheckedBeforePushing) {
  StartClient(Options(), "doc");
  CreateOrDie(NewPatient("Doc's"));
  // Tokens of another account, adopted without a login.
  client_.reset();
  client_ = Open(Options());
  FakeSyncServer& server = server_;
  ASSERT_TRUE(server
                  .Login({},
                         [] {
                           rehab::v1::LoginRequest r;
                           r.set_username("nurse");
                           return r;
                         }())
                  .ok());
  // The fake hands out one token pair at a time: adopt the nurse's.
  client_->SetSession("access-2", "refresh-2");

  absl::StatusOr<SyncReport> report = client_->Sync();

  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(server_.mutations_received(), 0);
  EXPECT_EQ(Pending(), 1);
}

TEST_F(SyncTest, ConcurrentSyncCallsShareOneRun) {
  StartClient();
  const std::string id = CreateOrDie(NewPatient("Once"));
  absl::Notification in_push;
  absl::Notification release;
  server_.before_push = [&](const rehab::v1::PushRequest&) {
    in_push.Notify();
    release.WaitForNotification();
    return absl::OkStatus();
  };
  std::vector<absl::StatusOr<SyncReport>> reports(4);
  std::vector<std::thread> callers;
  callers.emplace_back([&] { reports[0] = client_->Sync(); });
  in_push.WaitForNotification();
  for (int i = 1; i < 4; ++i) {
    callers.emplace_back([&, i] { reports[i] = client_->Sync(); });
  }
  absl::SleepFor(absl::Milliseconds(50));
  release.Notify();
  for (std::thread& t : callers) t.join();

  EXPECT_EQ(server_.push_calls(), 1);
  EXPECT_EQ(server_.record_count(), 1);
  for (const auto& report : reports) {
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->pushed, 1);
  }
}

TEST_F(SyncTest, TheListenerSeesSyncingThenUpToDate) {
  StartClient();
  std::vector<SyncState> states;
  std::vector<int64_t> pending;
  client_->SetSyncListener([&](const SyncStatus& status) {
    states.push_back(status.state);
    pending.push_back(status.pending);
  });
  CreateOrDie(NewPatient("Seen"));

  SyncOrDie();

  ASSERT_GE(states.size(), 3u);
  EXPECT_EQ(pending.front(), 1);
  EXPECT_NE(std::find(states.begin(), states.end(), SyncState::kSyncing),
            states.end());
  EXPECT_EQ(states.back(), SyncState::kUpToDate);
  EXPECT_EQ(pending.back(), 0);
}

TEST_F(SyncTest, BackgroundSyncRunsUntilStopped) {
  StartClient();
  CreateOrDie(NewPatient("Background"));

  ASSERT_TRUE(client_->StartBackgroundSync(absl::Milliseconds(10)).ok());
  for (int i = 0; i < 500 && server_.pull_calls() < 3; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  client_->StopBackgroundSync();
  const int pulls = server_.pull_calls();
  absl::SleepFor(absl::Milliseconds(50));

  EXPECT_GE(pulls, 3);
  EXPECT_EQ(server_.pull_calls(), pulls);
  EXPECT_EQ(server_.record_count(), 1);
  EXPECT_EQ(client_->StartBackgroundSync(absl::ZeroDuration()).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SyncTest, StoppingInterruptsARetryWait) {
  ClientOptions options = Options();
  options.retry.initial_backoff = absl::Seconds(30);
  options.retry.max_backoff = absl::Seconds(30);
  StartClient(options);
  CreateOrDie(NewPatient("Waiting"));
  server_.before_push = [](const rehab::v1::PushRequest&) {
    return absl::UnavailableError("offline");
  };
  ASSERT_TRUE(client_->StartBackgroundSync(absl::Hours(1)).ok());
  while (server_.push_calls() == 0 &&
         client_->sync_status().state != SyncState::kSyncing) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  absl::SleepFor(absl::Milliseconds(20));
  const absl::Time start = absl::Now();

  client_.reset();

  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(SyncTest, LocalQueriesAnswerFromTheCache) {
  StartClient();
  const std::string card = "11010519491231002X41";
  const std::string zhang = CreateOrDie(NewPatient("Zhang Wei", card));
  CreateOrDie(NewPatient("Zhang Min"));
  CreateOrDie(NewPatient("Li Na"));
  Patient elsewhere = NewPatient("Zhang Elsewhere");
  elsewhere.set_area_id("area-2");
  CreateOrDie(elsewhere);
  Enrollment enrollment;
  enrollment.set_patient_id(zhang);
  enrollment.set_program(rehab::v1::PROGRAM_PRECISION_REHAB);
  absl::StatusOr<std::string> enrollment_id = client_->Create(enrollment);
  ASSERT_TRUE(enrollment_id.ok()) << enrollment_id.status();

  LocalPatientQuery zhangs;
  zhangs.name_prefix = "Zhang";
  zhangs.area_id = "area-1";
  absl::StatusOr<std::vector<Patient>> listed =
      client_->ListLocalPatients(zhangs);
  absl::StatusOr<std::optional<Patient>> by_card =
      client_->FindLocalPatientByCard(card);
  absl::StatusOr<std::vector<Enrollment>> enrollments =
      client_->ListLocalEnrollments(zhang);

  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_THAT(*listed, SizeIs(2));
  EXPECT_EQ((*listed)[0].name(), "Zhang Min");
  EXPECT_EQ((*listed)[1].name(), "Zhang Wei");
  ASSERT_TRUE(by_card.ok() && by_card->has_value());
  EXPECT_EQ((*by_card)->id(), zhang);
  ASSERT_TRUE(enrollments.ok());
  ASSERT_THAT(*enrollments, SizeIs(1));
  EXPECT_EQ((*enrollments)[0].id(), *enrollment_id);
  LocalPatientQuery page;
  page.limit = 2;
  page.offset = 1;
  EXPECT_THAT(*client_->ListLocalPatients(page), SizeIs(2));
}

TEST_F(SyncTest, WipeLocalDataErasesEverything) {
  StartClient();
  const std::string id = CreateOrDie(NewPatient("Erased"));

  ASSERT_TRUE(client_->WipeLocalData().ok());

  EXPECT_EQ(Pending(), 0);
  EXPECT_FALSE(client_->GetLocalPatient(id)->has_value());
}

}  // namespace
}  // namespace rehab::client
