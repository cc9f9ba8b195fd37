// Online backup over the wire: a consistent copy while writes go on, who may
// make one, the path rules, and the audit trail of backups.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/common/status_macros.h"
#include "server/storage/sqlite_store.h"
#include "tests/integration/test_server.h"

namespace rehab::testing {
namespace {

namespace v1 = ::rehab::v1;

constexpr char kCounty[] = "320831";
constexpr char kBackupMethod[] = "rehab.v1.AdminService/Backup";

// The names in `dir`, sorted.
std::vector<std::string> FileNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::StartOrDie();
    const v1::Area county = server_->CreateArea(kCounty, "Demo County");
    const v1::Area township =
        server_->CreateArea("320831001", "Town A", county.id());
    village_ = server_->CreateArea("320831001001", "Village A", township.id());
    county_id_ = county.id();
    ASSERT_FALSE(HasFailure());
  }

  // Registers patient number `n` (distinct ID numbers for n < 31000) as
  // the administrator; returns its id, or nullopt when refused.
  std::optional<std::string> CreatePatient(v1::PatientService::Stub& patients,
                                           int n) {
    v1::CreatePatientRequest request;
    v1::Patient& patient = *request.mutable_patient();
    patient.set_name(absl::StrFormat("Patient %d", n));
    patient.set_id_number(TestIdNumber(
        kCounty, absl::StrFormat("198001%02d", 1 + n / 1000), n % 1000));
    patient.set_area_id(village_.id());
    v1::Patient created;
    auto context = TestServer::Context(server_->AdminToken());
    if (!patients.CreatePatient(context.get(), request, &created).ok()) {
      return std::nullopt;
    }
    return created.id();
  }

  grpc::Status Backup(const std::string& token, const std::string& path,
                      v1::BackupResponse* response) {
    v1::BackupRequest request;
    request.set_path(path);
    auto context = TestServer::Context(token);
    return server_->Admin()->Backup(context.get(), request, response);
  }

  // The audit events of Backup calls, polled until `count` show up (audit
  // writes are queued without waiting for them).
  std::vector<v1::AuditEvent> BackupAuditEvents(size_t count) {
    std::vector<v1::AuditEvent> events;
    for (int attempt = 0; attempt < 100; ++attempt) {
      v1::ListAuditEventsResponse response;
      auto context = TestServer::Context(server_->AdminToken());
      grpc::Status status = server_->Admin()->ListAuditEvents(
          context.get(), v1::ListAuditEventsRequest(), &response);
      if (!status.ok()) {
        ADD_FAILURE() << "ListAuditEvents: " << status.error_message();
        return events;
      }
      events.clear();
      for (const v1::AuditEvent& e : response.audit_events()) {
        if (e.method() == kBackupMethod) events.push_back(e);
      }
      if (events.size() >= count) return events;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return events;
  }

  std::unique_ptr<TestServer> server_;
  std::string county_id_;
  v1::Area village_;
};

TEST_F(BackupTest, CopyHoldsEveryAcknowledgedPatientWhileWritesGoOn) {
  auto patients = server_->Patients();
  std::vector<std::string> acknowledged;
  for (int n = 0; n < 20; ++n) {
    std::optional<std::string> id = CreatePatient(*patients, n);
    ASSERT_TRUE(id.has_value()) << n;
    acknowledged.push_back(*id);
  }
  // Another client keeps registering patients before, during and after the
  // backup.
  absl::Mutex mu;
  std::vector<std::string> written;  // guarded by mu
  std::atomic<int> written_count{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto stub = server_->Patients();
    for (int n = 1000; !stop && n < 30000; ++n) {
      std::optional<std::string> id = CreatePatient(*stub, n);
      if (!id.has_value()) continue;
      absl::MutexLock lock(&mu);
      written.push_back(*id);
      ++written_count;
    }
  });
  while (written_count < 10) absl::SleepFor(absl::Milliseconds(1));
  {
    absl::MutexLock lock(&mu);
    acknowledged.insert(acknowledged.end(), written.begin(), written.end());
  }
  const std::string path = server_->dir() + "/backup-2026-11-29.db";

  v1::BackupResponse response;
  grpc::Status status = Backup(server_->AdminToken(), path, &response);
  stop = true;
  writer.join();

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.path(), path);
  EXPECT_EQ(response.size_bytes(),
            static_cast<int64_t>(std::filesystem::file_size(path)));
  EXPECT_GT(response.change_seq(), 0);
  EXPECT_TRUE(response.has_finish_time());

  StoreOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<SqliteStore>> copy =
      SqliteStore::Open(options);
  ASSERT_TRUE(copy.ok()) << copy.status();
  absl::Status read = (*copy)->Read([&](ReadTxn& txn) -> absl::Status {
    for (const std::string& id : acknowledged) {
      ASSIGN_OR_RETURN(std::optional<v1::Patient> patient, txn.GetPatient(id));
      EXPECT_TRUE(patient.has_value()) << id;
      if (patient.has_value()) {
        EXPECT_LE(patient->change_seq(), response.change_seq());
      }
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(read.ok()) << read;
}

TEST_F(BackupTest, OnlyAdministratorsMayBackUpAndEveryAttemptIsAudited) {
  const std::string supervisor =
      server_->CreateAndLogin("county.sup", v1::ROLE_SUPERVISOR, county_id_);
  ASSERT_FALSE(supervisor.empty());
  const std::string path = server_->dir() + "/by-supervisor.db";

  v1::BackupResponse response;
  grpc::Status status = Backup(supervisor, path, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_FALSE(std::filesystem::exists(path));

  const std::string admin_path = server_->dir() + "/by-admin.db";
  ASSERT_TRUE(Backup(server_->AdminToken(), admin_path, &response).ok());
  std::vector<v1::AuditEvent> events = BackupAuditEvents(2);
  ASSERT_EQ(events.size(), 2u);
  // Newest first.
  EXPECT_EQ(events[0].username(), kAdminUsername);
  EXPECT_EQ(events[0].outcome(), "OK");
  EXPECT_EQ(events[0].detail(), admin_path);
  EXPECT_EQ(events[1].username(), "county.sup");
  EXPECT_EQ(events[1].outcome(), "PERMISSION_DENIED");
  EXPECT_EQ(events[1].detail(), path);
}

TEST_F(BackupTest, BadPathsAreInvalidArgumentNamingThePathAndWriteNothing) {
  const std::string existing = server_->dir() + "/existing.db";
  std::ofstream(existing) << "keep me";
  const std::vector<std::string> files_before = FileNames(server_->dir());

  for (const std::string& path : {std::string("backup.db"), existing,
                                  server_->dir() + "/no/such/dir/backup.db"}) {
    v1::BackupResponse response;
    grpc::Status status = Backup(server_->AdminToken(), path, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
    WireError error = DecodeError(status);
    EXPECT_EQ(error.fields, std::vector<std::string>{"path"}) << path;
  }

  EXPECT_FALSE(std::filesystem::exists("backup.db"));
  EXPECT_EQ(FileNames(server_->dir()), files_before);
  std::ifstream file(existing);
  std::string text;
  std::getline(file, text);
  EXPECT_EQ(text, "keep me");
}

}  // namespace
}  // namespace rehab::testing
