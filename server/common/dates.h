// Calendar dates ("YYYY-MM-DD", in the county's time zone) and the
// conversions between instants and protobuf Timestamps.
#ifndef REHAB_SERVER_COMMON_DATES_H_
#define REHAB_SERVER_COMMON_DATES_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace rehab {

// Parses a strict ISO date "YYYY-MM-DD" that names a real calendar day
// (no normalisation: "2023-02-29" is rejected). nullopt otherwise.
std::optional<absl::CivilDay> ParseDate(std::string_view text);

// "YYYY-MM-DD".
std::string FormatDate(absl::CivilDay day);

// The county's time zone: `name` (an IANA name such as "Asia/Shanghai")
// loaded from the system's zone data; a fixed UTC+8 zone when that data is
// missing and the name is Asia/Shanghai. nullopt for an unknown name.
std::optional<absl::TimeZone> LoadCountyTimeZone(std::string_view name);

// The calendar day of `t` in `zone`.
absl::CivilDay DayOf(absl::Time t, absl::TimeZone zone);

google::protobuf::Timestamp ToProto(absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& ts);

// Microseconds since the Unix epoch (how storage keeps instants).
int64_t ToUnixMicros(absl::Time t);
absl::Time FromUnixMicros(int64_t micros);

}  // namespace rehab

#endif  // REHAB_SERVER_COMMON_DATES_H_
