// A histogram of call latencies for the load generator: constant memory,
// percentiles within 1/64 (about 1.6%) of the true value, exact maximum.
//
// Values below 128 ns get a bucket each; above, every power of two is split
// into 64 equal buckets. Values of 2^40 ns (about 18 minutes) or more are
// counted in the last bucket (the maximum stays exact).
//
// Not thread-safe: guard it, or keep one per thread and Merge them.
#ifndef REHAB_TOOLS_BENCH_LATENCY_HISTOGRAM_H_
#define REHAB_TOOLS_BENCH_LATENCY_HISTOGRAM_H_

#include <chrono>
#include <cstdint>
#include <vector>

namespace rehab::bench {

class LatencyHistogram {
 public:
  LatencyHistogram();

  // Adds one value; a negative one counts as 0.
  void Record(std::chrono::nanoseconds latency);

  // Adds every value recorded in `other`.
  void Merge(const LatencyHistogram& other);

  int64_t count() const { return count_; }
  // 0 when empty.
  std::chrono::nanoseconds max() const { return max_; }

  // The q-quantile (q in [0, 1]; 0.99 for p99): the upper bound of the
  // bucket holding the ceil(q * count)-th smallest value, capped at the
  // maximum, so it is never below the true value and at most 1/64 above it.
  // 0 when empty.
  std::chrono::nanoseconds Percentile(double q) const;

 private:
  std::vector<int64_t> buckets_;
  int64_t count_ = 0;
  std::chrono::nanoseconds max_{0};
};

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_LATENCY_HISTOGRAM_H_
