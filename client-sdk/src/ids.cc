#include "rehab/client/ids.h"

#include "absl/strings/ascii.h"
#include "server/common/ids.h"

namespace rehab::client {

std::string PatientIdForIdNumber(std::string_view id_number) {
  std::string key(id_number);
  absl::StripAsciiWhitespace(&key);
  absl::AsciiStrToUpper(&key);
  return rehab::NameUuid("rehab.patient", key);
}

}  // namespace rehab::client
