// The batches of the push scenario (SyncService/Push, DESIGN.md section 6)
// and how their answers are judged.
//
// Every mutation of a batch creates a new patient: a fresh mutation_id and
// patient id (random UUIDs, as a device makes them when the user acts),
// base_version 0, the patient NewBenchPatient makes for the next synthetic
// ID number. A batch counts as a success only when every item was APPLIED
// or DUPLICATE; one REJECTED or CONFLICT item fails the whole call, so a
// run that the server partly refuses never passes for a measurement.
#ifndef REHAB_TOOLS_BENCH_PUSH_BATCH_H_
#define REHAB_TOOLS_BENCH_PUSH_BATCH_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "rehab/v1/sync.pb.h"
#include "tools/bench/synthetic_id_numbers.h"

namespace rehab::bench {

// Mutations per Push: the most DESIGN.md section 6 allows in one batch.
inline constexpr int kPushBatchSize = 500;

// A PushRequest of `size` patient creations (see the file comment), living
// in `area_id`, acted at `device_time`. REQUIRES: size >= 1.
rehab::v1::PushRequest NewPatientBatch(int size, const std::string& area_id,
                                       SyntheticIdNumbers& ids,
                                       absl::Time device_time);

// A push answer, item by item.
struct PushTally {
  int64_t mutations = 0;  // in the request
  int64_t applied = 0;
  int64_t duplicate = 0;
  int64_t conflict = 0;
  // REJECTED, and results this tool cannot place (an unknown outcome, a
  // result for another mutation, a mutation without a result).
  int64_t rejected = 0;
  // The first item counted in `conflict` or `rejected`: its status code
  // (UNKNOWN when the answer carries none) and "item N: CODE: message".
  grpc::StatusCode first_failure_code = grpc::StatusCode::OK;
  std::string first_failure;

  // OK when no item is counted in `conflict` or `rejected`; else
  // `first_failure_code` with a message giving the counts and
  // `first_failure`.
  grpc::Status ToStatus() const;
};

// Tallies `response`, the answer to `request`: one result per mutation, in
// order, each naming its mutation's id.
PushTally TallyPush(const rehab::v1::PushRequest& request,
                    const rehab::v1::PushResponse& response);

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_PUSH_BATCH_H_
