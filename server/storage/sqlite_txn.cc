#include "server/storage/sqlite_txn.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <string_view>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "server/common/dates.h"
#include "server/common/errors.h"
#include "server/common/log.h"
#include "server/common/status_macros.h"
#include "server/domain/validation.h"
#include "server/storage/savepoint.h"

namespace rehab::storage {
namespace {

using ::rehab::v1::Account;
using ::rehab::v1::Alert;
using ::rehab::v1::Area;
using ::rehab::v1::AuditEvent;
using ::rehab::v1::Contract;
using ::rehab::v1::Enrollment;
using ::rehab::v1::Facility;
using ::rehab::v1::FollowUp;
using ::rehab::v1::Fulfilment;
using ::rehab::v1::Patient;
using ::rehab::v1::Practitioner;
using ::rehab::v1::Visit;

// Collection names of the change feed (as the sync protocol names them).
constexpr char kAreas[] = "areas";
constexpr char kFacilities[] = "facilities";
constexpr char kPractitioners[] = "practitioners";
constexpr char kAccounts[] = "accounts";
constexpr char kPatients[] = "patients";
constexpr char kEnrollments[] = "enrollments";
constexpr char kContracts[] = "contracts";
constexpr char kVisits[] = "visits";
constexpr char kFollowUps[] = "follow_ups";
constexpr char kAlerts[] = "alerts";

// ChangeKind of the sync protocol (DESIGN.md section 6), as `changes.kind`
// stores it; FeedEntry::Kind has the same numbers.
constexpr int64_t kChangeKindUpsert =
    static_cast<int64_t>(FeedEntry::Kind::kUpsert);
constexpr int64_t kChangeKindTombstone =
    static_cast<int64_t>(FeedEntry::Kind::kTombstone);

// The collections whose records hang on a patient, each with the query of
// one patient's records (one argument, the patient id): what a patient's
// move takes along in the feed. A new patient-bound record type is one more
// line here.
struct PatientBoundCollection {
  const char* collection;
  const char* select_ids;
};
constexpr PatientBoundCollection kPatientBound[] = {
    {kEnrollments,
     "SELECT id FROM enrollments WHERE patient_id = ? ORDER BY id"},
    {kContracts, "SELECT id FROM contracts WHERE patient_id = ? ORDER BY id"},
    {kVisits, "SELECT id FROM visits WHERE patient_id = ? ORDER BY id"},
    // From the feed, not the table: a removed follow-up's tombstone must
    // leave with the patient too (a follow-up's id is its patient's).
    {kFollowUps,
     "SELECT record_id FROM changes "
     "WHERE collection = 'follow_ups' AND record_id = ?"},
    {kAlerts, "SELECT id FROM alerts WHERE patient_id = ? ORDER BY id"},
};

// --- The change counter and the feed ---

constexpr char kSelectChangeSeq[] =
    "SELECT value FROM meta WHERE key = 'change_seq'";
constexpr char kUpdateChangeSeq[] =
    "UPDATE meta SET value = ? WHERE key = 'change_seq'";
constexpr char kUpsertChange[] =
    "INSERT INTO changes (change_seq, collection, record_id, kind, patient_id) "
    "VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (collection, record_id) DO UPDATE SET "
    "change_seq = excluded.change_seq, kind = excluded.kind, "
    "patient_id = excluded.patient_id";
// Moves a record's feed entry; a NULL kind keeps the stored one. Returns a
// row when the record has an entry.
constexpr char kMoveChange[] =
    "UPDATE changes SET change_seq = ?, kind = COALESCE(?, kind) "
    "WHERE collection = ? AND record_id = ? RETURNING 1";
constexpr char kInsertExit[] =
    "INSERT INTO feed_exits (change_seq, collection, record_id, patient_id, "
    "old_area_code, old_facility_id, old_doctor_id, old_team) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
// The feed reads `changes` (and `feed_exits`) in change_seq order and looks
// each row's patient up by id; CROSS JOIN keeps SQLite to that order, so a
// pull reads only the positions after its cursor (to the page's end)
// instead of every change of the scope's patients.
constexpr char kListFeedChanges[] =
    "SELECT c.change_seq, c.kind, c.collection, c.record_id, c.patient_id "
    "FROM changes c CROSS JOIN patients p ON p.id = c.patient_id "
    "WHERE c.change_seq > ?";
constexpr char kOrderFeedChanges[] = " ORDER BY c.change_seq LIMIT ?";
constexpr char kListFeedExits[] =
    "SELECT x.change_seq, x.collection, x.record_id, x.patient_id "
    "FROM feed_exits x CROSS JOIN patients p ON p.id = x.patient_id "
    "WHERE x.change_seq > ? AND x.change_seq <= ?";
// Brackets a scope condition on `p` to mean "not in the scope now"; a NULL
// column (no home facility) counts as outside.
constexpr char kPatientNotInScopeBegin[] = " AND NOT COALESCE((1";
constexpr char kPatientNotInScopeEnd[] = "), 0)";
// Brackets a scope condition on `y`: no later exit of the same record left
// a placement in the scope (each record is removed once, at its last exit).
constexpr char kNoLaterExitBegin[] =
    " AND NOT EXISTS (SELECT 1 FROM feed_exits y "
    "WHERE y.collection = x.collection AND y.record_id = x.record_id "
    "AND y.change_seq > x.change_seq";
constexpr char kNoLaterExitEnd[] = ")";
constexpr char kOrderFeedExits[] = " ORDER BY x.change_seq LIMIT ?";

// --- Applied mutations and secrets ---

constexpr char kInsertAppliedMutation[] =
    "INSERT INTO applied_mutations (mutation_id, account_id, payload_hash, "
    "collection, record_id, version, change_seq, apply_time) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectAppliedMutation[] =
    "SELECT account_id, payload_hash, collection, record_id, version, "
    "change_seq, apply_time FROM applied_mutations WHERE mutation_id = ?";
constexpr char kPruneAppliedMutations[] =
    "DELETE FROM applied_mutations WHERE mutation_id IN ("
    "SELECT mutation_id FROM applied_mutations WHERE apply_time < ? "
    "ORDER BY apply_time, mutation_id LIMIT ?) RETURNING 1";
constexpr char kSelectSecret[] = "SELECT value FROM secrets WHERE name = ?";
constexpr char kInsertSecretIfAbsent[] =
    "INSERT INTO secrets (name, value) VALUES (?, ?) "
    "ON CONFLICT (name) DO NOTHING";

// --- Areas ---

constexpr char kSelectAreaById[] = "SELECT body FROM areas WHERE id = ?";
constexpr char kSelectAreaByCode[] = "SELECT body FROM areas WHERE code = ?";
constexpr char kSelectAreaCode[] = "SELECT code FROM areas WHERE id = ?";
constexpr char kUpsertArea[] =
    "INSERT INTO areas (id, version, create_time, update_time, change_seq, "
    "author, device_id, code, parent_id, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
    "create_time = excluded.create_time, update_time = excluded.update_time, "
    "change_seq = excluded.change_seq, author = excluded.author, "
    "device_id = excluded.device_id, code = excluded.code, "
    "parent_id = excluded.parent_id, body = excluded.body";
constexpr char kUpdateFacilityAreaCodes[] =
    "UPDATE facilities SET area_code = ? WHERE area_id = ?";
constexpr char kUpdatePatientAreaCodes[] =
    "UPDATE patients SET area_code = ? WHERE area_id = ?";
constexpr char kListAreas[] = "SELECT body FROM areas WHERE code > ?";
constexpr char kAreaParentIs[] = " AND parent_id = ?";
constexpr char kOrderAreas[] = " ORDER BY code LIMIT ?";

// --- Facilities ---

constexpr char kSelectFacilityById[] =
    "SELECT body FROM facilities WHERE id = ?";
constexpr char kUpsertFacility[] =
    "INSERT INTO facilities (id, version, create_time, update_time, "
    "change_seq, author, device_id, area_id, area_code, type, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
    "create_time = excluded.create_time, update_time = excluded.update_time, "
    "change_seq = excluded.change_seq, author = excluded.author, "
    "device_id = excluded.device_id, area_id = excluded.area_id, "
    "area_code = excluded.area_code, type = excluded.type, "
    "body = excluded.body";
constexpr char kListFacilities[] = "SELECT body FROM facilities WHERE id > ?";
constexpr char kFacilityAreaCodeAtLeast[] = " AND area_code >= ?";
constexpr char kFacilityAreaCodeBelow[] = " AND area_code < ?";
constexpr char kFacilityTypeIs[] = " AND type = ?";
constexpr char kOrderById[] = " ORDER BY id LIMIT ?";

// --- Practitioners ---

constexpr char kSelectPractitionerById[] =
    "SELECT body FROM practitioners WHERE id = ?";
constexpr char kUpsertPractitioner[] =
    "INSERT INTO practitioners (id, version, create_time, update_time, "
    "change_seq, author, device_id, facility_id, kind, team, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
    "create_time = excluded.create_time, update_time = excluded.update_time, "
    "change_seq = excluded.change_seq, author = excluded.author, "
    "device_id = excluded.device_id, facility_id = excluded.facility_id, "
    "kind = excluded.kind, team = excluded.team, body = excluded.body";
constexpr char kListPractitioners[] =
    "SELECT body FROM practitioners WHERE id > ?";
constexpr char kPractitionerFacilityIs[] = " AND facility_id = ?";
constexpr char kPractitionerKindIs[] = " AND kind = ?";
constexpr char kPractitionerTeamIs[] = " AND team = ?";

// --- Accounts ---

constexpr char kSelectAccountById[] = "SELECT body FROM accounts WHERE id = ?";
constexpr char kSelectAccountByUsername[] =
    "SELECT body FROM accounts WHERE username = ?";
constexpr char kSelectPasswordHash[] =
    "SELECT password_hash FROM accounts WHERE id = ?";
// A NULL password_hash keeps the stored one.
constexpr char kUpsertAccount[] =
    "INSERT INTO accounts (id, version, create_time, update_time, "
    "change_seq, author, device_id, username, role, scope_id, state, "
    "password_hash, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
    "create_time = excluded.create_time, update_time = excluded.update_time, "
    "change_seq = excluded.change_seq, author = excluded.author, "
    "device_id = excluded.device_id, username = excluded.username, "
    "role = excluded.role, scope_id = excluded.scope_id, "
    "state = excluded.state, "
    "password_hash = COALESCE(excluded.password_hash, accounts.password_hash), "
    "body = excluded.body";
constexpr char kListAccounts[] = "SELECT body FROM accounts WHERE username > ?";
constexpr char kAccountRoleIs[] = " AND role = ?";
constexpr char kAccountScopeIs[] = " AND scope_id = ?";
constexpr char kOrderAccounts[] = " ORDER BY username LIMIT ?";

// --- Tokens and break-glass grants ---

constexpr char kSelectToken[] =
    "SELECT kind, account_id, family_id, device_id, issue_time, expire_time, "
    "revoked FROM tokens WHERE token_hash = ?";
constexpr char kUpsertToken[] =
    "INSERT INTO tokens (token_hash, kind, account_id, family_id, device_id, "
    "issue_time, expire_time, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (token_hash) DO UPDATE SET kind = excluded.kind, "
    "account_id = excluded.account_id, family_id = excluded.family_id, "
    "device_id = excluded.device_id, issue_time = excluded.issue_time, "
    "expire_time = excluded.expire_time, revoked = excluded.revoked";
constexpr char kRevokeFamily[] =
    "UPDATE tokens SET revoked = 1 WHERE family_id = ? AND revoked = 0";
constexpr char kRevokeAccount[] =
    "UPDATE tokens SET revoked = 1 WHERE account_id = ? AND revoked = 0";
constexpr char kUpsertGrant[] =
    "INSERT INTO break_glass (account_id, patient_id, reason, expire_time) "
    "VALUES (?, ?, ?, ?) "
    "ON CONFLICT (account_id, patient_id) DO UPDATE SET "
    "reason = excluded.reason, expire_time = excluded.expire_time";
constexpr char kListGrants[] =
    "SELECT patient_id, reason, expire_time FROM break_glass "
    "WHERE account_id = ? AND expire_time > ? ORDER BY patient_id";

// --- Patients ---

constexpr char kSelectPatientById[] = "SELECT body FROM patients WHERE id = ?";
constexpr char kSelectPatientByIdNumber[] =
    "SELECT body FROM patients WHERE id_number = ?";
constexpr char kSelectPatientByCard[] =
    "SELECT body FROM patients WHERE card_number = ?";
constexpr char kSelectOtherPatientWithIdNumber[] =
    "SELECT 1 FROM patients WHERE id_number = ? AND id <> ?";
constexpr char kCountPatients[] = "SELECT COUNT(*) FROM patients";
// For a patient not stored yet. A plain INSERT checks every constraint
// before it writes, so SQLite gives it no statement journal; the upsert's
// update may fail halfway and needs one, whose release walks the in-memory
// sub-journal from its start (costly inside a large Push batch).
constexpr char kInsertPatient[] =
    "INSERT INTO patients (id, version, create_time, update_time, "
    "change_seq, author, device_id, id_number, card_number, name, area_id, "
    "area_code, facility_id, category, grade, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kUpsertPatient[] =
    "INSERT INTO patients (id, version, create_time, update_time, "
    "change_seq, author, device_id, id_number, card_number, name, area_id, "
    "area_code, facility_id, category, grade, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
    "create_time = excluded.create_time, update_time = excluded.update_time, "
    "change_seq = excluded.change_seq, author = excluded.author, "
    "device_id = excluded.device_id, id_number = excluded.id_number, "
    "card_number = excluded.card_number, name = excluded.name, "
    "area_id = excluded.area_id, area_code = excluded.area_code, "
    "facility_id = excluded.facility_id, category = excluded.category, "
    "grade = excluded.grade, body = excluded.body";
constexpr char kListPatients[] = "SELECT p.body FROM patients p WHERE p.id > ?";
constexpr char kPatientIs[] = "SELECT 1 FROM patients p WHERE p.id = ?";
// A patient's placement: its row and its ACTIVE contract (status 1), if any.
constexpr char kSelectPlacement[] =
    "SELECT p.area_code, p.facility_id, k.id, k.doctor_id, k.team "
    "FROM patients p LEFT JOIN contracts k "
    "ON k.patient_id = p.id AND k.status = 1 WHERE p.id = ?";
constexpr char kPatientAreaCodeAtLeast[] = " AND p.area_code >= ?";
constexpr char kPatientAreaCodeBelow[] = " AND p.area_code < ?";
// The same, with the area code index ruled out (unary +): for a county-wide
// prefix, which holds most patients, walking the id order and stopping at
// the page's end beats collecting and sorting the whole county per page.
constexpr char kPatientAreaCodeAtLeastScan[] = " AND +p.area_code >= ?";
constexpr char kPatientAreaCodeBelowScan[] = " AND +p.area_code < ?";
// Codes this short name a county (DOMAIN.md: county 6 digits).
constexpr size_t kCountyCodeLength = 6;
constexpr char kPatientFacilityIs[] = " AND p.facility_id = ?";
constexpr char kPatientIdIn[] = " AND p.id IN (";
// A family doctor's patients: an ACTIVE contract (status 1, spelled as the
// literal so that the partial index contracts_one_active serves the probe
// by patient) with the doctor, or with the doctor's team.
constexpr char kPatientHasDoctor[] =
    " AND EXISTS (SELECT 1 FROM contracts k WHERE k.patient_id = p.id "
    "AND k.status = 1 AND k.doctor_id = ?)";
constexpr char kPatientHasDoctorOrTeam[] =
    " AND EXISTS (SELECT 1 FROM contracts k WHERE k.patient_id = p.id "
    "AND k.status = 1 AND (k.doctor_id = ? OR k.team = ?))";
// The placement a feed exit left (`x`, and `y` for a later exit of the
// same record): no index serves these, so one form each.
constexpr char kExitAreaCodeAtLeast[] = " AND x.old_area_code >= ?";
constexpr char kExitAreaCodeBelow[] = " AND x.old_area_code < ?";
constexpr char kExitFacilityIs[] = " AND x.old_facility_id = ?";
constexpr char kExitPatientIdIn[] = " AND x.patient_id IN (";
constexpr char kExitDoctorIs[] = " AND x.old_doctor_id = ?";
constexpr char kExitDoctorOrTeamIs[] =
    " AND (x.old_doctor_id = ? OR x.old_team = ?)";
constexpr char kLaterExitAreaCodeAtLeast[] = " AND y.old_area_code >= ?";
constexpr char kLaterExitAreaCodeBelow[] = " AND y.old_area_code < ?";
constexpr char kLaterExitFacilityIs[] = " AND y.old_facility_id = ?";
constexpr char kLaterExitPatientIdIn[] = " AND y.patient_id IN (";
constexpr char kLaterExitDoctorIs[] = " AND y.old_doctor_id = ?";
constexpr char kLaterExitDoctorOrTeamIs[] =
    " AND (y.old_doctor_id = ? OR y.old_team = ?)";
constexpr char kPatientCategoryIs[] = " AND p.category = ?";
constexpr char kPatientGradeIs[] = " AND p.grade = ?";
constexpr char kPatientInProgram[] =
    " AND EXISTS (SELECT 1 FROM enrollments e WHERE e.patient_id = p.id "
    "AND e.program = ? AND e.open = 1)";
constexpr char kPatientNameAtLeast[] = " AND p.name >= ?";
constexpr char kPatientNameBelow[] = " AND p.name < ?";
constexpr char kOrderPatients[] = " ORDER BY p.id LIMIT ?";

// --- Enrollments ---

constexpr char kSelectEnrollmentById[] =
    "SELECT body FROM enrollments WHERE id = ?";
constexpr char kSelectOpenEnrollment[] =
    "SELECT body FROM enrollments "
    "WHERE patient_id = ? AND program = ? AND open = 1";
constexpr char kUpsertEnrollment[] =
    "INSERT INTO enrollments (id, version, create_time, update_time, "
    "change_seq, author, device_id, patient_id, program, status, open, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
    "create_time = excluded.create_time, update_time = excluded.update_time, "
    "change_seq = excluded.change_seq, author = excluded.author, "
    "device_id = excluded.device_id, patient_id = excluded.patient_id, "
    "program = excluded.program, status = excluded.status, "
    "open = excluded.open, body = excluded.body";
constexpr char kListEnrollments[] =
    "SELECT e.body FROM enrollments e JOIN patients p ON p.id = e.patient_id "
    "WHERE e.id > ?";
constexpr char kEnrollmentPatientIs[] = " AND e.patient_id = ?";
constexpr char kEnrollmentProgramIs[] = " AND e.program = ?";
constexpr char kEnrollmentOpen[] = " AND e.open = 1";
constexpr char kOrderEnrollments[] = " ORDER BY e.id LIMIT ?";

// --- Contracts ---

constexpr char kSelectContractById[] =
    "SELECT body, visits_delivered, last_visit_time FROM contracts WHERE id = "
    "?";
constexpr char kSelectActiveContract[] =
    "SELECT body, visits_delivered, last_visit_time FROM contracts "
    "WHERE patient_id = ? AND status = 1";
constexpr char kSelectContractPatient[] =
    "SELECT patient_id FROM contracts WHERE id = ?";
// `visits_delivered` is PutVisit's to keep: an update leaves it alone.
constexpr char kUpsertContract[] =
    "INSERT INTO contracts (id, version, create_time, update_time, "
    "change_seq, author, device_id, patient_id, doctor_id, team, status, "
    "start_date, end_date, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
    "create_time = excluded.create_time, update_time = excluded.update_time, "
    "change_seq = excluded.change_seq, author = excluded.author, "
    "device_id = excluded.device_id, patient_id = excluded.patient_id, "
    "doctor_id = excluded.doctor_id, team = excluded.team, "
    "status = excluded.status, start_date = excluded.start_date, "
    "end_date = excluded.end_date, body = excluded.body";
// Delivered: the contract's visits neither superseded nor voids.
constexpr char kRecountDelivered[] =
    "UPDATE contracts SET (visits_delivered, last_visit_time) = ("
    "SELECT COUNT(*), MAX(v.start_time) FROM visits v "
    "WHERE v.contract_id = contracts.id "
    "AND v.superseded_by IS NULL AND v.voids_id IS NULL) WHERE id = ?";
constexpr char kListContracts[] =
    "SELECT c.body, c.visits_delivered, c.last_visit_time FROM contracts c "
    "JOIN patients p ON p.id = c.patient_id WHERE c.id > ?";
constexpr char kContractPatientIs[] = " AND c.patient_id = ?";
constexpr char kContractDoctorIs[] = " AND c.doctor_id = ?";
constexpr char kContractStatusIs[] = " AND c.status = ?";
constexpr char kContractEndUntil[] = " AND c.end_date <= ?";
constexpr char kOrderContracts[] = " ORDER BY c.id LIMIT ?";

// --- Visits ---

constexpr char kSelectVisitById[] =
    "SELECT body, superseded_by FROM visits WHERE id = ?";
// Facts are inserted, never replaced.
constexpr char kInsertVisit[] =
    "INSERT INTO visits (id, version, create_time, update_time, change_seq, "
    "author, device_id, contract_id, patient_id, doctor_id, start_time, "
    "amends_id, voids_id, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectVisitExists[] = "SELECT 1 FROM visits WHERE id = ?";
constexpr char kSelectSupersession[] =
    "SELECT contract_id, superseded_by FROM visits WHERE id = ?";
constexpr char kSupersedeVisit[] =
    "UPDATE visits SET superseded_by = ? WHERE id = ?";
constexpr char kListVisits[] =
    "SELECT v.body, v.superseded_by FROM visits v "
    "JOIN patients p ON p.id = v.patient_id WHERE 1";
constexpr char kVisitAfter[] = " AND (v.start_time, v.id) < (?, ?)";
constexpr char kVisitPatientIs[] = " AND v.patient_id = ?";
constexpr char kVisitContractIs[] = " AND v.contract_id = ?";
constexpr char kVisitDoctorIs[] = " AND v.doctor_id = ?";
constexpr char kVisitStartAtLeast[] = " AND v.start_time >= ?";
constexpr char kVisitStartBefore[] = " AND v.start_time < ?";
constexpr char kVisitCounts[] =
    " AND v.superseded_by IS NULL AND v.voids_id IS NULL";
constexpr char kOrderVisits[] =
    " ORDER BY v.start_time DESC, v.id DESC LIMIT ?";

// --- Follow-ups ---

constexpr char kSelectFollowUp[] =
    "SELECT body FROM follow_ups WHERE patient_id = ?";
constexpr char kUpsertFollowUp[] =
    "INSERT INTO follow_ups (patient_id, version, create_time, update_time, "
    "change_seq, author, device_id, contract_id, doctor_id, team, due_date, "
    "body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (patient_id) DO UPDATE SET version = excluded.version, "
    "create_time = excluded.create_time, update_time = excluded.update_time, "
    "change_seq = excluded.change_seq, author = excluded.author, "
    "device_id = excluded.device_id, contract_id = excluded.contract_id, "
    "doctor_id = excluded.doctor_id, team = excluded.team, "
    "due_date = excluded.due_date, body = excluded.body";
constexpr char kDeleteFollowUp[] =
    "DELETE FROM follow_ups WHERE patient_id = ? RETURNING 1";
constexpr char kListFollowUps[] =
    "SELECT f.body FROM follow_ups f JOIN patients p ON p.id = f.patient_id "
    "WHERE (f.due_date, f.patient_id) > (?, ?)";
constexpr char kFollowUpDoctorIs[] = " AND f.doctor_id = ?";
constexpr char kFollowUpDueUntil[] = " AND f.due_date <= ?";
constexpr char kOrderFollowUps[] = " ORDER BY f.due_date, f.patient_id LIMIT ?";

// --- Alerts ---

constexpr char kSelectAlertById[] = "SELECT body FROM alerts WHERE id = ?";
constexpr char kSelectAlertByFinding[] =
    "SELECT body FROM alerts "
    "WHERE kind = ? AND source_id = ? AND finding_date = ?";
constexpr char kUpsertAlert[] =
    "INSERT INTO alerts (id, version, create_time, update_time, change_seq, "
    "author, device_id, patient_id, kind, state, doctor_id, source_id, "
    "finding_date, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
    "create_time = excluded.create_time, update_time = excluded.update_time, "
    "change_seq = excluded.change_seq, author = excluded.author, "
    "device_id = excluded.device_id, patient_id = excluded.patient_id, "
    "kind = excluded.kind, state = excluded.state, "
    "doctor_id = excluded.doctor_id, source_id = excluded.source_id, "
    "finding_date = excluded.finding_date, body = excluded.body";
constexpr char kListAlerts[] =
    "SELECT a.body FROM alerts a JOIN patients p ON p.id = a.patient_id "
    "WHERE 1";
constexpr char kAlertBefore[] = " AND (a.create_time, a.id) < (?, ?)";
constexpr char kAlertPatientIs[] = " AND a.patient_id = ?";
constexpr char kAlertDoctorIs[] = " AND a.doctor_id = ?";
constexpr char kAlertKindIs[] = " AND a.kind = ?";
constexpr char kAlertStateIs[] = " AND a.state = ?";
constexpr char kOrderAlerts[] =
    " ORDER BY a.create_time DESC, a.id DESC LIMIT ?";

constexpr char kSelectPatientExists[] = "SELECT 1 FROM patients WHERE id = ?";

// --- Audit ---

constexpr char kInsertAudit[] =
    "INSERT INTO audit (time, account_id, username, method, patient_id, "
    "outcome, peer, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kListAudit[] =
    "SELECT seq, time, account_id, username, method, patient_id, outcome, "
    "peer, detail FROM audit WHERE seq < ?";
constexpr char kAuditPatientIs[] = " AND patient_id = ?";
constexpr char kAuditAccountIs[] = " AND account_id = ?";
constexpr char kAuditTimeAtLeast[] = " AND time >= ?";
constexpr char kAuditTimeBefore[] = " AND time < ?";
constexpr char kOrderAudit[] = " ORDER BY seq DESC LIMIT ?";

// --- Helpers ---

int64_t Micros(const google::protobuf::Timestamp& ts) {
  return rehab::ToUnixMicros(FromProto(ts));
}

// The smallest string greater than every string that starts with `prefix`
// (byte order); nullopt when there is none (a prefix of only 0xff bytes).
std::optional<std::string> PrefixUpperBound(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) {
    prefix.pop_back();
  }
  if (prefix.empty()) return std::nullopt;
  prefix.back() =
      static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// A SELECT assembled from the fixed fragments above, with its arguments in
// placeholder order.
struct SqlQuery {
  std::string sql;
  std::vector<std::variant<int64_t, std::string>> args;

  explicit SqlQuery(const char* base) : sql(base) {}
  void Add(const char* fragment) { sql += fragment; }
  void Add(const char* fragment, int64_t value) {
    sql += fragment;
    args.emplace_back(value);
  }
  void Add(const char* fragment, const std::string& value) {
    sql += fragment;
    args.emplace_back(value);
  }
  void Add(const char* fragment, int64_t first, const std::string& second) {
    sql += fragment;
    args.emplace_back(first);
    args.emplace_back(second);
  }
  void Add(const char* fragment, const std::string& first,
           const std::string& second) {
    sql += fragment;
    args.emplace_back(first);
    args.emplace_back(second);
  }
  // `column >= prefix AND column < upper bound`: a prefix match that an
  // index serves and that treats '%' and '_' as the characters they are.
  void AddPrefix(const char* at_least, const char* below,
                 const std::string& prefix) {
    Add(at_least, prefix);
    std::optional<std::string> upper = PrefixUpperBound(prefix);
    if (upper.has_value()) Add(below, *upper);
  }
};

void BindArgs(Statement& statement, const SqlQuery& query) {
  for (size_t i = 0; i < query.args.size(); ++i) {
    const int index = static_cast<int>(i);
    if (const int64_t* number = std::get_if<int64_t>(&query.args[i])) {
      statement.BindInt64(index, *number);
    } else {
      statement.BindText(index, std::get<std::string>(query.args[i]));
    }
  }
}

// Where a scope condition reads a patient's placement: the patient's row
// (and ACTIVE contract) as it is now, or the placement a feed exit left.
struct PlacementColumns {
  const char* area_code_at_least;
  const char* area_code_below;
  // The same with any index on the area code ruled out.
  const char* area_code_at_least_scan;
  const char* area_code_below_scan;
  const char* facility_is;
  const char* patient_id_in;  // opens "IN ("
  const char* doctor_is;
  const char* doctor_or_team_is;  // two arguments: doctor, team
};
constexpr PlacementColumns kPatientRow = {
    kPatientAreaCodeAtLeast,     kPatientAreaCodeBelow,
    kPatientAreaCodeAtLeastScan, kPatientAreaCodeBelowScan,
    kPatientFacilityIs,          kPatientIdIn,
    kPatientHasDoctor,           kPatientHasDoctorOrTeam};
constexpr PlacementColumns kExitRow = {
    kExitAreaCodeAtLeast, kExitAreaCodeBelow, kExitAreaCodeAtLeast,
    kExitAreaCodeBelow,   kExitFacilityIs,    kExitPatientIdIn,
    kExitDoctorIs,        kExitDoctorOrTeamIs};
constexpr PlacementColumns kLaterExitRow = {
    kLaterExitAreaCodeAtLeast, kLaterExitAreaCodeBelow,
    kLaterExitAreaCodeAtLeast, kLaterExitAreaCodeBelow,
    kLaterExitFacilityIs,      kLaterExitPatientIdIn,
    kLaterExitDoctorIs,        kLaterExitDoctorOrTeamIs};

// Appends the condition that the area code of `columns` starts with
// `prefix`, choosing the plan by how much of the registry the prefix is
// likely to cover.
void AddAreaPrefix(const std::string& prefix, const PlacementColumns& columns,
                   SqlQuery& query) {
  if (prefix.size() <= kCountyCodeLength) {
    query.AddPrefix(columns.area_code_at_least_scan,
                    columns.area_code_below_scan, prefix);
  } else {
    query.AddPrefix(columns.area_code_at_least, columns.area_code_below,
                    prefix);
  }
}

// Appends the condition of `scope` on the placement in `columns`; false
// when the scope admits no patient at all (the query need not run).
bool AddScope(const PatientScope& scope, const PlacementColumns& columns,
              SqlQuery& query) {
  switch (scope.kind) {
    case PatientScope::Kind::kAll:
      return true;
    case PatientScope::Kind::kNone:
      return false;
    case PatientScope::Kind::kAreaSubtree:
      // An empty code is a prefix of every code; fail closed.
      if (scope.area_code.empty()) return false;
      AddAreaPrefix(scope.area_code, columns, query);
      return true;
    case PatientScope::Kind::kFacility:
      if (scope.facility_id.empty()) return false;
      query.Add(columns.facility_is, scope.facility_id);
      return true;
    case PatientScope::Kind::kPatients:
      if (scope.patient_ids.empty()) return false;
      query.Add(columns.patient_id_in);
      for (size_t i = 0; i < scope.patient_ids.size(); ++i) {
        query.Add(i == 0 ? "?" : ", ?", scope.patient_ids[i]);
      }
      query.Add(")");
      return true;
    case PatientScope::Kind::kPractitioner:
      if (scope.practitioner_id.empty()) return false;
      if (scope.team.empty()) {
        query.Add(columns.doctor_is, scope.practitioner_id);
      } else {
        query.Add(columns.doctor_or_team_is, scope.practitioner_id, scope.team);
      }
      return true;
  }
  return false;
}

absl::Status ParseBody(std::string_view body,
                       google::protobuf::Message& record) {
  if (!record.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    log::Error("storage_record_unreadable", {{"type", record.GetTypeName()}});
    return absl::InternalError("storage error: a stored record is unreadable");
  }
  return absl::OkStatus();
}

// The record the single-row query `sql` (one text argument) returns, read
// by `read_row(statement, record)`, or nullopt.
template <typename Record, typename ReadRow>
absl::StatusOr<std::optional<Record>> GetOneRow(Connection* connection,
                                                const char* sql,
                                                const std::string& key,
                                                ReadRow read_row) {
  ASSIGN_OR_RETURN(Statement statement, connection->GetCachedStatement(sql));
  statement.BindText(0, key);
  ASSIGN_OR_RETURN(bool row, statement.Step());
  if (!row) return std::optional<Record>();
  Record record;
  RETURN_IF_ERROR(read_row(statement, record));
  return std::optional<Record>(std::move(record));
}

// The record whose body the single-row query `sql` (one text argument)
// returns, or nullopt.
template <typename Record>
absl::StatusOr<std::optional<Record>> GetOne(Connection* connection,
                                             const char* sql,
                                             const std::string& key) {
  return GetOneRow<Record>(
      connection, sql, key, [](const Statement& statement, Record& record) {
        return ParseBody(statement.ColumnBlobView(0), record);
      });
}

// A contract row (body, visits_delivered, last_visit_time): the body with
// the aggregate.
absl::Status ReadContract(const Statement& row, Contract& contract) {
  RETURN_IF_ERROR(ParseBody(row.ColumnBlobView(0), contract));
  rehab::v1::Fulfilment& fulfilment = *contract.mutable_fulfilment();
  fulfilment.set_visits_delivered(static_cast<int32_t>(row.ColumnInt64(1)));
  if (!row.ColumnIsNull(2)) {
    *fulfilment.mutable_last_visit_time() =
        ToProto(FromUnixMicros(row.ColumnInt64(2)));
  }
  return absl::OkStatus();
}

// A visit row (body, superseded_by): the body with its supersession.
absl::Status ReadVisit(const Statement& row, Visit& visit) {
  RETURN_IF_ERROR(ParseBody(row.ColumnBlobView(0), visit));
  if (!row.ColumnIsNull(1)) visit.set_superseded_by_id(row.ColumnText(1));
  return absl::OkStatus();
}

// True when the single-row query `sql` (one text argument) finds a row.
absl::StatusOr<bool> RowExists(Connection* connection, const char* sql,
                               const std::string& key) {
  ASSIGN_OR_RETURN(Statement statement, connection->GetCachedStatement(sql));
  statement.BindText(0, key);
  return statement.Step();
}

// Every row of `query` (with `limit` appended as the last argument) read by
// `read_row(statement, row)`.
template <typename Row, typename ReadRow>
absl::StatusOr<std::vector<Row>> ListRows(Connection* connection,
                                          SqlQuery& query, const char* order,
                                          int32_t limit, ReadRow read_row) {
  std::vector<Row> rows;
  if (limit <= 0) return rows;
  query.Add(order, static_cast<int64_t>(limit));
  ASSIGN_OR_RETURN(Statement statement,
                   connection->GetCachedStatement(query.sql));
  BindArgs(statement, query);
  for (;;) {
    ASSIGN_OR_RETURN(bool has_row, statement.Step());
    if (!has_row) break;
    Row& row = rows.emplace_back();
    RETURN_IF_ERROR(read_row(statement, row));
  }
  return rows;
}

// The records whose bodies `query` returns in its first column.
template <typename Record>
absl::StatusOr<std::vector<Record>> ListBodies(Connection* connection,
                                               SqlQuery& query,
                                               const char* order,
                                               int32_t limit) {
  return ListRows<Record>(connection, query, order, limit,
                          [](const Statement& statement, Record& record) {
                            return ParseBody(statement.ColumnBlobView(0),
                                             record);
                          });
}

// Binds the common resource columns (the first seven placeholders of every
// record upsert).
template <typename Record>
void BindCommon(Statement& statement, const Record& record) {
  statement.BindText(0, record.id());
  statement.BindInt64(1, record.version());
  statement.BindInt64(2, Micros(record.create_time()));
  statement.BindInt64(3, Micros(record.update_time()));
  statement.BindInt64(4, record.change_seq());
  statement.BindText(5, record.author());
  statement.BindText(6, record.device_id());
}
// The server makes follow-ups: no creation time of their own, no author,
// no device. Their id is their patient's.
void BindCommon(Statement& statement, const FollowUp& follow_up) {
  statement.BindText(0, follow_up.id());
  statement.BindInt64(1, follow_up.version());
  statement.BindInt64(2, Micros(follow_up.update_time()));
  statement.BindInt64(3, Micros(follow_up.update_time()));
  statement.BindInt64(4, follow_up.change_seq());
  statement.BindText(5, "");
  statement.BindText(6, "");
}
// The server raises alerts: no device.
void BindCommon(Statement& statement, const Alert& alert) {
  statement.BindText(0, alert.id());
  statement.BindInt64(1, alert.version());
  statement.BindInt64(2, Micros(alert.create_time()));
  statement.BindInt64(3, Micros(alert.update_time()));
  statement.BindInt64(4, alert.change_seq());
  statement.BindText(5, alert.author());
  statement.BindText(6, "");
}
constexpr int kCommonColumns = 7;

// Gives a constraint failure of a Put its meaning: ALREADY_EXISTS with
// `duplicate` and `reason`; FAILED_PRECONDITION with `missing_reference`.
absl::Status Explain(absl::Status status, const char* duplicate,
                     const char* reason, const char* missing_reference) {
  if (absl::IsAlreadyExists(status)) {
    return ErrorWithReason(absl::StatusCode::kAlreadyExists, duplicate, reason);
  }
  if (absl::IsFailedPrecondition(status)) {
    return absl::FailedPreconditionError(missing_reference);
  }
  return status;
}

}  // namespace

bool SqliteTxn::TakeCredentialsWritten() {
  return std::exchange(credentials_written_, false);
}

// --- Change feed ---

absl::StatusOr<int64_t> SqliteTxn::NextChangeSeq() {
  ASSIGN_OR_RETURN(Statement select,
                   connection_->GetCachedStatement(kSelectChangeSeq));
  ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) {
    log::Error("storage_change_counter_missing", {});
    return absl::InternalError("storage error: change counter missing");
  }
  return select.ColumnInt64(0) + 1;
}

absl::Status SqliteTxn::SetChangeSeq(int64_t change_seq) {
  ASSIGN_OR_RETURN(Statement update,
                   connection_->GetCachedStatement(kUpdateChangeSeq));
  update.BindInt64(0, change_seq);
  return update.Run();
}

absl::Status SqliteTxn::RecordChange(const char* collection,
                                     const std::string& id, int64_t change_seq,
                                     const std::string& patient_id) {
  RETURN_IF_ERROR(SetChangeSeq(change_seq));
  ASSIGN_OR_RETURN(Statement upsert,
                   connection_->GetCachedStatement(kUpsertChange));
  upsert.BindInt64(0, change_seq);
  upsert.BindText(1, collection);
  upsert.BindText(2, id);
  upsert.BindInt64(3, kChangeKindUpsert);
  upsert.BindTextOrNull(4, patient_id);
  return upsert.Run();
}

absl::Status SqliteTxn::MoveChange(int64_t change_seq, const char* collection,
                                   const std::string& id,
                                   std::optional<int64_t> kind) {
  ASSIGN_OR_RETURN(Statement update,
                   connection_->GetCachedStatement(kMoveChange));
  update.BindInt64(0, change_seq);
  if (kind.has_value()) {
    update.BindInt64(1, *kind);
  } else {
    update.BindNull(1);
  }
  update.BindText(2, collection);
  update.BindText(3, id);
  ASSIGN_OR_RETURN(bool moved, update.Step());
  if (!moved) {
    return absl::NotFoundError(
        absl::StrCat("no ", collection, " record ", id, " in the change feed"));
  }
  return absl::OkStatus();
}

absl::Status SqliteTxn::MoveInFeed(const char* collection,
                                   const std::string& id,
                                   std::optional<int64_t> kind) {
  ASSIGN_OR_RETURN(const int64_t seq, NextChangeSeq());
  RETURN_IF_ERROR(MoveChange(seq, collection, id, kind));
  return SetChangeSeq(seq);
}

absl::StatusOr<std::optional<SqliteTxn::Placement>> SqliteTxn::PlacementOf(
    const std::string& patient_id) {
  ASSIGN_OR_RETURN(Statement select,
                   connection_->GetCachedStatement(kSelectPlacement));
  select.BindText(0, patient_id);
  ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<Placement>();
  auto text_or_empty = [&](int column) {
    return select.ColumnIsNull(column) ? std::string()
                                       : select.ColumnText(column);
  };
  Placement placement;
  placement.area_code = select.ColumnText(0);
  placement.facility_id = text_or_empty(1);
  placement.contract_id = text_or_empty(2);
  placement.doctor_id = text_or_empty(3);
  placement.team = text_or_empty(4);
  return std::optional<Placement>(std::move(placement));
}

absl::Status SqliteTxn::MoveWithPatient(const std::string& patient_id,
                                        const Placement& left,
                                        const char* put_collection,
                                        const std::string& put_id) {
  ASSIGN_OR_RETURN(int64_t last, NextChangeSeq());
  --last;
  auto move = [&](const char* collection,
                  const std::string& id) -> absl::Status {
    {
      ASSIGN_OR_RETURN(Statement insert,
                       connection_->GetCachedStatement(kInsertExit));
      insert.BindInt64(0, ++last);
      insert.BindText(1, collection);
      insert.BindText(2, id);
      insert.BindText(3, patient_id);
      insert.BindText(4, left.area_code);
      insert.BindTextOrNull(5, left.facility_id);
      insert.BindTextOrNull(6, left.doctor_id);
      insert.BindTextOrNull(7, left.team);
      RETURN_IF_ERROR(insert.Run());
    }
    // The record whose Put made the move has just got its new position.
    if (std::string_view(collection) == put_collection && id == put_id) {
      return absl::OkStatus();
    }
    return MoveChange(++last, collection, id, std::nullopt);
  };
  RETURN_IF_ERROR(move(kPatients, patient_id));
  for (const PatientBoundCollection& bound : kPatientBound) {
    std::vector<std::string> ids;
    {
      ASSIGN_OR_RETURN(Statement select,
                       connection_->GetCachedStatement(bound.select_ids));
      select.BindText(0, patient_id);
      for (;;) {
        ASSIGN_OR_RETURN(bool row, select.Step());
        if (!row) break;
        ids.push_back(select.ColumnText(0));
      }
    }
    for (const std::string& id : ids) {
      RETURN_IF_ERROR(move(bound.collection, id));
    }
  }
  return SetChangeSeq(last);
}

absl::StatusOr<std::string> SqliteTxn::AreaCodeOf(const std::string& area_id,
                                                  const char* field) {
  ASSIGN_OR_RETURN(Statement select,
                   connection_->GetCachedStatement(kSelectAreaCode));
  select.BindText(0, area_id);
  ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, " names no stored area"));
  }
  return select.ColumnText(0);
}

template <typename Record, typename BindRest>
absl::Status SqliteTxn::PutRecord(const char* upsert_sql,
                                  const char* collection, Record& record,
                                  const std::string& patient_id,
                                  BindRest bind_rest) {
  ASSIGN_OR_RETURN(const int64_t seq, NextChangeSeq());
  const int64_t old_seq = record.change_seq();
  record.set_change_seq(seq);
  absl::Status status;
  if (!record.SerializeToString(&body_)) {
    log::Error("storage_serialize_failed", {{"type", record.GetTypeName()}});
    status = absl::InternalError("storage error: cannot serialise a record");
  } else {
    absl::StatusOr<Statement> upsert =
        connection_->GetCachedStatement(upsert_sql);
    if (upsert.ok()) {
      BindCommon(*upsert, record);
      const int bound = bind_rest(*upsert);
      upsert->BindBlob(kCommonColumns + bound, body_);
      status = upsert->Run();
    } else {
      status = upsert.status();
    }
  }
  if (status.ok()) {
    status = RecordChange(collection, record.id(), seq, patient_id);
  }
  // A failed write leaves the caller's record as it came.
  if (!status.ok()) record.set_change_seq(old_seq);
  return status;
}

// --- Areas ---

absl::StatusOr<std::optional<Area>> SqliteTxn::GetArea(const std::string& id) {
  return GetOne<Area>(connection_, kSelectAreaById, id);
}

absl::StatusOr<std::optional<Area>> SqliteTxn::GetAreaByCode(
    const std::string& code) {
  return GetOne<Area>(connection_, kSelectAreaByCode, code);
}

absl::StatusOr<std::vector<Area>> SqliteTxn::ListAreas(const AreaQuery& q) {
  SqlQuery query(kListAreas);
  query.args.emplace_back(q.after_code);
  if (!q.parent_id.empty()) query.Add(kAreaParentIs, q.parent_id);
  return ListBodies<Area>(connection_, query, kOrderAreas, q.limit);
}

absl::Status SqliteTxn::PutArea(Area& area) {
  credentials_written_ = true;
  std::optional<std::string> old_code;
  {
    ASSIGN_OR_RETURN(Statement select,
                     connection_->GetCachedStatement(kSelectAreaCode));
    select.BindText(0, area.id());
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (row) old_code = select.ColumnText(0);
  }
  RETURN_IF_ERROR(Explain(
      PutRecord(kUpsertArea, kAreas, area, "",
                [&](Statement& upsert) {
                  upsert.BindText(kCommonColumns + 0, area.code());
                  upsert.BindTextOrNull(kCommonColumns + 1, area.parent_id());
                  return 2;
                }),
      "an area with this code exists", kReasonAlreadyExists,
      "area.parent_id names no stored area"));
  if (old_code.has_value() && *old_code != area.code()) {
    for (const char* sql :
         {kUpdateFacilityAreaCodes, kUpdatePatientAreaCodes}) {
      ASSIGN_OR_RETURN(Statement update, connection_->GetCachedStatement(sql));
      update.BindText(0, area.code());
      update.BindText(1, area.id());
      RETURN_IF_ERROR(update.Run());
    }
  }
  return absl::OkStatus();
}

// --- Facilities ---

absl::StatusOr<std::optional<Facility>> SqliteTxn::GetFacility(
    const std::string& id) {
  return GetOne<Facility>(connection_, kSelectFacilityById, id);
}

absl::StatusOr<std::vector<Facility>> SqliteTxn::ListFacilities(
    const FacilityQuery& q) {
  SqlQuery query(kListFacilities);
  query.args.emplace_back(q.after_id);
  if (!q.area_code_prefix.empty()) {
    query.AddPrefix(kFacilityAreaCodeAtLeast, kFacilityAreaCodeBelow,
                    q.area_code_prefix);
  }
  if (q.type != rehab::v1::FACILITY_TYPE_UNSPECIFIED) {
    query.Add(kFacilityTypeIs, static_cast<int64_t>(q.type));
  }
  return ListBodies<Facility>(connection_, query, kOrderById, q.limit);
}

absl::Status SqliteTxn::PutFacility(Facility& facility) {
  ASSIGN_OR_RETURN(const std::string area_code,
                   AreaCodeOf(facility.area_id(), "facility.area_id"));
  return Explain(
      PutRecord(kUpsertFacility, kFacilities, facility, "",
                [&](Statement& upsert) {
                  upsert.BindText(kCommonColumns + 0, facility.area_id());
                  upsert.BindText(kCommonColumns + 1, area_code);
                  upsert.BindInt64(kCommonColumns + 2, facility.type());
                  return 3;
                }),
      "the facility already exists", kReasonAlreadyExists,
      "facility.area_id names no stored area");
}

// --- Practitioners ---

absl::StatusOr<std::optional<Practitioner>> SqliteTxn::GetPractitioner(
    const std::string& id) {
  return GetOne<Practitioner>(connection_, kSelectPractitionerById, id);
}

absl::StatusOr<std::vector<Practitioner>> SqliteTxn::ListPractitioners(
    const PractitionerQuery& q) {
  SqlQuery query(kListPractitioners);
  query.args.emplace_back(q.after_id);
  if (!q.facility_id.empty()) query.Add(kPractitionerFacilityIs, q.facility_id);
  if (q.kind != rehab::v1::PRACTITIONER_KIND_UNSPECIFIED) {
    query.Add(kPractitionerKindIs, static_cast<int64_t>(q.kind));
  }
  if (!q.team.empty()) query.Add(kPractitionerTeamIs, q.team);
  return ListBodies<Practitioner>(connection_, query, kOrderById, q.limit);
}

absl::Status SqliteTxn::PutPractitioner(Practitioner& p) {
  return Explain(
      PutRecord(kUpsertPractitioner, kPractitioners, p, "",
                [&](Statement& upsert) {
                  upsert.BindText(kCommonColumns + 0, p.facility_id());
                  upsert.BindInt64(kCommonColumns + 1, p.kind());
                  upsert.BindTextOrNull(kCommonColumns + 2, p.team());
                  return 3;
                }),
      "the practitioner already exists", kReasonAlreadyExists,
      "practitioner.facility_id names no stored facility");
}

// --- Accounts ---

absl::StatusOr<std::optional<Account>> SqliteTxn::GetAccount(
    const std::string& id) {
  return GetOne<Account>(connection_, kSelectAccountById, id);
}

absl::StatusOr<std::optional<Account>> SqliteTxn::GetAccountByUsername(
    const std::string& username) {
  return GetOne<Account>(connection_, kSelectAccountByUsername, username);
}

absl::StatusOr<std::vector<Account>> SqliteTxn::ListAccounts(
    const AccountQuery& q) {
  SqlQuery query(kListAccounts);
  query.args.emplace_back(q.after_username);
  if (q.role != rehab::v1::ROLE_UNSPECIFIED) {
    query.Add(kAccountRoleIs, static_cast<int64_t>(q.role));
  }
  if (!q.scope_id.empty()) query.Add(kAccountScopeIs, q.scope_id);
  return ListBodies<Account>(connection_, query, kOrderAccounts, q.limit);
}

absl::StatusOr<std::optional<std::string>> SqliteTxn::GetPasswordHash(
    const std::string& account_id) {
  ASSIGN_OR_RETURN(Statement select,
                   connection_->GetCachedStatement(kSelectPasswordHash));
  select.BindText(0, account_id);
  ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row || select.ColumnIsNull(0)) return std::optional<std::string>();
  return std::optional<std::string>(select.ColumnText(0));
}

absl::Status SqliteTxn::PutAccount(
    Account& account, const std::optional<std::string>& password_hash) {
  credentials_written_ = true;
  return Explain(
      PutRecord(kUpsertAccount, kAccounts, account, "",
                [&](Statement& upsert) {
                  upsert.BindText(kCommonColumns + 0, account.username());
                  upsert.BindInt64(kCommonColumns + 1, account.role());
                  upsert.BindTextOrNull(kCommonColumns + 2, account.scope_id());
                  upsert.BindInt64(kCommonColumns + 3, account.state());
                  if (password_hash.has_value()) {
                    upsert.BindText(kCommonColumns + 4, *password_hash);
                  } else {
                    upsert.BindNull(kCommonColumns + 4);
                  }
                  return 5;
                }),
      "the username is taken", kReasonAlreadyExists,
      "a record the account refers to does not exist");
}

// --- Tokens and break-glass grants ---

absl::StatusOr<std::optional<TokenRecord>> SqliteTxn::GetToken(
    const std::string& token_hash) {
  ASSIGN_OR_RETURN(Statement select,
                   connection_->GetCachedStatement(kSelectToken));
  select.BindBlob(0, token_hash);
  ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<TokenRecord>();
  TokenRecord token;
  token.token_hash = token_hash;
  token.kind =
      select.ColumnInt64(0) == static_cast<int64_t>(TokenRecord::Kind::kRefresh)
          ? TokenRecord::Kind::kRefresh
          : TokenRecord::Kind::kAccess;
  token.account_id = select.ColumnText(1);
  token.family_id = select.ColumnText(2);
  token.device_id = select.ColumnText(3);
  token.issue_time = FromUnixMicros(select.ColumnInt64(4));
  token.expire_time = FromUnixMicros(select.ColumnInt64(5));
  token.revoked = select.ColumnBool(6);
  return std::optional<TokenRecord>(std::move(token));
}

absl::Status SqliteTxn::PutToken(const TokenRecord& token) {
  credentials_written_ = true;
  ASSIGN_OR_RETURN(Statement upsert,
                   connection_->GetCachedStatement(kUpsertToken));
  upsert.BindBlob(0, token.token_hash);
  upsert.BindInt64(1, static_cast<int64_t>(token.kind));
  upsert.BindText(2, token.account_id);
  upsert.BindText(3, token.family_id);
  upsert.BindText(4, token.device_id);
  upsert.BindInt64(5, rehab::ToUnixMicros(token.issue_time));
  upsert.BindInt64(6, rehab::ToUnixMicros(token.expire_time));
  upsert.BindBool(7, token.revoked);
  return Explain(upsert.Run(), "the token already exists", kReasonAlreadyExists,
                 "token account names no stored account");
}

absl::Status SqliteTxn::RevokeTokenFamily(const std::string& family_id) {
  credentials_written_ = true;
  ASSIGN_OR_RETURN(Statement update,
                   connection_->GetCachedStatement(kRevokeFamily));
  update.BindText(0, family_id);
  return update.Run();
}

absl::Status SqliteTxn::RevokeAccountTokens(const std::string& account_id) {
  credentials_written_ = true;
  ASSIGN_OR_RETURN(Statement update,
                   connection_->GetCachedStatement(kRevokeAccount));
  update.BindText(0, account_id);
  return update.Run();
}

absl::Status SqliteTxn::PutBreakGlassGrant(const BreakGlassGrant& grant) {
  credentials_written_ = true;
  ASSIGN_OR_RETURN(Statement upsert,
                   connection_->GetCachedStatement(kUpsertGrant));
  upsert.BindText(0, grant.account_id);
  upsert.BindText(1, grant.patient_id);
  upsert.BindText(2, grant.reason);
  upsert.BindInt64(3, rehab::ToUnixMicros(grant.expire_time));
  return Explain(upsert.Run(), "the grant already exists", kReasonAlreadyExists,
                 "the grant names no stored account or patient");
}

absl::StatusOr<std::vector<BreakGlassGrant>> SqliteTxn::ListBreakGlassGrants(
    const std::string& account_id, absl::Time now) {
  ASSIGN_OR_RETURN(Statement select,
                   connection_->GetCachedStatement(kListGrants));
  select.BindText(0, account_id);
  select.BindInt64(1, rehab::ToUnixMicros(now));
  std::vector<BreakGlassGrant> grants;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    BreakGlassGrant& grant = grants.emplace_back();
    grant.account_id = account_id;
    grant.patient_id = select.ColumnText(0);
    grant.reason = select.ColumnText(1);
    grant.expire_time = FromUnixMicros(select.ColumnInt64(2));
  }
  return grants;
}

// --- Patients ---

absl::StatusOr<std::optional<Patient>> SqliteTxn::GetPatient(
    const std::string& id) {
  return GetOne<Patient>(connection_, kSelectPatientById, id);
}

absl::StatusOr<std::optional<Patient>> SqliteTxn::GetPatientByIdNumber(
    const std::string& id_number) {
  return GetOne<Patient>(connection_, kSelectPatientByIdNumber, id_number);
}

absl::StatusOr<std::optional<Patient>> SqliteTxn::GetPatientByCardNumber(
    const std::string& card_number) {
  if (card_number.empty()) return std::optional<Patient>();
  return GetOne<Patient>(connection_, kSelectPatientByCard, card_number);
}

absl::StatusOr<std::vector<Patient>> SqliteTxn::ListPatients(
    const PatientQuery& q) {
  SqlQuery query(kListPatients);
  query.args.emplace_back(q.after_id);
  if (!AddScope(q.scope, kPatientRow, query)) return std::vector<Patient>();
  if (!q.area_code_prefix.empty()) {
    AddAreaPrefix(q.area_code_prefix, kPatientRow, query);
  }
  if (q.category != rehab::v1::DISABILITY_CATEGORY_UNSPECIFIED) {
    query.Add(kPatientCategoryIs, static_cast<int64_t>(q.category));
  }
  if (q.grade != 0) query.Add(kPatientGradeIs, static_cast<int64_t>(q.grade));
  if (q.program != rehab::v1::PROGRAM_UNSPECIFIED) {
    query.Add(kPatientInProgram, static_cast<int64_t>(q.program));
  }
  if (!q.name_prefix.empty()) {
    query.AddPrefix(kPatientNameAtLeast, kPatientNameBelow, q.name_prefix);
  }
  if (!q.facility_id.empty()) query.Add(kPatientFacilityIs, q.facility_id);
  return ListBodies<Patient>(connection_, query, kOrderPatients, q.limit);
}

absl::StatusOr<bool> SqliteTxn::PatientInScope(const std::string& patient_id,
                                               const PatientScope& scope) {
  SqlQuery query(kPatientIs);
  query.args.emplace_back(patient_id);
  if (!AddScope(scope, kPatientRow, query)) return false;
  ASSIGN_OR_RETURN(Statement select,
                   connection_->GetCachedStatement(query.sql));
  BindArgs(select, query);
  return select.Step();
}

absl::StatusOr<int64_t> SqliteTxn::CountPatients() {
  ASSIGN_OR_RETURN(Statement count,
                   connection_->GetCachedStatement(kCountPatients));
  ASSIGN_OR_RETURN(bool row, count.Step());
  return row ? count.ColumnInt64(0) : 0;
}

absl::Status SqliteTxn::PutPatient(Patient& patient) {
  ASSIGN_OR_RETURN(const std::string area_code,
                   AreaCodeOf(patient.area_id(), "patient.area_id"));
  // A change of placement (area or home facility) moves the patient out of
  // some scopes and into others: the feed must tell both (MoveWithPatient).
  ASSIGN_OR_RETURN(const std::optional<Placement> before,
                   PlacementOf(patient.id()));
  const bool stored = before.has_value();
  const bool moves = stored && (before->area_code != area_code ||
                                before->facility_id != patient.facility_id());
  // A move writes more than the patient's row; a failure keeps none of it.
  Savepoint savepoint(connection_);
  if (moves) RETURN_IF_ERROR(savepoint.Begin());
  const int64_t given_seq = patient.change_seq();
  absl::Status status = PutRecord(
      stored ? kUpsertPatient : kInsertPatient, kPatients, patient,
      patient.id(), [&](Statement& upsert) {
        upsert.BindText(kCommonColumns + 0, patient.id_number());
        upsert.BindTextOrNull(kCommonColumns + 1,
                              patient.disability_card_number());
        upsert.BindText(kCommonColumns + 2, patient.name());
        upsert.BindText(kCommonColumns + 3, patient.area_id());
        upsert.BindText(kCommonColumns + 4, area_code);
        upsert.BindTextOrNull(kCommonColumns + 5, patient.facility_id());
        upsert.BindInt64(kCommonColumns + 6, patient.disability_category());
        upsert.BindInt64(kCommonColumns + 7, patient.disability_grade());
        return 8;
      });
  if (status.ok() && moves) {
    status = MoveWithPatient(patient.id(), *before, kPatients, patient.id());
    if (status.ok()) status = savepoint.Release();
    if (!status.ok()) patient.set_change_seq(given_seq);
  }
  if (status.ok()) return status;
  if (!absl::IsAlreadyExists(status)) {
    return Explain(std::move(status), "", "",
                   "patient.facility_id names no stored facility");
  }
  // Two unique keys besides the id: tell which one the patient collided on.
  ASSIGN_OR_RETURN(Statement other, connection_->GetCachedStatement(
                                        kSelectOtherPatientWithIdNumber));
  other.BindText(0, patient.id_number());
  other.BindText(1, patient.id());
  ASSIGN_OR_RETURN(bool same_id_number, other.Step());
  if (same_id_number) {
    return ErrorWithReason(absl::StatusCode::kAlreadyExists,
                           "a patient with this ID number exists",
                           kReasonDuplicateIdNumber);
  }
  return ErrorWithReason(absl::StatusCode::kAlreadyExists,
                         "a patient with this disability card number exists",
                         kReasonAlreadyExists);
}

// --- Enrollments ---

absl::StatusOr<std::optional<Enrollment>> SqliteTxn::GetEnrollment(
    const std::string& id) {
  return GetOne<Enrollment>(connection_, kSelectEnrollmentById, id);
}

absl::StatusOr<std::optional<Enrollment>> SqliteTxn::GetOpenEnrollment(
    const std::string& patient_id, rehab::v1::Program program) {
  ASSIGN_OR_RETURN(Statement select,
                   connection_->GetCachedStatement(kSelectOpenEnrollment));
  select.BindText(0, patient_id);
  select.BindInt64(1, program);
  ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<Enrollment>();
  Enrollment enrollment;
  RETURN_IF_ERROR(ParseBody(select.ColumnBlobView(0), enrollment));
  return std::optional<Enrollment>(std::move(enrollment));
}

absl::StatusOr<std::vector<Enrollment>> SqliteTxn::ListEnrollments(
    const EnrollmentQuery& q) {
  SqlQuery query(kListEnrollments);
  query.args.emplace_back(q.after_id);
  if (!AddScope(q.scope, kPatientRow, query)) {
    return std::vector<Enrollment>();
  }
  if (!q.patient_id.empty()) query.Add(kEnrollmentPatientIs, q.patient_id);
  if (q.program != rehab::v1::PROGRAM_UNSPECIFIED) {
    query.Add(kEnrollmentProgramIs, static_cast<int64_t>(q.program));
  }
  if (q.open_only) query.Add(kEnrollmentOpen);
  return ListBodies<Enrollment>(connection_, query, kOrderEnrollments, q.limit);
}

absl::Status SqliteTxn::PutEnrollment(Enrollment& enrollment) {
  return Explain(
      PutRecord(kUpsertEnrollment, kEnrollments, enrollment,
                enrollment.patient_id(),
                [&](Statement& upsert) {
                  upsert.BindText(kCommonColumns + 0, enrollment.patient_id());
                  upsert.BindInt64(kCommonColumns + 1, enrollment.program());
                  upsert.BindInt64(kCommonColumns + 2, enrollment.status());
                  upsert.BindBool(kCommonColumns + 3,
                                  IsOpenEnrollmentStatus(enrollment.status()));
                  return 4;
                }),
      "the patient already has an open enrollment in the program",
      kReasonEnrollmentAlreadyOpen,
      "enrollment.patient_id names no stored patient");
}

// --- Contracts ---

absl::StatusOr<std::optional<Contract>> SqliteTxn::GetContract(
    const std::string& id) {
  return GetOneRow<Contract>(connection_, kSelectContractById, id,
                             ReadContract);
}

absl::StatusOr<std::optional<Contract>> SqliteTxn::GetActiveContract(
    const std::string& patient_id) {
  return GetOneRow<Contract>(connection_, kSelectActiveContract, patient_id,
                             ReadContract);
}

absl::StatusOr<std::vector<Contract>> SqliteTxn::ListContracts(
    const ContractQuery& q) {
  SqlQuery query(kListContracts);
  query.args.emplace_back(q.after_id);
  if (!AddScope(q.scope, kPatientRow, query)) return std::vector<Contract>();
  if (!q.patient_id.empty()) query.Add(kContractPatientIs, q.patient_id);
  if (!q.doctor_id.empty()) query.Add(kContractDoctorIs, q.doctor_id);
  if (!q.area_code_prefix.empty()) {
    AddAreaPrefix(q.area_code_prefix, kPatientRow, query);
  }
  if (q.status != rehab::v1::CONTRACT_STATUS_UNSPECIFIED) {
    query.Add(kContractStatusIs, static_cast<int64_t>(q.status));
  }
  if (!q.end_date_until.empty()) {
    query.Add(kContractEndUntil, q.end_date_until);
  }
  return ListRows<Contract>(connection_, query, kOrderContracts, q.limit,
                            ReadContract);
}

absl::Status SqliteTxn::PutContract(Contract& contract) {
  ASSIGN_OR_RETURN(const std::optional<Placement> before,
                   PlacementOf(contract.patient_id()));
  if (!before.has_value()) {
    return InvalidArgumentError("contract.patient_id",
                                "names no stored patient");
  }
  {
    ASSIGN_OR_RETURN(Statement select,
                     connection_->GetCachedStatement(kSelectContractPatient));
    select.BindText(0, contract.id());
    ASSIGN_OR_RETURN(bool stored, select.Step());
    // The contract decides whose scope the patient is in: moving it to
    // another patient would leave the first one's devices unaware.
    if (stored && select.ColumnTextView(0) != contract.patient_id()) {
      return InvalidArgumentError("contract.patient_id",
                                  "a stored contract's patient cannot change");
    }
  }
  const auto already_active = [] {
    return ErrorWithReason(absl::StatusCode::kFailedPrecondition,
                           "the patient already has an ACTIVE contract",
                           kReasonContractAlreadyActive);
  };
  if (contract.status() == rehab::v1::CONTRACT_STATUS_ACTIVE &&
      !before->contract_id.empty() && before->contract_id != contract.id()) {
    return already_active();
  }

  // Whether the ACTIVE contract changes hands is known once the row is
  // written; the move that may follow writes more than the row, and a
  // failure keeps none of it.
  Savepoint savepoint(connection_);
  RETURN_IF_ERROR(savepoint.Begin());
  const int64_t given_seq = contract.change_seq();
  std::unique_ptr<Fulfilment> fulfilment(contract.release_fulfilment());
  absl::Status status =
      PutRecord(kUpsertContract, kContracts, contract, contract.patient_id(),
                [&](Statement& upsert) {
                  upsert.BindText(kCommonColumns + 0, contract.patient_id());
                  upsert.BindText(kCommonColumns + 1, contract.doctor_id());
                  upsert.BindTextOrNull(kCommonColumns + 2, contract.team());
                  upsert.BindInt64(kCommonColumns + 3, contract.status());
                  upsert.BindText(kCommonColumns + 4, contract.start_date());
                  upsert.BindText(kCommonColumns + 5, contract.end_date());
                  return 6;
                });
  contract.set_allocated_fulfilment(fulfilment.release());
  if (status.ok()) {
    absl::StatusOr<std::optional<Placement>> after =
        PlacementOf(contract.patient_id());
    if (!after.ok()) {
      status = after.status();
    } else if (after->has_value() &&
               ((*after)->doctor_id != before->doctor_id ||
                (*after)->team != before->team)) {
      status = MoveWithPatient(contract.patient_id(), *before, kContracts,
                               contract.id());
    }
  }
  if (status.ok()) status = savepoint.Release();
  if (status.ok()) return status;
  contract.set_change_seq(given_seq);
  if (absl::IsAlreadyExists(status)) return already_active();
  return status;
}

// --- Visits ---

absl::StatusOr<std::optional<Visit>> SqliteTxn::GetVisit(
    const std::string& id) {
  return GetOneRow<Visit>(connection_, kSelectVisitById, id, ReadVisit);
}

absl::StatusOr<std::vector<Visit>> SqliteTxn::ListVisits(const VisitQuery& q) {
  SqlQuery query(kListVisits);
  if (!AddScope(q.scope, kPatientRow, query)) return std::vector<Visit>();
  if (!q.after_id.empty()) {
    query.Add(kVisitAfter, rehab::ToUnixMicros(q.after_start_time), q.after_id);
  }
  if (!q.patient_id.empty()) query.Add(kVisitPatientIs, q.patient_id);
  if (!q.contract_id.empty()) query.Add(kVisitContractIs, q.contract_id);
  if (!q.doctor_id.empty()) query.Add(kVisitDoctorIs, q.doctor_id);
  if (q.start_from.has_value()) {
    query.Add(kVisitStartAtLeast, rehab::ToUnixMicros(*q.start_from));
  }
  if (q.start_before.has_value()) {
    query.Add(kVisitStartBefore, rehab::ToUnixMicros(*q.start_before));
  }
  if (!q.include_superseded) query.Add(kVisitCounts);
  return ListRows<Visit>(connection_, query, kOrderVisits, q.limit, ReadVisit);
}

absl::Status SqliteTxn::RecountDelivered(const std::string& contract_id) {
  ASSIGN_OR_RETURN(Statement update,
                   connection_->GetCachedStatement(kRecountDelivered));
  update.BindText(0, contract_id);
  return update.Run();
}

absl::Status SqliteTxn::PutVisit(Visit& visit) {
  {
    ASSIGN_OR_RETURN(Statement select,
                     connection_->GetCachedStatement(kSelectContractPatient));
    select.BindText(0, visit.contract_id());
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) {
      return InvalidArgumentError("visit.contract_id",
                                  "names no stored contract");
    }
    // The feed and every scope place the visit by its patient.
    if (select.ColumnTextView(0) != visit.patient_id()) {
      return InvalidArgumentError("visit.patient_id",
                                  "is not the contract's patient");
    }
  }
  ASSIGN_OR_RETURN(const bool exists,
                   RowExists(connection_, kSelectVisitExists, visit.id()));
  if (exists) {
    return ErrorWithReason(absl::StatusCode::kAlreadyExists,
                           absl::StrCat("visit ", visit.id(), " exists"),
                           kReasonAlreadyExists);
  }
  // The visits this one supersedes, checked before anything is written.
  struct Target {
    const char* field;
    const std::string* id;
  };
  std::vector<Target> targets;
  if (!visit.amends_id().empty()) {
    targets.push_back({"visit.amends_id", &visit.amends_id()});
  }
  if (!visit.voids_id().empty() && visit.voids_id() != visit.amends_id()) {
    targets.push_back({"visit.voids_id", &visit.voids_id()});
  }
  std::vector<std::string> contracts = {visit.contract_id()};
  for (const Target& target : targets) {
    if (*target.id == visit.id()) {
      return InvalidArgumentError(target.field, "names the visit itself");
    }
    ASSIGN_OR_RETURN(Statement select,
                     connection_->GetCachedStatement(kSelectSupersession));
    select.BindText(0, *target.id);
    ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row)
      return InvalidArgumentError(target.field, "names no stored visit");
    if (!select.ColumnIsNull(1)) {
      return absl::FailedPreconditionError(
          absl::StrCat("visit ", *target.id, " is already superseded by visit ",
                       select.ColumnText(1)));
    }
    std::string contract_id = select.ColumnText(0);
    if (std::find(contracts.begin(), contracts.end(), contract_id) ==
        contracts.end()) {
      contracts.push_back(std::move(contract_id));
    }
  }

  // A correction writes more than the visit's row; a failure keeps none of
  // it. (A plain visit needs no savepoint: past its insert only the
  // storage itself can fail.)
  Savepoint savepoint(connection_);
  if (!targets.empty()) RETURN_IF_ERROR(savepoint.Begin());
  const int64_t given_seq = visit.change_seq();
  std::string superseded_by = std::move(*visit.mutable_superseded_by_id());
  visit.clear_superseded_by_id();
  absl::Status status = PutRecord(
      kInsertVisit, kVisits, visit, visit.patient_id(), [&](Statement& insert) {
        insert.BindText(kCommonColumns + 0, visit.contract_id());
        insert.BindText(kCommonColumns + 1, visit.patient_id());
        insert.BindText(kCommonColumns + 2, visit.doctor_id());
        insert.BindInt64(kCommonColumns + 3, Micros(visit.start_time()));
        insert.BindTextOrNull(kCommonColumns + 4, visit.amends_id());
        insert.BindTextOrNull(kCommonColumns + 5, visit.voids_id());
        return 6;
      });
  visit.set_superseded_by_id(std::move(superseded_by));
  for (const Target& target : targets) {
    if (!status.ok()) break;
    absl::StatusOr<Statement> update =
        connection_->GetCachedStatement(kSupersedeVisit);
    if (!update.ok()) {
      status = update.status();
      break;
    }
    update->BindText(0, visit.id());
    update->BindText(1, *target.id);
    status = update->Run();
    if (status.ok()) status = VoidInFeed(kVisits, *target.id);
  }
  for (const std::string& contract_id : contracts) {
    if (!status.ok()) break;
    status = RecountDelivered(contract_id);
  }
  if (status.ok() && !targets.empty()) status = savepoint.Release();
  if (!status.ok()) visit.set_change_seq(given_seq);
  return status;
}

// --- Follow-ups ---

absl::StatusOr<std::optional<FollowUp>> SqliteTxn::GetFollowUp(
    const std::string& patient_id) {
  return GetOne<FollowUp>(connection_, kSelectFollowUp, patient_id);
}

absl::StatusOr<std::vector<FollowUp>> SqliteTxn::ListFollowUps(
    const FollowUpQuery& q) {
  SqlQuery query(kListFollowUps);
  query.args.emplace_back(q.after_due_date);
  query.args.emplace_back(q.after_patient_id);
  if (!AddScope(q.scope, kPatientRow, query)) return std::vector<FollowUp>();
  if (!q.doctor_id.empty()) query.Add(kFollowUpDoctorIs, q.doctor_id);
  if (!q.area_code_prefix.empty()) {
    AddAreaPrefix(q.area_code_prefix, kPatientRow, query);
  }
  if (!q.due_until.empty()) query.Add(kFollowUpDueUntil, q.due_until);
  return ListBodies<FollowUp>(connection_, query, kOrderFollowUps, q.limit);
}

absl::Status SqliteTxn::PutFollowUp(FollowUp& follow_up) {
  if (follow_up.id() != follow_up.patient_id()) {
    return InvalidArgumentError("follow_up.id", "must be the patient's id");
  }
  // Computed on every read, as of that day.
  FollowUp computed;
  computed.set_overdue(follow_up.overdue());
  computed.set_missed_visits(follow_up.missed_visits());
  computed.set_lost_to_follow_up(follow_up.lost_to_follow_up());
  computed.set_days_overdue(follow_up.days_overdue());
  follow_up.clear_overdue();
  follow_up.clear_missed_visits();
  follow_up.clear_lost_to_follow_up();
  follow_up.clear_days_overdue();
  absl::Status status =
      PutRecord(kUpsertFollowUp, kFollowUps, follow_up, follow_up.patient_id(),
                [&](Statement& upsert) {
                  upsert.BindText(kCommonColumns + 0, follow_up.contract_id());
                  upsert.BindText(kCommonColumns + 1, follow_up.doctor_id());
                  upsert.BindTextOrNull(kCommonColumns + 2, follow_up.team());
                  upsert.BindText(kCommonColumns + 3, follow_up.due_date());
                  return 4;
                });
  follow_up.set_overdue(computed.overdue());
  follow_up.set_missed_visits(computed.missed_visits());
  follow_up.set_lost_to_follow_up(computed.lost_to_follow_up());
  follow_up.set_days_overdue(computed.days_overdue());
  if (!absl::IsFailedPrecondition(status)) return status;
  ASSIGN_OR_RETURN(
      const bool patient_stored,
      RowExists(connection_, kSelectPatientExists, follow_up.patient_id()));
  if (!patient_stored) {
    return InvalidArgumentError("follow_up.patient_id",
                                "names no stored patient");
  }
  return InvalidArgumentError("follow_up.contract_id",
                              "names no stored contract");
}

absl::Status SqliteTxn::RemoveFollowUp(const std::string& patient_id) {
  bool removed = false;
  {
    ASSIGN_OR_RETURN(Statement remove,
                     connection_->GetCachedStatement(kDeleteFollowUp));
    remove.BindText(0, patient_id);
    ASSIGN_OR_RETURN(removed, remove.Step());
  }
  if (!removed) return absl::OkStatus();
  return VoidInFeed(kFollowUps, patient_id);
}

// --- Alerts ---

absl::StatusOr<std::optional<Alert>> SqliteTxn::GetAlert(
    const std::string& id) {
  return GetOne<Alert>(connection_, kSelectAlertById, id);
}

absl::StatusOr<std::optional<Alert>> SqliteTxn::FindAlert(
    rehab::v1::AlertKind kind, const std::string& source_id,
    const std::string& finding_date) {
  ASSIGN_OR_RETURN(Statement select,
                   connection_->GetCachedStatement(kSelectAlertByFinding));
  select.BindInt64(0, kind);
  select.BindText(1, source_id);
  select.BindText(2, finding_date);
  ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<Alert>();
  Alert alert;
  RETURN_IF_ERROR(ParseBody(select.ColumnBlobView(0), alert));
  return std::optional<Alert>(std::move(alert));
}

absl::StatusOr<std::vector<Alert>> SqliteTxn::ListAlerts(const AlertQuery& q) {
  SqlQuery query(kListAlerts);
  if (!AddScope(q.scope, kPatientRow, query)) return std::vector<Alert>();
  if (!q.before_id.empty()) {
    query.Add(kAlertBefore, rehab::ToUnixMicros(q.before_create_time),
              q.before_id);
  }
  if (!q.patient_id.empty()) query.Add(kAlertPatientIs, q.patient_id);
  if (!q.doctor_id.empty()) query.Add(kAlertDoctorIs, q.doctor_id);
  if (!q.area_code_prefix.empty()) {
    AddAreaPrefix(q.area_code_prefix, kPatientRow, query);
  }
  if (q.kind != rehab::v1::ALERT_KIND_UNSPECIFIED) {
    query.Add(kAlertKindIs, static_cast<int64_t>(q.kind));
  }
  if (q.state != rehab::v1::ALERT_STATE_UNSPECIFIED) {
    query.Add(kAlertStateIs, static_cast<int64_t>(q.state));
  }
  return ListBodies<Alert>(connection_, query, kOrderAlerts, q.limit);
}

absl::Status SqliteTxn::PutAlert(Alert& alert) {
  absl::Status status = PutRecord(
      kUpsertAlert, kAlerts, alert, alert.patient_id(), [&](Statement& upsert) {
        upsert.BindText(kCommonColumns + 0, alert.patient_id());
        upsert.BindInt64(kCommonColumns + 1, alert.kind());
        upsert.BindInt64(kCommonColumns + 2, alert.state());
        upsert.BindTextOrNull(kCommonColumns + 3, alert.doctor_id());
        upsert.BindText(kCommonColumns + 4, alert.source_id());
        upsert.BindText(kCommonColumns + 5, alert.finding_date());
        return 6;
      });
  if (absl::IsAlreadyExists(status)) {
    return ErrorWithReason(
        absl::StatusCode::kAlreadyExists,
        absl::StrCat("an alert for this finding exists (", alert.source_id(),
                     ", ", alert.finding_date(), ")"),
        kReasonAlreadyExists);
  }
  if (absl::IsFailedPrecondition(status)) {
    return InvalidArgumentError("alert.patient_id", "names no stored patient");
  }
  return status;
}

// --- Audit ---

absl::Status SqliteTxn::AppendAudit(AuditEvent& event) {
  ASSIGN_OR_RETURN(Statement insert,
                   connection_->GetCachedStatement(kInsertAudit));
  insert.BindInt64(0, Micros(event.time()));
  insert.BindText(1, event.account_id());
  insert.BindText(2, event.username());
  insert.BindText(3, event.method());
  insert.BindText(4, event.patient_id());
  insert.BindText(5, event.outcome());
  insert.BindText(6, event.peer());
  insert.BindText(7, event.detail());
  RETURN_IF_ERROR(insert.Run());
  event.set_seq(connection_->last_insert_rowid());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AuditEvent>> SqliteTxn::ListAuditEvents(
    const AuditQuery& q) {
  SqlQuery query(kListAudit);
  query.args.emplace_back(
      q.before_seq > 0 ? q.before_seq : std::numeric_limits<int64_t>::max());
  if (!q.patient_id.empty()) query.Add(kAuditPatientIs, q.patient_id);
  if (!q.account_id.empty()) query.Add(kAuditAccountIs, q.account_id);
  if (q.start_time.has_value()) {
    query.Add(kAuditTimeAtLeast, rehab::ToUnixMicros(*q.start_time));
  }
  if (q.end_time.has_value()) {
    query.Add(kAuditTimeBefore, rehab::ToUnixMicros(*q.end_time));
  }
  return ListRows<AuditEvent>(connection_, query, kOrderAudit, q.limit,
                              [](const Statement& row, AuditEvent& event) {
                                event.set_seq(row.ColumnInt64(0));
                                *event.mutable_time() =
                                    ToProto(FromUnixMicros(row.ColumnInt64(1)));
                                event.set_account_id(row.ColumnText(2));
                                event.set_username(row.ColumnText(3));
                                event.set_method(row.ColumnText(4));
                                event.set_patient_id(row.ColumnText(5));
                                event.set_outcome(row.ColumnText(6));
                                event.set_peer(row.ColumnText(7));
                                event.set_detail(row.ColumnText(8));
                                return absl::OkStatus();
                              });
}

// --- Sync ---

absl::StatusOr<std::vector<FeedEntry>> SqliteTxn::ListFeed(const FeedQuery& q) {
  std::vector<FeedEntry> entries;
  if (q.limit <= 0) return entries;
  SqlQuery changes(kListFeedChanges);
  changes.args.emplace_back(q.after_seq);
  if (!AddScope(q.scope, kPatientRow, changes)) return entries;
  ASSIGN_OR_RETURN(entries,
                   ListRows<FeedEntry>(
                       connection_, changes, kOrderFeedChanges, q.limit,
                       [](const Statement& row, FeedEntry& entry) {
                         entry.change_seq = row.ColumnInt64(0);
                         entry.kind = row.ColumnInt64(1) == kChangeKindTombstone
                                          ? FeedEntry::Kind::kTombstone
                                          : FeedEntry::Kind::kUpsert;
                         entry.collection = row.ColumnText(2);
                         entry.record_id = row.ColumnText(3);
                         entry.patient_id = row.ColumnText(4);
                         return absl::OkStatus();
                       }));

  // Only a change of area, home facility or ACTIVE contract takes a patient
  // out of a scope; every patient of kAll and kPatients stays in it.
  if (q.scope.kind != PatientScope::Kind::kAreaSubtree &&
      q.scope.kind != PatientScope::Kind::kFacility &&
      q.scope.kind != PatientScope::Kind::kPractitioner) {
    return entries;
  }
  // Exits past the last change of a full page cannot make the page.
  const int64_t until = static_cast<int32_t>(entries.size()) == q.limit
                            ? entries.back().change_seq
                            : std::numeric_limits<int64_t>::max();
  SqlQuery exits(kListFeedExits);
  exits.args.emplace_back(q.after_seq);
  exits.args.emplace_back(until);
  AddScope(q.scope, kExitRow, exits);
  exits.Add(kPatientNotInScopeBegin);
  AddScope(q.scope, kPatientRow, exits);
  exits.Add(kPatientNotInScopeEnd);
  exits.Add(kNoLaterExitBegin);
  AddScope(q.scope, kLaterExitRow, exits);
  exits.Add(kNoLaterExitEnd);
  ASSIGN_OR_RETURN(
      std::vector<FeedEntry> removed,
      ListRows<FeedEntry>(connection_, exits, kOrderFeedExits, q.limit,
                          [](const Statement& row, FeedEntry& entry) {
                            entry.change_seq = row.ColumnInt64(0);
                            entry.kind = FeedEntry::Kind::kRemovedFromScope;
                            entry.collection = row.ColumnText(1);
                            entry.record_id = row.ColumnText(2);
                            entry.patient_id = row.ColumnText(3);
                            return absl::OkStatus();
                          }));
  if (removed.empty()) return entries;
  std::vector<FeedEntry> merged;
  merged.reserve(entries.size() + removed.size());
  std::merge(std::make_move_iterator(entries.begin()),
             std::make_move_iterator(entries.end()),
             std::make_move_iterator(removed.begin()),
             std::make_move_iterator(removed.end()), std::back_inserter(merged),
             [](const FeedEntry& a, const FeedEntry& b) {
               return a.change_seq < b.change_seq;
             });
  if (static_cast<int32_t>(merged.size()) > q.limit) merged.resize(q.limit);
  return merged;
}

absl::StatusOr<int64_t> SqliteTxn::LastChangeSeq() {
  ASSIGN_OR_RETURN(const int64_t next, NextChangeSeq());
  return next - 1;
}

absl::StatusOr<std::optional<AppliedMutation>> SqliteTxn::GetAppliedMutation(
    const std::string& mutation_id) {
  ASSIGN_OR_RETURN(Statement select,
                   connection_->GetCachedStatement(kSelectAppliedMutation));
  select.BindText(0, mutation_id);
  ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<AppliedMutation>();
  AppliedMutation m;
  m.mutation_id = mutation_id;
  m.account_id = select.ColumnText(0);
  m.payload_hash = select.ColumnBlob(1);
  m.collection = select.ColumnText(2);
  m.record_id = select.ColumnText(3);
  m.version = select.ColumnInt64(4);
  m.change_seq = select.ColumnInt64(5);
  m.apply_time = FromUnixMicros(select.ColumnInt64(6));
  return std::optional<AppliedMutation>(std::move(m));
}

absl::StatusOr<std::optional<std::string>> SqliteTxn::GetSecret(
    const std::string& name) {
  ASSIGN_OR_RETURN(Statement select,
                   connection_->GetCachedStatement(kSelectSecret));
  select.BindText(0, name);
  ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(select.ColumnBlob(0));
}

absl::Status SqliteTxn::Nested(
    const std::function<absl::Status(WriteTxn&)>& fn) {
  Savepoint savepoint(connection_);
  RETURN_IF_ERROR(savepoint.Begin());
  absl::Status status = fn(*this);
  if (status.ok()) return savepoint.Release();
  absl::Status rollback = savepoint.Rollback();
  if (!rollback.ok()) {
    log::Error("storage_nested_rollback_failed",
               {{"status", rollback.ToString()}});
  }
  return status;
}

absl::Status SqliteTxn::TouchFeed(const std::string& collection,
                                  const std::string& record_id) {
  return MoveInFeed(collection.c_str(), record_id, std::nullopt);
}

absl::Status SqliteTxn::VoidInFeed(const std::string& collection,
                                   const std::string& record_id) {
  return MoveInFeed(collection.c_str(), record_id, kChangeKindTombstone);
}

absl::Status SqliteTxn::PutAppliedMutation(const AppliedMutation& m) {
  ASSIGN_OR_RETURN(Statement insert,
                   connection_->GetCachedStatement(kInsertAppliedMutation));
  insert.BindText(0, m.mutation_id);
  insert.BindText(1, m.account_id);
  insert.BindBlob(2, m.payload_hash);
  insert.BindText(3, m.collection);
  insert.BindText(4, m.record_id);
  insert.BindInt64(5, m.version);
  insert.BindInt64(6, m.change_seq);
  insert.BindInt64(7, rehab::ToUnixMicros(m.apply_time));
  absl::Status status = insert.Run();
  if (absl::IsAlreadyExists(status)) {
    return ErrorWithReason(absl::StatusCode::kAlreadyExists,
                           "the mutation id is stored", kReasonAlreadyExists);
  }
  return status;
}

absl::StatusOr<int64_t> SqliteTxn::PruneAppliedMutations(absl::Time before,
                                                         int32_t limit) {
  if (limit <= 0) return 0;
  ASSIGN_OR_RETURN(Statement prune,
                   connection_->GetCachedStatement(kPruneAppliedMutations));
  prune.BindInt64(0, rehab::ToUnixMicros(before));
  prune.BindInt64(1, limit);
  int64_t deleted = 0;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, prune.Step());
    if (!row) break;
    ++deleted;
  }
  return deleted;
}

absl::StatusOr<std::string> SqliteTxn::PutSecretIfAbsent(
    const std::string& name, const std::string& value) {
  {
    ASSIGN_OR_RETURN(Statement insert,
                     connection_->GetCachedStatement(kInsertSecretIfAbsent));
    insert.BindText(0, name);
    insert.BindBlob(1, value);
    RETURN_IF_ERROR(insert.Run());
  }
  ASSIGN_OR_RETURN(std::optional<std::string> stored, GetSecret(name));
  if (!stored.has_value()) {
    return absl::InternalError("storage error: a secret was not stored");
  }
  return *std::move(stored);
}

}  // namespace rehab::storage
