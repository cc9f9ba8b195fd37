#include "server/storage/connection_pool.h"

#include <algorithm>
#include <utility>

#include "server/common/status_macros.h"

namespace rehab::storage {

absl::StatusOr<std::unique_ptr<ConnectionPool>> ConnectionPool::Open(
    const std::string& path, int size, const ConnectionOptions& options) {
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < std::max(size, 1); ++i) {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection,
                     Connection::Open(path, options));
    connections.push_back(std::move(connection));
  }
  return std::unique_ptr<ConnectionPool>(
      new ConnectionPool(std::move(connections)));
}

ConnectionPool::ConnectionPool(
    std::vector<std::unique_ptr<Connection>> connections)
    : connections_(std::move(connections)) {
  for (const auto& connection : connections_) {
    free_.push_back(connection.get());
  }
}

ConnectionPool::~ConnectionPool() { Close(); }

bool ConnectionPool::FreeOrClosed() const { return closed_ || !free_.empty(); }

bool ConnectionPool::AllReturned() const {
  return free_.size() == connections_.size();
}

absl::StatusOr<Connection*> ConnectionPool::Acquire() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &ConnectionPool::FreeOrClosed));
  if (closed_) return absl::UnavailableError("the store is closed");
  Connection* connection = free_.back();
  free_.pop_back();
  return connection;
}

void ConnectionPool::Release(Connection* connection) {
  absl::MutexLock lock(&mu_);
  free_.push_back(connection);
}

void ConnectionPool::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  mu_.Await(absl::Condition(this, &ConnectionPool::AllReturned));
  free_.clear();
  connections_.clear();
}

}  // namespace rehab::storage
