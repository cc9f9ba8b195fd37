// Record identifiers: canonical lowercase UUIDs (DESIGN.md section 4).
#ifndef REHAB_SERVER_COMMON_IDS_H_
#define REHAB_SERVER_COMMON_IDS_H_

#include <string>
#include <string_view>

namespace rehab {

// A new random (version 4) UUID from a cryptographic source, canonical form
// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx". Thread-safe.
std::string NewUuid();

// A UUID determined by `name_space` and `name` (version 8, from SHA-256), so
// that the same natural key always names the same record, e.g. an import
// row keyed by the resident ID number.
std::string NameUuid(std::string_view name_space, std::string_view name);

// True when `id` is a UUID in canonical lowercase form.
bool IsCanonicalUuid(std::string_view id);

// `id` lowercased when it is a UUID in any letter case; else unchanged.
std::string CanonicalizeUuid(std::string_view id);

}  // namespace rehab

#endif  // REHAB_SERVER_COMMON_IDS_H_
