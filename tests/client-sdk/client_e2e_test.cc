// The SDK against a real rehabd (in-process, temporary database).
#include <memory>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "rehab/client.h"
#include "tests/integration/test_server.h"

namespace rehab::client {
namespace {

using rehab::testing::TestIdNumber;
using rehab::testing::TestServer;

class ClientEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::StartOrDie();
    client_ = Connect();
    absl::StatusOr<rehab::v1::LoginResponse> login = client_->Login(
        rehab::testing::kAdminUsername, rehab::testing::kAdminPassword);
    ASSERT_TRUE(login.ok()) << login.status();
    ASSERT_EQ(login->account().role(), rehab::v1::ROLE_ADMIN);
  }

  std::unique_ptr<Client> Connect() {
    ClientOptions options;
    options.target = server_->address();
    options.device_id = "e2e-test";
    absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  rehab::v1::Area CreateArea(const std::string& code,
                             const std::string& parent_id = "") {
    rehab::v1::CreateAreaRequest request;
    request.mutable_area()->set_code(code);
    request.mutable_area()->set_name("Area " + code);
    request.mutable_area()->set_parent_id(parent_id);
    absl::StatusOr<rehab::v1::Area> area = client_->CreateArea(request);
    EXPECT_TRUE(area.ok()) << area.status();
    return area.ok() ? *area : rehab::v1::Area();
  }

  // A township of a new county: patients live in townships and villages.
  rehab::v1::Area Township() {
    return CreateArea("320831101", CreateArea("320831").id());
  }

  static rehab::v1::CreatePatientRequest NewPatient(const std::string& name,
                                                    const std::string& area_id,
                                                    int sequence) {
    rehab::v1::CreatePatientRequest request;
    rehab::v1::Patient& patient = *request.mutable_patient();
    patient.set_name(name);
    patient.set_id_number(TestIdNumber("320831", "19800101", sequence));
    patient.set_id(PatientIdForIdNumber(patient.id_number()));
    patient.set_area_id(area_id);
    return request;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientEndToEndTest, CreatesListsAndLooksUpPatients) {
  const rehab::v1::Area town = Township();
  std::set<std::string> created;
  for (int i = 1; i <= 5; ++i) {
    absl::StatusOr<rehab::v1::Patient> patient = client_->CreatePatient(
        NewPatient("Patient " + std::to_string(i), town.id(), i));
    ASSERT_TRUE(patient.ok()) << patient.status();
    EXPECT_EQ(patient->id(), PatientIdForIdNumber(patient->id_number()));
    created.insert(patient->id());
  }

  std::set<std::string> listed;
  rehab::v1::ListPatientsRequest list;
  list.set_page_size(2);
  int pages = 0;
  do {
    absl::StatusOr<rehab::v1::ListPatientsResponse> page =
        client_->ListPatients(list);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& p : page->patients()) listed.insert(p.id());
    list.set_page_token(page->next_page_token());
    ASSERT_LT(++pages, 10);
  } while (!list.page_token().empty());
  EXPECT_EQ(listed, created);
  EXPECT_GE(pages, 3);

  rehab::v1::LookupPatientRequest lookup;
  lookup.set_id_number(TestIdNumber("320831", "19800101", 3));
  absl::StatusOr<rehab::v1::Patient> found = client_->LookupPatient(lookup);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->name(), "Patient 3");
}

TEST_F(ClientEndToEndTest, RepeatedCreateWithTheDerivedIdStoresOnePatient) {
  const rehab::v1::Area town = Township();
  const rehab::v1::CreatePatientRequest request =
      NewPatient("Li Hua", town.id(), 11);

  absl::StatusOr<rehab::v1::Patient> first = client_->CreatePatient(request);
  absl::StatusOr<rehab::v1::Patient> second = client_->CreatePatient(request);

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->id(), second->id());
  EXPECT_EQ(second->version(), 1);
}

TEST_F(ClientEndToEndTest, ReadsTheReasonAndFieldsOfARefusal) {
  const rehab::v1::Area town = Township();
  rehab::v1::CreatePatientRequest request = NewPatient("Bad", town.id(), 1);
  std::string id_number = request.patient().id_number();
  id_number.back() = id_number.back() == '1' ? '2' : '1';  // wrong check
  request.mutable_patient()->set_id_number(id_number);

  absl::StatusOr<rehab::v1::Patient> patient = client_->CreatePatient(request);

  EXPECT_EQ(patient.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(patient.status()), "INVALID_ID_NUMBER");
  std::vector<FieldViolation> fields = FieldViolationsOf(patient.status());
  ASSERT_FALSE(fields.empty());
  EXPECT_EQ(fields[0].field, "patient.id_number");
}

TEST_F(ClientEndToEndTest, ReportsARecordThatIsNotThereAsNotFound) {
  rehab::v1::GetPatientRequest request;
  request.set_id(PatientIdForIdNumber("11010519491231002X"));

  EXPECT_EQ(client_->GetPatient(request).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ClientEndToEndTest, RefreshesTheSessionWhenTheAccessTokenExpires) {
  const Session before = client_->session();
  server_->clock().Advance(absl::Hours(2));

  absl::StatusOr<rehab::v1::WhoAmIResponse> me = client_->WhoAmI();

  ASSERT_TRUE(me.ok()) << me.status();
  EXPECT_EQ(me->account().username(), rehab::testing::kAdminUsername);
  const Session after = client_->session();
  EXPECT_TRUE(after.logged_in());
  EXPECT_NE(after.access_token, before.access_token);
  EXPECT_NE(after.refresh_token, before.refresh_token);

  // The refresh token was spent: a client still holding it is refused and
  // forgets the session, so that its user logs in again.
  std::unique_ptr<Client> stale = Connect();
  stale->SetSession(before.access_token, before.refresh_token);
  EXPECT_EQ(stale->RefreshToken().status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(stale->session().logged_in());
}

TEST_F(ClientEndToEndTest, AsksForALoginOnceTheRefreshTokenHasExpiredToo) {
  server_->clock().Advance(absl::Hours(24 * 31));

  absl::StatusOr<rehab::v1::WhoAmIResponse> me = client_->WhoAmI();

  EXPECT_EQ(me.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(client_->session().logged_in());
}

TEST_F(ClientEndToEndTest, ResumesASavedSession) {
  const Session saved = client_->session();
  std::unique_ptr<Client> resumed = Connect();
  resumed->SetSession(saved.access_token, saved.refresh_token);

  absl::StatusOr<rehab::v1::WhoAmIResponse> me = resumed->WhoAmI();

  ASSERT_TRUE(me.ok()) << me.status();
  EXPECT_EQ(me->account().username(), rehab::testing::kAdminUsername);
}

TEST_F(ClientEndToEndTest, LogoutRevokesTheSessionOnTheServer) {
  const Session saved = client_->session();
  ASSERT_TRUE(client_->Logout().ok());

  std::unique_ptr<Client> resumed = Connect();
  resumed->SetSession(saved.access_token, saved.refresh_token);
  EXPECT_EQ(resumed->WhoAmI().status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace rehab::client
