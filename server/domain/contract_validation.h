// Validation of contracts and visits written through the API or Push
// (DOMAIN.md sections 3 and 4). Like validation.h, every function reports
// all offending fields at once as one INVALID_ARGUMENT with BadRequest
// field violations named by their path ("contract.end_date",
// "visit.risk_level", "visit.drugs[1].morning_mg").
#ifndef REHAB_SERVER_DOMAIN_CONTRACT_VALIDATION_H_
#define REHAB_SERVER_DOMAIN_CONTRACT_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "rehab/v1/contract.pb.h"

namespace rehab {

// The least a package may require per year (disabled and psychiatric
// patients: at least 4 follow-ups a year).
inline constexpr int kMinVisitsPerYear = 4;
inline constexpr int kMaxDrugs = 3;

// A new contract's own fields: patient and doctor ids present; items
// present (at most kMaxListLength), each with a code (unique within the
// contract) and a name, visits_per_year 0..366, their sum at least
// kMinVisitsPerYear; start, end and signed dates real YYYY-MM-DD days (all
// three required); the term at least one year (end_date >= start_date + 1
// year - 1 day, a 29 February start counting to 28 February: 2024-02-29 +
// 1 year is 2025-02-28, so the earliest end is 2025-02-27) and at most five
// years (end_date <= start_date + 5 years - 1 day); signed_date neither
// after `today` nor after start_date (a contract is signed before or on
// the day its term starts); sizes of every string.
absl::Status ValidateContract(const rehab::v1::Contract& contract,
                              absl::CivilDay today);

// The term of a renewal (the new contract continuing `old`): end_date a
// real day (required), the new term (old end + 1 day .. end_date) at least
// one year and at most five, counted as for ValidateContract; items, when
// given, as for ValidateContract. Field paths are the request's
// ("end_date", "items[0].code").
absl::Status ValidateRenewal(
    const rehab::v1::Contract& old, const std::string& end_date,
    const google::protobuf::RepeatedPtrField<rehab::v1::ContractItem>& items);

// What a visit is checked against besides itself.
struct VisitContext {
  const rehab::v1::Contract* contract = nullptr;  // the visit's contract
  // The patient has an open PSYCHIATRIC_MANAGEMENT enrollment: the form is
  // required (risk level, visit class, adherence).
  bool psychiatric = false;
  absl::Time now;
  absl::TimeZone zone;
  // How far in the future (by the server's clock) a device may date a
  // visit: devices' clocks drift.
  absl::Duration clock_skew_tolerance = absl::Minutes(10);
};

// A visit (not a void): contract_id present; mode and informant national
// codes (both required); start and end present, end after start, at most
// 24 hours long, start and end not later than now + tolerance; the visit's
// day (DayOf its start in `zone`) within the contract's term
// (start_date..end_date, and not after its ended_date when it has one:
// field "visit.start_time"); items_delivered codes of the contract's
// package (no repeats); location latitude -90..90, longitude -180..180,
// accuracy >= 0; the form's codes within their national ranges: risk
// level 0..5, symptoms 1..12 without repeats, insight 1..3, sleep,
// appetite and social function 1..3, dangerous behaviour counts 0..999,
// lock status 1..3, hospitalisation 1..3 (last_discharge_date a real day,
// not after the visit), adherence 1..4, adverse reaction 1..2 (detail
// only with YES), treatment effect 1..4, visit class 1..3, referral reason
// required when referred, at most kMaxDrugs drugs each named with doses
// 0..10000 mg and at least one dose > 0, long-acting injection interval a
// whole number of weeks 7..84 days with a name and dose > 0 (at most
// 10000 mg), rehab measures 1..5 without repeats, next_visit_date a real
// day after the visit's day and at most one year (as ValidateContract
// counts years) after it. With `psychiatric`, risk level,
// visit class and adherence are required; without it, no form field may
// be set (the form is for patients in psychiatric management: one
// violation per form field set, and its codes are not checked further).
// next_visit_date is allowed on every visit. A voids_id (a void goes
// through ValidateVisitVoid) or a void_reason is a violation. Sizes of
// every string. Field paths start with "visit.". With a null
// `context.contract` the checks against the contract are skipped.
absl::Status ValidateVisit(const rehab::v1::Visit& visit,
                           const VisitContext& context);

// A void: contract_id, voids_id and void_reason present; no form or content
// field set besides contract_id, notes (and doctor_id, which the server may
// fill with the caller). Field paths start with "visit.".
absl::Status ValidateVisitVoid(const rehab::v1::Visit& visit);

// True when the visit carries any field of the psychiatric form.
bool HasPsychiatricForm(const rehab::v1::Visit& visit);

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_CONTRACT_VALIDATION_H_
