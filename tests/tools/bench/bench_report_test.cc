#include "tools/bench/bench_report.h"

#include <chrono>
#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rehab::bench {
namespace {

using ::testing::HasSubstr;

// `ok` calls of `latency` each over one second.
ScenarioRun MakeRun(const std::string& scenario, int in_flight, int ok,
                    std::chrono::microseconds latency) {
  ScenarioRun run;
  run.scenario = scenario;
  run.in_flight = in_flight;
  run.channels = 1;
  run.result.calls = ok;
  run.result.ok = ok;
  run.result.elapsed = absl::Seconds(1);
  for (int i = 0; i < ok; ++i) run.result.latency.Record(latency);
  return run;
}

TEST(BenchReportTest, DividesEachScenarioByHealthAtTheSameInFlightCount) {
  const std::vector<ScenarioRun> runs = {
      MakeRun("health", 1, 1000, std::chrono::microseconds(100)),
      MakeRun("create_patient", 1, 250, std::chrono::microseconds(400)),
      MakeRun("health", 64, 8000, std::chrono::microseconds(1000)),
      MakeRun("create_patient", 64, 6000, std::chrono::microseconds(2000)),
  };
  const std::vector<Ratio> ratios = ComputeRatios(runs);
  ASSERT_EQ(ratios.size(), 2u);
  EXPECT_EQ(ratios[0].in_flight, 1);
  EXPECT_NEAR(ratios[0].throughput, 0.25, 1e-9);
  EXPECT_NEAR(ratios[0].p99, 4.0, 0.1);
  EXPECT_EQ(ratios[1].in_flight, 64);
  EXPECT_NEAR(ratios[1].throughput, 0.75, 1e-9);
  EXPECT_NEAR(ratios[1].p99, 2.0, 0.1);
}

TEST(BenchReportTest, GivesNoRatioWithoutASuccessfulHealthRun) {
  std::vector<ScenarioRun> runs = {
      MakeRun("health", 64, 0, std::chrono::microseconds(100)),
      MakeRun("create_patient", 64, 100, std::chrono::microseconds(400)),
      MakeRun("create_patient", 1, 100, std::chrono::microseconds(400)),
  };
  EXPECT_TRUE(ComputeRatios(runs).empty());
}

TEST(BenchReportTest, TableShowsErrorsAndWhyARunStopped) {
  BenchReport report;
  report.target = "127.0.0.1:50051";
  ScenarioRun run =
      MakeRun("create_patient", 64, 10, std::chrono::microseconds(1));
  run.result.calls = 13;
  run.result.errors[grpc::StatusCode::ALREADY_EXISTS] = 3;
  run.result.aborted = true;
  run.result.abort_reason = "stopped early: test";
  report.runs.push_back(run);
  const std::string table = FormatTable(report);
  EXPECT_THAT(table, HasSubstr("ALREADY_EXISTS 3"));
  EXPECT_THAT(table, HasSubstr("stopped early: test"));
}

// 1,000 health checks and `creates` patients created in a second, both at
// 64 in flight.
BenchReport HealthAndCreates(int creates) {
  BenchReport report;
  report.target = "127.0.0.1:50051";
  report.runs = {
      MakeRun("health", 64, 1000, std::chrono::microseconds(100)),
      MakeRun("create_patient", 64, creates, std::chrono::microseconds(300))};
  return report;
}

TEST(BenchReportTest, TableJudgesTheWriteTargetAt64InFlight) {
  EXPECT_THAT(FormatTable(HealthAndCreates(400)),
              HasSubstr(">= 0.50: NOT met"));
  EXPECT_THAT(FormatTable(HealthAndCreates(600)), HasSubstr(">= 0.50: met"));
}

TEST(BenchReportTest, JsonCarriesRunsAndRatios) {
  BenchReport report = HealthAndCreates(500);
  report.runs[1].result.abort_reason = "say \"why\"";
  const std::string json = FormatJson(report);
  EXPECT_THAT(json, HasSubstr("\"target\":\"127.0.0.1:50051\""));
  EXPECT_THAT(json,
              HasSubstr("\"scenario\":\"create_patient\",\"in_flight\":64"));
  EXPECT_THAT(json, HasSubstr("\"throughput\":0.5000"));
  EXPECT_THAT(json, HasSubstr("\"abort_reason\":\"say \\\"why\\\"\""));
}

}  // namespace
}  // namespace rehab::bench
