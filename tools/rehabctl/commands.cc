#include "tools/rehabctl/commands.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rehab/client.h"
#include "rehab/v1/contract.pb.h"
#include "rehab/v1/report.pb.h"
#include "tools/rehabctl/area_codes.h"
#include "tools/rehabctl/args.h"
#include "tools/rehabctl/contract_terms.h"
#include "tools/rehabctl/exit_codes.h"
#include "tools/rehabctl/output.h"
#include "tools/rehabctl/paging.h"
#include "tools/rehabctl/patient_import.h"
#include "tools/rehabctl/proto_text.h"
#include "tools/rehabctl/session_file.h"
#include "tools/rehabctl/terminal.h"

namespace rehab::rehabctl {
namespace {

using client::Client;
using Column = Output::Column;

// What devices name themselves to the server.
constexpr char kDeviceId[] = "rehabctl";
// Rows `patients list` and `audit` show unless told otherwise.
constexpr int64_t kDefaultLimit = 100;

// What a command runs with.
struct Context {
  Client& client;
  Output& out;
  std::ostream& err;
  const std::string& server;
  const std::string& usage;    // the command's usage line, for usage errors
  std::string login_username;  // set by `login`
};

struct Command {
  std::vector<std::string> words;  // e.g. {"patients", "list"}
  std::string usage;               // the arguments after the words
  std::string summary;
  std::vector<FlagSpec> flags;
  size_t min_positional = 0;
  size_t max_positional = 0;
  std::function<int(Context&, const Args&)> run;
  bool needs_session = true;
};

// --- Helpers ----------------------------------------------------------------

int Usage(std::ostream& err, const std::string& message,
          const std::string& usage) {
  err << "rehabctl: " << message << "\n";
  if (!usage.empty()) err << "usage: rehabctl " << usage << "\n";
  return kExitUsage;
}

int Usage(Context& ctx, const std::string& message) {
  return Usage(ctx.err, message, ctx.usage);
}

int Fail(Context& ctx, const absl::Status& status) {
  ReportError(ctx.err, status);
  return ExitCodeFor(status);
}

// Prints the record of a call that returned one, or its error.
template <typename Record>
int PrintRecord(Context& ctx, const absl::StatusOr<Record>& record) {
  if (!record.ok()) return Fail(ctx, record.status());
  ctx.out.Record(*record);
  return kExitOk;
}

template <typename Record>
int PrintList(Context& ctx, const absl::StatusOr<std::vector<Record>>& records,
              const std::vector<Column>& columns) {
  if (!records.ok()) return Fail(ctx, records.status());
  ctx.out.List(*records, columns);
  return kExitOk;
}

// The value of enum flag `name` (0 when absent) into `*number`; false after
// a usage error.
template <typename Enum>
bool EnumFlag(Context& ctx, const Args& args, const std::string& name,
              const google::protobuf::EnumDescriptor* type, Enum* number,
              int* exit_code) {
  *number = static_cast<Enum>(0);
  std::optional<std::string> text = args.Get(name);
  if (!text.has_value()) return true;
  absl::StatusOr<int> parsed = ParseEnumLabel(type, *text);
  if (!parsed.ok()) {
    *exit_code =
        Usage(ctx, absl::StrCat("--", name, ": ", parsed.status().message()));
    return false;
  }
  *number = static_cast<Enum>(*parsed);
  return true;
}

// --limit N (positive) or `fallback`; nullopt after a usage error.
std::optional<int64_t> LimitFlag(Context& ctx, const Args& args,
                                 int64_t fallback, int* exit_code) {
  std::optional<std::string> text = args.Get("limit");
  if (!text.has_value()) return fallback;
  int64_t limit = 0;
  if (!absl::SimpleAtoi(*text, &limit) || limit <= 0) {
    *exit_code = Usage(ctx, "--limit: a positive number of rows");
    return std::nullopt;
  }
  return limit;
}

// The rows a list that stops at a limit reads: every one with --all (0),
// --limit N, else kDefaultLimit; nullopt after a usage error.
std::optional<int64_t> RowsFlag(Context& ctx, const Args& args,
                                int* exit_code) {
  if (args.Has("all") && args.Has("limit")) {
    *exit_code = Usage(ctx, "--all and --limit exclude each other");
    return std::nullopt;
  }
  if (args.Has("all")) return 0;
  return LimitFlag(ctx, args, kDefaultLimit, exit_code);
}

// PrintList for a list read up to `limit` rows (0: all), telling on stderr
// how to see more when it may have stopped there.
template <typename Record>
int PrintLimitedList(Context& ctx,
                     const absl::StatusOr<std::vector<Record>>& records,
                     const std::vector<Column>& columns, int64_t limit) {
  const int result = PrintList(ctx, records, columns);
  if (result == kExitOk && limit > 0 &&
      static_cast<int64_t>(records->size()) == limit) {
    ctx.err << "(the first " << limit
            << "; --limit N for more, --all for every one)\n";
  }
  return result;
}

// The whole number in flag `name` into `*value` (left alone when the flag
// is absent); false after a usage error naming `what` when it is not a
// whole number in [min, max].
template <typename Int>
bool IntFlag(Context& ctx, const Args& args, const std::string& name, Int min,
             Int max, const std::string& what, Int* value, int* exit_code) {
  std::optional<std::string> text = args.Get(name);
  if (!text.has_value()) return true;
  Int parsed = 0;
  if (!absl::SimpleAtoi(*text, &parsed) || parsed < min || parsed > max) {
    *exit_code = Usage(ctx, absl::StrCat("--", name, ": ", what));
    return false;
  }
  *value = parsed;
  return true;
}

// The area id for the code in flag `name`; "" when the flag is absent.
absl::StatusOr<std::string> AreaFlag(Context& ctx, const Args& args,
                                     const std::string& name) {
  std::optional<std::string> code = args.Get(name);
  if (!code.has_value()) return std::string();
  return AreaCodes(ctx.client).IdOf(*code);
}

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value == nullptr || value[0] == '\0' ? fallback : value;
}

// A password from environment variable `env`, else asked on the terminal
// (twice when `confirm`).
absl::StatusOr<std::string> Password(const char* env, const std::string& prompt,
                                     bool confirm) {
  std::string password = EnvOr(env, "");
  if (!password.empty()) return password;
  absl::StatusOr<std::string> typed = ReadSecretFromTerminal(prompt);
  if (!typed.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no password: set ", env, " or run rehabctl on a terminal"));
  }
  if (confirm) {
    absl::StatusOr<std::string> again = ReadSecretFromTerminal("Again: ");
    if (!again.ok() || *again != *typed) {
      return absl::FailedPreconditionError("the passwords differ");
    }
  }
  return *typed;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// --- Session -----------------------------------------------------------------

int Login(Context& ctx, const Args& args) {
  const std::string& username = args.positional()[0];
  absl::StatusOr<std::string> password = Password(
      "REHAB_PASSWORD", absl::StrCat("Password for ", username, ": "), false);
  if (!password.ok())
    return Usage(ctx, std::string(password.status().message()));
  absl::StatusOr<rehab::v1::LoginResponse> login =
      ctx.client.Login(username, *password);
  if (!login.ok()) return Fail(ctx, login.status());
  ctx.login_username = username;
  if (ctx.out.json()) {
    ctx.out.Record(login->account());
  } else {
    ctx.out.Note(absl::StrCat("Logged in to ", ctx.server, " as ", username,
                              " (", FieldText(login->account(), "role"), ")."));
  }
  return kExitOk;
}

int Logout(Context& ctx, const Args&) {
  absl::Status status = ctx.client.Logout();
  // The session is forgotten here either way; a server that could not be
  // told lets the tokens expire by themselves.
  if (!status.ok()) {
    ReportError(ctx.err, status);
    ctx.err << "  the session was forgotten here all the same\n";
  }
  ctx.out.Note("Logged out.");
  return kExitOk;
}

int WhoAmI(Context& ctx, const Args&) {
  return PrintRecord(ctx, ctx.client.WhoAmI());
}

// --- Directory ---------------------------------------------------------------

const std::vector<Column>& AreaColumns() {
  static const auto* const kColumns =
      new std::vector<Column>{{"ID", "id"},
                              {"CODE", "code"},
                              {"NAME", "name"},
                              {"LEVEL", "level"},
                              {"PARENT_ID", "parent_id"}};
  return *kColumns;
}

int AreasCreate(Context& ctx, const Args& args) {
  rehab::v1::CreateAreaRequest request;
  request.mutable_area()->set_code(*args.Get("code"));
  request.mutable_area()->set_name(*args.Get("name"));
  absl::StatusOr<std::string> parent = AreaFlag(ctx, args, "parent");
  if (!parent.ok()) return Fail(ctx, parent.status());
  request.mutable_area()->set_parent_id(*parent);
  return PrintRecord(ctx, ctx.client.CreateArea(request));
}

int AreasList(Context& ctx, const Args& args) {
  rehab::v1::ListAreasRequest request;
  absl::StatusOr<std::string> parent = AreaFlag(ctx, args, "parent");
  if (!parent.ok()) return Fail(ctx, parent.status());
  request.set_parent_id(*parent);
  return PrintList(ctx,
                   ListPages(ctx.client, &Client::ListAreas,
                             &rehab::v1::ListAreasResponse::areas, request),
                   AreaColumns());
}

int FacilitiesCreate(Context& ctx, const Args& args) {
  rehab::v1::CreateFacilityRequest request;
  rehab::v1::Facility& facility = *request.mutable_facility();
  facility.set_name(*args.Get("name"));
  int exit_code = kExitOk;
  rehab::v1::FacilityType type;
  if (!EnumFlag(ctx, args, "type", rehab::v1::FacilityType_descriptor(), &type,
                &exit_code)) {
    return exit_code;
  }
  facility.set_type(type);
  absl::StatusOr<std::string> area = AreaFlag(ctx, args, "area");
  if (!area.ok()) return Fail(ctx, area.status());
  facility.set_area_id(*area);
  return PrintRecord(ctx, ctx.client.CreateFacility(request));
}

int FacilitiesList(Context& ctx, const Args& args) {
  rehab::v1::ListFacilitiesRequest request;
  int exit_code = kExitOk;
  rehab::v1::FacilityType type;
  if (!EnumFlag(ctx, args, "type", rehab::v1::FacilityType_descriptor(), &type,
                &exit_code)) {
    return exit_code;
  }
  request.set_type(type);
  absl::StatusOr<std::string> area = AreaFlag(ctx, args, "area");
  if (!area.ok()) return Fail(ctx, area.status());
  request.set_area_id(*area);
  return PrintList(
      ctx,
      ListPages(ctx.client, &Client::ListFacilities,
                &rehab::v1::ListFacilitiesResponse::facilities, request),
      {{"ID", "id"},
       {"NAME", "name"},
       {"TYPE", "type"},
       {"AREA_ID", "area_id"}});
}

int PractitionersCreate(Context& ctx, const Args& args) {
  rehab::v1::CreatePractitionerRequest request;
  rehab::v1::Practitioner& practitioner = *request.mutable_practitioner();
  practitioner.set_name(*args.Get("name"));
  int exit_code = kExitOk;
  rehab::v1::PractitionerKind kind;
  if (!EnumFlag(ctx, args, "kind", rehab::v1::PractitionerKind_descriptor(),
                &kind, &exit_code)) {
    return exit_code;
  }
  practitioner.set_kind(kind);
  practitioner.set_facility_id(*args.Get("facility"));
  practitioner.set_team(args.GetOr("team", ""));
  return PrintRecord(ctx, ctx.client.CreatePractitioner(request));
}

int PractitionersList(Context& ctx, const Args& args) {
  rehab::v1::ListPractitionersRequest request;
  int exit_code = kExitOk;
  rehab::v1::PractitionerKind kind;
  if (!EnumFlag(ctx, args, "kind", rehab::v1::PractitionerKind_descriptor(),
                &kind, &exit_code)) {
    return exit_code;
  }
  request.set_kind(kind);
  request.set_facility_id(args.GetOr("facility", ""));
  request.set_team(args.GetOr("team", ""));
  return PrintList(
      ctx,
      ListPages(ctx.client, &Client::ListPractitioners,
                &rehab::v1::ListPractitionersResponse::practitioners, request),
      {{"ID", "id"},
       {"NAME", "name"},
       {"KIND", "kind"},
       {"FACILITY_ID", "facility_id"},
       {"TEAM", "team"}});
}

int AccountsCreate(Context& ctx, const Args& args) {
  rehab::v1::CreateAccountRequest request;
  rehab::v1::Account& account = *request.mutable_account();
  account.set_username(*args.Get("username"));
  int exit_code = kExitOk;
  rehab::v1::Role role;
  if (!EnumFlag(ctx, args, "role", rehab::v1::Role_descriptor(), &role,
                &exit_code)) {
    return exit_code;
  }
  account.set_role(role);
  account.set_scope_id(args.GetOr("scope", ""));
  for (const std::string& ward : args.GetAll("ward"))
    account.add_ward_ids(ward);
  account.set_psychiatric_identity(args.Has("psychiatric-identity"));
  absl::StatusOr<std::string> password = Password(
      "REHAB_NEW_PASSWORD",
      absl::StrCat("New password for ", account.username(), ": "), true);
  if (!password.ok())
    return Usage(ctx, std::string(password.status().message()));
  request.set_password(*password);
  return PrintRecord(ctx, ctx.client.CreateAccount(request));
}

int AccountsList(Context& ctx, const Args& args) {
  rehab::v1::ListAccountsRequest request;
  int exit_code = kExitOk;
  rehab::v1::Role role;
  if (!EnumFlag(ctx, args, "role", rehab::v1::Role_descriptor(), &role,
                &exit_code)) {
    return exit_code;
  }
  request.set_role(role);
  return PrintList(
      ctx,
      ListPages(ctx.client, &Client::ListAccounts,
                &rehab::v1::ListAccountsResponse::accounts, request),
      {{"ID", "id"},
       {"USERNAME", "username"},
       {"ROLE", "role"},
       {"SCOPE_ID", "scope_id"},
       {"STATE", "state"}});
}

int AccountsDisable(Context& ctx, const Args& args) {
  rehab::v1::DisableAccountRequest request;
  request.set_id(args.positional()[0]);
  return PrintRecord(ctx, ctx.client.DisableAccount(request));
}

// --- Patients ----------------------------------------------------------------

int PatientsCreate(Context& ctx, const Args& args) {
  rehab::v1::CreatePatientRequest request;
  rehab::v1::Patient& patient = *request.mutable_patient();
  patient.set_name(*args.Get("name"));
  patient.set_id_number(*args.Get("id-number"));
  // The same id an import would give, so that importing the person later
  // finds them instead of clashing.
  patient.set_id(client::PatientIdForIdNumber(patient.id_number()));
  patient.set_disability_card_number(args.GetOr("card", ""));
  absl::StatusOr<std::string> area = AreaFlag(ctx, args, "area");
  if (!area.ok()) return Fail(ctx, area.status());
  patient.set_area_id(*area);
  patient.set_facility_id(args.GetOr("facility", ""));
  patient.set_phone(args.GetOr("phone", ""));
  patient.set_address(args.GetOr("address", ""));
  return PrintRecord(ctx, ctx.client.CreatePatient(request));
}

int PatientsGet(Context& ctx, const Args& args) {
  rehab::v1::GetPatientRequest request;
  request.set_id(args.positional()[0]);
  return PrintRecord(ctx, ctx.client.GetPatient(request));
}

int PatientsList(Context& ctx, const Args& args) {
  int exit_code = kExitOk;
  std::optional<int64_t> limit = RowsFlag(ctx, args, &exit_code);
  if (!limit.has_value()) return exit_code;

  rehab::v1::ListPatientsRequest request;
  rehab::v1::DisabilityCategory category;
  if (!EnumFlag(ctx, args, "category",
                rehab::v1::DisabilityCategory_descriptor(), &category,
                &exit_code)) {
    return exit_code;
  }
  request.set_disability_category(category);
  rehab::v1::Program program;
  if (!EnumFlag(ctx, args, "program", rehab::v1::Program_descriptor(), &program,
                &exit_code)) {
    return exit_code;
  }
  request.set_program(program);
  if (std::optional<std::string> grade = args.Get("grade")) {
    int32_t value = 0;
    if (!absl::SimpleAtoi(*grade, &value) || value < 1 || value > 4) {
      return Usage(ctx, "--grade: 1 to 4");
    }
    request.set_disability_grade(value);
  }
  request.set_name_prefix(args.GetOr("name-prefix", ""));
  request.set_facility_id(args.GetOr("facility", ""));
  absl::StatusOr<std::string> area = AreaFlag(ctx, args, "area");
  if (!area.ok()) return Fail(ctx, area.status());
  request.set_area_id(*area);

  return PrintLimitedList(
      ctx,
      ListPages(ctx.client, &Client::ListPatients,
                &rehab::v1::ListPatientsResponse::patients, request, *limit),
      {{"ID", "id"},
       {"NAME", "name"},
       {"ID_NUMBER", "id_number"},
       {"CATEGORY", "disability_category"},
       {"GRADE", "disability_grade"},
       {"SEX", "sex"},
       {"BIRTH_DATE", "birth_date"},
       {"FACILITY_ID", "facility_id"}},
      *limit);
}

int PatientsLookup(Context& ctx, const Args& args) {
  if (args.Has("id-number") == args.Has("card")) {
    return Usage(ctx, "give one of --id-number and --card");
  }
  rehab::v1::LookupPatientRequest request;
  if (args.Has("id-number")) {
    request.set_id_number(*args.Get("id-number"));
  } else {
    request.set_disability_card_number(*args.Get("card"));
  }
  return PrintRecord(ctx, ctx.client.LookupPatient(request));
}

int PatientsImport(Context& ctx, const Args& args) {
  const std::string& path = args.positional()[0];
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return Usage(ctx, std::string(text.status().message()));
  absl::StatusOr<ImportSummary> summary =
      ImportPatients(ctx.client, *text, ctx.err, IsTerminal(STDERR_FILENO));
  if (!summary.ok()) {
    ctx.err << "rehabctl: " << path << ": " << summary.status().message()
            << "\n";
    return kExitFailed;
  }
  ctx.out.Note(
      absl::StrCat("created ", summary->created, ", unchanged ",
                   summary->unchanged, ", failed ", summary->failed,
                   summary->stopped.ok()
                       ? ""
                       : absl::StrCat(", not tried ", summary->not_tried)));
  ctx.out.JsonLine(absl::StrCat("{\"created\":", summary->created,
                                ",\"unchanged\":", summary->unchanged,
                                ",\"failed\":", summary->failed,
                                ",\"not_tried\":", summary->not_tried, "}"));
  if (!summary->stopped.ok()) {
    ctx.err << "rehabctl: the import stopped early\n";
    return ExitCodeFor(summary->stopped);
  }
  return summary->failed > 0 ? kExitFailed : kExitOk;
}

// --- Enrollments -------------------------------------------------------------

int EnrollmentsCreate(Context& ctx, const Args& args) {
  rehab::v1::CreateEnrollmentRequest request;
  rehab::v1::Enrollment& enrollment = *request.mutable_enrollment();
  enrollment.set_patient_id(*args.Get("patient"));
  int exit_code = kExitOk;
  rehab::v1::Program program;
  if (!EnumFlag(ctx, args, "program", rehab::v1::Program_descriptor(), &program,
                &exit_code)) {
    return exit_code;
  }
  enrollment.set_program(program);
  enrollment.set_start_date(*args.Get("start"));
  return PrintRecord(ctx, ctx.client.CreateEnrollment(request));
}

int EnrollmentsList(Context& ctx, const Args& args) {
  rehab::v1::ListEnrollmentsRequest request;
  request.set_patient_id(args.GetOr("patient", ""));
  return PrintList(
      ctx,
      ListPages(ctx.client, &Client::ListEnrollments,
                &rehab::v1::ListEnrollmentsResponse::enrollments, request),
      {{"ID", "id"},
       {"PATIENT_ID", "patient_id"},
       {"PROGRAM", "program"},
       {"START", "start_date"},
       {"END", "end_date"},
       {"STATUS", "status"}});
}

int EnrollmentsEnd(Context& ctx, const Args& args) {
  rehab::v1::EndEnrollmentRequest request;
  request.set_id(args.positional()[0]);
  request.set_end_date(*args.Get("date"));
  const std::string status = *args.Get("status");
  if (status == "ended") {
    request.set_status(rehab::v1::ENROLLMENT_STATUS_ENDED);
  } else if (status == "deceased") {
    request.set_status(rehab::v1::ENROLLMENT_STATUS_DECEASED);
  } else {
    return Usage(ctx, "--status: ended or deceased");
  }
  request.set_reason(args.GetOr("reason", ""));
  return PrintRecord(ctx, ctx.client.EndEnrollment(request));
}

// --- Contracts, visits, follow-ups -------------------------------------------

// The longest look-ahead (--expiring, --within): five years, the longest
// term.
constexpr int32_t kMaxDaysAhead = 5 * 366;

// The fulfilment rate as a whole percentage, rounded down so that a rate
// just under a threshold (--below) never shows as reaching it.
std::string FulfilmentPercent(const google::protobuf::Message& record) {
  const auto& contract = static_cast<const rehab::v1::Contract&>(record);
  if (!contract.has_fulfilment()) return "";
  return absl::StrCat(
      static_cast<int>(std::floor(contract.fulfilment().rate() * 100 + 1e-9)),
      "%");
}

// Visits without the psychiatric form carry no risk level (rather than
// level 0, "no risk").
std::string RiskLevel(const google::protobuf::Message& record) {
  const auto& visit = static_cast<const rehab::v1::Visit&>(record);
  return visit.has_risk_level() ? absl::StrCat(visit.risk_level()) : "";
}

const std::vector<Column>& ContractColumns() {
  static const auto* const kColumns =
      new std::vector<Column>{{"ID", "id"},
                              {"PATIENT_ID", "patient_id"},
                              {"DOCTOR_ID", "doctor_id"},
                              {"TEAM", "team"},
                              {"START", "start_date"},
                              {"END", "end_date"},
                              {"STATUS", "status"},
                              {"REQUIRED", "fulfilment.visits_required"},
                              {"DELIVERED", "fulfilment.visits_delivered"},
                              {"FULFILMENT", FulfilmentPercent},
                              {"LAST_VISIT", "fulfilment.last_visit_date"}};
  return *kColumns;
}

// The package items of the --item flags into `*items`; false after a usage
// error. None given: the default package when `default_package`, else
// nothing.
bool ItemFlags(
    Context& ctx, const Args& args, bool default_package,
    google::protobuf::RepeatedPtrField<rehab::v1::ContractItem>* items,
    int* exit_code) {
  const std::vector<std::string> texts = args.GetAll("item");
  if (texts.empty() && !default_package) return true;
  absl::StatusOr<std::vector<rehab::v1::ContractItem>> parsed =
      ParseContractItems(texts);
  if (!parsed.ok()) {
    *exit_code =
        Usage(ctx, absl::StrCat("--item: ", parsed.status().message()));
    return false;
  }
  for (rehab::v1::ContractItem& item : *parsed) {
    *items->Add() = std::move(item);
  }
  return true;
}

int ContractsSign(Context& ctx, const Args& args) {
  rehab::v1::CreateContractRequest request;
  rehab::v1::Contract& contract = *request.mutable_contract();
  contract.set_patient_id(*args.Get("patient"));
  contract.set_doctor_id(*args.Get("doctor"));
  contract.set_team(args.GetOr("team", ""));
  int exit_code = kExitOk;
  if (!ItemFlags(ctx, args, true, contract.mutable_items(), &exit_code)) {
    return exit_code;
  }
  absl::StatusOr<absl::CivilDay> start = ParseDay(*args.Get("start"));
  if (!start.ok()) {
    return Usage(ctx, absl::StrCat("--start: ", start.status().message()));
  }
  contract.set_start_date(FormatDay(*start));
  contract.set_end_date(args.GetOr("end", FormatDay(OneYearTermEnd(*start))));
  // A contract is signed on or before the day its term starts: today for a
  // term starting later, its first day for one entered after the fact.
  contract.set_signed_date(
      args.GetOr("signed", FormatDay(std::min(LocalToday(), *start))));
  return PrintRecord(ctx, ctx.client.CreateContract(request));
}

int ContractsGet(Context& ctx, const Args& args) {
  rehab::v1::GetContractRequest request;
  request.set_id(args.positional()[0]);
  return PrintRecord(ctx, ctx.client.GetContract(request));
}

int ContractsList(Context& ctx, const Args& args) {
  int exit_code = kExitOk;
  std::optional<int64_t> limit = RowsFlag(ctx, args, &exit_code);
  if (!limit.has_value()) return exit_code;

  rehab::v1::ListContractsRequest request;
  request.set_doctor_id(args.GetOr("doctor", ""));
  request.set_patient_id(args.GetOr("patient", ""));
  rehab::v1::ContractStatus status;
  if (!EnumFlag(ctx, args, "status", rehab::v1::ContractStatus_descriptor(),
                &status, &exit_code)) {
    return exit_code;
  }
  request.set_status(status);
  int32_t expiring = 0;
  if (!IntFlag<int32_t>(ctx, args, "expiring", 1, kMaxDaysAhead,
                        "a positive number of days", &expiring, &exit_code)) {
    return exit_code;
  }
  request.set_expiring_within_days(expiring);
  if (args.Has("below") && !args.Has("unserved")) {
    return Usage(ctx, "--below goes with --unserved");
  }
  request.set_unserved_only(args.Has("unserved"));
  if (std::optional<std::string> below = args.Get("below")) {
    std::string number = *below;
    double scale = 1;
    if (!number.empty() && number.back() == '%') {
      number.pop_back();
      scale = 100;
    }
    double rate = 0;
    if (!absl::SimpleAtod(number, &rate) || !(rate / scale > 0) ||
        rate / scale > 1) {
      return Usage(ctx,
                   "--below: a fulfilment rate above 0 and at most 1 (0.5, "
                   "or 50%)");
    }
    request.set_unserved_below(rate / scale);
  }
  absl::StatusOr<std::string> area = AreaFlag(ctx, args, "area");
  if (!area.ok()) return Fail(ctx, area.status());
  request.set_area_id(*area);
  return PrintLimitedList(
      ctx,
      ListPages(ctx.client, &Client::ListContracts,
                &rehab::v1::ListContractsResponse::contracts, request, *limit),
      ContractColumns(), *limit);
}

int ContractsRenew(Context& ctx, const Args& args) {
  rehab::v1::RenewContractRequest request;
  request.set_id(args.positional()[0]);
  int exit_code = kExitOk;
  int64_t version = 0;
  if (!IntFlag<int64_t>(ctx, args, "version", 1,
                        std::numeric_limits<int64_t>::max(),
                        "the contract's version (contracts get ID shows it)",
                        &version, &exit_code)) {
    return exit_code;
  }
  request.set_version(version);
  if (!ItemFlags(ctx, args, false, request.mutable_items(), &exit_code)) {
    return exit_code;
  }
  request.set_signed_date(args.GetOr("signed", ""));
  if (std::optional<std::string> end = args.Get("end")) {
    request.set_end_date(*end);
  } else {
    // The new term starts the day after the old one ends; without --end it
    // is the shortest the server accepts.
    rehab::v1::GetContractRequest get;
    get.set_id(request.id());
    absl::StatusOr<rehab::v1::Contract> old = ctx.client.GetContract(get);
    if (!old.ok()) return Fail(ctx, old.status());
    absl::StatusOr<absl::CivilDay> old_end = ParseDay(old->end_date());
    if (!old_end.ok()) return Fail(ctx, old_end.status());
    request.set_end_date(FormatDay(OneYearTermEnd(*old_end + 1)));
  }
  return PrintRecord(ctx, ctx.client.RenewContract(request));
}

int ContractsTerminate(Context& ctx, const Args& args) {
  rehab::v1::TerminateContractRequest request;
  request.set_id(args.positional()[0]);
  int exit_code = kExitOk;
  int64_t version = 0;
  if (!IntFlag<int64_t>(ctx, args, "version", 1,
                        std::numeric_limits<int64_t>::max(),
                        "the contract's version (contracts get ID shows it)",
                        &version, &exit_code)) {
    return exit_code;
  }
  request.set_version(version);
  request.set_reason(*args.Get("reason"));
  request.set_end_date(args.GetOr("date", ""));
  return PrintRecord(ctx, ctx.client.TerminateContract(request));
}

int VisitsList(Context& ctx, const Args& args) {
  int exit_code = kExitOk;
  std::optional<int64_t> limit = RowsFlag(ctx, args, &exit_code);
  if (!limit.has_value()) return exit_code;
  rehab::v1::ListVisitsRequest request;
  request.set_patient_id(args.GetOr("patient", ""));
  request.set_contract_id(args.GetOr("contract", ""));
  request.set_doctor_id(args.GetOr("doctor", ""));
  request.set_start_date(args.GetOr("from", ""));
  request.set_end_date(args.GetOr("to", ""));
  return PrintLimitedList(
      ctx,
      ListPages(ctx.client, &Client::ListVisits,
                &rehab::v1::ListVisitsResponse::visits, request, *limit),
      {{"ID", "id"},
       {"START", "start_time"},
       {"PATIENT_ID", "patient_id"},
       {"DOCTOR_ID", "doctor_id"},
       {"MODE", "mode"},
       {"ITEMS", "items_delivered"},
       {"RISK", RiskLevel},
       {"CLASS", "visit_class"},
       {"NEXT_DUE", "next_due_date"}},
      *limit);
}

int FollowUpsDue(Context& ctx, const Args& args) {
  int exit_code = kExitOk;
  std::optional<int64_t> limit = RowsFlag(ctx, args, &exit_code);
  if (!limit.has_value()) return exit_code;
  rehab::v1::ListDueFollowUpsRequest request;
  request.set_doctor_id(args.GetOr("doctor", ""));
  int32_t within = 0;
  if (!IntFlag<int32_t>(ctx, args, "within", 1, kMaxDaysAhead,
                        "a positive number of days", &within, &exit_code)) {
    return exit_code;
  }
  request.set_within_days(within);
  request.set_lost_only(args.Has("lost"));
  absl::StatusOr<std::string> area = AreaFlag(ctx, args, "area");
  if (!area.ok()) return Fail(ctx, area.status());
  request.set_area_id(*area);
  return PrintLimitedList(
      ctx,
      ListPages(ctx.client, &Client::ListDueFollowUps,
                &rehab::v1::ListDueFollowUpsResponse::follow_ups, request,
                *limit),
      {{"PATIENT_ID", "patient_id"},
       {"DUE", "due_date"},
       {"OVERDUE_DAYS", "days_overdue"},
       {"REASON", "reason"},
       {"INTERVAL_DAYS", "interval_days"},
       {"MISSED", "missed_visits"},
       {"LOST", "lost_to_follow_up"},
       {"LAST_VISIT", "last_visit_date"},
       {"DOCTOR_ID", "doctor_id"}},
      *limit);
}

// --- Alerts ------------------------------------------------------------------

int AlertsList(Context& ctx, const Args& args) {
  int exit_code = kExitOk;
  std::optional<int64_t> limit = RowsFlag(ctx, args, &exit_code);
  if (!limit.has_value()) return exit_code;
  rehab::v1::ListAlertsRequest request;
  rehab::v1::AlertKind kind;
  if (!EnumFlag(ctx, args, "kind", rehab::v1::AlertKind_descriptor(), &kind,
                &exit_code)) {
    return exit_code;
  }
  request.set_kind(kind);
  rehab::v1::AlertState state;
  if (!EnumFlag(ctx, args, "state", rehab::v1::AlertState_descriptor(), &state,
                &exit_code)) {
    return exit_code;
  }
  request.set_state(state);
  request.set_patient_id(args.GetOr("patient", ""));
  request.set_doctor_id(args.GetOr("doctor", ""));
  absl::StatusOr<std::string> area = AreaFlag(ctx, args, "area");
  if (!area.ok()) return Fail(ctx, area.status());
  request.set_area_id(*area);
  return PrintLimitedList(
      ctx,
      ListPages(ctx.client, &Client::ListAlerts,
                &rehab::v1::ListAlertsResponse::alerts, request, *limit),
      {{"ID", "id"},
       {"RAISED", "create_time"},
       {"KIND", "kind"},
       {"STATE", "state"},
       {"PATIENT_ID", "patient_id"},
       {"FINDING_DATE", "finding_date"},
       {"DETAIL", "detail"}},
      *limit);
}

int AlertsAck(Context& ctx, const Args& args) {
  rehab::v1::AcknowledgeAlertRequest request;
  request.set_id(args.positional()[0]);
  request.set_note(args.GetOr("note", ""));
  return PrintRecord(ctx, ctx.client.AcknowledgeAlert(request));
}

// --- Audit -------------------------------------------------------------------

int Audit(Context& ctx, const Args& args) {
  int exit_code = kExitOk;
  std::optional<int64_t> limit =
      LimitFlag(ctx, args, kDefaultLimit, &exit_code);
  if (!limit.has_value()) return exit_code;
  rehab::v1::ListAuditEventsRequest request;
  request.set_patient_id(args.GetOr("patient", ""));
  request.set_account_id(args.GetOr("account", ""));
  return PrintList(ctx,
                   ListPages(ctx.client, &Client::ListAuditEvents,
                             &rehab::v1::ListAuditEventsResponse::audit_events,
                             request, *limit),
                   {{"SEQ", "seq"},
                    {"TIME", "time"},
                    {"USERNAME", "username"},
                    {"METHOD", "method"},
                    {"PATIENT_ID", "patient_id"},
                    {"OUTCOME", "outcome"},
                    {"DETAIL", "detail"}});
}

// --- Backup ------------------------------------------------------------------

int Backup(Context& ctx, const Args& args) {
  rehab::v1::BackupRequest request;
  // A path on the server host, passed as given: rehabctl may run elsewhere,
  // so it is not resolved against the local directory.
  request.set_path(args.positional()[0]);
  return PrintRecord(ctx, ctx.client.Backup(request));
}

// --- The table ---------------------------------------------------------------

FlagSpec Value(std::string name) { return {std::move(name)}; }
FlagSpec Required(std::string name) {
  return {std::move(name), FlagSpec::kValue, true};
}
FlagSpec Repeated(std::string name) {
  return {std::move(name), FlagSpec::kRepeated};
}
FlagSpec Switch(std::string name) {
  return {std::move(name), FlagSpec::kSwitch};
}

const std::vector<Command>& Commands() {
  static const auto* const kCommands = new std::vector<Command>{
      {{"login"},
       "USERNAME",
       "log in (password from REHAB_PASSWORD, else asked)",
       {},
       1,
       1,
       Login,
       false},
      {{"logout"},
       "",
       "log out and forget the session",
       {},
       0,
       0,
       Logout,
       false},
      {{"whoami"}, "", "the account logged in", {}, 0, 0, WhoAmI},
      {{"areas", "create"},
       "--code C --name N [--parent CODE]",
       "create an area (county 6 digits, township 9, village 12)",
       {Required("code"), Required("name"), Value("parent")},
       0,
       0,
       AreasCreate},
      {{"areas", "list"},
       "[--parent CODE]",
       "list areas by code",
       {Value("parent")},
       0,
       0,
       AreasList},
      {{"facilities", "create"},
       absl::StrCat("--name N --type ",
                    EnumChoices(rehab::v1::FacilityType_descriptor()),
                    " --area CODE"),
       "create a facility",
       {Required("name"), Required("type"), Required("area")},
       0,
       0,
       FacilitiesCreate},
      {{"facilities", "list"},
       "[--area CODE] [--type T]",
       "list facilities",
       {Value("area"), Value("type")},
       0,
       0,
       FacilitiesList},
      {{"practitioners", "create"},
       absl::StrCat("--name N --kind ",
                    EnumChoices(rehab::v1::PractitionerKind_descriptor()),
                    " --facility ID [--team T]"),
       "create a practitioner",
       {Required("name"), Required("kind"), Required("facility"),
        Value("team")},
       0,
       0,
       PractitionersCreate},
      {{"practitioners", "list"},
       "[--facility ID] [--kind K] [--team T]",
       "list practitioners",
       {Value("facility"), Value("kind"), Value("team")},
       0,
       0,
       PractitionersList},
      {{"accounts", "create"},
       absl::StrCat("--username U --role ",
                    EnumChoices(rehab::v1::Role_descriptor()),
                    " [--scope ID] [--ward ID]... [--psychiatric-identity]"),
       "create an account (password from REHAB_NEW_PASSWORD, else asked)",
       {Required("username"), Required("role"), Value("scope"),
        Repeated("ward"), Switch("psychiatric-identity")},
       0,
       0,
       AccountsCreate},
      {{"accounts", "list"},
       "[--role R]",
       "list accounts by username",
       {Value("role")},
       0,
       0,
       AccountsList},
      {{"accounts", "disable"},
       "ID",
       "disable an account and revoke its tokens",
       {},
       1,
       1,
       AccountsDisable},
      {{"patients", "create"},
       "--name N --id-number X [--card X] --area CODE [--facility ID] "
       "[--phone P] [--address A]",
       "register a patient (id derived from the ID number)",
       {Required("name"), Required("id-number"), Value("card"),
        Required("area"), Value("facility"), Value("phone"), Value("address")},
       0,
       0,
       PatientsCreate},
      {{"patients", "get"}, "ID", "show a patient", {}, 1, 1, PatientsGet},
      {{"patients", "list"},
       "[--area CODE] [--category N|name] [--grade G] [--program P] "
       "[--name-prefix X] [--facility ID] [--all | --limit N]",
       "list patients (the first 100 unless --all or --limit)",
       {Value("area"), Value("category"), Value("grade"), Value("program"),
        Value("name-prefix"), Value("facility"), Switch("all"), Value("limit")},
       0,
       0,
       PatientsList},
      {{"patients", "lookup"},
       "(--id-number X | --card X)",
       "find a patient by ID number or disability card number",
       {Value("id-number"), Value("card")},
       0,
       0,
       PatientsLookup},
      {{"patients", "import"},
       "FILE.csv",
       "import patients from CSV; safe to run again (see README)",
       {},
       1,
       1,
       PatientsImport},
      {{"enrollments", "create"},
       absl::StrCat("--patient ID --program ",
                    EnumChoices(rehab::v1::Program_descriptor()),
                    " --start YYYY-MM-DD"),
       "enroll a patient in a program",
       {Required("patient"), Required("program"), Required("start")},
       0,
       0,
       EnrollmentsCreate},
      {{"enrollments", "list"},
       "[--patient ID]",
       "list enrollments",
       {Value("patient")},
       0,
       0,
       EnrollmentsList},
      {{"enrollments", "end"},
       "ID --date YYYY-MM-DD --status ended|deceased [--reason R]",
       "end an enrollment",
       {Required("date"), Required("status"), Value("reason")},
       1,
       1,
       EnrollmentsEnd},
      {{"contracts", "sign"},
       "--patient ID --doctor ID [--team T] "
       "[--item CODE:NAME:VISITS_PER_YEAR]... --start YYYY-MM-DD "
       "[--end YYYY-MM-DD] [--signed YYYY-MM-DD]",
       "sign a family-doctor contract (without --item: "
       "public_health_follow_up, 4 visits a year; without --end: one year; "
       "without --signed: today, or the start if earlier)",
       {Required("patient"), Required("doctor"), Value("team"),
        Repeated("item"), Required("start"), Value("end"), Value("signed")},
       0,
       0,
       ContractsSign},
      {{"contracts", "get"},
       "ID",
       "show a contract and its fulfilment",
       {},
       1,
       1,
       ContractsGet},
      {{"contracts", "list"},
       absl::StrCat("[--doctor ID] [--area CODE] [--patient ID] [--status ",
                    EnumChoices(rehab::v1::ContractStatus_descriptor()),
                    "] [--expiring DAYS] [--unserved [--below RATE]] "
                    "[--all | --limit N]"),
       "list contracts with their fulfilment (--expiring: active ones ending "
       "within DAYS; --unserved: signed but not served, no visit or "
       "fulfilment below RATE, default 0.5); the first 100 unless --all or "
       "--limit",
       {Value("doctor"), Value("area"), Value("patient"), Value("status"),
        Value("expiring"), Switch("unserved"), Value("below"), Switch("all"),
        Value("limit")},
       0,
       0,
       ContractsList},
      {{"contracts", "renew"},
       "ID --version N [--end YYYY-MM-DD] "
       "[--item CODE:NAME:VISITS_PER_YEAR]... [--signed YYYY-MM-DD]",
       "continue a contract with a new term from the day after its end "
       "(without --end: one year; without --item: the same package)",
       {Required("version"), Value("end"), Repeated("item"), Value("signed")},
       1,
       1,
       ContractsRenew},
      {{"contracts", "terminate"},
       "ID --version N --reason TEXT [--date YYYY-MM-DD]",
       "end an active contract (as of --date, default today)",
       {Required("version"), Required("reason"), Value("date")},
       1,
       1,
       ContractsTerminate},
      {{"visits", "list"},
       "[--patient ID] [--contract ID] [--doctor ID] [--from YYYY-MM-DD] "
       "[--to YYYY-MM-DD] [--all | --limit N]",
       "list follow-up visits, newest first (the first 100 unless --all or "
       "--limit)",
       {Value("patient"), Value("contract"), Value("doctor"), Value("from"),
        Value("to"), Switch("all"), Value("limit")},
       0,
       0,
       VisitsList},
      {{"followups", "due"},
       "[--doctor ID] [--area CODE] [--within DAYS] [--lost] "
       "[--all | --limit N]",
       "follow-ups overdue or due within DAYS (default 14), most urgent "
       "first; --lost: only patients lost to follow-up (the first 100 unless "
       "--all or --limit)",
       {Value("doctor"), Value("area"), Value("within"), Switch("lost"),
        Switch("all"), Value("limit")},
       0,
       0,
       FollowUpsDue},
      {{"alerts", "list"},
       absl::StrCat("[--area CODE] [--kind ",
                    EnumChoices(rehab::v1::AlertKind_descriptor()),
                    "] [--state ",
                    EnumChoices(rehab::v1::AlertState_descriptor()),
                    "] [--patient ID] [--doctor ID] [--all | --limit N]"),
       "list alerts, newest first (the first 100 unless --all or --limit)",
       {Value("area"), Value("kind"), Value("state"), Value("patient"),
        Value("doctor"), Switch("all"), Value("limit")},
       0,
       0,
       AlertsList},
      {{"alerts", "ack"},
       "ID [--note TEXT]",
       "acknowledge an alert",
       {Value("note")},
       1,
       1,
       AlertsAck},
      {{"audit"},
       "[--patient ID] [--account ID] [--limit N]",
       "the audit trail, newest first (100 events unless --limit)",
       {Value("patient"), Value("account"), Value("limit")},
       0,
       0,
       Audit},
      {{"backup"},
       "PATH",
       "copy the database, while rehabd runs, to the new file PATH on the "
       "server host (an absolute path)",
       {},
       1,
       1,
       Backup},
  };
  return *kCommands;
}

// The command `words` start with, and how many words name it.
const Command* FindCommand(const std::vector<std::string>& words) {
  for (const Command& command : Commands()) {
    if (words.size() < command.words.size()) continue;
    if (std::equal(command.words.begin(), command.words.end(), words.begin())) {
      return &command;
    }
  }
  return nullptr;
}

std::string UsageLine(const Command& command) {
  std::string line = absl::StrJoin(command.words, " ");
  if (!command.usage.empty()) absl::StrAppend(&line, " ", command.usage);
  return line;
}

std::unique_ptr<Client> MakeClient(const std::string& server,
                                   const std::string& tls_ca, std::ostream& err,
                                   int* exit_code) {
  client::ClientOptions options;
  options.target = server;
  options.device_id = kDeviceId;
  if (!tls_ca.empty()) {
    absl::StatusOr<std::string> roots = ReadFile(tls_ca);
    if (!roots.ok()) {
      *exit_code =
          Usage(err, absl::StrCat("--tls_ca: ", roots.status().message()), "");
      return nullptr;
    }
    options.use_tls = true;
    options.tls_root_certs_pem = *roots;
  }
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Create(std::move(options));
  if (!client.ok()) {
    *exit_code =
        Usage(err, absl::StrCat("--server: ", client.status().message()), "");
    return nullptr;
  }
  return *std::move(client);
}

}  // namespace

int RunCommand(const GlobalOptions& options,
               const std::vector<std::string>& words, std::ostream& out,
               std::ostream& err) {
  const Command* command = FindCommand(words);
  if (command == nullptr) {
    const std::string what = words.empty() ? "" : absl::StrJoin(words, " ");
    return Usage(err,
                 words.empty() ? "no command given"
                               : absl::StrCat("unknown command \"", what, "\""),
                 "COMMAND ... (rehabctl --help lists them)");
  }
  const std::string usage = UsageLine(*command);
  const std::vector<std::string> rest(words.begin() + command->words.size(),
                                      words.end());
  absl::StatusOr<Args> args = Args::Parse(
      rest, command->flags, command->min_positional, command->max_positional);
  if (!args.ok()) {
    return Usage(err, std::string(args.status().message()), usage);
  }

  std::string session_path = options.session_path;
  if (session_path.empty()) {
    absl::StatusOr<std::string> path = SessionFile::DefaultPath();
    if (!path.ok()) {
      ReportError(err, path.status());
      return kExitFailed;
    }
    session_path = *path;
  }
  const SessionFile file(session_path);
  SavedSession saved;
  if (absl::StatusOr<SavedSession> loaded = file.Load(); loaded.ok()) {
    saved = *std::move(loaded);
  } else if (loaded.status().code() != absl::StatusCode::kNotFound) {
    err << "rehabctl: ignoring the saved session: " << loaded.status().message()
        << "\n";
  }

  std::string server = options.server;
  if (server.empty()) server = saved.server;
  if (server.empty()) server = kDefaultServer;
  // Tokens are good only at the server that issued them.
  const bool session_applies =
      saved.server == server && !saved.access_token.empty();
  std::string tls_ca = options.tls_ca;
  if (tls_ca.empty() && saved.server == server) tls_ca = saved.tls_ca;

  if (command->needs_session && !session_applies) {
    err << "rehabctl: not logged in to " << server
        << ": rehabctl login USERNAME\n";
    return kExitUnauthenticated;
  }

  int exit_code = kExitOk;
  std::unique_ptr<Client> client = MakeClient(server, tls_ca, err, &exit_code);
  if (client == nullptr) return exit_code;
  if (session_applies) {
    client->SetSession(saved.access_token, saved.refresh_token);
  }
  const client::Session before = client->session();

  Output output(options.json, out);
  Context ctx{*client, output, err, server, usage, ""};
  exit_code = command->run(ctx, *args);

  // Keep what the command did to the session: a login, a logout, or tokens
  // refreshed on the way (the old refresh token is spent by then).
  absl::Status kept = absl::OkStatus();
  const client::Session after = client->session();
  if (!ctx.login_username.empty()) {
    kept =
        file.Save(SavedSession{server, ctx.login_username, after.access_token,
                               after.refresh_token, tls_ca});
  } else if (!after.logged_in()) {
    if (session_applies) kept = file.Remove();
  } else if (after != before) {
    saved.access_token = after.access_token;
    saved.refresh_token = after.refresh_token;
    kept = file.Save(saved);
  }
  if (!kept.ok()) {
    err << "rehabctl: cannot keep the session: " << kept.message() << "\n";
    if (exit_code == kExitOk) exit_code = kExitFailed;
  }
  out.flush();
  return exit_code;
}

std::string HelpText() {
  std::string text =
      "rehabctl: administer a RehabTrack server (rehabd)\n"
      "\n"
      "usage: rehabctl [--server HOST:PORT] [--json] [--tls_ca FILE] "
      "COMMAND ...\n"
      "\n"
      "Commands:\n";
  for (const Command& command : Commands()) {
    absl::StrAppend(&text, "  ", UsageLine(command), "\n      ",
                    command.summary, "\n");
  }
  absl::StrAppend(
      &text,
      "\n"
      "Global flags (anywhere on the line):\n"
      "  --server HOST:PORT  the server; default $REHAB_SERVER, else the one "
      "logged in to, else ",
      kDefaultServer,
      "\n"
      "  --json              JSON Lines on stdout: one JSON object per line "
      "(one per\n"
      "                      record of a list), field names as in the .proto "
      "files\n"
      "  --tls_ca FILE       TLS, trusting the PEM roots in FILE (kept with "
      "the session)\n"
      "\n"
      "The session (server, username, tokens) is kept in\n"
      "$XDG_CONFIG_HOME/rehabctl/session.json or "
      "~/.config/rehabctl/session.json (mode 0600).\n"
      "Errors go to stderr, with the offending fields listed.\n"
      "\n"
      "Exit codes:\n"
      "  0  ok\n"
      "  1  failed: the server refused, or import rows failed\n"
      "  2  usage error\n"
      "  3  not logged in, or the session expired (UNAUTHENTICATED)\n"
      "  4  not found (NOT_FOUND)\n"
      "  5  not allowed (PERMISSION_DENIED)\n"
      "  6  invalid input (INVALID_ARGUMENT)\n"
      "  7  conflict (ALREADY_EXISTS or ABORTED)\n"
      "  8  server unreachable (UNAVAILABLE or DEADLINE_EXCEEDED)\n");
  return text;
}

}  // namespace rehab::rehabctl
