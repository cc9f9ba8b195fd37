// Who is making a call: the authenticated account, as the access policy sees
// it. Built by the API layer from the access token, passed to every domain
// operation.
#ifndef REHAB_SERVER_DOMAIN_CALLER_H_
#define REHAB_SERVER_DOMAIN_CALLER_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "rehab/v1/common.pb.h"

namespace rehab {

struct Caller {
  std::string account_id;
  std::string username;
  rehab::v1::Role role = rehab::v1::ROLE_UNSPECIFIED;
  // Area (supervisor), facility (staff, kiosk), practitioner (doctor) or
  // patient (patient); empty for an administrator.
  std::string scope_id;
  // For a supervisor: the code of the area `scope_id` names (the subtree
  // is every area whose code starts with it).
  std::string scope_area_code;
  // For a family doctor: the team of the practitioner `scope_id` names
  // (empty when none); the team's contracts are the doctor's too.
  std::string scope_team;
  // Patients a PATIENT account also acts for (guardians).
  std::vector<std::string> ward_ids;
  // Supervisors: may see psychiatric patients' identities.
  bool psychiatric_identity = false;
  // Patients granted through break-glass, still unexpired.
  std::vector<std::string> break_glass_patient_ids;
  // Device and peer, for records and the audit trail.
  std::string device_id;
  std::string peer;

  // The system itself (migrations, demo seeding, bootstrap): acts as an
  // administrator with author "system".
  static Caller System();
};

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_CALLER_H_
