#include "tools/bench/loopback_target.h"

#include <string>

#include "gtest/gtest.h"

namespace rehab::bench {
namespace {

TEST(LoopbackTargetTest, AcceptsLoopbackHosts) {
  for (const std::string target :
       {"127.0.0.1:50051", "127.1.2.3:1", "localhost:65535", "[::1]:50051"}) {
    EXPECT_TRUE(CheckLoopbackTarget(target).ok()) << target;
  }
}

TEST(LoopbackTargetTest, RefusesOtherHosts) {
  for (const std::string target :
       {"10.0.0.1:50051", "128.0.0.1:50051", "0.0.0.0:50051",
        "example.com:50051", "localhost.example.com:50051", "[::2]:50051",
        "[::]:50051", "127.0.0.1.example.com:50051", "127.0.0.256:50051",
        "dns:///localhost:50051", "ipv4:10.0.0.1:50051", ":50051"}) {
    const absl::Status status = CheckLoopbackTarget(target);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << target;
  }
}

TEST(LoopbackTargetTest, RefusesAMissingOrBadPort) {
  for (const std::string target :
       {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
        "127.0.0.1:http", "localhost:-1"}) {
    EXPECT_EQ(CheckLoopbackTarget(target).code(),
              absl::StatusCode::kInvalidArgument)
        << target;
  }
}

}  // namespace
}  // namespace rehab::bench
