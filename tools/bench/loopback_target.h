// The load generator may only load the machine it runs on: its target must
// name a loopback address.
#ifndef REHAB_TOOLS_BENCH_LOOPBACK_TARGET_H_
#define REHAB_TOOLS_BENCH_LOOPBACK_TARGET_H_

#include <string>

#include "absl/status/status.h"

namespace rehab::bench {

// OK when `target` is "HOST:PORT" with HOST one of: a dotted IPv4 address
// in 127.0.0.0/8, "localhost", or "[::1]"; and PORT a number 1..65535.
// INVALID_ARGUMENT saying why otherwise (any other host, a name-resolver
// scheme such as "dns:///", a missing or bad port).
absl::Status CheckLoopbackTarget(const std::string& target);

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_LOOPBACK_TARGET_H_
