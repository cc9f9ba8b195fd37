#include "client-sdk/src/grpc_status.h"

#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "rehab/client/errors.h"

namespace rehab::client::internal {
namespace {

// The trailer a server sends with an invalid ID number: a google.rpc.Status
// holding an ErrorInfo and a BadRequest, as Any.
std::string InvalidIdNumberDetails() {
  google::rpc::Status details;
  details.set_code(static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  details.set_message("invalid patient.id_number: bad check character");
  google::rpc::ErrorInfo info;
  info.set_reason("INVALID_ID_NUMBER");
  info.set_domain("rehab.v1");
  details.add_details()->PackFrom(info);
  google::rpc::BadRequest bad_request;
  auto* first = bad_request.add_field_violations();
  first->set_field("patient.id_number");
  first->set_description("bad check character");
  auto* second = bad_request.add_field_violations();
  second->set_field("patient.name");
  second->set_description("required");
  details.add_details()->PackFrom(bad_request);
  return details.SerializeAsString();
}

TEST(FromGrpcStatusTest, KeepsCodeMessageReasonAndFieldsOfTheTrailer) {
  grpc::Status wire(grpc::StatusCode::INVALID_ARGUMENT,
                    "invalid patient.id_number: bad check character",
                    InvalidIdNumberDetails());

  absl::Status status = FromGrpcStatus(wire);

  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "invalid patient.id_number: bad check character");
  EXPECT_EQ(ErrorReason(status), "INVALID_ID_NUMBER");
  std::vector<FieldViolation> fields = FieldViolationsOf(status);
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].field, "patient.id_number");
  EXPECT_EQ(fields[0].description, "bad check character");
  EXPECT_EQ(fields[1].field, "patient.name");
  EXPECT_EQ(fields[1].description, "required");
}

TEST(FromGrpcStatusTest, ReadsAReasonWithoutFieldViolations) {
  google::rpc::Status details;
  details.set_code(static_cast<int>(grpc::StatusCode::UNAUTHENTICATED));
  google::rpc::ErrorInfo info;
  info.set_reason("TOKEN_EXPIRED");
  details.add_details()->PackFrom(info);
  grpc::Status wire(grpc::StatusCode::UNAUTHENTICATED, "token expired",
                    details.SerializeAsString());

  absl::Status status = FromGrpcStatus(wire);

  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ErrorReason(status), "TOKEN_EXPIRED");
  EXPECT_TRUE(FieldViolationsOf(status).empty());
}

TEST(FromGrpcStatusTest, MapsEveryCanonicalCodeToTheSameAbslCode) {
  const std::pair<grpc::StatusCode, absl::StatusCode> kCodes[] = {
      {grpc::StatusCode::CANCELLED, absl::StatusCode::kCancelled},
      {grpc::StatusCode::NOT_FOUND, absl::StatusCode::kNotFound},
      {grpc::StatusCode::ALREADY_EXISTS, absl::StatusCode::kAlreadyExists},
      {grpc::StatusCode::PERMISSION_DENIED,
       absl::StatusCode::kPermissionDenied},
      {grpc::StatusCode::RESOURCE_EXHAUSTED,
       absl::StatusCode::kResourceExhausted},
      {grpc::StatusCode::FAILED_PRECONDITION,
       absl::StatusCode::kFailedPrecondition},
      {grpc::StatusCode::ABORTED, absl::StatusCode::kAborted},
      {grpc::StatusCode::UNAVAILABLE, absl::StatusCode::kUnavailable},
      {grpc::StatusCode::DEADLINE_EXCEEDED,
       absl::StatusCode::kDeadlineExceeded},
      {grpc::StatusCode::UNAUTHENTICATED, absl::StatusCode::kUnauthenticated},
  };
  for (const auto& [grpc_code, absl_code] : kCodes) {
    EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc_code, "x")).code(), absl_code);
  }
}

TEST(FromGrpcStatusTest, OkStaysOk) {
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(FromGrpcStatusTest, KeepsCodeAndMessageWhenTheTrailerIsGarbage) {
  grpc::Status wire(grpc::StatusCode::NOT_FOUND, "patient not found",
                    std::string("\xff\xff\xff not a proto", 15));

  absl::Status status = FromGrpcStatus(wire);

  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "patient not found");
  EXPECT_EQ(ErrorReason(status), "");
  EXPECT_TRUE(FieldViolationsOf(status).empty());
}

}  // namespace
}  // namespace rehab::client::internal
