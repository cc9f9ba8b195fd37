// How a rehab::client::Client connects to rehabd.
//
//   rehab::client::ClientOptions options;
//   options.target = "rehab.county.example:50051";
//   options.use_tls = true;
//   options.device_id = "kiosk-station-07";
//   auto client = rehab::client::Client::Create(options);
#ifndef REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_CLIENT_OPTIONS_H_
#define REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_CLIENT_OPTIONS_H_

#include <functional>
#include <string>

#include "absl/time/time.h"

namespace rehab::client {

// How calls that may succeed later are retried: UNAVAILABLE,
// DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED, with exponential backoff and
// jitter (each wait is drawn uniformly from [backoff * (1 - jitter),
// backoff * (1 + jitter)], the backoff multiplied by `multiplier` after
// each attempt up to `max_backoff`).
struct RetryPolicy {
  int max_attempts = 5;  // attempts in all; 1: no retry
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(30);
  double multiplier = 2.0;
  double jitter = 0.2;  // 0 to 1
};

struct ClientOptions {
  // The server, as "host:port" (or any gRPC target name, e.g.
  // "dns:///rehab.example:50051" or "unix:/run/rehabd.sock").
  std::string target = "127.0.0.1:50051";

  // Connect over TLS. Without TLS, rehabd listens on loopback only unless it
  // was started with --allow_insecure.
  bool use_tls = false;

  // PEM roots that the server's certificate must chain to. Empty: the
  // system's roots. Ignored unless use_tls.
  std::string tls_root_certs_pem;

  // PEM client certificate chain and private key for mutual TLS (a server
  // started with --tls_client_ca). Both or neither. Ignored unless use_tls.
  std::string tls_client_cert_pem;
  std::string tls_client_key_pem;

  // How long each call may take, a token refresh included separately: a
  // call that refreshes its token and retries may take up to three times
  // this. Must be positive.
  absl::Duration default_deadline = absl::Seconds(10);

  // Names this device to the server (LoginRequest.device_id), which records
  // it on what the device writes. Empty: the server records none.
  std::string device_id;

  // --- Offline work ----------------------------------------------------------
  // The device's local SQLite database: the outbox of unsent writes and the
  // cache of records in the account's scope. Created when absent. Empty:
  // online only (the offline methods fail FAILED_PRECONDITION).
  std::string local_db_path;
  // The device clock (device_time of mutations, clock skew, "today" of the
  // local follow-up queries). Empty: the system clock.
  std::function<absl::Time()> clock;
  // The county's time zone (an IANA name), in which the server keeps every
  // date (due dates, contract terms): what "today" is for the local
  // follow-up queries. Client::Create refuses a name it cannot load.
  std::string time_zone = "Asia/Shanghai";
  RetryPolicy retry;
  // Mutations per Push (at most the server's 500); halved on
  // RESOURCE_EXHAUSTED.
  int push_batch_size = 500;
  // Changes per Pull page (at most the server's 2000).
  int pull_page_size = 500;
};

}  // namespace rehab::client

#endif  // REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_CLIENT_OPTIONS_H_
