// Helpers shared by the domain tests: the field paths an error names, the
// callers of the managers, a patient that validates, a small model county
// put into a store, and the patient scopes and change feed that the tests
// of every Store implementation use.
#ifndef REHAB_TESTS_SERVER_DOMAIN_DOMAIN_TEST_UTIL_H_
#define REHAB_TESTS_SERVER_DOMAIN_DOMAIN_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "rehab/v1/common.pb.h"
#include "rehab/v1/patient.pb.h"
#include "server/domain/caller.h"
#include "server/domain/store.h"

namespace rehab::domain_test {

// The field paths of the BadRequest violations of `status`, in order
// (empty when it has none).
std::vector<std::string> FieldsOf(const absl::Status& status);

// An administrator: account "acct-admin", role ROLE_ADMIN, no scope.
Caller Admin();

// A patient that validates: "Wang Fang", ID number 11010519491231002X (a
// woman born 1949-12-31), area "area-1"; no id and nothing else set.
rehab::v1::Patient MakePatient();

// The model county PutModelCounty writes: county 320831 with townships
// 320831100 and 320831200, village 320831100001 under the first and
// 320831200001 under the second, and a rehab station in each village.
inline constexpr char kCounty[] = "a0000000-0000-4000-8000-000000000001";
inline constexpr char kTownship1[] = "a0000000-0000-4000-8000-000000000002";
inline constexpr char kTownship2[] = "a0000000-0000-4000-8000-000000000003";
inline constexpr char kVillage1[] = "a0000000-0000-4000-8000-000000000004";
inline constexpr char kVillage2[] = "a0000000-0000-4000-8000-000000000005";
inline constexpr char kStation1[] = "f0000000-0000-4000-8000-000000000001";
inline constexpr char kStation2[] = "f0000000-0000-4000-8000-000000000002";

// 2024-06-01 12:00 in the county (UTC+8).
inline const absl::Time kStart = absl::FromUnixSeconds(1717214400);

// Writes the model county's areas and stations into `store` in one write.
absl::Status PutModelCounty(Store& store);

// A valid ID number of the model county: birth date YYYYMMDD and a
// 3-digit sequence (odd: male).
std::string IdNumber(const std::string& birth, int sequence);

// A supervisor scoped to the area `area_id` with code `code`; account
// "acct-sup-<code>", with "-id" appended when `psychiatric_identity`.
Caller Supervisor(const std::string& area_id, const std::string& code,
                  bool psychiatric_identity = false);

// An account of `role` scoped to the facility `facility_id`; account
// "acct-<ROLE_NAME>-<facility_id>".
Caller AtFacility(rehab::v1::Role role, const std::string& facility_id);

// A scope of `kind` with nothing else set.
PatientScope ScopeOf(PatientScope::Kind kind);
// kAreaSubtree of the area with `code`.
PatientScope AreaScope(const std::string& code);
// kFacility of `facility_id`.
PatientScope FacilityScope(const std::string& facility_id);
// kPatients of `ids`.
PatientScope PatientsScope(std::vector<std::string> ids);

// Feed entries as "<kind> <collection>/<id>" lines (kind "upsert",
// "tombstone" or "removed"), in the order given.
std::vector<std::string> DescribeFeed(const std::vector<FeedEntry>& entries);

}  // namespace rehab::domain_test

#endif  // REHAB_TESTS_SERVER_DOMAIN_DOMAIN_TEST_UTIL_H_
