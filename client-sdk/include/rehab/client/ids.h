// Record ids a client chooses itself.
//
// Creates are idempotent by id (DESIGN.md section 4): sending the same
// record with the same id twice stores it once. An importer that derives
// each record's id from a natural key can therefore be run again without
// making duplicates.
#ifndef REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_IDS_H_
#define REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_IDS_H_

#include <string>
#include <string_view>

namespace rehab::client {

// The patient id that belongs to a resident ID number: a name-based UUID
// (version 8, from SHA-256 of "rehab.patient", a NUL byte and the ID
// number with surrounding whitespace removed and letters upper-cased), in
// canonical lowercase form. The same ID number always gives the same id,
// on every platform and in every release; different ID numbers give
// different ids. No validation: a malformed ID number still gets an id,
// and the server rejects the record.
std::string PatientIdForIdNumber(std::string_view id_number);

}  // namespace rehab::client

#endif  // REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_IDS_H_
