// Contracts, visits, due follow-ups and alerts through the offline part of
// rehab::client::Client, against the in-memory SyncService
// (fake_sync_server.h) and a real local SQLite file: what a family
// doctor's phone shows offline, and that a visit recorded offline reaches
// the server once.
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rehab/client/client.h"
#include "rehab/client/errors.h"
#include "server/common/ids.h"
#include "tests/client-sdk/fake_sync_server.h"

namespace rehab::client {
namespace {

namespace v1 = ::rehab::v1;
using internal::FakeSyncServer;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// 2026-03-02 01:00 in Shanghai, still 2026-03-01 in UTC.
const absl::Time kDeviceNow = absl::FromCivil(
    absl::CivilSecond(2026, 3, 1, 17, 0, 0), absl::UTCTimeZone());

std::vector<std::string> PatientIds(const std::vector<v1::FollowUp>& list) {
  std::vector<std::string> ids;
  for (const v1::FollowUp& f : list) ids.push_back(f.patient_id());
  return ids;
}

std::vector<std::string> VisitIds(const std::vector<v1::Visit>& list) {
  std::vector<std::string> ids;
  for (const v1::Visit& v : list) ids.push_back(v.id());
  return ids;
}

v1::FollowUp FollowUpDue(const std::string& patient_id,
                         const std::string& due_date, int interval_days) {
  v1::FollowUp f;
  f.set_id(patient_id);
  f.set_patient_id(patient_id);
  f.set_contract_id("contract-of-" + patient_id);
  f.set_doctor_id("doctor-1");
  f.set_due_date(due_date);
  f.set_interval_days(interval_days);
  f.set_reason(v1::FOLLOW_UP_REASON_UNSTABLE);
  // As the server read it: not overdue yet on its day.
  f.set_overdue(false);
  return f;
}

v1::Contract ActiveContract(const std::string& id,
                            const std::string& patient_id) {
  v1::Contract c;
  c.set_id(id);
  c.set_patient_id(patient_id);
  c.set_doctor_id("doctor-1");
  c.set_start_date("2025-06-01");
  c.set_end_date("2026-05-31");
  c.set_signed_date("2025-06-01");
  c.set_status(v1::CONTRACT_STATUS_ACTIVE);
  return c;
}

v1::Visit VisitAt(const std::string& id, const std::string& patient_id,
                  int64_t start_unix) {
  v1::Visit v;
  v.set_id(id);
  v.set_patient_id(patient_id);
  v.set_mode(v1::VISIT_MODE_HOME);
  v.set_informant(v1::INFORMANT_FAMILY);
  v.mutable_start_time()->set_seconds(start_unix);
  v.mutable_end_time()->set_seconds(start_unix + 1800);
  return v;
}

// A visit at `hour`:`minute` county time (Asia/Shanghai) on `day`.
v1::Visit VisitOn(const std::string& patient_id, absl::CivilDay day,
                  int hour = 10, int minute = 0) {
  // Asia/Shanghai keeps UTC+8 all year.
  const absl::Time start = absl::FromCivil(
      absl::CivilMinute(day.year(), day.month(), day.day(), hour, minute),
      absl::FixedTimeZone(8 * 60 * 60));
  return VisitAt("", patient_id, absl::ToUnixSeconds(start));
}

v1::Contract ContractOver(const std::string& id, absl::CivilDay start,
                          absl::CivilDay end, v1::ContractStatus status) {
  v1::Contract c = ActiveContract(id, "p-1");
  c.set_start_date(absl::FormatCivilTime(start));
  c.set_end_date(absl::FormatCivilTime(end));
  c.set_signed_date(absl::FormatCivilTime(start));
  c.set_status(status);
  return c;
}

class ContractSyncTest : public ::testing::Test {
 protected:
  ContractSyncTest() {
    std::string pattern =
        (std::filesystem::path(::testing::TempDir()) / "rehab-sdk-XXXXXX")
            .string();
    dir_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
    server_.SetTime(kDeviceNow);
  }
  ~ContractSyncTest() override {
    client_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  void SetUp() override {
    ClientOptions options;
    options.local_db_path = dir_ + "/phone.db";
    options.device_id = "phone-7";
    options.default_deadline = absl::Seconds(5);
    options.retry.initial_backoff = absl::Milliseconds(1);
    options.retry.max_backoff = absl::Milliseconds(4);
    options.clock = [] { return kDeviceNow; };
    client_ = std::make_unique<Client>(std::move(options), server_.MakeStub());
    ASSERT_TRUE(client_->Login("doc", "password").ok());
  }

  SyncReport SyncOrDie() {
    absl::StatusOr<SyncReport> report = client_->Sync();
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : SyncReport{};
  }

  std::vector<v1::FollowUp> Due(int32_t within_days) {
    LocalFollowUpQuery query;
    query.within_days = within_days;
    absl::StatusOr<std::vector<v1::FollowUp>> due =
        client_->ListLocalDueFollowUps(query);
    EXPECT_TRUE(due.ok()) << due.status();
    return due.value_or(std::vector<v1::FollowUp>());
  }

  std::vector<v1::Visit> Visits(const std::string& patient_id) {
    absl::StatusOr<std::vector<v1::Visit>> visits =
        client_->ListLocalVisits(patient_id);
    EXPECT_TRUE(visits.ok()) << visits.status();
    return visits.value_or(std::vector<v1::Visit>());
  }

  FakeSyncServer server_;
  std::string dir_;
  std::unique_ptr<Client> client_;
};

TEST_F(ContractSyncTest, APulledFollowUpIsDueOfflineMostUrgentFirst) {
  server_.Put(FollowUpDue("p-soon", "2026-03-09", 14));
  server_.Put(FollowUpDue("p-late", "2026-02-20", 14));
  server_.Put(FollowUpDue("p-later", "2026-04-20", 90));
  SyncOrDie();

  EXPECT_EQ(client_->LocalToday().value_or(""), "2026-03-02");
  EXPECT_THAT(PatientIds(Due(14)), ElementsAre("p-late", "p-soon"));
  EXPECT_THAT(PatientIds(Due(60)), ElementsAre("p-late", "p-soon", "p-later"));
  EXPECT_THAT(PatientIds(Due(0)), ElementsAre("p-late"));
}

TEST_F(ContractSyncTest, OverdueIsWorkedOutFromTheDueDateInCountyTime) {
  // Due "yesterday" in Shanghai, though still today in UTC; the server
  // said not overdue when it wrote the record.
  server_.Put(FollowUpDue("p-1", "2026-03-01", 14));
  SyncOrDie();

  const std::vector<v1::FollowUp> due = Due(14);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(due[0].overdue());
  EXPECT_EQ(due[0].days_overdue(), 1);
  EXPECT_FALSE(due[0].lost_to_follow_up());
  absl::StatusOr<std::optional<v1::FollowUp>> one =
      client_->GetLocalFollowUp("p-1");
  ASSERT_TRUE(one.ok() && one->has_value()) << one.status();
  EXPECT_EQ((*one)->days_overdue(), 1);
}

TEST_F(ContractSyncTest, ThreeMissedIntervalsMakeAPatientLostOffline) {
  server_.Put(FollowUpDue("p-gone", "2026-01-10", 14));  // 51 days ago
  server_.Put(FollowUpDue("p-late", "2026-02-20", 14));  // 10 days ago
  SyncOrDie();

  LocalFollowUpQuery lost;
  lost.lost_only = true;
  absl::StatusOr<std::vector<v1::FollowUp>> due =
      client_->ListLocalDueFollowUps(lost);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_THAT(PatientIds(*due), ElementsAre("p-gone"));
  EXPECT_EQ((*due)[0].missed_visits(), 3);
  EXPECT_EQ((*due)[0].days_overdue(), 51);
}

TEST_F(ContractSyncTest, TheServersLostFlagHoldsUntilANewerDueDateArrives) {
  // The server counted this patient lost on its day (three missed); by the
  // device's own count (its clock behind) none is missed yet.
  v1::FollowUp lost = FollowUpDue("p-1", "2026-02-20", 14);
  lost.set_lost_to_follow_up(true);
  lost.set_missed_visits(3);
  server_.Put(lost);
  SyncOrDie();
  LocalFollowUpQuery lost_only;
  lost_only.lost_only = true;
  absl::StatusOr<std::vector<v1::FollowUp>> due =
      client_->ListLocalDueFollowUps(lost_only);
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_THAT(PatientIds(*due), ElementsAre("p-1"));
  // The count the flag came from is shown, not the device's lower one.
  EXPECT_EQ((*due)[0].missed_visits(), 3);

  // A visit moved the due date: the server's new record replaces the
  // whole old one, flag included.
  server_.Put(FollowUpDue("p-1", "2026-03-20", 14));
  SyncOrDie();
  due = client_->ListLocalDueFollowUps(lost_only);
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_THAT(*due, IsEmpty());
  absl::StatusOr<std::optional<v1::FollowUp>> one =
      client_->GetLocalFollowUp("p-1");
  ASSERT_TRUE(one.ok() && one->has_value()) << one.status();
  EXPECT_FALSE((*one)->lost_to_follow_up());
}

TEST_F(ContractSyncTest, AFollowUpLeavingTheScopeIsNoLongerDue) {
  server_.Put(FollowUpDue("p-1", "2026-03-01", 14));
  SyncOrDie();
  ASSERT_EQ(Due(14).size(), 1u);

  server_.Remove("follow_ups", "p-1", v1::CHANGE_KIND_REMOVED_FROM_SCOPE);
  SyncOrDie();

  EXPECT_THAT(Due(14), IsEmpty());
}

TEST_F(ContractSyncTest, ATombstonedVisitDisappearsAndItsAmendmentShows) {
  server_.Put(VisitAt("visit-old", "p-1", 1772000000));
  server_.Put(VisitAt("visit-other", "p-1", 1771000000));
  SyncOrDie();
  ASSERT_THAT(VisitIds(Visits("p-1")), ElementsAre("visit-old", "visit-other"));

  v1::Visit amendment = VisitAt("visit-new", "p-1", 1772000000);
  amendment.set_amends_id("visit-old");
  server_.Remove("visits", "visit-old", v1::CHANGE_KIND_TOMBSTONE);
  server_.Put(amendment);
  SyncOrDie();

  EXPECT_THAT(VisitIds(Visits("p-1")), ElementsAre("visit-new", "visit-other"));
}

TEST_F(ContractSyncTest, AVisitQueuedOfflineShowsAtOnceUnderTheActiveContract) {
  v1::Contract ended = ActiveContract("contract-0", "p-1");
  ended.set_status(v1::CONTRACT_STATUS_RENEWED);
  ended.set_start_date("2024-06-01");
  server_.Put(ended);
  server_.Put(ActiveContract("contract-1", "p-1"));
  SyncOrDie();

  v1::Visit visit = VisitAt("", "p-1", 1772400000);
  visit.set_risk_level(3);
  visit.set_visit_class(v1::VISIT_CLASS_UNSTABLE);
  absl::StatusOr<std::string> id = client_->Create(visit);
  ASSERT_TRUE(id.ok()) << id.status();

  const std::vector<v1::Visit> visits = Visits("p-1");
  ASSERT_THAT(VisitIds(visits), ElementsAre(*id));
  EXPECT_EQ(visits[0].version(), 0);  // not yet on the server
  EXPECT_EQ(visits[0].contract_id(), "contract-1");
  EXPECT_EQ(visits[0].device_id(), "phone-7");
  EXPECT_EQ(visits[0].device_time().seconds(), absl::ToUnixSeconds(kDeviceNow));
  EXPECT_EQ(client_->PendingCount().value_or(-1), 1);
  EXPECT_EQ(server_.record_count("visits"), 0);
}

TEST_F(ContractSyncTest, AVisitTodayGoesUnderTheTermAnEarlyRenewalLeftRunning) {
  // Renewed early: the new term starts the day after the old one ends.
  server_.Put(ContractOver("contract-old", absl::CivilDay(2025, 4, 1),
                           absl::CivilDay(2026, 3, 31),
                           v1::CONTRACT_STATUS_RENEWED));
  server_.Put(ContractOver("contract-new", absl::CivilDay(2026, 4, 1),
                           absl::CivilDay(2027, 3, 31),
                           v1::CONTRACT_STATUS_ACTIVE));
  SyncOrDie();

  absl::StatusOr<std::string> id =
      client_->Create(VisitOn("p-1", absl::CivilDay(2026, 3, 2)));
  ASSERT_TRUE(id.ok()) << id.status();

  const std::vector<v1::Visit> visits = Visits("p-1");
  ASSERT_THAT(VisitIds(visits), ElementsAre(*id));
  EXPECT_EQ(visits[0].contract_id(), "contract-old");
}

TEST_F(ContractSyncTest, AVisitGoesUnderTheContractWhoseTermHoldsItsCountyDay) {
  const absl::CivilDay today(2026, 3, 2);
  server_.Put(ContractOver("contract-old", today - 465, today - 31,
                           v1::CONTRACT_STATUS_EXPIRED));
  server_.Put(ContractOver("contract-new", today - 30, today + 334,
                           v1::CONTRACT_STATUS_ACTIVE));
  SyncOrDie();

  absl::StatusOr<std::string> long_ago =
      client_->Create(VisitOn("p-1", today - 100));
  absl::StatusOr<std::string> yesterday =
      client_->Create(VisitOn("p-1", today - 1));
  // 00:30 in the county on the new term's first day, still the old term's
  // last day in UTC.
  absl::StatusOr<std::string> first_day =
      client_->Create(VisitOn("p-1", today - 30, 0, 30));
  ASSERT_TRUE(long_ago.ok()) << long_ago.status();
  ASSERT_TRUE(yesterday.ok()) << yesterday.status();
  ASSERT_TRUE(first_day.ok()) << first_day.status();

  const std::vector<v1::Visit> visits = Visits("p-1");
  ASSERT_THAT(VisitIds(visits), ElementsAre(*yesterday, *first_day, *long_ago));
  EXPECT_EQ(visits[0].contract_id(), "contract-new");
  EXPECT_EQ(visits[1].contract_id(), "contract-new");
  EXPECT_EQ(visits[2].contract_id(), "contract-old");
}

TEST_F(ContractSyncTest, AContractEndedEarlyCoversItsTermOnlyToTheEndedDay) {
  v1::Contract terminated =
      ContractOver("contract-1", absl::CivilDay(2025, 6, 1),
                   absl::CivilDay(2026, 5, 31), v1::CONTRACT_STATUS_TERMINATED);
  terminated.set_ended_date("2026-02-01");
  server_.Put(terminated);
  SyncOrDie();

  // Dated inside the term, synced late: still the terminated contract's.
  absl::StatusOr<std::string> before =
      client_->Create(VisitOn("p-1", absl::CivilDay(2026, 2, 1)));
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(Visits("p-1")[0].contract_id(), "contract-1");

  absl::StatusOr<std::string> after =
      client_->Create(VisitOn("p-1", absl::CivilDay(2026, 2, 2)));
  ASSERT_EQ(after.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(FieldViolationsOf(after.status()).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(after.status())[0].field, "visit.contract_id");
  EXPECT_THAT(FieldViolationsOf(after.status())[0].description,
              ::testing::HasSubstr(
                  "no contract of the patient covers the visit's day"));
  EXPECT_EQ(client_->PendingCount().value_or(-1), 1);
}

TEST_F(ContractSyncTest, AVisitIsPushedOnceEvenWhenTheAnswerIsLost) {
  server_.Put(ActiveContract("contract-1", "p-1"));
  SyncOrDie();
  absl::StatusOr<std::string> id =
      client_->Create(VisitAt("", "p-1", 1772400000));
  ASSERT_TRUE(id.ok()) << id.status();
  int lost = 0;
  server_.after_push = [&]() -> absl::Status {
    if (lost++ == 0) return absl::UnavailableError("the reply was lost");
    return absl::OkStatus();
  };

  const SyncReport report = SyncOrDie();

  EXPECT_EQ(server_.mutations_received(), 2);  // sent, then sent again
  EXPECT_EQ(report.pushed, 0);
  EXPECT_EQ(report.duplicates, 1);
  EXPECT_EQ(server_.record_count("visits"), 1);
  EXPECT_EQ(client_->PendingCount().value_or(-1), 0);
  const std::vector<v1::Visit> visits = Visits("p-1");
  ASSERT_THAT(VisitIds(visits), ElementsAre(*id));
  EXPECT_EQ(visits[0].version(), 1);

  // Nothing is left to send.
  SyncOrDie();
  EXPECT_EQ(server_.mutations_received(), 2);
}

TEST_F(ContractSyncTest, AVisitQueuedToAmendAnotherHidesItAtOnce) {
  server_.Put(ActiveContract("contract-1", "p-1"));
  server_.Put(VisitAt("visit-old", "p-1", 1772000000));
  SyncOrDie();

  v1::Visit amendment = VisitAt("", "p-1", 1772000000);
  amendment.set_amends_id("visit-old");
  absl::StatusOr<std::string> id = client_->Create(amendment);
  ASSERT_TRUE(id.ok()) << id.status();

  EXPECT_THAT(VisitIds(Visits("p-1")), ElementsAre(*id));
}

TEST_F(ContractSyncTest, AVisitIsNeverEditedFromTheDevice) {
  server_.Put(ActiveContract("contract-1", "p-1"));
  SyncOrDie();
  const std::string id = rehab::NewUuid();
  ASSERT_TRUE(client_->Create(VisitAt(id, "p-1", 1772400000)).ok());

  absl::StatusOr<std::string> again =
      client_->Create(VisitAt(id, "p-1", 1772400500));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);

  v1::Mutation edit;
  edit.set_base_version(1);
  *edit.mutable_visit() = VisitAt(id, "p-1", 1772400500);
  absl::StatusOr<std::string> edited = client_->Enqueue(edit);
  EXPECT_EQ(edited.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->PendingCount().value_or(-1), 1);
}

TEST_F(ContractSyncTest, AVisitNeedsAContractOnThePhone) {
  absl::StatusOr<std::string> id =
      client_->Create(VisitAt("", "p-unknown", 1772400000));

  ASSERT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(FieldViolationsOf(id.status()).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(id.status())[0].field, "visit.contract_id");
  EXPECT_EQ(client_->PendingCount().value_or(-1), 0);
}

TEST_F(ContractSyncTest, ContractsAndAlertsArriveThroughTheFeed) {
  server_.Put(ActiveContract("contract-1", "p-1"));
  v1::Alert older;
  older.set_id("alert-1");
  older.set_patient_id("p-1");
  older.set_kind(v1::ALERT_KIND_FOLLOW_UP_OVERDUE);
  older.set_state(v1::ALERT_STATE_ACKNOWLEDGED);
  older.mutable_create_time()->set_seconds(1771000000);
  v1::Alert newer = older;
  newer.set_id("alert-2");
  newer.set_kind(v1::ALERT_KIND_HIGH_RISK_VISIT);
  newer.set_state(v1::ALERT_STATE_OPEN);
  newer.mutable_create_time()->set_seconds(1772000000);
  server_.Put(older);
  server_.Put(newer);
  SyncOrDie();

  absl::StatusOr<std::optional<v1::Contract>> contract =
      client_->GetLocalContract("contract-1");
  ASSERT_TRUE(contract.ok() && contract->has_value()) << contract.status();
  EXPECT_EQ((*contract)->status(), v1::CONTRACT_STATUS_ACTIVE);
  EXPECT_EQ(client_->ListLocalContracts("p-1")
                .value_or(std::vector<v1::Contract>())
                .size(),
            1u);
  EXPECT_EQ(client_->ListLocalContracts("")
                .value_or(std::vector<v1::Contract>())
                .size(),
            1u);

  absl::StatusOr<std::vector<v1::Alert>> alerts =
      client_->ListLocalAlerts(LocalAlertQuery());
  ASSERT_TRUE(alerts.ok()) << alerts.status();
  ASSERT_EQ(alerts->size(), 2u);
  EXPECT_EQ((*alerts)[0].id(), "alert-2");
  LocalAlertQuery open;
  open.state = v1::ALERT_STATE_OPEN;
  alerts = client_->ListLocalAlerts(open);
  ASSERT_TRUE(alerts.ok()) << alerts.status();
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].kind(), v1::ALERT_KIND_HIGH_RISK_VISIT);
}

TEST_F(ContractSyncTest, AContractSignedOfflineIsPushedAsACreate) {
  v1::Contract contract = ActiveContract("", "p-2");
  contract.clear_status();
  absl::StatusOr<std::string> id = client_->Create(contract);
  ASSERT_TRUE(id.ok()) << id.status();
  // Queued here, it already takes visits.
  ASSERT_TRUE(client_->Create(VisitAt("", "p-2", 1772400000)).ok());

  const SyncReport report = SyncOrDie();

  EXPECT_EQ(report.pushed, 2);
  EXPECT_EQ(server_.record_count("contracts"), 1);
  EXPECT_EQ(server_.record_count("visits"), 1);
}

TEST(ContractClientTest, RefusesATimeZoneItCannotLoad) {
  ClientOptions options;
  options.time_zone = "Mars/Olympus_Mons";
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
  ASSERT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolationsOf(client.status())[0].field, "time_zone");
}

}  // namespace
}  // namespace rehab::client
