// The demo county: a complete, deterministic data set (areas, facilities,
// practitioners, patients, enrollments, family-doctor contracts with a
// year of follow-up visits, and one account per role) that
// `rehabd --demo` loads into an empty registry, so that every API can be
// tried against realistic data. DOMAIN.md section 1 describes the county.
//
// The records are exactly those the API would have stored: each passes the
// validators of server/domain/validation.h and carries the common resource
// fields of StampCreate (author "system"), with ids named from natural keys
// (NameUuid), so the same call yields the same records on every run and
// every platform (record times aside, and dates, which follow `clock`).
// Contracts and visits are written through ContractManager's own steps,
// so the follow-ups, alerts and enrollment changes they bring are there
// too.
//
// The contracts: one ACTIVE contract for each of the 1,251 patients
// enrolled with a family doctor (psychiatric patients among them), with a
// doctor of the team serving the patient's village (every one of the 114
// doctors holds some), a package of at least four visits a year, a term
// of one year that began within the last year and was signed on its first
// day. Over the elapsed part of each term the visits follow the schedule
// of the rules: about three contracts in four served on time, one in
// eight served at first and not for months since, about one in sixteen
// signed but never served, the rest served late and too seldom. Visits
// of psychiatric patients carry the full follow-up form (mostly stable,
// some basically stable, a few unstable with risk levels 3 to 5 and a
// referral). Every visit is dated before today.
//
// The demo passwords are published in the summary and the README: they are
// for trying RehabTrack out, never for a registry holding real people.
#ifndef REHAB_SERVER_DOMAIN_DEMO_COUNTY_H_
#define REHAB_SERVER_DOMAIN_DEMO_COUNTY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/common/clock.h"
#include "server/domain/contract_manager.h"
#include "server/domain/password_hasher.h"
#include "server/domain/store.h"

namespace rehab {

// The county code of the demo county (a county of Jiangsu province).
inline constexpr char kDemoCountyCode[] = "320831";

// One demo login, printed by rehabd at start.
struct DemoAccount {
  std::string username;
  std::string password;
  std::string role;               // the Role enum name, e.g. "ROLE_ADMIN"
  std::string scope_description;  // what the account may see, in words
};

// What SeedDemoCounty did. The counts are those of the records written by
// this call (all zero when nothing was seeded). `accounts` lists the demo
// logins present in the store after the call: all of them after seeding,
// and on a later start those a previous seeding left (none for a registry
// that was never a demo).
struct DemoSummary {
  bool seeded = false;
  int64_t areas = 0, facilities = 0, practitioners = 0, patients = 0,
          enrollments = 0, contracts = 0, visits = 0;
  std::vector<DemoAccount> accounts;
};

// Seeds the demo county into `store` if it holds no patients (seeded=false
// and the accounts list still filled, otherwise). Deterministic: the same
// records every time. Dates (birth dates, enrollment start dates, terms
// and visits) are relative to `clock`'s today in `zone`.
//
// Writes two transactions: the directory (areas, facilities,
// practitioners; records already stored under their demo ids are left as
// they are), then the patients, their enrollments, contracts and visits
// and the demo accounts together, so a failure never leaves patients
// without the rest. A demo username already taken by another account is
// skipped (that account is left alone and not listed). An error from the
// store or from ContractManager's steps, or a clash with other records
// stored under other ids (an area code taken), is returned as is.
// REQUIRES: store, contracts, hasher and clock non-null; `contracts`
// writes to `store` with county time zone `zone`.
absl::StatusOr<DemoSummary> SeedDemoCounty(Store* store,
                                           const ContractManager* contracts,
                                           const PasswordHasher* hasher,
                                           const Clock* clock,
                                           absl::TimeZone zone);

}  // namespace rehab

#endif  // REHAB_SERVER_DOMAIN_DEMO_COUNTY_H_
