// Helpers shared by the storage tests: a fresh temporary directory per test
// and makers of plausible records.
#ifndef REHAB_TESTS_SERVER_STORAGE_STORE_TEST_UTIL_H_
#define REHAB_TESTS_SERVER_STORAGE_STORE_TEST_UTIL_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "rehab/v1/directory.pb.h"
#include "rehab/v1/patient.pb.h"
#include "server/domain/store.h"
#include "server/storage/sqlite_store.h"

namespace rehab::storage_test {

// A directory made for one test and removed, with its contents, at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // `name` inside the directory.
  std::string File(const std::string& name) const;

 private:
  std::string path_;
};

// Opens a store at `path` with the defaults, failing the test on error.
std::unique_ptr<SqliteStore> OpenStoreOrDie(const std::string& path);

rehab::v1::Area MakeArea(const std::string& id, const std::string& code,
                         const std::string& parent_id);
rehab::v1::Facility MakeFacility(const std::string& id,
                                 const std::string& area_id,
                                 rehab::v1::FacilityType type);
// A patient with id `id`, a unique-looking ID number made from `number`,
// living in `area_id` and served by `facility_id` (may be empty).
rehab::v1::Patient MakePatient(const std::string& id, int number,
                               const std::string& name,
                               const std::string& area_id,
                               const std::string& facility_id);
rehab::v1::Enrollment MakeEnrollment(const std::string& id,
                                     const std::string& patient_id,
                                     rehab::v1::Program program,
                                     rehab::v1::EnrollmentStatus status);
rehab::v1::Account MakeAccount(const std::string& id,
                               const std::string& username,
                               rehab::v1::Role role,
                               const std::string& scope_id);

// A small county:
//   county   "a-county" 320831
//   township "a-town1"  320831001 -> village "a-vil1" 320831001001
//   township "a-town2"  320831002 -> village "a-vil2" 320831002001
//   stations "f-vil1" (in a-vil1) and "f-vil2" (in a-vil2), rehab center
//   "f-center" (in a-county).
absl::Status SeedCounty(Store& store);

}  // namespace rehab::storage_test

#endif  // REHAB_TESTS_SERVER_STORAGE_STORE_TEST_UTIL_H_
