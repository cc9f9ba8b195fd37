// Validation and normalisation of records written through the API, exactly
// as DOMAIN.md section 2 defines the identifiers. Every function reports all
// offending fields at once as one INVALID_ARGUMENT with BadRequest field
// violations named by their path in the request (e.g. "patient.id_number").
#ifndef REHAB_SERVER_DOMAIN_VALIDATION_H_
#define REHAB_SERVER_DOMAIN_VALIDATION_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/field_mask.pb.h"
#include "rehab/v1/directory.pb.h"
#include "rehab/v1/patient.pb.h"
#include "server/common/errors.h"

namespace rehab {

// Size limits on strings and lists written through the API.
inline constexpr size_t kMaxNameLength = 100;   // names (UTF-8 bytes)
inline constexpr size_t kMaxTextLength = 2000;  // notes, reasons, address
inline constexpr size_t kMaxShortLength = 64;   // usernames, phones, codes
inline constexpr size_t kMaxListLength = 100;   // repeated fields
inline constexpr size_t kMinPasswordLength = 8;
inline constexpr size_t kMaxPasswordLength = 256;

// A parsed resident ID number.
struct IdNumber {
  std::string normalized;    // 18 characters, uppercase X
  std::string address_code;  // first 6 digits
  absl::CivilDay birth_date;
  rehab::v1::Sex sex = rehab::v1::SEX_UNSPECIFIED;
};

// Parses an 18-character ID number (a lowercase x accepted) or a legacy
// 15-digit one (converted: "19" inserted before the year, check character
// computed). INVALID_ARGUMENT (reason INVALID_ID_NUMBER, field `field`) for
// a wrong length or character, a bad check character, or a birth date that
// is not a real day or lies after `today`.
absl::StatusOr<IdNumber> ParseIdNumber(std::string_view text,
                                       absl::CivilDay today,
                                       std::string_view field = "id_number");

// The ISO 7064 MOD 11-2 check character of the first 17 digits.
char IdCheckCharacter(std::string_view first17);

struct CardNumber {
  IdNumber id;
  rehab::v1::DisabilityCategory category =
      rehab::v1::DISABILITY_CATEGORY_UNSPECIFIED;
  int grade = 0;
};

// Parses a 20-character disability card number: an ID number, a category
// digit 1-7 and a grade digit 1-4. INVALID_ARGUMENT (reason
// INVALID_CARD_NUMBER) otherwise.
absl::StatusOr<CardNumber> ParseCardNumber(
    std::string_view text, absl::CivilDay today,
    std::string_view field = "disability_card_number");

// The level an area code's length implies; UNSPECIFIED for a code that is
// not 6, 9 or 12 digits.
rehab::v1::AreaLevel AreaLevelOfCode(std::string_view code);

// Checks a new area against its parent (nullptr for none): code digits and
// length, parent one level up, code extending the parent's. Sets
// `area.level`. Field paths start with "area.".
absl::Status ValidateArea(rehab::v1::Area& area, const rehab::v1::Area* parent);

// Field paths start with "facility." / "practitioner." / "account.".
absl::Status ValidateFacility(const rehab::v1::Facility& facility);
absl::Status ValidatePractitioner(const rehab::v1::Practitioner& practitioner);
// Checks the account's own fields and the password (not that the scope
// exists, which needs the store).
absl::Status ValidateAccount(const rehab::v1::Account& account,
                             const std::string& password);

// Validates and normalises a patient: ID number (normalised to 18
// characters), card number (must embed the same ID number; category and
// grade must agree with it, and are filled from it when unspecified), sex
// and birth date (must agree with the ID number; filled from it when
// unspecified), name required, area required, sizes of every string.
// Field paths start with "patient.".
absl::Status ValidatePatient(rehab::v1::Patient& patient, absl::CivilDay today);

// Copies the client-writable fields named by `mask` from `patch` into
// `stored` (all client-writable fields when the mask is empty). Unknown
// or server-owned paths are INVALID_ARGUMENT (field "update_mask").
absl::Status ApplyPatientUpdate(const rehab::v1::Patient& patch,
                                const google::protobuf::FieldMask& mask,
                                rehab::v1::Patient& stored);

// Program, patient and start date required; status REGISTERED or
// UNDER_MANAGEMENT (REGISTERED when unspecified). Field paths start with
// "enrollment.".
absl::Status ValidateEnrollment(rehab::v1::Enrollment& enrollment);

// True when `text` is empty or only ASCII whitespace.
bool IsBlank(const std::string& text);
// The violation message of a string over `limit` bytes.
std::string AtMost(size_t limit);
// Adds a violation of `field` when `value` is longer than `limit` bytes.
void CheckSize(const std::string& value, size_t limit, const std::string& field,
               FieldViolations& v);

// True while an enrollment counts as open.
bool IsOpenEnrollmentStatus(rehab::v1::EnrollmentStatus status);

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_VALIDATION_H_
