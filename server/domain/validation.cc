#include "server/domain/validation.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"

namespace rehab {

bool IsBlank(const std::string& text) {
  return absl::StripAsciiWhitespace(text).empty();
}

std::string AtMost(size_t limit) {
  return absl::StrCat("at most ", limit, " bytes");
}

void CheckSize(const std::string& value, size_t limit, const std::string& field,
               FieldViolations& v) {
  if (value.size() > limit) v.Add(field, AtMost(limit));
}

namespace {

using rehab::v1::Account;
using rehab::v1::Area;
using rehab::v1::AreaLevel;
using rehab::v1::DisabilityCategory;
using rehab::v1::Enrollment;
using rehab::v1::EnrollmentStatus;
using rehab::v1::Facility;
using rehab::v1::Patient;
using rehab::v1::Practitioner;
using rehab::v1::Role;

constexpr size_t kIdLength = 18;
constexpr size_t kLegacyIdLength = 15;
constexpr size_t kCardLength = 20;
constexpr size_t kMinUsernameLength = 3;
constexpr int kMaxGrade = 4;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// What is wrong with a field, so that the card and patient checks can
// report an ID number's problem under their own field and reason.
using Problem = std::optional<std::string>;

// Parses an ID number of 18 characters (or a legacy 15-digit one) into
// `out`; the problem otherwise.
Problem ParseId(std::string_view text, absl::CivilDay today, IdNumber& out) {
  std::string id;
  if (text.size() == kLegacyIdLength) {
    if (!AllDigits(text)) return Problem{"a 15-character ID must be digits"};
    // The legacy form has a 2-digit year of the 1900s and no check character.
    id = absl::StrCat(std::string(text.substr(0, 6)), "19",
                      std::string(text.substr(6)));
    id.push_back(IdCheckCharacter(id));
  } else if (text.size() == kIdLength) {
    id = std::string(text);
    if (id[17] == 'x') id[17] = 'X';
    if (!AllDigits(std::string_view(id).substr(0, 17)) ||
        !(IsDigit(id[17]) || id[17] == 'X')) {
      return Problem{"must be 17 digits and a digit or X"};
    }
    if (IdCheckCharacter(std::string_view(id).substr(0, 17)) != id[17]) {
      return Problem{"wrong check character"};
    }
  } else {
    return Problem{"must be 18 characters (or a legacy 15-digit number)"};
  }

  const std::string birth = absl::StrCat(id.substr(6, 4), "-", id.substr(10, 2),
                                         "-", id.substr(12, 2));
  const std::optional<absl::CivilDay> birth_date = ParseDate(birth);
  if (!birth_date.has_value()) {
    return Problem{"birth date is not a real day"};
  }
  if (*birth_date > today) return Problem{"birth date is in the future"};

  out.normalized = std::move(id);
  out.address_code = out.normalized.substr(0, 6);
  out.birth_date = *birth_date;
  out.sex = (out.normalized[16] - '0') % 2 == 1 ? rehab::v1::SEX_MALE
                                                : rehab::v1::SEX_FEMALE;
  return std::nullopt;
}

// Parses a 20-character card number into `out`; the problem otherwise.
Problem ParseCard(std::string_view text, absl::CivilDay today,
                  CardNumber& out) {
  if (text.size() != kCardLength) return Problem{"must be 20 characters"};
  const char category = text[18];
  const char grade = text[19];
  if (category < '1' || category > '7') {
    return Problem{"category digit must be 1 to 7"};
  }
  if (grade < '1' || grade > '4') return Problem{"grade digit must be 1 to 4"};
  if (Problem p = ParseId(text.substr(0, kIdLength), today, out.id)) {
    return absl::StrCat("ID number part: ", *p);
  }
  out.category = static_cast<DisabilityCategory>(category - '0');
  out.grade = grade - '0';
  return std::nullopt;
}

AreaLevel ParentLevel(AreaLevel level) {
  switch (level) {
    case rehab::v1::AREA_LEVEL_TOWNSHIP:
      return rehab::v1::AREA_LEVEL_COUNTY;
    case rehab::v1::AREA_LEVEL_VILLAGE:
      return rehab::v1::AREA_LEVEL_TOWNSHIP;
    default:
      return rehab::v1::AREA_LEVEL_UNSPECIFIED;
  }
}

std::string LevelName(AreaLevel level) {
  switch (level) {
    case rehab::v1::AREA_LEVEL_COUNTY:
      return "county";
    case rehab::v1::AREA_LEVEL_TOWNSHIP:
      return "township";
    case rehab::v1::AREA_LEVEL_VILLAGE:
      return "village";
    default:
      return "unknown level";
  }
}

void CheckName(const std::string& value, const std::string& field,
               FieldViolations& v) {
  if (IsBlank(value)) {
    v.Add(field, "required");
  } else if (value.size() > kMaxNameLength) {
    v.Add(field, AtMost(kMaxNameLength));
  }
}

// A reference to another record by id.
void CheckRequiredId(const std::string& value, const std::string& field,
                     FieldViolations& v) {
  if (value.empty()) {
    v.Add(field, "required");
  } else if (value.size() > kMaxShortLength) {
    v.Add(field, AtMost(kMaxShortLength));
  }
}

void CheckOptionalDate(const std::string& value, const std::string& field,
                       FieldViolations& v) {
  if (!value.empty() && !ParseDate(value).has_value()) {
    v.Add(field, "must be a real date YYYY-MM-DD");
  }
}

bool IsUsernameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '.' || c == '_' ||
         c == '-';
}

// The patient's identity fields: ID number, card, category, grade, sex and
// birth date, which must all agree.
struct IdentityProblems {
  bool id_number = false;
  bool card = false;
};

IdentityProblems CheckIdentity(Patient& patient, absl::CivilDay today,
                               FieldViolations& v) {
  IdentityProblems problems;
  std::optional<IdNumber> id;
  if (patient.id_number().empty()) {
    v.Add("patient.id_number", "required");
    problems.id_number = true;
  } else {
    IdNumber parsed;
    if (Problem p = ParseId(patient.id_number(), today, parsed)) {
      v.Add("patient.id_number", *p);
      problems.id_number = true;
    } else {
      patient.set_id_number(parsed.normalized);
      id = std::move(parsed);
    }
  }

  if (!patient.disability_card_number().empty()) {
    CardNumber card;
    if (Problem p = ParseCard(patient.disability_card_number(), today, card)) {
      v.Add("patient.disability_card_number", *p);
      problems.card = true;
    } else {
      patient.set_disability_card_number(absl::StrCat(
          card.id.normalized, patient.disability_card_number().substr(18)));
      if (id.has_value() && card.id.normalized != id->normalized) {
        v.Add("patient.disability_card_number",
              "does not contain the patient's ID number");
        problems.card = true;
      }
      if (patient.disability_category() ==
          rehab::v1::DISABILITY_CATEGORY_UNSPECIFIED) {
        patient.set_disability_category(card.category);
      } else if (patient.disability_category() != card.category) {
        v.Add("patient.disability_category",
              "does not agree with the disability card number");
      }
      if (patient.disability_grade() == 0) {
        patient.set_disability_grade(card.grade);
      } else if (patient.disability_grade() != card.grade) {
        v.Add("patient.disability_grade",
              "does not agree with the disability card number");
      }
    }
  }
  // With a card these were checked against it above; with a bad card they
  // are checked on their own, so that every problem shows at once.
  if (patient.disability_card_number().empty() || problems.card) {
    if (!rehab::v1::DisabilityCategory_IsValid(patient.disability_category())) {
      v.Add("patient.disability_category", "unknown category");
    }
    if (patient.disability_grade() < 0 ||
        patient.disability_grade() > kMaxGrade) {
      v.Add("patient.disability_grade", "must be 1 to 4, or 0 for none");
    }
  }

  if (!rehab::v1::Sex_IsValid(patient.sex())) {
    v.Add("patient.sex", "unknown sex");
  } else if (id.has_value()) {
    if (patient.sex() == rehab::v1::SEX_UNSPECIFIED) {
      patient.set_sex(id->sex);
    } else if (patient.sex() != id->sex) {
      v.Add("patient.sex", "does not agree with the ID number");
    }
  }

  if (!patient.birth_date().empty()) {
    const std::optional<absl::CivilDay> birth = ParseDate(patient.birth_date());
    if (!birth.has_value()) {
      v.Add("patient.birth_date", "must be a real date YYYY-MM-DD");
    } else if (id.has_value() && *birth != id->birth_date) {
      v.Add("patient.birth_date", "does not agree with the ID number");
    }
  } else if (id.has_value()) {
    patient.set_birth_date(FormatDate(id->birth_date));
  }
  return problems;
}

}  // namespace

char IdCheckCharacter(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                       3, 7, 9,  10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  if (first17.size() < 17) return '\0';
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    if (!IsDigit(first17[i])) return '\0';
    sum += (first17[i] - '0') * kWeights[i];
  }
  return kCheck[sum % 11];
}

absl::StatusOr<IdNumber> ParseIdNumber(std::string_view text,
                                       absl::CivilDay today,
                                       std::string_view field) {
  IdNumber id;
  if (Problem p = ParseId(text, today, id)) {
    return InvalidArgumentError(field, *p, kReasonInvalidIdNumber);
  }
  return id;
}

absl::StatusOr<CardNumber> ParseCardNumber(std::string_view text,
                                           absl::CivilDay today,
                                           std::string_view field) {
  CardNumber card;
  if (Problem p = ParseCard(text, today, card)) {
    return InvalidArgumentError(field, *p, kReasonInvalidCardNumber);
  }
  return card;
}

AreaLevel AreaLevelOfCode(std::string_view code) {
  if (!AllDigits(code)) return rehab::v1::AREA_LEVEL_UNSPECIFIED;
  switch (code.size()) {
    case 6:
      return rehab::v1::AREA_LEVEL_COUNTY;
    case 9:
      return rehab::v1::AREA_LEVEL_TOWNSHIP;
    case 12:
      return rehab::v1::AREA_LEVEL_VILLAGE;
    default:
      return rehab::v1::AREA_LEVEL_UNSPECIFIED;
  }
}

absl::Status ValidateArea(Area& area, const Area* parent) {
  FieldViolations v;
  bool bad_code = false;
  CheckName(area.name(), "area.name", v);

  const AreaLevel level = AreaLevelOfCode(area.code());
  area.set_level(level);
  if (level == rehab::v1::AREA_LEVEL_UNSPECIFIED) {
    v.Add("area.code", "must be 6, 9 or 12 digits");
    bad_code = true;
  } else if (level == rehab::v1::AREA_LEVEL_COUNTY) {
    if (parent != nullptr || !area.parent_id().empty()) {
      v.Add("area.parent_id", "a county has no parent");
    }
  } else if (parent == nullptr) {
    v.Add("area.parent_id",
          absl::StrCat("a ", LevelName(level), " needs a ",
                       LevelName(ParentLevel(level)), " as its parent"));
  } else {
    // The parent's level is judged by its code, not by its stored level,
    // so that the rule does not depend on how the parent was written.
    if (AreaLevelOfCode(parent->code()) != ParentLevel(level)) {
      v.Add("area.parent_id",
            absl::StrCat("a ", LevelName(level), "'s parent must be a ",
                         LevelName(ParentLevel(level))));
    }
    if (area.code().compare(0, parent->code().size(), parent->code()) != 0) {
      v.Add("area.code",
            absl::StrCat("must start with the parent's code ", parent->code()));
      bad_code = true;
    }
  }
  return v.ToStatus(bad_code ? kReasonInvalidAreaCode : kReasonInvalidArgument);
}

absl::Status ValidateFacility(const Facility& facility) {
  FieldViolations v;
  CheckName(facility.name(), "facility.name", v);
  if (facility.type() == rehab::v1::FACILITY_TYPE_UNSPECIFIED ||
      !rehab::v1::FacilityType_IsValid(facility.type())) {
    v.Add("facility.type", "required");
  }
  CheckRequiredId(facility.area_id(), "facility.area_id", v);
  return v.ToStatus();
}

absl::Status ValidatePractitioner(const Practitioner& practitioner) {
  FieldViolations v;
  CheckName(practitioner.name(), "practitioner.name", v);
  if (practitioner.kind() == rehab::v1::PRACTITIONER_KIND_UNSPECIFIED ||
      !rehab::v1::PractitionerKind_IsValid(practitioner.kind())) {
    v.Add("practitioner.kind", "required");
  }
  CheckRequiredId(practitioner.facility_id(), "practitioner.facility_id", v);
  CheckSize(practitioner.team(), kMaxNameLength, "practitioner.team", v);
  CheckSize(practitioner.phone(), kMaxShortLength, "practitioner.phone", v);
  return v.ToStatus();
}

absl::Status ValidateAccount(const Account& account,
                             const std::string& password) {
  FieldViolations v;
  const std::string& username = account.username();
  if (username.size() < kMinUsernameLength ||
      username.size() > kMaxShortLength) {
    v.Add("account.username", absl::StrCat(kMinUsernameLength, " to ",
                                           kMaxShortLength, " characters"));
  } else {
    for (char c : username) {
      if (!IsUsernameCharacter(c)) {
        v.Add("account.username", "only a-z, 0-9, '.', '_' and '-'");
        break;
      }
    }
  }

  const Role role = account.role();
  if (role == rehab::v1::ROLE_UNSPECIFIED || !rehab::v1::Role_IsValid(role)) {
    v.Add("account.role", "required");
  } else if (role == rehab::v1::ROLE_ADMIN) {
    if (!account.scope_id().empty()) {
      v.Add("account.scope_id", "an administrator has no scope");
    }
  } else {
    CheckRequiredId(account.scope_id(), "account.scope_id", v);
  }

  if (account.ward_ids_size() > 0 && role != rehab::v1::ROLE_PATIENT) {
    v.Add("account.ward_ids", "only a patient's account has wards");
  } else if (static_cast<size_t>(account.ward_ids_size()) > kMaxListLength) {
    v.Add("account.ward_ids", absl::StrCat("at most ", kMaxListLength));
  } else {
    for (const std::string& ward : account.ward_ids()) {
      if (ward.empty() || ward.size() > kMaxShortLength) {
        v.Add("account.ward_ids", "each must be a patient id");
        break;
      }
    }
  }
  if (account.psychiatric_identity() && role != rehab::v1::ROLE_SUPERVISOR) {
    v.Add("account.psychiatric_identity", "only for a supervisor");
  }
  CheckSize(account.display_name(), kMaxNameLength, "account.display_name", v);

  if (password.size() < kMinPasswordLength ||
      password.size() > kMaxPasswordLength) {
    v.Add("password", absl::StrCat(kMinPasswordLength, " to ",
                                   kMaxPasswordLength, " bytes"));
  }
  return v.ToStatus();
}

absl::Status ValidatePatient(Patient& patient, absl::CivilDay today) {
  FieldViolations v;
  // Whether identifying fields were withheld is decided per reader, never
  // stored.
  patient.set_pseudonymised(false);

  CheckName(patient.name(), "patient.name", v);
  const IdentityProblems identity = CheckIdentity(patient, today, v);
  CheckRequiredId(patient.area_id(), "patient.area_id", v);
  CheckSize(patient.facility_id(), kMaxShortLength, "patient.facility_id", v);
  CheckSize(patient.address(), kMaxTextLength, "patient.address", v);
  CheckSize(patient.phone(), kMaxShortLength, "patient.phone", v);
  if (patient.has_guardian()) {
    const rehab::v1::Guardian& g = patient.guardian();
    CheckSize(g.name(), kMaxNameLength, "patient.guardian.name", v);
    CheckSize(g.relation(), kMaxShortLength, "patient.guardian.relation", v);
    CheckSize(g.phone(), kMaxShortLength, "patient.guardian.phone", v);
  }
  if (patient.has_consent()) {
    CheckOptionalDate(patient.consent().consent_date(),
                      "patient.consent.consent_date", v);
  }

  if (identity.id_number) return v.ToStatus(kReasonInvalidIdNumber);
  if (identity.card) return v.ToStatus(kReasonInvalidCardNumber);
  return v.ToStatus();
}

namespace {

using PatientCopier = void (*)(const Patient&, Patient&);

struct WritablePath {
  const char* path;
  PatientCopier copy;
};

// Every path a client may name in an UpdatePatient mask. The top-level
// entries (no dot) are what an empty mask means.
const WritablePath kPatientWritablePaths[] = {
    {"name", [](const Patient& p, Patient& s) { s.set_name(p.name()); }},
    {"id_number",
     [](const Patient& p, Patient& s) { s.set_id_number(p.id_number()); }},
    {"disability_card_number",
     [](const Patient& p, Patient& s) {
       s.set_disability_card_number(p.disability_card_number());
     }},
    {"disability_category",
     [](const Patient& p, Patient& s) {
       s.set_disability_category(p.disability_category());
     }},
    {"disability_grade",
     [](const Patient& p, Patient& s) {
       s.set_disability_grade(p.disability_grade());
     }},
    {"sex", [](const Patient& p, Patient& s) { s.set_sex(p.sex()); }},
    {"birth_date",
     [](const Patient& p, Patient& s) { s.set_birth_date(p.birth_date()); }},
    {"area_id",
     [](const Patient& p, Patient& s) { s.set_area_id(p.area_id()); }},
    {"facility_id",
     [](const Patient& p, Patient& s) { s.set_facility_id(p.facility_id()); }},
    {"address",
     [](const Patient& p, Patient& s) { s.set_address(p.address()); }},
    {"phone", [](const Patient& p, Patient& s) { s.set_phone(p.phone()); }},
    {"guardian",
     [](const Patient& p, Patient& s) {
       if (p.has_guardian()) {
         *s.mutable_guardian() = p.guardian();
       } else {
         s.clear_guardian();
       }
     }},
    {"guardian.name",
     [](const Patient& p, Patient& s) {
       s.mutable_guardian()->set_name(p.guardian().name());
     }},
    {"guardian.relation",
     [](const Patient& p, Patient& s) {
       s.mutable_guardian()->set_relation(p.guardian().relation());
     }},
    {"guardian.phone",
     [](const Patient& p, Patient& s) {
       s.mutable_guardian()->set_phone(p.guardian().phone());
     }},
    {"consent",
     [](const Patient& p, Patient& s) {
       if (p.has_consent()) {
         *s.mutable_consent() = p.consent();
       } else {
         s.clear_consent();
       }
     }},
    {"consent.data_sharing",
     [](const Patient& p, Patient& s) {
       s.mutable_consent()->set_data_sharing(p.consent().data_sharing());
     }},
    {"consent.sms_reminders",
     [](const Patient& p, Patient& s) {
       s.mutable_consent()->set_sms_reminders(p.consent().sms_reminders());
     }},
    {"consent.consent_date",
     [](const Patient& p, Patient& s) {
       s.mutable_consent()->set_consent_date(p.consent().consent_date());
     }},
};

const WritablePath* FindWritablePath(const std::string& path) {
  for (const WritablePath& w : kPatientWritablePaths) {
    if (path == w.path) return &w;
  }
  return nullptr;
}

}  // namespace

absl::Status ApplyPatientUpdate(const Patient& patch,
                                const google::protobuf::FieldMask& mask,
                                Patient& stored) {
  std::vector<const WritablePath*> selected;
  if (mask.paths().empty()) {
    for (const WritablePath& w : kPatientWritablePaths) {
      if (std::string_view(w.path).find('.') == std::string_view::npos) {
        selected.push_back(&w);
      }
    }
  } else {
    FieldViolations v;
    for (const std::string& path : mask.paths()) {
      const WritablePath* w = FindWritablePath(path);
      if (w == nullptr) {
        v.Add("update_mask",
              absl::StrCat("'", path, "' is not a client-writable field"));
      } else {
        selected.push_back(w);
      }
    }
    // Nothing is applied unless every path is acceptable.
    RETURN_IF_ERROR(v.ToStatus());
  }
  for (const WritablePath* w : selected) w->copy(patch, stored);
  return absl::OkStatus();
}

absl::Status ValidateEnrollment(Enrollment& enrollment) {
  FieldViolations v;
  CheckRequiredId(enrollment.patient_id(), "enrollment.patient_id", v);
  if (enrollment.program() == rehab::v1::PROGRAM_UNSPECIFIED ||
      !rehab::v1::Program_IsValid(enrollment.program())) {
    v.Add("enrollment.program", "required");
  }

  std::optional<absl::CivilDay> start;
  if (enrollment.start_date().empty()) {
    v.Add("enrollment.start_date", "required");
  } else {
    start = ParseDate(enrollment.start_date());
    if (!start.has_value()) {
      v.Add("enrollment.start_date", "must be a real date YYYY-MM-DD");
    }
  }
  if (!enrollment.end_date().empty()) {
    const std::optional<absl::CivilDay> end = ParseDate(enrollment.end_date());
    if (!end.has_value()) {
      v.Add("enrollment.end_date", "must be a real date YYYY-MM-DD");
    } else if (start.has_value() && *end < *start) {
      v.Add("enrollment.end_date", "must not be before the start date");
    }
  }

  const EnrollmentStatus status = enrollment.status();
  if (status == rehab::v1::ENROLLMENT_STATUS_UNSPECIFIED) {
    enrollment.set_status(rehab::v1::ENROLLMENT_STATUS_REGISTERED);
  } else if (status != rehab::v1::ENROLLMENT_STATUS_REGISTERED &&
             status != rehab::v1::ENROLLMENT_STATUS_UNDER_MANAGEMENT) {
    v.Add("enrollment.status",
          "a new enrollment is REGISTERED or UNDER_MANAGEMENT");
  }
  CheckSize(enrollment.end_reason(), kMaxTextLength, "enrollment.end_reason",
            v);
  return v.ToStatus();
}

bool IsOpenEnrollmentStatus(EnrollmentStatus status) {
  return status == rehab::v1::ENROLLMENT_STATUS_REGISTERED ||
         status == rehab::v1::ENROLLMENT_STATUS_UNDER_MANAGEMENT ||
         status == rehab::v1::ENROLLMENT_STATUS_LOST_TO_FOLLOW_UP;
}

}  // namespace rehab
