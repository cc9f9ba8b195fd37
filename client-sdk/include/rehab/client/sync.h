// What the offline part of rehab::client::Client reports: the outcome of a
// sync, the sync state an app shows in its UI, and the mutations the
// server refused (parked for the user to see and settle).
#ifndef REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_SYNC_H_
#define REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_SYNC_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "rehab/v1/report.pb.h"
#include "rehab/v1/sync.pb.h"

namespace rehab::client {

// The outcome of one Client::Sync(): the outbox pushed, then the feed
// pulled until caught up.
struct SyncReport {
  int64_t pushed = 0;      // mutations the server applied
  int64_t duplicates = 0;  // mutations it had applied before (retries)
  int64_t conflicts = 0;   // parked: stale base_version
  int64_t rejected = 0;    // parked: refused, with the reason
  int64_t pulled = 0;      // changes applied to the local cache
  // Pulled upserts not applied because the record has unsent local edits
  // (the edit is pushed first; its outcome decides).
  int64_t skipped_pending = 0;
  bool caught_up = false;
  // The feed was started over from the beginning (the server refused the
  // saved position, reason RESYNC_REQUIRED).
  bool resynced = false;
  // Server time minus device time, as measured on the last answer.
  absl::Duration clock_skew = absl::ZeroDuration();
  // |clock_skew| is over 10 minutes: the device clock is wrong; the app
  // should tell the user. Records keep the server's times for ordering.
  bool clock_skew_flagged = false;
  absl::Time server_time = absl::InfinitePast();
};

enum class SyncState {
  kIdle,      // never synced in this process, nothing known yet
  kOffline,   // the last attempt could not reach the server; will retry
  kSyncing,   // a sync is running
  kFailed,    // the last sync failed for another reason (see last_error),
              // e.g. the user must log in again
  kUpToDate,  // the last sync pushed everything and pulled to caught up
  kWiped      // the server said the account is disabled: local data erased
};

// A snapshot for the app's UI.
struct SyncStatus {
  SyncState state = SyncState::kIdle;
  int64_t pending = 0;  // mutations in the outbox, not yet answered
  int64_t parked = 0;   // conflicts and rejections awaiting the user
  absl::Time last_success = absl::InfinitePast();
  absl::Status last_error;  // OK unless state is kOffline or kFailed
  bool clock_skew_flagged = false;
  absl::Duration clock_skew = absl::ZeroDuration();
};

// A mutation the server answered CONFLICT or REJECTED. It stays here,
// never re-sent, until the app discards it (after settling it, e.g. by
// editing the server copy anew).
struct ParkedMutation {
  rehab::v1::Mutation mutation;  // as queued
  rehab::v1::Outcome outcome = rehab::v1::OUTCOME_UNSPECIFIED;
  // Why: the server's code and message, with its reason and field
  // violations readable through rehab/client/errors.h.
  absl::Status status;
  // For a CONFLICT: the server copy (the local edit is `mutation`).
  std::optional<rehab::v1::Change> server_copy;
  absl::Time park_time;
};

// Filters of Client::ListLocalPatients; patients come in name order, then
// id.
struct LocalPatientQuery {
  std::string name_prefix;  // empty: any
  std::string area_id;      // empty: any
  int32_t limit = 100;
  int32_t offset = 0;
};

// Filters of Client::ListLocalDueFollowUps. A follow-up is listed when it
// is overdue, or due on or before the device's today + `within_days`;
// "today" is the county's (ClientOptions::time_zone) by the device clock
// (ClientOptions::clock). The list comes most urgent first: longest
// overdue, then earliest due, then patient id.
struct LocalFollowUpQuery {
  int32_t within_days = 14;  // must not be negative
  std::string doctor_id;     // empty: any (a team's phone holds its team's)
  bool lost_only = false;    // only patients lost to follow-up
  // Missed visits in a row that count a patient lost to follow-up here,
  // offline (the national rule). The server applies the county's rule
  // and its flag is kept: a follow-up is lost when the server said so or
  // when this many visits were missed since.
  int32_t missed_visits_lost = 3;
  int32_t limit = 100;
  int32_t offset = 0;
};

// Filters of Client::ListLocalAlerts; alerts come newest first.
struct LocalAlertQuery {
  rehab::v1::AlertState state = rehab::v1::ALERT_STATE_UNSPECIFIED;  // any
  std::string patient_id;  // empty: any
  int32_t limit = 100;
  int32_t offset = 0;
};

}  // namespace rehab::client

#endif  // REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_SYNC_H_
