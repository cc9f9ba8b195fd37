// Family-doctor contracts, visits, follow-ups and alerts in the SQLite
// store: what each Put keeps and refuses, the lists and their pages, the
// family doctor's scope, and how a contract changing hands travels in the
// change feed.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"
#include "server/storage/connection.h"
#include "server/storage/sqlite_store.h"
#include "tests/server/domain/domain_test_util.h"
#include "tests/server/storage/store_test_util.h"

namespace rehab {
namespace {

using ::rehab::domain_test::AreaScope;
using ::rehab::domain_test::DescribeFeed;
using ::rehab::domain_test::FieldsOf;
using ::rehab::domain_test::ScopeOf;
using ::rehab::storage_test::MakeEnrollment;
using ::rehab::storage_test::MakePatient;
using ::rehab::storage_test::OpenStoreOrDie;
using ::rehab::storage_test::SeedCounty;
using ::rehab::storage_test::TempDir;
using ::rehab::v1::Alert;
using ::rehab::v1::Contract;
using ::rehab::v1::FollowUp;
using ::rehab::v1::Patient;
using ::rehab::v1::Visit;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

constexpr auto kActive = rehab::v1::CONTRACT_STATUS_ACTIVE;
constexpr auto kTerminated = rehab::v1::CONTRACT_STATUS_TERMINATED;
constexpr auto kRenewed = rehab::v1::CONTRACT_STATUS_RENEWED;

const absl::Time kCreated = absl::FromUnixSeconds(1700000000);

template <typename Record>
void Stamp(Record& record, const std::string& id) {
  record.set_id(id);
  record.set_version(1);
  *record.mutable_create_time() = ToProto(kCreated);
  *record.mutable_update_time() = record.create_time();
  record.set_author("acct-doctor");
}

Contract MakeContract(const std::string& id, const std::string& patient_id,
                      const std::string& doctor_id, const std::string& team,
                      rehab::v1::ContractStatus status,
                      const std::string& end_date = "2025-05-31") {
  Contract contract;
  Stamp(contract, id);
  contract.set_device_id("phone-1");
  contract.set_patient_id(patient_id);
  contract.set_doctor_id(doctor_id);
  contract.set_team(team);
  rehab::v1::ContractItem* item = contract.add_items();
  item->set_code("home_visit");
  item->set_name("Home visit");
  item->set_visits_per_year(4);
  contract.set_start_date("2024-06-01");
  contract.set_end_date(end_date);
  contract.set_signed_date("2024-05-20");
  contract.set_status(status);
  return contract;
}

// A visit of `contract_id` (patient `patient_id`) starting `hours` after
// 2024-06-01 00:00 UTC.
Visit MakeVisit(const std::string& id, const std::string& contract_id,
                const std::string& patient_id, int hours) {
  Visit visit;
  Stamp(visit, id);
  visit.set_device_id("phone-1");
  visit.set_contract_id(contract_id);
  visit.set_patient_id(patient_id);
  visit.set_doctor_id("doc-a");
  visit.set_mode(rehab::v1::VISIT_MODE_HOME);
  *visit.mutable_start_time() =
      ToProto(absl::FromUnixSeconds(1717200000) + absl::Hours(hours));
  *visit.mutable_end_time() = ToProto(absl::FromUnixSeconds(1717200000) +
                                      absl::Hours(hours) + absl::Hours(1));
  return visit;
}

FollowUp MakeFollowUp(const std::string& patient_id,
                      const std::string& contract_id,
                      const std::string& doctor_id,
                      const std::string& due_date) {
  FollowUp follow_up;
  follow_up.set_id(patient_id);
  follow_up.set_version(1);
  *follow_up.mutable_update_time() = ToProto(kCreated);
  follow_up.set_patient_id(patient_id);
  follow_up.set_contract_id(contract_id);
  follow_up.set_doctor_id(doctor_id);
  follow_up.set_due_date(due_date);
  follow_up.set_reason(rehab::v1::FOLLOW_UP_REASON_FIRST_VISIT);
  follow_up.set_interval_days(30);
  return follow_up;
}

Alert MakeAlert(const std::string& id, const std::string& patient_id,
                rehab::v1::AlertKind kind, const std::string& source_id,
                const std::string& finding_date, int64_t created_seconds) {
  Alert alert;
  Stamp(alert, id);
  *alert.mutable_create_time() =
      ToProto(absl::FromUnixSeconds(created_seconds));
  *alert.mutable_update_time() = alert.create_time();
  alert.set_patient_id(patient_id);
  alert.set_kind(kind);
  alert.set_state(rehab::v1::ALERT_STATE_OPEN);
  alert.set_source_collection("visits");
  alert.set_source_id(source_id);
  alert.set_finding_date(finding_date);
  alert.set_doctor_id("doc-a");
  alert.set_detail("risk level 4");
  return alert;
}

PatientScope DoctorScope(const std::string& doctor_id,
                         const std::string& team = "") {
  PatientScope scope = ScopeOf(PatientScope::Kind::kPractitioner);
  scope.practitioner_id = doctor_id;
  scope.team = team;
  return scope;
}

template <typename Record>
std::vector<std::string> Ids(const std::vector<Record>& records) {
  std::vector<std::string> ids;
  for (const Record& record : records) ids.push_back(record.id());
  return ids;
}

class SqliteContractsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("rehab.db");
    store_ = OpenStoreOrDie(path_);
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(SeedCounty(*store_).ok());
    // p1 in village 1, p2 in village 2, p3 in village 1; p1 has enrollment
    // e1.
    for (Patient patient :
         {MakePatient("p1", 1, "Wang Fang", "a-vil1", "f-vil1"),
          MakePatient("p2", 2, "Li Na", "a-vil2", "f-vil2"),
          MakePatient("p3", 3, "Zhao Min", "a-vil1", "f-vil1")}) {
      ASSERT_TRUE(
          Write([&](WriteTxn& txn) { return txn.PutPatient(patient); }).ok());
    }
    ASSERT_TRUE(Write([](WriteTxn& txn) {
                  rehab::v1::Enrollment e1 = MakeEnrollment(
                      "e1", "p1", rehab::v1::PROGRAM_FAMILY_DOCTOR,
                      rehab::v1::ENROLLMENT_STATUS_UNDER_MANAGEMENT);
                  return txn.PutEnrollment(e1);
                }).ok());
  }

  absl::Status Write(std::function<absl::Status(WriteTxn&)> fn) {
    return store_->Write(std::move(fn));
  }
  absl::Status Put(Contract contract) {
    return Write([&](WriteTxn& txn) { return txn.PutContract(contract); });
  }
  absl::Status Put(Visit visit) {
    return Write([&](WriteTxn& txn) { return txn.PutVisit(visit); });
  }
  absl::Status Put(FollowUp follow_up) {
    return Write([&](WriteTxn& txn) { return txn.PutFollowUp(follow_up); });
  }
  absl::Status Put(Alert alert) {
    return Write([&](WriteTxn& txn) { return txn.PutAlert(alert); });
  }

  // Runs `fn` against a snapshot, failing the test on error.
  void Read(const std::function<absl::Status(ReadTxn&)>& fn) {
    absl::Status status = store_->Read(fn);
    EXPECT_TRUE(status.ok()) << status;
  }

  std::optional<Contract> GetContract(const std::string& id) {
    std::optional<Contract> contract;
    Read([&](ReadTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(contract, txn.GetContract(id));
      return absl::OkStatus();
    });
    return contract;
  }
  std::optional<Visit> GetVisit(const std::string& id) {
    std::optional<Visit> visit;
    Read([&](ReadTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(visit, txn.GetVisit(id));
      return absl::OkStatus();
    });
    return visit;
  }
  std::vector<std::string> Contracts(const ContractQuery& query) {
    std::vector<Contract> rows;
    Read([&](ReadTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(rows, txn.ListContracts(query));
      return absl::OkStatus();
    });
    return Ids(rows);
  }
  std::vector<std::string> Visits(const VisitQuery& query) {
    std::vector<Visit> rows;
    Read([&](ReadTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(rows, txn.ListVisits(query));
      return absl::OkStatus();
    });
    return Ids(rows);
  }
  std::vector<std::string> FollowUps(const FollowUpQuery& query) {
    std::vector<FollowUp> rows;
    Read([&](ReadTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(rows, txn.ListFollowUps(query));
      return absl::OkStatus();
    });
    return Ids(rows);
  }
  std::vector<std::string> Alerts(const AlertQuery& query) {
    std::vector<Alert> rows;
    Read([&](ReadTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(rows, txn.ListAlerts(query));
      return absl::OkStatus();
    });
    return Ids(rows);
  }
  std::vector<std::string> Patients(const PatientScope& scope) {
    std::vector<Patient> rows;
    Read([&](ReadTxn& txn) -> absl::Status {
      PatientQuery query;
      query.scope = scope;
      ASSIGN_OR_RETURN(rows, txn.ListPatients(query));
      return absl::OkStatus();
    });
    return Ids(rows);
  }
  bool InScope(const std::string& patient_id, const PatientScope& scope) {
    bool in = false;
    Read([&](ReadTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(in, txn.PatientInScope(patient_id, scope));
      return absl::OkStatus();
    });
    return in;
  }
  std::vector<std::string> Feed(const PatientScope& scope,
                                int64_t after_seq = 0) {
    std::vector<FeedEntry> entries;
    Read([&](ReadTxn& txn) -> absl::Status {
      FeedQuery query;
      query.scope = scope;
      query.after_seq = after_seq;
      ASSIGN_OR_RETURN(entries, txn.ListFeed(query));
      return absl::OkStatus();
    });
    return DescribeFeed(entries);
  }
  int64_t LastSeq() {
    int64_t seq = -1;
    Read([&](ReadTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(seq, txn.LastChangeSeq());
      return absl::OkStatus();
    });
    return seq;
  }

  // p1's contract k1 with doctor A (team "t1"), a visit, its follow-up and
  // an alert.
  void ContractP1WithA() {
    ASSERT_TRUE(Put(MakeContract("k1", "p1", "doc-a", "t1", kActive)).ok());
    ASSERT_TRUE(Put(MakeVisit("v1", "k1", "p1", 10)).ok());
    ASSERT_TRUE(Put(MakeFollowUp("p1", "k1", "doc-a", "2024-07-01")).ok());
    ASSERT_TRUE(
        Put(MakeAlert("al1", "p1", rehab::v1::ALERT_KIND_HIGH_RISK_VISIT, "v1",
                      "2024-06-01", 1717300000))
            .ok());
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

// --- Contracts ---

TEST_F(SqliteContractsTest, StoresAContractWithoutItsFulfilment) {
  Contract k1 = MakeContract("k1", "p1", "doc-a", "t1", kActive);
  k1.mutable_fulfilment()->set_visits_required(3);
  k1.mutable_fulfilment()->set_rate(0.5);
  ASSERT_TRUE(Write([&](WriteTxn& txn) { return txn.PutContract(k1); }).ok());
  EXPECT_GT(k1.change_seq(), 0);
  // The caller's message keeps what it gave.
  EXPECT_EQ(k1.fulfilment().visits_required(), 3);

  std::optional<Contract> stored = GetContract("k1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->doctor_id(), "doc-a");
  EXPECT_EQ(stored->team(), "t1");
  EXPECT_EQ(stored->items_size(), 1);
  EXPECT_EQ(stored->change_seq(), k1.change_seq());
  EXPECT_EQ(stored->fulfilment().visits_required(), 0);
  EXPECT_EQ(stored->fulfilment().visits_delivered(), 0);
  EXPECT_FALSE(GetContract("nope").has_value());

  std::optional<Contract> active;
  std::optional<Contract> none;
  Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(active, txn.GetActiveContract("p1"));
    ASSIGN_OR_RETURN(none, txn.GetActiveContract("p2"));
    return absl::OkStatus();
  });
  ASSERT_TRUE(active.has_value());
  EXPECT_EQ(active->id(), "k1");
  EXPECT_FALSE(none.has_value());
}

TEST_F(SqliteContractsTest, ASecondActiveContractIsRefused) {
  ASSERT_TRUE(Put(MakeContract("k1", "p1", "doc-a", "", kActive)).ok());
  const int64_t before = LastSeq();

  absl::Status second = Put(MakeContract("k2", "p1", "doc-b", "", kActive));
  EXPECT_EQ(second.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(second), kReasonContractAlreadyActive);
  EXPECT_FALSE(GetContract("k2").has_value());
  EXPECT_EQ(LastSeq(), before);

  // Once the first has ended the second may start; an ended contract
  // beside an active one is fine.
  ASSERT_TRUE(Put(MakeContract("k1", "p1", "doc-a", "", kTerminated)).ok());
  ASSERT_TRUE(Put(MakeContract("k2", "p1", "doc-b", "", kActive)).ok());
  ASSERT_TRUE(Put(MakeContract("k0", "p1", "doc-a", "", kRenewed)).ok());
  // Updating the active contract itself is no second one.
  Contract k2 = MakeContract("k2", "p1", "doc-b", "", kActive);
  k2.set_version(2);
  EXPECT_TRUE(Put(k2).ok());
}

TEST_F(SqliteContractsTest, MissingReferencesNameTheField) {
  absl::Status contract =
      Put(MakeContract("k1", "nobody", "doc-a", "", kActive));
  EXPECT_EQ(contract.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(contract), ElementsAre("contract.patient_id"));

  ASSERT_TRUE(Put(MakeContract("k1", "p1", "doc-a", "", kActive)).ok());
  absl::Status moved = Put(MakeContract("k1", "p2", "doc-a", "", kActive));
  EXPECT_EQ(moved.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(moved), ElementsAre("contract.patient_id"));

  absl::Status visit = Put(MakeVisit("v1", "k9", "p1", 1));
  EXPECT_EQ(visit.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(visit), ElementsAre("visit.contract_id"));
  absl::Status other_patient = Put(MakeVisit("v1", "k1", "p2", 1));
  EXPECT_EQ(other_patient.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(other_patient), ElementsAre("visit.patient_id"));

  absl::Status no_patient = Put(MakeFollowUp("nobody", "k1", "doc-a", "x"));
  EXPECT_EQ(no_patient.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(no_patient), ElementsAre("follow_up.patient_id"));
  absl::Status no_contract = Put(MakeFollowUp("p1", "k9", "doc-a", "x"));
  EXPECT_EQ(no_contract.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(no_contract), ElementsAre("follow_up.contract_id"));
  FollowUp wrong_id = MakeFollowUp("p1", "k1", "doc-a", "x");
  wrong_id.set_id("f1");
  EXPECT_THAT(FieldsOf(Put(wrong_id)), ElementsAre("follow_up.id"));

  absl::Status alert =
      Put(MakeAlert("al1", "nobody", rehab::v1::ALERT_KIND_BREAK_GLASS, "x",
                    "2024-06-01", 1717300000));
  EXPECT_EQ(alert.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(alert), ElementsAre("alert.patient_id"));
}

TEST_F(SqliteContractsTest, ListsContractsByEveryFilterInIdOrder) {
  ASSERT_TRUE(
      Put(MakeContract("k1", "p1", "doc-a", "t1", kTerminated, "2024-12-31"))
          .ok());
  ASSERT_TRUE(Put(MakeContract("k2", "p1", "doc-a", "t1", kActive)).ok());
  ASSERT_TRUE(
      Put(MakeContract("k3", "p2", "doc-b", "", kActive, "2025-01-15")).ok());
  ASSERT_TRUE(Put(MakeContract("k4", "p3", "doc-c", "t1", kActive)).ok());

  ContractQuery all;
  all.scope = ScopeOf(PatientScope::Kind::kAll);
  EXPECT_THAT(Contracts(all), ElementsAre("k1", "k2", "k3", "k4"));
  ContractQuery q = all;
  q.patient_id = "p1";
  EXPECT_THAT(Contracts(q), ElementsAre("k1", "k2"));
  q = all;
  q.doctor_id = "doc-a";
  q.status = kActive;
  EXPECT_THAT(Contracts(q), ElementsAre("k2"));
  q = all;
  q.area_code_prefix = "320831001";
  EXPECT_THAT(Contracts(q), ElementsAre("k1", "k2", "k4"));
  q = all;
  q.end_date_until = "2025-01-15";
  EXPECT_THAT(Contracts(q), ElementsAre("k1", "k3"));
  q = all;
  q.after_id = "k1";
  q.limit = 2;
  EXPECT_THAT(Contracts(q), ElementsAre("k2", "k3"));
  q.limit = 0;
  EXPECT_THAT(Contracts(q), IsEmpty());

  // Scopes: a township's, a doctor's (the patient's ACTIVE contract decides,
  // so doc-a sees both of p1's), a team's.
  q = all;
  q.scope = AreaScope("320831002");
  EXPECT_THAT(Contracts(q), ElementsAre("k3"));
  q.scope = DoctorScope("doc-a");
  EXPECT_THAT(Contracts(q), ElementsAre("k1", "k2"));
  q.scope = DoctorScope("doc-b", "t1");
  EXPECT_THAT(Contracts(q), ElementsAre("k1", "k2", "k3", "k4"));
  q.scope = ScopeOf(PatientScope::Kind::kNone);
  EXPECT_THAT(Contracts(q), IsEmpty());
}

// --- The family doctor's scope ---

TEST_F(SqliteContractsTest, ADoctorSeesPatientsWithAnActiveContractOfTheirs) {
  ASSERT_TRUE(Put(MakeContract("k1", "p1", "doc-a", "t1", kActive)).ok());
  ASSERT_TRUE(Put(MakeContract("k2", "p2", "doc-b", "", kActive)).ok());
  ASSERT_TRUE(Put(MakeContract("k3", "p3", "doc-a", "", kTerminated)).ok());

  EXPECT_THAT(Patients(DoctorScope("doc-a")), ElementsAre("p1"));
  EXPECT_TRUE(InScope("p1", DoctorScope("doc-a")));
  EXPECT_FALSE(InScope("p2", DoctorScope("doc-a")));
  // A terminated contract gives no access.
  EXPECT_FALSE(InScope("p3", DoctorScope("doc-a")));
  EXPECT_THAT(Patients(DoctorScope("doc-b")), ElementsAre("p2"));

  // A member of team t1 sees the team's patients besides their own.
  EXPECT_THAT(Patients(DoctorScope("doc-c", "t1")), ElementsAre("p1"));
  EXPECT_TRUE(InScope("p1", DoctorScope("doc-c", "t1")));
  EXPECT_THAT(Patients(DoctorScope("doc-b", "t1")), ElementsAre("p1", "p2"));
  // Without the team, or in another team, they do not.
  EXPECT_THAT(Patients(DoctorScope("doc-c")), IsEmpty());
  EXPECT_THAT(Patients(DoctorScope("doc-c", "t2")), IsEmpty());
  // No practitioner: nobody, even with a team.
  EXPECT_THAT(Patients(DoctorScope("", "t1")), IsEmpty());
  EXPECT_FALSE(InScope("p1", DoctorScope("", "t1")));
}

// --- Visits ---

TEST_F(SqliteContractsTest, VisitsAreInsertedOnceAndCounted) {
  ASSERT_TRUE(Put(MakeContract("k1", "p1", "doc-a", "", kActive)).ok());
  Visit v1 = MakeVisit("v1", "k1", "p1", 10);
  v1.set_superseded_by_id("ignored");
  ASSERT_TRUE(Write([&](WriteTxn& txn) { return txn.PutVisit(v1); }).ok());
  EXPECT_GT(v1.change_seq(), 0);
  ASSERT_TRUE(Put(MakeVisit("v2", "k1", "p1", 20)).ok());

  absl::Status again = Put(MakeVisit("v1", "k1", "p1", 30));
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(again.message()), HasSubstr("v1"));

  std::optional<Visit> stored = GetVisit("v1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->superseded_by_id(), "");
  EXPECT_EQ(stored->start_time().seconds(), 1717200000 + 10 * 3600);
  EXPECT_EQ(GetContract("k1")->fulfilment().visits_delivered(), 2);
}

TEST_F(SqliteContractsTest, AmendmentsAndVoidsSupersedeAndRecount) {
  ASSERT_TRUE(Put(MakeContract("k1", "p1", "doc-a", "", kActive)).ok());
  ASSERT_TRUE(Put(MakeVisit("v1", "k1", "p1", 10)).ok());
  ASSERT_TRUE(Put(MakeVisit("v2", "k1", "p1", 20)).ok());
  const int64_t before = LastSeq();

  Visit amendment = MakeVisit("v3", "k1", "p1", 11);
  amendment.set_amends_id("v1");
  ASSERT_TRUE(Put(amendment).ok());
  EXPECT_EQ(GetVisit("v1")->superseded_by_id(), "v3");
  EXPECT_EQ(GetContract("k1")->fulfilment().visits_delivered(), 2);
  EXPECT_THAT(Feed(ScopeOf(PatientScope::Kind::kAll), before),
              ElementsAre("upsert visits/v3", "tombstone visits/v1"));

  Visit cancel;
  Stamp(cancel, "v4");
  cancel.set_contract_id("k1");
  cancel.set_patient_id("p1");
  cancel.set_voids_id("v2");
  cancel.set_void_reason("entered twice");
  ASSERT_TRUE(Put(cancel).ok());
  EXPECT_EQ(GetVisit("v2")->superseded_by_id(), "v4");
  EXPECT_EQ(GetContract("k1")->fulfilment().visits_delivered(), 1);

  // What counts, newest first; all of them on request.
  VisitQuery q;
  q.scope = ScopeOf(PatientScope::Kind::kAll);
  q.contract_id = "k1";
  EXPECT_THAT(Visits(q), ElementsAre("v3"));
  q.include_superseded = true;
  EXPECT_THAT(Visits(q), ElementsAre("v2", "v3", "v1", "v4"));

  // A superseded visit cannot be superseded again; an unknown one is bad
  // input.
  Visit late = MakeVisit("v5", "k1", "p1", 12);
  late.set_amends_id("v1");
  absl::Status twice = Put(late);
  EXPECT_EQ(twice.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(GetVisit("v5").has_value());
  late.set_amends_id("v9");
  EXPECT_THAT(FieldsOf(Put(late)), ElementsAre("visit.amends_id"));
  late.set_amends_id("");
  late.set_voids_id("v5");
  EXPECT_THAT(FieldsOf(Put(late)), ElementsAre("visit.voids_id"));
  EXPECT_EQ(GetContract("k1")->fulfilment().visits_delivered(), 1);
}

TEST_F(SqliteContractsTest, ListsVisitsNewestFirstByEveryFilterAndPages) {
  ASSERT_TRUE(Put(MakeContract("k1", "p1", "doc-a", "", kActive)).ok());
  ASSERT_TRUE(Put(MakeContract("k2", "p2", "doc-b", "", kActive)).ok());
  ASSERT_TRUE(Put(MakeVisit("v1", "k1", "p1", 10)).ok());
  ASSERT_TRUE(Put(MakeVisit("v2", "k1", "p1", 30)).ok());
  // Same start as v2: the id breaks the tie.
  ASSERT_TRUE(Put(MakeVisit("v3", "k1", "p1", 30)).ok());
  Visit by_b = MakeVisit("v4", "k2", "p2", 20);
  by_b.set_doctor_id("doc-b");
  ASSERT_TRUE(Put(by_b).ok());

  VisitQuery all;
  all.scope = ScopeOf(PatientScope::Kind::kAll);
  EXPECT_THAT(Visits(all), ElementsAre("v3", "v2", "v4", "v1"));
  VisitQuery q = all;
  q.limit = 2;
  EXPECT_THAT(Visits(q), ElementsAre("v3", "v2"));
  q.after_start_time = FromProto(GetVisit("v2")->start_time());
  q.after_id = "v2";
  EXPECT_THAT(Visits(q), ElementsAre("v4", "v1"));
  q = all;
  q.patient_id = "p2";
  EXPECT_THAT(Visits(q), ElementsAre("v4"));
  q = all;
  q.doctor_id = "doc-a";
  EXPECT_THAT(Visits(q), ElementsAre("v3", "v2", "v1"));
  q = all;
  q.start_from = absl::FromUnixSeconds(1717200000) + absl::Hours(20);
  q.start_before = absl::FromUnixSeconds(1717200000) + absl::Hours(30);
  EXPECT_THAT(Visits(q), ElementsAre("v4"));
  q = all;
  q.scope = DoctorScope("doc-b");
  EXPECT_THAT(Visits(q), ElementsAre("v4"));
  q.scope = AreaScope("320831001");
  EXPECT_THAT(Visits(q), ElementsAre("v3", "v2", "v1"));

  // The latest delivered visit of a contract, as the domain asks for it.
  q = all;
  q.contract_id = "k1";
  q.limit = 1;
  EXPECT_THAT(Visits(q), ElementsAre("v3"));
}

// --- Follow-ups ---

TEST_F(SqliteContractsTest, FollowUpsAreOnePerPatientMostUrgentFirst) {
  ASSERT_TRUE(Put(MakeContract("k1", "p1", "doc-a", "", kActive)).ok());
  ASSERT_TRUE(Put(MakeContract("k2", "p2", "doc-b", "", kActive)).ok());
  ASSERT_TRUE(Put(MakeContract("k3", "p3", "doc-a", "", kActive)).ok());
  FollowUp p1 = MakeFollowUp("p1", "k1", "doc-a", "2024-07-10");
  p1.set_overdue(true);
  p1.set_days_overdue(4);
  p1.set_missed_visits(1);
  ASSERT_TRUE(Write([&](WriteTxn& txn) { return txn.PutFollowUp(p1); }).ok());
  EXPECT_TRUE(p1.overdue());
  ASSERT_TRUE(Put(MakeFollowUp("p2", "k2", "doc-b", "2024-07-01")).ok());
  ASSERT_TRUE(Put(MakeFollowUp("p3", "k3", "doc-a", "2024-07-01")).ok());

  std::optional<FollowUp> stored;
  Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(stored, txn.GetFollowUp("p1"));
    return absl::OkStatus();
  });
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->due_date(), "2024-07-10");
  // Computed on reads, never stored.
  EXPECT_FALSE(stored->overdue());
  EXPECT_EQ(stored->days_overdue(), 0);
  EXPECT_EQ(stored->missed_visits(), 0);

  FollowUpQuery all;
  all.scope = ScopeOf(PatientScope::Kind::kAll);
  EXPECT_THAT(FollowUps(all), ElementsAre("p2", "p3", "p1"));
  FollowUpQuery q = all;
  q.after_due_date = "2024-07-01";
  q.after_patient_id = "p2";
  q.limit = 1;
  EXPECT_THAT(FollowUps(q), ElementsAre("p3"));
  q = all;
  q.due_until = "2024-07-09";
  EXPECT_THAT(FollowUps(q), ElementsAre("p2", "p3"));
  q = all;
  q.doctor_id = "doc-a";
  EXPECT_THAT(FollowUps(q), ElementsAre("p3", "p1"));
  q = all;
  q.area_code_prefix = "320831002";
  EXPECT_THAT(FollowUps(q), ElementsAre("p2"));
  q = all;
  q.scope = DoctorScope("doc-b");
  EXPECT_THAT(FollowUps(q), ElementsAre("p2"));

  // An upsert moves it; a removal tombstones its feed entry, twice is fine.
  ASSERT_TRUE(Put(MakeFollowUp("p2", "k2", "doc-b", "2024-08-01")).ok());
  EXPECT_THAT(FollowUps(all), ElementsAre("p3", "p1", "p2"));
  const int64_t before = LastSeq();
  ASSERT_TRUE(
      Write([](WriteTxn& txn) { return txn.RemoveFollowUp("p2"); }).ok());
  ASSERT_TRUE(
      Write([](WriteTxn& txn) { return txn.RemoveFollowUp("p2"); }).ok());
  EXPECT_THAT(FollowUps(all), ElementsAre("p3", "p1"));
  EXPECT_THAT(Feed(ScopeOf(PatientScope::Kind::kAll), before),
              ElementsAre("tombstone follow_ups/p2"));
  // A new one is an upsert again.
  ASSERT_TRUE(Put(MakeFollowUp("p2", "k2", "doc-b", "2024-09-01")).ok());
  EXPECT_THAT(Feed(ScopeOf(PatientScope::Kind::kAll), before),
              ElementsAre("upsert follow_ups/p2"));
}

// --- Alerts ---

TEST_F(SqliteContractsTest, AlertsAreOnePerFindingNewestFirst) {
  ASSERT_TRUE(Put(MakeContract("k1", "p1", "doc-a", "", kActive)).ok());
  ASSERT_TRUE(Put(MakeAlert("al1", "p1", rehab::v1::ALERT_KIND_HIGH_RISK_VISIT,
                            "v1", "2024-06-01", 1000))
                  .ok());
  Alert al2 = MakeAlert("al2", "p2", rehab::v1::ALERT_KIND_FOLLOW_UP_OVERDUE,
                        "p2", "2024-06-02", 2000);
  al2.set_doctor_id("doc-b");
  ASSERT_TRUE(Put(al2).ok());
  ASSERT_TRUE(
      Put(MakeAlert("al3", "p1", rehab::v1::ALERT_KIND_FOLLOW_UP_OVERDUE, "p1",
                    "2024-06-02", 2000))
          .ok());

  absl::Status duplicate =
      Put(MakeAlert("al9", "p1", rehab::v1::ALERT_KIND_HIGH_RISK_VISIT, "v1",
                    "2024-06-01", 3000));
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(duplicate), kReasonAlreadyExists);
  // Acknowledging is an upsert of the same alert.
  Alert ack = MakeAlert("al1", "p1", rehab::v1::ALERT_KIND_HIGH_RISK_VISIT,
                        "v1", "2024-06-01", 1000);
  ack.set_version(2);
  ack.set_state(rehab::v1::ALERT_STATE_ACKNOWLEDGED);
  ack.set_acknowledged_by("acct-sup");
  ASSERT_TRUE(Put(ack).ok());

  std::optional<Alert> found;
  std::optional<Alert> other_day;
  std::optional<Alert> by_id;
  Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(found, txn.FindAlert(rehab::v1::ALERT_KIND_HIGH_RISK_VISIT,
                                          "v1", "2024-06-01"));
    ASSIGN_OR_RETURN(other_day,
                     txn.FindAlert(rehab::v1::ALERT_KIND_HIGH_RISK_VISIT, "v1",
                                   "2024-06-02"));
    ASSIGN_OR_RETURN(by_id, txn.GetAlert("al2"));
    return absl::OkStatus();
  });
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id(), "al1");
  EXPECT_EQ(found->acknowledged_by(), "acct-sup");
  EXPECT_FALSE(other_day.has_value());
  ASSERT_TRUE(by_id.has_value());
  EXPECT_EQ(by_id->patient_id(), "p2");

  AlertQuery all;
  all.scope = ScopeOf(PatientScope::Kind::kAll);
  EXPECT_THAT(Alerts(all), ElementsAre("al3", "al2", "al1"));
  AlertQuery q = all;
  q.before_create_time = absl::FromUnixSeconds(2000);
  q.before_id = "al3";
  EXPECT_THAT(Alerts(q), ElementsAre("al2", "al1"));
  q.limit = 1;
  EXPECT_THAT(Alerts(q), ElementsAre("al2"));
  q = all;
  q.kind = rehab::v1::ALERT_KIND_FOLLOW_UP_OVERDUE;
  EXPECT_THAT(Alerts(q), ElementsAre("al3", "al2"));
  q = all;
  q.state = rehab::v1::ALERT_STATE_OPEN;
  EXPECT_THAT(Alerts(q), ElementsAre("al3", "al2"));
  q = all;
  q.patient_id = "p1";
  EXPECT_THAT(Alerts(q), ElementsAre("al3", "al1"));
  q = all;
  q.doctor_id = "doc-b";
  EXPECT_THAT(Alerts(q), ElementsAre("al2"));
  q = all;
  q.area_code_prefix = "320831002";
  EXPECT_THAT(Alerts(q), ElementsAre("al2"));
  q = all;
  q.scope = DoctorScope("doc-a");
  EXPECT_THAT(Alerts(q), ElementsAre("al3", "al1"));
}

// --- The feed ---

TEST_F(SqliteContractsTest, EveryPutAppendsToTheFeedOnItsPatient) {
  const int64_t before = LastSeq();
  ContractP1WithA();
  // The contract made p1 doc-a's, so p1's records moved after it.
  EXPECT_THAT(Feed(ScopeOf(PatientScope::Kind::kAll), before),
              ElementsAre("upsert contracts/k1", "upsert patients/p1",
                          "upsert enrollments/e1", "upsert visits/v1",
                          "upsert follow_ups/p1", "upsert alerts/al1"));
  EXPECT_THAT(
      Feed(DoctorScope("doc-a"), before),
      UnorderedElementsAre("upsert patients/p1", "upsert enrollments/e1",
                           "upsert contracts/k1", "upsert visits/v1",
                           "upsert follow_ups/p1", "upsert alerts/al1"));
  EXPECT_THAT(Feed(DoctorScope("doc-b")), IsEmpty());
}

TEST_F(SqliteContractsTest, ATerminationRemovesThePatientFromTheDoctor) {
  ContractP1WithA();
  const int64_t before = LastSeq();

  ASSERT_TRUE(Write([](WriteTxn& txn) -> absl::Status {
                Contract ended =
                    MakeContract("k1", "p1", "doc-a", "t1", kTerminated);
                ended.set_version(2);
                RETURN_IF_ERROR(txn.PutContract(ended));
                return txn.RemoveFollowUp("p1");
              }).ok());

  const std::vector<std::string> removed = {
      "removed patients/p1", "removed enrollments/e1", "removed contracts/k1",
      "removed visits/v1",   "removed follow_ups/p1",  "removed alerts/al1"};
  EXPECT_THAT(Feed(DoctorScope("doc-a"), before),
              UnorderedElementsAre(removed[0], removed[1], removed[2],
                                   removed[3], removed[4], removed[5]));
  // A device starting over sees nothing of p1 but the removals.
  EXPECT_THAT(Feed(DoctorScope("doc-a")),
              UnorderedElementsAre(removed[0], removed[1], removed[2],
                                   removed[3], removed[4], removed[5]));
  // So does the rest of the team.
  EXPECT_THAT(Feed(DoctorScope("doc-c", "t1"), before),
              UnorderedElementsAre(removed[0], removed[1], removed[2],
                                   removed[3], removed[4], removed[5]));
  // The village keeps p1: no removal there.
  EXPECT_THAT(Feed(AreaScope("320831001001")),
              Not(Contains(StartsWith("removed"))));
}

TEST_F(SqliteContractsTest, AFollowUpRemovedFirstStillLeavesTheDoctor) {
  ContractP1WithA();
  const int64_t before = LastSeq();

  // The follow-up goes before the contract ends: its tombstone lies in a
  // feed the doctor no longer sees, so the removal must carry it.
  ASSERT_TRUE(Write([](WriteTxn& txn) -> absl::Status {
                RETURN_IF_ERROR(txn.RemoveFollowUp("p1"));
                Contract ended =
                    MakeContract("k1", "p1", "doc-a", "t1", kTerminated);
                return txn.PutContract(ended);
              }).ok());

  EXPECT_THAT(Feed(DoctorScope("doc-a"), before),
              AllOf(Contains("removed follow_ups/p1"),
                    Contains("removed patients/p1")));
}

TEST_F(SqliteContractsTest, ANewContractResendsEverythingToTheNewDoctor) {
  ContractP1WithA();
  ASSERT_TRUE(Put(MakeContract("k1", "p1", "doc-a", "t1", kTerminated)).ok());
  const int64_t before = LastSeq();

  ASSERT_TRUE(Put(MakeContract("k2", "p1", "doc-b", "", kActive)).ok());

  // doc-b's device, already caught up with an empty feed, gets all of p1's
  // records after its cursor.
  EXPECT_THAT(
      Feed(DoctorScope("doc-b"), before),
      UnorderedElementsAre("upsert patients/p1", "upsert enrollments/e1",
                           "upsert contracts/k1", "upsert contracts/k2",
                           "upsert visits/v1", "upsert follow_ups/p1",
                           "upsert alerts/al1"));
  // doc-a learnt of the removal earlier; nothing new for them.
  EXPECT_THAT(Feed(DoctorScope("doc-a"), before), IsEmpty());
  EXPECT_THAT(Feed(DoctorScope("doc-a")), Contains("removed patients/p1"));
}

TEST_F(SqliteContractsTest, ARenewalWithTheSameDoctorRemovesNothing) {
  ContractP1WithA();
  const int64_t before = LastSeq();

  // RenewContract: the old term RENEWED, the new one ACTIVE, in one write.
  ASSERT_TRUE(Write([](WriteTxn& txn) -> absl::Status {
                Contract old_term =
                    MakeContract("k1", "p1", "doc-a", "t1", kRenewed);
                old_term.set_version(2);
                old_term.set_renewed_by_id("k2");
                RETURN_IF_ERROR(txn.PutContract(old_term));
                Contract new_term = MakeContract("k2", "p1", "doc-a", "t1",
                                                 kActive, "2026-05-31");
                new_term.set_renews_id("k1");
                return txn.PutContract(new_term);
              }).ok());

  EXPECT_THAT(Feed(DoctorScope("doc-a")), Not(Contains(StartsWith("removed"))));
  EXPECT_THAT(
      Feed(DoctorScope("doc-a"), before),
      AllOf(Contains("upsert contracts/k1"), Contains("upsert contracts/k2"),
            Not(Contains(StartsWith("removed")))));
  EXPECT_TRUE(InScope("p1", DoctorScope("doc-a")));
}

TEST_F(SqliteContractsTest, ASwitchWithinTheTeamKeepsTheTeamsView) {
  ContractP1WithA();
  ASSERT_TRUE(Put(MakeContract("k1", "p1", "doc-a", "t1", kTerminated)).ok());
  ASSERT_TRUE(Put(MakeContract("k2", "p1", "doc-c", "t1", kActive)).ok());

  // doc-a, in team t1, still sees p1 through the team.
  EXPECT_THAT(Feed(DoctorScope("doc-a", "t1")),
              Not(Contains(StartsWith("removed"))));
  EXPECT_THAT(Feed(DoctorScope("doc-a", "t1")), Contains("upsert patients/p1"));
  // Without the team, doc-a's view lost p1.
  EXPECT_THAT(Feed(DoctorScope("doc-a")), Contains("removed patients/p1"));
}

TEST_F(SqliteContractsTest, AnAreaMoveKeepsTheDoctorAndRecordsIt) {
  ContractP1WithA();
  const int64_t before = LastSeq();
  ASSERT_TRUE(Write([](WriteTxn& txn) {
                Patient moved =
                    MakePatient("p1", 1, "Wang Fang", "a-vil2", "f-vil2");
                return txn.PutPatient(moved);
              }).ok());

  // The doctor keeps the patient: upserts only.
  EXPECT_THAT(
      Feed(DoctorScope("doc-a"), before),
      AllOf(Contains("upsert patients/p1"), Contains("upsert visits/v1"),
            Not(Contains(StartsWith("removed")))));
  EXPECT_THAT(Feed(AreaScope("320831001001"), before),
              Contains("removed contracts/k1"));

  // The exits keep the doctor and team the patient had then.
  store_->Close();
  absl::StatusOr<std::unique_ptr<storage::Connection>> db =
      storage::Connection::Open(path_, storage::ConnectionOptions());
  ASSERT_TRUE(db.ok()) << db.status();
  absl::StatusOr<storage::Statement> select = (*db)->GetUniqueStatement(
      "SELECT DISTINCT old_doctor_id, old_team FROM feed_exits "
      "WHERE patient_id = 'p1' AND change_seq > ?");
  ASSERT_TRUE(select.ok()) << select.status();
  select->BindInt64(0, before);
  absl::StatusOr<bool> row = select->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(select->ColumnText(0), "doc-a");
  EXPECT_EQ(select->ColumnText(1), "t1");
  row = select->Step();
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(*row);
}

}  // namespace
}  // namespace rehab
