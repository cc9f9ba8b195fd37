#include "tools/bench/synthetic_id_numbers.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "server/domain/validation.h"

namespace rehab::bench {
namespace {

constexpr char kAddressCode[] = "320831";
constexpr int64_t kSequencesPerDay = 999;
const absl::CivilDay kFirstBirthDate(1940, 1, 1);

int64_t Wrap(int64_t index) {
  const int64_t r = index % SyntheticIdNumbers::kSpace;
  return r < 0 ? r + SyntheticIdNumbers::kSpace : r;
}

}  // namespace

SyntheticIdNumbers::SyntheticIdNumbers(int64_t start,
                                       absl::flat_hash_set<std::string> taken)
    : next_(Wrap(start)), taken_(std::move(taken)) {}

int64_t SyntheticIdNumbers::StartFor(absl::Time now) {
  const int64_t seconds = absl::ToUnixSeconds(now) % kSpace;
  return Wrap(seconds * kStartStride);
}

std::string SyntheticIdNumbers::AtIndex(int64_t index) {
  index = Wrap(index);
  const absl::CivilDay birth = kFirstBirthDate + index / kSequencesPerDay;
  const int sequence = static_cast<int>(index % kSequencesPerDay) + 1;
  std::string id =
      absl::StrFormat("%s%04d%02d%02d%03d", kAddressCode, birth.year(),
                      birth.month(), birth.day(), sequence);
  id.push_back(IdCheckCharacter(id));
  return id;
}

std::string SyntheticIdNumbers::Next() {
  // Ends: the space is far larger than any server's patient count.
  for (;;) {
    std::string id = AtIndex(next_.fetch_add(1, std::memory_order_relaxed));
    if (!taken_.contains(id)) return id;
  }
}

}  // namespace rehab::bench
