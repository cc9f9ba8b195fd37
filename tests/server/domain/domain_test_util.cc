#include "tests/server/domain/domain_test_util.h"

#include "server/common/errors.h"

namespace rehab::domain_test {

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(status)) {
    fields.push_back(v.field);
  }
  return fields;
}

Caller Admin() {
  Caller c;
  c.account_id = "acct-admin";
  c.role = rehab::v1::ROLE_ADMIN;
  return c;
}

rehab::v1::Patient MakePatient() {
  rehab::v1::Patient p;
  p.set_name("Wang Fang");
  p.set_id_number("11010519491231002X");
  p.set_area_id("area-1");
  return p;
}

}  // namespace rehab::domain_test
