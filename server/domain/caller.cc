#include "server/domain/caller.h"

namespace rehab {

Caller Caller::System() {
  Caller caller;
  caller.account_id = "system";
  caller.username = "system";
  caller.role = rehab::v1::ROLE_ADMIN;
  return caller;
}

}  // namespace rehab
