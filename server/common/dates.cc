#include "server/common/dates.h"

#include <cstdio>

#include "absl/strings/str_format.h"

namespace rehab {

std::optional<absl::CivilDay> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  int parts[3] = {0, 0, 0};
  const int starts[3] = {0, 5, 8};
  const int lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i < lengths[p]; ++i) {
      const char c = text[starts[p] + i];
      if (c < '0' || c > '9') return std::nullopt;
      parts[p] = parts[p] * 10 + (c - '0');
    }
  }
  const absl::CivilDay day(parts[0], parts[1], parts[2]);
  if (day.year() != parts[0] || day.month() != parts[1] ||
      day.day() != parts[2] || parts[0] < 1) {
    return std::nullopt;
  }
  return day;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::optional<absl::TimeZone> LoadCountyTimeZone(std::string_view name) {
  absl::TimeZone zone;
  if (absl::LoadTimeZone(std::string(name), &zone)) return zone;
  if (name == "Asia/Shanghai") return absl::FixedTimeZone(8 * 3600);
  if (name == "UTC") return absl::UTCTimeZone();
  return std::nullopt;
}

absl::CivilDay DayOf(absl::Time t, absl::TimeZone zone) {
  return absl::ToCivilDay(t, zone);
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rem = micros % 1000000;
  if (rem < 0) {
    rem += 1000000;
    --seconds;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rem * 1000));
  return ts;
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

int64_t ToUnixMicros(absl::Time t) { return absl::ToUnixMicros(t); }

absl::Time FromUnixMicros(int64_t micros) {
  return absl::FromUnixMicros(micros);
}

}  // namespace rehab
