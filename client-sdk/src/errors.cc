#include "rehab/client/errors.h"

#include <utility>

#include "server/common/errors.h"

namespace rehab::client {

std::string ErrorReason(const absl::Status& status) {
  return rehab::ReasonOf(status);
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  for (rehab::FieldViolation& v : rehab::FieldViolationsOf(status)) {
    out.push_back({std::move(v.field), std::move(v.description)});
  }
  return out;
}

}  // namespace rehab::client
