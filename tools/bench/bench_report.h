// What rehab_load prints: one row per scenario run, then the ratios
// DESIGN.md section 9 sets its targets on, each of two runs of the same run
// of rehab_load at the same in-flight count: a scenario's calls/s against
// the health check's, and a scenario's records/s against the raw SQLite
// inserts' (sqlite_insert).
#ifndef REHAB_TOOLS_BENCH_BENCH_REPORT_H_
#define REHAB_TOOLS_BENCH_BENCH_REPORT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tools/bench/load_driver.h"

namespace rehab::bench {

// The scenarios. Every one's calls/s is divided by the health check's;
// every one's records/s by sqlite_insert's.
inline constexpr char kHealthScenario[] = "health";
inline constexpr char kSqliteInsertScenario[] = "sqlite_insert";
inline constexpr char kCreatePatientScenario[] = "create_patient";
inline constexpr char kPushScenario[] = "push";
inline constexpr char kPullScenario[] = "pull";

struct ScenarioRun {
  std::string scenario;  // one of the names above
  int in_flight = 0;
  // Connections the calls were spread over; 0 for a scenario that makes no
  // calls (sqlite_insert).
  int channels = 0;
  LoadResult result;
  // What the scenario counted besides calls, in the order to print, e.g.
  // {"rejected", 0}.
  std::vector<std::pair<std::string, int64_t>> counts;
  // One line for the notes under the table; may be empty.
  std::string note;
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

// A ratio of one scenario's records to the raw SQLite inserts' at one
// in-flight count.
struct RecordRatio {
  std::string scenario;
  int in_flight = 0;
  double records = 0;  // scenario records/s over sqlite_insert records/s
};

// One RecordRatio per run other than health and sqlite_insert that moved
// records and has a sqlite_insert run with the same in_flight that moved
// records; in the order of `runs`.
std::vector<RecordRatio> ComputeRecordRatios(
    const std::vector<ScenarioRun>& runs);

// A table for people: connections, calls, errors, calls/s, records/s,
// p50/p90/p99/max latency in milliseconds; then errors by code, counts,
// notes and abort reasons; then the ratios to the health check, with the
// section 9 write target judged for create_patient at 64 in flight; then
// the ratios to sqlite_insert, with the section 9 batch ingest target
// judged for push.
std::string FormatTable(const BenchReport& report);

// The same as one JSON object:
// {"target":..,"runs":[{"scenario","in_flight","channels","calls","ok",
//  "errors":{"CODE":n},"seconds","throughput","records",
//  "records_per_second","latency_ms":{"p50","p90","p99","max"},
//  "counts":{"name":n},"note","aborted","abort_reason"}],
//  "ratios":[{"scenario","in_flight","throughput","p99"}],
//  "record_ratios":[{"scenario","in_flight","records"}]}
std::string FormatJson(const BenchReport& report);

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_BENCH_REPORT_H_
