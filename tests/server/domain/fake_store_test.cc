#include "tests/server/domain/fake_store.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
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

}  // namespace
}  // namespace rehab
