// A fixed set of connections to one database, each lent to one thread at a
// time: the readers of SqliteStore.
//
//   ASSIGN_OR_RETURN(Connection * conn, pool->Acquire());
//   absl::Cleanup give_back = [&] { pool->Release(conn); };
//
// Thread-safe.
#ifndef REHAB_SERVER_STORAGE_CONNECTION_POOL_H_
#define REHAB_SERVER_STORAGE_CONNECTION_POOL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/storage/connection.h"

namespace rehab::storage {

class ConnectionPool {
 public:
  // Opens `size` (at least 1) connections to `path` with `options`.
  static absl::StatusOr<std::unique_ptr<ConnectionPool>> Open(
      const std::string& path, int size, const ConnectionOptions& options);

  // Closes (see Close).
  ~ConnectionPool();

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A free connection, waiting while all are lent. The caller has it
  // alone until Release. UNAVAILABLE once Close has begun.
  absl::StatusOr<Connection*> Acquire();

  // Gives back a connection from Acquire.
  void Release(Connection* connection);

  // Refuses further Acquire calls, waits until every lent connection is
  // back, and closes them all. Idempotent.
  void Close();

 private:
  explicit ConnectionPool(std::vector<std::unique_ptr<Connection>> connections);

  bool FreeOrClosed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool AllReturned() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> connections_ ABSL_GUARDED_BY(mu_);
  std::vector<Connection*> free_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace rehab::storage

#endif  // REHAB_SERVER_STORAGE_CONNECTION_POOL_H_
