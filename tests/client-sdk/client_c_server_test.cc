// Runs the C ABI's tests (client_c_test.c) against a real server started
// in-process; this file only prepares the server side.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "tests/client-sdk/client_c_test.h"
#include "tests/integration/test_server.h"

namespace rehab::client {
namespace {

using rehab::testing::TestIdNumber;
using rehab::testing::TestServer;

constexpr size_t kFailureSize = 4096;

TEST(ClientCTest, RoundTripsThroughOutboxSyncAndCache) {
  std::unique_ptr<TestServer> server = TestServer::StartOrDie();
  const rehab::v1::Area county = server->CreateArea("320831", "County");
  const rehab::v1::Area town =
      server->CreateArea("320831101", "Town", county.id());
  const rehab::v1::Facility station = server->CreateFacility(
      "Station", rehab::v1::FACILITY_TYPE_REHAB_STATION, town.id());
  const rehab::v1::Account staff = server->CreateAccount(
      "c.staff", rehab::v1::ROLE_FACILITY_STAFF, station.id());
  ASSERT_FALSE(staff.id().empty());

  const std::string id_number = TestIdNumber("320831", "19800101", 11);
  // A well-formed number whose check character is wrong.
  std::string bad_id_number = TestIdNumber("320831", "19800102", 13);
  bad_id_number.back() = bad_id_number.back() == '0' ? '1' : '0';
  const std::string db_path = server->dir() + "/device.db";

  const c_abi_fixture fixture = {server->address().c_str(),
                                 "c.staff",
                                 rehab::testing::kTestPassword,
                                 db_path.c_str(),
                                 town.id().c_str(),
                                 station.id().c_str(),
                                 id_number.c_str(),
                                 bad_id_number.c_str()};
  char failure[kFailureSize] = "";
  EXPECT_EQ(c_abi_round_trip(&fixture, failure, sizeof(failure)), 0) << failure;
}

TEST(ClientCTest, RefusesNullAndGarbageArgumentsWithTheirNames) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) /
      ("client-c-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string db_path = (dir / "device.db").string();
  char failure[kFailureSize] = "";
  EXPECT_EQ(c_abi_bad_arguments(db_path.c_str(), failure, sizeof(failure)), 0)
      << failure;
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace rehab::client
