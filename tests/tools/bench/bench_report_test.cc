#include "tools/bench/bench_report.h"

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rehab::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

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

// `ok` calls moving `records_per_call` records each over one second.
ScenarioRun MakeRecordRun(const std::string& scenario, int in_flight, int ok,
                          int64_t records_per_call) {
  ScenarioRun run =
      MakeRun(scenario, in_flight, ok, std::chrono::microseconds(5000));
  run.result.records = ok * records_per_call;
  return run;
}

// Health, raw inserts at 100,000 records/s, pushes at `push_records` and
// pulls at 150,000 records/s; all at 64 in flight.
BenchReport SyncRun(int64_t push_records) {
  BenchReport report;
  report.target = "127.0.0.1:50051";
  report.runs = {
      MakeRun("health", 64, 1000, std::chrono::microseconds(100)),
      MakeRecordRun("sqlite_insert", 64, 200, 500),
      MakeRecordRun("push", 64, 100, push_records / 100),
      MakeRecordRun("pull", 64, 75, 2000),
  };
  report.runs[1].channels = 0;
  return report;
}

TEST(BenchReportTest, DividesRecordsBySqliteInsertsAtTheSameInFlightCount) {
  BenchReport report = SyncRun(40000);
  report.runs.push_back(MakeRecordRun("sqlite_insert", 1, 100, 500));
  report.runs.push_back(MakeRecordRun("push", 1, 10, 500));
  const std::vector<RecordRatio> ratios = ComputeRecordRatios(report.runs);
  ASSERT_EQ(ratios.size(), 3u);
  EXPECT_EQ(ratios[0].scenario, "push");
  EXPECT_EQ(ratios[0].in_flight, 64);
  EXPECT_NEAR(ratios[0].records, 0.4, 1e-9);
  EXPECT_EQ(ratios[1].scenario, "pull");
  EXPECT_NEAR(ratios[1].records, 1.5, 1e-9);
  EXPECT_EQ(ratios[2].scenario, "push");
  EXPECT_EQ(ratios[2].in_flight, 1);
  EXPECT_NEAR(ratios[2].records, 0.1, 1e-9);
}

TEST(BenchReportTest, GivesNoRecordRatioWithoutSqliteInsertsOrRecords) {
  const std::vector<ScenarioRun> runs = {
      MakeRun("health", 64, 1000, std::chrono::microseconds(100)),
      MakeRecordRun("push", 64, 100, 500),
      MakeRecordRun("sqlite_insert", 1, 100, 500),
      MakeRecordRun("pull", 1, 0, 2000),
  };
  EXPECT_TRUE(ComputeRecordRatios(runs).empty());
}

TEST(BenchReportTest, DividesEverySyncScenarioByHealthToo) {
  const std::vector<Ratio> ratios = ComputeRatios(SyncRun(40000).runs);
  ASSERT_EQ(ratios.size(), 3u);
  EXPECT_EQ(ratios[0].scenario, "sqlite_insert");
  EXPECT_NEAR(ratios[0].throughput, 0.2, 1e-9);
  EXPECT_EQ(ratios[1].scenario, "push");
  EXPECT_NEAR(ratios[1].throughput, 0.1, 1e-9);
  EXPECT_EQ(ratios[2].scenario, "pull");
  EXPECT_NEAR(ratios[2].throughput, 0.075, 1e-9);
}

TEST(BenchReportTest, TableShowsRecordRatesAndJudgesTheIngestTarget) {
  const std::string met = FormatTable(SyncRun(40000));
  EXPECT_THAT(met, HasSubstr("records/s against raw SQLite inserts"));
  EXPECT_THAT(met, HasSubstr("100000.0"));  // sqlite_insert records/s
  EXPECT_THAT(met, HasSubstr("records ratio >= 0.30: met"));
  EXPECT_THAT(FormatTable(SyncRun(20000)),
              HasSubstr("records ratio >= 0.30: NOT met"));
  // The unary write target is create_patient's alone.
  EXPECT_THAT(met, Not(HasSubstr(">= 0.50")));
}

TEST(BenchReportTest, TableListsCountsAndNotes) {
  BenchReport report = SyncRun(40000);
  report.runs[2].counts = {{"applied", 40000}, {"rejected", 0}};
  report.runs[2].note = "FAILED items; first item 3: ALREADY_EXISTS";
  const std::string table = FormatTable(report);
  EXPECT_THAT(table, HasSubstr("push at 64 in flight: applied 40000, "
                               "rejected 0"));
  EXPECT_THAT(table, HasSubstr("push at 64 in flight: FAILED items"));
}

TEST(BenchReportTest, JsonCarriesRecordsCountsAndRecordRatios) {
  BenchReport report = SyncRun(40000);
  report.runs[3].counts = {{"passes", 12}};
  const std::string json = FormatJson(report);
  EXPECT_THAT(json, HasSubstr("\"records\":150000,"
                              "\"records_per_second\":150000.0"));
  EXPECT_THAT(json, HasSubstr("\"counts\":{\"passes\":12}"));
  EXPECT_THAT(json, HasSubstr("\"record_ratios\":[{\"scenario\":\"push\","
                              "\"in_flight\":64,\"records\":0.4000}"));
}

}  // namespace
}  // namespace rehab::bench
