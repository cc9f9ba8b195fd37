#include "tests/server/domain/fake_store.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/errors.h"
#include "server/common/status_macros.h"

namespace rehab {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

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

PatientScope ScopeOf(PatientScope::Kind kind) {
  PatientScope scope;
  scope.kind = kind;
  return scope;
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
