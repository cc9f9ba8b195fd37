#include "tools/bench/bench_report.h"

#include <chrono>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace rehab::bench {
namespace {

// DESIGN.md section 9: durable unary writes at 64 in flight reach at least
// half the health check's rate.
constexpr int kWriteTargetInFlight = 64;
constexpr double kWriteTargetRatio = 0.5;
// DESIGN.md section 9: batch ingest through Push reaches at least 30% of
// raw SQLite inserts of the same rows (no in-flight count is set).
constexpr double kIngestTargetRatio = 0.3;

double Millis(std::chrono::nanoseconds d) {
  return static_cast<double>(d.count()) / 1e6;
}

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

int64_t ErrorCount(const LoadResult& result) {
  int64_t n = 0;
  for (const auto& [code, count] : result.errors) n += count;
  return n;
}

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  out += "\"";
  return out;
}

const ScenarioRun* FindRun(const std::vector<ScenarioRun>& runs,
                           const std::string& scenario, int in_flight) {
  for (const ScenarioRun& run : runs) {
    if (run.scenario == scenario && run.in_flight == in_flight) return &run;
  }
  return nullptr;
}

// A rate for the table: "-" for a run that moved no records.
std::string RecordRate(const LoadResult& result) {
  return result.records > 0 ? absl::StrFormat("%.1f", result.RecordThroughput())
                            : std::string("-");
}

}  // namespace

std::vector<Ratio> ComputeRatios(const std::vector<ScenarioRun>& runs) {
  std::vector<Ratio> ratios;
  for (const ScenarioRun& run : runs) {
    if (run.scenario == kHealthScenario) continue;
    const ScenarioRun* health = FindRun(runs, kHealthScenario, run.in_flight);
    if (health == nullptr || health->result.ok == 0 || run.result.ok == 0) {
      continue;
    }
    Ratio ratio;
    ratio.scenario = run.scenario;
    ratio.in_flight = run.in_flight;
    ratio.throughput = run.result.Throughput() / health->result.Throughput();
    const double health_p99 = Millis(health->result.latency.Percentile(0.99));
    ratio.p99 = health_p99 > 0
                    ? Millis(run.result.latency.Percentile(0.99)) / health_p99
                    : 0;
    ratios.push_back(ratio);
  }
  return ratios;
}

std::vector<RecordRatio> ComputeRecordRatios(
    const std::vector<ScenarioRun>& runs) {
  std::vector<RecordRatio> ratios;
  for (const ScenarioRun& run : runs) {
    if (run.scenario == kHealthScenario ||
        run.scenario == kSqliteInsertScenario || run.result.records == 0) {
      continue;
    }
    const ScenarioRun* inserts =
        FindRun(runs, kSqliteInsertScenario, run.in_flight);
    if (inserts == nullptr || inserts->result.records == 0) continue;
    RecordRatio ratio;
    ratio.scenario = run.scenario;
    ratio.in_flight = run.in_flight;
    ratio.records =
        run.result.RecordThroughput() / inserts->result.RecordThroughput();
    ratios.push_back(ratio);
  }
  return ratios;
}

std::string FormatTable(const BenchReport& report) {
  std::string out = absl::StrFormat("target %s\n\n", report.target);
  absl::StrAppendFormat(
      &out, "%-16s %9s %5s %9s %7s %10s %11s %8s %8s %8s %8s\n", "scenario",
      "in_flight", "conns", "calls", "errors", "calls/s", "records/s", "p50 ms",
      "p90 ms", "p99 ms", "max ms");
  std::string notes;
  for (const ScenarioRun& run : report.runs) {
    const LoadResult& r = run.result;
    absl::StrAppendFormat(
        &out, "%-16s %9d %5s %9d %7d %10.1f %11s %8.3f %8.3f %8.3f %8.3f\n",
        run.scenario, run.in_flight,
        run.channels > 0 ? absl::StrCat(run.channels) : "-", r.calls,
        ErrorCount(r), r.Throughput(), RecordRate(r),
        Millis(r.latency.Percentile(0.50)), Millis(r.latency.Percentile(0.90)),
        Millis(r.latency.Percentile(0.99)), Millis(r.latency.max()));
    if (!run.counts.empty()) {
      std::vector<std::string> parts;
      for (const auto& [name, count] : run.counts) {
        parts.push_back(absl::StrCat(name, " ", count));
      }
      absl::StrAppend(&notes, run.scenario, " at ", run.in_flight,
                      " in flight: ", absl::StrJoin(parts, ", "), "\n");
    }
    if (!run.note.empty()) {
      absl::StrAppend(&notes, run.scenario, " at ", run.in_flight,
                      " in flight: ", run.note, "\n");
    }
    if (!r.errors.empty()) {
      std::vector<std::string> parts;
      for (const auto& [code, count] : r.errors) {
        parts.push_back(absl::StrCat(CodeName(code), " ", count));
      }
      absl::StrAppend(&notes, run.scenario, " at ", run.in_flight,
                      " in flight: errors ", absl::StrJoin(parts, ", "), "\n");
      if (r.errors.count(grpc::StatusCode::ALREADY_EXISTS) > 0) {
        absl::StrAppend(&notes,
                        "  (ALREADY_EXISTS: a synthetic ID number was "
                        "registered by someone else during the run, or lies "
                        "outside the account's view; see "
                        "tools/bench/README.md)\n");
      }
    }
    if (r.aborted) {
      absl::StrAppend(&notes, run.scenario, " at ", run.in_flight,
                      " in flight: ", r.abort_reason, "\n");
    }
  }
  if (!notes.empty()) absl::StrAppend(&out, "\n", notes);

  const std::vector<Ratio> ratios = ComputeRatios(report.runs);
  if (!ratios.empty()) {
    absl::StrAppend(&out,
                    "\nagainst grpc.health.v1.Health/Check at the same "
                    "in-flight count:\n");
    absl::StrAppendFormat(&out, "%-16s %9s %17s %10s  %s\n", "scenario",
                          "in_flight", "throughput ratio", "p99 ratio",
                          "DESIGN.md section 9");
    for (const Ratio& ratio : ratios) {
      std::string target = "-";
      if (ratio.scenario == kCreatePatientScenario &&
          ratio.in_flight == kWriteTargetInFlight) {
        target = absl::StrFormat(
            "throughput ratio >= %.2f: %s", kWriteTargetRatio,
            ratio.throughput >= kWriteTargetRatio ? "met" : "NOT met");
      }
      absl::StrAppendFormat(&out, "%-16s %9d %17.3f %10.2f  %s\n",
                            ratio.scenario, ratio.in_flight, ratio.throughput,
                            ratio.p99, target);
    }
  }

  const std::vector<RecordRatio> record_ratios =
      ComputeRecordRatios(report.runs);
  if (!record_ratios.empty()) {
    absl::StrAppend(&out,
                    "\nrecords/s against raw SQLite inserts (sqlite_insert) "
                    "at the same in-flight count:\n");
    absl::StrAppendFormat(&out, "%-16s %9s %17s  %s\n", "scenario", "in_flight",
                          "records ratio", "DESIGN.md section 9");
    for (const RecordRatio& ratio : record_ratios) {
      std::string target = "-";
      if (ratio.scenario == kPushScenario) {
        target = absl::StrFormat(
            "records ratio >= %.2f: %s", kIngestTargetRatio,
            ratio.records >= kIngestTargetRatio ? "met" : "NOT met");
      } else if (ratio.scenario == kPullScenario) {
        target = "- (section 9 sets Pull against a SQLite scan)";
      }
      absl::StrAppendFormat(&out, "%-16s %9d %17.3f  %s\n", ratio.scenario,
                            ratio.in_flight, ratio.records, target);
    }
  }
  return out;
}

std::string FormatJson(const BenchReport& report) {
  std::vector<std::string> runs;
  for (const ScenarioRun& run : report.runs) {
    const LoadResult& r = run.result;
    std::vector<std::string> errors;
    for (const auto& [code, count] : r.errors) {
      errors.push_back(absl::StrCat(JsonString(CodeName(code)), ":", count));
    }
    std::vector<std::string> counts;
    for (const auto& [name, count] : run.counts) {
      counts.push_back(absl::StrCat(JsonString(name), ":", count));
    }
    runs.push_back(absl::StrFormat(
        "{\"scenario\":%s,\"in_flight\":%d,\"channels\":%d,\"calls\":%d,"
        "\"ok\":%d,"
        "\"errors\":{%s},\"seconds\":%.3f,\"throughput\":%.1f,"
        "\"records\":%d,\"records_per_second\":%.1f,"
        "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
        "\"max\":%.3f},\"counts\":{%s},\"note\":%s,\"aborted\":%s,"
        "\"abort_reason\":%s}",
        JsonString(run.scenario), run.in_flight, run.channels, r.calls, r.ok,
        absl::StrJoin(errors, ","), absl::ToDoubleSeconds(r.elapsed),
        r.Throughput(), r.records, r.RecordThroughput(),
        Millis(r.latency.Percentile(0.50)), Millis(r.latency.Percentile(0.90)),
        Millis(r.latency.Percentile(0.99)), Millis(r.latency.max()),
        absl::StrJoin(counts, ","), JsonString(run.note),
        r.aborted ? "true" : "false", JsonString(r.abort_reason)));
  }
  std::vector<std::string> ratios;
  for (const Ratio& ratio : ComputeRatios(report.runs)) {
    ratios.push_back(absl::StrFormat(
        "{\"scenario\":%s,\"in_flight\":%d,\"throughput\":%.4f,\"p99\":%.3f}",
        JsonString(ratio.scenario), ratio.in_flight, ratio.throughput,
        ratio.p99));
  }
  std::vector<std::string> record_ratios;
  for (const RecordRatio& ratio : ComputeRecordRatios(report.runs)) {
    record_ratios.push_back(absl::StrFormat(
        "{\"scenario\":%s,\"in_flight\":%d,\"records\":%.4f}",
        JsonString(ratio.scenario), ratio.in_flight, ratio.records));
  }
  return absl::StrFormat(
      "{\"target\":%s,\"runs\":[%s],\"ratios\":[%s],\"record_ratios\":[%s]}"
      "\n",
      JsonString(report.target), absl::StrJoin(runs, ","),
      absl::StrJoin(ratios, ","), absl::StrJoin(record_ratios, ","));
}

}  // namespace rehab::bench
