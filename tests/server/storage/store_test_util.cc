#include "tests/server/storage/store_test_util.h"

#include <stdlib.h>

#include <filesystem>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "server/common/dates.h"
#include "server/common/status_macros.h"

namespace rehab::storage_test {
namespace {

// Fills the common resource fields as the domain would on create.
template <typename Record>
void StampNew(Record& record, const std::string& id) {
  record.set_id(id);
  record.set_version(1);
  *record.mutable_create_time() = ToProto(absl::FromUnixSeconds(1700000000));
  *record.mutable_update_time() = record.create_time();
  record.set_author("system");
  record.set_device_id("test-device");
}

}  // namespace

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "rehab_storage_XXXXXX")
          .string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  path_ = buffer.data();
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::File(const std::string& name) const {
  return (std::filesystem::path(path_) / name).string();
}

std::unique_ptr<SqliteStore> OpenStoreOrDie(const std::string& path) {
  StoreOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(options);
  if (!store.ok()) {
    ADD_FAILURE() << "SqliteStore::Open(" << path << "): " << store.status();
    return nullptr;
  }
  return std::move(store).value();
}

rehab::v1::Area MakeArea(const std::string& id, const std::string& code,
                         const std::string& parent_id) {
  rehab::v1::Area area;
  StampNew(area, id);
  area.set_code(code);
  area.set_name("Area " + code);
  area.set_parent_id(parent_id);
  area.set_level(code.size() == 6   ? rehab::v1::AREA_LEVEL_COUNTY
                 : code.size() == 9 ? rehab::v1::AREA_LEVEL_TOWNSHIP
                                    : rehab::v1::AREA_LEVEL_VILLAGE);
  return area;
}

rehab::v1::Facility MakeFacility(const std::string& id,
                                 const std::string& area_id,
                                 rehab::v1::FacilityType type) {
  rehab::v1::Facility facility;
  StampNew(facility, id);
  facility.set_name("Facility " + id);
  facility.set_type(type);
  facility.set_area_id(area_id);
  return facility;
}

rehab::v1::Patient MakePatient(const std::string& id, int number,
                               const std::string& name,
                               const std::string& area_id,
                               const std::string& facility_id) {
  rehab::v1::Patient patient;
  StampNew(patient, id);
  patient.set_name(name);
  patient.set_id_number(absl::StrFormat("3208311980%08d", number));
  patient.set_disability_category(rehab::v1::DISABILITY_CATEGORY_PHYSICAL);
  patient.set_disability_grade(2);
  patient.set_sex(rehab::v1::SEX_FEMALE);
  patient.set_birth_date("1980-01-01");
  patient.set_area_id(area_id);
  patient.set_facility_id(facility_id);
  patient.set_phone("13800000000");
  return patient;
}

rehab::v1::Enrollment MakeEnrollment(const std::string& id,
                                     const std::string& patient_id,
                                     rehab::v1::Program program,
                                     rehab::v1::EnrollmentStatus status) {
  rehab::v1::Enrollment enrollment;
  StampNew(enrollment, id);
  enrollment.set_patient_id(patient_id);
  enrollment.set_program(program);
  enrollment.set_status(status);
  enrollment.set_start_date("2024-01-01");
  return enrollment;
}

rehab::v1::Account MakeAccount(const std::string& id,
                               const std::string& username,
                               rehab::v1::Role role,
                               const std::string& scope_id) {
  rehab::v1::Account account;
  StampNew(account, id);
  account.set_username(username);
  account.set_role(role);
  account.set_scope_id(scope_id);
  account.set_state(rehab::v1::ACCOUNT_STATE_ACTIVE);
  return account;
}

absl::Status SeedCounty(Store& store) {
  return store.Write([](WriteTxn& txn) {
    for (rehab::v1::Area area :
         {MakeArea("a-county", "320831", ""),
          MakeArea("a-town1", "320831001", "a-county"),
          MakeArea("a-town2", "320831002", "a-county"),
          MakeArea("a-vil1", "320831001001", "a-town1"),
          MakeArea("a-vil2", "320831002001", "a-town2")}) {
      RETURN_IF_ERROR(txn.PutArea(area));
    }
    for (rehab::v1::Facility facility :
         {MakeFacility("f-center", "a-county",
                       rehab::v1::FACILITY_TYPE_REHAB_CENTER),
          MakeFacility("f-vil1", "a-vil1",
                       rehab::v1::FACILITY_TYPE_REHAB_STATION),
          MakeFacility("f-vil2", "a-vil2",
                       rehab::v1::FACILITY_TYPE_REHAB_STATION)}) {
      RETURN_IF_ERROR(txn.PutFacility(facility));
    }
    return absl::OkStatus();
  });
}

}  // namespace rehab::storage_test
