#include "tools/bench/latency_histogram.h"

#include <chrono>

#include "gtest/gtest.h"

namespace rehab::bench {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

TEST(LatencyHistogramTest, ReportsZeroWhenEmpty) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.Percentile(0.5), nanoseconds(0));
  EXPECT_EQ(h.max(), nanoseconds(0));
}

TEST(LatencyHistogramTest, GivesExactValuesBelow128Nanoseconds) {
  LatencyHistogram h;
  for (int i = 1; i <= 100; ++i) h.Record(nanoseconds(i));
  EXPECT_EQ(h.Percentile(0.50), nanoseconds(50));
  EXPECT_EQ(h.Percentile(0.99), nanoseconds(99));
  EXPECT_EQ(h.Percentile(1.0), nanoseconds(100));
}

TEST(LatencyHistogramTest, PercentilesAreWithinOneSixtyFourthAboveTheTruth) {
  LatencyHistogram h;
  // 1 us .. 10 ms in 1 us steps: the q-quantile is q * 10 ms.
  for (int i = 1; i <= 10000; ++i) h.Record(microseconds(i));
  for (double q : {0.5, 0.9, 0.99}) {
    const double truth = q * 1e7;  // ns
    const double got = static_cast<double>(h.Percentile(q).count());
    EXPECT_GE(got, truth) << "q=" << q;
    EXPECT_LE(got, truth * (1.0 + 1.0 / 64)) << "q=" << q;
  }
  EXPECT_EQ(h.max(), milliseconds(10));
  EXPECT_EQ(h.count(), 10000);
}

TEST(LatencyHistogramTest, NeverReportsMoreThanTheMaximum) {
  LatencyHistogram h;
  h.Record(nanoseconds(1000001));
  EXPECT_EQ(h.Percentile(0.99), nanoseconds(1000001));
}

TEST(LatencyHistogramTest, KeepsTheExactMaximumOfHugeValues) {
  LatencyHistogram h;
  h.Record(std::chrono::hours(2));
  h.Record(milliseconds(1));
  EXPECT_EQ(h.max(), std::chrono::hours(2));
  EXPECT_EQ(h.Percentile(1.0), std::chrono::hours(2));
  EXPECT_LE(h.Percentile(0.5), nanoseconds(milliseconds(1)) * 65 / 64);
}

TEST(LatencyHistogramTest, MergeAddsCountsAndKeepsTheLargerMaximum) {
  LatencyHistogram fast, slow;
  for (int i = 0; i < 90; ++i) fast.Record(microseconds(100));
  for (int i = 0; i < 10; ++i) slow.Record(milliseconds(50));
  fast.Merge(slow);
  EXPECT_EQ(fast.count(), 100);
  EXPECT_EQ(fast.max(), milliseconds(50));
  EXPECT_LE(fast.Percentile(0.90), nanoseconds(microseconds(100)) * 65 / 64);
  EXPECT_EQ(fast.Percentile(0.91), milliseconds(50));
}

}  // namespace
}  // namespace rehab::bench
