#include "tools/bench/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace rehab::bench {
namespace {

constexpr int kSubBits = 6;  // 64 buckets per power of two
constexpr int64_t kSubCount = int64_t{1} << kSubBits;
// Below this every value has its own bucket (the first two "octaves" would
// otherwise need buckets narrower than 1 ns).
constexpr int64_t kExactLimit = 2 * kSubCount;
constexpr int kExactBits = kSubBits + 1;
constexpr int kMaxBits = 40;
constexpr size_t kBucketCount =
    kExactLimit + (kMaxBits - kExactBits) * kSubCount;

int HighestBit(uint64_t v) { return 63 - __builtin_clzll(v); }

size_t BucketOf(int64_t v) {
  if (v < kExactLimit) return static_cast<size_t>(v);
  const int high = HighestBit(static_cast<uint64_t>(v));
  if (high >= kMaxBits) return kBucketCount - 1;
  const int shift = high - kSubBits;
  const int64_t sub = (v >> shift) - kSubCount;
  return static_cast<size_t>(kExactLimit + (high - kExactBits) * kSubCount +
                             sub);
}

// The largest value that falls in `bucket`.
int64_t UpperBound(size_t bucket) {
  const int64_t b = static_cast<int64_t>(bucket);
  if (b < kExactLimit) return b;
  const int64_t group = (b - kExactLimit) / kSubCount;
  const int64_t sub = (b - kExactLimit) % kSubCount;
  const int shift = static_cast<int>(group) + kExactBits - kSubBits;
  return ((kSubCount + sub + 1) << shift) - 1;
}

}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBucketCount, 0) {}

void LatencyHistogram::Record(std::chrono::nanoseconds latency) {
  const int64_t v = std::max<int64_t>(0, latency.count());
  ++buckets_[BucketOf(v)];
  ++count_;
  max_ = std::max(max_, std::chrono::nanoseconds(v));
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBucketCount; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

std::chrono::nanoseconds LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return std::chrono::nanoseconds(0);
  q = std::clamp(q, 0.0, 1.0);
  const int64_t rank = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(q * static_cast<double>(count_))));
  int64_t seen = 0;
  for (size_t i = 0; i < kBucketCount; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      // The last bucket also holds every value beyond its bound.
      if (i == kBucketCount - 1) return max_;
      return std::min(std::chrono::nanoseconds(UpperBound(i)), max_);
    }
  }
  return max_;
}

}  // namespace rehab::bench
