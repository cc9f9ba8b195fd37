// rehabctl's commands against a real rehabd (in-process, temporary
// database), through RunCommand as main() calls it.
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rehab/client/ids.h"
#include "tests/integration/test_server.h"
#include "tools/rehabctl/commands.h"
#include "tools/rehabctl/exit_codes.h"
#include "tools/rehabctl/session_file.h"

namespace rehab::rehabctl {
namespace {

using rehab::testing::TestIdNumber;
using rehab::testing::TestServer;
using ::testing::HasSubstr;
using ::testing::Not;

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

}  // namespace
}  // namespace rehab::rehabctl
