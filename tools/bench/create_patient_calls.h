// Calls of rehab.v1.PatientService/CreatePatient, each registering a new
// patient (NewBenchPatient) with a fresh synthetic ID number: a durable write
// (answered only after its transaction commits), the figure DESIGN.md section 9
// compares with the health check.
#ifndef REHAB_TOOLS_BENCH_CREATE_PATIENT_CALLS_H_
#define REHAB_TOOLS_BENCH_CREATE_PATIENT_CALLS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "rehab/v1/patient.grpc.pb.h"
#include "tools/bench/authorized_stubs.h"
#include "tools/bench/load_driver.h"
#include "tools/bench/synthetic_id_numbers.h"

namespace rehab::bench {

class CreatePatientCalls {
 public:
  // Slot i uses channels[i % channels.size()]. Calls carry
  // "authorization: Bearer <access_token>" and create patients living in
  // `area_id`. REQUIRES: channels non-empty; ids non-null and outliving
  // this object.
  CreatePatientCalls(
      const std::vector<std::shared_ptr<grpc::Channel>>& channels,
      std::string access_token, std::string area_id, SyntheticIdNumbers* ids,
      absl::Duration call_timeout);

  // Starts one CreatePatient; `done` gets its status and 1 record.
  // Thread-safe.
  void Start(int slot, CallDone done);

 private:
  const AuthorizedStubs<rehab::v1::PatientService> stubs_;
  const std::string area_id_;
  SyntheticIdNumbers* const ids_;
};

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_CREATE_PATIENT_CALLS_H_
