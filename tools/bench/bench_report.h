// What rehab_load prints: one row per scenario run, then the ratios
// DESIGN.md section 9 sets its targets on (a scenario against the health
// check at the same in-flight count, measured in the same run).
#ifndef REHAB_TOOLS_BENCH_BENCH_REPORT_H_
#define REHAB_TOOLS_BENCH_BENCH_REPORT_H_

#include <string>
#include <vector>

#include "tools/bench/load_driver.h"

namespace rehab::bench {

// The scenario every other one is divided by.
inline constexpr char kHealthScenario[] = "health";

struct ScenarioRun {
  std::string scenario;  // "health", "create_patient"
  int in_flight = 0;
  int channels = 0;  // connections the calls were spread over
  LoadResult result;
};

struct BenchReport {
  std::string target;
  std::vector<ScenarioRun> runs;
};

// A ratio of one scenario to the health check at one in-flight count.
struct Ratio {
  std::string scenario;
  int in_flight = 0;
  double throughput = 0;  // scenario calls/s over health calls/s
  double p99 = 0;         // scenario p99 over health p99
};

// One Ratio per non-health run that has a health run with the same
// in_flight, both with successful calls; in the order of `runs`.
std::vector<Ratio> ComputeRatios(const std::vector<ScenarioRun>& runs);

// A table for people: connections, calls, errors, throughput, p50/p90/p99/max
// latency in milliseconds; then errors by code and abort reasons; then the
// ratios, with the section 9 write target judged at 64 in flight.
std::string FormatTable(const BenchReport& report);

// The same as one JSON object:
// {"target":..,"runs":[{"scenario","in_flight","channels","calls","ok",
//  "errors":{"CODE":n},"seconds","throughput","latency_ms":{"p50","p90",
//  "p99","max"},"aborted","abort_reason"}],"ratios":[{"scenario",
//  "in_flight","throughput","p99"}]}
std::string FormatJson(const BenchReport& report);

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_BENCH_REPORT_H_
