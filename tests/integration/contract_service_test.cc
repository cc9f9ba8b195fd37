// ContractService and ReportService's alerts over the wire: signing, the
// one-active-contract rule (also under concurrent signing), renewal,
// termination and expiry; visits with the psychiatric form, their
// validation, immutability, amendments and voids; the follow-up schedule,
// fulfilment and the signed-but-not-served list; alerts; and what a
// doctor's scope lets them see and write, over the API and the change feed.
#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/common/dates.h"
#include "server/common/ids.h"
#include "tests/integration/test_server.h"

namespace rehab::testing {
namespace {

namespace v1 = ::rehab::v1;

// Asserts that a call succeeded, showing why when it did not.
#define ASSERT_OK(expr)                                                \
  do {                                                                 \
    const grpc::Status ok_status_ = (expr);                            \
    ASSERT_TRUE(ok_status_.ok())                                       \
        << ok_status_.error_message() << " ["                          \
        << absl::StrJoin(DecodeError(ok_status_).fields, ", ") << "]"; \
  } while (0)

constexpr char kCounty[] = "320831";

bool HasField(const WireError& error, const std::string& field) {
  for (const std::string& f : error.fields) {
    if (f == field) return true;
  }
  return false;
}

// Township A has a health center with a two-doctor team ("Team A": doctors
// A1 and A2) and a doctor of no team (A3); township B a doctor of its own.
// Patients live in village A.
class ContractServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::StartOrDie();
    zone_ = server_->server().time_zone();
    // The clock stands at 15:00 county time, so that noon today is past.
    const absl::CivilHour hour =
        absl::ToCivilHour(server_->clock().Now(), zone_);
    absl::CivilDay day(hour);
    if (hour.hour() >= 15) day += 1;
    server_->clock().Set(absl::FromCivil(absl::CivilHour(day) + 15, zone_));
    contracts_ = server_->Contracts();
    reports_ = server_->Reports();
    county_ = server_->CreateTwoTownCounty();
    center_a_ = server_->CreateFacility("Health Center A",
                                        v1::FACILITY_TYPE_HEALTH_CENTER,
                                        county_.township_a.id());
    center_b_ = server_->CreateFacility("Health Center B",
                                        v1::FACILITY_TYPE_HEALTH_CENTER,
                                        county_.township_b.id());
    a1_ = server_->CreatePractitioner("Doctor A1", center_a_.id(), "Team A");
    a2_ = server_->CreatePractitioner("Doctor A2", center_a_.id(), "Team A");
    a3_ = server_->CreatePractitioner("Doctor A3", center_a_.id());
    b1_ = server_->CreatePractitioner("Doctor B1", center_b_.id());
    a1_token_ =
        server_->CreateAndLogin("doctor-a1", v1::ROLE_FAMILY_DOCTOR, a1_.id());
    a2_token_ =
        server_->CreateAndLogin("doctor-a2", v1::ROLE_FAMILY_DOCTOR, a2_.id());
    a3_token_ =
        server_->CreateAndLogin("doctor-a3", v1::ROLE_FAMILY_DOCTOR, a3_.id());
    b1_token_ =
        server_->CreateAndLogin("doctor-b1", v1::ROLE_FAMILY_DOCTOR, b1_.id());
    sup_a_token_ = server_->CreateAndLogin("sup-a", v1::ROLE_SUPERVISOR,
                                           county_.township_a.id());
    ASSERT_FALSE(HasFailure());
  }

  absl::CivilDay Today() { return DayOf(server_->clock().Now(), zone_); }
  std::string Day(int offset) { return FormatDate(Today() + offset); }
  // Noon of the day `offset` days from today, county time.
  google::protobuf::Timestamp Noon(int offset) {
    return ToProto(absl::FromCivil(
        absl::CivilSecond(Today() + offset) + 12 * 3600, zone_));
  }

  // A patient of village A; `psychiatric` adds a PSYCHIATRIC_MANAGEMENT
  // enrollment.
  v1::Patient NewPatient(int sequence, bool psychiatric = false) {
    v1::Patient p;
    p.set_name(absl::StrCat("Patient ", sequence));
    p.set_id_number(TestIdNumber(kCounty, "19800101", sequence));
    p.set_disability_card_number(
        absl::StrCat(p.id_number(), psychiatric ? 6 : 4, 2));
    p.set_area_id(county_.village_a.id());
    p.set_facility_id(county_.station_a.id());
    v1::CreatePatientRequest request;
    *request.mutable_patient() = p;
    v1::Patient stored;
    auto context = TestServer::Context(server_->AdminToken());
    grpc::Status status =
        server_->Patients()->CreatePatient(context.get(), request, &stored);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (psychiatric) {
      v1::CreateEnrollmentRequest enroll;
      enroll.mutable_enrollment()->set_patient_id(stored.id());
      enroll.mutable_enrollment()->set_program(
          v1::PROGRAM_PSYCHIATRIC_MANAGEMENT);
      enroll.mutable_enrollment()->set_start_date(Day(-400));
      v1::Enrollment enrollment;
      auto ctx = TestServer::Context(server_->AdminToken());
      status =
          server_->Patients()->CreateEnrollment(ctx.get(), enroll, &enrollment);
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    return stored;
  }

  // A one-year contract with `doctor` starting `start_offset` days from
  // today: 4 follow-ups a year.
  v1::Contract NewContract(const v1::Patient& patient,
                           const v1::Practitioner& doctor,
                           int start_offset = 0) {
    v1::Contract c;
    c.set_id(NewUuid());
    c.set_patient_id(patient.id());
    c.set_doctor_id(doctor.id());
    c.set_team(doctor.team());
    v1::ContractItem* item = c.add_items();
    item->set_code("public_health_follow_up");
    item->set_name("Public health follow-up");
    item->set_visits_per_year(4);
    const absl::CivilDay start = Today() + start_offset;
    c.set_start_date(FormatDate(start));
    c.set_end_date(FormatDate(
        absl::CivilDay(start.year() + 1, start.month(), start.day()) - 1));
    c.set_signed_date(c.start_date());
    return c;
  }

  grpc::Status Sign(const std::string& token, const v1::Contract& contract,
                    v1::Contract* out) {
    v1::CreateContractRequest request;
    *request.mutable_contract() = contract;
    auto context = TestServer::Context(token);
    return contracts_->CreateContract(context.get(), request, out);
  }

  v1::Contract MustSign(const v1::Contract& contract) {
    v1::Contract out;
    grpc::Status status = Sign(server_->AdminToken(), contract, &out);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return out;
  }

  // A home visit on day `offset` under `contract`; with the psychiatric
  // form when `risk` is given.
  v1::Visit NewVisit(const v1::Contract& contract, int offset,
                     std::optional<int> risk = std::nullopt,
                     v1::VisitClass visit_class = v1::VISIT_CLASS_STABLE) {
    v1::Visit v;
    v.set_id(NewUuid());
    v.set_contract_id(contract.id());
    v.set_doctor_id(contract.doctor_id());
    v.set_mode(v1::VISIT_MODE_HOME);
    v.set_informant(v1::INFORMANT_FAMILY);
    *v.mutable_start_time() = Noon(offset);
    *v.mutable_end_time() = Noon(offset);
    v.mutable_end_time()->set_seconds(v.end_time().seconds() + 1800);
    v.add_items_delivered("public_health_follow_up");
    if (risk.has_value()) {
      v.set_risk_level(*risk);
      v.set_visit_class(visit_class);
      v.set_adherence(v1::MEDICATION_ADHERENCE_REGULAR);
      v.set_insight(v1::INSIGHT_PARTIAL);
      v.add_symptoms(v1::SYMPTOM_SUSPICION);
      v1::DrugDose* drug = v.add_drugs();
      drug->set_drug_name("risperidone");
      drug->set_morning_mg(2);
      drug->set_evening_mg(2);
    }
    return v;
  }

  grpc::Status Log(const std::string& token, const v1::Visit& visit,
                   v1::Visit* out) {
    v1::CreateVisitRequest request;
    *request.mutable_visit() = visit;
    auto context = TestServer::Context(token);
    return contracts_->CreateVisit(context.get(), request, out);
  }

  v1::Contract Get(const std::string& token, const std::string& id,
                   grpc::Status* status = nullptr) {
    v1::GetContractRequest request;
    request.set_id(id);
    v1::Contract out;
    auto context = TestServer::Context(token);
    grpc::Status s = contracts_->GetContract(context.get(), request, &out);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return out;
  }

  std::vector<v1::FollowUp> Due(const std::string& token, int within_days,
                                bool lost_only = false) {
    v1::ListDueFollowUpsRequest request;
    request.set_within_days(within_days);
    request.set_lost_only(lost_only);
    v1::ListDueFollowUpsResponse response;
    auto context = TestServer::Context(token);
    grpc::Status status =
        contracts_->ListDueFollowUps(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.follow_ups().begin(), response.follow_ups().end()};
  }

  std::vector<v1::Alert> Alerts(const std::string& token, v1::AlertKind kind) {
    v1::ListAlertsRequest request;
    request.set_kind(kind);
    v1::ListAlertsResponse response;
    auto context = TestServer::Context(token);
    grpc::Status status =
        reports_->ListAlerts(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.alerts().begin(), response.alerts().end()};
  }

  std::vector<v1::Visit> Visits(const std::string& token,
                                const std::string& patient_id,
                                bool include_superseded = false) {
    v1::ListVisitsRequest request;
    request.set_patient_id(patient_id);
    request.set_include_superseded(include_superseded);
    v1::ListVisitsResponse response;
    auto context = TestServer::Context(token);
    grpc::Status status =
        contracts_->ListVisits(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.visits().begin(), response.visits().end()};
  }

  grpc::Status GetPatient(const std::string& token, const std::string& id) {
    v1::GetPatientRequest request;
    request.set_id(id);
    v1::Patient out;
    auto context = TestServer::Context(token);
    return server_->Patients()->GetPatient(context.get(), request, &out);
  }

  // Logs doctors A1 and A3 and the supervisor in again (after the clock moved
  // past their tokens' lifetime).
  void Relogin() {
    for (auto [name, token] : std::vector<std::pair<std::string, std::string*>>{
             {"doctor-a1", &a1_token_},
             {"doctor-a3", &a3_token_},
             {"sup-a", &sup_a_token_}}) {
      v1::LoginResponse response;
      grpc::Status status = server_->Login(name, kTestPassword, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
      *token = response.access_token();
    }
  }

  // Every change a fresh device of `token` pulls.
  std::vector<v1::Change> PullAll(const std::string& token,
                                  std::string* sync_token) {
    std::vector<v1::Change> changes;
    auto sync = server_->Sync();
    for (;;) {
      v1::PullRequest request;
      request.set_sync_token(*sync_token);
      v1::PullResponse response;
      auto context = TestServer::Context(token);
      grpc::Status status = sync->Pull(context.get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      changes.insert(changes.end(), response.changes().begin(),
                     response.changes().end());
      *sync_token = response.sync_token();
      if (response.caught_up()) break;
    }
    return changes;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::ContractService::Stub> contracts_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  TwoTownCounty county_;
  v1::Facility center_a_, center_b_;
  v1::Practitioner a1_, a2_, a3_, b1_;
  std::string a1_token_, a2_token_, a3_token_, b1_token_, sup_a_token_;
  absl::TimeZone zone_;
};

TEST_F(ContractServiceTest, SignedContractIsActiveAndASecondIsRefused) {
  v1::Patient patient = NewPatient(11);
  v1::Contract first = MustSign(NewContract(patient, a1_));
  EXPECT_EQ(first.status(), v1::CONTRACT_STATUS_ACTIVE);
  EXPECT_EQ(first.version(), 1);
  EXPECT_EQ(first.fulfilment().visits_delivered(), 0);

  v1::Contract out;
  grpc::Status status =
      Sign(server_->AdminToken(), NewContract(patient, a3_), &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(DecodeError(status).reason, "CONTRACT_ALREADY_ACTIVE");

  // Repeating the first create is answered with the stored contract.
  v1::Contract again;
  ASSERT_TRUE(Sign(server_->AdminToken(), NewContract(patient, a1_), &out)
                  .error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  v1::Contract repeat = first;
  repeat.clear_fulfilment();
  ASSERT_OK(Sign(server_->AdminToken(), repeat, &again));
  EXPECT_EQ(again.id(), first.id());
}

TEST_F(ContractServiceTest, ConcurrentSigningLeavesExactlyOneActiveContract) {
  v1::Patient patient = NewPatient(12);
  constexpr int kThreads = 8;
  std::atomic<int> ok{0}, already_active{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    v1::Contract contract = NewContract(patient, i % 2 == 0 ? a1_ : a3_);
    threads.emplace_back([&, contract] {
      v1::Contract out;
      grpc::Status status = Sign(server_->AdminToken(), contract, &out);
      if (status.ok()) ++ok;
      if (DecodeError(status).reason == "CONTRACT_ALREADY_ACTIVE") {
        ++already_active;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(already_active.load(), kThreads - 1);

  v1::ListContractsRequest request;
  request.set_patient_id(patient.id());
  request.set_status(v1::CONTRACT_STATUS_ACTIVE);
  v1::ListContractsResponse response;
  auto context = TestServer::Context(server_->AdminToken());
  ASSERT_OK(contracts_->ListContracts(context.get(), request, &response));
  EXPECT_EQ(response.contracts_size(), 1);
}

TEST_F(ContractServiceTest, ContractValidationNamesTheFieldAndWritesNothing) {
  v1::Patient patient = NewPatient(13);
  v1::Contract short_term = NewContract(patient, a1_);
  short_term.set_end_date(Day(100));
  v1::Contract out;
  grpc::Status status = Sign(server_->AdminToken(), short_term, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasField(DecodeError(status), "contract.end_date"));

  v1::Contract few_visits = NewContract(patient, a1_);
  few_visits.mutable_items(0)->set_visits_per_year(2);
  status = Sign(server_->AdminToken(), few_visits, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::Contract not_a_doctor = NewContract(patient, a1_);
  v1::Practitioner nurse = server_->CreatePractitioner(
      "Nurse", center_a_.id(), "", v1::PRACTITIONER_KIND_NURSE);
  not_a_doctor.set_doctor_id(nurse.id());
  not_a_doctor.clear_team();
  status = Sign(server_->AdminToken(), not_a_doctor, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasField(DecodeError(status), "contract.doctor_id"));

  // None of them was stored: a valid contract is still the first.
  EXPECT_TRUE(
      Sign(server_->AdminToken(), NewContract(patient, a1_), &out).ok());
}

TEST_F(ContractServiceTest, DoctorSeesOnlyTheirAndTheirTeamsPatients) {
  v1::Patient patient = NewPatient(14);
  v1::Contract contract = MustSign(NewContract(patient, a1_));

  EXPECT_TRUE(GetPatient(a1_token_, patient.id()).ok());
  EXPECT_TRUE(GetPatient(a2_token_, patient.id()).ok());  // same team
  EXPECT_EQ(GetPatient(a3_token_, patient.id()).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetPatient(b1_token_, patient.id()).error_code(),
            grpc::StatusCode::NOT_FOUND);

  grpc::Status status;
  Get(b1_token_, contract.id(), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  // Another doctor cannot write a visit to the patient: the contract is
  // not found for them, and nothing is stored.
  v1::Visit visit = NewVisit(contract, 0);
  visit.set_doctor_id(b1_.id());
  v1::Visit out;
  EXPECT_EQ(Log(b1_token_, visit, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  visit.set_doctor_id(a3_.id());
  EXPECT_EQ(Log(a3_token_, visit, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Visits(server_->AdminToken(), patient.id()).empty());

  // A team member logs the visit as themselves.
  visit.set_doctor_id(a2_.id());
  ASSERT_OK(Log(a2_token_, visit, &out));
  EXPECT_EQ(out.patient_id(), patient.id());
}

TEST_F(ContractServiceTest, HighRiskVisitSchedulesTwoWeeksAndRaisesAnAlert) {
  v1::Patient patient = NewPatient(15, /*psychiatric=*/true);
  v1::Contract contract = MustSign(NewContract(patient, a1_, -30));

  v1::Visit out;
  ASSERT_OK(Log(a1_token_,
                NewVisit(contract, -7, 3, v1::VISIT_CLASS_BASICALLY_STABLE),
                &out));
  EXPECT_EQ(out.next_due_date(), Day(7));

  std::vector<v1::FollowUp> due = Due(a1_token_, 30);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].patient_id(), patient.id());
  EXPECT_EQ(due[0].due_date(), Day(7));
  EXPECT_EQ(due[0].reason(), v1::FOLLOW_UP_REASON_UNSTABLE);
  EXPECT_FALSE(due[0].overdue());
  EXPECT_TRUE(Due(a1_token_, 6).empty());  // not within six days

  std::vector<v1::Alert> alerts =
      Alerts(sup_a_token_, v1::ALERT_KIND_HIGH_RISK_VISIT);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].patient_id(), patient.id());
  EXPECT_EQ(alerts[0].detail(), "risk level 3");
  EXPECT_EQ(Alerts(a1_token_, v1::ALERT_KIND_HIGH_RISK_VISIT).size(), 1u);
  EXPECT_TRUE(Alerts(b1_token_, v1::ALERT_KIND_HIGH_RISK_VISIT).empty());

  v1::AcknowledgeAlertRequest ack;
  ack.set_id(alerts[0].id());
  ack.set_note("referred to the county hospital");
  v1::Alert acknowledged;
  auto context = TestServer::Context(sup_a_token_);
  ASSERT_OK(reports_->AcknowledgeAlert(context.get(), ack, &acknowledged));
  EXPECT_EQ(acknowledged.state(), v1::ALERT_STATE_ACKNOWLEDGED);
  EXPECT_FALSE(acknowledged.acknowledged_by().empty());

  // An amendment of the visit raises no second alert.
  v1::Visit amendment = NewVisit(contract, -7, 4, v1::VISIT_CLASS_UNSTABLE);
  amendment.set_amends_id(out.id());
  v1::Visit amended;
  ASSERT_OK(Log(a1_token_, amendment, &amended));
  EXPECT_EQ(Alerts(a1_token_, v1::ALERT_KIND_HIGH_RISK_VISIT).size(), 1u);

  // A stable risk-0 visit a week later: the routine 90 days.
  ASSERT_OK(Log(a1_token_, NewVisit(contract, 0, 0), &out));
  EXPECT_EQ(out.next_due_date(), Day(90));
  due = Due(a1_token_, 120);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].reason(), v1::FOLLOW_UP_REASON_STABLE);
}

TEST_F(ContractServiceTest, VoidingAHighRiskVisitSettlesItsAlert) {
  v1::Patient patient = NewPatient(30, /*psychiatric=*/true);
  v1::Contract contract = MustSign(NewContract(patient, a1_, -30));
  v1::Visit visit;
  ASSERT_OK(Log(a1_token_, NewVisit(contract, -2, 4, v1::VISIT_CLASS_UNSTABLE),
                &visit));
  std::vector<v1::Alert> alerts =
      Alerts(a1_token_, v1::ALERT_KIND_HIGH_RISK_VISIT);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state(), v1::ALERT_STATE_OPEN);

  v1::Visit cancel;
  cancel.set_id(NewUuid());
  cancel.set_contract_id(contract.id());
  cancel.set_voids_id(visit.id());
  cancel.set_void_reason("logged for the wrong patient");
  v1::Visit out;
  ASSERT_OK(Log(a1_token_, cancel, &out));
  alerts = Alerts(a1_token_, v1::ALERT_KIND_HIGH_RISK_VISIT);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].state(), v1::ALERT_STATE_ACKNOWLEDGED);
  EXPECT_EQ(alerts[0].acknowledge_note(), "the visit was voided");
}

TEST_F(ContractServiceTest, VisitValidationNamesTheFieldAndWritesNothing) {
  v1::Patient patient = NewPatient(16, /*psychiatric=*/true);
  v1::Contract contract = MustSign(NewContract(patient, a1_, -30));
  v1::Visit out;

  v1::Visit backwards = NewVisit(contract, 0, 0);
  *backwards.mutable_end_time() = Noon(-1);
  grpc::Status status = Log(a1_token_, backwards, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasField(DecodeError(status), "visit.end_time"));

  v1::Visit no_risk = NewVisit(contract, 0, 0);
  no_risk.clear_risk_level();
  status = Log(a1_token_, no_risk, &out);
  EXPECT_TRUE(HasField(DecodeError(status), "visit.risk_level"));

  v1::Visit risk_six = NewVisit(contract, 0, 6);
  status = Log(a1_token_, risk_six, &out);
  EXPECT_TRUE(HasField(DecodeError(status), "visit.risk_level"));

  v1::Visit future = NewVisit(contract, 2, 0);
  status = Log(a1_token_, future, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::Visit before_term = NewVisit(contract, -31, 0);
  status = Log(a1_token_, before_term, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_TRUE(Visits(server_->AdminToken(), patient.id(), true).empty());
  EXPECT_EQ(
      Get(server_->AdminToken(), contract.id()).fulfilment().visits_delivered(),
      0);

  // A supervisor may read but never log visits.
  status = Log(sup_a_token_, NewVisit(contract, 0, 0), &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ContractServiceTest, VisitsAreImmutableAndCorrectedByAmendOrVoid) {
  v1::Patient patient = NewPatient(17);
  v1::Contract contract = MustSign(NewContract(patient, a1_, -100));
  v1::Visit first;
  ASSERT_OK(Log(a1_token_, NewVisit(contract, -95), &first));

  // The same id with other content: a fact is never replaced.
  v1::Visit changed = NewVisit(contract, -95);
  changed.set_id(first.id());
  changed.set_notes("changed afterwards");
  v1::Visit out;
  grpc::Status status = Log(a1_token_, changed, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);

  // The same visit again (a retry) is answered with the stored one.
  v1::Visit retry = NewVisit(contract, -95);
  retry.set_id(first.id());
  ASSERT_OK(Log(a1_token_, retry, &out));
  EXPECT_EQ(out.create_time().seconds(), first.create_time().seconds());

  // An amendment replaces it; the count of delivered visits stays 1.
  v1::Visit amendment = NewVisit(contract, -95);
  amendment.set_amends_id(first.id());
  amendment.set_notes("blood pressure added");
  v1::Visit amended;
  ASSERT_OK(Log(a1_token_, amendment, &amended));
  std::vector<v1::Visit> current = Visits(a1_token_, patient.id());
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].id(), amended.id());
  EXPECT_EQ(Get(a1_token_, contract.id()).fulfilment().visits_delivered(), 1);
  std::vector<v1::Visit> all = Visits(a1_token_, patient.id(), true);
  ASSERT_EQ(all.size(), 2u);

  // A second amendment of the first one is refused.
  v1::Visit again = NewVisit(contract, -95);
  again.set_amends_id(first.id());
  EXPECT_EQ(Log(a1_token_, again, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // Devices already holding the amendment learn that it was voided.
  std::string sync_token;
  PullAll(a1_token_, &sync_token);

  // A void makes it count no more.
  v1::Visit cancel;
  cancel.set_id(NewUuid());
  cancel.set_contract_id(contract.id());
  cancel.set_voids_id(amended.id());
  cancel.set_void_reason("entered for the wrong patient");
  ASSERT_OK(Log(a1_token_, cancel, &out));
  EXPECT_TRUE(Visits(a1_token_, patient.id()).empty());
  EXPECT_EQ(Get(a1_token_, contract.id()).fulfilment().visits_delivered(), 0);
  bool tombstone = false;
  for (const v1::Change& c : PullAll(a1_token_, &sync_token)) {
    if (c.collection() == "visits" && c.id() == amended.id()) {
      tombstone = c.kind() == v1::CHANGE_KIND_TOMBSTONE;
    }
  }
  EXPECT_TRUE(tombstone);
}

TEST_F(ContractServiceTest, FulfilmentAndTheSignedButNotServedList) {
  v1::Patient served = NewPatient(18);
  v1::Patient unserved = NewPatient(19);
  v1::Contract c1 = MustSign(NewContract(served, a1_, -183));
  v1::Contract c2 = MustSign(NewContract(unserved, a1_, -183));
  v1::Visit out;
  ASSERT_OK(Log(a1_token_, NewVisit(c1, -180), &out));
  ASSERT_OK(Log(a1_token_, NewVisit(c1, -90), &out));

  // 184 days of the term elapsed: floor(4 x 184 / 365) = 2 required.
  v1::Contract got = Get(a1_token_, c1.id());
  EXPECT_EQ(got.fulfilment().visits_required(), 2);
  EXPECT_EQ(got.fulfilment().visits_delivered(), 2);
  EXPECT_DOUBLE_EQ(got.fulfilment().rate(), 1.0);
  EXPECT_EQ(got.fulfilment().last_visit_date(), Day(-90));

  v1::ListContractsRequest request;
  request.set_unserved_only(true);
  v1::ListContractsResponse response;
  auto context = TestServer::Context(a1_token_);
  ASSERT_OK(contracts_->ListContracts(context.get(), request, &response));
  ASSERT_EQ(response.contracts_size(), 1);
  EXPECT_EQ(response.contracts(0).id(), c2.id());
  EXPECT_EQ(response.contracts(0).fulfilment().visits_delivered(), 0);
}

TEST_F(ContractServiceTest, RenewalContinuesTheTermAndTerminationNeedsAReason) {
  v1::Patient patient = NewPatient(20);
  v1::Contract old = MustSign(NewContract(patient, a1_, -350));

  v1::RenewContractRequest renew;
  renew.set_id(old.id());
  renew.set_version(old.version());
  const absl::CivilDay old_end = *ParseDate(old.end_date());
  renew.set_end_date(FormatDate(
      absl::CivilDay(old_end.year() + 1, old_end.month(), old_end.day())));
  v1::Contract renewed;
  auto context = TestServer::Context(a1_token_);
  ASSERT_OK(contracts_->RenewContract(context.get(), renew, &renewed));
  EXPECT_EQ(renewed.status(), v1::CONTRACT_STATUS_ACTIVE);
  EXPECT_EQ(renewed.renews_id(), old.id());
  EXPECT_EQ(renewed.start_date(), FormatDate(old_end + 1));
  v1::Contract old_now = Get(a1_token_, old.id());
  EXPECT_EQ(old_now.status(), v1::CONTRACT_STATUS_RENEWED);
  EXPECT_EQ(old_now.renewed_by_id(), renewed.id());
  // The doctor keeps the patient.
  EXPECT_TRUE(GetPatient(a1_token_, patient.id()).ok());

  // A stale version is refused.
  context = TestServer::Context(a1_token_);
  v1::Contract out;
  EXPECT_EQ(contracts_->RenewContract(context.get(), renew, &out).error_code(),
            grpc::StatusCode::ABORTED);

  v1::TerminateContractRequest terminate;
  terminate.set_id(renewed.id());
  terminate.set_version(renewed.version());
  context = TestServer::Context(a1_token_);
  grpc::Status status =
      contracts_->TerminateContract(context.get(), terminate, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasField(DecodeError(status), "reason"));

  terminate.set_reason("moved to another county");
  context = TestServer::Context(a1_token_);
  ASSERT_OK(contracts_->TerminateContract(context.get(), terminate, &out));
  EXPECT_EQ(out.status(), v1::CONTRACT_STATUS_TERMINATED);
  EXPECT_EQ(out.ended_date(), Day(0));
  // The renewal had not begun: terminating it cancels it, and the running
  // term goes on, so a visit today still has its contract.
  old_now = Get(a1_token_, old.id());
  EXPECT_EQ(old_now.status(), v1::CONTRACT_STATUS_ACTIVE);
  EXPECT_TRUE(old_now.renewed_by_id().empty());
  EXPECT_TRUE(GetPatient(a1_token_, patient.id()).ok());
  v1::Visit visit;
  ASSERT_OK(Log(a1_token_, NewVisit(old_now, 0), &visit));

  // Terminating the running term ends the care.
  terminate.set_id(old_now.id());
  terminate.set_version(old_now.version());
  context = TestServer::Context(a1_token_);
  ASSERT_OK(contracts_->TerminateContract(context.get(), terminate, &out));
  // The patient has left the doctor's scope and has no follow-up.
  EXPECT_EQ(GetPatient(a1_token_, patient.id()).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Due(server_->AdminToken(), 366).empty());
}

TEST_F(ContractServiceTest, DoctorRenewsALapsedContractAndDeliversLateVisits) {
  v1::Patient patient = NewPatient(27);
  v1::Contract contract = MustSign(NewContract(patient, a1_, -300));
  // A visit made on the phone in the term's last days...
  v1::Visit late = NewVisit(contract, 60);
  server_->clock().Advance(absl::Hours(24 * 70));
  Relogin();
  ASSERT_TRUE(server_->server()
                  .contracts()
                  ->RunMaintenance(server_->clock().Now())
                  .ok());
  EXPECT_EQ(GetPatient(a1_token_, patient.id()).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // ... reaches the server after the contract expired: still delivered.
  v1::Visit out;
  ASSERT_OK(Log(a1_token_, late, &out));
  // The doctor renews it; the new term starts today, not back in the gap.
  v1::Contract expired = Get(a1_token_, contract.id());
  EXPECT_EQ(expired.status(), v1::CONTRACT_STATUS_EXPIRED);
  EXPECT_EQ(expired.fulfilment().visits_delivered(), 1);
  v1::RenewContractRequest renew;
  renew.set_id(expired.id());
  renew.set_version(expired.version());
  renew.set_end_date(Day(364));
  v1::Contract renewed;
  auto context = TestServer::Context(a1_token_);
  ASSERT_OK(contracts_->RenewContract(context.get(), renew, &renewed));
  EXPECT_EQ(renewed.start_date(), Day(0));
  EXPECT_TRUE(GetPatient(a1_token_, patient.id()).ok());
  // Another doctor still finds neither.
  grpc::Status status;
  Get(a3_token_, contract.id(), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ContractServiceTest,
       SupervisorsWithoutIdentityGetNoVisitLocationOrText) {
  v1::Patient patient = NewPatient(28, /*psychiatric=*/true);
  v1::Contract contract = MustSign(NewContract(patient, a1_, -30));
  v1::Visit visit = NewVisit(contract, -1, 0);
  visit.mutable_location()->set_latitude(31.5);
  visit.mutable_location()->set_longitude(120.3);
  visit.set_notes("lives with her mother at the east end of the village");
  v1::Visit out;
  ASSERT_OK(Log(a1_token_, visit, &out));

  std::vector<v1::Visit> seen = Visits(sup_a_token_, patient.id());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_FALSE(seen[0].has_location());
  EXPECT_TRUE(seen[0].notes().empty());
  EXPECT_TRUE(seen[0].has_risk_level());  // the form's codes stay
  std::string sync_token;
  for (const v1::Change& c : PullAll(sup_a_token_, &sync_token)) {
    if (c.collection() == "visits") {
      EXPECT_FALSE(c.visit().has_location());
      EXPECT_TRUE(c.visit().notes().empty());
    }
  }
  // The doctor sees what they wrote.
  seen = Visits(a1_token_, patient.id());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].has_location());

  // Staff of the patient's station and the patient read no visits.
  const std::string staff = server_->CreateAndLogin(
      "staff-a", v1::ROLE_FACILITY_STAFF, county_.station_a.id());
  v1::ListVisitsRequest request;
  request.set_patient_id(patient.id());
  v1::ListVisitsResponse response;
  auto context = TestServer::Context(staff);
  EXPECT_EQ(
      contracts_->ListVisits(context.get(), request, &response).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ContractServiceTest, ATeamNameBelongsToOneFacility) {
  v1::CreatePractitionerRequest request;
  request.mutable_practitioner()->set_name("Doctor B2");
  request.mutable_practitioner()->set_facility_id(center_b_.id());
  request.mutable_practitioner()->set_team("Team A");
  request.mutable_practitioner()->set_kind(v1::PRACTITIONER_KIND_FAMILY_DOCTOR);
  v1::Practitioner out;
  auto context = TestServer::Context(server_->AdminToken());
  grpc::Status status =
      server_->Directory()->CreatePractitioner(context.get(), request, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(HasField(DecodeError(status), "practitioner.team"));
}

TEST_F(ContractServiceTest, RenewalOfANeverServedContractKeepsItOverdue) {
  v1::Patient patient = NewPatient(29);
  v1::Contract contract = MustSign(NewContract(patient, a1_, -350));
  v1::RenewContractRequest renew;
  renew.set_id(contract.id());
  renew.set_version(contract.version());
  const absl::CivilDay end = *ParseDate(contract.end_date());
  renew.set_end_date(
      FormatDate(absl::CivilDay(end.year() + 1, end.month(), end.day())));
  v1::Contract renewed;
  auto context = TestServer::Context(a1_token_);
  ASSERT_OK(contracts_->RenewContract(context.get(), renew, &renewed));
  // First visit due 91 days after the first term began: long overdue.
  std::vector<v1::FollowUp> due = Due(a1_token_, 0);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].due_date(), Day(-350 + 91));
  EXPECT_TRUE(due[0].overdue());
}

TEST_F(ContractServiceTest, SwitchingDoctorsMovesThePatientBetweenDevices) {
  v1::Patient patient = NewPatient(21, /*psychiatric=*/true);
  v1::Contract contract = MustSign(NewContract(patient, a1_, -30));
  v1::Visit visit;
  ASSERT_OK(Log(a1_token_, NewVisit(contract, -1, 0), &visit));

  std::string a1_sync, a3_sync;
  std::set<std::string> a1_has;
  for (const v1::Change& c : PullAll(a1_token_, &a1_sync)) {
    if (c.kind() == v1::CHANGE_KIND_UPSERT) {
      a1_has.insert(absl::StrCat(c.collection(), "/", c.id()));
    }
  }
  EXPECT_TRUE(a1_has.count(absl::StrCat("patients/", patient.id())));
  EXPECT_TRUE(a1_has.count(absl::StrCat("contracts/", contract.id())));
  EXPECT_TRUE(a1_has.count(absl::StrCat("visits/", visit.id())));
  EXPECT_TRUE(a1_has.count(absl::StrCat("follow_ups/", patient.id())));
  EXPECT_TRUE(PullAll(a3_token_, &a3_sync).empty());

  // Terminate with A1, sign with A3.
  v1::TerminateContractRequest terminate;
  terminate.set_id(contract.id());
  terminate.set_version(contract.version());
  terminate.set_reason("the family asked for another doctor");
  v1::Contract out;
  auto context = TestServer::Context(server_->AdminToken());
  ASSERT_OK(contracts_->TerminateContract(context.get(), terminate, &out));
  v1::Contract next = MustSign(NewContract(patient, a3_));

  std::set<std::string> removed;
  for (const v1::Change& c : PullAll(a1_token_, &a1_sync)) {
    EXPECT_NE(c.kind(), v1::CHANGE_KIND_UPSERT) << c.collection();
    if (c.kind() == v1::CHANGE_KIND_REMOVED_FROM_SCOPE) {
      removed.insert(absl::StrCat(c.collection(), "/", c.id()));
    }
  }
  EXPECT_TRUE(removed.count(absl::StrCat("patients/", patient.id())));
  EXPECT_TRUE(removed.count(absl::StrCat("visits/", visit.id())));
  EXPECT_TRUE(removed.count(absl::StrCat("contracts/", contract.id())));

  std::set<std::string> a3_has;
  for (const v1::Change& c : PullAll(a3_token_, &a3_sync)) {
    if (c.kind() == v1::CHANGE_KIND_UPSERT) {
      a3_has.insert(absl::StrCat(c.collection(), "/", c.id()));
    }
  }
  EXPECT_TRUE(a3_has.count(absl::StrCat("patients/", patient.id())));
  EXPECT_TRUE(a3_has.count(absl::StrCat("contracts/", next.id())));
  EXPECT_TRUE(a3_has.count(absl::StrCat("visits/", visit.id())));
  EXPECT_TRUE(a3_has.count(absl::StrCat("follow_ups/", patient.id())));
}

TEST_F(ContractServiceTest, VisitPushedTwiceIsStoredOnce) {
  v1::Patient patient = NewPatient(22, /*psychiatric=*/true);
  v1::Contract contract = MustSign(NewContract(patient, a1_, -30));
  v1::Mutation m;
  m.set_mutation_id(NewUuid());
  *m.mutable_visit() =
      NewVisit(contract, -2, 1, v1::VISIT_CLASS_BASICALLY_STABLE);
  auto sync = server_->Sync();
  for (int attempt = 0; attempt < 2; ++attempt) {
    v1::PushRequest request;
    *request.add_mutations() = m;
    v1::PushResponse response;
    auto context = TestServer::Context(a1_token_);
    ASSERT_OK(sync->Push(context.get(), request, &response));
    ASSERT_EQ(response.results_size(), 1);
    EXPECT_EQ(response.results(0).outcome(),
              attempt == 0 ? v1::OUTCOME_APPLIED : v1::OUTCOME_DUPLICATE);
  }
  EXPECT_EQ(Visits(a1_token_, patient.id()).size(), 1u);

  // An edit of a visit is refused: facts are never changed.
  v1::Mutation edit = m;
  edit.set_mutation_id(NewUuid());
  edit.set_base_version(1);
  edit.mutable_visit()->set_notes("changed");
  v1::PushRequest request;
  *request.add_mutations() = edit;
  v1::PushResponse response;
  auto context = TestServer::Context(a1_token_);
  ASSERT_OK(sync->Push(context.get(), request, &response));
  EXPECT_EQ(response.results(0).outcome(), v1::OUTCOME_REJECTED);
}

TEST_F(ContractServiceTest, MaintenanceExpiresContractsAndFlagsOverdueAndLost) {
  v1::Patient patient = NewPatient(23, /*psychiatric=*/true);
  v1::Contract contract = MustSign(NewContract(patient, a1_, -30));
  v1::Visit out;
  ASSERT_OK(Log(a1_token_, NewVisit(contract, -20, 0), &out));
  const std::string due = Day(-20 + 90);

  // 71 days on: overdue by one day, one alert however often it runs.
  server_->clock().Advance(absl::Hours(24 * 71));
  Relogin();
  ASSERT_TRUE(server_->server()
                  .contracts()
                  ->RunMaintenance(server_->clock().Now())
                  .ok());
  ASSERT_TRUE(server_->server()
                  .contracts()
                  ->RunMaintenance(server_->clock().Now())
                  .ok());
  std::vector<v1::Alert> overdue =
      Alerts(sup_a_token_, v1::ALERT_KIND_FOLLOW_UP_OVERDUE);
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].finding_date(), due);
  std::vector<v1::FollowUp> listed = Due(a1_token_, 1);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_TRUE(listed[0].overdue());
  EXPECT_EQ(listed[0].days_overdue(), 1);
  EXPECT_FALSE(listed[0].lost_to_follow_up());

  // Past the end of the one-year term: expired.
  server_->clock().Advance(absl::Hours(24 * 3 * 90));
  Relogin();
  auto report =
      server_->server().contracts()->RunMaintenance(server_->clock().Now());
  ASSERT_TRUE(report.ok()) << report.status();
  // The one-year term has ended by now too.
  EXPECT_EQ(report->contracts_expired, 1);
  EXPECT_EQ(Get(sup_a_token_, contract.id()).status(),
            v1::CONTRACT_STATUS_EXPIRED);
  // The doctor no longer sees the patient; no follow-up is due.
  EXPECT_EQ(GetPatient(a1_token_, patient.id()).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Due(sup_a_token_, 366).empty());
}

TEST_F(ContractServiceTest, LostToFollowUpAfterThreeMissedVisits) {
  v1::Patient patient = NewPatient(24, /*psychiatric=*/true);
  v1::Contract contract = MustSign(NewContract(patient, a1_, -300));
  v1::Visit out;
  ASSERT_OK(Log(a1_token_,
                NewVisit(contract, -299, 2, v1::VISIT_CLASS_BASICALLY_STABLE),
                &out));
  // Due on day -285, every 14 days: 3 x 14 = 42 days past it by -243.
  auto report =
      server_->server().contracts()->RunMaintenance(server_->clock().Now());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->lost_to_follow_up, 1);
  std::vector<v1::FollowUp> lost = Due(a1_token_, 0, /*lost_only=*/true);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_TRUE(lost[0].lost_to_follow_up());
  EXPECT_GE(lost[0].missed_visits(), 3);
  EXPECT_EQ(Alerts(a1_token_, v1::ALERT_KIND_LOST_TO_FOLLOW_UP).size(), 1u);

  v1::ListEnrollmentsRequest request;
  request.set_patient_id(patient.id());
  request.set_program(v1::PROGRAM_PSYCHIATRIC_MANAGEMENT);
  v1::ListEnrollmentsResponse response;
  auto context = TestServer::Context(server_->AdminToken());
  ASSERT_OK(
      server_->Patients()->ListEnrollments(context.get(), request, &response));
  ASSERT_EQ(response.enrollments_size(), 1);
  EXPECT_EQ(response.enrollments(0).status(),
            v1::ENROLLMENT_STATUS_LOST_TO_FOLLOW_UP);

  // A visit brings the patient back under management.
  ASSERT_OK(Log(a1_token_, NewVisit(contract, 0, 0), &out));
  context = TestServer::Context(server_->AdminToken());
  ASSERT_OK(
      server_->Patients()->ListEnrollments(context.get(), request, &response));
  EXPECT_EQ(response.enrollments(0).status(),
            v1::ENROLLMENT_STATUS_UNDER_MANAGEMENT);
}

TEST_F(ContractServiceTest, AnIdTakenOutOfScopeIsNotFoundNotAlreadyExists) {
  v1::Patient theirs = NewPatient(31);
  v1::Contract taken = MustSign(NewContract(theirs, a1_));
  v1::Patient mine = NewPatient(32);
  v1::Contract attempt = NewContract(mine, a3_);
  attempt.set_id(taken.id());
  v1::Contract out;
  grpc::Status status = Sign(a3_token_, attempt, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  // The same for a visit id taken by another doctor's patient.
  v1::Visit visit;
  ASSERT_OK(Log(a1_token_, NewVisit(taken, 0), &visit));
  v1::Contract own = MustSign(NewContract(mine, a3_));
  v1::Visit copy = NewVisit(own, 0);
  copy.set_id(visit.id());
  status = Log(a3_token_, copy, &visit);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ContractServiceTest, DoctorSignsOnlyForThemselvesAndLocalPatients) {
  v1::Patient patient = NewPatient(25);
  v1::Contract out;
  // B1's health center serves township B, and the patient lives in A.
  EXPECT_EQ(Sign(b1_token_, NewContract(patient, b1_), &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Sign(a3_token_, NewContract(patient, a1_), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Sign(a3_token_, NewContract(patient, a3_), &out));
  EXPECT_TRUE(GetPatient(a3_token_, patient.id()).ok());
}

TEST_F(ContractServiceTest, EveryContractCallIsAudited) {
  v1::Patient patient = NewPatient(26);
  v1::Contract contract = MustSign(NewContract(patient, a1_));
  Get(a1_token_, contract.id());
  EXPECT_FALSE(
      server_
          ->AuditEventsFor(patient.id(), "rehab.v1.ContractService/GetContract")
          .empty());
}

}  // namespace
}  // namespace rehab::testing
