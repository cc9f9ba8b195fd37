// doctor_app: the phone of a family doctor (or of rehab staff), as a
// command-line program: log in once, sync, see one's patients from the
// local cache, keep working without a network (every write is queued in
// the outbox), and sync again when the network is back.
//
//   export REHAB_PASSWORD=...
//   doctor_app --server 127.0.0.1:50051 --db phone.db
//              --username station.staff login
//   doctor_app --db phone.db sync
//   doctor_app --db phone.db patients --name Wang
//   doctor_app --db phone.db add-patient --name "Li Ming"
//              --id-number 320831198001010011 --area AREA_ID  (offline)
//   doctor_app --db phone.db enroll PATIENT_ID --program precision_rehab
//   doctor_app --db phone.db status
//   doctor_app --db phone.db sync
//   doctor_app --db phone.db parked
//
// A family doctor's round, offline between two syncs:
//   doctor_app --db phone.db due --within 7
//   doctor_app --db phone.db visit --patient PATIENT_ID --mode home
//              --informant family --start "2026-03-02 09:00"
//              --end "2026-03-02 09:40" --risk 1 --class basically-stable
//              --adherence regular --symptom suspicion
//              --drug risperidone:2/0/2
//   doctor_app --db phone.db visits --patient PATIENT_ID
//   doctor_app --db phone.db sync     (the server works out the next due)
//   doctor_app --db phone.db due
//
// The session (the access and refresh tokens) is kept beside the database
// in DB.session, readable by its owner only, so that each command of a
// later run acts for the same login. The program is role-agnostic: it
// shows whatever the account's scope holds.
//
// Exit status: 0 done, 1 not found, 2 usage error, 3 not logged in (or the
// session was refused), 4 the server cannot be reached, 5 any other
// failure.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "rehab/client.h"

namespace {

namespace v1 = ::rehab::v1;
using ::rehab::client::Client;

constexpr int kExitOk = 0;
constexpr int kExitNotFound = 1;
constexpr int kExitUsage = 2;
constexpr int kExitLogin = 3;
constexpr int kExitOffline = 4;
constexpr int kExitFailed = 5;

constexpr char kUsage[] =
    "usage: doctor_app [--server HOST:PORT] [--db FILE] [--username NAME]\n"
    "                  [--password PASSWORD] COMMAND [ARGS]\n"
    "\n"
    "  --server    rehabd's address (default 127.0.0.1:50051)\n"
    "  --db        the phone's local database (default doctor_app.db); the\n"
    "              session is kept beside it in FILE.session (mode 0600)\n"
    "  --username  also REHAB_USERNAME\n"
    "  --password  also REHAB_PASSWORD (better: no password on the command "
    "line)\n"
    "\n"
    "commands:\n"
    "  login                      log in and keep the session\n"
    "  logout                     end the session (the local data stays)\n"
    "  sync                       send what was queued, fetch what changed\n"
    "  status                     queued and parked writes, the session\n"
    "  patients [--name PREFIX] [--area AREA_ID] [--limit N] [--offset N]\n"
    "                             patients in the local cache\n"
    "  patient ID                 one cached patient and their enrollments\n"
    "  add-patient --name NAME --id-number NUMBER --area AREA_ID\n"
    "              [--facility FACILITY_ID] [--card CARD] [--phone PHONE]\n"
    "              [--address TEXT]\n"
    "                             queue a new patient (works offline)\n"
    "  edit-patient ID [--name NAME] [--phone PHONE] [--address TEXT]\n"
    "                             queue an edit of a cached patient\n"
    "  enroll PATIENT_ID --program PROGRAM [--start YYYY-MM-DD]\n"
    "                             queue an enrollment (PROGRAM e.g.\n"
    "                             precision_rehab, child_rehab)\n"
    "  due [--within N]           follow-ups overdue or due within N days\n"
    "                             (default 14), most urgent first\n"
    "  visit --patient ID [--contract ID] --mode home|clinic|phone\n"
    "        --informant patient|family|other --start TIME --end TIME\n"
    "        [--risk 0-5] [--class unstable|basically-stable|stable]\n"
    "        [--adherence regular|intermittent|not-taking|not-needed]\n"
    "        [--insight complete|partial|absent] [--sleep good|fair|poor]\n"
    "        [--appetite good|fair|poor] [--social good|fair|poor]\n"
    "        [--symptom NAME]... [--drug NAME:MORNING/NOON/EVENING]...\n"
    "        [--next YYYY-MM-DD] [--notes TEXT] [--amends VISIT_ID]\n"
    "                             queue a follow-up visit (works offline);\n"
    "                             TIME is \"YYYY-MM-DD HH:MM\", county "
    "time;\n"
    "                             the contract is the patient's active one\n"
    "                             on this phone unless given; symptoms e.g.\n"
    "                             hallucinations, suspicion, mood-swings;\n"
    "                             drug doses in mg\n"
    "  visits --patient ID        the patient's visits on this phone\n"
    "  contracts                  the contracts on this phone\n"
    "  alerts                     the alerts on this phone\n"
    "  parked                     writes the server refused or that "
    "conflicted\n"
    "  discard MUTATION_ID        forget a parked write\n"
    "  wipe                       erase the local data, queued writes "
    "included\n";

// --- Command line ------------------------------------------------------------

// A command's own arguments: positionals and --flag values.
struct Arguments {
  std::vector<std::string> positional;
  // Every value of each flag given, in order (some flags repeat).
  std::map<std::string, std::vector<std::string>> flags;

  // The last value given; "" when none.
  std::string Flag(const std::string& name) const {
    auto it = flags.find(name);
    return it == flags.end() ? "" : it->second.back();
  }
  std::vector<std::string> Flags(const std::string& name) const {
    auto it = flags.find(name);
    return it == flags.end() ? std::vector<std::string>() : it->second;
  }
  bool Has(const std::string& name) const { return flags.count(name) > 0; }
};

// Splits `args` into positionals and "--name value" / "--name=value"
// flags; nullopt (after a message) for a flag not in `known` or one
// without a value.
std::optional<Arguments> ParseArguments(const std::vector<std::string>& args,
                                        const std::set<std::string>& known) {
  Arguments out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!absl::StartsWith(arg, "--")) {
      out.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    const size_t equals = name.find('=');
    if (equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      std::cerr << "doctor_app: --" << name << " needs a value\n";
      return std::nullopt;
    }
    if (known.count(name) == 0) {
      std::cerr << "doctor_app: unknown flag --" << name << "\n";
      return std::nullopt;
    }
    out.flags[name].push_back(value);
  }
  return out;
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

// --- Output
// --------------------------------------------------------------------

void PrintError(const std::string& what, const absl::Status& status) {
  std::cerr << "doctor_app: " << what << ": "
            << absl::StatusCodeToString(status.code()) << ": "
            << status.message();
  const std::string reason = rehab::client::ErrorReason(status);
  if (!reason.empty()) std::cerr << " (" << reason << ")";
  std::cerr << "\n";
  for (const rehab::client::FieldViolation& v :
       rehab::client::FieldViolationsOf(status)) {
    std::cerr << "  " << v.field << ": " << v.description << "\n";
  }
}

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kNotFound:
      return kExitNotFound;
    case absl::StatusCode::kUnauthenticated:
      return kExitLogin;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kExitOffline;
    default:
      return kExitFailed;
  }
}

// Reports a failure and gives the exit status; the hint says what the user
// can do about the common ones.
int Fail(const std::string& what, const absl::Status& status) {
  PrintError(what, status);
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    std::cerr << "  log in again: doctor_app login\n";
  } else if (ExitCodeFor(status) == kExitOffline) {
    std::cerr << "  the server cannot be reached; queued writes are kept "
                 "until the next sync\n";
  }
  return ExitCodeFor(status);
}

std::string TimeText(absl::Time t) {
  if (t == absl::InfinitePast()) return "never";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", t, absl::LocalTimeZone());
}

void PrintPatientLine(const v1::Patient& p) {
  // Version 0: written here and not yet accepted by the server.
  std::cout << p.id() << "  " << p.name() << "  " << p.id_number() << "  "
            << (p.version() > 0 ? absl::StrCat("v", p.version())
                                : std::string("queued"))
            << "\n";
}

std::string Describe(const v1::Mutation& mutation) {
  switch (mutation.record_case()) {
    case v1::Mutation::kPatient:
      return absl::StrCat("patient ", mutation.patient().id(), " (",
                          mutation.patient().name(), ")");
    case v1::Mutation::kEnrollment:
      return absl::StrCat("enrollment ", mutation.enrollment().id(),
                          " of patient ", mutation.enrollment().patient_id());
    case v1::Mutation::kContract:
      return absl::StrCat("contract ", mutation.contract().id(), " of patient ",
                          mutation.contract().patient_id());
    case v1::Mutation::kVisit:
      return absl::StrCat("visit ", mutation.visit().id(), " of patient ",
                          mutation.visit().patient_id());
    default:
      return "a record";
  }
}

// --- The session file
// ----------------------------------------------------------

std::string SessionPath(const std::string& db) {
  return absl::StrCat(db, ".session");
}

// Two lines: the access token and the refresh token. An absent file is an
// empty session.
absl::StatusOr<rehab::client::Session> LoadSession(const std::string& path) {
  rehab::client::Session session;
  if (access(path.c_str(), F_OK) != 0 && errno == ENOENT) return session;
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read ", path));
  }
  std::getline(in, session.access_token);
  std::getline(in, session.refresh_token);
  return session;
}

// Replaces the file as a whole (a temporary file renamed over it), created
// with mode 0600 before the tokens are written, so that no one else can
// read them even for a moment.
absl::Status SaveSession(const std::string& path,
                         const rehab::client::Session& session) {
  const std::string temp = absl::StrCat(path, ".tmp");
  unlink(temp.c_str());
  const int fd =
      open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", temp, ": ", std::strerror(errno)));
  }
  const std::string text =
      absl::StrCat(session.access_token, "\n", session.refresh_token, "\n");
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const bool ok = written == text.size() && fsync(fd) == 0;
  if (close(fd) != 0 || !ok || rename(temp.c_str(), path.c_str()) != 0) {
    const std::string error = std::strerror(errno);
    unlink(temp.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write ", path, ": ", error));
  }
  return absl::OkStatus();
}

absl::Status RemoveSession(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot remove ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// --- Commands
// --------------------------------------------------------------------

struct App {
  Client& client;
  std::string username;
  std::string password;
};

// Logs in with the username and password given; usage error without them.
int Login(App& app) {
  if (app.username.empty() || app.password.empty()) {
    std::cerr << "doctor_app: login needs --username and a password "
                 "(REHAB_PASSWORD or --password)\n";
    return kExitUsage;
  }
  absl::StatusOr<v1::LoginResponse> login =
      app.client.Login(app.username, app.password);
  if (!login.ok()) return Fail("login failed", login.status());
  std::cout << "logged in as " << login->account().username() << " ("
            << v1::Role_Name(login->account().role()) << ")\n";
  return kExitOk;
}

int Logout(App& app) {
  absl::Status status = app.client.Logout();
  if (!status.ok()) PrintError("the server was not told", status);
  std::cout << "logged out (the local data stays; `doctor_app wipe` erases "
               "it)\n";
  return kExitOk;
}

int Sync(App& app) {
  // A first sync on a new phone may log in on the way.
  if (!app.client.session().logged_in()) {
    if (app.username.empty() || app.password.empty()) {
      std::cerr << "doctor_app: not logged in: doctor_app login\n";
      return kExitLogin;
    }
    if (int code = Login(app); code != kExitOk) return code;
  }
  absl::StatusOr<rehab::client::SyncReport> report = app.client.Sync();
  if (!report.ok()) return Fail("sync failed", report.status());
  std::cout << "sent " << report->pushed << " (" << report->duplicates
            << " already there), parked " << report->conflicts
            << " conflicts and " << report->rejected << " refused, received "
            << report->pulled << " changes"
            << (report->caught_up ? ", up to date" : "") << "\n";
  if (report->resynced) {
    std::cout << "the server asked for a full resync; the cache was "
                 "rebuilt\n";
  }
  if (report->conflicts + report->rejected > 0) {
    std::cout << "see them with: doctor_app parked\n";
  }
  if (report->clock_skew_flagged) {
    std::cout << "warning: this device's clock is off by "
              << absl::FormatDuration(report->clock_skew)
              << "; set the right time\n";
  }
  return kExitOk;
}

int Status(App& app) {
  absl::StatusOr<int64_t> pending = app.client.PendingCount();
  if (!pending.ok()) return Fail("cannot read the outbox", pending.status());
  absl::StatusOr<std::vector<rehab::client::ParkedMutation>> parked =
      app.client.ListParked();
  if (!parked.ok()) return Fail("cannot read the outbox", parked.status());
  const rehab::client::SyncStatus status = app.client.sync_status();
  std::cout << "session: "
            << (app.client.session().logged_in() ? "logged in"
                                                 : "not logged in")
            << "\nqueued: " << *pending << "\nparked: " << parked->size()
            << "\nlast sync in this run: " << TimeText(status.last_success)
            << "\n";
  return kExitOk;
}

int Patients(App& app, const Arguments& args) {
  rehab::client::LocalPatientQuery query;
  query.name_prefix = args.Flag("name");
  query.area_id = args.Flag("area");
  for (const auto& [flag, field] :
       {std::pair<const char*, int32_t*>{"limit", &query.limit},
        std::pair<const char*, int32_t*>{"offset", &query.offset}}) {
    const std::string value = args.Flag(flag);
    if (!value.empty() && !absl::SimpleAtoi(value, field)) {
      std::cerr << "doctor_app: --" << flag << " must be a number\n";
      return kExitUsage;
    }
  }
  absl::StatusOr<std::vector<v1::Patient>> patients =
      app.client.ListLocalPatients(query);
  if (!patients.ok()) return Fail("cannot list patients", patients.status());
  for (const v1::Patient& p : *patients) PrintPatientLine(p);
  std::cout << patients->size() << " patients\n";
  return kExitOk;
}

int ShowPatient(App& app, const std::string& id) {
  absl::StatusOr<std::optional<v1::Patient>> patient =
      app.client.GetLocalPatient(id);
  if (!patient.ok()) return Fail("cannot read the patient", patient.status());
  if (!patient->has_value()) {
    std::cerr << "doctor_app: no patient " << id << " on this phone\n";
    return kExitNotFound;
  }
  const v1::Patient& p = **patient;
  PrintPatientLine(p);
  std::cout << "  card " << p.disability_card_number() << ", "
            << v1::DisabilityCategory_Name(p.disability_category()) << " grade "
            << p.disability_grade() << ", born " << p.birth_date()
            << "\n  area " << p.area_id() << ", facility " << p.facility_id()
            << "\n  phone " << p.phone() << ", address " << p.address() << "\n";
  absl::StatusOr<std::vector<v1::Enrollment>> enrollments =
      app.client.ListLocalEnrollments(id);
  if (!enrollments.ok()) {
    return Fail("cannot list enrollments", enrollments.status());
  }
  for (const v1::Enrollment& e : *enrollments) {
    std::cout << "  enrollment " << e.id() << "  "
              << v1::Program_Name(e.program()) << " since " << e.start_date()
              << "  " << v1::EnrollmentStatus_Name(e.status()) << "\n";
  }
  return kExitOk;
}

int AddPatient(App& app, const Arguments& args) {
  v1::Patient patient;
  patient.set_name(args.Flag("name"));
  patient.set_id_number(args.Flag("id-number"));
  patient.set_area_id(args.Flag("area"));
  if (patient.name().empty() || patient.id_number().empty() ||
      patient.area_id().empty()) {
    std::cerr << "doctor_app: add-patient needs --name, --id-number and "
                 "--area\n";
    return kExitUsage;
  }
  patient.set_facility_id(args.Flag("facility"));
  patient.set_disability_card_number(args.Flag("card"));
  patient.set_phone(args.Flag("phone"));
  patient.set_address(args.Flag("address"));
  // The id follows from the ID number, so that adding the same person on
  // two phones makes one patient.
  patient.set_id(rehab::client::PatientIdForIdNumber(patient.id_number()));
  absl::StatusOr<std::string> id = app.client.Create(std::move(patient));
  if (!id.ok()) return Fail("cannot queue the patient", id.status());
  std::cout << "queued patient " << *id << " (sent by the next sync)\n";
  return kExitOk;
}

int EditPatient(App& app, const Arguments& args) {
  const std::string& id = args.positional[0];
  absl::StatusOr<std::optional<v1::Patient>> cached =
      app.client.GetLocalPatient(id);
  if (!cached.ok()) return Fail("cannot read the patient", cached.status());
  if (!cached->has_value()) {
    std::cerr << "doctor_app: no patient " << id << " on this phone\n";
    return kExitNotFound;
  }
  v1::Patient patient = **cached;
  bool changed = false;
  if (const std::string name = args.Flag("name"); !name.empty()) {
    patient.set_name(name);
    changed = true;
  }
  if (const std::string phone = args.Flag("phone"); !phone.empty()) {
    patient.set_phone(phone);
    changed = true;
  }
  if (const std::string address = args.Flag("address"); !address.empty()) {
    patient.set_address(address);
    changed = true;
  }
  if (!changed) {
    std::cerr << "doctor_app: edit-patient needs --name, --phone or "
                 "--address\n";
    return kExitUsage;
  }
  const int64_t from = patient.version();
  absl::StatusOr<std::string> queued = app.client.Update(std::move(patient));
  if (!queued.ok()) return Fail("cannot queue the edit", queued.status());
  std::cout << "queued an edit of patient " << *queued << " (from version "
            << from << ")\n";
  return kExitOk;
}

int Enroll(App& app, const Arguments& args) {
  std::string program = absl::AsciiStrToUpper(args.Flag("program"));
  if (!absl::StartsWith(program, "PROGRAM_")) program = "PROGRAM_" + program;
  v1::Program parsed = v1::PROGRAM_UNSPECIFIED;
  if (!v1::Program_Parse(program, &parsed) ||
      parsed == v1::PROGRAM_UNSPECIFIED) {
    std::cerr << "doctor_app: enroll needs --program, one of:";
    for (int p = v1::Program_MIN + 1; p <= v1::Program_MAX; ++p) {
      if (v1::Program_IsValid(p)) {
        std::cerr << " "
                  << absl::AsciiStrToLower(v1::Program_Name(p).substr(8));
      }
    }
    std::cerr << "\n";
    return kExitUsage;
  }
  v1::Enrollment enrollment;
  enrollment.set_patient_id(args.positional[0]);
  enrollment.set_program(parsed);
  std::string start = args.Flag("start");
  if (start.empty()) {
    start = absl::FormatTime("%Y-%m-%d", absl::Now(), absl::LocalTimeZone());
  }
  enrollment.set_start_date(start);
  absl::StatusOr<std::string> id = app.client.Create(std::move(enrollment));
  if (!id.ok()) return Fail("cannot queue the enrollment", id.status());
  std::cout << "queued enrollment " << *id << " (sent by the next sync)\n";
  return kExitOk;
}

// --- Follow-ups, visits, contracts, alerts -----------------------------------

// The prefix every value of `e` carries: its UNSPECIFIED value's name
// without "UNSPECIFIED" ("VISIT_CLASS_").
std::string EnumPrefix(const google::protobuf::EnumDescriptor* e) {
  std::string zero = e->FindValueByNumber(0)->name();
  return zero.substr(0, zero.size() - std::string("UNSPECIFIED").size());
}

// A value's name as the command line spells it: VISIT_CLASS_BASICALLY_STABLE
// is "basically-stable".
std::string EnumWord(const google::protobuf::EnumDescriptor* e, int number) {
  const google::protobuf::EnumValueDescriptor* value =
      e->FindValueByNumber(number);
  if (value == nullptr || number == 0) return "-";
  return absl::StrReplaceAll(
      absl::AsciiStrToLower(value->name().substr(EnumPrefix(e).size())),
      {{"_", "-"}});
}

// The value of `e` that `word` spells (see EnumWord); nullopt, after a
// message listing the choices, when none.
std::optional<int> ParseEnumWord(const google::protobuf::EnumDescriptor* e,
                                 const std::string& flag,
                                 const std::string& word) {
  const std::string name =
      EnumPrefix(e) +
      absl::StrReplaceAll(absl::AsciiStrToUpper(word), {{"-", "_"}});
  const google::protobuf::EnumValueDescriptor* value = e->FindValueByName(name);
  if (value != nullptr && value->number() != 0) return value->number();
  std::cerr << "doctor_app: --" << flag << " is one of:";
  for (int i = 0; i < e->value_count(); ++i) {
    if (e->value(i)->number() != 0) {
      std::cerr << " " << EnumWord(e, e->value(i)->number());
    }
  }
  std::cerr << "\n";
  return std::nullopt;
}

// "YYYY-MM-DD HH:MM" (or with a T) in the county's time zone, or RFC 3339.
std::optional<absl::Time> ParseTimeFlag(const std::string& text,
                                        absl::TimeZone county) {
  absl::Time t;
  std::string error;
  for (const char* format :
       {"%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"}) {
    if (absl::ParseTime(format, text, county, &t, &error)) return t;
  }
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &error)) return t;
  return std::nullopt;
}

// NAME:MORNING/NOON/EVENING, doses in mg.
std::optional<v1::DrugDose> ParseDrug(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  const std::vector<std::string> doses =
      absl::StrSplit(text.substr(colon + 1), '/');
  if (doses.size() != 3) return std::nullopt;
  v1::DrugDose drug;
  drug.set_drug_name(text.substr(0, colon));
  double mg[3];
  for (int i = 0; i < 3; ++i) {
    if (!absl::SimpleAtod(doses[i], &mg[i])) return std::nullopt;
  }
  drug.set_morning_mg(mg[0]);
  drug.set_noon_mg(mg[1]);
  drug.set_evening_mg(mg[2]);
  return drug;
}

std::string PatientName(App& app, const std::string& patient_id) {
  absl::StatusOr<std::optional<v1::Patient>> patient =
      app.client.GetLocalPatient(patient_id);
  if (!patient.ok() || !patient->has_value()) return "(name not on phone)";
  return (**patient).name();
}

std::string VersionText(int64_t version) {
  return version > 0 ? absl::StrCat("v", version) : std::string("queued");
}

int Due(App& app, const Arguments& args) {
  rehab::client::LocalFollowUpQuery query;
  if (const std::string within = args.Flag("within");
      !within.empty() && (!absl::SimpleAtoi(within, &query.within_days) ||
                          query.within_days < 0)) {
    std::cerr << "doctor_app: --within must be a number of days\n";
    return kExitUsage;
  }
  query.limit = 1000;
  absl::StatusOr<std::vector<v1::FollowUp>> due =
      app.client.ListLocalDueFollowUps(query);
  if (!due.ok()) return Fail("cannot list follow-ups", due.status());
  for (const v1::FollowUp& f : *due) {
    std::cout << f.due_date() << "  " << f.patient_id() << "  "
              << PatientName(app, f.patient_id()) << "  ";
    if (f.overdue()) {
      std::cout << "overdue " << f.days_overdue() << " days";
    } else {
      std::cout << "due";
    }
    std::cout << "  " << EnumWord(v1::FollowUpReason_descriptor(), f.reason());
    if (f.lost_to_follow_up()) {
      std::cout << "  LOST TO FOLLOW-UP (" << f.missed_visits() << " missed)";
    }
    std::cout << "\n";
  }
  std::cout << due->size() << " due\n";
  return kExitOk;
}

// Reads the psychiatric form's flags into `visit`; false (after a message)
// for a value that does not parse.
bool ReadForm(const Arguments& args, v1::Visit& visit) {
  if (args.Has("risk")) {
    int risk = -1;
    if (!absl::SimpleAtoi(args.Flag("risk"), &risk) || risk < 0 || risk > 5) {
      std::cerr << "doctor_app: --risk is a level from 0 to 5\n";
      return false;
    }
    visit.set_risk_level(risk);
  }
  struct EnumFlag {
    const char* flag;
    const google::protobuf::EnumDescriptor* type;
    std::function<void(int)> set;
  };
  const EnumFlag enums[] = {
      {"class", v1::VisitClass_descriptor(),
       [&](int v) { visit.set_visit_class(static_cast<v1::VisitClass>(v)); }},
      {"adherence", v1::MedicationAdherence_descriptor(),
       [&](int v) {
         visit.set_adherence(static_cast<v1::MedicationAdherence>(v));
       }},
      {"insight", v1::Insight_descriptor(),
       [&](int v) { visit.set_insight(static_cast<v1::Insight>(v)); }},
      {"sleep", v1::Rating_descriptor(),
       [&](int v) { visit.set_sleep(static_cast<v1::Rating>(v)); }},
      {"appetite", v1::Rating_descriptor(),
       [&](int v) { visit.set_appetite(static_cast<v1::Rating>(v)); }},
      {"social", v1::Rating_descriptor(),
       [&](int v) { visit.set_social_function(static_cast<v1::Rating>(v)); }},
  };
  for (const EnumFlag& e : enums) {
    if (!args.Has(e.flag)) continue;
    std::optional<int> value = ParseEnumWord(e.type, e.flag, args.Flag(e.flag));
    if (!value.has_value()) return false;
    e.set(*value);
  }
  for (const std::string& word : args.Flags("symptom")) {
    std::optional<int> symptom =
        ParseEnumWord(v1::Symptom_descriptor(), "symptom", word);
    if (!symptom.has_value()) return false;
    visit.add_symptoms(static_cast<v1::Symptom>(*symptom));
  }
  for (const std::string& text : args.Flags("drug")) {
    std::optional<v1::DrugDose> drug = ParseDrug(text);
    if (!drug.has_value()) {
      std::cerr << "doctor_app: --drug is NAME:MORNING/NOON/EVENING in mg, "
                   "e.g. risperidone:2/0/2\n";
      return false;
    }
    *visit.add_drugs() = *drug;
  }
  if (args.Has("next")) {
    absl::CivilDay next;
    if (!absl::ParseCivilTime(args.Flag("next"), &next)) {
      std::cerr << "doctor_app: --next is a date, YYYY-MM-DD\n";
      return false;
    }
    visit.set_next_visit_date(args.Flag("next"));
  }
  return true;
}

int RecordVisit(App& app, const Arguments& args) {
  v1::Visit visit;
  visit.set_patient_id(args.Flag("patient"));
  visit.set_contract_id(args.Flag("contract"));
  if (visit.patient_id().empty() && visit.contract_id().empty()) {
    std::cerr << "doctor_app: visit needs --patient (or --contract)\n";
    return kExitUsage;
  }
  for (const char* required : {"mode", "informant", "start", "end"}) {
    if (!args.Has(required)) {
      std::cerr << "doctor_app: visit needs --" << required << "\n";
      return kExitUsage;
    }
  }
  std::optional<int> mode =
      ParseEnumWord(v1::VisitMode_descriptor(), "mode", args.Flag("mode"));
  if (!mode.has_value()) return kExitUsage;
  visit.set_mode(static_cast<v1::VisitMode>(*mode));
  std::optional<int> informant = ParseEnumWord(
      v1::Informant_descriptor(), "informant", args.Flag("informant"));
  if (!informant.has_value()) return kExitUsage;
  visit.set_informant(static_cast<v1::Informant>(*informant));
  absl::TimeZone county;
  if (!absl::LoadTimeZone(app.client.options().time_zone, &county)) {
    return Fail("cannot read the county's time zone",
                absl::FailedPreconditionError(app.client.options().time_zone));
  }
  for (const auto& [flag, field] :
       {std::pair<const char*, google::protobuf::Timestamp*>{
            "start", visit.mutable_start_time()},
        std::pair<const char*, google::protobuf::Timestamp*>{
            "end", visit.mutable_end_time()}}) {
    std::optional<absl::Time> t = ParseTimeFlag(args.Flag(flag), county);
    if (!t.has_value()) {
      std::cerr << "doctor_app: --" << flag
                << " is \"YYYY-MM-DD HH:MM\" (county time)\n";
      return kExitUsage;
    }
    field->set_seconds(absl::ToUnixSeconds(*t));
  }
  if (!ReadForm(args, visit)) return kExitUsage;
  visit.set_notes(args.Flag("notes"));
  visit.set_amends_id(args.Flag("amends"));
  const std::string patient_id = visit.patient_id();
  absl::StatusOr<std::string> id = app.client.Create(std::move(visit));
  if (!id.ok()) return Fail("cannot queue the visit", id.status());
  std::cout << "queued visit " << *id << " of patient " << patient_id
            << " (sent by the next sync)\n";
  return kExitOk;
}

int Visits(App& app, const Arguments& args) {
  const std::string patient_id = args.Flag("patient");
  if (patient_id.empty()) {
    std::cerr << "doctor_app: visits needs --patient\n";
    return kExitUsage;
  }
  absl::StatusOr<std::vector<v1::Visit>> visits =
      app.client.ListLocalVisits(patient_id);
  if (!visits.ok()) return Fail("cannot list visits", visits.status());
  absl::TimeZone county;
  absl::LoadTimeZone(app.client.options().time_zone, &county);
  for (const v1::Visit& v : *visits) {
    std::cout << v.id() << "  "
              << absl::FormatTime(
                     "%Y-%m-%d %H:%M",
                     absl::FromUnixSeconds(v.start_time().seconds()), county)
              << "  " << EnumWord(v1::VisitMode_descriptor(), v.mode());
    if (v.has_risk_level()) std::cout << "  risk " << v.risk_level();
    if (v.visit_class() != v1::VISIT_CLASS_UNSPECIFIED) {
      std::cout << "  "
                << EnumWord(v1::VisitClass_descriptor(), v.visit_class());
    }
    if (!v.next_due_date().empty()) {
      std::cout << "  next due " << v.next_due_date();
    }
    std::cout << "  " << VersionText(v.version()) << "\n";
  }
  std::cout << visits->size() << " visits\n";
  return kExitOk;
}

int Contracts(App& app) {
  absl::StatusOr<std::vector<v1::Contract>> contracts =
      app.client.ListLocalContracts("");
  if (!contracts.ok()) return Fail("cannot list contracts", contracts.status());
  for (const v1::Contract& c : *contracts) {
    std::cout << c.id() << "  " << c.patient_id() << "  "
              << PatientName(app, c.patient_id()) << "  "
              << EnumWord(v1::ContractStatus_descriptor(), c.status()) << "  "
              << c.start_date() << ".." << c.end_date();
    if (c.has_fulfilment()) {
      std::cout << "  visits " << c.fulfilment().visits_delivered() << "/"
                << c.fulfilment().visits_required() << " ("
                << static_cast<int>(c.fulfilment().rate() * 100 + 0.5) << "%)";
    }
    std::cout << "  " << VersionText(c.version()) << "\n";
  }
  std::cout << contracts->size() << " contracts\n";
  return kExitOk;
}

int Alerts(App& app) {
  rehab::client::LocalAlertQuery query;
  query.limit = 1000;
  absl::StatusOr<std::vector<v1::Alert>> alerts =
      app.client.ListLocalAlerts(query);
  if (!alerts.ok()) return Fail("cannot list alerts", alerts.status());
  for (const v1::Alert& a : *alerts) {
    std::cout << a.id() << "  " << a.finding_date() << "  "
              << EnumWord(v1::AlertKind_descriptor(), a.kind()) << "  "
              << EnumWord(v1::AlertState_descriptor(), a.state()) << "  "
              << a.patient_id() << "  " << PatientName(app, a.patient_id())
              << "  " << a.detail() << "\n";
  }
  std::cout << alerts->size() << " alerts\n";
  return kExitOk;
}

int Parked(App& app) {
  absl::StatusOr<std::vector<rehab::client::ParkedMutation>> parked =
      app.client.ListParked();
  if (!parked.ok()) return Fail("cannot read the outbox", parked.status());
  for (const rehab::client::ParkedMutation& p : *parked) {
    std::cout << p.mutation.mutation_id() << "  "
              << (p.outcome == v1::OUTCOME_CONFLICT ? "CONFLICT" : "REFUSED")
              << "  " << Describe(p.mutation) << "\n  "
              << absl::StatusCodeToString(p.status.code()) << ": "
              << p.status.message();
    const std::string reason = rehab::client::ErrorReason(p.status);
    if (!reason.empty()) std::cout << " (" << reason << ")";
    std::cout << "\n";
    for (const rehab::client::FieldViolation& v :
         rehab::client::FieldViolationsOf(p.status)) {
      std::cout << "    " << v.field << ": " << v.description << "\n";
    }
    if (p.server_copy.has_value()) {
      std::cout << "  the server's copy is at change "
                << p.server_copy->change_seq()
                << "; edit it anew, then discard this one\n";
    }
  }
  std::cout << parked->size() << " parked\n";
  return kExitOk;
}

int Discard(App& app, const std::string& mutation_id) {
  absl::Status status = app.client.DiscardParked(mutation_id);
  if (!status.ok()) return Fail("cannot discard", status);
  std::cout << "discarded " << mutation_id << "\n";
  return kExitOk;
}

int Wipe(App& app) {
  absl::Status status = app.client.WipeLocalData();
  if (!status.ok()) return Fail("cannot wipe", status);
  std::cout << "local data erased\n";
  return kExitOk;
}

// The flags each command takes and how many positionals it needs.
struct CommandSpec {
  std::set<std::string> flags;
  size_t positionals = 0;
};

const std::map<std::string, CommandSpec>& Commands() {
  static const auto* commands = new std::map<std::string, CommandSpec>{
      {"login", {}},
      {"logout", {}},
      {"sync", {}},
      {"status", {}},
      {"patients", {{"name", "area", "limit", "offset"}, 0}},
      {"patient", {{}, 1}},
      {"add-patient",
       {{"name", "id-number", "area", "facility", "card", "phone", "address"},
        0}},
      {"edit-patient", {{"name", "phone", "address"}, 1}},
      {"enroll", {{"program", "start"}, 1}},
      {"due", {{"within"}, 0}},
      {"visit",
       {{"patient", "contract", "mode", "informant", "start", "end", "risk",
         "class", "adherence", "insight", "sleep", "appetite", "social",
         "symptom", "drug", "next", "notes", "amends"},
        0}},
      {"visits", {{"patient"}, 0}},
      {"contracts", {}},
      {"alerts", {}},
      {"parked", {}},
      {"discard", {{}, 1}},
      {"wipe", {}},
  };
  return *commands;
}

int Run(App& app, const std::string& command, const Arguments& args) {
  if (command == "login") return Login(app);
  if (command == "logout") return Logout(app);
  if (command == "sync") return Sync(app);
  if (command == "status") return Status(app);
  if (command == "patients") return Patients(app, args);
  if (command == "patient") return ShowPatient(app, args.positional[0]);
  if (command == "add-patient") return AddPatient(app, args);
  if (command == "edit-patient") return EditPatient(app, args);
  if (command == "enroll") return Enroll(app, args);
  if (command == "due") return Due(app, args);
  if (command == "visit") return RecordVisit(app, args);
  if (command == "visits") return Visits(app, args);
  if (command == "contracts") return Contracts(app);
  if (command == "alerts") return Alerts(app);
  if (command == "parked") return Parked(app);
  if (command == "discard") return Discard(app, args.positional[0]);
  return Wipe(app);
}

}  // namespace

int main(int argc, char** argv) {
  rehab::client::ClientOptions options;
  options.device_id = "doctor_app";
  std::string db = "doctor_app.db";
  std::string username = Env("REHAB_USERNAME");
  std::string password = Env("REHAB_PASSWORD");

  // Global flags come before the command.
  int i = 1;
  for (; i < argc && absl::StartsWith(argv[i], "--"); ++i) {
    std::string flag = argv[i];
    if (flag == "--help") {
      std::cout << kUsage;
      return kExitOk;
    }
    std::string value;
    if (const size_t equals = flag.find('='); equals != std::string::npos) {
      value = flag.substr(equals + 1);
      flag.resize(equals);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::cerr << "doctor_app: " << flag << " needs a value\n" << kUsage;
      return kExitUsage;
    }
    if (flag == "--server") {
      options.target = value;
    } else if (flag == "--db") {
      db = value;
    } else if (flag == "--username") {
      username = value;
    } else if (flag == "--password") {
      password = value;
    } else {
      std::cerr << "doctor_app: unknown flag " << flag << "\n" << kUsage;
      return kExitUsage;
    }
  }
  if (i >= argc) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string command = argv[i++];
  const auto spec = Commands().find(command);
  if (spec == Commands().end()) {
    std::cerr << "doctor_app: unknown command " << command << "\n" << kUsage;
    return kExitUsage;
  }
  const std::optional<Arguments> args = ParseArguments(
      std::vector<std::string>(argv + i, argv + argc), spec->second.flags);
  if (!args.has_value()) return kExitUsage;
  if (args->positional.size() != spec->second.positionals) {
    std::cerr << "doctor_app: " << command << " takes "
              << spec->second.positionals << " argument(s)\n"
              << kUsage;
    return kExitUsage;
  }

  options.local_db_path = db;
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Create(options);
  if (!client.ok()) return Fail("cannot open " + db, client.status());

  const std::string session_path = SessionPath(db);
  absl::StatusOr<rehab::client::Session> saved = LoadSession(session_path);
  if (!saved.ok()) return Fail("cannot read the session", saved.status());
  (*client)->SetSession(saved->access_token, saved->refresh_token);

  App app{**client, username, password};
  const int code = Run(app, command, *args);

  // Keep what the command did to the session: a login, a logout, or
  // tokens refreshed on the way.
  const rehab::client::Session now = (*client)->session();
  if (now != *saved) {
    absl::Status kept = now.logged_in() ? SaveSession(session_path, now)
                                        : RemoveSession(session_path);
    if (!kept.ok()) {
      PrintError("cannot keep the session", kept);
      return code == kExitOk ? kExitFailed : code;
    }
  }
  return code;
}
