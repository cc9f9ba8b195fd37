#include "server/domain/login_limiter.h"

namespace rehab {
namespace {

// Above this many tracked names and peers together, a failure sweeps out
// the entries that no longer hold any failure.
constexpr size_t kSweepThreshold = 4096;

}  // namespace

LoginLimiter::LoginLimiter(LoginLimiterOptions options) : options_(options) {}

void LoginLimiter::Prune(Failures& f, absl::Time now) const {
  while (!f.empty() && f.front() <= now - options_.window) f.pop_front();
}

bool LoginLimiter::Allowed(const std::string& username, const std::string& peer,
                           absl::Time now) {
  absl::MutexLock lock(&mu_);
  // Prunes and drops spent entries on the way, so that names and peers
  // that stopped failing do not hold memory.
  auto within_limit = [&](absl::flat_hash_map<std::string, Failures>& map,
                          const std::string& key, int max) {
    auto it = map.find(key);
    if (it == map.end()) return true;
    Prune(it->second, now);
    if (it->second.empty()) {
      map.erase(it);
      return true;
    }
    return static_cast<int>(it->second.size()) < max;
  };
  const bool account_ok =
      within_limit(by_account_, username, options_.max_failures_per_account);
  const bool peer_ok =
      within_limit(by_peer_, peer, options_.max_failures_per_peer);
  return account_ok && peer_ok;
}

void LoginLimiter::RecordFailure(const std::string& username,
                                 const std::string& peer, absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (auto* entry : {&by_account_[username], &by_peer_[peer]}) {
    Prune(*entry, now);
    entry->push_back(now);
  }
  // Bounds memory against a flood of distinct names or peers: sweep out
  // every entry whose failures have all left the window.
  if (by_account_.size() + by_peer_.size() > kSweepThreshold) {
    for (auto* map : {&by_account_, &by_peer_}) {
      for (auto it = map->begin(); it != map->end();) {
        Prune(it->second, now);
        if (it->second.empty()) {
          map->erase(it++);
        } else {
          ++it;
        }
      }
    }
  }
}

void LoginLimiter::RecordSuccess(const std::string& username) {
  absl::MutexLock lock(&mu_);
  by_account_.erase(username);
}

}  // namespace rehab
