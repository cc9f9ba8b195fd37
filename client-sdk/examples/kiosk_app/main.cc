// kiosk_app: a rehab station's check-in, the way a kiosk uses the SDK.
//
//   kiosk_app --server 127.0.0.1:50051 --username kiosk.station07
//             --card 32083119800101001X41
//
// Logs in with a KIOSK account (password from --password or the
// environment variable REHAB_KIOSK_PASSWORD; the username may also come
// from REHAB_KIOSK_USERNAME), looks the patient up by disability card
// number and prints "<name> <id>", or "not found".
//
// Exit status: 0 found, 1 not found, 2 usage error, 3 any other failure.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "rehab/client.h"

namespace {

void PrintUsage() {
  std::cerr << "usage: kiosk_app [--server HOST:PORT] --username NAME "
               "[--password PASSWORD] --card CARD_NUMBER\n"
               "  the password may also come from REHAB_KIOSK_PASSWORD, the "
               "username from REHAB_KIOSK_USERNAME\n";
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

void PrintError(const char* what, const absl::Status& status) {
  std::cerr << "kiosk_app: " << what << ": " << status.message();
  const std::string reason = rehab::client::ErrorReason(status);
  if (!reason.empty()) std::cerr << " (" << reason << ")";
  std::cerr << "\n";
  // A mistyped card number says which part is wrong.
  for (const rehab::client::FieldViolation& v :
       rehab::client::FieldViolationsOf(status)) {
    std::cerr << "  " << v.field << ": " << v.description << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  rehab::client::ClientOptions options;
  options.device_id = "kiosk_app";
  std::string username = Env("REHAB_KIOSK_USERNAME");
  std::string password = Env("REHAB_KIOSK_PASSWORD");
  std::string card;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      PrintUsage();
      return 0;
    }
    if (i + 1 >= argc) {
      PrintUsage();
      return 2;
    }
    const std::string value = argv[++i];
    if (flag == "--server") {
      options.target = value;
    } else if (flag == "--username") {
      username = value;
    } else if (flag == "--password") {
      password = value;
    } else if (flag == "--card") {
      card = value;
    } else {
      PrintUsage();
      return 2;
    }
  }
  if (username.empty() || password.empty() || card.empty()) {
    PrintUsage();
    return 2;
  }

  absl::StatusOr<std::unique_ptr<rehab::client::Client>> client =
      rehab::client::Client::Create(options);
  if (!client.ok()) {
    PrintError("cannot connect", client.status());
    return 3;
  }
  absl::StatusOr<rehab::v1::LoginResponse> login =
      (*client)->Login(username, password);
  if (!login.ok()) {
    PrintError("login failed", login.status());
    return 3;
  }

  rehab::v1::LookupPatientRequest lookup;
  lookup.set_disability_card_number(card);
  absl::StatusOr<rehab::v1::Patient> patient = (*client)->LookupPatient(lookup);
  int exit_code = 0;
  if (patient.ok()) {
    std::cout << patient->name() << " " << patient->id() << "\n";
  } else if (patient.status().code() == absl::StatusCode::kNotFound) {
    std::cout << "not found\n";
    exit_code = 1;
  } else {
    PrintError("lookup failed", patient.status());
    exit_code = 3;
  }
  // A kiosk is a shared device: leave no session behind.
  absl::Status logout = (*client)->Logout();
  if (!logout.ok()) PrintError("logout failed", logout);
  return exit_code;
}
