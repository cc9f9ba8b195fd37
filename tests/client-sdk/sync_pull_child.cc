// A device that logs in and syncs until caught up, for the end-to-end test
// that kills a device mid-pull (sync_e2e_test.cc runs it and SIGKILLs it).
//
//   sync_pull_child TARGET LOCAL_DB USERNAME PASSWORD PAGE_SIZE
//
// Exit status: 0 when caught up, 1 on a sync error, 2 on bad arguments.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "rehab/client/client.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr,
                 "usage: %s TARGET LOCAL_DB USERNAME PASSWORD PAGE_SIZE\n",
                 argv[0]);
    return 2;
  }
  rehab::client::ClientOptions options;
  options.target = argv[1];
  options.local_db_path = argv[2];
  options.pull_page_size = std::atoi(argv[5]);
  options.retry.initial_backoff = absl::Milliseconds(20);
  absl::StatusOr<std::unique_ptr<rehab::client::Client>> client =
      rehab::client::Client::Create(options);
  if (!client.ok()) {
    std::fprintf(stderr, "%s\n", client.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<rehab::v1::LoginResponse> login =
      (*client)->Login(argv[3], argv[4]);
  if (!login.ok()) {
    std::fprintf(stderr, "%s\n", login.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<rehab::client::SyncReport> report = (*client)->Sync();
  if (!report.ok()) {
    std::fprintf(stderr, "%s\n", report.status().ToString().c_str());
    return 1;
  }
  return 0;
}
