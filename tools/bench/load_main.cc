// rehab_load: a closed-loop load generator for a rehabd on this machine.
// See tools/bench/README.md.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "rehab/v1/auth.grpc.pb.h"
#include "rehab/v1/directory.grpc.pb.h"
#include "rehab/v1/patient.grpc.pb.h"
#include "tools/bench/bench_report.h"
#include "tools/bench/create_patient_calls.h"
#include "tools/bench/health_check_calls.h"
#include "tools/bench/load_driver.h"
#include "tools/bench/loopback_target.h"
#include "tools/bench/pull_calls.h"
#include "tools/bench/push_calls.h"
#include "tools/bench/sqlite_insert_baseline.h"
#include "tools/bench/synthetic_id_numbers.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051",
          "rehabd's address; loopback only (127.0.0.0/8, localhost, [::1])");
ABSL_FLAG(std::string, username, "admin",
          "account that logs in for create_patient, push and pull (must be "
          "allowed to create patients in the chosen area; pull walks its "
          "scope's change feed)");
ABSL_FLAG(std::string, password, "",
          "its password; default: the REHAB_BENCH_PASSWORD environment "
          "variable");
ABSL_FLAG(std::vector<std::string>, in_flight, {"64"},
          "calls kept outstanding; a comma list (e.g. 1,64) runs every "
          "scenario at each count");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "measured time per scenario (after the warmup)");
ABSL_FLAG(int64_t, max_calls, 200000,
          "most measured calls per scenario (the run ends at whichever "
          "bound comes first)");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1),
          "unmeasured load before each scenario's measured window");
ABSL_FLAG(std::vector<std::string>, scenarios,
          std::vector<std::string>({"health", "create_patient"}),
          "scenarios to run, in order: health, create_patient, "
          "sqlite_insert, push, pull");
ABSL_FLAG(std::string, area_id, "",
          "area of the created patients; default: the village given by "
          "--area_code, else the first village (12-digit code) ListAreas "
          "returns");
ABSL_FLAG(std::string, area_code, "",
          "code of the area of the created patients (ignored with --area_id)");
ABSL_FLAG(int, channels, 4,
          "most connections the calls are spread over (min(in_flight, "
          "this) are used)");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(10),
          "deadline of every call");
ABSL_FLAG(int64_t, id_start, -1,
          "index of the first synthetic ID number; default: derived from "
          "the clock, so runs minutes apart do not repeat numbers");
ABSL_FLAG(std::string, sqlite_dir, "",
          "where sqlite_insert makes its temporary database (deleted after "
          "each run); default $TMPDIR, else /tmp. Use the file system of "
          "rehabd's --db");
ABSL_FLAG(bool, json, false, "print one JSON object instead of a table");

namespace rehab::bench {
namespace {

constexpr int kMaxInFlight = 10000;
// The largest page the server's lists return.
constexpr int kListPageSize = 1000;
constexpr char kDeviceId[] = "rehab_load";
// Login hashes a password with Argon2id; on a loaded 2-core machine that
// takes a while.
constexpr absl::Duration kSetupTimeout = absl::Seconds(30);

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(
                          static_cast<absl::StatusCode>(status.error_code())),
                      ": ", status.error_message());
}

void SetDeadline(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

absl::StatusOr<std::vector<int>> ParseInFlight(
    const std::vector<std::string>& texts) {
  std::vector<int> counts;
  for (const std::string& text : texts) {
    int n = 0;
    if (!absl::SimpleAtoi(text, &n) || n < 1 || n > kMaxInFlight) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--in_flight: \"", text, "\" is not a number 1..", kMaxInFlight));
    }
    counts.push_back(n);
  }
  if (counts.empty()) {
    return absl::InvalidArgumentError("--in_flight: give at least one count");
  }
  return counts;
}

const std::vector<std::string>& KnownScenarios() {
  static const std::vector<std::string>* const known =
      new std::vector<std::string>({kHealthScenario, kCreatePatientScenario,
                                    kSqliteInsertScenario, kPushScenario,
                                    kPullScenario});
  return *known;
}

absl::Status CheckScenarios(const std::vector<std::string>& scenarios) {
  if (scenarios.empty()) {
    return absl::InvalidArgumentError("--scenarios: give at least one");
  }
  const std::vector<std::string>& known = KnownScenarios();
  for (const std::string& s : scenarios) {
    if (std::find(known.begin(), known.end(), s) == known.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--scenarios: unknown scenario \"", s,
                       "\" (known: ", absl::StrJoin(known, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

bool AnyOf(const std::vector<std::string>& scenarios,
           std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (std::find(scenarios.begin(), scenarios.end(), name) !=
        scenarios.end()) {
      return true;
    }
  }
  return false;
}

// Connections are what one in-flight set shares: gRPC multiplexes every
// call of a channel over one HTTP/2 connection, whose frames one thread
// reads at each end, so a single connection can cap the rate before the
// server does. Distinct channel arguments plus a local subchannel pool
// make each channel its own TCP connection. Four keep the two cores of the
// machine busy without the client's connection handling crowding out the
// server.
absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> Connect(
    const std::string& target, int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("rehab.bench.connection", i);
    std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(
            absl::ToChronoTime(absl::Now() + absl::Seconds(5)))) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to ", target,
                       " (is rehabd running and listening there?)"));
    }
    channels.push_back(std::move(channel));
  }
  return channels;
}

absl::StatusOr<std::string> Login(
    const std::shared_ptr<grpc::Channel>& channel) {
  std::string password = absl::GetFlag(FLAGS_password);
  if (password.empty()) {
    const char* env = std::getenv("REHAB_BENCH_PASSWORD");
    if (env != nullptr) password = env;
  }
  if (password.empty()) {
    return absl::InvalidArgumentError(
        "create_patient, push and pull need a login: give --password or set "
        "REHAB_BENCH_PASSWORD (rehabd --demo prints the demo admin's)");
  }
  auto stub = rehab::v1::AuthService::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(context, kSetupTimeout);
  rehab::v1::LoginRequest request;
  request.set_username(absl::GetFlag(FLAGS_username));
  request.set_password(password);
  request.set_device_id(kDeviceId);
  rehab::v1::LoginResponse response;
  const grpc::Status status = stub->Login(&context, request, &response);
  if (!status.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("Login as ", request.username(), ": ", Describe(status)));
  }
  return response.access_token();
}

// The area the created patients live in (see --area_id, --area_code).
absl::StatusOr<std::string> ChooseArea(
    const std::shared_ptr<grpc::Channel>& channel,
    const std::string& access_token) {
  if (!absl::GetFlag(FLAGS_area_id).empty()) {
    return absl::GetFlag(FLAGS_area_id);
  }
  const std::string wanted_code = absl::GetFlag(FLAGS_area_code);
  auto stub = rehab::v1::DirectoryService::NewStub(channel);
  rehab::v1::ListAreasRequest request;
  request.set_page_size(kListPageSize);
  do {
    grpc::ClientContext context;
    SetDeadline(context, kSetupTimeout);
    context.AddMetadata("authorization", absl::StrCat("Bearer ", access_token));
    rehab::v1::ListAreasResponse response;
    const grpc::Status status = stub->ListAreas(&context, request, &response);
    if (!status.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("ListAreas: ", Describe(status)));
    }
    for (const rehab::v1::Area& area : response.areas()) {
      if (wanted_code.empty() ? area.code().size() == 12
                              : area.code() == wanted_code) {
        return area.id();
      }
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return absl::NotFoundError(
      wanted_code.empty()
          ? "no village (12-digit area code) found; give --area_id"
          : absl::StrCat("no area with code ", wanted_code));
}

// The resident ID numbers registered on the server (every patient the
// account sees), so that new bench patients pass over them instead of
// failing with ALREADY_EXISTS.
absl::StatusOr<absl::flat_hash_set<std::string>> RegisteredIdNumbers(
    const std::shared_ptr<grpc::Channel>& channel,
    const std::string& access_token) {
  auto stub = rehab::v1::PatientService::NewStub(channel);
  absl::flat_hash_set<std::string> taken;
  rehab::v1::ListPatientsRequest request;
  request.set_page_size(kListPageSize);
  do {
    grpc::ClientContext context;
    SetDeadline(context, kSetupTimeout);
    context.AddMetadata("authorization", absl::StrCat("Bearer ", access_token));
    rehab::v1::ListPatientsResponse response;
    const grpc::Status status =
        stub->ListPatients(&context, request, &response);
    if (!status.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("ListPatients: ", Describe(status)));
    }
    for (const rehab::v1::Patient& patient : response.patients()) {
      taken.insert(patient.id_number());
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return taken;
}

// The starters own their calls objects (and those their stubs); the load
// run keeps a starter alive until its last call has finished.
template <typename Calls>
CallStarter StarterOf(std::shared_ptr<Calls> calls) {
  return
      [calls](int slot, CallDone done) { calls->Start(slot, std::move(done)); };
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

// What one scenario needs from the setup and the flags.
struct Setup {
  std::vector<std::shared_ptr<grpc::Channel>> channels;  // of this pass
  std::string access_token;
  std::string area_id;
  SyntheticIdNumbers* ids = nullptr;
  absl::Duration call_timeout;
  LoadOptions options;  // of this pass
};

// Runs `scenario` once with `setup`; `failed` is set when the run must fail
// rehab_load even though it was measured (items a Push had REJECTED).
ScenarioRun RunScenario(const std::string& scenario, const Setup& setup,
                        bool* failed) {
  ScenarioRun run;
  run.scenario = scenario;
  run.in_flight = setup.options.in_flight;
  run.channels = static_cast<int>(setup.channels.size());
  if (scenario == kHealthScenario) {
    run.result =
        RunLoad(setup.options, StarterOf(std::make_shared<HealthCheckCalls>(
                                   setup.channels, setup.call_timeout)));
  } else if (scenario == kCreatePatientScenario) {
    run.result = RunLoad(setup.options,
                         StarterOf(std::make_shared<CreatePatientCalls>(
                             setup.channels, setup.access_token, setup.area_id,
                             setup.ids, setup.call_timeout)));
  } else if (scenario == kPushScenario) {
    auto calls = std::make_shared<PushCalls>(setup.channels, setup.access_token,
                                             setup.area_id, setup.ids,
                                             setup.call_timeout);
    run.result = RunLoad(setup.options, StarterOf(calls));
    const PushTally totals = calls->Totals();
    run.counts = {{"mutations", totals.mutations},
                  {"applied", totals.applied},
                  {"duplicate", totals.duplicate},
                  {"conflict", totals.conflict},
                  {"rejected", totals.rejected}};
    if (!totals.first_failure.empty()) {
      run.note = absl::StrCat("FAILED items; first ", totals.first_failure);
      *failed = true;
    }
  } else if (scenario == kPullScenario) {
    auto calls = std::make_shared<PullCalls>(setup.channels, setup.access_token,
                                             setup.options.in_flight,
                                             setup.call_timeout);
    run.result = RunLoad(setup.options, StarterOf(calls));
    const PullCalls::Passes passes = calls->passes();
    run.counts = {{"passes", passes.completed},
                  {"changes_per_pass", passes.changes},
                  {"pages_per_pass", passes.pages}};
    if (passes.completed == 0) {
      run.note = "no walk of the feed reached caught_up";
    }
  } else if (scenario == kSqliteInsertScenario) {
    // SQLite has one writer: one transaction at a time, whatever the pass's
    // in-flight count, in a fresh database every run.
    run.channels = 0;
    SqliteInsertBaseline::Options baseline_options;
    baseline_options.directory = absl::GetFlag(FLAGS_sqlite_dir);
    baseline_options.area_id = setup.area_id;
    absl::StatusOr<std::shared_ptr<SqliteInsertBaseline>> baseline =
        SqliteInsertBaseline::Create(baseline_options);
    if (!baseline.ok()) {
      run.result.aborted = true;
      run.result.abort_reason = std::string(baseline.status().message());
      return run;
    }
    LoadOptions options = setup.options;
    options.in_flight = 1;
    run.result = RunLoad(options, [baseline = *baseline](int, CallDone done) {
      const absl::Status status = baseline->InsertBatch();
      done(ToGrpcStatus(status),
           status.ok() ? baseline->rows_per_transaction() : 0);
    });
    run.counts = {{"rows_per_transaction", (*baseline)->rows_per_transaction()},
                  {"body_bytes", (*baseline)->body_bytes()},
                  {"rows", (*baseline)->rows()}};
    run.note =
        absl::StrCat("one transaction at a time in ", (*baseline)->path(),
                     " (WAL, synchronous=FULL; deleted after the run)");
  }
  return run;
}

int Main() {
  const std::string target = absl::GetFlag(FLAGS_target);
  const std::vector<std::string> scenarios = absl::GetFlag(FLAGS_scenarios);
  absl::StatusOr<std::vector<int>> in_flight_counts =
      ParseInFlight(absl::GetFlag(FLAGS_in_flight));
  absl::Status status = CheckLoopbackTarget(target);
  if (status.ok()) status = in_flight_counts.status();
  if (status.ok()) status = CheckScenarios(scenarios);
  if (status.ok() && absl::GetFlag(FLAGS_channels) < 1) {
    status = absl::InvalidArgumentError("--channels must be at least 1");
  }
  if (status.ok() && absl::GetFlag(FLAGS_max_calls) < 1) {
    status = absl::InvalidArgumentError("--max_calls must be at least 1");
  }
  if (!status.ok()) {
    std::fprintf(stderr, "rehab_load: %s\n",
                 std::string(status.message()).c_str());
    return 1;
  }

  const int max_in_flight =
      *std::max_element(in_flight_counts->begin(), in_flight_counts->end());
  absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> channels =
      Connect(target, std::min(max_in_flight, absl::GetFlag(FLAGS_channels)));
  if (!channels.ok()) {
    std::fprintf(stderr, "rehab_load: %s\n",
                 std::string(channels.status().message()).c_str());
    return 1;
  }

  Setup setup;
  const bool creates =
      AnyOf(scenarios, {kCreatePatientScenario, kPushScenario});
  if (creates || AnyOf(scenarios, {kPullScenario})) {
    absl::StatusOr<std::string> token = Login(channels->front());
    absl::StatusOr<std::string> area;
    if (token.ok() && creates) area = ChooseArea(channels->front(), *token);
    const absl::Status setup_status = !token.ok() ? token.status()
                                      : creates   ? area.status()
                                                  : absl::OkStatus();
    if (!setup_status.ok()) {
      std::fprintf(stderr, "rehab_load: %s\n",
                   std::string(setup_status.message()).c_str());
      return 1;
    }
    setup.access_token = *token;
    if (creates) setup.area_id = *area;
  }
  absl::flat_hash_set<std::string> taken;
  if (creates) {
    absl::StatusOr<absl::flat_hash_set<std::string>> registered =
        RegisteredIdNumbers(channels->front(), setup.access_token);
    if (!registered.ok()) {
      std::fprintf(stderr, "rehab_load: %s\n",
                   std::string(registered.status().message()).c_str());
      return 1;
    }
    taken = *std::move(registered);
    std::fprintf(stderr,
                 "rehab_load: new patients pass over the %zu ID numbers "
                 "registered now\n",
                 taken.size());
  }
  const int64_t id_start = absl::GetFlag(FLAGS_id_start);
  SyntheticIdNumbers ids(
      id_start >= 0 ? id_start : SyntheticIdNumbers::StartFor(absl::Now()),
      std::move(taken));
  setup.ids = &ids;
  setup.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  setup.options.warmup = absl::GetFlag(FLAGS_warmup);
  setup.options.duration = absl::GetFlag(FLAGS_duration);
  setup.options.max_calls = absl::GetFlag(FLAGS_max_calls);

  BenchReport report;
  report.target = target;
  bool failed = false;
  for (int in_flight : *in_flight_counts) {
    const int connections = std::min<int>(in_flight, channels->size());
    setup.channels.assign(channels->begin(), channels->begin() + connections);
    setup.options.in_flight = in_flight;
    for (const std::string& scenario : scenarios) {
      if (scenario == kSqliteInsertScenario) {
        std::fprintf(stderr,
                     "rehab_load: %s, one transaction at a time (the %d in "
                     "flight pass)...\n",
                     scenario.c_str(), in_flight);
      } else {
        std::fprintf(stderr,
                     "rehab_load: %s, %d in flight over %d connection(s)...\n",
                     scenario.c_str(), in_flight, connections);
      }
      ScenarioRun run = RunScenario(scenario, setup, &failed);
      failed = failed || run.result.aborted;
      if (!run.note.empty()) {
        std::fprintf(stderr, "rehab_load: %s: %s\n", scenario.c_str(),
                     run.note.c_str());
      }
      report.runs.push_back(std::move(run));
    }
  }

  const std::string out =
      absl::GetFlag(FLAGS_json) ? FormatJson(report) : FormatTable(report);
  std::fputs(out.c_str(), stdout);
  return failed ? 2 : 0;
}

}  // namespace
}  // namespace rehab::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Loads a rehabd on this machine with grpc.health.v1.Health/Check, "
      "PatientService/CreatePatient, SyncService/Push and SyncService/Pull, "
      "N calls in flight, measures raw SQLite inserts beside them, and "
      "prints throughput, latency and their ratios.\n"
      "Example: rehab_load --in_flight=1,64 --password=demo-admin-2026\n"
      "         rehab_load --scenarios=health,sqlite_insert,push,pull "
      "--password=demo-admin-2026");
  absl::ParseCommandLine(argc, argv);
  return rehab::bench::Main();
}
