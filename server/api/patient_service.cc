#include "server/api/patient_service.h"

namespace rehab {
namespace {

namespace v1 = ::rehab::v1;

constexpr RpcMethod kCreatePatient{"rehab.v1.PatientService/CreatePatient",
                                   Authentication::kRequired,
                                   AuditPolicy::kAlways};
constexpr RpcMethod kGetPatient{"rehab.v1.PatientService/GetPatient",
                                Authentication::kRequired,
                                AuditPolicy::kAlways};
constexpr RpcMethod kUpdatePatient{"rehab.v1.PatientService/UpdatePatient",
                                   Authentication::kRequired,
                                   AuditPolicy::kAlways};
constexpr RpcMethod kListPatients{"rehab.v1.PatientService/ListPatients",
                                  Authentication::kRequired,
                                  AuditPolicy::kAlways};
constexpr RpcMethod kLookupPatient{"rehab.v1.PatientService/LookupPatient",
                                   Authentication::kRequired,
                                   AuditPolicy::kAlways};
constexpr RpcMethod kCreateEnrollment{
    "rehab.v1.PatientService/CreateEnrollment", Authentication::kRequired,
    AuditPolicy::kAlways};
constexpr RpcMethod kEndEnrollment{"rehab.v1.PatientService/EndEnrollment",
                                   Authentication::kRequired,
                                   AuditPolicy::kAlways};
constexpr RpcMethod kListEnrollments{"rehab.v1.PatientService/ListEnrollments",
                                     Authentication::kRequired,
                                     AuditPolicy::kAlways};

}  // namespace

PatientService::PatientService(const CallContext* calls,
                               PatientManager* patients)
    : calls_(calls), patients_(patients) {}

grpc::ServerUnaryReactor* PatientService::CreatePatient(
    grpc::CallbackServerContext* context,
    const v1::CreatePatientRequest* request, v1::Patient* response) {
  return calls_->Serve(
      context, kCreatePatient, request, response,
      [this](Call& call, const v1::CreatePatientRequest& r, v1::Patient* out) {
        return SetResponse(
            patients_->CreatePatient(call.caller, r, &call.audit_patient_id),
            out);
      });
}

grpc::ServerUnaryReactor* PatientService::GetPatient(
    grpc::CallbackServerContext* context, const v1::GetPatientRequest* request,
    v1::Patient* response) {
  return calls_->Serve(
      context, kGetPatient, request, response,
      [this](Call& call, const v1::GetPatientRequest& r, v1::Patient* out) {
        return SetResponse(
            patients_->GetPatient(call.caller, r, &call.audit_patient_id), out);
      });
}

grpc::ServerUnaryReactor* PatientService::UpdatePatient(
    grpc::CallbackServerContext* context,
    const v1::UpdatePatientRequest* request, v1::Patient* response) {
  return calls_->Serve(
      context, kUpdatePatient, request, response,
      [this](Call& call, const v1::UpdatePatientRequest& r, v1::Patient* out) {
        return SetResponse(
            patients_->UpdatePatient(call.caller, r, &call.audit_patient_id),
            out);
      });
}

grpc::ServerUnaryReactor* PatientService::ListPatients(
    grpc::CallbackServerContext* context,
    const v1::ListPatientsRequest* request,
    v1::ListPatientsResponse* response) {
  return calls_->Serve(context, kListPatients, request, response,
                       [this](Call& call, const v1::ListPatientsRequest& r,
                              v1::ListPatientsResponse* out) {
                         return SetResponse(
                             patients_->ListPatients(call.caller, r), out);
                       });
}

grpc::ServerUnaryReactor* PatientService::LookupPatient(
    grpc::CallbackServerContext* context,
    const v1::LookupPatientRequest* request, v1::Patient* response) {
  return calls_->Serve(
      context, kLookupPatient, request, response,
      [this](Call& call, const v1::LookupPatientRequest& r, v1::Patient* out) {
        return SetResponse(
            patients_->LookupPatient(call.caller, r, &call.audit_patient_id),
            out);
      });
}

grpc::ServerUnaryReactor* PatientService::CreateEnrollment(
    grpc::CallbackServerContext* context,
    const v1::CreateEnrollmentRequest* request, v1::Enrollment* response) {
  return calls_->Serve(
      context, kCreateEnrollment, request, response,
      [this](Call& call, const v1::CreateEnrollmentRequest& r,
             v1::Enrollment* out) {
        return SetResponse(
            patients_->CreateEnrollment(call.caller, r, &call.audit_patient_id),
            out);
      });
}

grpc::ServerUnaryReactor* PatientService::EndEnrollment(
    grpc::CallbackServerContext* context,
    const v1::EndEnrollmentRequest* request, v1::Enrollment* response) {
  return calls_->Serve(
      context, kEndEnrollment, request, response,
      [this](Call& call, const v1::EndEnrollmentRequest& r,
             v1::Enrollment* out) {
        return SetResponse(
            patients_->EndEnrollment(call.caller, r, &call.audit_patient_id),
            out);
      });
}

grpc::ServerUnaryReactor* PatientService::ListEnrollments(
    grpc::CallbackServerContext* context,
    const v1::ListEnrollmentsRequest* request,
    v1::ListEnrollmentsResponse* response) {
  return calls_->Serve(
      context, kListEnrollments, request, response,
      [this](Call& call, const v1::ListEnrollmentsRequest& r,
             v1::ListEnrollmentsResponse* out) {
        return SetResponse(
            patients_->ListEnrollments(call.caller, r, &call.audit_patient_id),
            out);
      });
}

}  // namespace rehab
