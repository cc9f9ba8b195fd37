#include "server/api/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "server/api/admin_service.h"
#include "server/api/auth_service.h"
#include "server/api/call_context.h"
#include "server/api/contract_service.h"
#include "server/api/directory_service.h"
#include "server/api/executor.h"
#include "server/api/patient_service.h"
#include "server/api/report_service.h"
#include "server/api/sync_service.h"
#include "server/common/dates.h"
#include "server/common/log.h"
#include "server/common/status_macros.h"
#include "server/storage/sqlite_store.h"

namespace rehab {
namespace {

// The services whose health is reported by name, besides the server's
// overall health (the empty name).
constexpr const char* kServiceNames[] = {
    "rehab.v1.AuthService",    "rehab.v1.DirectoryService",
    "rehab.v1.PatientService", "rehab.v1.AdminService",
    "rehab.v1.SyncService",    "rehab.v1.ContractService",
    "rehab.v1.ReportService",
};

// Serves reflection on this server exactly when asked. Linking gRPC's
// reflection library registers its plugin for every server the process
// builds (a static initializer), and InitProtoReflectionServerBuilderPlugin()
// would register it again; so the plugin list is set here per server.
class ReflectionOption final : public grpc::ServerBuilderOption {
 public:
  explicit ReflectionOption(bool enabled) : enabled_(enabled) {}

  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    const std::string name =
        grpc::reflection::ProtoServerReflectionPlugin().name();
    plugins->erase(
        std::remove_if(plugins->begin(), plugins->end(),
                       [&name](const auto& p) { return p->name() == name; }),
        plugins->end());
    if (enabled_) {
      plugins->push_back(
          std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>());
    }
  }

 private:
  const bool enabled_;
};

struct ListenAddress {
  std::string host;  // without brackets; empty for a Unix socket
  bool unix_socket = false;
};

absl::StatusOr<ListenAddress> ParseListenAddress(const std::string& listen) {
  if (listen.rfind("unix:", 0) == 0 || listen.rfind("unix-abstract:", 0) == 0) {
    return ListenAddress{"", true};
  }
  const auto bad = [&listen](const char* why) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad listen address \"", listen, "\": ", why,
                     " (expected host:port, [ipv6]:port or unix:PATH)"));
  };
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return bad("no port");
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  int port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port < 0 || port > 65535) {
    return bad("the port is not a number from 0 to 65535");
  }
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad("unbalanced [ ]");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return bad("an IPv6 host must be in brackets");
  }
  if (host.empty()) return bad("no host (use 0.0.0.0 or [::] for all)");
  return ListenAddress{host, false};
}

bool IsLoopback(const ListenAddress& address) {
  if (address.unix_socket) return true;
  std::string host = address.host;
  absl::AsciiStrToLower(&host);
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // ::ffff:127.x.y.z
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

absl::StatusOr<std::string> ReadPemFile(const std::string& path,
                                        const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the ", flag, " file \"", path, "\""));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (content.str().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the ", flag, " file \"", path, "\" is empty"));
  }
  return content.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(
    const ServerOptions& options, const ListenAddress& address) {
  const bool has_cert = !options.tls_cert_path.empty();
  const bool has_key = !options.tls_key_path.empty();
  if (has_cert != has_key) {
    return absl::InvalidArgumentError(
        "TLS needs both a certificate and a key (--tls_cert and --tls_key)");
  }
  if (!has_cert) {
    if (!options.tls_client_ca_path.empty()) {
      return absl::InvalidArgumentError(
          "--tls_client_ca needs TLS: give --tls_cert and --tls_key too");
    }
    if (!options.allow_insecure && !IsLoopback(address)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to serve without TLS on \"", options.listen,
          "\", which is not a loopback address: give --tls_cert and "
          "--tls_key, listen on 127.0.0.1, or pass --allow_insecure"));
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.cert_chain,
                   ReadPemFile(options.tls_cert_path, "--tls_cert"));
  ASSIGN_OR_RETURN(pair.private_key,
                   ReadPemFile(options.tls_key_path, "--tls_key"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!options.tls_client_ca_path.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPemFile(options.tls_client_ca_path,
                                                     "--tls_client_ca"));
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

int Millis(absl::Duration d) {
  return static_cast<int>(absl::ToInt64Milliseconds(d));
}

}  // namespace

RehabServer::RehabServer(const ServerOptions& options)
    : options_(options),
      clock_(options.clock != nullptr ? options.clock : Clock::Real()) {}

RehabServer::~RehabServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<RehabServer>> RehabServer::Start(
    ServerOptions options) {
  std::unique_ptr<RehabServer> server(new RehabServer(options));
  RETURN_IF_ERROR(server->Init());
  return server;
}

absl::Status RehabServer::Init() {
  // Everything that can be checked without touching the database is
  // checked first, so that a bad flag creates no file.
  if (options_.workers < 1 || options_.queue_capacity < 1) {
    return absl::InvalidArgumentError(
        "workers and queue_capacity must be at least 1");
  }
  if (options_.sync.horizon <= absl::ZeroDuration() ||
      options_.sync.prune_limit < 1) {
    return absl::InvalidArgumentError(
        "the sync horizon must be positive and prune_limit at least 1");
  }
  std::optional<absl::TimeZone> zone = LoadCountyTimeZone(options_.time_zone);
  if (!zone.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown time zone \"", options_.time_zone,
                     "\" (expected an IANA name such as Asia/Shanghai)"));
  }
  zone_ = *zone;
  ASSIGN_OR_RETURN(ListenAddress address, ParseListenAddress(options_.listen));
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   MakeCredentials(options_, address));
  tls_ = !options_.tls_cert_path.empty();

  StoreOptions store_options;
  store_options.path = options_.db_path;
  ASSIGN_OR_RETURN(store_, SqliteStore::Open(store_options));

  hasher_ = std::make_unique<PasswordHasher>(options_.password_hasher);
  // rehabd is the only writer of its database, so the store's own epoch
  // tells every change to credentials (AuthManager's cache).
  AuthOptions auth_options = options_.auth;
  auth_options.credentials_epoch = [store = store_.get()] {
    return store->credentials_epoch();
  };
  auth_ = std::make_unique<AuthManager>(store_.get(), clock_, hasher_.get(),
                                        auth_options);
  directory_ =
      std::make_unique<DirectoryManager>(store_.get(), clock_, hasher_.get());
  patients_ = std::make_unique<PatientManager>(store_.get(), clock_, zone_);
  contracts_ = std::make_unique<ContractManager>(store_.get(), clock_, zone_,
                                                 options_.contracts);
  alerts_ = std::make_unique<AlertManager>(store_.get(), clock_);
  admin_ = std::make_unique<AdminManager>(store_.get(), clock_);
  sync_collections_ = std::make_unique<SyncCollections>(
      SyncManagers{patients_.get(), contracts_.get()});
  sync_ = std::make_unique<SyncManager>(store_.get(), clock_,
                                        sync_collections_.get(), options_.sync);

  if (options_.seed_demo) {
    ASSIGN_OR_RETURN(demo_summary_,
                     SeedDemoCounty(store_.get(), contracts_.get(),
                                    hasher_.get(), clock_, zone_));
  }

  ExecutorOptions executor_options;
  executor_options.workers = options_.workers;
  executor_options.queue_capacity = options_.queue_capacity;
  executor_ = std::make_unique<Executor>(executor_options);
  calls_ =
      std::make_unique<CallContext>(auth_.get(), admin_.get(), executor_.get());
  auth_service_ = std::make_unique<AuthService>(calls_.get(), auth_.get());
  directory_service_ =
      std::make_unique<DirectoryService>(calls_.get(), directory_.get());
  patient_service_ =
      std::make_unique<PatientService>(calls_.get(), patients_.get());
  admin_service_ = std::make_unique<AdminService>(calls_.get(), admin_.get());
  contract_service_ =
      std::make_unique<ContractService>(calls_.get(), contracts_.get());
  report_service_ =
      std::make_unique<ReportService>(calls_.get(), alerts_.get());
  sync_service_ = std::make_unique<SyncService>(calls_.get(), sync_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.SetOption(std::make_unique<ReflectionOption>(options_.reflection));
  builder.AddListeningPort(options_.listen, credentials, &port_);
  builder.RegisterService(auth_service_.get());
  builder.RegisterService(directory_service_.get());
  builder.RegisterService(patient_service_.get());
  builder.RegisterService(admin_service_.get());
  builder.RegisterService(sync_service_.get());
  builder.RegisterService(contract_service_.get());
  builder.RegisterService(report_service_.get());
  builder.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_send_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             Millis(options_.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             Millis(options_.keepalive_timeout));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      Millis(options_.min_client_ping_interval));
  // gRPC sets SO_REUSEPORT by default: a second rehabd on the same port
  // would then share the traffic silently instead of failing to start.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || (port_ == 0 && !address.unix_socket)) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on \"", options_.listen,
                     "\" (address in use, or not an address of this host?)"));
  }
  if (address.unix_socket) port_ = 0;

  if (options_.maintenance_interval > absl::ZeroDuration()) {
    maintenance_ = std::thread([this] { MaintenanceLoop(); });
  }

  // The store was opened and migrated above, so the server is ready.
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(true);
  for (const char* name : kServiceNames) health->SetServingStatus(name, true);

  log::Info(
      "server_started",
      {{"listen", options_.listen},
       {"port", std::to_string(port_)},
       {"tls",
        tls_ ? (options_.tls_client_ca_path.empty() ? "on" : "mutual") : "off"},
       {"db", options_.db_path},
       {"workers", std::to_string(options_.workers)},
       {"reflection", options_.reflection ? "on" : "off"}});
  return absl::OkStatus();
}

Store* RehabServer::store() const { return store_.get(); }

void RehabServer::MaintenanceLoop() {
  for (;;) {
    absl::StatusOr<MaintenanceReport> report =
        contracts_->RunMaintenance(clock_->Now());
    if (!report.ok()) {
      log::Error("maintenance_failed",
                 {{"status", report.status().ToString()}});
    } else if (report->contracts_expired + report->overdue_alerts +
                   report->lost_to_follow_up >
               0) {
      log::Info(
          "maintenance",
          {{"contracts_expired", std::to_string(report->contracts_expired)},
           {"overdue_alerts", std::to_string(report->overdue_alerts)},
           {"lost_to_follow_up", std::to_string(report->lost_to_follow_up)}});
    }
    absl::MutexLock lock(&maintenance_mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(maintenance_mu_) {
      return stop_maintenance_;
    };
    if (maintenance_mu_.AwaitWithTimeout(absl::Condition(&stopping),
                                         options_.maintenance_interval)) {
      return;
    }
  }
}

void RehabServer::Shutdown(absl::Duration grace) {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  if (server_ != nullptr) {
    server_->GetHealthCheckService()->SetServingStatus(false);
    // Waits for in-flight calls until the deadline, then cancels them; our
    // workers still run meanwhile, so every call is finished.
    server_->Shutdown(std::chrono::system_clock::now() +
                      absl::ToChronoMilliseconds(grace));
  }
  {
    absl::MutexLock stop(&maintenance_mu_);
    stop_maintenance_ = true;
  }
  if (maintenance_.joinable()) maintenance_.join();
  // Calls still queued only now find their context cancelled; the executor
  // finishes them before its workers stop.
  if (executor_ != nullptr) executor_->Shutdown();
  if (store_ != nullptr) store_->Close();
  if (server_ != nullptr)
    log::Info("server_stopped", {{"listen", options_.listen}});
}

}  // namespace rehab
