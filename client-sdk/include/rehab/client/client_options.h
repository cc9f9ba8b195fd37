// How a rehab::client::Client connects to rehabd.
//
//   rehab::client::ClientOptions options;
//   options.target = "rehab.county.example:50051";
//   options.use_tls = true;
//   options.device_id = "kiosk-station-07";
//   auto client = rehab::client::Client::Create(options);
#ifndef REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_CLIENT_OPTIONS_H_
#define REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_CLIENT_OPTIONS_H_

#include <string>

#include "absl/time/time.h"

namespace rehab::client {

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
};

}  // namespace rehab::client

#endif  // REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_CLIENT_OPTIONS_H_
