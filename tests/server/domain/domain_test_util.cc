#include "tests/server/domain/domain_test_util.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "rehab/v1/directory.pb.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"
#include "server/domain/validation.h"

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

absl::Status PutModelCounty(Store& store) {
  return store.Write([](WriteTxn& txn) -> absl::Status {
    auto area = [&](const char* id, const char* code, const char* parent) {
      rehab::v1::Area a;
      a.set_id(id);
      a.set_code(code);
      a.set_name(code);
      a.set_parent_id(parent);
      return txn.PutArea(a);
    };
    RETURN_IF_ERROR(area(kCounty, "320831", ""));
    RETURN_IF_ERROR(area(kTownship1, "320831100", kCounty));
    RETURN_IF_ERROR(area(kTownship2, "320831200", kCounty));
    RETURN_IF_ERROR(area(kVillage1, "320831100001", kTownship1));
    RETURN_IF_ERROR(area(kVillage2, "320831200001", kTownship2));
    auto station = [&](const char* id, const char* area_id) {
      rehab::v1::Facility f;
      f.set_id(id);
      f.set_name(id);
      f.set_type(rehab::v1::FACILITY_TYPE_REHAB_STATION);
      f.set_area_id(area_id);
      return txn.PutFacility(f);
    };
    RETURN_IF_ERROR(station(kStation1, kVillage1));
    return station(kStation2, kVillage2);
  });
}

std::string IdNumber(const std::string& birth, int sequence) {
  std::string first17 = absl::StrCat("320831", birth);
  first17 += std::to_string(1000 + sequence).substr(1);
  return first17 + IdCheckCharacter(first17);
}

Caller Supervisor(const std::string& area_id, const std::string& code,
                  bool psychiatric_identity) {
  Caller c;
  c.account_id =
      absl::StrCat("acct-sup-", code, psychiatric_identity ? "-id" : "");
  c.role = rehab::v1::ROLE_SUPERVISOR;
  c.scope_id = area_id;
  c.scope_area_code = code;
  c.psychiatric_identity = psychiatric_identity;
  return c;
}

Caller AtFacility(rehab::v1::Role role, const std::string& facility_id) {
  Caller c;
  c.account_id =
      absl::StrCat("acct-", rehab::v1::Role_Name(role), "-", facility_id);
  c.role = role;
  c.scope_id = facility_id;
  return c;
}

PatientScope ScopeOf(PatientScope::Kind kind) {
  PatientScope scope;
  scope.kind = kind;
  return scope;
}

PatientScope AreaScope(const std::string& code) {
  PatientScope scope = ScopeOf(PatientScope::Kind::kAreaSubtree);
  scope.area_code = code;
  return scope;
}

PatientScope FacilityScope(const std::string& facility_id) {
  PatientScope scope = ScopeOf(PatientScope::Kind::kFacility);
  scope.facility_id = facility_id;
  return scope;
}

PatientScope PatientsScope(std::vector<std::string> ids) {
  PatientScope scope = ScopeOf(PatientScope::Kind::kPatients);
  scope.patient_ids = std::move(ids);
  return scope;
}

std::vector<std::string> DescribeFeed(const std::vector<FeedEntry>& entries) {
  std::vector<std::string> lines;
  for (const FeedEntry& e : entries) {
    const char* kind = e.kind == FeedEntry::Kind::kUpsert      ? "upsert"
                       : e.kind == FeedEntry::Kind::kTombstone ? "tombstone"
                                                               : "removed";
    lines.push_back(absl::StrCat(kind, " ", e.collection, "/", e.record_id));
  }
  return lines;
}

}  // namespace rehab::domain_test
