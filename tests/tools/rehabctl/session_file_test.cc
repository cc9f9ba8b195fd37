#include "tools/rehabctl/session_file.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace rehab::rehabctl {
namespace {

std::string TempDir() {
  std::string pattern =
      (std::filesystem::path(::testing::TempDir()) / "rehabctl-session-XXXXXX")
          .string();
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

mode_t ModeOf(const std::string& path) {
  struct stat info;
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

TEST(SessionFileTest, SavesOwnerOnlyAndLoadsWhatItSaved) {
  const std::string dir = TempDir();
  const SessionFile file(dir + "/config/rehabctl/session.json");
  const SavedSession saved{"127.0.0.1:50051", "admin", "access-1", "refresh-1",
                           "/etc/ca.pem"};

  ASSERT_TRUE(file.Save(saved).ok());

  EXPECT_EQ(ModeOf(file.path()), 0600u);
  EXPECT_EQ(ModeOf(dir + "/config/rehabctl"), 0700u);
  absl::StatusOr<SavedSession> loaded = file.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->server, saved.server);
  EXPECT_EQ(loaded->username, saved.username);
  EXPECT_EQ(loaded->access_token, saved.access_token);
  EXPECT_EQ(loaded->refresh_token, saved.refresh_token);
  EXPECT_EQ(loaded->tls_ca, saved.tls_ca);
  std::filesystem::remove_all(dir);
}

TEST(SessionFileTest, ReplacesTheFileAndRemovesIt) {
  const std::string dir = TempDir();
  const SessionFile file(dir + "/session.json");
  ASSERT_TRUE(file.Save({"s", "u", "a1", "r1", ""}).ok());
  ASSERT_TRUE(file.Save({"s", "u", "a2", "r2", ""}).ok());

  EXPECT_EQ(file.Load()->access_token, "a2");
  EXPECT_FALSE(std::filesystem::exists(file.path() + ".tmp"));
  ASSERT_TRUE(file.Remove().ok());
  EXPECT_EQ(file.Load().status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(file.Remove().ok());
  std::filesystem::remove_all(dir);
}

TEST(SessionFileTest, RefusesAFileItDidNotWrite) {
  const std::string dir = TempDir();
  const std::string path = dir + "/session.json";
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("not json", f);
  fclose(f);

  EXPECT_EQ(SessionFile(path).Load().status().code(),
            absl::StatusCode::kDataLoss);
  std::filesystem::remove_all(dir);
}

TEST(SessionFileTest, DefaultPathFollowsXdgConfigHome) {
  const char* old = getenv("XDG_CONFIG_HOME");
  const std::string saved = old == nullptr ? "" : old;
  const char* old_home = getenv("HOME");
  const std::string saved_home = old_home == nullptr ? "" : old_home;
  setenv("XDG_CONFIG_HOME", "/x/config", 1);
  EXPECT_EQ(*SessionFile::DefaultPath(), "/x/config/rehabctl/session.json");
  setenv("XDG_CONFIG_HOME", "relative", 1);
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(*SessionFile::DefaultPath(),
            "/home/u/.config/rehabctl/session.json");
  if (old == nullptr) {
    unsetenv("XDG_CONFIG_HOME");
  } else {
    setenv("XDG_CONFIG_HOME", saved.c_str(), 1);
  }
  if (old_home == nullptr) {
    unsetenv("HOME");
  } else {
    setenv("HOME", saved_home.c_str(), 1);
  }
}

}  // namespace
}  // namespace rehab::rehabctl
