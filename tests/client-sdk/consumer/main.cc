// An app of its own, built against the installed SDK: logs in, queues a
// patient offline into a new local database and prints its id.
//
//   consumer TARGET USERNAME PASSWORD DB_PATH
//
// Prints "queued <id> (1 pending)" and exits 0, or says what failed and
// exits 1.
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "rehab/client.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: consumer TARGET USERNAME PASSWORD DB_PATH\n";
    return 2;
  }
  rehab::client::ClientOptions options;
  options.target = argv[1];
  options.device_id = "consumer";
  options.local_db_path = argv[4];
  absl::StatusOr<std::unique_ptr<rehab::client::Client>> client =
      rehab::client::Client::Create(options);
  if (!client.ok()) {
    std::cerr << "consumer: " << client.status() << "\n";
    return 1;
  }
  absl::StatusOr<rehab::v1::LoginResponse> login =
      (*client)->Login(argv[2], argv[3]);
  if (!login.ok()) {
    std::cerr << "consumer: login: " << login.status() << " ("
              << rehab::client::ErrorReason(login.status()) << ")\n";
    return 1;
  }

  rehab::v1::Patient patient;
  patient.set_name("Consumer Patient");
  patient.set_id_number("32083119800101001X");
  patient.set_id(rehab::client::PatientIdForIdNumber(patient.id_number()));
  absl::StatusOr<std::string> id = (*client)->Create(patient);
  if (!id.ok()) {
    std::cerr << "consumer: queue: " << id.status() << "\n";
    return 1;
  }
  absl::StatusOr<int64_t> pending = (*client)->PendingCount();
  if (!pending.ok()) {
    std::cerr << "consumer: pending: " << pending.status() << "\n";
    return 1;
  }
  std::cout << "queued " << *id << " (" << *pending << " pending)\n";
  return *id == patient.id() && *pending == 1 ? 0 : 1;
}
