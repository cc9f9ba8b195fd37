// rehabctl's commands against a real rehabd (in-process, temporary
// database), through RunCommand as main() calls it.
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "rehab/client.h"
#include "tests/integration/test_server.h"
#include "tools/rehabctl/commands.h"
#include "tools/rehabctl/contract_terms.h"
#include "tools/rehabctl/exit_codes.h"
#include "tools/rehabctl/session_file.h"
#include "tools/rehabctl/table.h"

namespace rehab::rehabctl {
namespace {

using rehab::testing::TestIdNumber;
using rehab::testing::TestServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

class RehabctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::StartOrDie();
    dir_ = server_->dir() + "/rehabctl";
    options_.server = server_->address();
    options_.session_path = dir_ + "/config/session.json";
    setenv("REHAB_PASSWORD", rehab::testing::kAdminPassword, 1);
  }

  void TearDown() override { unsetenv("REHAB_PASSWORD"); }

  int Run(const std::vector<std::string>& words) {
    std::ostringstream out, err;
    const int code = RunCommand(options_, words, out, err);
    out_ = out.str();
    err_ = err.str();
    return code;
  }

  void LoginAsAdmin() {
    ASSERT_EQ(Run({"login", rehab::testing::kAdminUsername}), kExitOk) << err_;
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::filesystem::create_directories(dir_);
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // A county and its township 320831101 (patients live in townships and
  // villages).
  void CreateAreas() {
    ASSERT_EQ(Run({"areas", "create", "--code", "320831", "--name", "County"}),
              kExitOk)
        << err_;
    ASSERT_EQ(Run({"areas", "create", "--code", "320831101", "--name", "Town",
                   "--parent", "320831"}),
              kExitOk)
        << err_;
  }

  SavedSession Saved() {
    absl::StatusOr<SavedSession> saved =
        SessionFile(options_.session_path).Load();
    EXPECT_TRUE(saved.ok()) << saved.status();
    return saved.ok() ? *saved : SavedSession();
  }

  std::unique_ptr<TestServer> server_;
  std::string dir_;
  GlobalOptions options_;
  std::string out_, err_;
};

TEST_F(RehabctlTest, LoginKeepsAnOwnerOnlySessionThatLaterCommandsUse) {
  EXPECT_EQ(Run({"whoami"}), kExitUnauthenticated);

  LoginAsAdmin();

  struct stat info;
  ASSERT_EQ(stat(options_.session_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(Saved().username, rehab::testing::kAdminUsername);
  EXPECT_EQ(Saved().server, server_->address());
  ASSERT_EQ(Run({"whoami"}), kExitOk) << err_;
  EXPECT_THAT(out_, HasSubstr("account.username"));
  EXPECT_THAT(out_, HasSubstr(rehab::testing::kAdminUsername));
}

TEST_F(RehabctlTest, SavesTokensRefreshedOnTheWay) {
  LoginAsAdmin();
  const SavedSession before = Saved();
  server_->clock().Advance(absl::Hours(2));

  ASSERT_EQ(Run({"whoami"}), kExitOk) << err_;

  const SavedSession after = Saved();
  EXPECT_NE(after.access_token, before.access_token);
  EXPECT_NE(after.refresh_token, before.refresh_token);
  EXPECT_EQ(after.username, before.username);
  EXPECT_EQ(Run({"whoami"}), kExitOk) << err_;
}

TEST_F(RehabctlTest, LogoutForgetsTheSession) {
  LoginAsAdmin();

  ASSERT_EQ(Run({"logout"}), kExitOk) << err_;

  EXPECT_FALSE(std::filesystem::exists(options_.session_path));
  EXPECT_EQ(Run({"whoami"}), kExitUnauthenticated);
}

TEST_F(RehabctlTest, ImportRunTwiceCreatesNothingNew) {
  LoginAsAdmin();
  CreateAreas();
  std::string bad_id = TestIdNumber("320831", "19800101", 3);
  bad_id.back() = bad_id.back() == '1' ? '2' : '1';
  const std::string csv = WriteFile(
      "roster.csv",
      "name,id_number,area_code,address,guardian_name,guardian_relation\r\n"
      "\"Wang, Ming\"," +
          TestIdNumber("320831", "19800101", 1) +
          ",320831101,\"No. 3, East Road\",Wang Fang,mother\r\n"
          "Li Hua," +
          TestIdNumber("320831", "19800101", 2) +
          ",320831101,,,\r\n"
          "Zhao Lei," +
          bad_id + ",320831101,,,\r\n");

  EXPECT_EQ(Run({"patients", "import", csv}), kExitFailed);
  EXPECT_THAT(out_, HasSubstr("created 2, unchanged 0, failed 1"));
  EXPECT_THAT(err_, HasSubstr("line 4: INVALID_ARGUMENT"));
  EXPECT_THAT(err_, HasSubstr("INVALID_ID_NUMBER"));
  EXPECT_THAT(err_, HasSubstr("column id_number:"));
  EXPECT_THAT(err_, Not(HasSubstr("line 2")));

  EXPECT_EQ(Run({"patients", "import", csv}), kExitFailed);
  EXPECT_THAT(out_, HasSubstr("created 0, unchanged 2, failed 1"));

  options_.json = true;
  ASSERT_EQ(Run({"patients", "list", "--all"}), kExitOk) << err_;
  std::vector<std::string> lines =
      absl::StrSplit(out_, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << out_;
  EXPECT_THAT(out_, HasSubstr("\"address\":\"No. 3, East Road\""));
  EXPECT_THAT(out_, HasSubstr(client::PatientIdForIdNumber(
                        TestIdNumber("320831", "19800101", 1))));
}

TEST_F(RehabctlTest, ImportRefusesAFileWithoutTheRequiredColumns) {
  LoginAsAdmin();
  const std::string csv = WriteFile("roster.csv", "name,id_number\nA,B\n");

  EXPECT_EQ(Run({"patients", "import", csv}), kExitFailed);
  EXPECT_THAT(err_, HasSubstr("area_code"));
}

TEST_F(RehabctlTest, ExitCodesTellWhatWentWrong) {
  LoginAsAdmin();
  CreateAreas();

  EXPECT_EQ(Run({"patients", "get",
                 client::PatientIdForIdNumber("11010519491231002X")}),
            kExitNotFound);

  EXPECT_EQ(Run({"patients", "create", "--name", "Wang", "--id-number",
                 "320831198001010010", "--area", "320831101"}),
            kExitInvalidArgument);
  EXPECT_THAT(err_, HasSubstr("patient.id_number"));

  EXPECT_EQ(Run({"patients", "create", "--name", "Wang", "--id-number",
                 TestIdNumber("320831", "19800101", 5), "--area", "999999"}),
            kExitNotFound);
  EXPECT_THAT(err_, HasSubstr("no area with code"));

  EXPECT_EQ(Run({"areas", "create", "--code", "320831", "--name", "Other"}),
            kExitConflict);

  EXPECT_EQ(Run({"facilities", "list", "--type", "spaceport"}), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("rehab_center|"));

  options_.server = "127.0.0.1:1";
  EXPECT_EQ(Run({"login", "admin"}), kExitUnavailable);
}

TEST_F(RehabctlTest, ResolvesAreaCodesForParentsAndFilters) {
  LoginAsAdmin();
  CreateAreas();

  ASSERT_EQ(Run({"areas", "list", "--parent", "320831"}), kExitOk) << err_;

  EXPECT_THAT(out_, HasSubstr("320831101"));
  EXPECT_THAT(out_, HasSubstr("township"));
  EXPECT_THAT(out_, Not(HasSubstr("County")));
}

TEST_F(RehabctlTest, BackupWritesTheCopyAndPrintsItsPathAndSize) {
  LoginAsAdmin();
  const std::string path = server_->dir() + "/rehab-2026-11-29.db";

  ASSERT_EQ(Run({"backup", path}), kExitOk) << err_;

  ASSERT_TRUE(std::filesystem::exists(path));
  const std::string size = std::to_string(std::filesystem::file_size(path));
  EXPECT_THAT(out_, HasSubstr(path));
  EXPECT_THAT(out_, HasSubstr("size_bytes"));
  EXPECT_THAT(out_, HasSubstr(size));

  options_.json = true;
  const std::string second = server_->dir() + "/rehab-2026-11-30.db";
  ASSERT_EQ(Run({"backup", second}), kExitOk) << err_;
  EXPECT_THAT(out_, HasSubstr("\"path\":\"" + second + "\""));
  EXPECT_THAT(out_, HasSubstr("\"size_bytes\""));
}

TEST_F(RehabctlTest, BackupRefusesARelativeOrExistingPath) {
  LoginAsAdmin();
  const std::string path = server_->db_path();  // the live database

  EXPECT_EQ(Run({"backup", path}), kExitInvalidArgument);
  EXPECT_THAT(err_, HasSubstr("path"));
  EXPECT_EQ(Run({"backup", "rehab-backup.db"}), kExitInvalidArgument);
  EXPECT_THAT(err_, HasSubstr("absolute"));
  EXPECT_FALSE(std::filesystem::exists("rehab-backup.db"));
  EXPECT_EQ(Run({"backup"}), kExitUsage);
}

// --- Contracts, visits, follow-ups, alerts
// ------------------------------------

// A county with one family doctor (王医生 of team 东镇一队, at a health
// centre in township 320831101) and patients living there, all made
// through rehabctl as the administrator; visits are logged through the SDK
// (rehabctl records none).
class RehabctlContractsTest : public RehabctlTest {
 protected:
  void SetUp() override {
    RehabctlTest::SetUp();
    LoginAsAdmin();
    CreateAreas();
    options_.json = true;
    ASSERT_EQ(Run({"facilities", "create", "--name", "东镇卫生院", "--type",
                   "health_center", "--area", "320831101"}),
              kExitOk)
        << err_;
    const std::string facility_id = Parsed<rehab::v1::Facility>().id();
    ASSERT_EQ(
        Run({"practitioners", "create", "--name", "王医生", "--kind",
             "family_doctor", "--facility", facility_id, "--team", kTeam}),
        kExitOk)
        << err_;
    doctor_id_ = Parsed<rehab::v1::Practitioner>().id();
    options_.json = false;
  }

  // The day the server counts as today.
  absl::CivilDay Today() {
    return absl::ToCivilDay(server_->clock().Now(),
                            server_->server().time_zone());
  }

  // The one JSON line of a --json command.
  template <typename Message>
  Message Parsed() {
    Message message;
    const auto status =
        google::protobuf::util::JsonStringToMessage(out_, &message);
    EXPECT_TRUE(status.ok()) << status << "\n" << out_;
    return message;
  }

  // Every JSON line of a --json list.
  template <typename Message>
  std::vector<Message> ParsedLines() {
    std::vector<Message> messages;
    const std::vector<std::string> lines =
        absl::StrSplit(out_, '\n', absl::SkipEmpty());
    for (const std::string& line : lines) {
      Message message;
      const auto status =
          google::protobuf::util::JsonStringToMessage(line, &message);
      EXPECT_TRUE(status.ok()) << status << "\n" << line;
      messages.push_back(std::move(message));
    }
    return messages;
  }

  // Ids of the records of a --json list.
  template <typename Message>
  std::vector<std::string> ListedIds() {
    std::vector<std::string> ids;
    for (const Message& message : ParsedLines<Message>()) {
      ids.push_back(message.id());
    }
    return ids;
  }

  std::string CreatePatient(const std::string& name, int sequence) {
    const std::string id_number = TestIdNumber("320831", "19700101", sequence);
    EXPECT_EQ(Run({"patients", "create", "--name", name, "--id-number",
                   id_number, "--area", "320831101"}),
              kExitOk)
        << err_;
    return client::PatientIdForIdNumber(id_number);
  }

  // `contracts sign` with the doctor, starting `start`, plus `extra` flags;
  // the contract as printed with --json.
  rehab::v1::Contract Sign(const std::string& patient_id, absl::CivilDay start,
                           const std::vector<std::string>& extra = {}) {
    std::vector<std::string> words = {"contracts", "sign",          "--patient",
                                      patient_id,  "--doctor",      doctor_id_,
                                      "--start",   FormatDay(start)};
    words.insert(words.end(), extra.begin(), extra.end());
    const bool json = options_.json;
    options_.json = true;
    EXPECT_EQ(Run(words), kExitOk) << err_;
    options_.json = json;
    return Parsed<rehab::v1::Contract>();
  }

  // A home visit under `contract` logged now by the administrator on the
  // doctor's behalf; with the psychiatric form when `risk_level` is set.
  rehab::v1::Visit LogVisit(const rehab::v1::Contract& contract,
                            std::optional<int> risk_level = std::nullopt) {
    if (sdk_ == nullptr) {
      client::ClientOptions client_options;
      client_options.target = server_->address();
      absl::StatusOr<std::unique_ptr<client::Client>> made =
          client::Client::Create(client_options);
      EXPECT_TRUE(made.ok()) << made.status();
      if (!made.ok()) return {};
      sdk_ = *std::move(made);
      const auto login = sdk_->Login(rehab::testing::kAdminUsername,
                                     rehab::testing::kAdminPassword);
      EXPECT_TRUE(login.ok()) << login.status();
    }
    rehab::v1::CreateVisitRequest request;
    rehab::v1::Visit& visit = *request.mutable_visit();
    visit.set_contract_id(contract.id());
    visit.set_doctor_id(doctor_id_);
    visit.set_mode(rehab::v1::VISIT_MODE_HOME);
    visit.set_informant(rehab::v1::INFORMANT_PATIENT);
    const absl::Time now = server_->clock().Now();
    *visit.mutable_start_time() = Timestamp(now - absl::Minutes(30));
    *visit.mutable_end_time() = Timestamp(now - absl::Minutes(10));
    visit.add_items_delivered(contract.items(0).code());
    if (risk_level.has_value()) {
      visit.set_risk_level(*risk_level);
      visit.set_visit_class(rehab::v1::VISIT_CLASS_UNSTABLE);
      visit.set_adherence(rehab::v1::MEDICATION_ADHERENCE_REGULAR);
    }
    absl::StatusOr<rehab::v1::Visit> created = sdk_->CreateVisit(request);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : rehab::v1::Visit();
  }

  static google::protobuf::Timestamp Timestamp(absl::Time t) {
    google::protobuf::Timestamp out;
    out.set_seconds(absl::ToUnixSeconds(t));
    return out;
  }

  // The terminal column at which `text` starts on `line` (npos: absent).
  static size_t ColumnOf(const std::string& line, const std::string& text) {
    const size_t at = line.find(text);
    return at == std::string::npos ? at : DisplayWidth(line.substr(0, at));
  }

  // The line of the table in out_ that holds `text` ("" when none).
  std::string LineWith(const std::string& text) {
    const std::vector<std::string> lines = absl::StrSplit(out_, '\n');
    for (const std::string& line : lines) {
      if (line.find(text) != std::string::npos) return line;
    }
    return "";
  }

  static constexpr char kTeam[] = "东镇一队";
  // A well-formed id that names nothing.
  static constexpr char kUnknownId[] = "3f2a8c1e-5b7d-4e21-9a0c-6d1f2e3b4a59";
  std::string doctor_id_;
  std::unique_ptr<client::Client> sdk_;
};

TEST_F(RehabctlContractsTest, SignsListsRenewsAndTerminatesAContract) {
  const std::string patient_id = CreatePatient("张三", 1);
  // A term ending about today (tomorrow when it spans 29 February).
  const absl::CivilDay start = Today() - 364;

  const rehab::v1::Contract signed_contract =
      Sign(patient_id, start,
           {"--team", kTeam, "--item", "home_visit:上门随访:4", "--item",
            "basic_care:基本医疗:0"});

  EXPECT_EQ(signed_contract.status(), rehab::v1::CONTRACT_STATUS_ACTIVE);
  EXPECT_EQ(signed_contract.end_date(), FormatDay(OneYearTermEnd(start)));
  EXPECT_EQ(signed_contract.signed_date(), FormatDay(start));
  ASSERT_EQ(signed_contract.items_size(), 2);
  EXPECT_EQ(signed_contract.items(0).name(), "上门随访");
  EXPECT_EQ(signed_contract.items(1).visits_per_year(), 0);
  EXPECT_EQ(signed_contract.team(), kTeam);

  ASSERT_EQ(Run({"contracts", "list", "--doctor", doctor_id_}), kExitOk)
      << err_;
  const std::vector<std::string> lines =
      absl::StrSplit(out_, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << out_;
  EXPECT_THAT(lines[0], HasSubstr("FULFILMENT"));
  const std::string row = LineWith(signed_contract.id());
  EXPECT_THAT(row, HasSubstr(patient_id));
  EXPECT_THAT(row, HasSubstr("active"));
  // No visit in a year that asked for four.
  EXPECT_THAT(row, HasSubstr("  0%"));
  // Columns after the team's wide characters still line up.
  EXPECT_EQ(ColumnOf(row, kTeam), ColumnOf(lines[0], "TEAM"));
  EXPECT_EQ(ColumnOf(row, "active"), ColumnOf(lines[0], "STATUS"));

  options_.json = true;
  ASSERT_EQ(Run({"contracts", "renew", signed_contract.id(), "--version",
                 std::to_string(signed_contract.version())}),
            kExitOk)
      << err_;
  const rehab::v1::Contract renewed = Parsed<rehab::v1::Contract>();
  EXPECT_NE(renewed.id(), signed_contract.id());
  EXPECT_EQ(renewed.renews_id(), signed_contract.id());
  const absl::CivilDay renewed_start = OneYearTermEnd(start) + 1;
  EXPECT_EQ(renewed.start_date(), FormatDay(renewed_start));
  EXPECT_EQ(renewed.end_date(), FormatDay(OneYearTermEnd(renewed_start)));
  EXPECT_EQ(renewed.items_size(), 2);
  ASSERT_EQ(Run({"contracts", "get", signed_contract.id()}), kExitOk) << err_;
  EXPECT_EQ(Parsed<rehab::v1::Contract>().status(),
            rehab::v1::CONTRACT_STATUS_RENEWED);
  EXPECT_EQ(Parsed<rehab::v1::Contract>().renewed_by_id(), renewed.id());

  // Once the new term has begun, it can be ended.
  server_->clock().Advance(absl::Hours(24) * (renewed_start - Today()));
  ASSERT_EQ(Today(), renewed_start);
  EXPECT_EQ(Run({"contracts", "terminate", renewed.id(), "--version",
                 std::to_string(renewed.version()), "--reason", ""}),
            kExitInvalidArgument);
  EXPECT_THAT(err_, HasSubstr("reason"));
  EXPECT_EQ(Run({"contracts", "terminate", renewed.id(), "--version",
                 std::to_string(renewed.version() + 1), "--reason", "迁出"}),
            kExitConflict);
  ASSERT_EQ(Run({"contracts", "terminate", renewed.id(), "--version",
                 std::to_string(renewed.version()), "--reason", "迁出本县"}),
            kExitOk)
      << err_;
  const rehab::v1::Contract terminated = Parsed<rehab::v1::Contract>();
  EXPECT_EQ(terminated.status(), rehab::v1::CONTRACT_STATUS_TERMINATED);
  EXPECT_EQ(terminated.end_reason(), "迁出本县");
  EXPECT_EQ(terminated.ended_date(), FormatDay(Today()));

  ASSERT_EQ(Run({"contracts", "list", "--status", "terminated"}), kExitOk)
      << err_;
  EXPECT_THAT(ListedIds<rehab::v1::Contract>(), ElementsAre(renewed.id()));
}

TEST_F(RehabctlContractsTest, SignsTheDefaultPackageForOneYear) {
  const std::string patient_id = CreatePatient("李四", 2);

  const rehab::v1::Contract contract = Sign(patient_id, Today());

  ASSERT_EQ(contract.items_size(), 1);
  EXPECT_EQ(contract.items(0).code(), "public_health_follow_up");
  EXPECT_EQ(contract.items(0).visits_per_year(), 4);
  EXPECT_EQ(contract.end_date(), FormatDay(OneYearTermEnd(Today())));
  // Signed today by this machine's clock, which may be a day behind the
  // county's; never after the start.
  EXPECT_LE(contract.signed_date(), contract.start_date());
  EXPECT_GE(contract.signed_date(), FormatDay(Today() - 1));
}

TEST_F(RehabctlContractsTest, RefusesBadContractArgumentsNamingThem) {
  const std::string patient_id = CreatePatient("王五", 3);
  const rehab::v1::Contract contract = Sign(patient_id, Today());

  EXPECT_EQ(Run({"contracts", "terminate", contract.id(), "--version",
                 std::to_string(contract.version())}),
            kExitUsage);
  EXPECT_THAT(err_, HasSubstr("--reason is required"));
  EXPECT_EQ(
      Run({"contracts", "sign", "--patient", patient_id, "--doctor", doctor_id_,
           "--start", FormatDay(Today()), "--item", "home_visit:4"}),
      kExitUsage);
  EXPECT_THAT(err_, HasSubstr("CODE:NAME:VISITS_PER_YEAR"));
  EXPECT_EQ(Run({"contracts", "sign", "--patient", patient_id, "--doctor",
                 doctor_id_, "--start", "2026-02-30"}),
            kExitUsage);
  EXPECT_THAT(err_, HasSubstr("--start"));
  EXPECT_EQ(Run({"contracts", "list", "--below", "0.5"}), kExitUsage);
  EXPECT_EQ(Run({"contracts", "list", "--unserved", "--below", "2"}),
            kExitUsage);
  EXPECT_EQ(Run({"contracts", "list", "--status", "lapsed"}), kExitUsage);
  EXPECT_THAT(err_, HasSubstr("active|expired|terminated|renewed"));

  // The server's checks come back with the offending fields.
  const std::string other = CreatePatient("赵六", 4);
  EXPECT_EQ(Run({"contracts", "sign", "--patient", other, "--doctor",
                 doctor_id_, "--start", FormatDay(Today()), "--end",
                 FormatDay(Today() + 30), "--item", "home_visit:上门随访:1"}),
            kExitInvalidArgument);
  EXPECT_THAT(err_, HasSubstr("contract.end_date"));
  EXPECT_THAT(err_, HasSubstr("contract.items"));
  // One active contract per patient.
  EXPECT_EQ(Run({"contracts", "sign", "--patient", patient_id, "--doctor",
                 doctor_id_, "--start", FormatDay(Today())}),
            kExitFailed);
  EXPECT_THAT(err_, HasSubstr("CONTRACT_ALREADY_ACTIVE"));
  EXPECT_EQ(Run({"contracts", "get", kUnknownId}), kExitNotFound);
}

TEST_F(RehabctlContractsTest, ListsContractsExpiringSoonAndThoseNotServed) {
  // Ends today, never visited.
  const rehab::v1::Contract ending =
      Sign(CreatePatient("张三", 1), Today() - 364);
  // Ends in a year, visited.
  const rehab::v1::Contract served =
      Sign(CreatePatient("李四", 2), Today() - 30);
  LogVisit(served);
  // Ends in a year, never visited.
  const rehab::v1::Contract unserved =
      Sign(CreatePatient("王五", 3), Today() - 30);
  options_.json = true;

  ASSERT_EQ(Run({"contracts", "list", "--expiring", "30"}), kExitOk) << err_;
  EXPECT_THAT(ListedIds<rehab::v1::Contract>(), ElementsAre(ending.id()));

  ASSERT_EQ(Run({"contracts", "list", "--unserved"}), kExitOk) << err_;
  EXPECT_THAT(ListedIds<rehab::v1::Contract>(),
              UnorderedElementsAre(ending.id(), unserved.id()));

  ASSERT_EQ(Run({"contracts", "get", served.id()}), kExitOk) << err_;
  const rehab::v1::Contract read = Parsed<rehab::v1::Contract>();
  EXPECT_EQ(read.fulfilment().visits_delivered(), 1);
  EXPECT_EQ(read.fulfilment().rate(), 1.0);

  options_.json = false;
  ASSERT_EQ(Run({"contracts", "list", "--area", "320831101"}), kExitOk) << err_;
  EXPECT_THAT(LineWith(served.id()), HasSubstr("100%"));
  EXPECT_THAT(LineWith(ending.id()), HasSubstr("  0%"));
}

TEST_F(RehabctlContractsTest, ListsVisitsOfAPatient) {
  const std::string visited = CreatePatient("张三", 1);
  const rehab::v1::Contract contract = Sign(visited, Today() - 30);
  const rehab::v1::Visit visit = LogVisit(contract);
  Sign(CreatePatient("李四", 2), Today() - 30);

  ASSERT_EQ(Run({"visits", "list", "--patient", visited}), kExitOk) << err_;
  const std::string row = LineWith(visit.id());
  EXPECT_THAT(row, HasSubstr("home"));
  EXPECT_THAT(row, HasSubstr("public_health_follow_up"));
  EXPECT_THAT(row, HasSubstr(visit.next_due_date()));

  options_.json = true;
  ASSERT_EQ(Run({"visits", "list", "--contract", contract.id(), "--from",
                 FormatDay(Today() - 1), "--to", FormatDay(Today())}),
            kExitOk)
      << err_;
  EXPECT_THAT(ListedIds<rehab::v1::Visit>(), ElementsAre(visit.id()));
  ASSERT_EQ(Run({"visits", "list", "--doctor", doctor_id_, "--to",
                 FormatDay(Today() - 2)}),
            kExitOk)
      << err_;
  EXPECT_THAT(out_, Not(HasSubstr(visit.id())));
}

TEST_F(RehabctlContractsTest, ListsDueFollowUpsMostUrgentFirst) {
  // Four visits a year: the first is due 91 days after the start.
  const std::string overdue = CreatePatient("张三", 1);
  Sign(overdue, Today() - 120);  // due 29 days ago
  const std::string lost = CreatePatient("李四", 2);
  Sign(lost, Today() - 500,  // due 409 days ago: four visits missed
       {"--end", FormatDay(Today() + 200)});
  const std::string visited = CreatePatient("王五", 3);
  LogVisit(Sign(visited, Today() - 30));  // next due in about 90 days

  ASSERT_EQ(Run({"followups", "due"}), kExitOk) << err_;
  EXPECT_THAT(LineWith(overdue), HasSubstr("first_visit"));
  EXPECT_THAT(LineWith(overdue), HasSubstr(FormatDay(Today() - 29)));
  EXPECT_THAT(LineWith(overdue), HasSubstr(" 29 "));
  EXPECT_THAT(out_, Not(HasSubstr(visited)));

  options_.json = true;
  ASSERT_EQ(Run({"followups", "due", "--doctor", doctor_id_}), kExitOk) << err_;
  std::vector<rehab::v1::FollowUp> due = ParsedLines<rehab::v1::FollowUp>();
  ASSERT_EQ(due.size(), 2u) << out_;
  EXPECT_EQ(due[0].patient_id(), lost);
  EXPECT_TRUE(due[0].lost_to_follow_up());
  EXPECT_EQ(due[1].patient_id(), overdue);
  EXPECT_EQ(due[1].days_overdue(), 29);
  EXPECT_EQ(due[1].interval_days(), 91);

  ASSERT_EQ(Run({"followups", "due", "--lost"}), kExitOk) << err_;
  due = ParsedLines<rehab::v1::FollowUp>();
  ASSERT_EQ(due.size(), 1u) << out_;
  EXPECT_EQ(due[0].patient_id(), lost);

  ASSERT_EQ(Run({"followups", "due", "--within", "100", "--area", "320831101"}),
            kExitOk)
      << err_;
  EXPECT_EQ(ParsedLines<rehab::v1::FollowUp>().size(), 3u) << out_;
  EXPECT_EQ(Run({"followups", "due", "--within", "0"}), kExitUsage);
}

TEST_F(RehabctlContractsTest, ListsAndAcknowledgesAHighRiskAlert) {
  const std::string patient_id = CreatePatient("张三", 1);
  ASSERT_EQ(Run({"enrollments", "create", "--patient", patient_id, "--program",
                 "psychiatric_management", "--start", FormatDay(Today() - 60)}),
            kExitOk)
      << err_;
  const rehab::v1::Visit visit =
      LogVisit(Sign(patient_id, Today() - 30), /*risk_level=*/4);

  ASSERT_EQ(Run({"alerts", "list", "--kind", "high_risk_visit", "--area",
                 "320831101"}),
            kExitOk)
      << err_;
  EXPECT_THAT(out_, HasSubstr("DETAIL"));
  const std::string row = LineWith(patient_id);
  EXPECT_THAT(row, HasSubstr("high_risk_visit"));
  EXPECT_THAT(row, HasSubstr("open"));

  options_.json = true;
  ASSERT_EQ(Run({"alerts", "list", "--patient", patient_id, "--kind",
                 "high_risk_visit", "--state", "open"}),
            kExitOk)
      << err_;
  const std::vector<rehab::v1::Alert> alerts = ParsedLines<rehab::v1::Alert>();
  ASSERT_EQ(alerts.size(), 1u) << out_;
  EXPECT_EQ(alerts[0].source_id(), visit.id());

  ASSERT_EQ(Run({"alerts", "ack", alerts[0].id(), "--note", "已电话联系家属"}),
            kExitOk)
      << err_;
  const rehab::v1::Alert acknowledged = Parsed<rehab::v1::Alert>();
  EXPECT_EQ(acknowledged.state(), rehab::v1::ALERT_STATE_ACKNOWLEDGED);
  EXPECT_EQ(acknowledged.acknowledge_note(), "已电话联系家属");

  ASSERT_EQ(Run({"alerts", "list", "--patient", patient_id, "--kind",
                 "high_risk_visit", "--state", "open"}),
            kExitOk)
      << err_;
  EXPECT_THAT(out_, IsEmpty());
  ASSERT_EQ(Run({"alerts", "list", "--state", "acknowledged"}), kExitOk)
      << err_;
  EXPECT_THAT(ListedIds<rehab::v1::Alert>(), ElementsAre(alerts[0].id()));
  EXPECT_EQ(Run({"alerts", "list", "--state", "closed"}), kExitUsage);
  EXPECT_EQ(Run({"alerts", "ack", kUnknownId}), kExitNotFound);
}

}  // namespace
}  // namespace rehab::rehabctl
