#include "server/api/status_convert.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "server/common/errors.h"

namespace rehab {
namespace {

google::rpc::Status Details(const grpc::Status& status) {
  google::rpc::Status details;
  EXPECT_TRUE(details.ParseFromString(status.error_details()));
  return details;
}

TEST(StatusConvertTest, OkIsOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(StatusConvertTest, KeepsCodeMessageAndPacksPayloadsAsAny) {
  FieldViolations v;
  v.Add("patient.name", "required");
  v.Add("patient.id_number", "bad check character");
  const grpc::Status status = ToGrpcStatus(v.ToStatus(kReasonInvalidIdNumber));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("patient.name"), std::string::npos);

  const google::rpc::Status details = Details(status);
  EXPECT_EQ(details.code(), static_cast<int>(grpc::INVALID_ARGUMENT));
  EXPECT_EQ(details.message(), status.error_message());
  google::rpc::ErrorInfo info;
  google::rpc::BadRequest bad_request;
  bool has_info = false, has_bad_request = false;
  for (const google::protobuf::Any& any : details.details()) {
    if (any.UnpackTo(&info)) has_info = true;
    if (any.UnpackTo(&bad_request)) has_bad_request = true;
  }
  ASSERT_TRUE(has_info);
  EXPECT_EQ(info.reason(), kReasonInvalidIdNumber);
  EXPECT_EQ(info.domain(), kErrorDomain);
  ASSERT_TRUE(has_bad_request);
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(1).field(), "patient.id_number");
}

TEST(StatusConvertTest, PlainErrorsCarryDetailsWithoutPayloads) {
  const grpc::Status status =
      ToGrpcStatus(absl::NotFoundError("patient not found"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "patient not found");
  EXPECT_EQ(Details(status).details_size(), 0);
}

TEST(StatusConvertTest, InternalTextNeverReachesTheClient) {
  for (absl::Status internal :
       {absl::InternalError("sqlite: no such table: patients at /var/x.db"),
        absl::UnknownError("disk I/O error in /var/x.db")}) {
    internal.SetPayload("type.googleapis.com/x.Secret", absl::Cord("leak"));
    const grpc::Status status = ToGrpcStatus(internal, "m");
    EXPECT_EQ(static_cast<int>(status.error_code()),
              static_cast<int>(internal.code()));
    EXPECT_EQ(status.error_message().find("x.db"), std::string::npos);
    EXPECT_EQ(status.error_message().find("sqlite"), std::string::npos);
    EXPECT_TRUE(status.error_details().empty());
  }
}

}  // namespace
}  // namespace rehab
