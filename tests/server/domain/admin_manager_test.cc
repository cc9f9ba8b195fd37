#include "server/domain/admin_manager.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/domain/page_token.h"
#include "tests/server/domain/fake_store.h"

namespace rehab {
namespace {

using ::rehab::v1::BackupRequest;
using ::rehab::v1::BackupResponse;
using ::rehab::v1::ListAuditEventsRequest;
using ::rehab::v1::ListAuditEventsResponse;
using ::testing::ElementsAre;

constexpr char kPatientA[] = "b0000000-0000-4000-8000-000000000001";
constexpr char kPatientB[] = "b0000000-0000-4000-8000-000000000002";

Caller MakeCaller(rehab::v1::Role role, const std::string& account_id,
                  const std::string& username) {
  Caller caller;
  caller.account_id = account_id;
  caller.username = username;
  caller.role = role;
  caller.peer = "10.0.0.5";
  return caller;
}

class AdminManagerTest : public ::testing::Test {
 protected:
  AdminManagerTest()
      : clock_(absl::FromUnixSeconds(1700000000)), admin_(&store_, &clock_) {}

  absl::StatusOr<ListAuditEventsResponse> List(ListAuditEventsRequest request,
                                               const Caller& caller) {
    return admin_.ListAuditEvents(caller, request);
  }

  // The methods of the events a listing returns, in its order.
  static std::vector<std::string> Methods(
      const ListAuditEventsResponse& response) {
    std::vector<std::string> out;
    for (const auto& e : response.audit_events()) out.push_back(e.method());
    return out;
  }

  FakeStore store_;
  FakeClock clock_;
  AdminManager admin_;
  const Caller root_ = MakeCaller(rehab::v1::ROLE_ADMIN, "acc-root", "root");
  const Caller doctor_ =
      MakeCaller(rehab::v1::ROLE_FAMILY_DOCTOR, "acc-doc", "doc");
};

TEST_F(AdminManagerTest, AuditRecordsWhoDidWhatToWhomAndHowItEnded) {
  admin_.Audit(doctor_, "rehab.v1.PatientService/GetPatient", kPatientA,
               absl::NotFoundError("patient not found"), "looked up");
  std::vector<rehab::v1::AuditEvent> events = store_.audit_events();
  ASSERT_EQ(events.size(), 1u);
  const rehab::v1::AuditEvent& e = events[0];
  EXPECT_GT(e.seq(), 0);
  EXPECT_EQ(FromProto(e.time()), clock_.Now());
  EXPECT_EQ(e.account_id(), "acc-doc");
  EXPECT_EQ(e.username(), "doc");
  EXPECT_EQ(e.method(), "rehab.v1.PatientService/GetPatient");
  EXPECT_EQ(e.patient_id(), kPatientA);
  EXPECT_EQ(e.outcome(), "NOT_FOUND");
  EXPECT_EQ(e.peer(), "10.0.0.5");
  EXPECT_EQ(e.detail(), "looked up");

  admin_.Audit(doctor_, "m", kPatientA, absl::OkStatus());
  EXPECT_EQ(store_.audit_events().back().outcome(), "OK");
}

TEST_F(AdminManagerTest, ListsNewestFirstAcrossPages) {
  for (int i = 1; i <= 5; ++i) {
    admin_.Audit(doctor_, "m" + std::to_string(i), kPatientA, absl::OkStatus());
    clock_.Advance(absl::Seconds(1));
  }
  ListAuditEventsRequest request;
  request.set_page_size(2);
  absl::StatusOr<ListAuditEventsResponse> page1 = List(request, root_);
  ASSERT_TRUE(page1.ok()) << page1.status();
  EXPECT_THAT(Methods(*page1), ElementsAre("m5", "m4"));
  ASSERT_FALSE(page1->next_page_token().empty());

  request.set_page_token(page1->next_page_token());
  absl::StatusOr<ListAuditEventsResponse> page2 = List(request, root_);
  ASSERT_TRUE(page2.ok()) << page2.status();
  EXPECT_THAT(Methods(*page2), ElementsAre("m3", "m2"));

  request.set_page_token(page2->next_page_token());
  absl::StatusOr<ListAuditEventsResponse> page3 = List(request, root_);
  ASSERT_TRUE(page3.ok()) << page3.status();
  EXPECT_THAT(Methods(*page3), ElementsAre("m1"));
  EXPECT_TRUE(page3->next_page_token().empty());
}

TEST_F(AdminManagerTest, PagingIsStableWhileNewEventsArrive) {
  for (int i = 1; i <= 3; ++i) {
    admin_.Audit(doctor_, "m" + std::to_string(i), "", absl::OkStatus());
  }
  ListAuditEventsRequest request;
  request.set_page_size(2);
  absl::StatusOr<ListAuditEventsResponse> page1 = List(request, root_);
  ASSERT_TRUE(page1.ok());
  admin_.Audit(doctor_, "m4", "", absl::OkStatus());
  request.set_page_token(page1->next_page_token());
  absl::StatusOr<ListAuditEventsResponse> page2 = List(request, root_);
  ASSERT_TRUE(page2.ok());
  EXPECT_THAT(Methods(*page2), ElementsAre("m1"));
}

TEST_F(AdminManagerTest, FiltersByPatientAccountAndTime) {
  const absl::Time start = clock_.Now();
  admin_.Audit(doctor_, "a", kPatientA, absl::OkStatus());
  clock_.Advance(absl::Minutes(1));
  admin_.Audit(root_, "b", kPatientB, absl::OkStatus());
  clock_.Advance(absl::Minutes(1));
  admin_.Audit(doctor_, "c", kPatientB, absl::OkStatus());

  ListAuditEventsRequest by_patient;
  by_patient.set_patient_id(kPatientB);
  absl::StatusOr<ListAuditEventsResponse> patient = List(by_patient, root_);
  ASSERT_TRUE(patient.ok());
  EXPECT_THAT(Methods(*patient), ElementsAre("c", "b"));

  ListAuditEventsRequest by_account;
  by_account.set_account_id("acc-doc");
  absl::StatusOr<ListAuditEventsResponse> account = List(by_account, root_);
  ASSERT_TRUE(account.ok());
  EXPECT_THAT(Methods(*account), ElementsAre("c", "a"));

  ListAuditEventsRequest by_time;
  *by_time.mutable_start_time() = ToProto(start + absl::Seconds(30));
  *by_time.mutable_end_time() = ToProto(start + absl::Seconds(90));
  absl::StatusOr<ListAuditEventsResponse> time = List(by_time, root_);
  ASSERT_TRUE(time.ok());
  EXPECT_THAT(Methods(*time), ElementsAre("b"));

  ListAuditEventsRequest backwards;
  *backwards.mutable_start_time() = ToProto(start + absl::Seconds(90));
  *backwards.mutable_end_time() = ToProto(start);
  EXPECT_EQ(List(backwards, root_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AdminManagerTest, OnlyAdministratorsMayList) {
  admin_.Audit(doctor_, "a", kPatientA, absl::OkStatus());
  for (rehab::v1::Role role :
       {rehab::v1::ROLE_SUPERVISOR, rehab::v1::ROLE_FAMILY_DOCTOR,
        rehab::v1::ROLE_FACILITY_STAFF, rehab::v1::ROLE_PATIENT,
        rehab::v1::ROLE_KIOSK, rehab::v1::ROLE_UNSPECIFIED}) {
    absl::Status status = List({}, MakeCaller(role, "x", "x")).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << role;
  }
}

TEST_F(AdminManagerTest, RefusesPageTokensOfOtherLists) {
  ListAuditEventsRequest request;
  request.set_page_token(EncodePageToken("ListAccounts", "alice"));
  absl::Status status = List(request, root_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(FieldViolationsOf(status).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(status)[0].field, "page_token");

  request.set_page_token(EncodePageToken("ListAuditEvents", "not-a-seq"));
  EXPECT_EQ(List(request, root_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AdminManagerTest, BackupCopiesTheCommittedStateForAnAdministrator) {
  rehab::v1::Area county;
  county.set_id("a1");
  county.set_code("320831");
  county.set_name("County");
  ASSERT_TRUE(
      store_.Write([&](WriteTxn& txn) { return txn.PutArea(county); }).ok());
  BackupRequest request;
  request.set_path("/var/backups/rehab-2026-11-29.db");

  absl::StatusOr<BackupResponse> response = admin_.Backup(root_, request);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->path(), "/var/backups/rehab-2026-11-29.db");
  EXPECT_GT(response->size_bytes(), 0);
  EXPECT_EQ(FromProto(response->finish_time()), clock_.Now());
  EXPECT_EQ(response->change_seq(), store_.changes().back().change_seq);
  std::shared_ptr<const FakeStore::State> copy =
      store_.backup("/var/backups/rehab-2026-11-29.db");
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->areas.count("a1"), 1u);
}

TEST_F(AdminManagerTest, OnlyAdministratorsMayBackUp) {
  BackupRequest request;
  request.set_path("/var/backups/rehab.db");
  for (rehab::v1::Role role :
       {rehab::v1::ROLE_SUPERVISOR, rehab::v1::ROLE_FAMILY_DOCTOR,
        rehab::v1::ROLE_FACILITY_STAFF, rehab::v1::ROLE_PATIENT,
        rehab::v1::ROLE_KIOSK, rehab::v1::ROLE_UNSPECIFIED}) {
    absl::Status status =
        admin_.Backup(MakeCaller(role, "x", "x"), request).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << role;
  }
  EXPECT_EQ(store_.backup("/var/backups/rehab.db"), nullptr);
}

TEST_F(AdminManagerTest, BackupRefusesPathsThatAreNotANewAbsoluteFile) {
  // The file system would see "/var/backups/a".
  constexpr char kNulPath[] = "/var/backups/a\0b.db";
  for (const std::string& path :
       {std::string(), std::string("rehab.db"), std::string("./rehab.db"),
        std::string("/var/backups/"),
        std::string(kNulPath, sizeof(kNulPath) - 1),
        "/" + std::string(5000, 'x')}) {
    BackupRequest request;
    request.set_path(path);
    absl::Status status = admin_.Backup(root_, request).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << path;
    ASSERT_EQ(FieldViolationsOf(status).size(), 1u) << path;
    EXPECT_EQ(FieldViolationsOf(status)[0].field, "path");
    EXPECT_EQ(store_.backup(path), nullptr) << path;
  }
}

TEST_F(AdminManagerTest, BackupNamesThePathWhenTheFileExistsOrHasNoDirectory) {
  BackupRequest request;
  request.set_path("/var/backups/rehab.db");
  ASSERT_TRUE(admin_.Backup(root_, request).ok());

  absl::Status again = admin_.Backup(root_, request).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(FieldViolationsOf(again).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(again)[0].field, "path");
  EXPECT_EQ(FieldViolationsOf(again)[0].description,
            "a file already exists there");

  store_.SetBackupFailure(absl::NotFoundError("no directory"));
  request.set_path("/no/such/dir/rehab.db");
  absl::Status no_dir = admin_.Backup(root_, request).status();
  EXPECT_EQ(no_dir.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(FieldViolationsOf(no_dir).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(no_dir)[0].field, "path");
  EXPECT_EQ(FieldViolationsOf(no_dir)[0].description,
            "its directory does not exist");
}

TEST_F(AdminManagerTest, BackupPassesOtherStoreErrorsOn) {
  store_.SetBackupFailure(absl::ResourceExhaustedError("the disk is full"));
  BackupRequest request;
  request.set_path("/var/backups/rehab.db");

  absl::Status status = admin_.Backup(root_, request).status();

  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(FieldViolationsOf(status).empty());
}

}  // namespace
}  // namespace rehab
