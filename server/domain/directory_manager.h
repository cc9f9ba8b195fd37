// The directory: areas, facilities, practitioners and accounts.
// Administrators write; reads are open to administrators and supervisors
// (and to staff and doctors for the facilities and practitioners their work
// needs). Patients and kiosks get PERMISSION_DENIED.
#ifndef REHAB_SERVER_DOMAIN_DIRECTORY_MANAGER_H_
#define REHAB_SERVER_DOMAIN_DIRECTORY_MANAGER_H_

#include "absl/status/statusor.h"
#include "rehab/v1/directory.pb.h"
#include "server/common/clock.h"
#include "server/domain/caller.h"
#include "server/domain/password_hasher.h"
#include "server/domain/store.h"

namespace rehab {

// Thread-safe. Creates are idempotent by id (same content: the stored
// record; other content: ALREADY_EXISTS); bad input is INVALID_ARGUMENT
// naming the field (e.g. "area.code") and writes nothing.
class DirectoryManager {
 public:
  DirectoryManager(Store* store, const Clock* clock,
                   const PasswordHasher* hasher);

  // The code must have 6, 9 or 12 digits and extend the parent's code, the
  // parent one level up (none for a county). Codes are unique.
  absl::StatusOr<rehab::v1::Area> CreateArea(
      const Caller& caller, const rehab::v1::CreateAreaRequest& request);
  absl::StatusOr<rehab::v1::ListAreasResponse> ListAreas(
      const Caller& caller, const rehab::v1::ListAreasRequest& request);

  absl::StatusOr<rehab::v1::Facility> CreateFacility(
      const Caller& caller, const rehab::v1::CreateFacilityRequest& request);
  absl::StatusOr<rehab::v1::ListFacilitiesResponse> ListFacilities(
      const Caller& caller, const rehab::v1::ListFacilitiesRequest& request);

  absl::StatusOr<rehab::v1::Practitioner> CreatePractitioner(
      const Caller& caller,
      const rehab::v1::CreatePractitionerRequest& request);
  absl::StatusOr<rehab::v1::ListPractitionersResponse> ListPractitioners(
      const Caller& caller, const rehab::v1::ListPractitionersRequest& request);

  // The scope must name a record of the role's kind (DESIGN.md section 7);
  // usernames are unique; passwords at least 8 characters.
  absl::StatusOr<rehab::v1::Account> CreateAccount(
      const Caller& caller, const rehab::v1::CreateAccountRequest& request);
  absl::StatusOr<rehab::v1::ListAccountsResponse> ListAccounts(
      const Caller& caller, const rehab::v1::ListAccountsRequest& request);
  // Disables the account and revokes its tokens at once. Idempotent.
  absl::StatusOr<rehab::v1::Account> DisableAccount(
      const Caller& caller, const rehab::v1::DisableAccountRequest& request);

 private:
  Store* const store_;
  const Clock* const clock_;
  const PasswordHasher* const hasher_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_DIRECTORY_MANAGER_H_
