// Valid, distinct resident ID numbers (DOMAIN.md section 2) for patients
// created under load: the demo county's address code 320831, a birth date
// from 1940-01-01 to 2010-12-31 and a sequence 001..999, with the
// ISO 7064 MOD 11-2 check character. That space holds kSpace numbers; a
// generator walks it from a start index (birth date major, sequence minor),
// wrapping at the end, and passes over the numbers it was told are taken
// (those already registered on the server, e.g. the demo county's).
#ifndef REHAB_TOOLS_BENCH_SYNTHETIC_ID_NUMBERS_H_
#define REHAB_TOOLS_BENCH_SYNTHETIC_ID_NUMBERS_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"

namespace rehab::bench {

class SyntheticIdNumbers {
 public:
  // 25,933 birth dates (1940-01-01..2010-12-31) times 999 sequences.
  static constexpr int64_t kSpace = int64_t{25933} * 999;
  // Patients per second that StartFor assumes no run exceeds.
  static constexpr int64_t kStartStride = 50000;

  // Walks the space from `start` (taken modulo kSpace), passing over the
  // numbers in `taken`.
  explicit SyntheticIdNumbers(int64_t start,
                              absl::flat_hash_set<std::string> taken = {});

  // A start index derived from the wall clock: (seconds since the epoch x
  // kStartStride) mod kSpace. Two runs started t seconds apart on one
  // database use disjoint numbers as long as the first created fewer than
  // kStartStride patients per second of t and t x kStartStride < kSpace
  // (about 8.6 minutes); otherwise numbers repeat unless they are passed
  // as `taken`.
  static int64_t StartFor(absl::Time now);

  // The number at `index` of the space (taken modulo kSpace).
  static std::string AtIndex(int64_t index);

  // The next number of the walk that is not taken. Thread-safe.
  std::string Next();

 private:
  std::atomic<int64_t> next_;
  const absl::flat_hash_set<std::string> taken_;
};

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_SYNTHETIC_ID_NUMBERS_H_
