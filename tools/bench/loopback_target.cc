#include "tools/bench/loopback_target.h"

#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rehab::bench {
namespace {

bool IsDecimalOctet(const std::string& text, int* value) {
  if (text.empty() || text.size() > 3) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(text, value) && *value <= 255;
}

bool IsLoopbackIpv4(const std::string& host) {
  const std::vector<std::string> parts = absl::StrSplit(host, '.');
  if (parts.size() != 4) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    int octet = 0;
    if (!IsDecimalOctet(parts[i], &octet)) return false;
    if (i == 0 && octet != 127) return false;
  }
  return true;
}

}  // namespace

absl::Status CheckLoopbackTarget(const std::string& target) {
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--target \"", target, "\" must be HOST:PORT"));
  }
  const std::string host = target.substr(0, colon);
  const std::string port_text = target.substr(colon + 1);
  int port = 0;
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--target \"", target, "\": the port must be a number 1..65535"));
  }
  if (host == "localhost" || host == "[::1]" || IsLoopbackIpv4(host)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--target \"", target,
      "\": rehab_load only loads this machine; the host must be in "
      "127.0.0.0/8, localhost or [::1]"));
}

}  // namespace rehab::bench
