#include "tools/bench/push_batch.h"

#include <algorithm>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/common/ids.h"
#include "tools/bench/bench_patients.h"

namespace rehab::bench {
namespace {

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

void NoteFailure(PushTally& tally, int index, grpc::StatusCode code,
                 const std::string& message) {
  if (!tally.first_failure.empty()) return;
  tally.first_failure_code = code;
  tally.first_failure =
      absl::StrCat("item ", index, ": ", CodeName(code), ": ", message);
}

}  // namespace

rehab::v1::PushRequest NewPatientBatch(int size, const std::string& area_id,
                                       SyntheticIdNumbers& ids,
                                       absl::Time device_time) {
  const absl::Duration since_epoch = device_time - absl::UnixEpoch();
  const int64_t seconds = absl::ToInt64Seconds(since_epoch);
  const int32_t nanos = static_cast<int32_t>(
      absl::ToInt64Nanoseconds(since_epoch - absl::Seconds(seconds)));
  rehab::v1::PushRequest request;
  request.mutable_mutations()->Reserve(size);
  for (int i = 0; i < size; ++i) {
    rehab::v1::Mutation& mutation = *request.add_mutations();
    mutation.set_mutation_id(NewUuid());
    mutation.set_base_version(0);
    mutation.mutable_device_time()->set_seconds(seconds);
    mutation.mutable_device_time()->set_nanos(nanos);
    rehab::v1::Patient& patient = *mutation.mutable_patient();
    patient = NewBenchPatient(ids.Next(), area_id);
    patient.set_id(NewUuid());
  }
  return request;
}

grpc::Status PushTally::ToStatus() const {
  if (conflict == 0 && rejected == 0) return grpc::Status::OK;
  return grpc::Status(first_failure_code,
                      absl::StrCat("Push: ", rejected, " REJECTED and ",
                                   conflict, " CONFLICT of ", mutations,
                                   " mutations; first ", first_failure));
}

PushTally TallyPush(const rehab::v1::PushRequest& request,
                    const rehab::v1::PushResponse& response) {
  PushTally tally;
  tally.mutations = request.mutations_size();
  const int mutations = request.mutations_size();
  const int answered = std::min(mutations, response.results_size());
  for (int i = 0; i < answered; ++i) {
    const rehab::v1::MutationResult& result = response.results(i);
    if (result.mutation_id() != request.mutations(i).mutation_id()) {
      ++tally.rejected;
      NoteFailure(
          tally, i, grpc::StatusCode::INTERNAL,
          absl::StrCat("the result names mutation ", result.mutation_id(),
                       ", not ", request.mutations(i).mutation_id()));
      continue;
    }
    switch (result.outcome()) {
      case rehab::v1::OUTCOME_APPLIED:
        ++tally.applied;
        break;
      case rehab::v1::OUTCOME_DUPLICATE:
        ++tally.duplicate;
        break;
      case rehab::v1::OUTCOME_CONFLICT:
      case rehab::v1::OUTCOME_REJECTED: {
        if (result.outcome() == rehab::v1::OUTCOME_CONFLICT) {
          ++tally.conflict;
        } else {
          ++tally.rejected;
        }
        const int code = result.status().code();
        NoteFailure(tally, i,
                    code == 0 ? grpc::StatusCode::UNKNOWN
                              : static_cast<grpc::StatusCode>(code),
                    absl::StrCat(rehab::v1::Outcome_Name(result.outcome()), " ",
                                 result.status().message()));
        break;
      }
      default:
        ++tally.rejected;
        NoteFailure(tally, i, grpc::StatusCode::INTERNAL,
                    absl::StrCat("unknown outcome ",
                                 static_cast<int>(result.outcome())));
    }
  }
  if (response.results_size() != mutations) {
    // A mutation without a result, or a result without a mutation.
    tally.rejected += std::abs(mutations - response.results_size());
    NoteFailure(tally, answered, grpc::StatusCode::INTERNAL,
                absl::StrCat("Push answered ", response.results_size(),
                             " results for ", mutations, " mutations"));
  }
  return tally;
}

}  // namespace rehab::bench
