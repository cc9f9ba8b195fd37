// The kiosk_app example against a real server (in-process): a check-in by
// disability card number. KIOSK_APP_PATH names the binary.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/client-sdk/run_program.h"
#include "tests/integration/test_server.h"

namespace rehab::client {
namespace {

namespace v1 = ::rehab::v1;
using rehab::testing::ProgramRun;
using rehab::testing::RunProgram;
using rehab::testing::TestIdNumber;
using rehab::testing::TestServer;

class KioskAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::StartOrDie();
    const v1::Area county = server_->CreateArea("320831", "County");
    const v1::Area town = server_->CreateArea("320831101", "Town", county.id());
    const v1::Facility station = server_->CreateFacility(
        "Station", v1::FACILITY_TYPE_REHAB_STATION, town.id());
    server_->CreateAccount("station.kiosk", v1::ROLE_KIOSK, station.id());

    v1::CreatePatientRequest request;
    v1::Patient& p = *request.mutable_patient();
    p.set_name("Zhao Liu");
    p.set_id_number(TestIdNumber("320831", "19650505", 21));
    p.set_disability_card_number(p.id_number() + "42");
    p.set_area_id(town.id());
    p.set_facility_id(station.id());
    auto context = TestServer::Context(server_->AdminToken());
    grpc::Status status =
        server_->Patients()->CreatePatient(context.get(), request, &patient_);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  ProgramRun Kiosk(const std::string& card) {
    return RunProgram(
        KIOSK_APP_PATH,
        {"--server", server_->address(), "--username", "station.kiosk",
         "--card", card},
        {{"REHAB_KIOSK_PASSWORD", rehab::testing::kTestPassword}});
  }

  std::unique_ptr<TestServer> server_;
  v1::Patient patient_;
};

TEST_F(KioskAppTest, ChecksInByCardNumber) {
  ProgramRun run = Kiosk(patient_.disability_card_number());
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "Zhao Liu " + patient_.id()))
      << run.output;

  run = Kiosk(TestIdNumber("320831", "19650505", 23) + "42");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "not found")) << run.output;
}

TEST_F(KioskAppTest, NamesTheWrongPartOfAMistypedCard) {
  std::string card = patient_.disability_card_number();
  card[17] = card[17] == '0' ? '1' : '0';  // the ID number's check character
  const ProgramRun run = Kiosk(card);
  EXPECT_EQ(run.exit_code, 3) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "disability_card_number"))
      << run.output;
}

}  // namespace
}  // namespace rehab::client
