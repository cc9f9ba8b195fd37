// rehab_load: a closed-loop load generator for a rehabd on this machine.
// See tools/bench/README.md.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

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
#include "tools/bench/bench_report.h"
#include "tools/bench/create_patient_calls.h"
#include "tools/bench/health_check_calls.h"
#include "tools/bench/load_driver.h"
#include "tools/bench/loopback_target.h"
#include "tools/bench/synthetic_id_numbers.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051",
          "rehabd's address; loopback only (127.0.0.0/8, localhost, [::1])");
ABSL_FLAG(std::string, username, "admin",
          "account that logs in for create_patient (must be allowed to "
          "create patients in the chosen area)");
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
          "scenarios to run, in order: health, create_patient");
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
ABSL_FLAG(bool, json, false, "print one JSON object instead of a table");

namespace rehab::bench {
namespace {

constexpr char kCreatePatientScenario[] = "create_patient";
constexpr int kMaxInFlight = 10000;
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

absl::Status CheckScenarios(const std::vector<std::string>& scenarios) {
  if (scenarios.empty()) {
    return absl::InvalidArgumentError("--scenarios: give at least one");
  }
  for (const std::string& s : scenarios) {
    if (s != kHealthScenario && s != kCreatePatientScenario) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--scenarios: unknown scenario \"", s, "\" (known: ", kHealthScenario,
          ", ", kCreatePatientScenario, ")"));
    }
  }
  return absl::OkStatus();
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
        "create_patient needs a login: give --password or set "
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
  request.set_page_size(1000);
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

using Done = std::function<void(const grpc::Status&)>;

// The starters own their stubs; the load run keeps a starter alive until
// its last call has finished.
CallStarter HealthStarter(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels,
    absl::Duration call_timeout) {
  auto calls = std::make_shared<HealthCheckCalls>(channels, call_timeout);
  return [calls](int slot, Done done) { calls->Start(slot, std::move(done)); };
}

CallStarter CreatePatientStarter(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels,
    const std::string& access_token, const std::string& area_id,
    SyntheticIdNumbers* ids, absl::Duration call_timeout) {
  auto calls = std::make_shared<CreatePatientCalls>(channels, access_token,
                                                    area_id, ids, call_timeout);
  return [calls](int slot, Done done) { calls->Start(slot, std::move(done)); };
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

  std::string access_token, area_id;
  if (std::find(scenarios.begin(), scenarios.end(), kCreatePatientScenario) !=
      scenarios.end()) {
    absl::StatusOr<std::string> token = Login(channels->front());
    absl::StatusOr<std::string> area =
        token.ok() ? ChooseArea(channels->front(), *token) : token;
    if (!area.ok()) {
      std::fprintf(stderr, "rehab_load: %s\n",
                   std::string(area.status().message()).c_str());
      return 1;
    }
    access_token = *token;
    area_id = *area;
  }
  const int64_t id_start = absl::GetFlag(FLAGS_id_start);
  SyntheticIdNumbers ids(
      id_start >= 0 ? id_start : SyntheticIdNumbers::StartFor(absl::Now()));

  LoadOptions options;
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.max_calls = absl::GetFlag(FLAGS_max_calls);
  const absl::Duration call_timeout = absl::GetFlag(FLAGS_call_timeout);

  BenchReport report;
  report.target = target;
  bool any_aborted = false;
  for (int in_flight : *in_flight_counts) {
    const int connections = std::min<int>(in_flight, channels->size());
    const std::vector<std::shared_ptr<grpc::Channel>> used(
        channels->begin(), channels->begin() + connections);
    options.in_flight = in_flight;
    for (const std::string& scenario : scenarios) {
      std::fprintf(stderr,
                   "rehab_load: %s, %d in flight over %d connection(s)...\n",
                   scenario.c_str(), in_flight, connections);
      ScenarioRun run;
      run.scenario = scenario;
      run.in_flight = in_flight;
      run.channels = connections;
      run.result = RunLoad(
          options, scenario == kHealthScenario
                       ? HealthStarter(used, call_timeout)
                       : CreatePatientStarter(used, access_token, area_id, &ids,
                                              call_timeout));
      any_aborted = any_aborted || run.result.aborted;
      report.runs.push_back(std::move(run));
    }
  }

  const std::string out =
      absl::GetFlag(FLAGS_json) ? FormatJson(report) : FormatTable(report);
  std::fputs(out.c_str(), stdout);
  return any_aborted ? 2 : 0;
}

}  // namespace
}  // namespace rehab::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Loads a rehabd on this machine with grpc.health.v1.Health/Check and "
      "PatientService/CreatePatient, N calls in flight, and prints "
      "throughput, latency and their ratios.\n"
      "Example: rehab_load --in_flight=1,64 --password=demo-admin-2026");
  absl::ParseCommandLine(argc, argv);
  return rehab::bench::Main();
}
