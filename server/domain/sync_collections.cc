#include "server/domain/sync_collections.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/alert_manager.h"

namespace rehab {
namespace {

using rehab::v1::Change;
using rehab::v1::Contract;
using rehab::v1::Enrollment;
using rehab::v1::Mutation;
using rehab::v1::Patient;
using rehab::v1::Visit;

// What a mutation did, from the record it left stored.
template <typename Record>
SyncWrite WriteOf(const Record& stored, bool applied) {
  SyncWrite out;
  out.id = stored.id();
  out.version = stored.version();
  out.change_seq = stored.change_seq();
  out.applied = applied;
  return out;
}

// Puts the record a manager read for a caller into `member` of `change`;
// false when there was none.
template <typename Record>
absl::StatusOr<bool> PutInChange(absl::StatusOr<std::optional<Record>> read,
                                 Record* (Change::*member)(), Change& change) {
  if (!read.ok()) return read.status();
  if (!read->has_value()) return false;
  change.set_change_seq((*read)->change_seq());
  *(change.*member)() = **std::move(read);
  return true;
}

// Patients: created as CreatePatient does, edited as UpdatePatient with an
// empty update_mask does (every client-writable field replaced).
SyncCollection PatientsCollection(PatientManager* patients) {
  SyncCollection c;
  c.name = kPatientsCollection;
  c.field_number = Mutation::kPatientFieldNumber;
  c.patient_of = [](const Mutation& m) {
    return CanonicalizeUuid(m.patient().id());
  };
  c.prepare = [patients](const Caller& caller, const Mutation& m,
                         absl::Time now) -> absl::StatusOr<Mutation> {
    Mutation prepared = m;
    if (m.base_version() == 0) {
      ASSIGN_OR_RETURN(
          *prepared.mutable_patient(),
          patients->PrepareCreatePatient(caller, m.patient(), now));
    } else {
      // The edit's base is the mutation's; a version inside the record is
      // server-owned and ignored.
      Patient patch = m.patient();
      patch.set_version(m.base_version());
      ASSIGN_OR_RETURN(*prepared.mutable_patient(),
                       patients->PrepareUpdatePatient(caller, patch));
    }
    return prepared;
  };
  c.apply = [patients](WriteTxn& txn, const Caller& caller, const Mutation& m,
                       absl::Time now) -> absl::StatusOr<SyncWrite> {
    if (m.base_version() == 0) {
      ASSIGN_OR_RETURN(PatientWrite written,
                       patients->CreatePatientInTxn(txn, caller, m.patient()));
      return WriteOf(written.patient, written.created);
    }
    ASSIGN_OR_RETURN(Patient stored, patients->UpdatePatientInTxn(
                                         txn, caller, m.patient(),
                                         google::protobuf::FieldMask(), now));
    return WriteOf(stored, true);
  };
  c.readable_by = [](const Caller&) { return true; };
  c.read = [patients](ReadTxn& txn, const Caller& caller, const std::string& id,
                      Change& change) {
    return PutInChange(patients->ReadPatientAs(txn, caller, id),
                       &Change::mutable_patient, change);
  };
  return c;
}

// Enrollments: created as CreateEnrollment does. They change only through
// the online EndEnrollment, so an edit is refused.
SyncCollection EnrollmentsCollection(PatientManager* patients) {
  SyncCollection c;
  c.name = kEnrollmentsCollection;
  c.field_number = Mutation::kEnrollmentFieldNumber;
  c.patient_of = [](const Mutation& m) {
    return CanonicalizeUuid(m.enrollment().patient_id());
  };
  c.prepare = [patients](const Caller& caller, const Mutation& m,
                         absl::Time now) -> absl::StatusOr<Mutation> {
    if (m.base_version() != 0) {
      return InvalidArgumentError(
          "base_version",
          "enrollments are only created through Push (base_version 0); "
          "end one with PatientService.EndEnrollment");
    }
    Mutation prepared = m;
    ASSIGN_OR_RETURN(
        *prepared.mutable_enrollment(),
        patients->PrepareCreateEnrollment(caller, m.enrollment(), now));
    return prepared;
  };
  c.apply = [patients](WriteTxn& txn, const Caller& caller, const Mutation& m,
                       absl::Time) -> absl::StatusOr<SyncWrite> {
    ASSIGN_OR_RETURN(EnrollmentWrite written, patients->CreateEnrollmentInTxn(
                                                  txn, caller, m.enrollment()));
    return WriteOf(written.enrollment, written.created);
  };
  c.readable_by = [](const Caller& caller) {
    return PatientManager::ReadsEnrollments(caller);
  };
  c.read = [patients](ReadTxn& txn, const Caller& caller, const std::string& id,
                      Change& change) {
    return PutInChange(patients->ReadEnrollmentAs(txn, caller, id),
                       &Change::mutable_enrollment, change);
  };
  return c;
}

// Refuses an edit of a record type that Push only creates.
absl::Status RequireCreate(const Mutation& m, const std::string& what) {
  if (m.base_version() == 0) return absl::OkStatus();
  return InvalidArgumentError("base_version",
                              absl::StrCat(what, " (base_version 0)"));
}

// Contracts: created as CreateContract does. They change only through the
// online RenewContract and TerminateContract.
SyncCollection ContractsCollection(ContractManager* contracts) {
  SyncCollection c;
  c.name = kContractsCollection;
  c.field_number = Mutation::kContractFieldNumber;
  c.patient_of = [](const Mutation& m) {
    return CanonicalizeUuid(m.contract().patient_id());
  };
  c.prepare = [contracts](const Caller& caller, const Mutation& m,
                          absl::Time now) -> absl::StatusOr<Mutation> {
    RETURN_IF_ERROR(RequireCreate(
        m,
        "contracts are only created through Push; renew or terminate one "
        "with ContractService"));
    Mutation prepared = m;
    ASSIGN_OR_RETURN(
        *prepared.mutable_contract(),
        contracts->PrepareCreateContract(caller, m.contract(), now));
    return prepared;
  };
  c.apply = [contracts](WriteTxn& txn, const Caller& caller, const Mutation& m,
                        absl::Time now) -> absl::StatusOr<SyncWrite> {
    ASSIGN_OR_RETURN(
        ContractWrite written,
        contracts->CreateContractInTxn(txn, caller, m.contract(), now));
    return WriteOf(written.contract, written.created);
  };
  c.readable_by = [](const Caller& caller) {
    return ContractManager::ReadsContracts(caller);
  };
  c.read = [contracts](ReadTxn& txn, const Caller& caller,
                       const std::string& id, Change& change) {
    return PutInChange(contracts->ReadContractAs(txn, caller, id),
                       &Change::mutable_contract, change);
  };
  return c;
}

// Visits: facts, created as CreateVisit does (amendments and voids are new
// visits too); never edited.
SyncCollection VisitsCollection(ContractManager* contracts) {
  SyncCollection c;
  c.name = kVisitsCollection;
  c.field_number = Mutation::kVisitFieldNumber;
  c.patient_of = [](const Mutation& m) {
    return CanonicalizeUuid(m.visit().patient_id());
  };
  c.prepare = [contracts](const Caller& caller, const Mutation& m,
                          absl::Time now) -> absl::StatusOr<Mutation> {
    RETURN_IF_ERROR(RequireCreate(
        m,
        "visits are facts, never edited: correct one with a new visit that "
        "amends or voids it"));
    Mutation prepared = m;
    ASSIGN_OR_RETURN(*prepared.mutable_visit(),
                     contracts->PrepareCreateVisit(caller, m.visit(), now));
    return prepared;
  };
  c.apply = [contracts](WriteTxn& txn, const Caller& caller, const Mutation& m,
                        absl::Time now) -> absl::StatusOr<SyncWrite> {
    ASSIGN_OR_RETURN(VisitWrite written,
                     contracts->CreateVisitInTxn(txn, caller, m.visit(), now));
    return WriteOf(written.visit, written.created);
  };
  c.readable_by = [](const Caller& caller) {
    return ContractManager::ReadsContracts(caller);
  };
  c.read = [contracts](ReadTxn& txn, const Caller& caller,
                       const std::string& id, Change& change) {
    return PutInChange(contracts->ReadVisitAs(txn, caller, id),
                       &Change::mutable_visit, change);
  };
  return c;
}

// Records only the server writes travel one way: no Mutation member
// carries them, so these two functions only answer a type mix-up.
absl::StatusOr<Mutation> RefusePush(const Caller&, const Mutation&,
                                    absl::Time) {
  return InvalidArgumentError("record", "this record type is server-made");
}
absl::StatusOr<SyncWrite> RefuseApply(WriteTxn&, const Caller&, const Mutation&,
                                      absl::Time) {
  return InvalidArgumentError("record", "this record type is server-made");
}

// Alerts: server-made; to doctors and supervisors (and administrators).
SyncCollection AlertsCollection() {
  SyncCollection c;
  c.name = kAlertsCollection;
  c.field_number = Change::kAlertFieldNumber;
  c.patient_of = [](const Mutation&) { return std::string(); };
  c.prepare = RefusePush;
  c.apply = RefuseApply;
  c.readable_by = [](const Caller& caller) {
    return AlertManager::ReadsAlerts(caller);
  };
  c.read = [](ReadTxn& txn, const Caller& caller, const std::string& id,
              Change& change) {
    return PutInChange(AlertManager::ReadAlertAs(txn, caller, id),
                       &Change::mutable_alert, change);
  };
  return c;
}

// Follow-ups: derived by the server from contracts and visits.
SyncCollection FollowUpsCollection(ContractManager* contracts) {
  SyncCollection c;
  c.name = kFollowUpsCollection;
  c.field_number = Change::kFollowUpFieldNumber;
  c.patient_of = [](const Mutation&) { return std::string(); };
  c.prepare = RefusePush;
  c.apply = RefuseApply;
  c.readable_by = [](const Caller& caller) {
    return ContractManager::ReadsContracts(caller);
  };
  c.read = [contracts](ReadTxn& txn, const Caller& caller,
                       const std::string& id, Change& change) {
    return PutInChange(contracts->ReadFollowUpAs(txn, caller, id),
                       &Change::mutable_follow_up, change);
  };
  return c;
}

}  // namespace

// The registry: one entry per record type in sync, in the order of their
// numbers in sync.proto.
SyncCollections::SyncCollections(const SyncManagers& managers) {
  collections_.push_back(PatientsCollection(managers.patients));
  collections_.push_back(EnrollmentsCollection(managers.patients));
  if (managers.contracts != nullptr) {
    collections_.push_back(ContractsCollection(managers.contracts));
    collections_.push_back(VisitsCollection(managers.contracts));
    collections_.push_back(AlertsCollection());
    collections_.push_back(FollowUpsCollection(managers.contracts));
  }
}

const SyncCollection* SyncCollections::ForMutation(
    const Mutation& mutation) const {
  const int number = static_cast<int>(mutation.record_case());
  for (const SyncCollection& c : collections_) {
    if (c.field_number == number) return &c;
  }
  return nullptr;
}

const SyncCollection* SyncCollections::ForName(const std::string& name) const {
  for (const SyncCollection& c : collections_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string SyncCollections::RecordNames() const {
  std::vector<std::string> names;
  for (const SyncCollection& c : collections_) {
    const google::protobuf::FieldDescriptor* field =
        Mutation::descriptor()->FindFieldByNumber(c.field_number);
    if (field != nullptr) names.push_back(field->name());
  }
  return absl::StrJoin(names, ", ");
}

const google::protobuf::Message* RecordOf(const Mutation& mutation) {
  const google::protobuf::Reflection* reflection = mutation.GetReflection();
  const google::protobuf::FieldDescriptor* field =
      reflection->GetOneofFieldDescriptor(
          mutation, Mutation::descriptor()->FindOneofByName("record"));
  if (field == nullptr) return nullptr;
  return &reflection->GetMessage(mutation, field);
}

}  // namespace rehab
