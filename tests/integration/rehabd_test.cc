// The rehabd binary: flags and their exit codes, --bootstrap_admin, and a
// clean stop on SIGTERM. REHABD_PATH names the binary under test.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "rehab/v1/auth.grpc.pb.h"

namespace rehab {
namespace {

namespace v1 = ::rehab::v1;

// A child rehabd whose stdout and stderr go to one pipe.
struct Child {
  pid_t pid = -1;
  int output_fd = -1;
};

Child Spawn(const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    // No terminal: a password prompt must not hang the test.
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    for (const auto& [key, value] : env) setenv(key.c_str(), value.c_str(), 1);
    std::vector<char*> argv;
    std::string path = REHABD_PATH;
    argv.push_back(path.data());
    std::vector<std::string> copies = args;
    for (std::string& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  return Child{pid, fds[0]};
}

// Reads until end of file.
std::string ReadAll(int fd) {
  std::string out;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

int WaitExit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct Result {
  int exit_code;
  std::string output;
};

Result RunRehabd(const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env = {}) {
  Child child = Spawn(args, env);
  std::string output = ReadAll(child.output_fd);
  close(child.output_fd);
  return {WaitExit(child.pid), output};
}

class RehabdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat(
               "rehabd-test-", getpid(), "-",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "rehab.db").string();
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::filesystem::path dir_;
  std::string db_;
};

TEST_F(RehabdTest, UnknownFlagExitsWithTwo) {
  Result r = RunRehabd({"--db=" + db_, "--no_such_flag=1"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "no_such_flag")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(db_));
}

TEST_F(RehabdTest, BadFlagValuesExitWithTwo) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--workers=many"},
                                             {"--workers=0"},
                                             {"--access_token_ttl=soon"},
                                             {"--log_level=loud"},
                                             {"--reflection=maybe"},
                                             {"--listen"},
                                             {"positional"}}) {
    Result r = RunRehabd(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "rehabd:")) << r.output;
  }
}

TEST_F(RehabdTest, BadFollowUpRulesFileExitsWithTwoNamingTheLine) {
  const std::string rules = (dir_ / "rules.txt").string();
  {
    std::ofstream out(rules);
    out << "# county rules\nstable_days = 60\nunstable_days = soon\n";
  }
  Result r = RunRehabd({"--db=" + db_, "--follow_up_rules=" + rules});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "follow_up_rules")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "3")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(db_));

  r = RunRehabd({"--db=" + db_,
                 "--follow_up_rules=" + (dir_ / "missing.txt").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST_F(RehabdTest, HelpListsTheFlags) {
  Result r = RunRehabd({"--help"});
  for (const char* flag :
       {"-listen", "-db", "-tls_cert", "-tls_key", "-tls_client_ca",
        "-allow_insecure", "-reflection", "-log_level", "-time_zone",
        "-workers", "-bootstrap_admin", "-demo", "-access_token_ttl"}) {
    EXPECT_TRUE(absl::StrContains(r.output, flag)) << flag << "\n" << r.output;
  }
}

TEST_F(RehabdTest, BootstrapAdminCreatesOnceThenRefusesTheTakenName) {
  const std::map<std::string, std::string> env = {
      {"REHAB_BOOTSTRAP_PASSWORD", "first-admin-pw"}};
  Result first = RunRehabd({"--db=" + db_, "--bootstrap_admin=root"}, env);
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_TRUE(absl::StrContains(first.output, "root")) << first.output;
  EXPECT_FALSE(absl::StrContains(first.output, "first-admin-pw"));

  Result second = RunRehabd({"--db=" + db_, "--bootstrap_admin=root"}, env);
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_TRUE(absl::StrContains(second.output, "taken")) << second.output;
}

TEST_F(RehabdTest, BootstrapWithoutPasswordOrTerminalFails) {
  Result r = RunRehabd({"--db=" + db_, "--bootstrap_admin=root"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "REHAB_BOOTSTRAP_PASSWORD"))
      << r.output;
}

TEST_F(RehabdTest, PlaintextOnAPublicAddressExitsWithOne) {
  Result r = RunRehabd({"--db=" + db_, "--listen=0.0.0.0:0"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "--allow_insecure")) << r.output;
}

TEST_F(RehabdTest, ServesAndStopsCleanlyOnSigterm) {
  const std::map<std::string, std::string> env = {
      {"REHAB_BOOTSTRAP_PASSWORD", "admin-password-9"}};
  ASSERT_EQ(RunRehabd({"--db=" + db_, "--bootstrap_admin=boss"}, env).exit_code,
            0);

  // An idle client acknowledges the server's goodbye only when its
  // background poller wakes (every 5 s); a short grace cuts that wait.
  Child child = Spawn(
      {"--db=" + db_, "--listen=127.0.0.1:0", "--shutdown_grace=500ms"}, {});
  // Read until the banner names the port.
  std::string output;
  int port = 0;
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (port == 0 && absl::Now() < give_up) {
    char buffer[512];
    const ssize_t n = read(child.output_fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
    const size_t at = output.find("(port ");
    if (at != std::string::npos) {
      const size_t end = output.find(',', at);
      if (end != std::string::npos) {
        ASSERT_TRUE(
            absl::SimpleAtoi(output.substr(at + 6, end - at - 6), &port))
            << output;
      }
    }
  }
  ASSERT_NE(port, 0) << output;

  auto stub = v1::AuthService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  v1::LoginRequest login;
  login.set_username("boss");
  login.set_password("admin-password-9");
  v1::LoginResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::Status status = stub->Login(&context, login, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();

  ASSERT_EQ(kill(child.pid, SIGTERM), 0);
  output += ReadAll(child.output_fd);
  close(child.output_fd);
  EXPECT_EQ(WaitExit(child.pid), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "server_stopped")) << output;
}

}  // namespace
}  // namespace rehab
