// The SDK's offline part against a real rehabd (in-process, its own SQLite
// file) with devices on real local SQLite files: lost replies, concurrent
// syncs, a poisoned batch, a server restart and a killed device mid-pull,
// conflicts, pending edits, resyncs, token expiry, clock skew, a disabled
// account and a patient leaving a supervisor's scope.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "client-sdk/src/grpc_stub.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rehab/client.h"
#include "server/common/dates.h"
#include "server/common/ids.h"
#include "tests/client-sdk/forwarding_stub.h"
#include "tests/integration/test_server.h"

extern char** environ;

namespace rehab::client {
namespace {

using internal::CallContext;
using internal::ForwardingStub;
using internal::Stub;
using rehab::testing::kTestPassword;
using rehab::testing::TestIdNumber;
using rehab::testing::TestServer;
using rehab::testing::TwoTownCounty;
using ::testing::SizeIs;
namespace v1 = ::rehab::v1;

constexpr char kCounty[] = "320831";

// A TCP port free now on 127.0.0.1, so that a restarted server comes back
// where its clients left it.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The records a device's local database caches (0 when it has none yet).
int64_t CachedRecordCount(const std::string& db_path) {
  sqlite3* db = nullptr;
  int64_t count = 0;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* select = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM records", -1, &select,
                           nullptr) == SQLITE_OK &&
        sqlite3_step(select) == SQLITE_ROW) {
      count = sqlite3_column_int64(select, 0);
    }
    sqlite3_finalize(select);
  }
  sqlite3_close(db);
  return count;
}

// One phone or tablet: a Client over a decorated real stub, with its own
// local database file.
struct Device {
  std::shared_ptr<ForwardingStub> stub;
  std::unique_ptr<Client> client;
  std::string db_path;
};

class SdkSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::path(::testing::TempDir()) / "rehab-dev-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    const int port = FreePort();
    ASSERT_NE(port, 0);
    server_ = TestServer::StartOrDie([port](ServerOptions& options) {
      options.listen = absl::StrCat("127.0.0.1:", port);
    });
    county_ = server_->CreateTwoTownCounty();
    staff_ = server_->CreateAccount("staff-a", v1::ROLE_FACILITY_STAFF,
                                    county_.station_a.id());
    server_->CreateAccount("sup-a", v1::ROLE_SUPERVISOR,
                           county_.township_a.id());
    server_->CreateAccount("sup-b", v1::ROLE_SUPERVISOR,
                           county_.township_b.id());
    ClientOptions options;
    options.target = server_->address();
    absl::StatusOr<std::unique_ptr<Client>> admin = Client::Create(options);
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = *std::move(admin);
    ASSERT_TRUE(admin_
                    ->Login(rehab::testing::kAdminUsername,
                            rehab::testing::kAdminPassword)
                    .ok());
    ASSERT_FALSE(HasFailure());
  }

  void TearDown() override {
    devices_.clear();
    admin_.reset();
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  ClientOptions DeviceOptions(const std::string& name) {
    ClientOptions options;
    options.target = server_->address();
    options.device_id = name;
    options.local_db_path = absl::StrCat(dir_, "/", name, ".db");
    options.default_deadline = absl::Seconds(10);
    options.retry.initial_backoff = absl::Milliseconds(50);
    options.retry.max_backoff = absl::Seconds(1);
    options.retry.max_attempts = 10;
    return options;
  }

  // A device logged in as `username`. The Device stays owned by the
  // fixture.
  Device& NewDevice(const std::string& name, const std::string& username,
                    ClientOptions options) {
    auto device = std::make_unique<Device>();
    device->db_path = options.local_db_path;
    absl::StatusOr<std::shared_ptr<Stub>> real =
        internal::MakeGrpcStub(options);
    EXPECT_TRUE(real.ok()) << real.status();
    device->stub = std::make_shared<ForwardingStub>(*real);
    device->client = std::make_unique<Client>(options, device->stub);
    absl::StatusOr<v1::LoginResponse> login =
        device->client->Login(username, kTestPassword);
    EXPECT_TRUE(login.ok()) << name << ": " << login.status();
    devices_.push_back(std::move(device));
    return *devices_.back();
  }
  Device& NewDevice(const std::string& name, const std::string& username) {
    return NewDevice(name, username, DeviceOptions(name));
  }

  // A valid patient of village A whose home is station A.
  v1::Patient NewPatient(int sequence, const std::string& birth = "19800101") {
    v1::Patient p;
    p.set_name(absl::StrCat("Patient ", birth, "-", sequence));
    p.set_id_number(TestIdNumber(kCounty, birth, sequence));
    p.set_disability_card_number(absl::StrCat(p.id_number(), 4, 2));
    p.set_area_id(county_.village_a.id());
    p.set_facility_id(county_.station_a.id());
    return p;
  }

  static SyncReport SyncOrDie(Client& client) {
    absl::StatusOr<SyncReport> report = client.Sync();
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : SyncReport{};
  }

  static std::string CreateOrDie(Client& client, v1::Patient patient) {
    absl::StatusOr<std::string> id = client.Create(std::move(patient));
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or("");
  }

  static v1::Patient LocalOrDie(Client& client, const std::string& id) {
    absl::StatusOr<std::optional<v1::Patient>> p = client.GetLocalPatient(id);
    EXPECT_TRUE(p.ok() && p->has_value()) << "no local patient " << id;
    return p.ok() && p->has_value() ? **p : v1::Patient();
  }

  static std::vector<v1::Patient> AllLocal(Client& client) {
    LocalPatientQuery all;
    all.limit = 100000;
    absl::StatusOr<std::vector<v1::Patient>> patients =
        client.ListLocalPatients(all);
    EXPECT_TRUE(patients.ok()) << patients.status();
    return patients.value_or(std::vector<v1::Patient>{});
  }

  // The ids of every patient on the server.
  std::set<std::string> ServerPatientIds() {
    std::set<std::string> ids;
    v1::ListPatientsRequest request;
    request.set_page_size(1000);
    while (true) {
      absl::StatusOr<v1::ListPatientsResponse> page =
          admin_->ListPatients(request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) return ids;
      for (const v1::Patient& p : page->patients()) ids.insert(p.id());
      if (page->next_page_token().empty()) return ids;
      request.set_page_token(page->next_page_token());
    }
  }

  v1::Patient ServerPatient(const std::string& id) {
    v1::GetPatientRequest request;
    request.set_id(id);
    absl::StatusOr<v1::Patient> p = admin_->GetPatient(request);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.value_or(v1::Patient());
  }

  // Another staff device pulls patient `id`, changes its address and syncs
  // (the server's copy goes to version 2).
  void EditOnAnotherDevice(const std::string& id, const std::string& address) {
    Device& theirs = NewDevice("theirs", "staff-a");
    SyncOrDie(*theirs.client);
    v1::Patient edit = LocalOrDie(*theirs.client, id);
    edit.set_address(address);
    ASSERT_TRUE(theirs.client->Update(edit).ok());
    SyncOrDie(*theirs.client);
  }

  // `count` patients written by a staff device and synced.
  std::vector<std::string> SeedPatients(int count) {
    Device& seeder = NewDevice("seeder", "staff-a");
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      ids.push_back(CreateOrDie(
          *seeder.client,
          NewPatient(i % 900 + 1, i < 900 ? "19800101" : "19810101")));
    }
    SyncReport report = SyncOrDie(*seeder.client);
    EXPECT_EQ(report.pushed, count);
    return ids;
  }

  std::string dir_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Client> admin_;
  std::vector<std::unique_ptr<Device>> devices_;
  TwoTownCounty county_;
  v1::Account staff_;
};

// 1. The server commits a push, then the connection drops before the reply.
TEST_F(SdkSyncTest, ARetryAfterALostReplyIsADuplicateAndMakesOneRecord) {
  Device& phone = NewDevice("phone", "staff-a");
  const std::string id = CreateOrDie(*phone.client, NewPatient(1));
  phone.stub->on_push = [first = true](Stub& next, const CallContext& context,
                                       const v1::PushRequest& request) mutable
      -> absl::StatusOr<v1::PushResponse> {
    absl::StatusOr<v1::PushResponse> answer = next.Push(context, request);
    if (!first) return answer;
    first = false;
    EXPECT_TRUE(answer.ok()) << answer.status();
    return absl::UnavailableError("connection reset by peer");
  };

  SyncReport report = SyncOrDie(*phone.client);

  EXPECT_EQ(phone.stub->push_calls, 2);
  EXPECT_EQ(report.pushed, 0);
  EXPECT_EQ(report.duplicates, 1);
  EXPECT_EQ(ServerPatientIds(), std::set<std::string>{id});
  EXPECT_EQ(*phone.client->PendingCount(), 0);
  EXPECT_EQ(LocalOrDie(*phone.client, id).version(), 1);
}

// 2. Two threads sync one client at once; two clients push one mutation at
// once.
TEST_F(SdkSyncTest, ConcurrentSyncsOfOneMutationMakeOneRecord) {
  Device& phone = NewDevice("phone", "staff-a");
  const std::string id = CreateOrDie(*phone.client, NewPatient(1));
  phone.stub->on_push = [](Stub& next, const CallContext& context,
                           const v1::PushRequest& request) {
    absl::SleepFor(absl::Milliseconds(100));
    return next.Push(context, request);
  };
  absl::Barrier start(2);
  std::vector<absl::StatusOr<SyncReport>> reports(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      start.Block();
      reports[i] = phone.client->Sync();
    });
  }
  for (std::thread& t : threads) t.join();

  for (const auto& report : reports) {
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->pushed, 1);
  }
  EXPECT_EQ(phone.stub->push_calls, 1);
  EXPECT_EQ(ServerPatientIds(), std::set<std::string>{id});

  // The same mutation queued on two devices, pushed at once.
  Device& a = NewDevice("tablet-a", "staff-a");
  Device& b = NewDevice("tablet-b", "staff-a");
  v1::Mutation shared;
  shared.set_mutation_id(rehab::NewUuid());
  *shared.mutable_patient() = NewPatient(2);
  shared.mutable_patient()->set_id(rehab::NewUuid());
  ASSERT_TRUE(a.client->Enqueue(shared).ok());
  ASSERT_TRUE(b.client->Enqueue(shared).ok());
  absl::Barrier both(2);
  std::vector<absl::StatusOr<SyncReport>> pair(2);
  std::thread ta([&] {
    both.Block();
    pair[0] = a.client->Sync();
  });
  std::thread tb([&] {
    both.Block();
    pair[1] = b.client->Sync();
  });
  ta.join();
  tb.join();

  ASSERT_TRUE(pair[0].ok()) << pair[0].status();
  ASSERT_TRUE(pair[1].ok()) << pair[1].status();
  EXPECT_EQ(pair[0]->pushed + pair[1]->pushed, 1);
  EXPECT_EQ(pair[0]->duplicates + pair[1]->duplicates, 1);
  EXPECT_EQ(ServerPatientIds(),
            (std::set<std::string>{id, shared.patient().id()}));
}

// 4. One invalid record in a batch of 100.
TEST_F(SdkSyncTest, OneInvalidRecordInABatchIsParkedAndTheQueueMovesOn) {
  ClientOptions options = DeviceOptions("tablet");
  options.push_batch_size = 100;
  Device& tablet = NewDevice("tablet", "staff-a", options);
  std::string bad_id;
  for (int i = 1; i <= 100; ++i) {
    v1::Patient p = NewPatient(i);
    if (i == 37) {
      // A wrong check character.
      p.set_id_number(p.id_number().substr(0, 17) +
                      (p.id_number()[17] == '1' ? "2" : "1"));
      p.clear_disability_card_number();
      bad_id = CreateOrDie(*tablet.client, p);
    } else {
      CreateOrDie(*tablet.client, p);
    }
  }

  SyncReport report = SyncOrDie(*tablet.client);

  EXPECT_EQ(tablet.stub->push_calls, 1);
  EXPECT_EQ(report.pushed, 99);
  EXPECT_EQ(report.rejected, 1);
  EXPECT_EQ(ServerPatientIds().size(), 99u);
  absl::StatusOr<std::vector<ParkedMutation>> parked =
      tablet.client->ListParked();
  ASSERT_TRUE(parked.ok()) << parked.status();
  ASSERT_THAT(*parked, SizeIs(1));
  EXPECT_EQ((*parked)[0].mutation.patient().id(), bad_id);
  EXPECT_EQ((*parked)[0].outcome, v1::OUTCOME_REJECTED);
  EXPECT_EQ((*parked)[0].status.code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf((*parked)[0].status)) {
    fields.push_back(v.field);
  }
  EXPECT_THAT(fields, ::testing::Contains("patient.id_number"));

  // A later write still syncs; the parked one is not sent again.
  const std::string later = CreateOrDie(*tablet.client, NewPatient(101));
  std::vector<int> sizes;
  tablet.stub->on_push = [&](Stub& next, const CallContext& context,
                             const v1::PushRequest& request) {
    sizes.push_back(request.mutations_size());
    return next.Push(context, request);
  };
  report = SyncOrDie(*tablet.client);
  EXPECT_EQ(report.pushed, 1);
  EXPECT_EQ(sizes, std::vector<int>{1});
  EXPECT_EQ(ServerPatientIds().count(later), 1u);
  EXPECT_EQ(*tablet.client->PendingCount(), 0);
}

// 5. The server restarts in the middle of a multi-page initial pull.
TEST_F(SdkSyncTest, APullResumesFromItsLastPageAfterAServerRestart) {
  const std::vector<std::string> ids = SeedPatients(60);
  ClientOptions options = DeviceOptions("supervisor");
  options.pull_page_size = 10;
  options.retry.initial_backoff = absl::Milliseconds(200);
  options.retry.max_attempts = 15;
  Device& sup = NewDevice("supervisor", "sup-a", options);
  std::vector<std::string> tokens;
  int changes_received = 0;
  sup.stub->on_pull =
      [&](Stub& next, const CallContext& context,
          const v1::PullRequest& request) -> absl::StatusOr<v1::PullResponse> {
    tokens.push_back(request.sync_token());
    if (tokens.size() == 4) {
      // Three pages are in; rehabd goes down while the fourth is asked
      // for, and comes back.
      absl::Status restarted = server_->Restart();
      EXPECT_TRUE(restarted.ok()) << restarted;
      return absl::UnavailableError("the server went away");
    }
    absl::StatusOr<v1::PullResponse> page = next.Pull(context, request);
    if (page.ok()) changes_received += page->changes_size();
    return page;
  };

  SyncReport report = SyncOrDie(*sup.client);

  EXPECT_TRUE(report.caught_up);
  EXPECT_EQ(report.pulled, 60);
  EXPECT_EQ(changes_received, 60) << "no page was fetched twice";
  ASSERT_GE(tokens.size(), 7u);
  EXPECT_EQ(tokens[0], "");
  EXPECT_EQ(tokens[4], tokens[3]) << "the retry asks for the same page";
  for (size_t i = 1; i < tokens.size(); ++i) {
    EXPECT_NE(tokens[i], "") << "request " << i << " started over";
  }
  EXPECT_EQ(AllLocal(*sup.client).size(), ids.size());
}

// 6. The device process is killed at varied moments while it pulls: each
// time once its cache holds at least `kill_after` records, so the kills
// land at different points of the feed, each right after some page was
// committed or while the next one is being written.
TEST_F(SdkSyncTest, ADeviceKilledMidPullLosesAndRepeatsNothing) {
  const std::vector<std::string> ids = SeedPatients(400);
  const std::set<std::string> expected(ids.begin(), ids.end());
  const int64_t total = static_cast<int64_t>(ids.size());
  int killed_mid_pull = 0;
  // Two kills on one device, the second after it resumed from the first.
  const std::vector<std::pair<int64_t, int64_t>> kills = {
      {1, 60}, {30, 150}, {110, 260}, {200, 390}};
  for (size_t run = 0; run < kills.size(); ++run) {
    const std::string name = absl::StrCat("killed-", run);
    const std::string db_path = absl::StrCat(dir_, "/", name, ".db");
    for (int64_t kill_after : {kills[run].first, kills[run].second}) {
      std::vector<std::string> args = {SYNC_PULL_CHILD_PATH,
                                       server_->address(),
                                       db_path,
                                       "sup-a",
                                       kTestPassword,
                                       "3"};
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      pid_t child = 0;
      ASSERT_EQ(posix_spawn(&child, SYNC_PULL_CHILD_PATH, nullptr, nullptr,
                            argv.data(), environ),
                0);
      int wstatus = 0;
      pid_t done = 0;
      const absl::Time give_up = absl::Now() + absl::Seconds(30);
      while ((done = waitpid(child, &wstatus, WNOHANG)) == 0 &&
             CachedRecordCount(db_path) < kill_after && absl::Now() < give_up) {
        absl::SleepFor(absl::Microseconds(500));
      }
      if (done == 0) {
        kill(child, SIGKILL);
        ASSERT_EQ(waitpid(child, &wstatus, 0), child);
      }
      if (!WIFSIGNALED(wstatus)) {
        EXPECT_EQ(WEXITSTATUS(wstatus), 0) << "the child failed";
      }
      const int64_t cached = CachedRecordCount(db_path);
      if (WIFSIGNALED(wstatus) && cached > 0 && cached < total) {
        ++killed_mid_pull;
      }
    }

    ClientOptions options = DeviceOptions(name);
    Device& reopened = NewDevice(name, "sup-a", options);
    SyncOrDie(*reopened.client);

    const std::vector<v1::Patient> local = AllLocal(*reopened.client);
    std::set<std::string> local_ids;
    for (const v1::Patient& p : local) local_ids.insert(p.id());
    EXPECT_EQ(local.size(), ids.size()) << name;
    EXPECT_EQ(local_ids, expected) << name;
    EXPECT_EQ(CachedRecordCount(db_path), total) << name;
  }
  EXPECT_GE(killed_mid_pull, 4) << "too few kills landed mid-pull";
}

// 7. A stale edit of a patient.
TEST_F(SdkSyncTest, AStaleEditIsParkedWithBothVersionsAndOverwritesNothing) {
  Device& mine = NewDevice("mine", "staff-a");
  const std::string id = CreateOrDie(*mine.client, NewPatient(1));
  SyncOrDie(*mine.client);
  EditOnAnotherDevice(id, "Their Street");
  v1::Patient my_edit = LocalOrDie(*mine.client, id);
  ASSERT_EQ(my_edit.version(), 1);
  my_edit.set_address("My Street");
  ASSERT_TRUE(mine.client->Update(my_edit).ok());

  SyncReport report = SyncOrDie(*mine.client);

  EXPECT_EQ(report.conflicts, 1);
  EXPECT_EQ(report.pushed, 0);
  const v1::Patient on_server = ServerPatient(id);
  EXPECT_EQ(on_server.address(), "Their Street");
  EXPECT_EQ(on_server.version(), 2);
  EXPECT_EQ(LocalOrDie(*mine.client, id).address(), "My Street");
  absl::StatusOr<std::vector<ParkedMutation>> parked =
      mine.client->ListParked();
  ASSERT_TRUE(parked.ok()) << parked.status();
  ASSERT_THAT(*parked, SizeIs(1));
  EXPECT_EQ((*parked)[0].outcome, v1::OUTCOME_CONFLICT);
  EXPECT_EQ((*parked)[0].mutation.patient().address(), "My Street");
  EXPECT_EQ((*parked)[0].mutation.base_version(), 1);
  ASSERT_TRUE((*parked)[0].server_copy.has_value());
  EXPECT_EQ((*parked)[0].server_copy->patient().address(), "Their Street");
  EXPECT_EQ((*parked)[0].server_copy->patient().version(), 2);
  EXPECT_EQ(ErrorReason((*parked)[0].status), "VERSION_CONFLICT");

  // Settled: the device shows the server's copy.
  ASSERT_TRUE(
      mine.client->DiscardParked((*parked)[0].mutation.mutation_id()).ok());
  EXPECT_EQ(LocalOrDie(*mine.client, id).address(), "Their Street");
}

// 8. A pull never overwrites a record with an unsent local edit.
TEST_F(SdkSyncTest, APullNeverOverwritesAnUnsentLocalEdit) {
  Device& mine = NewDevice("mine", "staff-a");
  const std::string id = CreateOrDie(*mine.client, NewPatient(1));
  SyncOrDie(*mine.client);
  EditOnAnotherDevice(id, "Their Street");
  // The user edits between this sync's push and its pull.
  mine.stub->on_pull = [&, edited = false](
                           Stub& next, const CallContext& context,
                           const v1::PullRequest& request) mutable {
    if (!edited) {
      edited = true;
      v1::Patient my_edit = LocalOrDie(*mine.client, id);
      my_edit.set_address("My Street");
      EXPECT_TRUE(mine.client->Update(my_edit).ok());
    }
    return next.Pull(context, request);
  };

  SyncReport report = SyncOrDie(*mine.client);

  EXPECT_EQ(report.skipped_pending, 1);
  EXPECT_EQ(LocalOrDie(*mine.client, id).address(), "My Street");
  EXPECT_EQ(*mine.client->PendingCount(), 1);
  EXPECT_EQ(ServerPatient(id).address(), "Their Street");
}

// 11. The server refuses the device's position (a tampered token).
TEST_F(SdkSyncTest, ResyncRequiredRebuildsTheCacheAndKeepsTheOutbox) {
  const std::vector<std::string> ids = SeedPatients(5);
  Device& tablet = NewDevice("tablet", "staff-a");
  SyncOrDie(*tablet.client);
  ASSERT_EQ(AllLocal(*tablet.client).size(), 5u);
  // Tamper with the token the device keeps.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(tablet.db_path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db,
                           "UPDATE meta SET value = substr(value, 1, 10) || "
                           "(CASE substr(value, 11, 1) WHEN 'A' THEN 'B' "
                           "ELSE 'A' END) || substr(value, 12) "
                           "WHERE key = 'sync_token'",
                           nullptr, nullptr, &error),
              SQLITE_OK)
        << error;
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_close(db);
  }
  // A write made between the push and the pull stays queued.
  std::string unsent;
  std::vector<std::string> tokens;
  tablet.stub->on_pull = [&](Stub& next, const CallContext& context,
                             const v1::PullRequest& request) {
    if (tokens.empty()) unsent = CreateOrDie(*tablet.client, NewPatient(50));
    tokens.push_back(request.sync_token());
    return next.Pull(context, request);
  };

  SyncReport report = SyncOrDie(*tablet.client);

  EXPECT_TRUE(report.resynced);
  ASSERT_GE(tokens.size(), 2u);
  EXPECT_NE(tokens[0], "");
  EXPECT_EQ(tokens[1], "");
  EXPECT_EQ(report.pulled, 5);
  EXPECT_EQ(*tablet.client->PendingCount(), 1);
  std::set<std::string> local;
  for (const v1::Patient& p : AllLocal(*tablet.client)) local.insert(p.id());
  std::set<std::string> expected(ids.begin(), ids.end());
  expected.insert(unsent);
  EXPECT_EQ(local, expected);
  // The kept write goes out on the next sync.
  EXPECT_EQ(SyncOrDie(*tablet.client).pushed, 1);
}

// 12. The access token expires between two pages of a pull.
TEST_F(SdkSyncTest, AnAccessTokenExpiringMidSyncIsRefreshedOnce) {
  SeedPatients(30);
  ClientOptions options = DeviceOptions("supervisor");
  options.pull_page_size = 10;
  Device& sup = NewDevice("supervisor", "sup-a", options);
  sup.stub->on_pull = [&](Stub& next, const CallContext& context,
                          const v1::PullRequest& request) {
    absl::StatusOr<v1::PullResponse> page = next.Pull(context, request);
    if (sup.stub->pull_calls == 1) {
      server_->clock().Advance(absl::Hours(1) + absl::Minutes(1));
    }
    return page;
  };

  SyncReport report = SyncOrDie(*sup.client);

  EXPECT_EQ(sup.stub->refresh_calls, 1);
  EXPECT_TRUE(report.caught_up);
  EXPECT_EQ(report.pulled, 30);
  EXPECT_EQ(AllLocal(*sup.client).size(), 30u);
}

// 13. A device clock two hours off.
TEST_F(SdkSyncTest, ADeviceClockHoursOffIsFlaggedAndServerTimesOrderRecords) {
  ClientOptions options = DeviceOptions("phone");
  absl::Duration offset = -absl::Hours(2);
  options.clock = [&offset] { return absl::Now() + offset; };
  Device& phone = NewDevice("phone", "staff-a", options);
  std::vector<v1::Mutation> sent;
  phone.stub->on_push = [&](Stub& next, const CallContext& context,
                            const v1::PushRequest& request) {
    sent.insert(sent.end(), request.mutations().begin(),
                request.mutations().end());
    return next.Push(context, request);
  };
  const std::string first = CreateOrDie(*phone.client, NewPatient(1));
  SyncReport report = SyncOrDie(*phone.client);
  // The device clock jumps further back; the server's moves on.
  offset = -absl::Hours(5);
  server_->clock().Advance(absl::Seconds(1));
  const std::string second = CreateOrDie(*phone.client, NewPatient(2));
  SyncReport later = SyncOrDie(*phone.client);

  EXPECT_TRUE(report.clock_skew_flagged);
  EXPECT_LT(absl::AbsDuration(report.clock_skew - absl::Hours(2)),
            absl::Minutes(1));
  EXPECT_TRUE(later.clock_skew_flagged);
  EXPECT_TRUE(phone.client->sync_status().clock_skew_flagged);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_GT(sent[0].device_time().seconds(), sent[1].device_time().seconds());
  const v1::Patient a = LocalOrDie(*phone.client, first);
  const v1::Patient b = LocalOrDie(*phone.client, second);
  EXPECT_LT(a.change_seq(), b.change_seq());
  EXPECT_LT(a.create_time().seconds(), b.create_time().seconds());
  EXPECT_LT(std::abs(a.create_time().seconds() -
                     absl::ToUnixSeconds(server_->clock().Now())),
            60);
}

// 14. An account disabled while its device is offline.
TEST_F(SdkSyncTest, AnAccountDisabledWhileOfflineIsWipedOnNextContact) {
  Device& phone = NewDevice("phone", "staff-a");
  v1::Patient p = NewPatient(1);
  p.set_name("Synced Secret");
  const std::string synced = CreateOrDie(*phone.client, p);
  SyncOrDie(*phone.client);
  v1::Patient q = NewPatient(2);
  q.set_name("Unsent Secret");
  CreateOrDie(*phone.client, q);
  v1::DisableAccountRequest disable;
  disable.set_id(staff_.id());
  ASSERT_TRUE(admin_->DisableAccount(disable).ok());

  absl::StatusOr<SyncReport> report = phone.client->Sync();

  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ErrorReason(report.status()), "ACCOUNT_DISABLED");
  EXPECT_EQ(phone.client->sync_status().state, SyncState::kWiped);
  EXPECT_EQ(*phone.client->PendingCount(), 0);
  EXPECT_FALSE(phone.client->GetLocalPatient(synced)->has_value());
  EXPECT_THAT(AllLocal(*phone.client), ::testing::IsEmpty());
  const std::string bytes =
      ReadFile(phone.db_path) + ReadFile(phone.db_path + "-wal");
  EXPECT_EQ(bytes.find("Synced Secret"), std::string::npos);
  EXPECT_EQ(bytes.find("Unsent Secret"), std::string::npos);
}

// Scope removal: a patient moved to another township.
TEST_F(SdkSyncTest, APatientMovedAwayLeavesTheOldTownshipSupervisorsDevice) {
  Device& staff = NewDevice("station", "staff-a");
  const std::string id = CreateOrDie(*staff.client, NewPatient(1));
  v1::Enrollment enrollment;
  enrollment.set_patient_id(id);
  enrollment.set_program(v1::PROGRAM_PRECISION_REHAB);
  enrollment.set_start_date("2024-01-15");
  ASSERT_TRUE(staff.client->Create(enrollment).ok());
  SyncOrDie(*staff.client);
  Device& sup_a = NewDevice("sup-a-phone", "sup-a");
  Device& sup_b = NewDevice("sup-b-phone", "sup-b");
  SyncOrDie(*sup_a.client);
  SyncOrDie(*sup_b.client);
  ASSERT_EQ(LocalOrDie(*sup_a.client, id).name(), NewPatient(1).name());
  ASSERT_THAT(*sup_a.client->ListLocalEnrollments(id), SizeIs(1));
  ASSERT_FALSE(sup_b.client->GetLocalPatient(id)->has_value());

  v1::UpdatePatientRequest move;
  *move.mutable_patient() = ServerPatient(id);
  move.mutable_patient()->set_area_id(county_.village_b.id());
  move.mutable_patient()->set_facility_id(county_.station_b.id());
  absl::StatusOr<v1::Patient> moved = admin_->UpdatePatient(move);
  ASSERT_TRUE(moved.ok()) << moved.status();
  SyncReport report = SyncOrDie(*sup_a.client);
  SyncOrDie(*sup_b.client);

  EXPECT_EQ(report.pulled, 2);
  EXPECT_FALSE(sup_a.client->GetLocalPatient(id)->has_value());
  EXPECT_THAT(*sup_a.client->ListLocalEnrollments(id), ::testing::IsEmpty());
  EXPECT_EQ(LocalOrDie(*sup_b.client, id).area_id(), county_.village_b.id());
  EXPECT_THAT(*sup_b.client->ListLocalEnrollments(id), SizeIs(1));
}

// A voided visit leaves every device that held it, and a patient whose
// contract ends leaves the doctor's phone with everything hanging on them.
TEST_F(SdkSyncTest, AVoidedVisitAndAnEndedContractLeaveTheDoctorsPhone) {
  Device& staff = NewDevice("station", "staff-a");
  const std::string id = CreateOrDie(*staff.client, NewPatient(1));
  SyncOrDie(*staff.client);
  const v1::Facility center = server_->CreateFacility(
      "Health Center A", v1::FACILITY_TYPE_HEALTH_CENTER,
      county_.township_a.id());
  const v1::Practitioner doctor =
      server_->CreatePractitioner("Doctor A", center.id());
  server_->CreateAccount("doctor-a", v1::ROLE_FAMILY_DOCTOR, doctor.id());
  v1::CreateContractRequest sign;
  v1::Contract* c = sign.mutable_contract();
  c->set_patient_id(id);
  c->set_doctor_id(doctor.id());
  v1::ContractItem* item = c->add_items();
  item->set_code("public_health_follow_up");
  item->set_name("Public health follow-up");
  item->set_visits_per_year(4);
  absl::StatusOr<std::string> today = admin_->LocalToday();
  ASSERT_TRUE(today.ok()) << today.status();
  const absl::CivilDay start = *ParseDate(*today) - 30;
  c->set_start_date(FormatDate(start));
  c->set_end_date(FormatDate(
      absl::CivilDay(start.year() + 1, start.month(), start.day()) - 1));
  c->set_signed_date(c->start_date());
  absl::StatusOr<v1::Contract> contract = admin_->CreateContract(sign);
  ASSERT_TRUE(contract.ok()) << contract.status();

  Device& phone = NewDevice("doctor-phone", "doctor-a");
  SyncOrDie(*phone.client);
  ASSERT_TRUE(phone.client->GetLocalPatient(id)->has_value());
  v1::Visit visit;
  visit.set_patient_id(id);
  visit.set_mode(v1::VISIT_MODE_HOME);
  visit.set_informant(v1::INFORMANT_PATIENT);
  const absl::Time now = absl::Now();
  *visit.mutable_start_time() = ToProto(now - absl::Hours(2));
  *visit.mutable_end_time() = ToProto(now - absl::Hours(1));
  absl::StatusOr<std::string> visit_id = phone.client->Create(visit);
  ASSERT_TRUE(visit_id.ok()) << visit_id.status();
  SyncReport report = SyncOrDie(*phone.client);
  EXPECT_EQ(report.pushed, 1);
  ASSERT_THAT(*phone.client->ListLocalVisits(id), SizeIs(1));

  v1::CreateVisitRequest cancel;
  cancel.mutable_visit()->set_contract_id(contract->id());
  cancel.mutable_visit()->set_voids_id(*visit_id);
  cancel.mutable_visit()->set_void_reason("entered for the wrong patient");
  absl::StatusOr<v1::Visit> voided = admin_->CreateVisit(cancel);
  ASSERT_TRUE(voided.ok()) << voided.status();
  SyncOrDie(*phone.client);
  EXPECT_THAT(*phone.client->ListLocalVisits(id), ::testing::IsEmpty());
  ASSERT_TRUE(phone.client->GetLocalFollowUp(id)->has_value());

  v1::TerminateContractRequest terminate;
  terminate.set_id(contract->id());
  terminate.set_version(contract->version());
  terminate.set_reason("moved away");
  ASSERT_TRUE(admin_->TerminateContract(terminate).ok());
  SyncOrDie(*phone.client);
  EXPECT_FALSE(phone.client->GetLocalPatient(id)->has_value());
  EXPECT_THAT(*phone.client->ListLocalContracts(id), ::testing::IsEmpty());
  EXPECT_FALSE(phone.client->GetLocalFollowUp(id)->has_value());
}

}  // namespace
}  // namespace rehab::client
