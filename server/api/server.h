// rehabd's gRPC server: the store, the domain managers and the services,
// wired together and listening (DESIGN.md sections 3, 5, 7 and 11).
//
//   ServerOptions options;
//   options.listen = "127.0.0.1:0";
//   options.db_path = "/tmp/test.db";
//   ASSIGN_OR_RETURN(std::unique_ptr<RehabServer> server,
//                    RehabServer::Start(options));
//   ... connect to 127.0.0.1:server->port() ...
//   server->Shutdown(absl::Seconds(10));
#ifndef REHAB_SERVER_API_SERVER_H_
#define REHAB_SERVER_API_SERVER_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "server/common/clock.h"
#include "server/domain/admin_manager.h"
#include "server/domain/alert_manager.h"
#include "server/domain/auth_manager.h"
#include "server/domain/contract_manager.h"
#include "server/domain/demo_county.h"
#include "server/domain/directory_manager.h"
#include "server/domain/password_hasher.h"
#include "server/domain/patient_manager.h"
#include "server/domain/store.h"
#include "server/domain/sync_collections.h"
#include "server/domain/sync_manager.h"

namespace rehab {

class AdminService;
class AuthService;
class CallContext;
class ContractService;
class ReportService;
class DirectoryService;
class Executor;
class PatientService;
class SqliteStore;
class SyncService;

struct ServerOptions {
  // "host:port" to listen on; port 0 picks a free port (see port()).
  // "unix:PATH" listens on a Unix socket.
  std::string listen = "127.0.0.1:50051";
  // The SQLite database file; created and migrated when needed.
  std::string db_path = "rehab.db";

  // PEM files. TLS when cert and key are given (both or neither); mutual
  // TLS, requiring and verifying a client certificate, when client_ca is
  // given too.
  std::string tls_cert_path;
  std::string tls_key_path;
  std::string tls_client_ca_path;
  // Without TLS the server listens on loopback addresses (127.0.0.0/8,
  // localhost, [::1]) and Unix sockets only, unless this is set.
  bool allow_insecure = false;

  // Serve grpc.reflection.v1alpha.ServerReflection.
  bool reflection = true;

  // Executor threads running the domain work of calls, and the queue of
  // calls waiting for one beyond which calls are refused at once with
  // RESOURCE_EXHAUSTED (reason OVERLOADED).
  int workers = 64;
  size_t queue_capacity = 4096;

  // Message size limits. The receive limit is above Push's 4 MiB batch limit
  // so that the domain's error, not the transport's, answers (section 6).
  int max_receive_message_bytes = 8 << 20;
  int max_send_message_bytes = 16 << 20;

  // Keepalive: the server pings a connection idle for keepalive_time (even
  // without calls, to find phones that vanished) and drops it when no
  // answer comes within keepalive_timeout; clients may ping at most every
  // min_client_ping_interval.
  absl::Duration keepalive_time = absl::Minutes(5);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  absl::Duration min_client_ping_interval = absl::Seconds(30);

  // The county's time zone (IANA name): what "today" is.
  std::string time_zone = "Asia/Shanghai";

  // Token lifetimes (access 1 h, refresh 30 days), break-glass duration and
  // failed-login limits.
  AuthOptions auth;
  // Argon2id cost; tests use PasswordHasherOptions::ForTests().
  PasswordHasherOptions password_hasher;

  // SyncService: how long applied mutation ids and sync tokens are kept
  // (rehabd --mutation_horizon_days, default 90 days).
  SyncOptions sync;

  // Contracts and follow-ups: the county's follow-up rules (rehabd
  // --follow_up_rules FILE; DOMAIN.md's defaults when not given), the
  // clock-skew tolerance for visits, and how often the maintenance pass
  // runs (contract expiry, overdue alerts, lost to follow-up; also once at
  // start).
  ContractManagerOptions contracts;
  absl::Duration maintenance_interval = absl::Hours(1);

  // Seed the demo county before serving when the registry holds no
  // patients (rehabd --demo); see demo_summary().
  bool seed_demo = false;

  // The source of "now"; null: the real clock. Must outlive the server.
  const Clock* clock = nullptr;
};

// A running server. Thread-safe.
class RehabServer {
 public:
  // Opens the store (running its migrations), builds the managers, seeds
  // the demo county when asked, and starts serving; the health service
  // answers SERVING from then on. Errors, each with a message fit for an
  // operator:
  //   INVALID_ARGUMENT     a malformed listen address, an unknown time
  //                        zone, a TLS key without a certificate (or the
  //                        reverse), a client CA without TLS, workers or
  //                        queue_capacity below 1, a sync horizon that is
  //                        not positive;
  //   FAILED_PRECONDITION  no TLS on a non-loopback address without
  //                        allow_insecure; an unreadable TLS file;
  //   UNAVAILABLE          the address cannot be bound;
  //   the store's error when the database cannot be opened or migrated.
  static absl::StatusOr<std::unique_ptr<RehabServer>> Start(
      ServerOptions options);

  // Shuts down with no grace, if Shutdown was not called.
  ~RehabServer();

  RehabServer(const RehabServer&) = delete;
  RehabServer& operator=(const RehabServer&) = delete;

  // The bound TCP port (the chosen one when the listen port was 0); 0 for a
  // Unix socket.
  int port() const { return port_; }
  bool tls() const { return tls_; }

  // Marks the health service NOT_SERVING, refuses new calls, lets in-flight
  // calls finish for up to `grace` (then cancels them), stops the executor
  // and closes the store cleanly. Idempotent; blocks until done.
  void Shutdown(absl::Duration grace);

  // The parts, for rehabd and tests. Valid until the server is destroyed.
  Store* store() const;
  AuthManager* auth() const { return auth_.get(); }
  DirectoryManager* directory() const { return directory_.get(); }
  PatientManager* patients() const { return patients_.get(); }
  ContractManager* contracts() const { return contracts_.get(); }
  AlertManager* alerts() const { return alerts_.get(); }
  AdminManager* admin() const { return admin_.get(); }
  SyncManager* sync() const { return sync_.get(); }
  const PasswordHasher* hasher() const { return hasher_.get(); }
  const Clock* clock() const { return clock_; }
  absl::TimeZone time_zone() const { return zone_; }
  // What demo seeding did; nullopt unless options.seed_demo.
  const std::optional<DemoSummary>& demo_summary() const {
    return demo_summary_;
  }

 private:
  explicit RehabServer(const ServerOptions& options);
  absl::Status Init();
  // Runs ContractManager::RunMaintenance every maintenance_interval until
  // shutdown.
  void MaintenanceLoop();

  const ServerOptions options_;
  const Clock* clock_ = nullptr;
  absl::TimeZone zone_;
  int port_ = 0;
  bool tls_ = false;
  std::optional<DemoSummary> demo_summary_;

  // Declared in dependency order: destroyed in reverse, the gRPC server
  // (which holds the services) first, the store last.
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<AuthManager> auth_;
  std::unique_ptr<DirectoryManager> directory_;
  std::unique_ptr<PatientManager> patients_;
  std::unique_ptr<ContractManager> contracts_;
  std::unique_ptr<AlertManager> alerts_;
  std::unique_ptr<AdminManager> admin_;
  std::unique_ptr<SyncCollections> sync_collections_;
  std::unique_ptr<SyncManager> sync_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<CallContext> calls_;
  std::unique_ptr<AuthService> auth_service_;
  std::unique_ptr<DirectoryService> directory_service_;
  std::unique_ptr<PatientService> patient_service_;
  std::unique_ptr<ContractService> contract_service_;
  std::unique_ptr<ReportService> report_service_;
  std::unique_ptr<AdminService> admin_service_;
  std::unique_ptr<SyncService> sync_service_;
  std::unique_ptr<grpc::Server> server_;

  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;

  absl::Mutex maintenance_mu_;
  bool stop_maintenance_ ABSL_GUARDED_BY(maintenance_mu_) = false;
  std::thread maintenance_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_API_SERVER_H_
