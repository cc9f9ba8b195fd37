// The patient registry over the wire: the resource methods, validation
// errors naming the field, optimistic concurrency, the access scope of each
// role, and the audit trail of patient reads.
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/integration/test_server.h"

namespace rehab::testing {
namespace {

namespace v1 = ::rehab::v1;

constexpr char kCounty[] = "320831";

// Two townships, each with one village and its rehab station; one patient
// living in each village.
class PatientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::StartOrDie();
    patients_ = server_->Patients();
    county_ = server_->CreateTwoTownCounty();
    ASSERT_FALSE(HasFailure());
  }

  v1::Patient NewPatient(const std::string& name, const v1::Area& village,
                         const v1::Facility& station, int sequence) {
    v1::Patient patient;
    patient.set_name(name);
    patient.set_id_number(TestIdNumber(kCounty, "19800101", sequence));
    // Category 4 (physical), grade 2.
    patient.set_disability_card_number(patient.id_number() + "42");
    patient.set_area_id(village.id());
    patient.set_facility_id(station.id());
    patient.set_address("1 Main Street");
    return patient;
  }

  grpc::Status Create(const std::string& token, const v1::Patient& patient,
                      v1::Patient* out) {
    v1::CreatePatientRequest request;
    *request.mutable_patient() = patient;
    auto context = TestServer::Context(token);
    return patients_->CreatePatient(context.get(), request, out);
  }

  grpc::Status Get(const std::string& token, const std::string& id,
                   v1::Patient* out) {
    v1::GetPatientRequest request;
    request.set_id(id);
    auto context = TestServer::Context(token);
    return patients_->GetPatient(context.get(), request, out);
  }

  // One patient in each township, created by the administrator.
  void CreateOnePerTownship(v1::Patient* in_a, v1::Patient* in_b) {
    const std::string admin = server_->AdminToken();
    grpc::Status status = Create(
        admin, NewPatient("Sun Li", county_.village_a, county_.station_a, 21),
        in_a);
    ASSERT_TRUE(status.ok()) << status.error_message();
    status = Create(
        admin, NewPatient("Zhou Min", county_.village_b, county_.station_b, 23),
        in_b);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // The ids of the patients `token` lists (every page).
  std::vector<std::string> ListIds(const std::string& token,
                                   grpc::Status* status_out = nullptr) {
    std::vector<std::string> ids;
    v1::ListPatientsRequest request;
    request.set_page_size(2);
    for (;;) {
      v1::ListPatientsResponse response;
      auto context = TestServer::Context(token);
      grpc::Status status =
          patients_->ListPatients(context.get(), request, &response);
      if (status_out != nullptr) *status_out = status;
      if (!status.ok()) break;
      for (const v1::Patient& p : response.patients()) ids.push_back(p.id());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return ids;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::PatientService::Stub> patients_;
  TwoTownCounty county_;
};

TEST_F(PatientTest, CreateGetUpdateListAndLookupOverTheWire) {
  const std::string admin = server_->AdminToken();
  v1::Patient created;
  grpc::Status status = Create(
      admin, NewPatient("Li Wei", county_.village_a, county_.station_a, 11),
      &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(created.id().empty());
  EXPECT_EQ(created.version(), 1);
  // Filled from the ID number and the card number.
  EXPECT_EQ(created.sex(), v1::SEX_MALE);
  EXPECT_EQ(created.birth_date(), "1980-01-01");
  EXPECT_EQ(created.disability_category(), v1::DISABILITY_CATEGORY_PHYSICAL);
  EXPECT_EQ(created.disability_grade(), 2);

  v1::Patient got;
  status = Get(admin, created.id(), &got);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(got.name(), "Li Wei");
  EXPECT_EQ(got.id_number(), created.id_number());

  v1::UpdatePatientRequest update;
  *update.mutable_patient() = got;
  update.mutable_patient()->set_phone("13800000000");
  update.mutable_update_mask()->add_paths("phone");
  v1::Patient updated;
  auto context = TestServer::Context(admin);
  status = patients_->UpdatePatient(context.get(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.version(), 2);
  EXPECT_EQ(updated.phone(), "13800000000");
  ASSERT_TRUE(Get(admin, created.id(), &got).ok());
  EXPECT_EQ(got.phone(), "13800000000");

  EXPECT_EQ(ListIds(admin), std::vector<std::string>{created.id()});

  v1::LookupPatientRequest lookup;
  lookup.set_id_number(created.id_number());
  v1::Patient found;
  auto context2 = TestServer::Context(admin);
  status = patients_->LookupPatient(context2.get(), lookup, &found);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(found.id(), created.id());

  lookup.set_disability_card_number(created.disability_card_number());
  auto context3 = TestServer::Context(admin);
  status = patients_->LookupPatient(context3.get(), lookup, &found);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(found.id(), created.id());
}

TEST_F(PatientTest,
       BadIdNumberIsInvalidArgumentNamingTheFieldAndWritesNothing) {
  const std::string admin = server_->AdminToken();
  v1::Patient existing;
  ASSERT_TRUE(
      Create(admin,
             NewPatient("Wang Fang", county_.village_a, county_.station_a, 12),
             &existing)
          .ok());
  const std::vector<std::string> before = ListIds(admin);

  v1::Patient bad =
      NewPatient("Zhao Lei", county_.village_a, county_.station_a, 13);
  // Break the check character.
  std::string id = bad.id_number();
  id.back() = id.back() == '1' ? '2' : '1';
  bad.set_id_number(id);
  bad.clear_disability_card_number();
  v1::Patient out;
  grpc::Status status = Create(admin, bad, &out);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  WireError error = DecodeError(status);
  ASSERT_TRUE(error.has_details);
  EXPECT_EQ(error.reason, "INVALID_ID_NUMBER");
  ASSERT_FALSE(error.fields.empty());
  EXPECT_EQ(error.fields[0], "patient.id_number");

  // A missing name is named too.
  v1::Patient nameless =
      NewPatient("", county_.village_a, county_.station_a, 15);
  status = Create(admin, nameless, &out);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  error = DecodeError(status);
  EXPECT_NE(std::find(error.fields.begin(), error.fields.end(), "patient.name"),
            error.fields.end());

  EXPECT_EQ(ListIds(admin), before);
}

TEST_F(PatientTest, StaleVersionIsAborted) {
  const std::string admin = server_->AdminToken();
  v1::Patient created;
  ASSERT_TRUE(
      Create(admin,
             NewPatient("Chen Jie", county_.village_a, county_.station_a, 17),
             &created)
          .ok());

  v1::UpdatePatientRequest first;
  *first.mutable_patient() = created;
  first.mutable_patient()->set_address("2 River Road");
  first.mutable_update_mask()->add_paths("address");
  v1::Patient updated;
  auto context = TestServer::Context(admin);
  ASSERT_TRUE(patients_->UpdatePatient(context.get(), first, &updated).ok());

  // A second edit started from version 1.
  v1::UpdatePatientRequest stale = first;
  stale.mutable_patient()->set_address("3 Hill Lane");
  auto context2 = TestServer::Context(admin);
  grpc::Status status =
      patients_->UpdatePatient(context2.get(), stale, &updated);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(DecodeError(status).reason, "VERSION_CONFLICT");

  v1::Patient got;
  ASSERT_TRUE(Get(admin, created.id(), &got).ok());
  EXPECT_EQ(got.address(), "2 River Road");
}

TEST_F(PatientTest, CallsWithoutTokenAreUnauthenticated) {
  v1::Patient out;
  grpc::Status status = Get("", "00000000-0000-4000-8000-000000000000", &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status list_status;
  ListIds("", &list_status);
  EXPECT_EQ(list_status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PatientTest, SupervisorsSeeOnlyTheirTownship) {
  v1::Patient in_a, in_b;
  ASSERT_NO_FATAL_FAILURE(CreateOnePerTownship(&in_a, &in_b));
  const std::string sup_a = server_->CreateAndLogin(
      "sup-a", v1::ROLE_SUPERVISOR, county_.township_a.id());
  const std::string sup_b = server_->CreateAndLogin(
      "sup-b", v1::ROLE_SUPERVISOR, county_.township_b.id());
  ASSERT_FALSE(sup_a.empty());
  ASSERT_FALSE(sup_b.empty());

  v1::Patient got;
  EXPECT_TRUE(Get(sup_a, in_a.id(), &got).ok());
  grpc::Status status = Get(sup_a, in_b.id(), &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  // Indistinguishable from a patient that does not exist.
  grpc::Status absent =
      Get(sup_a, "00000000-0000-4000-8000-000000000000", &got);
  EXPECT_EQ(absent.error_code(), grpc::StatusCode::NOT_FOUND);

  EXPECT_EQ(ListIds(sup_a), std::vector<std::string>{in_a.id()});
  EXPECT_EQ(ListIds(sup_b), std::vector<std::string>{in_b.id()});

  v1::LookupPatientRequest lookup;
  lookup.set_id_number(in_b.id_number());
  auto context = TestServer::Context(sup_a);
  status = patients_->LookupPatient(context.get(), lookup, &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(PatientTest, KioskMayNotListPatients) {
  const std::string kiosk = server_->CreateAndLogin("kiosk-a", v1::ROLE_KIOSK,
                                                    county_.station_a.id());
  ASSERT_FALSE(kiosk.empty());
  grpc::Status status;
  ListIds(kiosk, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(PatientTest, PatientReadsAreAudited) {
  const std::string admin = server_->AdminToken();
  v1::Patient in_a, in_b;
  ASSERT_NO_FATAL_FAILURE(CreateOnePerTownship(&in_a, &in_b));
  v1::Patient got;
  ASSERT_TRUE(Get(admin, in_a.id(), &got).ok());

  std::vector<v1::AuditEvent> events =
      server_->AuditEventsFor(in_a.id(), "rehab.v1.PatientService/GetPatient");
  const v1::AuditEvent* read = nullptr;
  for (const v1::AuditEvent& e : events) {
    if (e.method() == "rehab.v1.PatientService/GetPatient") read = &e;
  }
  ASSERT_NE(read, nullptr) << "GetPatient was not audited";
  EXPECT_EQ(read->patient_id(), in_a.id());
  EXPECT_EQ(read->username(), kAdminUsername);
  EXPECT_EQ(read->outcome(), "OK");
  EXPECT_FALSE(read->peer().empty());

  // A refused read is audited too, under the patient asked for.
  const std::string sup_a = server_->CreateAndLogin(
      "sup-audit", v1::ROLE_SUPERVISOR, county_.township_a.id());
  ASSERT_EQ(Get(sup_a, in_b.id(), &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  bool refused_seen = false;
  for (int attempt = 0; attempt < 100 && !refused_seen; ++attempt) {
    for (const v1::AuditEvent& e : server_->AuditEventsFor(
             in_b.id(), "rehab.v1.PatientService/GetPatient")) {
      if (e.username() == "sup-audit" && e.outcome() == "NOT_FOUND") {
        refused_seen = true;
      }
    }
    if (!refused_seen) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(refused_seen);
}

TEST_F(PatientTest, OversizedDeviceIdIsInvalidArgument) {
  auto context = TestServer::Context(server_->AdminToken());
  context->AddMetadata("x-device-id", std::string(200, 'd'));
  v1::ListPatientsResponse response;
  grpc::Status status = patients_->ListPatients(
      context.get(), v1::ListPatientsRequest(), &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DecodeError(status).fields,
            std::vector<std::string>{"x-device-id"});
}

}  // namespace
}  // namespace rehab::testing
