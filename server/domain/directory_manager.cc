#include "server/domain/directory_manager.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/access_policy.h"
#include "server/domain/page_token.h"
#include "server/domain/resource.h"
#include "server/domain/validation.h"

namespace rehab {
namespace {

using rehab::v1::Account;
using rehab::v1::Area;
using rehab::v1::Facility;
using rehab::v1::Practitioner;

// Page-token names: a token of one list is refused by another.
constexpr char kListAreas[] = "ListAreas";
constexpr char kListFacilities[] = "ListFacilities";
constexpr char kListPractitioners[] = "ListPractitioners";
constexpr char kListAccounts[] = "ListAccounts";

absl::Status RequireAdmin(const Caller& caller, std::string_view action) {
  return AccessPolicy::RequireRole(caller, {rehab::v1::ROLE_ADMIN}, action);
}

// Facilities and practitioners are what every working role's screens need;
// patients and kiosks have no use for the directory.
absl::Status RequireDirectoryReader(const Caller& caller,
                                    std::string_view action) {
  return AccessPolicy::RequireRole(
      caller,
      {rehab::v1::ROLE_ADMIN, rehab::v1::ROLE_SUPERVISOR,
       rehab::v1::ROLE_FAMILY_DOCTOR, rehab::v1::ROLE_FACILITY_STAFF},
      action);
}

absl::Status AlreadyExists(const std::string& message) {
  return ErrorWithReason(absl::StatusCode::kAlreadyExists, message,
                         kReasonAlreadyExists);
}

// The area code that stands for `area_id` in a subtree filter; "" when no
// area is asked for. INVALID_ARGUMENT on `field` for an unknown area.
absl::StatusOr<std::string> AreaCodeFilter(ReadTxn& txn,
                                           const std::string& area_id,
                                           std::string_view field) {
  if (area_id.empty()) return std::string();
  ASSIGN_OR_RETURN(std::optional<Area> area, txn.GetArea(area_id));
  if (!area.has_value()) return InvalidArgumentError(field, "no such area");
  return area->code();
}

// The scope of an account must name a record of the kind its role acts
// for (DESIGN.md section 7); ValidateAccount has checked the fields
// themselves.
absl::Status CheckAccountScope(ReadTxn& txn, const Account& account) {
  constexpr char kScopeField[] = "account.scope_id";
  const std::string& scope = account.scope_id();
  bool found = true;
  std::string_view kind;
  switch (account.role()) {
    case rehab::v1::ROLE_ADMIN:
      return absl::OkStatus();
    case rehab::v1::ROLE_SUPERVISOR: {
      kind = "an area";
      ASSIGN_OR_RETURN(std::optional<Area> area, txn.GetArea(scope));
      found = area.has_value();
      break;
    }
    case rehab::v1::ROLE_FACILITY_STAFF:
    case rehab::v1::ROLE_KIOSK: {
      kind = "a facility";
      ASSIGN_OR_RETURN(std::optional<Facility> facility,
                       txn.GetFacility(scope));
      found = facility.has_value();
      break;
    }
    case rehab::v1::ROLE_FAMILY_DOCTOR: {
      kind = "a practitioner";
      ASSIGN_OR_RETURN(std::optional<Practitioner> practitioner,
                       txn.GetPractitioner(scope));
      found = practitioner.has_value();
      break;
    }
    case rehab::v1::ROLE_PATIENT: {
      kind = "a patient";
      ASSIGN_OR_RETURN(std::optional<rehab::v1::Patient> patient,
                       txn.GetPatient(scope));
      found = patient.has_value();
      break;
    }
    default:
      return InvalidArgumentError("account.role", "unknown role");
  }
  if (!found) {
    return InvalidArgumentError(
        kScopeField, absl::StrCat("must name ", std::string(kind), " for role ",
                                  rehab::v1::Role_Name(account.role())));
  }
  FieldViolations violations;
  for (const std::string& ward : account.ward_ids()) {
    ASSIGN_OR_RETURN(std::optional<rehab::v1::Patient> patient,
                     txn.GetPatient(ward));
    if (!patient.has_value()) {
      violations.Add("account.ward_ids",
                     absl::StrCat("no such patient: ", ward));
    }
  }
  return violations.ToStatus();
}

}  // namespace

DirectoryManager::DirectoryManager(Store* store, const Clock* clock,
                                   const PasswordHasher* hasher)
    : store_(store), clock_(clock), hasher_(hasher) {}

absl::StatusOr<Area> DirectoryManager::CreateArea(
    const Caller& caller, const rehab::v1::CreateAreaRequest& request) {
  RETURN_IF_ERROR(RequireAdmin(caller, "create areas"));
  Area area = request.area();
  ClearServerFields(area);
  area.set_parent_id(CanonicalizeUuid(area.parent_id()));
  RETURN_IF_ERROR(StampCreate(area, caller, clock_->Now(), "area"));

  Area result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    std::optional<Area> parent;
    if (!area.parent_id().empty()) {
      ASSIGN_OR_RETURN(parent, txn.GetArea(area.parent_id()));
      if (!parent.has_value()) {
        return InvalidArgumentError("area.parent_id", "no such area");
      }
    }
    RETURN_IF_ERROR(
        ValidateArea(area, parent.has_value() ? &*parent : nullptr));
    ASSIGN_OR_RETURN(std::optional<Area> stored, txn.GetArea(area.id()));
    if (stored.has_value()) {
      RETURN_IF_ERROR(CheckRepeatedCreate(area, *stored, "area"));
      result = *std::move(stored);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(std::optional<Area> same_code,
                     txn.GetAreaByCode(area.code()));
    if (same_code.has_value()) {
      return AlreadyExists(
          absl::StrCat("an area with code ", area.code(), " already exists"));
    }
    RETURN_IF_ERROR(txn.PutArea(area));
    result = area;
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<rehab::v1::ListAreasResponse> DirectoryManager::ListAreas(
    const Caller& caller, const rehab::v1::ListAreasRequest& request) {
  RETURN_IF_ERROR(RequireDirectoryReader(caller, "list areas"));
  ASSIGN_OR_RETURN(int32_t page_size, EffectivePageSize(request.page_size()));
  AreaQuery query;
  ASSIGN_OR_RETURN(query.after_code,
                   DecodePageToken(kListAreas, request.page_token()));
  query.parent_id = CanonicalizeUuid(request.parent_id());
  query.limit = page_size + 1;

  std::vector<Area> rows;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(rows, txn.ListAreas(query));
    return absl::OkStatus();
  }));
  rehab::v1::ListAreasResponse response;
  response.set_next_page_token(TrimPage(
      rows, page_size, kListAreas, [](const Area& a) { return a.code(); }));
  for (Area& area : rows) *response.add_areas() = std::move(area);
  return response;
}

absl::StatusOr<Facility> DirectoryManager::CreateFacility(
    const Caller& caller, const rehab::v1::CreateFacilityRequest& request) {
  RETURN_IF_ERROR(RequireAdmin(caller, "create facilities"));
  Facility facility = request.facility();
  ClearServerFields(facility);
  facility.set_area_id(CanonicalizeUuid(facility.area_id()));
  RETURN_IF_ERROR(ValidateFacility(facility));
  RETURN_IF_ERROR(StampCreate(facility, caller, clock_->Now(), "facility"));

  Facility result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Area> area, txn.GetArea(facility.area_id()));
    if (!area.has_value()) {
      return InvalidArgumentError("facility.area_id", "no such area");
    }
    ASSIGN_OR_RETURN(std::optional<Facility> stored,
                     txn.GetFacility(facility.id()));
    if (stored.has_value()) {
      RETURN_IF_ERROR(CheckRepeatedCreate(facility, *stored, "facility"));
      result = *std::move(stored);
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(txn.PutFacility(facility));
    result = facility;
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<rehab::v1::ListFacilitiesResponse>
DirectoryManager::ListFacilities(
    const Caller& caller, const rehab::v1::ListFacilitiesRequest& request) {
  RETURN_IF_ERROR(RequireDirectoryReader(caller, "list facilities"));
  ASSIGN_OR_RETURN(int32_t page_size, EffectivePageSize(request.page_size()));
  FacilityQuery query;
  ASSIGN_OR_RETURN(query.after_id,
                   DecodePageToken(kListFacilities, request.page_token()));
  query.type = request.type();
  query.limit = page_size + 1;
  const std::string area_id = CanonicalizeUuid(request.area_id());

  std::vector<Facility> rows;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(query.area_code_prefix,
                     AreaCodeFilter(txn, area_id, "area_id"));
    ASSIGN_OR_RETURN(rows, txn.ListFacilities(query));
    return absl::OkStatus();
  }));
  rehab::v1::ListFacilitiesResponse response;
  response.set_next_page_token(
      TrimPage(rows, page_size, kListFacilities,
               [](const Facility& f) { return f.id(); }));
  for (Facility& facility : rows) {
    *response.add_facilities() = std::move(facility);
  }
  return response;
}

absl::StatusOr<Practitioner> DirectoryManager::CreatePractitioner(
    const Caller& caller, const rehab::v1::CreatePractitionerRequest& request) {
  RETURN_IF_ERROR(RequireAdmin(caller, "create practitioners"));
  Practitioner practitioner = request.practitioner();
  ClearServerFields(practitioner);
  practitioner.set_facility_id(CanonicalizeUuid(practitioner.facility_id()));
  RETURN_IF_ERROR(ValidatePractitioner(practitioner));
  RETURN_IF_ERROR(
      StampCreate(practitioner, caller, clock_->Now(), "practitioner"));

  Practitioner result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Facility> facility,
                     txn.GetFacility(practitioner.facility_id()));
    if (!facility.has_value()) {
      return InvalidArgumentError("practitioner.facility_id",
                                  "no such facility");
    }
    ASSIGN_OR_RETURN(std::optional<Practitioner> stored,
                     txn.GetPractitioner(practitioner.id()));
    if (stored.has_value()) {
      RETURN_IF_ERROR(
          CheckRepeatedCreate(practitioner, *stored, "practitioner"));
      result = *std::move(stored);
      return absl::OkStatus();
    }
    // A team name is the key of a family-doctor team's shared patients
    // (the access policy), so it names one facility's team only.
    if (!practitioner.team().empty()) {
      PractitionerQuery same_team;
      same_team.team = practitioner.team();
      same_team.limit = 1;
      ASSIGN_OR_RETURN(std::vector<Practitioner> members,
                       txn.ListPractitioners(same_team));
      if (!members.empty() &&
          members.front().facility_id() != practitioner.facility_id()) {
        return InvalidArgumentError(
            "practitioner.team",
            "names a team of another facility (team names are unique in "
            "the county)");
      }
    }
    RETURN_IF_ERROR(txn.PutPractitioner(practitioner));
    result = practitioner;
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<rehab::v1::ListPractitionersResponse>
DirectoryManager::ListPractitioners(
    const Caller& caller, const rehab::v1::ListPractitionersRequest& request) {
  RETURN_IF_ERROR(RequireDirectoryReader(caller, "list practitioners"));
  ASSIGN_OR_RETURN(int32_t page_size, EffectivePageSize(request.page_size()));
  PractitionerQuery query;
  ASSIGN_OR_RETURN(query.after_id,
                   DecodePageToken(kListPractitioners, request.page_token()));
  query.facility_id = CanonicalizeUuid(request.facility_id());
  query.kind = request.kind();
  query.team = request.team();
  query.limit = page_size + 1;

  std::vector<Practitioner> rows;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(rows, txn.ListPractitioners(query));
    return absl::OkStatus();
  }));
  rehab::v1::ListPractitionersResponse response;
  response.set_next_page_token(
      TrimPage(rows, page_size, kListPractitioners,
               [](const Practitioner& p) { return p.id(); }));
  for (Practitioner& practitioner : rows) {
    *response.add_practitioners() = std::move(practitioner);
  }
  return response;
}

absl::StatusOr<Account> DirectoryManager::CreateAccount(
    const Caller& caller, const rehab::v1::CreateAccountRequest& request) {
  RETURN_IF_ERROR(RequireAdmin(caller, "create accounts"));
  Account account = request.account();
  ClearServerFields(account);
  account.set_state(rehab::v1::ACCOUNT_STATE_ACTIVE);
  account.set_scope_id(CanonicalizeUuid(account.scope_id()));
  for (std::string& ward : *account.mutable_ward_ids()) {
    ward = CanonicalizeUuid(ward);
  }
  RETURN_IF_ERROR(ValidateAccount(account, request.password()));
  RETURN_IF_ERROR(StampCreate(account, caller, clock_->Now(), "account"));
  // Argon2id is slow on purpose; it must not hold the single writer.
  ASSIGN_OR_RETURN(std::string password_hash,
                   hasher_->Hash(request.password()));

  Account result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    RETURN_IF_ERROR(CheckAccountScope(txn, account));
    ASSIGN_OR_RETURN(std::optional<Account> stored,
                     txn.GetAccount(account.id()));
    if (stored.has_value()) {
      // The state is the server's: a retry of the create still matches an
      // account disabled since.
      Account fresh = account;
      fresh.set_state(stored->state());
      RETURN_IF_ERROR(CheckRepeatedCreate(fresh, *stored, "account"));
      result = *std::move(stored);
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(std::optional<Account> same_name,
                     txn.GetAccountByUsername(account.username()));
    if (same_name.has_value()) {
      return AlreadyExists(
          absl::StrCat("username ", account.username(), " is already taken"));
    }
    RETURN_IF_ERROR(txn.PutAccount(account, password_hash));
    result = account;
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<rehab::v1::ListAccountsResponse> DirectoryManager::ListAccounts(
    const Caller& caller, const rehab::v1::ListAccountsRequest& request) {
  RETURN_IF_ERROR(RequireAdmin(caller, "list accounts"));
  ASSIGN_OR_RETURN(int32_t page_size, EffectivePageSize(request.page_size()));
  AccountQuery query;
  ASSIGN_OR_RETURN(query.after_username,
                   DecodePageToken(kListAccounts, request.page_token()));
  query.role = request.role();
  query.scope_id = CanonicalizeUuid(request.scope_id());
  query.limit = page_size + 1;

  std::vector<Account> rows;
  RETURN_IF_ERROR(store_->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(rows, txn.ListAccounts(query));
    return absl::OkStatus();
  }));
  rehab::v1::ListAccountsResponse response;
  response.set_next_page_token(
      TrimPage(rows, page_size, kListAccounts,
               [](const Account& a) { return a.username(); }));
  for (Account& account : rows) *response.add_accounts() = std::move(account);
  return response;
}

absl::StatusOr<Account> DirectoryManager::DisableAccount(
    const Caller& caller, const rehab::v1::DisableAccountRequest& request) {
  RETURN_IF_ERROR(RequireAdmin(caller, "disable accounts"));
  const std::string id = CanonicalizeUuid(request.id());
  if (id.empty()) return InvalidArgumentError("id", "required");

  Account result;
  RETURN_IF_ERROR(store_->Write([&](WriteTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Account> account, txn.GetAccount(id));
    if (!account.has_value()) return absl::NotFoundError("account not found");
    // Revoking again on a repeat is harmless, and keeps the promise that a
    // disabled account holds no live token.
    RETURN_IF_ERROR(txn.RevokeAccountTokens(id));
    if (account->state() != rehab::v1::ACCOUNT_STATE_DISABLED) {
      account->set_state(rehab::v1::ACCOUNT_STATE_DISABLED);
      StampUpdate(*account, caller, clock_->Now());
      RETURN_IF_ERROR(txn.PutAccount(*account, std::nullopt));
    }
    result = *std::move(account);
    return absl::OkStatus();
  }));
  return result;
}

}  // namespace rehab
