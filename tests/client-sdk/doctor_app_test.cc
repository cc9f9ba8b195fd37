// The doctor_app example as a user drives it: one process per command,
// against a real server (in-process, temporary database), with a staff
// account or a family doctor's, going offline in the middle.
// DOCTOR_APP_PATH names the binary.
#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rehab/v1/contract.grpc.pb.h"
#include "tests/client-sdk/run_program.h"
#include "tests/integration/test_server.h"

namespace rehab::client {
namespace {

namespace v1 = ::rehab::v1;
using rehab::testing::ProgramRun;
using rehab::testing::RunProgram;
using rehab::testing::TestIdNumber;
using rehab::testing::TestServer;

// No server listens here: the phone is offline.
constexpr char kNowhere[] = "127.0.0.1:1";

// The first line that contains `text`; "" when none.
std::string LineWith(const std::string& output, const std::string& text) {
  for (const std::string& line :
       std::vector<std::string>(absl::StrSplit(output, '\n'))) {
    if (absl::StrContains(line, text)) return line;
  }
  return "";
}

// The first word of the first line that contains `text`.
std::string FirstWordOfLineWith(const std::string& output,
                                const std::string& text) {
  for (const std::string& line :
       std::vector<std::string>(absl::StrSplit(output, '\n'))) {
    if (absl::StrContains(line, text)) return line.substr(0, line.find(' '));
  }
  return "";
}

class DoctorAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::StartOrDie();
    const v1::Area county = server_->CreateArea("320831", "County");
    town_ = server_->CreateArea("320831101", "Town", county.id());
    station_ = server_->CreateFacility(
        "Station", v1::FACILITY_TYPE_REHAB_STATION, town_.id());
    other_station_ = server_->CreateFacility(
        "Other station", v1::FACILITY_TYPE_REHAB_STATION, town_.id());
    server_->CreateAccount("app.staff", v1::ROLE_FACILITY_STAFF, station_.id());
    db_ = server_->dir() + "/phone.db";
  }

  // A patient created online by the administrator.
  v1::Patient CreatePatient(const std::string& name, int sequence,
                            const std::string& facility_id) {
    v1::CreatePatientRequest request;
    v1::Patient& p = *request.mutable_patient();
    p.set_name(name);
    p.set_id_number(TestIdNumber("320831", "19700101", sequence));
    p.set_area_id(town_.id());
    p.set_facility_id(facility_id);
    v1::Patient created;
    auto context = TestServer::Context(server_->AdminToken());
    grpc::Status status =
        server_->Patients()->CreatePatient(context.get(), request, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  }

  // doctor_app with --db and --server (the test server unless `server`),
  // the password in the environment.
  ProgramRun App(const std::vector<std::string>& command,
                 const std::string& server = "") {
    std::vector<std::string> args = {
        "--server",   server.empty() ? server_->address() : server,
        "--db",       db_,
        "--username", username_};
    args.insert(args.end(), command.begin(), command.end());
    return RunProgram(DOCTOR_APP_PATH, args,
                      {{"REHAB_PASSWORD", rehab::testing::kTestPassword}});
  }

  std::unique_ptr<TestServer> server_;
  v1::Area town_;
  v1::Facility station_;
  v1::Facility other_station_;
  std::string db_;
  std::string username_ = "app.staff";
};

TEST_F(DoctorAppTest, WorksOfflineAndSendsTheQueueOnTheNextSync) {
  const v1::Patient zhang = CreatePatient("Zhang San", 11, station_.id());
  const v1::Patient li = CreatePatient("Li Si", 13, station_.id());
  CreatePatient("Elsewhere Patient", 15, other_station_.id());

  ProgramRun run = App({"login"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "app.staff")) << run.output;
  struct stat info;
  ASSERT_EQ(stat((db_ + ".session").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  run = App({"sync"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  run = App({"patients"}, kNowhere);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "Zhang San")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "Li Si")) << run.output;
  EXPECT_FALSE(absl::StrContains(run.output, "Elsewhere")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "2 patients")) << run.output;

  // Offline: a new patient, an enrollment and an edit are queued; sync
  // cannot send them.
  const std::string wang_number = TestIdNumber("320831", "19900202", 17);
  run = App({"add-patient", "--name", "Wang Wu", "--id-number", wang_number,
             "--area", town_.id(), "--facility", station_.id()},
            kNowhere);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string wang_id =
      run.output.substr(run.output.find("queued patient ") + 15, 36);
  run = App({"enroll", zhang.id(), "--program", "precision_rehab", "--start",
             "2026-01-05"},
            kNowhere);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  run = App({"edit-patient", li.id(), "--phone", "13900000000"}, kNowhere);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  run = App({"sync"}, kNowhere);
  EXPECT_EQ(run.exit_code, 4) << run.output;
  run = App({"status"}, kNowhere);
  EXPECT_TRUE(absl::StrContains(run.output, "queued: 3")) << run.output;
  run = App({"patients", "--name", "Wang"}, kNowhere);
  EXPECT_TRUE(absl::StrContains(run.output, wang_id + "  Wang Wu"))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "queued")) << run.output;

  // Back online: the queue goes out, and the server has both records.
  run = App({"sync"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "sent 3")) << run.output;
  run = App({"status"}, kNowhere);
  EXPECT_TRUE(absl::StrContains(run.output, "queued: 0")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "parked: 0")) << run.output;
  run = App({"patient", zhang.id()}, kNowhere);
  EXPECT_TRUE(absl::StrContains(run.output, "PROGRAM_PRECISION_REHAB"))
      << run.output;

  auto context = TestServer::Context(server_->AdminToken());
  v1::GetPatientRequest get;
  get.set_id(wang_id);
  v1::Patient wang;
  grpc::Status status =
      server_->Patients()->GetPatient(context.get(), get, &wang);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(wang.name(), "Wang Wu");
  get.set_id(li.id());
  v1::Patient li_now;
  context = TestServer::Context(server_->AdminToken());
  status = server_->Patients()->GetPatient(context.get(), get, &li_now);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(li_now.phone(), "13900000000");
  EXPECT_EQ(li_now.version(), li.version() + 1);
  v1::ListEnrollmentsRequest list;
  list.set_patient_id(zhang.id());
  v1::ListEnrollmentsResponse enrollments;
  context = TestServer::Context(server_->AdminToken());
  status =
      server_->Patients()->ListEnrollments(context.get(), list, &enrollments);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(enrollments.enrollments_size(), 1);
  EXPECT_EQ(enrollments.enrollments(0).program(), v1::PROGRAM_PRECISION_REHAB);
}

TEST_F(DoctorAppTest, ParksWhatTheServerRefusesUntilDiscarded) {
  ASSERT_EQ(App({"login"}).exit_code, 0);
  std::string bad_number = TestIdNumber("320831", "19800303", 19);
  bad_number.back() = bad_number.back() == '0' ? '1' : '0';
  ProgramRun run = App({"add-patient", "--name", "Bad Number", "--id-number",
                        bad_number, "--area", town_.id()},
                       kNowhere);
  ASSERT_EQ(run.exit_code, 0) << run.output;

  run = App({"sync"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "1 refused")) << run.output;
  run = App({"parked"}, kNowhere);
  EXPECT_TRUE(absl::StrContains(run.output, "REFUSED")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "patient.id_number")) << run.output;
  const std::string mutation_id = FirstWordOfLineWith(run.output, "REFUSED");
  ASSERT_EQ(mutation_id.size(), 36u) << run.output;

  run = App({"discard", mutation_id}, kNowhere);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  run = App({"parked"}, kNowhere);
  EXPECT_TRUE(absl::StrContains(run.output, "0 parked")) << run.output;
}

TEST_F(DoctorAppTest, LogoutForgetsTheSessionAndKeepsTheData) {
  CreatePatient("Zhang San", 11, station_.id());
  ASSERT_EQ(App({"sync"}).exit_code, 0);  // logs in on the way
  ProgramRun run = App({"logout"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  struct stat info;
  EXPECT_NE(stat((db_ + ".session").c_str(), &info), 0);

  run = RunProgram(DOCTOR_APP_PATH,
                   {"--server", server_->address(), "--db", db_, "sync"},
                   {{"REHAB_USERNAME", ""}, {"REHAB_PASSWORD", ""}});
  EXPECT_EQ(run.exit_code, 3) << run.output;
  run = App({"patients"}, kNowhere);
  EXPECT_TRUE(absl::StrContains(run.output, "Zhang San")) << run.output;
}

// The county's calendar (the server's default time zone).
absl::CivilDay CountyToday() {
  absl::TimeZone county;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &county));
  return absl::ToCivilDay(absl::Now(), county);
}

std::string DayText(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// A family doctor's round: the patient's follow-up is due, the doctor
// records a home visit with the psychiatric form while the server cannot
// be reached, syncs, and the server's next due date comes back.
TEST_F(DoctorAppTest, RecordsAVisitOfflineAndShowsTheNextDueDateAfterSync) {
  auto directory = server_->Directory();
  v1::CreatePractitionerRequest new_doctor;
  new_doctor.mutable_practitioner()->set_name("Dr. Li");
  new_doctor.mutable_practitioner()->set_kind(
      v1::PRACTITIONER_KIND_FAMILY_DOCTOR);
  new_doctor.mutable_practitioner()->set_facility_id(station_.id());
  v1::Practitioner doctor;
  auto context = TestServer::Context(server_->AdminToken());
  grpc::Status status =
      directory->CreatePractitioner(context.get(), new_doctor, &doctor);
  ASSERT_TRUE(status.ok()) << status.error_message();
  server_->CreateAccount("doc.li", v1::ROLE_FAMILY_DOCTOR, doctor.id());
  username_ = "doc.li";

  const v1::Patient zhao = CreatePatient("Zhao Liu", 21, station_.id());
  v1::CreateEnrollmentRequest enroll;
  enroll.mutable_enrollment()->set_patient_id(zhao.id());
  enroll.mutable_enrollment()->set_program(v1::PROGRAM_PSYCHIATRIC_MANAGEMENT);
  enroll.mutable_enrollment()->set_start_date(DayText(CountyToday() - 200));
  v1::Enrollment enrollment;
  context = TestServer::Context(server_->AdminToken());
  status =
      server_->Patients()->CreateEnrollment(context.get(), enroll, &enrollment);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // Signed 120 days ago for four visits a year, with no visit since: the
  // first visit was due 91 days after the start, so it is overdue.
  const absl::CivilDay start = CountyToday() - 120;
  v1::CreateContractRequest sign;
  v1::Contract& terms = *sign.mutable_contract();
  terms.set_patient_id(zhao.id());
  terms.set_doctor_id(doctor.id());
  v1::ContractItem& item = *terms.add_items();
  item.set_code("psychiatric_follow_up");
  item.set_name("Psychiatric follow-up");
  item.set_visits_per_year(4);
  terms.set_start_date(DayText(start));
  terms.set_end_date(DayText(start + 365));
  terms.set_signed_date(DayText(start));
  auto contracts = v1::ContractService::NewStub(server_->channel());
  v1::Contract contract;
  context = TestServer::Context(server_->AdminToken());
  status = contracts->CreateContract(context.get(), sign, &contract);
  ASSERT_TRUE(status.ok()) << status.error_message();

  ASSERT_EQ(App({"login"}).exit_code, 0);
  ProgramRun run = App({"sync"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  run = App({"due"}, kNowhere);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::string line = LineWith(run.output, zhao.id());
  EXPECT_TRUE(absl::StrContains(line, "Zhao Liu")) << run.output;
  EXPECT_TRUE(absl::StrContains(line, "overdue")) << run.output;
  EXPECT_TRUE(absl::StrContains(line, "first-visit")) << run.output;
  run = App({"contracts"}, kNowhere);
  EXPECT_TRUE(absl::StrContains(run.output, contract.id() + "  " + zhao.id()))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "active")) << run.output;

  // Yesterday's home visit, recorded with no network: risk level 3 makes
  // the next visit due two weeks later.
  const absl::CivilDay visit_day = CountyToday() - 1;
  run = App({"visit",
             "--patient",
             zhao.id(),
             "--mode",
             "home",
             "--informant",
             "family",
             "--start",
             DayText(visit_day) + " 09:00",
             "--end",
             DayText(visit_day) + " 09:40",
             "--risk",
             "3",
             "--class",
             "unstable",
             "--adherence",
             "regular",
             "--insight",
             "partial",
             "--sleep",
             "fair",
             "--appetite",
             "good",
             "--symptom",
             "suspicion",
             "--symptom",
             "hallucinations",
             "--drug",
             "risperidone:2/0/2",
             "--notes",
             "refer to the county hospital"},
            kNowhere);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "queued visit")) << run.output;
  run = App({"visits", "--patient", zhao.id()}, kNowhere);
  line = LineWith(run.output, DayText(visit_day) + " 09:00");
  EXPECT_TRUE(absl::StrContains(line, "risk 3")) << run.output;
  EXPECT_TRUE(absl::StrContains(line, "queued")) << run.output;
  run = App({"sync"}, kNowhere);
  EXPECT_EQ(run.exit_code, 4) << run.output;

  run = App({"sync"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "sent 1 ")) << run.output;
  run = App({"sync"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "sent 0 ")) << run.output;

  v1::ListVisitsRequest list;
  list.set_patient_id(zhao.id());
  v1::ListVisitsResponse visits;
  context = TestServer::Context(server_->AdminToken());
  status = contracts->ListVisits(context.get(), list, &visits);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(visits.visits_size(), 1);
  const v1::Visit& stored = visits.visits(0);
  EXPECT_EQ(stored.contract_id(), contract.id());
  EXPECT_EQ(stored.mode(), v1::VISIT_MODE_HOME);
  EXPECT_EQ(stored.risk_level(), 3);
  EXPECT_EQ(stored.visit_class(), v1::VISIT_CLASS_UNSTABLE);
  EXPECT_EQ(stored.symptoms_size(), 2);
  ASSERT_EQ(stored.drugs_size(), 1);
  EXPECT_EQ(stored.drugs(0).evening_mg(), 2);
  const std::string next_due = DayText(visit_day + 14);
  EXPECT_EQ(stored.next_due_date(), next_due);

  run = App({"due"}, kNowhere);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  line = LineWith(run.output, zhao.id());
  EXPECT_TRUE(absl::StartsWith(line, next_due)) << run.output;
  EXPECT_FALSE(absl::StrContains(line, "overdue")) << run.output;
  EXPECT_TRUE(absl::StrContains(line, "unstable")) << run.output;
  run = App({"visits", "--patient", zhao.id()}, kNowhere);
  EXPECT_TRUE(absl::StrContains(run.output, "next due " + next_due))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "1 visits")) << run.output;
}

TEST_F(DoctorAppTest, RejectsUnknownCommandsAndFlags) {
  EXPECT_EQ(App({"fly"}).exit_code, 2);
  EXPECT_EQ(App({"patients", "--colour", "red"}).exit_code, 2);
  EXPECT_EQ(App({"patient"}).exit_code, 2);
  ProgramRun run =
      App({"enroll", "some-id", "--program", "juggling"}, kNowhere);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "precision_rehab")) << run.output;
  run = App(
      {"visit", "--patient", "p", "--mode", "flying", "--informant", "patient",
       "--start", "2026-03-01 09:00", "--end", "2026-03-01 09:30"},
      kNowhere);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "home")) << run.output;
  run = App({"visit", "--patient", "p", "--mode", "home", "--informant",
             "patient", "--start", "yesterday", "--end", "2026-03-01 09:30"},
            kNowhere);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_EQ(App({"due", "--within", "soon"}, kNowhere).exit_code, 2);
}

}  // namespace
}  // namespace rehab::client
