// rehabd: the RehabTrack server. Flags, wiring and start (DESIGN.md section
// 11); `rehabd --help` lists the flags.
//
// Exit codes: 0 after a clean stop (SIGTERM or SIGINT) or a successful
// --bootstrap_admin; 1 when the server cannot start or bootstrap fails (and,
// by absl's convention, after --help); 2 for an unknown flag or a bad flag
// value.
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/api/server.h"
#include "server/common/clock.h"
#include "server/common/log.h"
#include "server/domain/auth_manager.h"
#include "server/domain/follow_up_rules.h"
#include "server/domain/password_hasher.h"
#include "server/storage/sqlite_store.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to serve on: host:port, [ipv6]:port or unix:PATH. Without "
          "TLS only loopback addresses are allowed (see --allow_insecure).");
ABSL_FLAG(std::string, db, "rehab.db",
          "SQLite database file; created and migrated when needed.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain; with --tls_key turns TLS on.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle; when set, clients must present a certificate it "
          "signed (mutual TLS).");
ABSL_FLAG(bool, allow_insecure, false,
          "Serve without TLS on a non-loopback address. Only behind a "
          "trusted network or a TLS-terminating proxy.");
ABSL_FLAG(bool, reflection, true, "Serve gRPC server reflection.");
ABSL_FLAG(std::string, log_level, "info",
          "Least severe events logged: debug, info, warn or error.");
ABSL_FLAG(std::string, time_zone, "Asia/Shanghai",
          "The county's time zone (IANA name): what 'today' is.");
ABSL_FLAG(int, workers, 64, "Threads running the work of calls.");
ABSL_FLAG(int, queue, 4096,
          "Calls that may wait for a worker; beyond it calls are refused "
          "with RESOURCE_EXHAUSTED.");
ABSL_FLAG(absl::Duration, access_token_ttl, absl::Hours(1),
          "Lifetime of an access token, e.g. 1h or 15m.");
ABSL_FLAG(absl::Duration, refresh_token_ttl, absl::Hours(24 * 30),
          "Lifetime of a refresh token, e.g. 720h.");
ABSL_FLAG(int, mutation_horizon_days, 90,
          "Days an applied Push mutation id is remembered (a retry within "
          "them is answered DUPLICATE) and a sync token stays valid.");
ABSL_FLAG(std::string, follow_up_rules, "",
          "The county's follow-up rules file (name = value lines: "
          "unstable_days, basically_stable_days, stable_days, "
          "high_risk_days, low_risk_days, no_risk_days, first_visit_days, "
          "missed_visits_lost, alert_risk_level); DOMAIN.md's defaults "
          "when not given.");
ABSL_FLAG(absl::Duration, visit_clock_skew, absl::Minutes(10),
          "How far ahead of the server's clock a device may date a visit.");
ABSL_FLAG(absl::Duration, maintenance_interval, absl::Hours(1),
          "How often contracts past their end expire and overdue "
          "follow-ups raise alerts (also once at start); 0 turns it off.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM or SIGINT, how long in-flight calls may take to "
          "finish before they are cancelled.");
ABSL_FLAG(std::string, bootstrap_admin, "",
          "Create an administrator with this username and exit. The "
          "password comes from the environment variable "
          "REHAB_BOOTSTRAP_PASSWORD, else it is asked on the terminal.");
ABSL_FLAG(bool, demo, false,
          "Seed the demo county if the database holds no patients, print "
          "the demo accounts, then serve.");

namespace rehab {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr char kPasswordEnv[] = "REHAB_BOOTSTRAP_PASSWORD";

int UsageError(const std::string& message) {
  std::cerr << "rehabd: " << message << "\nTry 'rehabd --help'.\n";
  return kExitUsage;
}

bool IsOurFlagFile(absl::string_view file) {
  return absl::EndsWith(file, "main.cc");
}

bool IsUsageFlag(const std::string& name) {
  for (const char* usage :
       {"help", "helpfull", "helpshort", "helppackage", "helpon", "helpmatch",
        "version", "only_check_args"}) {
    if (name == usage) return true;
  }
  return false;
}

// absl's parser exits with status 1 on a bad command line, and rehabd's
// contract is 2: so every argument is checked here first, against the same
// flag registry and with the same value parsers.
std::optional<std::string> CheckArguments(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      if (i + 1 < argc) {
        return absl::StrCat("unexpected argument \"", argv[i + 1], "\"");
      }
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      return absl::StrCat("unexpected argument \"", arg,
                          "\" (flags start with --)");
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string name = body;
    std::string value;
    bool has_value = false;
    if (size_t eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    // absl's own usage flags (--help, --helpfull, --version ...) are left
    // to absl::ParseCommandLine.
    if (IsUsageFlag(name)) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && !has_value && absl::StartsWith(name, "no")) {
      absl::CommandLineFlag* negated =
          absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) {
        flag = negated;
        name = name.substr(2);
        value = "false";
        has_value = true;
      }
    }
    if (flag == nullptr) return absl::StrCat("unknown flag --", name);
    if (!has_value) {
      if (flag->IsOfType<bool>()) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::StrCat("flag --", name, " needs a value");
      }
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::StrCat("bad value \"", value, "\" for --", name, ": ",
                          error);
    }
  }
  return std::nullopt;
}

// Checks what the flag types cannot; fills `options`.
std::optional<std::string> BuildOptions(ServerOptions* options) {
  log::Level level;
  const std::string level_name = absl::GetFlag(FLAGS_log_level);
  if (level_name == "off" || !log::ParseLevel(level_name, &level)) {
    return absl::StrCat("bad value \"", level_name,
                        "\" for --log_level: use debug, info, warn or error");
  }
  log::SetLevel(level);
  options->listen = absl::GetFlag(FLAGS_listen);
  if (options->listen.empty()) return "--listen must not be empty";
  options->db_path = absl::GetFlag(FLAGS_db);
  if (options->db_path.empty()) return "--db must not be empty";
  options->tls_cert_path = absl::GetFlag(FLAGS_tls_cert);
  options->tls_key_path = absl::GetFlag(FLAGS_tls_key);
  options->tls_client_ca_path = absl::GetFlag(FLAGS_tls_client_ca);
  options->allow_insecure = absl::GetFlag(FLAGS_allow_insecure);
  options->reflection = absl::GetFlag(FLAGS_reflection);
  options->time_zone = absl::GetFlag(FLAGS_time_zone);
  options->workers = absl::GetFlag(FLAGS_workers);
  if (options->workers < 1 || options->workers > 4096) {
    return "--workers must be from 1 to 4096";
  }
  const int queue = absl::GetFlag(FLAGS_queue);
  if (queue < 1) return "--queue must be at least 1";
  options->queue_capacity = static_cast<size_t>(queue);
  options->auth.access_ttl = absl::GetFlag(FLAGS_access_token_ttl);
  options->auth.refresh_ttl = absl::GetFlag(FLAGS_refresh_token_ttl);
  if (options->auth.access_ttl <= absl::ZeroDuration() ||
      options->auth.refresh_ttl <= absl::ZeroDuration()) {
    return "--access_token_ttl and --refresh_token_ttl must be positive";
  }
  const int horizon_days = absl::GetFlag(FLAGS_mutation_horizon_days);
  if (horizon_days < 1 || horizon_days > 3650) {
    return "--mutation_horizon_days must be from 1 to 3650";
  }
  options->sync.horizon = absl::Hours(24) * horizon_days;
  if (absl::GetFlag(FLAGS_shutdown_grace) < absl::ZeroDuration()) {
    return "--shutdown_grace must not be negative";
  }
  const std::string rules_path = absl::GetFlag(FLAGS_follow_up_rules);
  if (!rules_path.empty()) {
    absl::StatusOr<FollowUpRules> rules = FollowUpRules::Load(rules_path);
    if (!rules.ok()) {
      return absl::StrCat("--follow_up_rules: ", rules.status().message());
    }
    options->contracts.rules = *rules;
  }
  options->contracts.clock_skew_tolerance =
      absl::GetFlag(FLAGS_visit_clock_skew);
  if (options->contracts.clock_skew_tolerance < absl::ZeroDuration() ||
      options->contracts.clock_skew_tolerance > absl::Hours(24)) {
    return "--visit_clock_skew must be from 0 to 24h";
  }
  options->maintenance_interval = absl::GetFlag(FLAGS_maintenance_interval);
  if (options->maintenance_interval < absl::ZeroDuration()) {
    return "--maintenance_interval must not be negative";
  }
  options->seed_demo = absl::GetFlag(FLAGS_demo);
  return std::nullopt;
}

// Reads a line from the terminal without echoing it.
std::optional<std::string> ReadHidden(const char* prompt) {
  if (!isatty(STDIN_FILENO)) return std::nullopt;
  std::cerr << prompt << std::flush;
  termios saved{};
  if (tcgetattr(STDIN_FILENO, &saved) != 0) return std::nullopt;
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string line;
  const bool read = static_cast<bool>(std::getline(std::cin, line));
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  std::cerr << "\n";
  if (!read) return std::nullopt;
  return line;
}

int BootstrapAdmin(const ServerOptions& options, const std::string& username) {
  std::string password;
  if (const char* env = std::getenv(kPasswordEnv); env != nullptr) {
    password = env;
  } else {
    std::optional<std::string> first =
        ReadHidden(absl::StrCat("Password for ", username, ": ").c_str());
    if (!first.has_value()) {
      std::cerr << "rehabd: no password: set " << kPasswordEnv
                << " or run on a terminal\n";
      return kExitFailure;
    }
    std::optional<std::string> again = ReadHidden("Repeat the password: ");
    if (!again.has_value() || *again != *first) {
      std::cerr << "rehabd: the passwords differ; nothing was created\n";
      return kExitFailure;
    }
    password = *std::move(first);
  }

  StoreOptions store_options;
  store_options.path = options.db_path;
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(store_options);
  if (!store.ok()) {
    std::cerr << "rehabd: cannot open the database \"" << options.db_path
              << "\": " << store.status().message() << "\n";
    return kExitFailure;
  }
  PasswordHasher hasher(options.password_hasher);
  AuthManager auth(store->get(), Clock::Real(), &hasher, options.auth);
  absl::StatusOr<rehab::v1::Account> account =
      auth.BootstrapAdmin(username, password);
  (*store)->Close();
  if (!account.ok()) {
    if (account.status().code() == absl::StatusCode::kAlreadyExists) {
      std::cerr << "rehabd: the username \"" << username
                << "\" is taken; nothing was changed\n";
    } else {
      std::cerr << "rehabd: cannot create the administrator: "
                << account.status().message() << "\n";
    }
    return kExitFailure;
  }
  std::cout << "Created administrator \"" << account->username()
            << "\" (account " << account->id() << ") in " << options.db_path
            << "\n";
  return 0;
}

void PrintDemoSummary(const DemoSummary& summary) {
  if (summary.seeded) {
    std::cout << "Seeded the demo county " << kDemoCountyCode << ": "
              << summary.areas << " areas, " << summary.facilities
              << " facilities, " << summary.practitioners << " practitioners, "
              << summary.patients << " patients, " << summary.enrollments
              << " enrollments, " << summary.contracts << " contracts, "
              << summary.visits << " visits.\n";
  } else {
    std::cout << "The database holds patients already; nothing was "
                 "seeded.\n";
  }
  std::cout << "Demo accounts (for trying RehabTrack out only):\n";
  for (const DemoAccount& a : summary.accounts) {
    std::cout << "  " << a.username << " / " << a.password << "  " << a.role
              << "  " << a.scope_description << "\n";
  }
  std::cout << std::flush;
}

int Serve(const ServerOptions& options) {
  // Blocked before any thread starts, so every thread inherits the mask and
  // the signals reach only the sigwait below: no work in a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::unique_ptr<RehabServer>> server =
      RehabServer::Start(options);
  if (!server.ok()) {
    log::Error("server_start_failed",
               {{"listen", options.listen},
                {"error", std::string(server.status().message())}});
    std::cerr << "rehabd: " << server.status().message() << "\n";
    return kExitFailure;
  }
  if ((*server)->demo_summary().has_value()) {
    PrintDemoSummary(*(*server)->demo_summary());
  }
  std::cout << "rehabd serving on " << options.listen << " (port "
            << (*server)->port() << ", TLS "
            << ((*server)->tls() ? "on" : "off") << ")" << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log::Info("server_stopping",
            {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  server->reset();
  return 0;
}

int Main(int argc, char** argv) {
  // Abseil built without NDEBUG (as the system's is) checks every
  // absl::Mutex acquisition against a process-wide lock graph, under one
  // global lock, and updates the graph whenever a Mutex is destroyed: a
  // serialising cost on every call. The tests keep the check on (it aborts
  // on a lock-order cycle); the server does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "the RehabTrack server.\n\n"
      "  rehabd [--listen=127.0.0.1:50051] [--db=rehab.db] [flags]\n"
      "  rehabd --db=FILE --bootstrap_admin=NAME\n"
      "  rehabd --db=FILE --demo");
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = IsOurFlagFile;
  usage.contains_helpshort_flags = IsOurFlagFile;
  usage.normalize_filename = [](absl::string_view file) {
    return IsOurFlagFile(file) ? std::string("server/main.cc")
                               : std::string(file);
  };
  absl::SetFlagsUsageConfig(usage);

  if (std::optional<std::string> error = CheckArguments(argc, argv)) {
    return UsageError(*error);
  }
  absl::ParseCommandLine(argc, argv);

  ServerOptions options;
  if (std::optional<std::string> error = BuildOptions(&options)) {
    return UsageError(*error);
  }
  const std::string bootstrap = absl::GetFlag(FLAGS_bootstrap_admin);
  if (!bootstrap.empty()) return BootstrapAdmin(options, bootstrap);
  return Serve(options);
}

}  // namespace
}  // namespace rehab

int main(int argc, char** argv) { return rehab::Main(argc, argv); }
