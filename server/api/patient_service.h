// rehab.v1.PatientService over gRPC: the patient registry and enrollments.
#ifndef REHAB_SERVER_API_PATIENT_SERVICE_H_
#define REHAB_SERVER_API_PATIENT_SERVICE_H_

#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "rehab/v1/patient.grpc.pb.h"
#include "server/api/call_context.h"
#include "server/domain/patient_manager.h"

namespace rehab {

// Every method touches patient data, so every call (whatever its outcome)
// is audited with the patient the manager reports. Thread-safe.
class PatientService final : public rehab::v1::PatientService::CallbackService {
 public:
  // The pointers must outlive the service.
  PatientService(const CallContext* calls, PatientManager* patients);

  grpc::ServerUnaryReactor* CreatePatient(
      grpc::CallbackServerContext* context,
      const rehab::v1::CreatePatientRequest* request,
      rehab::v1::Patient* response) override;
  grpc::ServerUnaryReactor* GetPatient(
      grpc::CallbackServerContext* context,
      const rehab::v1::GetPatientRequest* request,
      rehab::v1::Patient* response) override;
  grpc::ServerUnaryReactor* UpdatePatient(
      grpc::CallbackServerContext* context,
      const rehab::v1::UpdatePatientRequest* request,
      rehab::v1::Patient* response) override;
  grpc::ServerUnaryReactor* ListPatients(
      grpc::CallbackServerContext* context,
      const rehab::v1::ListPatientsRequest* request,
      rehab::v1::ListPatientsResponse* response) override;
  grpc::ServerUnaryReactor* LookupPatient(
      grpc::CallbackServerContext* context,
      const rehab::v1::LookupPatientRequest* request,
      rehab::v1::Patient* response) override;
  grpc::ServerUnaryReactor* CreateEnrollment(
      grpc::CallbackServerContext* context,
      const rehab::v1::CreateEnrollmentRequest* request,
      rehab::v1::Enrollment* response) override;
  grpc::ServerUnaryReactor* EndEnrollment(
      grpc::CallbackServerContext* context,
      const rehab::v1::EndEnrollmentRequest* request,
      rehab::v1::Enrollment* response) override;
  grpc::ServerUnaryReactor* ListEnrollments(
      grpc::CallbackServerContext* context,
      const rehab::v1::ListEnrollmentsRequest* request,
      rehab::v1::ListEnrollmentsResponse* response) override;

 private:
  const CallContext* const calls_;
  PatientManager* const patients_;
};

}  // namespace rehab

#endif  // REHAB_SERVER_API_PATIENT_SERVICE_H_
