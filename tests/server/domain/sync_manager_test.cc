#include "server/domain/sync_manager.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/patient_manager.h"
#include "server/domain/sync_collections.h"
#include "server/domain/validation.h"
#include "tests/server/domain/domain_test_util.h"
#include "tests/server/domain/fake_store.h"

namespace rehab {
namespace {

using ::rehab::domain_test::Admin;
using ::rehab::domain_test::AtFacility;
using ::rehab::domain_test::IdNumber;
using ::rehab::domain_test::kCounty;
using ::rehab::domain_test::kStart;
using ::rehab::domain_test::kStation1;
using ::rehab::domain_test::kStation2;
using ::rehab::domain_test::kTownship1;
using ::rehab::domain_test::kTownship2;
using ::rehab::domain_test::kVillage1;
using ::rehab::domain_test::kVillage2;
using ::rehab::domain_test::Supervisor;
using rehab::v1::Change;
using rehab::v1::Enrollment;
using rehab::v1::Mutation;
using rehab::v1::MutationResult;
using rehab::v1::Patient;
using rehab::v1::PullRequest;
using rehab::v1::PullResponse;
using rehab::v1::PushRequest;
using rehab::v1::PushResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// What a REJECTED or CONFLICT result carried.
struct Why {
  int code = 0;
  std::string reason;
  std::vector<std::string> fields;
};

Why WhyOf(const MutationResult& result) {
  Why why;
  why.code = result.status().code();
  for (const google::protobuf::Any& any : result.status().details()) {
    if (any.type_url() == kErrorInfoTypeUrl) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info)) why.reason = info.reason();
    } else if (any.type_url() == kBadRequestTypeUrl) {
      google::rpc::BadRequest bad;
      if (any.UnpackTo(&bad)) {
        for (const auto& v : bad.field_violations()) {
          why.fields.push_back(v.field());
        }
      }
    }
  }
  return why;
}

class SyncManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(domain_test::PutModelCounty(store_).ok());
  }

  // A patient of village 1, served by station 1, with a fixed id.
  static Patient NewPatient(int sequence, const std::string& name = "") {
    Patient p;
    p.set_id(NameUuid("sync-test", std::to_string(sequence)));
    p.set_name(name.empty() ? absl::StrCat("Patient ", sequence) : name);
    p.set_id_number(IdNumber("19800101", sequence));
    p.set_area_id(kVillage1);
    p.set_facility_id(kStation1);
    p.set_phone("13800000000");
    return p;
  }

  static Mutation PatientMutation(const Patient& patient,
                                  int64_t base_version = 0,
                                  const std::string& mutation_id = "") {
    Mutation m;
    m.set_mutation_id(mutation_id.empty() ? NewUuid() : mutation_id);
    m.set_base_version(base_version);
    *m.mutable_device_time() = google::protobuf::Timestamp();
    *m.mutable_patient() = patient;
    return m;
  }

  static Mutation EnrollmentMutation(const std::string& patient_id,
                                     rehab::v1::Program program,
                                     int64_t base_version = 0) {
    Mutation m;
    m.set_mutation_id(NewUuid());
    m.set_base_version(base_version);
    Enrollment* e = m.mutable_enrollment();
    e->set_id(NewUuid());
    e->set_patient_id(patient_id);
    e->set_program(program);
    e->set_start_date("2024-01-15");
    return m;
  }

  absl::StatusOr<PushResponse> Push(
      const std::vector<Mutation>& mutations, const Caller& caller = Admin(),
      std::vector<PatientOutcome>* audit = nullptr) {
    PushRequest request;
    for (const Mutation& m : mutations) *request.add_mutations() = m;
    return sync_.Push(caller, request, audit);
  }

  // Pushes one mutation and returns its result (a failed call fails the
  // test).
  MutationResult PushOne(const Mutation& m, const Caller& caller = Admin()) {
    absl::StatusOr<PushResponse> response = Push({m}, caller);
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok() || response->results_size() != 1) {
      return MutationResult();
    }
    return response->results(0);
  }

  absl::StatusOr<PullResponse> Pull(const Caller& caller,
                                    const std::string& token = "",
                                    int32_t page_size = 0) {
    PullRequest request;
    request.set_sync_token(token);
    request.set_page_size(page_size);
    return sync_.Pull(caller, request);
  }

  // Pulls until caught up from `*token`, advancing it; the changes in
  // order.
  std::vector<Change> PullAll(const Caller& caller, std::string* token,
                              int32_t page_size = 0) {
    std::vector<Change> changes;
    for (int pages = 0; pages < 1000; ++pages) {
      absl::StatusOr<PullResponse> page = Pull(caller, *token, page_size);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const Change& c : page->changes()) changes.push_back(c);
      *token = page->sync_token();
      if (page->caught_up()) break;
    }
    return changes;
  }

  std::vector<Patient> StoredPatients() {
    std::vector<Patient> out;
    EXPECT_TRUE(store_
                    .Read([&](ReadTxn& txn) -> absl::Status {
                      PatientQuery query;
                      query.scope.kind = PatientScope::Kind::kAll;
                      query.limit = 10000;
                      ASSIGN_OR_RETURN(out, txn.ListPatients(query));
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }

  FakeStore store_;
  FakeClock clock_{kStart};
  PatientManager patients_{&store_, &clock_, absl::FixedTimeZone(8 * 3600)};
  SyncCollections collections_{SyncManagers{&patients_}};
  SyncManager sync_{&store_, &clock_, &collections_};
};

// --- Push ------------------------------------------------------------------

TEST_F(SyncManagerTest, AppliesACreateAndAnswersItsRetryDuplicate) {
  const Mutation m = PatientMutation(NewPatient(1));
  const MutationResult first = PushOne(m);
  EXPECT_EQ(first.outcome(), rehab::v1::OUTCOME_APPLIED);
  EXPECT_EQ(first.mutation_id(), m.mutation_id());
  EXPECT_EQ(first.id(), m.patient().id());
  EXPECT_EQ(first.version(), 1);
  EXPECT_GT(first.change_seq(), 0);

  clock_.Advance(absl::Minutes(3));
  Mutation retry = m;
  // The device's clock is not part of the payload.
  retry.mutable_device_time()->set_seconds(12345);
  const MutationResult again = PushOne(retry);
  EXPECT_EQ(again.outcome(), rehab::v1::OUTCOME_DUPLICATE);
  EXPECT_EQ(again.id(), first.id());
  EXPECT_EQ(again.version(), 1);
  EXPECT_EQ(again.change_seq(), first.change_seq());
  EXPECT_EQ(StoredPatients().size(), 1u);
}

TEST_F(SyncManagerTest, GivesACreateWithoutIdOneAndItsRetryTheSame) {
  Patient p = NewPatient(1);
  p.clear_id();
  const Mutation m = PatientMutation(p);
  const MutationResult first = PushOne(m);
  ASSERT_EQ(first.outcome(), rehab::v1::OUTCOME_APPLIED);
  EXPECT_TRUE(IsCanonicalUuid(first.id())) << first.id();

  const MutationResult again = PushOne(m);
  EXPECT_EQ(again.outcome(), rehab::v1::OUTCOME_DUPLICATE);
  EXPECT_EQ(again.id(), first.id());
  EXPECT_EQ(StoredPatients().size(), 1u);
}

TEST_F(SyncManagerTest, AnswersACreateRepeatingAnIdWithSameContentDuplicate) {
  const Patient p = NewPatient(1);
  const MutationResult first = PushOne(PatientMutation(p));
  ASSERT_EQ(first.outcome(), rehab::v1::OUTCOME_APPLIED);

  // Another device registered the same person under the same id.
  const MutationResult other = PushOne(PatientMutation(p));
  EXPECT_EQ(other.outcome(), rehab::v1::OUTCOME_DUPLICATE);
  EXPECT_EQ(other.id(), p.id());
  EXPECT_EQ(other.version(), 1);
  EXPECT_EQ(other.change_seq(), first.change_seq());
}

TEST_F(SyncManagerTest, RejectsACreateRepeatingAnIdWithOtherContent) {
  const Patient p = NewPatient(1, "Li Na");
  ASSERT_EQ(PushOne(PatientMutation(p)).outcome(), rehab::v1::OUTCOME_APPLIED);
  Patient other = p;
  other.set_name("Li Hua");
  const MutationResult result = PushOne(PatientMutation(other));
  EXPECT_EQ(result.outcome(), rehab::v1::OUTCOME_REJECTED);
  EXPECT_EQ(WhyOf(result).code,
            static_cast<int>(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(WhyOf(result).reason, kReasonAlreadyExists);
  ASSERT_EQ(StoredPatients().size(), 1u);
  EXPECT_EQ(StoredPatients()[0].name(), "Li Na");
}

TEST_F(SyncManagerTest, RejectsAMutationIdReusedWithAnotherPayload) {
  const Mutation first = PatientMutation(NewPatient(1, "Li Na"));
  ASSERT_EQ(PushOne(first).outcome(), rehab::v1::OUTCOME_APPLIED);

  Mutation reused =
      PatientMutation(NewPatient(2, "Zhao Lei"), 0, first.mutation_id());
  const MutationResult result = PushOne(reused);
  EXPECT_EQ(result.outcome(), rehab::v1::OUTCOME_REJECTED);
  EXPECT_EQ(WhyOf(result).reason, kReasonMutationIdReused);
  EXPECT_THAT(result.status().message(), HasSubstr(first.mutation_id()));

  // Same record, other base_version: another change too.
  Mutation edit = first;
  edit.set_base_version(1);
  EXPECT_EQ(WhyOf(PushOne(edit)).reason, kReasonMutationIdReused);

  const std::vector<Patient> stored = StoredPatients();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].name(), "Li Na");
  EXPECT_EQ(stored[0].version(), 1);
}

TEST_F(SyncManagerTest, RejectsAMutationIdAnotherAccountApplied) {
  const Mutation m = PatientMutation(NewPatient(1));
  ASSERT_EQ(PushOne(m).outcome(), rehab::v1::OUTCOME_APPLIED);
  Caller other = Admin();
  other.account_id = "acct-admin-2";
  const MutationResult result = PushOne(m, other);
  EXPECT_EQ(result.outcome(), rehab::v1::OUTCOME_REJECTED);
  EXPECT_EQ(WhyOf(result).reason, kReasonMutationIdReused);
  // Nothing of the first account's result is told.
  EXPECT_EQ(result.id(), "");
  EXPECT_EQ(result.version(), 0);
}

TEST_F(SyncManagerTest, OneBadRecordInABatchOfAHundredFailsAlone) {
  std::vector<Mutation> batch;
  for (int i = 0; i < 100; ++i) {
    Patient p = NewPatient(i + 1);
    if (i == 37) p.set_id_number("320831198001010000");  // bad check char
    batch.push_back(PatientMutation(p));
  }
  absl::StatusOr<PushResponse> response = Push(batch);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->results_size(), 100);
  int applied = 0;
  for (int i = 0; i < 100; ++i) {
    const MutationResult& r = response->results(i);
    EXPECT_EQ(r.mutation_id(), batch[i].mutation_id());
    if (i == 37) {
      EXPECT_EQ(r.outcome(), rehab::v1::OUTCOME_REJECTED);
      const Why why = WhyOf(r);
      EXPECT_EQ(why.code, static_cast<int>(absl::StatusCode::kInvalidArgument));
      EXPECT_EQ(why.reason, kReasonInvalidIdNumber);
      EXPECT_THAT(why.fields, ElementsAre("patient.id_number"));
    } else if (r.outcome() == rehab::v1::OUTCOME_APPLIED) {
      ++applied;
    }
  }
  EXPECT_EQ(applied, 99);
  EXPECT_EQ(StoredPatients().size(), 99u);
}

TEST_F(SyncManagerTest, AnItemFailingInsideTheTransactionRollsBackAlone) {
  // Both pass the checks made before the transaction; the second one's
  // ID number is taken by the first inside it.
  Patient a = NewPatient(1);
  Patient b = NewPatient(2);
  b.set_id_number(a.id_number());
  absl::StatusOr<PushResponse> response =
      Push({PatientMutation(a), PatientMutation(b)});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->results(0).outcome(), rehab::v1::OUTCOME_APPLIED);
  EXPECT_EQ(response->results(1).outcome(), rehab::v1::OUTCOME_REJECTED);
  EXPECT_EQ(WhyOf(response->results(1)).reason, kReasonDuplicateIdNumber);
  ASSERT_EQ(StoredPatients().size(), 1u);
  EXPECT_EQ(StoredPatients()[0].id(), a.id());

  // The refused mutation was not remembered: fixed, under the same id, it
  // is judged afresh.
  b.set_id_number(IdNumber("19800101", 2));
  Mutation fixed = PatientMutation(b, 0, response->results(1).mutation_id());
  EXPECT_EQ(PushOne(fixed).outcome(), rehab::v1::OUTCOME_APPLIED);
}

TEST_F(SyncManagerTest, NamesTheMutationFieldsItRefuses) {
  Mutation no_id = PatientMutation(NewPatient(1));
  no_id.clear_mutation_id();
  Mutation bad_id = PatientMutation(NewPatient(2), 0, "not-a-uuid");
  Mutation no_record;
  no_record.set_mutation_id(NewUuid());
  Mutation negative = PatientMutation(NewPatient(3), -1);
  absl::StatusOr<PushResponse> response =
      Push({no_id, bad_id, no_record, negative});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(WhyOf(response->results(0)).fields, ElementsAre("mutation_id"));
  EXPECT_THAT(WhyOf(response->results(1)).fields, ElementsAre("mutation_id"));
  EXPECT_THAT(WhyOf(response->results(2)).fields, ElementsAre("record"));
  EXPECT_THAT(response->results(2).status().message(),
              HasSubstr("patient, enrollment"));
  EXPECT_THAT(WhyOf(response->results(3)).fields, ElementsAre("base_version"));
  for (const MutationResult& r : response->results()) {
    EXPECT_EQ(r.outcome(), rehab::v1::OUTCOME_REJECTED);
  }
  EXPECT_THAT(StoredPatients(), IsEmpty());
}

TEST_F(SyncManagerTest, RefusesWhatTheCallersRoleMayNotWrite) {
  const MutationResult result =
      PushOne(PatientMutation(NewPatient(1)),
              AtFacility(rehab::v1::ROLE_KIOSK, kStation1));
  EXPECT_EQ(result.outcome(), rehab::v1::OUTCOME_REJECTED);
  EXPECT_EQ(WhyOf(result).code,
            static_cast<int>(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(StoredPatients(), IsEmpty());

  // Staff write at their own facility only.
  Patient elsewhere = NewPatient(2);
  elsewhere.set_area_id(kVillage2);
  elsewhere.set_facility_id(kStation2);
  EXPECT_EQ(PushOne(PatientMutation(elsewhere),
                    AtFacility(rehab::v1::ROLE_FACILITY_STAFF, kStation1))
                .outcome(),
            rehab::v1::OUTCOME_REJECTED);
  EXPECT_EQ(PushOne(PatientMutation(NewPatient(3)),
                    AtFacility(rehab::v1::ROLE_FACILITY_STAFF, kStation1))
                .outcome(),
            rehab::v1::OUTCOME_APPLIED);
}

TEST_F(SyncManagerTest, AnEditReplacesTheClientWritableFields) {
  Patient p = NewPatient(1);
  p.set_address("1 Old Road");
  ASSERT_EQ(PushOne(PatientMutation(p)).outcome(), rehab::v1::OUTCOME_APPLIED);

  Patient edit = p;
  edit.set_name("Wang Fang");
  edit.clear_address();  // replaced like every other writable field
  edit.set_version(99);  // server-owned: ignored
  edit.set_id(absl::AsciiStrToUpper(p.id()));
  const MutationResult result = PushOne(PatientMutation(edit, 1));
  EXPECT_EQ(result.outcome(), rehab::v1::OUTCOME_APPLIED);
  EXPECT_EQ(result.id(), p.id());
  EXPECT_EQ(result.version(), 2);
  const std::vector<Patient> stored = StoredPatients();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].name(), "Wang Fang");
  EXPECT_EQ(stored[0].address(), "");
  EXPECT_EQ(stored[0].version(), 2);
  EXPECT_EQ(stored[0].change_seq(), result.change_seq());
}

TEST_F(SyncManagerTest, AStaleBaseVersionIsAConflictWithTheServerCopy) {
  const Patient p = NewPatient(1, "Li Na");
  ASSERT_EQ(PushOne(PatientMutation(p)).outcome(), rehab::v1::OUTCOME_APPLIED);
  Patient first_edit = p;
  first_edit.set_name("Li Hua");
  ASSERT_EQ(PushOne(PatientMutation(first_edit, 1)).outcome(),
            rehab::v1::OUTCOME_APPLIED);

  Patient stale_edit = p;
  stale_edit.set_phone("13900000000");
  const MutationResult result = PushOne(PatientMutation(stale_edit, 1));
  EXPECT_EQ(result.outcome(), rehab::v1::OUTCOME_CONFLICT);
  EXPECT_EQ(WhyOf(result).code, static_cast<int>(absl::StatusCode::kAborted));
  EXPECT_EQ(WhyOf(result).reason, kReasonVersionConflict);
  ASSERT_TRUE(result.has_current());
  EXPECT_EQ(result.current().kind(), rehab::v1::CHANGE_KIND_UPSERT);
  EXPECT_EQ(result.current().collection(), "patients");
  EXPECT_EQ(result.current().id(), p.id());
  EXPECT_EQ(result.current().patient().name(), "Li Hua");
  EXPECT_EQ(result.current().patient().version(), 2);
  EXPECT_EQ(result.current().change_seq(),
            result.current().patient().change_seq());

  const std::vector<Patient> stored = StoredPatients();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].phone(), "13800000000");
  EXPECT_EQ(stored[0].version(), 2);
}

TEST_F(SyncManagerTest, AConflictShowsTheServerCopyAsTheCallerMaySeeIt) {
  Patient p = NewPatient(1);
  p.set_disability_card_number(absl::StrCat(p.id_number(), "62"));
  ASSERT_EQ(PushOne(PatientMutation(p)).outcome(), rehab::v1::OUTCOME_APPLIED);
  Patient edit = p;
  edit.set_phone("13900000000");
  ASSERT_EQ(PushOne(PatientMutation(edit, 1)).outcome(),
            rehab::v1::OUTCOME_APPLIED);

  const MutationResult result =
      PushOne(PatientMutation(p, 1), Supervisor(kTownship1, "320831100"));
  ASSERT_EQ(result.outcome(), rehab::v1::OUTCOME_CONFLICT);
  EXPECT_TRUE(result.current().patient().pseudonymised());
  EXPECT_EQ(result.current().patient().id_number(), "");
}

TEST_F(SyncManagerTest, AnEditOfAnInvisiblePatientIsNotFound) {
  const Patient p = NewPatient(1);
  ASSERT_EQ(PushOne(PatientMutation(p)).outcome(), rehab::v1::OUTCOME_APPLIED);
  const MutationResult result =
      PushOne(PatientMutation(p, 1), Supervisor(kTownship2, "320831200"));
  EXPECT_EQ(result.outcome(), rehab::v1::OUTCOME_REJECTED);
  EXPECT_EQ(WhyOf(result).code, static_cast<int>(absl::StatusCode::kNotFound));
  EXPECT_FALSE(result.has_current());
}

TEST_F(SyncManagerTest, CreatesEnrollmentsAndRefusesTheirEdits) {
  const Patient p = NewPatient(1);
  ASSERT_EQ(PushOne(PatientMutation(p)).outcome(), rehab::v1::OUTCOME_APPLIED);
  const Mutation create =
      EnrollmentMutation(p.id(), rehab::v1::PROGRAM_PRECISION_REHAB);
  const MutationResult created = PushOne(create);
  EXPECT_EQ(created.outcome(), rehab::v1::OUTCOME_APPLIED);
  EXPECT_EQ(created.id(), create.enrollment().id());

  Mutation edit = create;
  edit.set_mutation_id(NewUuid());
  edit.set_base_version(1);
  const MutationResult refused = PushOne(edit);
  EXPECT_EQ(refused.outcome(), rehab::v1::OUTCOME_REJECTED);
  EXPECT_EQ(WhyOf(refused).code,
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WhyOf(refused).fields, ElementsAre("base_version"));

  // One open enrollment per program, as CreateEnrollment says.
  const MutationResult second =
      PushOne(EnrollmentMutation(p.id(), rehab::v1::PROGRAM_PRECISION_REHAB));
  EXPECT_EQ(second.outcome(), rehab::v1::OUTCOME_REJECTED);
  EXPECT_EQ(WhyOf(second).reason, kReasonEnrollmentAlreadyOpen);
}

TEST_F(SyncManagerTest, RefusesATooLargeBatchWithNothingApplied) {
  std::vector<Mutation> many;
  for (int i = 0; i < kMaxPushMutations + 1; ++i) {
    many.push_back(PatientMutation(NewPatient(i + 1)));
  }
  absl::StatusOr<PushResponse> response = Push(many);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(response.status()), kReasonBatchTooLarge);
  EXPECT_THAT(response.status().message(), HasSubstr("500"));

  std::vector<Mutation> heavy;
  for (int i = 0; i < 3; ++i) {
    Patient p = NewPatient(i + 1);
    p.set_address(std::string(1500 * 1024, 'x'));
    heavy.push_back(PatientMutation(p));
  }
  response = Push(heavy);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(response.status()), kReasonBatchTooLarge);
  EXPECT_THAT(response.status().message(), HasSubstr("4 MiB"));
  EXPECT_THAT(StoredPatients(), IsEmpty());

  // Exactly at the count limit is fine.
  many.pop_back();
  response = Push(many);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(StoredPatients().size(), 500u);
}

TEST_F(SyncManagerTest, AStoreFailureFailsTheBatchWithNothingApplied) {
  store_.SetWriteFailure(absl::UnavailableError("shutting down"));
  absl::StatusOr<PushResponse> response =
      Push({PatientMutation(NewPatient(1))});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  store_.SetWriteFailure(absl::OkStatus());
  EXPECT_THAT(StoredPatients(), IsEmpty());
}

TEST_F(SyncManagerTest, ForgetsAppliedMutationIdsAfterTheHorizon) {
  const Mutation old = PatientMutation(NewPatient(1));
  ASSERT_EQ(PushOne(old).outcome(), rehab::v1::OUTCOME_APPLIED);
  clock_.Advance(absl::Hours(24 * 89));
  // Within the horizon the id is remembered.
  Mutation reused = PatientMutation(NewPatient(2), 0, old.mutation_id());
  EXPECT_EQ(WhyOf(PushOne(reused)).reason, kReasonMutationIdReused);

  clock_.Advance(absl::Hours(24 * 2));
  // The next batch prunes it, after which the id is free.
  ASSERT_EQ(PushOne(PatientMutation(NewPatient(3))).outcome(),
            rehab::v1::OUTCOME_APPLIED);
  EXPECT_EQ(PushOne(reused).outcome(), rehab::v1::OUTCOME_APPLIED);
  // A repeated create is still recognised by its content.
  Mutation late_retry = old;
  late_retry.set_mutation_id(NewUuid());
  EXPECT_EQ(PushOne(late_retry).outcome(), rehab::v1::OUTCOME_DUPLICATE);
}

TEST_F(SyncManagerTest, ReportsEachPatientTouchedWithItsOutcome) {
  const Patient a = NewPatient(1);
  Patient bad = NewPatient(2);
  bad.set_id_number("x");
  std::vector<PatientOutcome> audit;
  absl::StatusOr<PushResponse> response =
      Push({PatientMutation(a),
            EnrollmentMutation(a.id(), rehab::v1::PROGRAM_PRECISION_REHAB),
            PatientMutation(bad)},
           Admin(), &audit);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].patient_id, a.id());
  EXPECT_TRUE(audit[0].outcome.ok());
  EXPECT_EQ(audit[1].patient_id, bad.id());
  EXPECT_EQ(audit[1].outcome.code(), absl::StatusCode::kInvalidArgument);
}

// --- Pull ------------------------------------------------------------------

TEST_F(SyncManagerTest, PullsEveryChangeOncePageByPage) {
  std::vector<Mutation> batch;
  std::set<std::string> expected;
  for (int i = 0; i < 23; ++i) {
    const Patient p = NewPatient(i + 1);
    batch.push_back(PatientMutation(p));
    expected.insert(p.id());
  }
  ASSERT_TRUE(Push(batch).ok());

  std::string token;
  absl::StatusOr<PullResponse> first = Pull(Admin(), token, 10);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->changes_size(), 10);
  EXPECT_FALSE(first->caught_up());
  EXPECT_FALSE(first->sync_token().empty());
  EXPECT_EQ(FromProto(first->server_time()), kStart);

  token = first->sync_token();
  std::vector<Change> rest = PullAll(Admin(), &token, 10);
  std::vector<Change> all(first->changes().begin(), first->changes().end());
  all.insert(all.end(), rest.begin(), rest.end());
  ASSERT_EQ(all.size(), 23u);
  std::set<std::string> seen;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].kind(), rehab::v1::CHANGE_KIND_UPSERT);
    EXPECT_EQ(all[i].collection(), "patients");
    EXPECT_EQ(all[i].id(), all[i].patient().id());
    if (i > 0) {
      EXPECT_LT(all[i - 1].change_seq(), all[i].change_seq());
    }
    seen.insert(all[i].id());
  }
  EXPECT_EQ(seen, expected);

  // Caught up: nothing more until something changes.
  absl::StatusOr<PullResponse> idle = Pull(Admin(), token);
  ASSERT_TRUE(idle.ok()) << idle.status();
  EXPECT_THAT(idle->changes(), IsEmpty());
  EXPECT_TRUE(idle->caught_up());

  Patient edit = NewPatient(5, "Renamed");
  ASSERT_EQ(PushOne(PatientMutation(edit, 1)).outcome(),
            rehab::v1::OUTCOME_APPLIED);
  std::vector<Change> later = PullAll(Admin(), &token);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].patient().name(), "Renamed");
}

TEST_F(SyncManagerTest, RefusesPageSizesOutOfRange) {
  for (int32_t size : {-1, kMaxPullPageSize + 1}) {
    absl::StatusOr<PullResponse> page = Pull(Admin(), "", size);
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(domain_test::FieldsOf(page.status()), ElementsAre("page_size"));
  }
  EXPECT_TRUE(Pull(Admin(), "", kMaxPullPageSize).ok());
}

TEST_F(SyncManagerTest, RefusesTokensOfOthersAlteredOrMalformed) {
  ASSERT_TRUE(Push({PatientMutation(NewPatient(1))}).ok());
  const Caller sup = Supervisor(kTownship1, "320831100");
  absl::StatusOr<PullResponse> page = Pull(sup);
  ASSERT_TRUE(page.ok()) << page.status();
  const std::string token = page->sync_token();

  auto expect_resync = [&](const Caller& caller, const std::string& t) {
    absl::StatusOr<PullResponse> r = Pull(caller, t);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition)
        << r.status();
    EXPECT_EQ(ReasonOf(r.status()), kReasonResyncRequired);
  };
  Caller other = sup;
  other.account_id = "acct-someone-else";
  expect_resync(other, token);
  // The same account with another scope.
  Caller moved = sup;
  moved.scope_id = kTownship2;
  moved.scope_area_code = "320831200";
  expect_resync(moved, token);
  Caller flagged = sup;
  flagged.psychiatric_identity = true;
  expect_resync(flagged, token);

  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  for (size_t at : {size_t{1}, size_t{8}, size_t{20}, raw.size() - 1}) {
    std::string altered = raw;
    altered[at] = static_cast<char>(altered[at] ^ 0x01);
    expect_resync(sup, absl::WebSafeBase64Escape(altered));
  }
  expect_resync(sup, "not a token");
  expect_resync(sup, absl::WebSafeBase64Escape(raw.substr(0, 40)));

  // The untouched token still works, and a break-glass grant does not
  // change the scope.
  Caller with_grant = sup;
  with_grant.break_glass_patient_ids.push_back(NewUuid());
  EXPECT_TRUE(Pull(with_grant, token).ok());
}

TEST_F(SyncManagerTest, RefusesATokenOlderThanTheHorizon) {
  absl::StatusOr<PullResponse> page = Pull(Admin());
  ASSERT_TRUE(page.ok()) << page.status();
  clock_.Advance(absl::Hours(24 * 89));
  absl::StatusOr<PullResponse> later = Pull(Admin(), page->sync_token());
  ASSERT_TRUE(later.ok()) << later.status();
  // Each Pull hands out a fresh token; the first one ages out.
  clock_.Advance(absl::Hours(24 * 2));
  EXPECT_EQ(ReasonOf(Pull(Admin(), page->sync_token()).status()),
            kReasonResyncRequired);
  EXPECT_TRUE(Pull(Admin(), later->sync_token()).ok());
}

TEST_F(SyncManagerTest, KeepsTheTokenKeyInTheStore) {
  ASSERT_TRUE(Push({PatientMutation(NewPatient(1))}).ok());
  absl::StatusOr<PullResponse> page = Pull(Admin());
  ASSERT_TRUE(page.ok()) << page.status();

  // Another manager on the same store (a restarted server) accepts it.
  SyncManager restarted(&store_, &clock_, &collections_);
  PullRequest request;
  request.set_sync_token(page->sync_token());
  absl::StatusOr<PullResponse> again = restarted.Pull(Admin(), request);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->caught_up());
  EXPECT_THAT(again->changes(), IsEmpty());

  // A manager on another store does not.
  FakeStore other_store;
  SyncManager stranger(&other_store, &clock_, &collections_);
  EXPECT_EQ(ReasonOf(stranger.Pull(Admin(), request).status()),
            kReasonResyncRequired);
}

TEST_F(SyncManagerTest, ADoctorPullsNothingUntilContractsExist) {
  ASSERT_TRUE(Push({PatientMutation(NewPatient(1))}).ok());
  Caller doctor;
  doctor.account_id = "acct-doctor";
  doctor.role = rehab::v1::ROLE_FAMILY_DOCTOR;
  doctor.scope_id = NewUuid();
  absl::StatusOr<PullResponse> page = Pull(doctor);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->changes(), IsEmpty());
  EXPECT_TRUE(page->caught_up());
  EXPECT_TRUE(Pull(doctor, page->sync_token()).ok());
}

TEST_F(SyncManagerTest, AVoidedRecordArrivesAsATombstoneWithoutItsContent) {
  const Patient p = NewPatient(1);
  const Mutation enroll =
      EnrollmentMutation(p.id(), rehab::v1::PROGRAM_PRECISION_REHAB);
  ASSERT_TRUE(Push({PatientMutation(p), enroll}).ok());
  const Caller staff = AtFacility(rehab::v1::ROLE_FACILITY_STAFF, kStation1);
  std::string token;
  ASSERT_EQ(PullAll(staff, &token).size(), 2u);

  ASSERT_TRUE(store_
                  .Write([&](WriteTxn& txn) {
                    return txn.VoidInFeed("enrollments",
                                          enroll.enrollment().id());
                  })
                  .ok());
  const std::vector<Change> later = PullAll(staff, &token);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].kind(), rehab::v1::CHANGE_KIND_TOMBSTONE);
  EXPECT_EQ(later[0].collection(), "enrollments");
  EXPECT_EQ(later[0].id(), enroll.enrollment().id());
  EXPECT_EQ(later[0].record_case(), Change::RECORD_NOT_SET);

  // A device starting afresh learns of the void too, after the patient.
  std::string fresh;
  const std::vector<Change> all = PullAll(staff, &fresh);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].kind(), rehab::v1::CHANGE_KIND_UPSERT);
  EXPECT_EQ(all[1].kind(), rehab::v1::CHANGE_KIND_TOMBSTONE);
}

TEST_F(SyncManagerTest, AKioskPullsItsFacilitysPatientsInTheKioskView) {
  Patient mine = NewPatient(1);
  mine.set_address("1 Village Road");
  Patient theirs = NewPatient(2);
  theirs.set_area_id(kVillage2);
  theirs.set_facility_id(kStation2);
  ASSERT_TRUE(
      Push({PatientMutation(mine), PatientMutation(theirs),
            EnrollmentMutation(mine.id(), rehab::v1::PROGRAM_PRECISION_REHAB)})
          .ok());

  std::string token;
  const std::vector<Change> changes =
      PullAll(AtFacility(rehab::v1::ROLE_KIOSK, kStation1), &token);
  ASSERT_EQ(changes.size(), 1u);
  const Patient& view = changes[0].patient();
  EXPECT_EQ(view.id(), mine.id());
  EXPECT_EQ(view.name(), mine.name());
  EXPECT_EQ(view.facility_id(), kStation1);
  EXPECT_EQ(view.id_number(), "");
  EXPECT_EQ(view.address(), "");
  EXPECT_EQ(view.phone(), "");

  // Facility staff get the whole record and the enrollment.
  token.clear();
  const std::vector<Change> staff =
      PullAll(AtFacility(rehab::v1::ROLE_FACILITY_STAFF, kStation1), &token);
  ASSERT_EQ(staff.size(), 2u);
  EXPECT_EQ(staff[0].patient().address(), "1 Village Road");
  EXPECT_EQ(staff[1].collection(), "enrollments");
}

TEST_F(SyncManagerTest, PseudonymisesPsychiatricPatientsForSupervisors) {
  Patient p = NewPatient(1);
  ASSERT_EQ(PushOne(PatientMutation(p)).outcome(), rehab::v1::OUTCOME_APPLIED);
  const Caller sup = Supervisor(kTownship1, "320831100");
  std::string token;
  std::vector<Change> first = PullAll(sup, &token);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].patient().id_number(), p.id_number());

  // Enrolled in psychiatric management: the supervisor's device gets the
  // patient again, pseudonymised, with the enrollment.
  ASSERT_EQ(PushOne(EnrollmentMutation(
                        p.id(), rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT))
                .outcome(),
            rehab::v1::OUTCOME_APPLIED);
  std::vector<Change> later = PullAll(sup, &token);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[0].collection(), "enrollments");
  EXPECT_EQ(later[1].collection(), "patients");
  EXPECT_TRUE(later[1].patient().pseudonymised());
  EXPECT_EQ(later[1].patient().id_number(), "");
  EXPECT_NE(later[1].patient().name(), p.name());

  // With the identity flag, or for staff, the identity stays.
  std::string flagged_token;
  std::vector<Change> flagged =
      PullAll(Supervisor(kTownship1, "320831100", true), &flagged_token);
  ASSERT_EQ(flagged.size(), 2u);
  EXPECT_EQ(flagged[1].patient().id_number(), p.id_number());

  // A break-glass grant shows one patient for a while; it does not put the
  // identity into the feed.
  Caller with_grant = sup;
  with_grant.break_glass_patient_ids.push_back(p.id());
  std::string grant_token;
  std::vector<Change> granted = PullAll(with_grant, &grant_token);
  ASSERT_EQ(granted.size(), 2u);
  EXPECT_TRUE(granted[1].patient().pseudonymised());
}

TEST_F(SyncManagerTest, APatientMovingAwayLeavesTheOldFeedWithItsRecords) {
  const Patient p = NewPatient(1);
  const Mutation enroll =
      EnrollmentMutation(p.id(), rehab::v1::PROGRAM_PRECISION_REHAB);
  ASSERT_TRUE(Push({PatientMutation(p), enroll}).ok());
  const Caller old_sup = Supervisor(kTownship1, "320831100");
  const Caller new_sup = Supervisor(kTownship2, "320831200");
  std::string old_token;
  std::string new_token;
  ASSERT_EQ(PullAll(old_sup, &old_token).size(), 2u);
  ASSERT_THAT(PullAll(new_sup, &new_token), IsEmpty());

  Patient moved = p;
  moved.set_area_id(kVillage2);
  moved.set_facility_id(kStation2);
  ASSERT_EQ(PushOne(PatientMutation(moved, 1)).outcome(),
            rehab::v1::OUTCOME_APPLIED);

  std::vector<Change> gone = PullAll(old_sup, &old_token);
  std::set<std::pair<std::string, std::string>> removed;
  for (const Change& c : gone) {
    EXPECT_EQ(c.kind(), rehab::v1::CHANGE_KIND_REMOVED_FROM_SCOPE);
    EXPECT_EQ(c.record_case(), Change::RECORD_NOT_SET);
    removed.emplace(c.collection(), c.id());
  }
  EXPECT_THAT(removed, UnorderedElementsAre(
                           std::make_pair(std::string("patients"), p.id()),
                           std::make_pair(std::string("enrollments"),
                                          enroll.enrollment().id())));

  std::vector<Change> arrived = PullAll(new_sup, &new_token);
  std::set<std::pair<std::string, std::string>> upserts;
  for (const Change& c : arrived) {
    EXPECT_EQ(c.kind(), rehab::v1::CHANGE_KIND_UPSERT);
    upserts.emplace(c.collection(), c.id());
  }
  EXPECT_THAT(upserts, UnorderedElementsAre(
                           std::make_pair(std::string("patients"), p.id()),
                           std::make_pair(std::string("enrollments"),
                                          enroll.enrollment().id())));
}

TEST_F(SyncManagerTest, ReportsThePatientsAPullSent) {
  const Patient a = NewPatient(1);
  const Patient b = NewPatient(2);
  ASSERT_TRUE(
      Push({PatientMutation(a), PatientMutation(b),
            EnrollmentMutation(a.id(), rehab::v1::PROGRAM_PRECISION_REHAB)})
          .ok());
  std::vector<PatientOutcome> audit;
  PullRequest request;
  ASSERT_TRUE(sync_.Pull(Admin(), request, &audit).ok());
  std::vector<std::string> ids;
  for (const PatientOutcome& o : audit) {
    EXPECT_TRUE(o.outcome.ok());
    ids.push_back(o.patient_id);
  }
  EXPECT_THAT(ids, UnorderedElementsAre(a.id(), b.id()));
}

}  // namespace
}  // namespace rehab
