#include "tests/server/domain/fake_store.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"
#include "tests/server/domain/domain_test_util.h"

namespace rehab {
namespace {

using ::rehab::domain_test::DescribeFeed;
using ::rehab::domain_test::ScopeOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

constexpr char kTownship[] = "a-town";
constexpr char kVillage[] = "a-village";
constexpr char kOtherTownship[] = "a-other";

rehab::v1::Area MakeArea(const std::string& id, const std::string& code,
                         const std::string& parent_id = "") {
  rehab::v1::Area area;
  area.set_id(id);
  area.set_code(code);
  area.set_parent_id(parent_id);
  return area;
}

rehab::v1::Patient MakePatient(const std::string& id,
                               const std::string& area_id,
                               const std::string& facility_id,
                               const std::string& name) {
  rehab::v1::Patient p;
  p.set_id(id);
  p.set_id_number("id-" + id);
  p.set_area_id(area_id);
  p.set_facility_id(facility_id);
  p.set_name(name);
  return p;
}

PatientQuery QueryOf(const PatientScope& scope) {
  PatientQuery query;
  query.scope = scope;
  return query;
}

class FakeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_
                    .Write([](WriteTxn& txn) -> absl::Status {
                      rehab::v1::Area t = MakeArea(kTownship, "320831001");
                      RETURN_IF_ERROR(txn.PutArea(t));
                      rehab::v1::Area v =
                          MakeArea(kVillage, "320831001002", kTownship);
                      RETURN_IF_ERROR(txn.PutArea(v));
                      rehab::v1::Area o = MakeArea(kOtherTownship, "320831002");
                      RETURN_IF_ERROR(txn.PutArea(o));
                      for (const char* id : {"station-1", "station-2"}) {
                        rehab::v1::Facility f;
                        f.set_id(id);
                        f.set_area_id(kTownship);
                        RETURN_IF_ERROR(txn.PutFacility(f));
                      }
                      rehab::v1::Patient p1 =
                          MakePatient("p1", kVillage, "station-1", "Li Na");
                      RETURN_IF_ERROR(txn.PutPatient(p1));
                      rehab::v1::Patient p2 = MakePatient(
                          "p2", kOtherTownship, "station-2", "Li Lei");
                      RETURN_IF_ERROR(txn.PutPatient(p2));
                      rehab::v1::Patient p3 =
                          MakePatient("p3", kTownship, "station-1", "Zhao Min");
                      return txn.PutPatient(p3);
                    })
                    .ok());
  }

  std::vector<std::string> PatientIds(const PatientQuery& query) {
    std::vector<std::string> ids;
    EXPECT_TRUE(store_
                    .Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(auto rows, txn.ListPatients(query));
                      for (const auto& p : rows) ids.push_back(p.id());
                      return absl::OkStatus();
                    })
                    .ok());
    return ids;
  }

  FakeStore store_;
};

TEST_F(FakeStoreTest, FailedWriteLeavesNothingBehind) {
  absl::Status status = store_.Write([](WriteTxn& txn) -> absl::Status {
    rehab::v1::Patient p = MakePatient("p9", kVillage, "", "Gone");
    RETURN_IF_ERROR(txn.PutPatient(p));
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(PatientIds(QueryOf(ScopeOf(PatientScope::Kind::kAll))),
              ElementsAre("p1", "p2", "p3"));
}

TEST_F(FakeStoreTest, PutStampsChangeSeqInCommitOrder) {
  rehab::v1::Patient p = MakePatient("p4", kVillage, "", "Sun Li");
  ASSERT_TRUE(
      store_.Write([&](WriteTxn& txn) { return txn.PutPatient(p); }).ok());
  std::vector<FakeStore::Change> changes = store_.changes();
  ASSERT_EQ(changes.size(), 9u);
  EXPECT_EQ(changes.back().collection, "patients");
  EXPECT_EQ(changes.back().id, "p4");
  EXPECT_EQ(p.change_seq(), changes.back().change_seq);
  EXPECT_EQ(changes.back().change_seq, changes[7].change_seq + 1);
}

TEST_F(FakeStoreTest, EnforcesUniqueKeys) {
  absl::Status dup_id_number = store_.Write([](WriteTxn& txn) {
    rehab::v1::Patient p = MakePatient("p5", kVillage, "", "Copy");
    p.set_id_number("id-p1");
    return txn.PutPatient(p);
  });
  EXPECT_EQ(dup_id_number.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(dup_id_number), kReasonDuplicateIdNumber);
  absl::Status dup_code = store_.Write([](WriteTxn& txn) {
    rehab::v1::Area a = MakeArea("a-new", "320831001");
    return txn.PutArea(a);
  });
  EXPECT_EQ(dup_code.code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(FakeStoreTest, ChecksReferencesAsForeignKeysDo) {
  absl::Status no_area = store_.Write([](WriteTxn& txn) {
    rehab::v1::Patient p = MakePatient("p7", "no-such-area", "", "X");
    return txn.PutPatient(p);
  });
  EXPECT_EQ(no_area.code(), absl::StatusCode::kFailedPrecondition);
  absl::Status no_facility = store_.Write([](WriteTxn& txn) {
    rehab::v1::Patient p = MakePatient("p7", kVillage, "no-such-station", "X");
    return txn.PutPatient(p);
  });
  EXPECT_EQ(no_facility.code(), absl::StatusCode::kFailedPrecondition);
  absl::Status no_patient = store_.Write([](WriteTxn& txn) {
    rehab::v1::Enrollment e;
    e.set_id("e1");
    e.set_patient_id("no-such-patient");
    return txn.PutEnrollment(e);
  });
  EXPECT_EQ(no_patient.code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(FakeStoreTest, AllowsOneOpenEnrollmentPerProgram) {
  auto put = [&](const std::string& id, rehab::v1::EnrollmentStatus status) {
    return store_.Write([&](WriteTxn& txn) {
      rehab::v1::Enrollment e;
      e.set_id(id);
      e.set_patient_id("p1");
      e.set_program(rehab::v1::PROGRAM_CHILD_REHAB);
      e.set_status(status);
      return txn.PutEnrollment(e);
    });
  };
  ASSERT_TRUE(put("e1", rehab::v1::ENROLLMENT_STATUS_REGISTERED).ok());
  absl::Status second = put("e2", rehab::v1::ENROLLMENT_STATUS_REGISTERED);
  EXPECT_EQ(second.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(second), kReasonEnrollmentAlreadyOpen);
  ASSERT_TRUE(put("e1", rehab::v1::ENROLLMENT_STATUS_ENDED).ok());
  EXPECT_TRUE(put("e2", rehab::v1::ENROLLMENT_STATUS_REGISTERED).ok());
}

TEST_F(FakeStoreTest, UniqueKeysFollowAnUpdatedPatient) {
  auto put = [&](const std::string& id, const std::string& id_number,
                 const std::string& card) {
    return store_.Write([&](WriteTxn& txn) {
      rehab::v1::Patient p = MakePatient(id, kVillage, "", "Li Na");
      p.set_id_number(id_number);
      p.set_disability_card_number(card);
      return txn.PutPatient(p);
    });
  };
  ASSERT_TRUE(put("p1", "id-p1", "card-1").ok());
  absl::Status same_card = put("p5", "id-p5", "card-1");
  EXPECT_EQ(same_card.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(same_card), kReasonAlreadyExists);

  // p1 moves to new keys: the old ones are free, the new ones p1's.
  ASSERT_TRUE(put("p1", "id-p1-new", "card-2").ok());
  ASSERT_TRUE(store_
                  .Read([](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(auto old_number,
                                     txn.GetPatientByIdNumber("id-p1"));
                    EXPECT_FALSE(old_number.has_value());
                    ASSIGN_OR_RETURN(auto old_card,
                                     txn.GetPatientByCardNumber("card-1"));
                    EXPECT_FALSE(old_card.has_value());
                    ASSIGN_OR_RETURN(auto by_number,
                                     txn.GetPatientByIdNumber("id-p1-new"));
                    EXPECT_EQ(by_number.has_value() ? by_number->id() : "",
                              "p1");
                    ASSIGN_OR_RETURN(auto by_card,
                                     txn.GetPatientByCardNumber("card-2"));
                    EXPECT_EQ(by_card.has_value() ? by_card->id() : "", "p1");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_TRUE(put("p5", "id-p1", "card-1").ok());
  EXPECT_EQ(put("p6", "id-p1-new", "").code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(FakeStoreTest, AppliesEachScopeKind) {
  PatientScope subtree = ScopeOf(PatientScope::Kind::kAreaSubtree);
  subtree.area_code = "320831001";
  EXPECT_THAT(PatientIds(QueryOf(subtree)), ElementsAre("p1", "p3"));
  subtree.area_code = "";
  EXPECT_THAT(PatientIds(QueryOf(subtree)), IsEmpty());

  PatientScope facility = ScopeOf(PatientScope::Kind::kFacility);
  facility.facility_id = "station-2";
  EXPECT_THAT(PatientIds(QueryOf(facility)), ElementsAre("p2"));

  PatientScope patients = ScopeOf(PatientScope::Kind::kPatients);
  patients.patient_ids = {"p3", "p1"};
  EXPECT_THAT(PatientIds(QueryOf(patients)), ElementsAre("p1", "p3"));

  PatientScope doctor = ScopeOf(PatientScope::Kind::kPractitioner);
  doctor.practitioner_id = "doc";
  EXPECT_THAT(PatientIds(QueryOf(doctor)), IsEmpty());
  EXPECT_THAT(PatientIds(QueryOf(ScopeOf(PatientScope::Kind::kNone))),
              IsEmpty());

  bool in = false;
  ASSERT_TRUE(store_
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(in, txn.PatientInScope("p2", facility));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_TRUE(in);
}

TEST_F(FakeStoreTest, ListPatientsFiltersAndPages) {
  PatientQuery query;
  query.scope.kind = PatientScope::Kind::kAll;
  query.name_prefix = "Li ";
  EXPECT_THAT(PatientIds(query), ElementsAre("p1", "p2"));
  query.name_prefix.clear();
  query.area_code_prefix = "320831001";
  query.after_id = "p1";
  EXPECT_THAT(PatientIds(query), ElementsAre("p3"));
  query.area_code_prefix.clear();
  query.after_id.clear();
  query.limit = 2;
  EXPECT_THAT(PatientIds(query), ElementsAre("p1", "p2"));
}

TEST_F(FakeStoreTest, ReadSeesASnapshot) {
  absl::Status status = store_.Read([&](ReadTxn& txn) -> absl::Status {
    EXPECT_TRUE(store_
                    .Write([](WriteTxn& w) {
                      rehab::v1::Patient p =
                          MakePatient("p6", kVillage, "", "X");
                      return w.PutPatient(p);
                    })
                    .ok());
    ASSIGN_OR_RETURN(int64_t count, txn.CountPatients());
    EXPECT_EQ(count, 3);
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok());
}

TEST_F(FakeStoreTest, WriteAsyncInsideAWriteRunsAfterIt) {
  ASSERT_TRUE(store_
                  .Write([&](WriteTxn& txn) {
                    store_.WriteAsync([](WriteTxn& inner) {
                      rehab::v1::AuditEvent e;
                      e.set_method("later");
                      return inner.AppendAudit(e);
                    });
                    rehab::v1::AuditEvent e;
                    e.set_method("first");
                    return txn.AppendAudit(e);
                  })
                  .ok());
  std::vector<rehab::v1::AuditEvent> events = store_.audit_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].method(), "first");
  EXPECT_EQ(events[1].method(), "later");
  EXPECT_EQ(events[1].seq(), 2);
}

TEST_F(FakeStoreTest, InjectedWriteFailureIsReturned) {
  store_.SetWriteFailure(absl::ResourceExhaustedError("queue full"));
  bool ran = false;
  EXPECT_EQ(store_
                .Write([&](WriteTxn&) {
                  ran = true;
                  return absl::OkStatus();
                })
                .code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(ran);
  store_.SetWriteFailure(absl::OkStatus());
  EXPECT_TRUE(store_.Write([](WriteTxn&) { return absl::OkStatus(); }).ok());
}

class FakeStoreFeedTest : public FakeStoreTest {
 protected:
  std::vector<FeedEntry> Feed(const PatientScope& scope, int64_t after_seq = 0,
                              int32_t limit = 500) {
    std::vector<FeedEntry> entries;
    EXPECT_TRUE(store_
                    .Read([&](ReadTxn& txn) -> absl::Status {
                      FeedQuery query;
                      query.scope = scope;
                      query.after_seq = after_seq;
                      query.limit = limit;
                      ASSIGN_OR_RETURN(entries, txn.ListFeed(query));
                      return absl::OkStatus();
                    })
                    .ok());
    return entries;
  }

  int64_t LastSeq() {
    int64_t seq = -1;
    EXPECT_TRUE(store_
                    .Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(seq, txn.LastChangeSeq());
                      return absl::OkStatus();
                    })
                    .ok());
    return seq;
  }

  absl::Status Enroll(const std::string& id, const std::string& patient_id) {
    return store_.Write([&](WriteTxn& txn) {
      rehab::v1::Enrollment e;
      e.set_id(id);
      e.set_patient_id(patient_id);
      e.set_program(rehab::v1::PROGRAM_PRECISION_REHAB);
      e.set_status(rehab::v1::ENROLLMENT_STATUS_REGISTERED);
      return txn.PutEnrollment(e);
    });
  }

  // Rewrites p1 with another area and home facility.
  absl::Status MoveP1(const std::string& area_id,
                      const std::string& facility_id) {
    return store_.Write([&](WriteTxn& txn) {
      rehab::v1::Patient p = MakePatient("p1", area_id, facility_id, "Li Na");
      return txn.PutPatient(p);
    });
  }

  static PatientScope Subtree(const std::string& code) {
    PatientScope scope = ScopeOf(PatientScope::Kind::kAreaSubtree);
    scope.area_code = code;
    return scope;
  }
};

TEST_F(FakeStoreFeedTest, ListsPatientBoundRecordsInScopeOncePaged) {
  ASSERT_TRUE(Enroll("e1", "p1").ok());
  ASSERT_TRUE(Enroll("e2", "p2").ok());
  // p1 changes again: it appears once, at its new position.
  ASSERT_TRUE(MoveP1(kVillage, "station-1").ok());

  std::vector<FeedEntry> all = Feed(ScopeOf(PatientScope::Kind::kAll));
  EXPECT_THAT(DescribeFeed(all),
              ElementsAre("upsert patients/p2", "upsert patients/p3",
                          "upsert enrollments/e1", "upsert enrollments/e2",
                          "upsert patients/p1"));
  EXPECT_EQ(all.back().change_seq, LastSeq());
  EXPECT_EQ(all[2].patient_id, "p1");

  EXPECT_THAT(DescribeFeed(Feed(Subtree("320831001"))),
              ElementsAre("upsert patients/p3", "upsert enrollments/e1",
                          "upsert patients/p1"));
  std::vector<FeedEntry> page = Feed(Subtree("320831001"), 0, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_THAT(DescribeFeed(Feed(Subtree("320831001"), page.back().change_seq)),
              ElementsAre("upsert patients/p1"));
  EXPECT_THAT(Feed(Subtree("320831001"), LastSeq()), IsEmpty());
}

TEST_F(FakeStoreFeedTest, AppliesEachScopeKindToTheFeed) {
  PatientScope patients = ScopeOf(PatientScope::Kind::kPatients);
  patients.patient_ids = {"p2"};
  EXPECT_THAT(DescribeFeed(Feed(patients)), ElementsAre("upsert patients/p2"));
  PatientScope facility = ScopeOf(PatientScope::Kind::kFacility);
  facility.facility_id = "station-1";
  EXPECT_THAT(DescribeFeed(Feed(facility)),
              ElementsAre("upsert patients/p1", "upsert patients/p3"));
  EXPECT_THAT(Feed(ScopeOf(PatientScope::Kind::kNone)), IsEmpty());
  EXPECT_THAT(Feed(ScopeOf(PatientScope::Kind::kPractitioner)), IsEmpty());
  EXPECT_THAT(Feed(Subtree("")), IsEmpty());
}

TEST_F(FakeStoreFeedTest, AreaMoveRemovesFromTheOldScopeAndResendsToTheNew) {
  ASSERT_TRUE(Enroll("e1", "p1").ok());
  const int64_t before = LastSeq();

  ASSERT_TRUE(MoveP1(kOtherTownship, "station-1").ok());

  std::vector<FeedEntry> old_scope = Feed(Subtree("320831001"), before);
  EXPECT_THAT(DescribeFeed(old_scope),
              ElementsAre("removed patients/p1", "removed enrollments/e1"));
  std::vector<FeedEntry> new_scope = Feed(Subtree("320831002"), before);
  EXPECT_THAT(
      DescribeFeed(new_scope),
      UnorderedElementsAre("upsert patients/p1", "upsert enrollments/e1"));
  // Every position is its own.
  std::set<int64_t> seqs;
  for (const auto& e : old_scope) seqs.insert(e.change_seq);
  for (const auto& e : new_scope) seqs.insert(e.change_seq);
  EXPECT_EQ(seqs.size(), 4u);
  EXPECT_GT(*seqs.begin(), before);
  // A county-wide device keeps the patient: no removal, only the upserts.
  EXPECT_THAT(
      DescribeFeed(Feed(Subtree("320831"), before)),
      UnorderedElementsAre("upsert patients/p1", "upsert enrollments/e1"));

  // Back home: the township gets the records again and no removal.
  const int64_t away = LastSeq();
  ASSERT_TRUE(MoveP1(kVillage, "station-1").ok());
  EXPECT_THAT(DescribeFeed(Feed(Subtree("320831001"), 0)),
              Not(Contains(StartsWith("removed"))));
  EXPECT_THAT(
      DescribeFeed(Feed(Subtree("320831001"), away)),
      UnorderedElementsAre("upsert patients/p1", "upsert enrollments/e1"));
  EXPECT_THAT(DescribeFeed(Feed(Subtree("320831002"), away)),
              ElementsAre("removed patients/p1", "removed enrollments/e1"));
}

TEST_F(FakeStoreFeedTest, FacilityMoveRemovesFromTheOldFacility) {
  ASSERT_TRUE(Enroll("e1", "p1").ok());
  const int64_t before = LastSeq();
  PatientScope station1 = ScopeOf(PatientScope::Kind::kFacility);
  station1.facility_id = "station-1";
  PatientScope station2 = station1;
  station2.facility_id = "station-2";

  ASSERT_TRUE(MoveP1(kVillage, "station-2").ok());

  EXPECT_THAT(DescribeFeed(Feed(station1, before)),
              ElementsAre("removed patients/p1", "removed enrollments/e1"));
  EXPECT_THAT(
      DescribeFeed(Feed(station2, before)),
      UnorderedElementsAre("upsert patients/p1", "upsert enrollments/e1"));
  // The area did not change: the township sees the records, not a removal.
  EXPECT_THAT(
      DescribeFeed(Feed(Subtree("320831001"), before)),
      UnorderedElementsAre("upsert patients/p1", "upsert enrollments/e1"));
  // Leaving every facility is a move too.
  ASSERT_TRUE(MoveP1(kVillage, "").ok());
  EXPECT_THAT(DescribeFeed(Feed(station2, before)),
              ElementsAre("removed patients/p1", "removed enrollments/e1"));
}

TEST_F(FakeStoreFeedTest, TouchMovesAndVoidTombstonesAFeedEntry) {
  ASSERT_TRUE(Enroll("e1", "p1").ok());
  const int64_t before = LastSeq();

  ASSERT_TRUE(store_
                  .Write([](WriteTxn& txn) -> absl::Status {
                    RETURN_IF_ERROR(txn.TouchFeed("patients", "p3"));
                    return txn.VoidInFeed("enrollments", "e1");
                  })
                  .ok());

  std::vector<FeedEntry> feed = Feed(ScopeOf(PatientScope::Kind::kAll), before);
  EXPECT_THAT(DescribeFeed(feed),
              ElementsAre("upsert patients/p3", "tombstone enrollments/e1"));
  EXPECT_EQ(feed.back().change_seq, LastSeq());
  absl::Status missing = store_.Write(
      [](WriteTxn& txn) { return txn.TouchFeed("enrollments", "nope"); });
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
}

TEST_F(FakeStoreFeedTest, NestedRollbackKeepsTheRestOfTheTransaction) {
  absl::Status inner;
  ASSERT_TRUE(store_
                  .Write([&](WriteTxn& txn) -> absl::Status {
                    RETURN_IF_ERROR(txn.Nested([](WriteTxn& t) {
                      rehab::v1::Patient p =
                          MakePatient("p8", kVillage, "", "Kept");
                      return t.PutPatient(p);
                    }));
                    inner = txn.Nested([](WriteTxn& t) -> absl::Status {
                      rehab::v1::Patient p =
                          MakePatient("p9", kVillage, "", "Dropped");
                      RETURN_IF_ERROR(t.PutPatient(p));
                      return absl::InvalidArgumentError("bad item");
                    });
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(inner.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(PatientIds(QueryOf(ScopeOf(PatientScope::Kind::kAll))),
              ElementsAre("p1", "p2", "p3", "p8"));
}

TEST_F(FakeStoreFeedTest, StoresAndPrunesAppliedMutations) {
  auto mutation = [](const std::string& id, int64_t seconds) {
    AppliedMutation m;
    m.mutation_id = id;
    m.account_id = "acct";
    m.payload_hash = std::string("\x01\x00\xff", 3);
    m.collection = "patients";
    m.record_id = "p1";
    m.version = 2;
    m.change_seq = 7;
    m.apply_time = absl::FromUnixSeconds(seconds);
    return m;
  };
  ASSERT_TRUE(store_
                  .Write([&](WriteTxn& txn) -> absl::Status {
                    RETURN_IF_ERROR(txn.PutAppliedMutation(mutation("m3", 30)));
                    RETURN_IF_ERROR(txn.PutAppliedMutation(mutation("m1", 10)));
                    return txn.PutAppliedMutation(mutation("m2", 20));
                  })
                  .ok());
  absl::Status dup = store_.Write([&](WriteTxn& txn) {
    return txn.PutAppliedMutation(mutation("m1", 40));
  });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);

  int64_t pruned = -1;
  ASSERT_TRUE(store_
                  .Write([&](WriteTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(pruned, txn.PruneAppliedMutations(
                                                 absl::FromUnixSeconds(30), 1));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(pruned, 1);
  ASSERT_TRUE(store_
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(auto m1, txn.GetAppliedMutation("m1"));
                    EXPECT_FALSE(m1.has_value());
                    ASSIGN_OR_RETURN(auto m2, txn.GetAppliedMutation("m2"));
                    EXPECT_TRUE(m2.has_value());
                    if (m2.has_value()) {
                      EXPECT_EQ(m2->payload_hash,
                                std::string("\x01\x00\xff", 3));
                      EXPECT_EQ(m2->apply_time, absl::FromUnixSeconds(20));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_F(FakeStoreFeedTest, KeepsTheFirstSecretStored) {
  std::string first, second;
  ASSERT_TRUE(
      store_
          .Write([&](WriteTxn& txn) -> absl::Status {
            ASSIGN_OR_RETURN(first, txn.PutSecretIfAbsent("sync_key", "k1"));
            ASSIGN_OR_RETURN(second, txn.PutSecretIfAbsent("sync_key", "k2"));
            return absl::OkStatus();
          })
          .ok());
  EXPECT_EQ(first, "k1");
  EXPECT_EQ(second, "k1");
  std::optional<std::string> stored, absent;
  ASSERT_TRUE(store_
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(stored, txn.GetSecret("sync_key"));
                    ASSIGN_OR_RETURN(absent, txn.GetSecret("other"));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(stored, "k1");
  EXPECT_FALSE(absent.has_value());
}

TEST_F(FakeStoreTest, TokensAreRevokedByFamilyAndByAccount) {
  ASSERT_TRUE(store_
                  .Write([](WriteTxn& txn) -> absl::Status {
                    for (const char* id : {"a", "b"}) {
                      rehab::v1::Account account;
                      account.set_id(id);
                      account.set_username(std::string("user-") + id);
                      RETURN_IF_ERROR(txn.PutAccount(account, std::nullopt));
                    }
                    for (const char* hash : {"h1", "h2", "h3"}) {
                      TokenRecord t;
                      t.token_hash = hash;
                      t.account_id = std::string(hash) == "h3" ? "b" : "a";
                      t.family_id = std::string(hash) == "h1" ? "f1" : "f2";
                      RETURN_IF_ERROR(txn.PutToken(t));
                    }
                    return txn.RevokeTokenFamily("f1");
                  })
                  .ok());
  auto revoked = [&](const std::string& hash) {
    std::optional<TokenRecord> t;
    EXPECT_TRUE(store_
                    .Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(t, txn.GetToken(hash));
                      return absl::OkStatus();
                    })
                    .ok());
    return t.has_value() && t->revoked;
  };
  EXPECT_TRUE(revoked("h1"));
  EXPECT_FALSE(revoked("h2"));
  ASSERT_TRUE(
      store_.Write([](WriteTxn& txn) { return txn.RevokeAccountTokens("a"); })
          .ok());
  EXPECT_TRUE(revoked("h2"));
  EXPECT_FALSE(revoked("h3"));
}

// --- Contracts, visits, follow-ups, alerts ---------------------------------

PatientScope DoctorScope(const std::string& practitioner_id,
                         const std::string& team = "") {
  PatientScope scope = ScopeOf(PatientScope::Kind::kPractitioner);
  scope.practitioner_id = practitioner_id;
  scope.team = team;
  return scope;
}

rehab::v1::Contract MakeContract(
    const std::string& id, const std::string& patient_id,
    const std::string& doctor_id, const std::string& team = "",
    rehab::v1::ContractStatus status = rehab::v1::CONTRACT_STATUS_ACTIVE) {
  rehab::v1::Contract c;
  c.set_id(id);
  c.set_patient_id(patient_id);
  c.set_doctor_id(doctor_id);
  c.set_team(team);
  c.set_status(status);
  c.set_start_date("2024-01-01");
  c.set_end_date("2024-12-31");
  return c;
}

rehab::v1::Visit MakeVisit(const std::string& id,
                           const std::string& contract_id,
                           const std::string& patient_id, int64_t start_seconds,
                           const std::string& doctor_id = "doc-a") {
  rehab::v1::Visit v;
  v.set_id(id);
  v.set_contract_id(contract_id);
  v.set_patient_id(patient_id);
  v.set_doctor_id(doctor_id);
  *v.mutable_start_time() = ToProto(absl::FromUnixSeconds(start_seconds));
  return v;
}

class FakeStoreContractTest : public FakeStoreFeedTest {
 protected:
  void SetUp() override {
    FakeStoreFeedTest::SetUp();
    ASSERT_TRUE(store_
                    .Write([](WriteTxn& txn) -> absl::Status {
                      for (const char* id : {"doc-a", "doc-b", "doc-c"}) {
                        rehab::v1::Practitioner p;
                        p.set_id(id);
                        p.set_facility_id("station-1");
                        p.set_kind(rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR);
                        RETURN_IF_ERROR(txn.PutPractitioner(p));
                      }
                      return absl::OkStatus();
                    })
                    .ok());
  }

  absl::Status Put(rehab::v1::Contract contract) {
    return store_.Write(
        [&](WriteTxn& txn) { return txn.PutContract(contract); });
  }

  absl::Status Put(rehab::v1::Visit visit) {
    return store_.Write([&](WriteTxn& txn) { return txn.PutVisit(visit); });
  }

  std::optional<rehab::v1::Contract> Contract(const std::string& id) {
    std::optional<rehab::v1::Contract> c;
    EXPECT_TRUE(store_
                    .Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(c, txn.GetContract(id));
                      return absl::OkStatus();
                    })
                    .ok());
    return c;
  }

  std::vector<std::string> VisitIds(const VisitQuery& query) {
    std::vector<std::string> ids;
    EXPECT_TRUE(store_
                    .Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(auto rows, txn.ListVisits(query));
                      for (const auto& v : rows) ids.push_back(v.id());
                      return absl::OkStatus();
                    })
                    .ok());
    return ids;
  }

  std::vector<std::string> FollowUpIds(const FollowUpQuery& query) {
    std::vector<std::string> ids;
    EXPECT_TRUE(store_
                    .Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(auto rows, txn.ListFollowUps(query));
                      for (const auto& f : rows) ids.push_back(f.id());
                      return absl::OkStatus();
                    })
                    .ok());
    return ids;
  }

  std::vector<std::string> AlertIds(const AlertQuery& query) {
    std::vector<std::string> ids;
    EXPECT_TRUE(store_
                    .Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(auto rows, txn.ListAlerts(query));
                      for (const auto& a : rows) ids.push_back(a.id());
                      return absl::OkStatus();
                    })
                    .ok());
    return ids;
  }

  std::vector<std::string> ContractIds(const ContractQuery& query) {
    std::vector<std::string> ids;
    EXPECT_TRUE(store_
                    .Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(auto rows, txn.ListContracts(query));
                      for (const auto& c : rows) ids.push_back(c.id());
                      return absl::OkStatus();
                    })
                    .ok());
    return ids;
  }
};

TEST_F(FakeStoreContractTest, PractitionerScopeIsTheActiveContractsHolder) {
  ASSERT_TRUE(Put(MakeContract("c1", "p1", "doc-a", "team-1")).ok());
  ASSERT_TRUE(Put(MakeContract("c2", "p2", "doc-b", "team-1")).ok());
  ASSERT_TRUE(Put(MakeContract("c3", "p3", "doc-a", "",
                               rehab::v1::CONTRACT_STATUS_TERMINATED))
                  .ok());

  EXPECT_THAT(PatientIds(QueryOf(DoctorScope("doc-a"))), ElementsAre("p1"));
  EXPECT_THAT(PatientIds(QueryOf(DoctorScope("doc-b", "team-1"))),
              ElementsAre("p1", "p2"));
  EXPECT_THAT(PatientIds(QueryOf(DoctorScope("doc-c", "team-2"))), IsEmpty());
  // Neither a doctor nor a team: nothing, not every patient without one.
  EXPECT_THAT(PatientIds(QueryOf(DoctorScope(""))), IsEmpty());

  bool p3_in = true, p1_in = false;
  ASSERT_TRUE(store_
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(
                        p3_in, txn.PatientInScope("p3", DoctorScope("doc-a")));
                    ASSIGN_OR_RETURN(
                        p1_in, txn.PatientInScope("p1", DoctorScope("doc-a")));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_FALSE(p3_in);
  EXPECT_TRUE(p1_in);

  ContractQuery contracts;
  contracts.scope = DoctorScope("doc-a");
  EXPECT_THAT(ContractIds(contracts), ElementsAre("c1"));
  contracts.scope = ScopeOf(PatientScope::Kind::kAll);
  contracts.doctor_id = "doc-a";
  EXPECT_THAT(ContractIds(contracts), ElementsAre("c1", "c3"));
  contracts.status = rehab::v1::CONTRACT_STATUS_TERMINATED;
  EXPECT_THAT(ContractIds(contracts), ElementsAre("c3"));
  contracts = ContractQuery();
  contracts.scope = ScopeOf(PatientScope::Kind::kAll);
  contracts.area_code_prefix = "320831001";
  EXPECT_THAT(ContractIds(contracts), ElementsAre("c1", "c3"));
  contracts.after_id = "c1";
  contracts.limit = 1;
  EXPECT_THAT(ContractIds(contracts), ElementsAre("c3"));
  contracts = ContractQuery();
  contracts.scope = ScopeOf(PatientScope::Kind::kAll);
  contracts.end_date_until = "2024-12-30";
  EXPECT_THAT(ContractIds(contracts), IsEmpty());
  contracts.end_date_until = "2024-12-31";
  EXPECT_THAT(ContractIds(contracts), ElementsAre("c1", "c2", "c3"));
}

TEST_F(FakeStoreContractTest, AllowsOneActiveContractPerPatient) {
  ASSERT_TRUE(Put(MakeContract("c1", "p1", "doc-a")).ok());
  absl::Status second = Put(MakeContract("c2", "p1", "doc-b"));
  EXPECT_EQ(second.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(second), kReasonContractAlreadyActive);
  EXPECT_FALSE(Contract("c2").has_value());
  // Rewriting the active one is no second one.
  EXPECT_TRUE(Put(MakeContract("c1", "p1", "doc-a", "team-1")).ok());

  // A renewal: the old one stops being ACTIVE, then the new one starts.
  ASSERT_TRUE(store_
                  .Write([](WriteTxn& txn) -> absl::Status {
                    rehab::v1::Contract old =
                        MakeContract("c1", "p1", "doc-a", "",
                                     rehab::v1::CONTRACT_STATUS_RENEWED);
                    RETURN_IF_ERROR(txn.PutContract(old));
                    rehab::v1::Contract next =
                        MakeContract("c2", "p1", "doc-a");
                    return txn.PutContract(next);
                  })
                  .ok());
  std::optional<rehab::v1::Contract> active;
  ASSERT_TRUE(store_
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(active, txn.GetActiveContract("p1"));
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(active.has_value());
  EXPECT_EQ(active->id(), "c2");

  EXPECT_EQ(Put(MakeContract("c9", "no-such-patient", "doc-a")).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Put(MakeContract("c9", "p2", "no-such-doctor")).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(FakeStoreContractTest, AmendAndVoidSupersedeAndLeaveTheCount) {
  rehab::v1::Contract c1 = MakeContract("c1", "p1", "doc-a");
  c1.mutable_fulfilment()->set_visits_delivered(99);
  ASSERT_TRUE(Put(c1).ok());
  ASSERT_EQ(Contract("c1")->fulfilment().visits_delivered(), 0);

  ASSERT_TRUE(Put(MakeVisit("v1", "c1", "p1", 100)).ok());
  ASSERT_TRUE(Put(MakeVisit("v2", "c1", "p1", 200)).ok());
  ASSERT_TRUE(Put(MakeVisit("v3", "c1", "p1", 300)).ok());
  absl::Status again = Put(MakeVisit("v1", "c1", "p1", 400));
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Contract("c1")->fulfilment().visits_delivered(), 3);
  const int64_t before = LastSeq();

  rehab::v1::Visit amend = MakeVisit("v4", "c1", "p1", 110);
  amend.set_amends_id("v1");
  ASSERT_TRUE(Put(amend).ok());
  rehab::v1::Visit cancel;
  cancel.set_id("v5");
  cancel.set_contract_id("c1");
  cancel.set_voids_id("v2");
  cancel.set_void_reason("entered twice");
  ASSERT_TRUE(Put(cancel).ok());

  std::optional<rehab::v1::Contract> read = Contract("c1");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->fulfilment().visits_delivered(), 2);  // v3 and v4
  EXPECT_EQ(read->fulfilment().last_visit_date(), "");
  std::optional<rehab::v1::Visit> v1, v2, v3;
  ASSERT_TRUE(store_
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(v1, txn.GetVisit("v1"));
                    ASSIGN_OR_RETURN(v2, txn.GetVisit("v2"));
                    ASSIGN_OR_RETURN(v3, txn.GetVisit("v3"));
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(v1.has_value() && v2.has_value() && v3.has_value());
  EXPECT_EQ(v1->superseded_by_id(), "v4");
  EXPECT_EQ(v2->superseded_by_id(), "v5");
  EXPECT_EQ(v3->superseded_by_id(), "");

  VisitQuery query;
  query.scope = ScopeOf(PatientScope::Kind::kAll);
  query.contract_id = "c1";
  EXPECT_THAT(VisitIds(query), ElementsAre("v3", "v4"));
  query.include_superseded = true;
  EXPECT_THAT(VisitIds(query), ElementsAre("v3", "v2", "v4", "v1", "v5"));
  // The superseded visits are tombstones in the feed; the void hangs on
  // its contract's patient.
  std::vector<FeedEntry> feed = Feed(ScopeOf(PatientScope::Kind::kAll), before);
  EXPECT_THAT(DescribeFeed(feed),
              ElementsAre("tombstone visits/v1", "upsert visits/v4",
                          "tombstone visits/v2", "upsert visits/v5"));
  EXPECT_EQ(feed.back().patient_id, "p1");

  rehab::v1::Visit dangling = MakeVisit("v6", "c1", "p1", 500);
  dangling.set_amends_id("no-such-visit");
  EXPECT_EQ(Put(dangling).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Put(MakeVisit("v6", "no-such-contract", "p1", 500)).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(FakeStoreContractTest, ListsVisitsNewestStartFirstInPages) {
  ASSERT_TRUE(Put(MakeContract("c1", "p1", "doc-a")).ok());
  ASSERT_TRUE(Put(MakeContract("c2", "p2", "doc-b")).ok());
  ASSERT_TRUE(Put(MakeVisit("va", "c1", "p1", 200)).ok());
  ASSERT_TRUE(Put(MakeVisit("vb", "c1", "p1", 200, "doc-b")).ok());
  ASSERT_TRUE(Put(MakeVisit("vc", "c1", "p1", 100)).ok());
  ASSERT_TRUE(Put(MakeVisit("vd", "c1", "p1", 300)).ok());
  ASSERT_TRUE(Put(MakeVisit("vx", "c2", "p2", 250, "doc-b")).ok());

  VisitQuery query;
  query.scope = DoctorScope("doc-a");
  query.limit = 2;
  EXPECT_THAT(VisitIds(query), ElementsAre("vd", "vb"));
  query.after_start_time = absl::FromUnixSeconds(200);
  query.after_id = "vb";
  EXPECT_THAT(VisitIds(query), ElementsAre("va", "vc"));
  query.after_id = "va";
  EXPECT_THAT(VisitIds(query), ElementsAre("vc"));

  query = VisitQuery();
  query.scope = ScopeOf(PatientScope::Kind::kAll);
  EXPECT_THAT(VisitIds(query), ElementsAre("vd", "vx", "vb", "va", "vc"));
  query.start_from = absl::FromUnixSeconds(200);
  query.start_before = absl::FromUnixSeconds(300);
  EXPECT_THAT(VisitIds(query), ElementsAre("vx", "vb", "va"));
  query.doctor_id = "doc-b";
  EXPECT_THAT(VisitIds(query), ElementsAre("vx", "vb"));
  query.patient_id = "p1";
  EXPECT_THAT(VisitIds(query), ElementsAre("vb"));
}

TEST_F(FakeStoreContractTest, ListsFollowUpsByDueDateThenPatientInPages) {
  ASSERT_TRUE(Put(MakeContract("c1", "p1", "doc-a")).ok());
  ASSERT_TRUE(Put(MakeContract("c2", "p2", "doc-b")).ok());
  ASSERT_TRUE(Put(MakeContract("c3", "p3", "doc-a")).ok());
  auto follow_up = [](const std::string& patient_id,
                      const std::string& contract_id,
                      const std::string& doctor_id, const std::string& due) {
    rehab::v1::FollowUp f;
    f.set_id(patient_id);
    f.set_patient_id(patient_id);
    f.set_contract_id(contract_id);
    f.set_doctor_id(doctor_id);
    f.set_due_date(due);
    f.set_overdue(true);
    f.set_days_overdue(5);
    f.set_missed_visits(2);
    f.set_lost_to_follow_up(true);
    return f;
  };
  ASSERT_TRUE(store_
                  .Write([&](WriteTxn& txn) -> absl::Status {
                    rehab::v1::FollowUp f3 =
                        follow_up("p3", "c3", "doc-a", "2024-07-01");
                    RETURN_IF_ERROR(txn.PutFollowUp(f3));
                    rehab::v1::FollowUp f1 =
                        follow_up("p1", "c1", "doc-a", "2024-07-01");
                    RETURN_IF_ERROR(txn.PutFollowUp(f1));
                    rehab::v1::FollowUp f2 =
                        follow_up("p2", "c2", "doc-b", "2024-06-15");
                    return txn.PutFollowUp(f2);
                  })
                  .ok());

  FollowUpQuery query;
  query.scope = ScopeOf(PatientScope::Kind::kAll);
  EXPECT_THAT(FollowUpIds(query), ElementsAre("p2", "p1", "p3"));
  query.limit = 2;
  EXPECT_THAT(FollowUpIds(query), ElementsAre("p2", "p1"));
  query.after_due_date = "2024-07-01";
  query.after_patient_id = "p1";
  EXPECT_THAT(FollowUpIds(query), ElementsAre("p3"));
  query = FollowUpQuery();
  query.scope = ScopeOf(PatientScope::Kind::kAll);
  query.due_until = "2024-06-30";
  EXPECT_THAT(FollowUpIds(query), ElementsAre("p2"));
  query = FollowUpQuery();
  query.scope = DoctorScope("doc-a");
  EXPECT_THAT(FollowUpIds(query), ElementsAre("p1", "p3"));
  query.area_code_prefix = "320831001002";
  EXPECT_THAT(FollowUpIds(query), ElementsAre("p1"));
  query = FollowUpQuery();
  query.scope = ScopeOf(PatientScope::Kind::kAll);
  query.doctor_id = "doc-b";
  EXPECT_THAT(FollowUpIds(query), ElementsAre("p2"));

  std::optional<rehab::v1::FollowUp> stored;
  ASSERT_TRUE(store_
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(stored, txn.GetFollowUp("p1"));
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->due_date(), "2024-07-01");
  EXPECT_FALSE(stored->overdue());
  EXPECT_EQ(stored->days_overdue(), 0);
  EXPECT_EQ(stored->missed_visits(), 0);
  EXPECT_FALSE(stored->lost_to_follow_up());

  const int64_t before = LastSeq();
  ASSERT_TRUE(store_
                  .Write([](WriteTxn& txn) -> absl::Status {
                    RETURN_IF_ERROR(txn.RemoveFollowUp("p2"));
                    return txn.RemoveFollowUp("p2");
                  })
                  .ok());
  query = FollowUpQuery();
  query.scope = ScopeOf(PatientScope::Kind::kAll);
  EXPECT_THAT(FollowUpIds(query), ElementsAre("p1", "p3"));
  EXPECT_THAT(DescribeFeed(Feed(ScopeOf(PatientScope::Kind::kAll), before)),
              ElementsAre("tombstone follow_ups/p2"));
}

TEST_F(FakeStoreContractTest, AllowsOneAlertPerFindingAndListsNewestFirst) {
  auto alert = [](const std::string& id, const std::string& patient_id,
                  rehab::v1::AlertKind kind, const std::string& source_id,
                  const std::string& date, int64_t created) {
    rehab::v1::Alert a;
    a.set_id(id);
    a.set_patient_id(patient_id);
    a.set_kind(kind);
    a.set_state(rehab::v1::ALERT_STATE_OPEN);
    a.set_source_collection("visits");
    a.set_source_id(source_id);
    a.set_finding_date(date);
    a.set_doctor_id("doc-a");
    *a.mutable_create_time() = ToProto(absl::FromUnixSeconds(created));
    return a;
  };
  auto put = [&](rehab::v1::Alert a) {
    return store_.Write([&](WriteTxn& txn) { return txn.PutAlert(a); });
  };
  constexpr auto kHighRisk = rehab::v1::ALERT_KIND_HIGH_RISK_VISIT;
  constexpr auto kOverdue = rehab::v1::ALERT_KIND_FOLLOW_UP_OVERDUE;
  ASSERT_TRUE(put(alert("a1", "p1", kHighRisk, "v1", "2024-06-01", 100)).ok());
  absl::Status dup = put(alert("a2", "p1", kHighRisk, "v1", "2024-06-01", 150));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  // Another day, another kind or another source is another finding.
  ASSERT_TRUE(put(alert("a2", "p1", kHighRisk, "v1", "2024-06-02", 200)).ok());
  ASSERT_TRUE(put(alert("a3", "p2", kOverdue, "v1", "2024-06-01", 200)).ok());
  ASSERT_TRUE(put(alert("a4", "p3", kHighRisk, "v2", "2024-06-01", 50)).ok());
  // Acknowledging rewrites the alert under its own finding.
  rehab::v1::Alert acked =
      alert("a1", "p1", kHighRisk, "v1", "2024-06-01", 100);
  acked.set_state(rehab::v1::ALERT_STATE_ACKNOWLEDGED);
  ASSERT_TRUE(put(acked).ok());

  std::optional<rehab::v1::Alert> found, missing;
  ASSERT_TRUE(store_
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(
                        found, txn.FindAlert(kHighRisk, "v1", "2024-06-01"));
                    ASSIGN_OR_RETURN(
                        missing, txn.FindAlert(kOverdue, "v1", "2024-06-02"));
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id(), "a1");
  EXPECT_EQ(found->state(), rehab::v1::ALERT_STATE_ACKNOWLEDGED);
  EXPECT_FALSE(missing.has_value());

  AlertQuery query;
  query.scope = ScopeOf(PatientScope::Kind::kAll);
  EXPECT_THAT(AlertIds(query), ElementsAre("a3", "a2", "a1", "a4"));
  query.limit = 2;
  EXPECT_THAT(AlertIds(query), ElementsAre("a3", "a2"));
  query.before_create_time = absl::FromUnixSeconds(200);
  query.before_id = "a2";
  EXPECT_THAT(AlertIds(query), ElementsAre("a1", "a4"));
  query = AlertQuery();
  query.scope = Subtree("320831001");
  EXPECT_THAT(AlertIds(query), ElementsAre("a2", "a1", "a4"));
  query.kind = kHighRisk;
  query.state = rehab::v1::ALERT_STATE_OPEN;
  EXPECT_THAT(AlertIds(query), ElementsAre("a2", "a4"));
  query.area_code_prefix = "320831001002";
  EXPECT_THAT(AlertIds(query), ElementsAre("a2"));
  query = AlertQuery();
  query.scope = ScopeOf(PatientScope::Kind::kAll);
  query.patient_id = "p3";
  EXPECT_THAT(AlertIds(query), ElementsAre("a4"));
}

TEST_F(FakeStoreContractTest, FailedWriteKeepsNoneOfTheNewTables) {
  ASSERT_TRUE(Put(MakeContract("c0", "p2", "doc-b")).ok());
  const int64_t before = LastSeq();
  absl::Status status = store_.Write([](WriteTxn& txn) -> absl::Status {
    rehab::v1::Contract c = MakeContract("c1", "p1", "doc-a");
    RETURN_IF_ERROR(txn.PutContract(c));
    rehab::v1::Visit v = MakeVisit("v1", "c1", "p1", 100);
    RETURN_IF_ERROR(txn.PutVisit(v));
    rehab::v1::FollowUp f;
    f.set_id("p1");
    f.set_patient_id("p1");
    f.set_contract_id("c1");
    f.set_due_date("2024-07-01");
    RETURN_IF_ERROR(txn.PutFollowUp(f));
    rehab::v1::Alert a;
    a.set_id("a1");
    a.set_patient_id("p1");
    a.set_kind(rehab::v1::ALERT_KIND_HIGH_RISK_VISIT);
    a.set_source_id("v1");
    RETURN_IF_ERROR(txn.PutAlert(a));
    return absl::AbortedError("changed my mind");
  });
  ASSERT_EQ(status.code(), absl::StatusCode::kAborted);

  EXPECT_EQ(LastSeq(), before);
  EXPECT_THAT(PatientIds(QueryOf(DoctorScope("doc-a"))), IsEmpty());
  ASSERT_TRUE(
      store_
          .Read([](ReadTxn& txn) -> absl::Status {
            ASSIGN_OR_RETURN(auto c, txn.GetContract("c1"));
            EXPECT_FALSE(c.has_value());
            ASSIGN_OR_RETURN(auto active, txn.GetActiveContract("p1"));
            EXPECT_FALSE(active.has_value());
            ASSIGN_OR_RETURN(auto v, txn.GetVisit("v1"));
            EXPECT_FALSE(v.has_value());
            ASSIGN_OR_RETURN(auto f, txn.GetFollowUp("p1"));
            EXPECT_FALSE(f.has_value());
            ASSIGN_OR_RETURN(
                auto a,
                txn.FindAlert(rehab::v1::ALERT_KIND_HIGH_RISK_VISIT, "v1", ""));
            EXPECT_FALSE(a.has_value());
            return absl::OkStatus();
          })
          .ok());
  // The ids are free again.
  EXPECT_TRUE(Put(MakeContract("c1", "p1", "doc-a")).ok());
  EXPECT_TRUE(Put(MakeVisit("v1", "c1", "p1", 100)).ok());

  // A failed savepoint drops its visit and the supersession it made.
  absl::Status inner;
  ASSERT_TRUE(store_
                  .Write([&](WriteTxn& txn) -> absl::Status {
                    inner = txn.Nested([](WriteTxn& t) -> absl::Status {
                      rehab::v1::Visit amend = MakeVisit("v2", "c1", "p1", 100);
                      amend.set_amends_id("v1");
                      RETURN_IF_ERROR(t.PutVisit(amend));
                      return absl::InvalidArgumentError("bad item");
                    });
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(inner.code(), absl::StatusCode::kInvalidArgument);
  VisitQuery query;
  query.scope = ScopeOf(PatientScope::Kind::kAll);
  EXPECT_THAT(VisitIds(query), ElementsAre("v1"));
  EXPECT_EQ(Contract("c1")->fulfilment().visits_delivered(), 1);
}

TEST_F(FakeStoreContractTest, HandOverRemovesFromTheOldDoctorAndResends) {
  ASSERT_TRUE(Put(MakeContract("c1", "p1", "doc-a", "team-1")).ok());
  ASSERT_TRUE(Enroll("e1", "p1").ok());
  ASSERT_TRUE(Put(MakeVisit("v1", "c1", "p1", 100)).ok());
  EXPECT_THAT(
      DescribeFeed(Feed(DoctorScope("doc-a"))),
      UnorderedElementsAre("upsert patients/p1", "upsert contracts/c1",
                           "upsert enrollments/e1", "upsert visits/v1"));
  const int64_t before = LastSeq();

  // The contract passes to doc-b, outside team-1.
  ASSERT_TRUE(Put(MakeContract("c1", "p1", "doc-b")).ok());

  EXPECT_THAT(
      DescribeFeed(Feed(DoctorScope("doc-a"), before)),
      UnorderedElementsAre("removed patients/p1", "removed contracts/c1",
                           "removed enrollments/e1", "removed visits/v1"));
  EXPECT_THAT(
      DescribeFeed(Feed(DoctorScope("doc-c", "team-1"), before)),
      UnorderedElementsAre("removed patients/p1", "removed contracts/c1",
                           "removed enrollments/e1", "removed visits/v1"));
  const std::vector<std::string> resent = {
      "upsert patients/p1", "upsert contracts/c1", "upsert enrollments/e1",
      "upsert visits/v1"};
  EXPECT_THAT(DescribeFeed(Feed(DoctorScope("doc-b"), before)),
              UnorderedElementsAreArray(resent));
  // The area did not change: its devices get the records, not a removal.
  EXPECT_THAT(DescribeFeed(Feed(Subtree("320831001"), before)),
              UnorderedElementsAreArray(resent));

  // Terminated: doc-b holds the patient no more.
  const int64_t held = LastSeq();
  ASSERT_TRUE(Put(MakeContract("c1", "p1", "doc-b", "",
                               rehab::v1::CONTRACT_STATUS_TERMINATED))
                  .ok());
  EXPECT_THAT(
      DescribeFeed(Feed(DoctorScope("doc-b"), held)),
      UnorderedElementsAre("removed patients/p1", "removed contracts/c1",
                           "removed enrollments/e1", "removed visits/v1"));
  EXPECT_THAT(PatientIds(QueryOf(DoctorScope("doc-b"))), IsEmpty());
  // A change that keeps the holder moves nothing.
  const int64_t ended = LastSeq();
  ASSERT_TRUE(Put(MakeContract("c1", "p1", "doc-b", "",
                               rehab::v1::CONTRACT_STATUS_TERMINATED))
                  .ok());
  EXPECT_THAT(DescribeFeed(Feed(ScopeOf(PatientScope::Kind::kAll), ended)),
              ElementsAre("upsert contracts/c1"));
}

}  // namespace
}  // namespace rehab
