// The sync side of the SQLite store: the change feed with scope moves,
// feed touches and tombstones, nested savepoints, applied mutations,
// secrets, and the upgrade of a version-1 database.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"
#include "server/storage/connection.h"
#include "server/storage/migrations.h"
#include "server/storage/sqlite_store.h"
#include "tests/server/domain/domain_test_util.h"
#include "tests/server/storage/store_test_util.h"

namespace rehab {
namespace {

using ::rehab::domain_test::AreaScope;
using ::rehab::domain_test::DescribeFeed;
using ::rehab::domain_test::FacilityScope;
using ::rehab::domain_test::ScopeOf;
using ::rehab::storage_test::MakeArea;
using ::rehab::storage_test::MakeEnrollment;
using ::rehab::storage_test::MakePatient;
using ::rehab::storage_test::OpenStoreOrDie;
using ::rehab::storage_test::SeedCounty;
using ::rehab::storage_test::TempDir;
using ::rehab::v1::Enrollment;
using ::rehab::v1::Patient;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

std::set<int64_t> Seqs(const std::vector<FeedEntry>& entries) {
  std::set<int64_t> seqs;
  for (const FeedEntry& e : entries) seqs.insert(e.change_seq);
  return seqs;
}

class SqliteFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("rehab.db");
    store_ = OpenStoreOrDie(path_);
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(SeedCounty(*store_).ok());
  }

  std::vector<FeedEntry> Feed(const PatientScope& scope, int64_t after_seq = 0,
                              int32_t limit = 500) {
    std::vector<FeedEntry> entries;
    absl::Status status = store_->Read([&](ReadTxn& txn) -> absl::Status {
      FeedQuery query;
      query.scope = scope;
      query.after_seq = after_seq;
      query.limit = limit;
      ASSIGN_OR_RETURN(entries, txn.ListFeed(query));
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return entries;
  }

  int64_t LastSeq() {
    int64_t seq = -1;
    absl::Status status = store_->Read([&](ReadTxn& txn) -> absl::Status {
      ASSIGN_OR_RETURN(seq, txn.LastChangeSeq());
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return seq;
  }

  absl::Status Put(Patient patient) {
    return store_->Write(
        [&](WriteTxn& txn) { return txn.PutPatient(patient); });
  }

  absl::Status Put(Enrollment enrollment) {
    return store_->Write(
        [&](WriteTxn& txn) { return txn.PutEnrollment(enrollment); });
  }

  // p1 in village 1 at station 1 with enrollments e1 and e2; p2 in village
  // 2 at station 2 with e3.
  void AddPatients() {
    ASSERT_TRUE(
        Put(MakePatient("p1", 1, "Wang Fang", "a-vil1", "f-vil1")).ok());
    ASSERT_TRUE(Put(MakePatient("p2", 2, "Li Na", "a-vil2", "f-vil2")).ok());
    ASSERT_TRUE(Put(MakeEnrollment("e1", "p1", rehab::v1::PROGRAM_CHILD_REHAB,
                                   rehab::v1::ENROLLMENT_STATUS_REGISTERED))
                    .ok());
    ASSERT_TRUE(
        Put(MakeEnrollment("e2", "p1", rehab::v1::PROGRAM_FREE_MEDICATION,
                           rehab::v1::ENROLLMENT_STATUS_REGISTERED))
            .ok());
    ASSERT_TRUE(Put(MakeEnrollment("e3", "p2", rehab::v1::PROGRAM_CHILD_REHAB,
                                   rehab::v1::ENROLLMENT_STATUS_REGISTERED))
                    .ok());
  }

  absl::Status MoveP1(const std::string& area_id,
                      const std::string& facility_id) {
    return Put(MakePatient("p1", 1, "Wang Fang", area_id, facility_id));
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteFeedTest, ListsPatientRecordsInChangeSeqOrderAndPages) {
  AddPatients();

  // Areas and facilities are in `changes` but bound to no patient.
  std::vector<FeedEntry> all = Feed(ScopeOf(PatientScope::Kind::kAll));
  EXPECT_THAT(DescribeFeed(all),
              ElementsAre("upsert patients/p1", "upsert patients/p2",
                          "upsert enrollments/e1", "upsert enrollments/e2",
                          "upsert enrollments/e3"));
  EXPECT_EQ(all.back().change_seq, LastSeq());
  EXPECT_EQ(all[0].patient_id, "p1");
  EXPECT_EQ(all[3].patient_id, "p1");
  EXPECT_EQ(Seqs(all).size(), all.size());

  std::vector<FeedEntry> first = Feed(ScopeOf(PatientScope::Kind::kAll), 0, 2);
  EXPECT_THAT(DescribeFeed(first),
              ElementsAre("upsert patients/p1", "upsert patients/p2"));
  EXPECT_THAT(DescribeFeed(Feed(ScopeOf(PatientScope::Kind::kAll),
                                first.back().change_seq, 2)),
              ElementsAre("upsert enrollments/e1", "upsert enrollments/e2"));
  EXPECT_THAT(Feed(ScopeOf(PatientScope::Kind::kAll), LastSeq()), IsEmpty());
  EXPECT_THAT(Feed(ScopeOf(PatientScope::Kind::kAll), 0, 0), IsEmpty());
}

TEST_F(SqliteFeedTest, ARecordAppearsOnceAtItsLatestChange) {
  AddPatients();
  Enrollment e1 = MakeEnrollment("e1", "p1", rehab::v1::PROGRAM_CHILD_REHAB,
                                 rehab::v1::ENROLLMENT_STATUS_ENDED);
  e1.set_version(2);
  ASSERT_TRUE(Put(e1).ok());

  std::vector<FeedEntry> all = Feed(ScopeOf(PatientScope::Kind::kAll));
  EXPECT_THAT(DescribeFeed(all),
              ElementsAre("upsert patients/p1", "upsert patients/p2",
                          "upsert enrollments/e2", "upsert enrollments/e3",
                          "upsert enrollments/e1"));
  EXPECT_EQ(all.back().change_seq, LastSeq());
}

TEST_F(SqliteFeedTest, AppliesEachScopeKind) {
  AddPatients();
  PatientScope patients = ScopeOf(PatientScope::Kind::kPatients);
  patients.patient_ids = {"p2"};
  // A patient's own row names the patient itself.
  EXPECT_THAT(DescribeFeed(Feed(patients)),
              ElementsAre("upsert patients/p2", "upsert enrollments/e3"));
  EXPECT_THAT(DescribeFeed(Feed(AreaScope("320831001"))),
              ElementsAre("upsert patients/p1", "upsert enrollments/e1",
                          "upsert enrollments/e2"));
  EXPECT_THAT(DescribeFeed(Feed(FacilityScope("f-vil2"))),
              ElementsAre("upsert patients/p2", "upsert enrollments/e3"));
  EXPECT_THAT(Feed(ScopeOf(PatientScope::Kind::kNone)), IsEmpty());
  EXPECT_THAT(Feed(ScopeOf(PatientScope::Kind::kPractitioner)), IsEmpty());
  EXPECT_THAT(Feed(AreaScope("")), IsEmpty());
  EXPECT_THAT(Feed(FacilityScope("")), IsEmpty());
}

TEST_F(SqliteFeedTest, AreaMoveRemovesFromTheOldScopeAndResendsToTheNew) {
  AddPatients();
  const int64_t before = LastSeq();

  ASSERT_TRUE(MoveP1("a-vil2", "f-vil1").ok());

  std::vector<FeedEntry> old_scope = Feed(AreaScope("320831001"), before);
  EXPECT_THAT(DescribeFeed(old_scope),
              ElementsAre("removed patients/p1", "removed enrollments/e1",
                          "removed enrollments/e2"));
  std::vector<FeedEntry> new_scope = Feed(AreaScope("320831002"), before);
  EXPECT_THAT(
      DescribeFeed(new_scope),
      UnorderedElementsAre("upsert patients/p1", "upsert enrollments/e1",
                           "upsert enrollments/e2"));
  // Every entry has its own position, after the device's cursor.
  std::set<int64_t> seqs = Seqs(old_scope);
  for (int64_t seq : Seqs(new_scope)) seqs.insert(seq);
  EXPECT_EQ(seqs.size(), 6u);
  EXPECT_GT(*seqs.begin(), before);
  EXPECT_EQ(*seqs.rbegin(), LastSeq());
  // A device of the old scope that starts over sees nothing of p1.
  EXPECT_THAT(DescribeFeed(Feed(AreaScope("320831001"))),
              ElementsAre("removed patients/p1", "removed enrollments/e1",
                          "removed enrollments/e2"));
  // The county keeps the patient: upserts, no removal.
  EXPECT_THAT(
      DescribeFeed(Feed(AreaScope("320831"), before)),
      UnorderedElementsAre("upsert patients/p1", "upsert enrollments/e1",
                           "upsert enrollments/e2"));
  // The record itself carries its new position.
  EXPECT_EQ(new_scope.front().collection, "patients");

  // Back home: village 1 gets the records again and no removal; village 2
  // learns that they left.
  const int64_t away = LastSeq();
  ASSERT_TRUE(MoveP1("a-vil1", "f-vil1").ok());
  EXPECT_THAT(DescribeFeed(Feed(AreaScope("320831001"))),
              Not(Contains(StartsWith("removed"))));
  EXPECT_THAT(
      DescribeFeed(Feed(AreaScope("320831001"), away)),
      UnorderedElementsAre("upsert patients/p1", "upsert enrollments/e1",
                           "upsert enrollments/e2"));
  EXPECT_THAT(DescribeFeed(Feed(AreaScope("320831002"), away)),
              ElementsAre("removed patients/p1", "removed enrollments/e1",
                          "removed enrollments/e2"));
}

TEST_F(SqliteFeedTest, ARecordIsRemovedOnceAfterSeveralMovesOut) {
  ASSERT_TRUE(store_
                  ->Write([](WriteTxn& txn) {
                    rehab::v1::Area vil3 =
                        MakeArea("a-vil3", "320831001002", "a-town1");
                    return txn.PutArea(vil3);
                  })
                  .ok());
  AddPatients();
  // Within township 1 (village 1 to village 3), then out of it.
  ASSERT_TRUE(MoveP1("a-vil3", "f-vil1").ok());
  ASSERT_TRUE(MoveP1("a-vil2", "f-vil1").ok());

  std::vector<FeedEntry> township = Feed(AreaScope("320831001"));
  EXPECT_THAT(DescribeFeed(township),
              ElementsAre("removed patients/p1", "removed enrollments/e1",
                          "removed enrollments/e2"));
  // Village 1 saw only the first move.
  EXPECT_THAT(DescribeFeed(Feed(AreaScope("320831001001"))),
              ElementsAre("removed patients/p1", "removed enrollments/e1",
                          "removed enrollments/e2"));
  EXPECT_LT(*Seqs(Feed(AreaScope("320831001001"))).rbegin(),
            *Seqs(township).begin());
}

TEST_F(SqliteFeedTest, FacilityMoveRemovesFromTheOldFacility) {
  AddPatients();
  const int64_t before = LastSeq();

  ASSERT_TRUE(MoveP1("a-vil1", "f-center").ok());

  EXPECT_THAT(DescribeFeed(Feed(FacilityScope("f-vil1"), before)),
              ElementsAre("removed patients/p1", "removed enrollments/e1",
                          "removed enrollments/e2"));
  EXPECT_THAT(
      DescribeFeed(Feed(FacilityScope("f-center"), before)),
      UnorderedElementsAre("upsert patients/p1", "upsert enrollments/e1",
                           "upsert enrollments/e2"));
  // The area stayed: the village re-receives the records, no removal.
  EXPECT_THAT(
      DescribeFeed(Feed(AreaScope("320831001001"), before)),
      UnorderedElementsAre("upsert patients/p1", "upsert enrollments/e1",
                           "upsert enrollments/e2"));

  // Leaving every facility is a move out too.
  ASSERT_TRUE(MoveP1("a-vil1", "").ok());
  EXPECT_THAT(DescribeFeed(Feed(FacilityScope("f-center"), before)),
              ElementsAre("removed patients/p1", "removed enrollments/e1",
                          "removed enrollments/e2"));
  // An unchanged placement moves nothing.
  const int64_t settled = LastSeq();
  ASSERT_TRUE(MoveP1("a-vil1", "").ok());
  EXPECT_EQ(LastSeq(), settled + 1);
  EXPECT_THAT(DescribeFeed(Feed(ScopeOf(PatientScope::Kind::kAll), settled)),
              ElementsAre("upsert patients/p1"));
}

TEST_F(SqliteFeedTest, AFailedMoveLeavesNoExit) {
  AddPatients();
  ASSERT_TRUE(Put(MakePatient("p3", 3, "Zhao Min", "a-vil1", "")).ok());
  const int64_t before = LastSeq();

  // p1 moves but collides with p3's ID number: nothing of the move stays.
  Patient moved = MakePatient("p1", 3, "Wang Fang", "a-vil2", "f-vil2");
  EXPECT_EQ(Put(moved).code(), absl::StatusCode::kAlreadyExists);

  EXPECT_EQ(LastSeq(), before);
  EXPECT_THAT(Feed(AreaScope("320831001"), before), IsEmpty());
}

TEST_F(SqliteFeedTest, TouchMovesAndVoidTombstonesAnEntry) {
  AddPatients();
  const int64_t before = LastSeq();

  ASSERT_TRUE(store_
                  ->Write([](WriteTxn& txn) -> absl::Status {
                    RETURN_IF_ERROR(txn.TouchFeed("patients", "p2"));
                    return txn.VoidInFeed("enrollments", "e1");
                  })
                  .ok());

  std::vector<FeedEntry> feed = Feed(ScopeOf(PatientScope::Kind::kAll), before);
  EXPECT_THAT(DescribeFeed(feed),
              ElementsAre("upsert patients/p2", "tombstone enrollments/e1"));
  EXPECT_THAT(Seqs(feed), ElementsAre(before + 1, before + 2));
  EXPECT_EQ(LastSeq(), before + 2);
  // A touch keeps the tombstone.
  ASSERT_TRUE(store_
                  ->Write([](WriteTxn& txn) {
                    return txn.TouchFeed("enrollments", "e1");
                  })
                  .ok());
  EXPECT_THAT(DescribeFeed(Feed(ScopeOf(PatientScope::Kind::kAll), before + 2)),
              ElementsAre("tombstone enrollments/e1"));

  absl::Status missing = store_->Write(
      [](WriteTxn& txn) { return txn.VoidInFeed("enrollments", "nope"); });
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
}

TEST_F(SqliteFeedTest, NestedRollbackKeepsTheRestOfTheTransaction) {
  const int64_t before = LastSeq();
  absl::Status failed;
  absl::Status inner_failed;
  ASSERT_TRUE(store_
                  ->Write([&](WriteTxn& txn) -> absl::Status {
                    RETURN_IF_ERROR(txn.Nested([](WriteTxn& t) {
                      Patient kept = MakePatient("p1", 1, "Kept", "a-vil1", "");
                      return t.PutPatient(kept);
                    }));
                    failed = txn.Nested([&](WriteTxn& t) -> absl::Status {
                      Patient dropped =
                          MakePatient("p2", 2, "Dropped", "a-vil1", "");
                      RETURN_IF_ERROR(t.PutPatient(dropped));
                      // A nested level inside: its own failure is its own.
                      inner_failed = t.Nested([](WriteTxn& u) -> absl::Status {
                        Patient deeper =
                            MakePatient("p3", 3, "Deeper", "a-vil1", "");
                        RETURN_IF_ERROR(u.PutPatient(deeper));
                        return absl::AbortedError("inner");
                      });
                      return absl::InvalidArgumentError("bad item");
                    });
                    Patient after = MakePatient("p4", 4, "After", "a-vil1", "");
                    return txn.PutPatient(after);
                  })
                  .ok());
  EXPECT_EQ(failed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(inner_failed.code(), absl::StatusCode::kAborted);

  std::vector<FeedEntry> feed = Feed(ScopeOf(PatientScope::Kind::kAll));
  EXPECT_THAT(DescribeFeed(feed),
              ElementsAre("upsert patients/p1", "upsert patients/p4"));
  // The rolled-back writes handed out no change_seq.
  EXPECT_THAT(Seqs(feed), ElementsAre(before + 1, before + 2));
}

AppliedMutation MakeMutation(const std::string& id, int64_t seconds) {
  AppliedMutation m;
  m.mutation_id = id;
  m.account_id = "acct-1";
  m.payload_hash = std::string("\x00\x9f\xff\x10", 4);
  m.collection = "patients";
  m.record_id = "p1";
  m.version = 3;
  m.change_seq = 42;
  m.apply_time = absl::FromUnixMicros(seconds * 1000000 + 17);
  return m;
}

TEST_F(SqliteFeedTest, StoresFindsAndPrunesAppliedMutations) {
  ASSERT_TRUE(store_
                  ->Write([](WriteTxn& txn) -> absl::Status {
                    for (const auto& [id, seconds] :
                         std::vector<std::pair<std::string, int64_t>>{
                             {"m3", 300}, {"m1", 100}, {"m2", 200}}) {
                      RETURN_IF_ERROR(
                          txn.PutAppliedMutation(MakeMutation(id, seconds)));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  absl::Status duplicate = store_->Write([](WriteTxn& txn) {
    return txn.PutAppliedMutation(MakeMutation("m1", 999));
  });
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(duplicate), kReasonAlreadyExists);

  std::optional<AppliedMutation> m2;
  ASSERT_TRUE(store_
                  ->Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(m2, txn.GetAppliedMutation("m2"));
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(m2.has_value());
  const AppliedMutation want = MakeMutation("m2", 200);
  EXPECT_EQ(m2->account_id, want.account_id);
  EXPECT_EQ(m2->payload_hash, want.payload_hash);
  EXPECT_EQ(m2->collection, want.collection);
  EXPECT_EQ(m2->record_id, want.record_id);
  EXPECT_EQ(m2->version, want.version);
  EXPECT_EQ(m2->change_seq, want.change_seq);
  EXPECT_EQ(m2->apply_time, want.apply_time);

  // Older than 250 s: m1 and m2; at most one a call, the oldest first.
  auto prune = [&](int32_t limit) {
    int64_t pruned = -1;
    EXPECT_TRUE(store_
                    ->Write([&](WriteTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(pruned,
                                       txn.PruneAppliedMutations(
                                           absl::FromUnixSeconds(250), limit));
                      return absl::OkStatus();
                    })
                    .ok());
    return pruned;
  };
  auto stored = [&](const std::string& id) {
    bool found = false;
    EXPECT_TRUE(store_
                    ->Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(auto m, txn.GetAppliedMutation(id));
                      found = m.has_value();
                      return absl::OkStatus();
                    })
                    .ok());
    return found;
  };
  EXPECT_EQ(prune(1), 1);
  EXPECT_FALSE(stored("m1"));
  EXPECT_TRUE(stored("m2"));
  EXPECT_EQ(prune(10), 1);
  EXPECT_FALSE(stored("m2"));
  EXPECT_TRUE(stored("m3"));
  EXPECT_EQ(prune(10), 0);
}

TEST_F(SqliteFeedTest, SecretsAreKeptFirstComeAndSurviveReopen) {
  const std::string key("\x01\x00\xfe key", 7);
  std::string first, second;
  ASSERT_TRUE(store_
                  ->Write([&](WriteTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(first,
                                     txn.PutSecretIfAbsent("sync_key", key));
                    ASSIGN_OR_RETURN(
                        second, txn.PutSecretIfAbsent("sync_key", "other"));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(first, key);
  EXPECT_EQ(second, key);

  store_->Close();
  store_ = OpenStoreOrDie(path_);
  ASSERT_NE(store_, nullptr);
  std::optional<std::string> stored, absent;
  ASSERT_TRUE(store_
                  ->Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(stored, txn.GetSecret("sync_key"));
                    ASSIGN_OR_RETURN(absent, txn.GetSecret("no_such_key"));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(stored, key);
  EXPECT_FALSE(absent.has_value());
}

// A village's device pulling its whole feed out of a county's gets exactly
// its part, page by page, and once caught up only what changes after. (How
// fast is the load generator's business: tools/bench, scenario pull.)
TEST_F(SqliteFeedTest, AVillagePullsExactlyItsPartOfACountyFeed) {
  constexpr int kVillages = 10;
  constexpr int kPatients = 2500;  // and three enrollments each: 10,000
  ASSERT_TRUE(store_
                  ->Write([&](WriteTxn& txn) -> absl::Status {
                    for (int v = 1; v < kVillages; ++v) {
                      rehab::v1::Area village = MakeArea(
                          absl::StrCat("a-v", v),
                          absl::StrFormat("320831001%03d", v + 1), "a-town1");
                      RETURN_IF_ERROR(txn.PutArea(village));
                    }
                    for (int i = 0; i < kPatients; ++i) {
                      const int v = i % kVillages;
                      Patient p = MakePatient(
                          absl::StrCat("p", i), i, "Patient",
                          v == 0 ? "a-vil1" : absl::StrCat("a-v", v), "");
                      RETURN_IF_ERROR(txn.PutPatient(p));
                      for (auto program : {rehab::v1::PROGRAM_PRECISION_REHAB,
                                           rehab::v1::PROGRAM_FREE_MEDICATION,
                                           rehab::v1::PROGRAM_FAMILY_DOCTOR}) {
                        Enrollment e = MakeEnrollment(
                            absl::StrCat("e", i, "-", program), p.id(), program,
                            rehab::v1::ENROLLMENT_STATUS_UNDER_MANAGEMENT);
                        RETURN_IF_ERROR(txn.PutEnrollment(e));
                      }
                    }
                    return absl::OkStatus();
                  })
                  .ok());

  int64_t cursor = 0;
  size_t pulled = 0;
  for (;;) {
    std::vector<FeedEntry> page = Feed(AreaScope("320831001001"), cursor, 500);
    if (page.empty()) break;
    pulled += page.size();
    cursor = page.back().change_seq;
  }
  EXPECT_EQ(pulled, static_cast<size_t>(kPatients / kVillages * 4));

  // One more change in the village: the caught-up device gets just that.
  ASSERT_TRUE(
      store_
          ->Write([](WriteTxn& txn) { return txn.TouchFeed("patients", "p0"); })
          .ok());
  EXPECT_THAT(DescribeFeed(Feed(AreaScope("320831001001"), cursor)),
              ElementsAre("upsert patients/p0"));
}

// A database written by the previous rehabd (schema version 1) opens with
// its data, and the new tables work.
TEST(SqliteFeedMigrationTest, UpgradesAVersionOneDatabaseKeepingItsData) {
  TempDir dir;
  const std::string path = dir.File("rehab.db");
  {
    absl::StatusOr<std::unique_ptr<storage::Connection>> db =
        storage::Connection::Open(path, storage::ConnectionOptions());
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE(
        storage::Migrate(**db, storage::SchemaMigrations().subspan(0, 1)).ok());
    ASSERT_EQ(*storage::SchemaVersion(**db), 1);
    // What version 1 wrote for area 320831001001 and patient p1 in it.
    rehab::v1::Area area = MakeArea("a-vil1", "320831001001", "");
    area.set_change_seq(1);
    Patient patient = MakePatient("p1", 1, "Wang Fang", "a-vil1", "");
    patient.set_change_seq(2);
    absl::StatusOr<storage::Statement> insert_area = (*db)->GetUniqueStatement(
        "INSERT INTO areas (id, version, create_time, update_time, "
        "change_seq, author, device_id, code, parent_id, body) "
        "VALUES ('a-vil1', 1, 0, 0, 1, 'system', '', '320831001001', "
        "NULL, ?)");
    ASSERT_TRUE(insert_area.ok()) << insert_area.status();
    insert_area->BindBlob(0, area.SerializeAsString());
    ASSERT_TRUE(insert_area->Run().ok());
    absl::StatusOr<storage::Statement> insert_patient =
        (*db)->GetUniqueStatement(
            "INSERT INTO patients (id, version, create_time, update_time, "
            "change_seq, author, device_id, id_number, card_number, name, "
            "area_id, area_code, facility_id, category, grade, body) "
            "VALUES ('p1', 1, 0, 0, 2, 'system', '', ?, NULL, 'Wang Fang', "
            "'a-vil1', '320831001001', NULL, 4, 2, ?)");
    ASSERT_TRUE(insert_patient.ok()) << insert_patient.status();
    insert_patient->BindText(0, patient.id_number());
    insert_patient->BindBlob(1, patient.SerializeAsString());
    ASSERT_TRUE(insert_patient->Run().ok());
    ASSERT_TRUE(
        (*db)
            ->Execute("INSERT INTO changes (change_seq, collection, "
                      "record_id, kind, patient_id) VALUES "
                      "(1, 'areas', 'a-vil1', 1, NULL), "
                      "(2, 'patients', 'p1', 1, 'p1');"
                      "UPDATE meta SET value = 2 WHERE key = 'change_seq';")
            .ok());
  }

  std::unique_ptr<SqliteStore> store = OpenStoreOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store
          ->Read([](ReadTxn& txn) -> absl::Status {
            ASSIGN_OR_RETURN(std::optional<Patient> p1, txn.GetPatient("p1"));
            EXPECT_TRUE(p1.has_value() && p1->name() == "Wang Fang");
            ASSIGN_OR_RETURN(int64_t last, txn.LastChangeSeq());
            EXPECT_EQ(last, 2);
            FeedQuery query;
            query.scope.kind = PatientScope::Kind::kAll;
            ASSIGN_OR_RETURN(std::vector<FeedEntry> feed, txn.ListFeed(query));
            EXPECT_THAT(DescribeFeed(feed), ElementsAre("upsert patients/p1"));
            return absl::OkStatus();
          })
          .ok());
  // The new tables are there: a move leaves exits, secrets are kept.
  ASSERT_TRUE(store
                  ->Write([](WriteTxn& txn) -> absl::Status {
                    rehab::v1::Area other =
                        MakeArea("a-vil2", "320831002001", "");
                    RETURN_IF_ERROR(txn.PutArea(other));
                    Patient moved =
                        MakePatient("p1", 1, "Wang Fang", "a-vil2", "");
                    RETURN_IF_ERROR(txn.PutPatient(moved));
                    return txn.PutSecretIfAbsent("sync_key", "k").status();
                  })
                  .ok());
  ASSERT_TRUE(
      store
          ->Read([](ReadTxn& txn) -> absl::Status {
            FeedQuery query;
            query.scope = AreaScope("320831001001");
            ASSIGN_OR_RETURN(std::vector<FeedEntry> feed, txn.ListFeed(query));
            EXPECT_THAT(DescribeFeed(feed), ElementsAre("removed patients/p1"));
            return absl::OkStatus();
          })
          .ok());
}

}  // namespace
}  // namespace rehab
