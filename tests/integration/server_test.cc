// The server as a whole: health checking, reflection, TLS, and the refusals
// at start that protect an operator from a dangerous configuration.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/client_callback.h"
#include "gtest/gtest.h"
#include "tests/integration/test_server.h"

namespace rehab::testing {
namespace {

namespace v1 = ::rehab::v1;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";
constexpr char kReflectionInfo[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
constexpr int kServing = 1;  // grpc.health.v1.HealthCheckResponse.SERVING

std::string ToBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

grpc::ByteBuffer FromBytes(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// One unary call with hand-encoded bytes, for services whose .proto files
// Debian does not ship.
grpc::Status CallUnary(const std::shared_ptr<grpc::Channel>& channel,
                       const std::string& method, const std::string& request,
                       std::string* response) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::ByteBuffer request_buffer = FromBytes(request);
  grpc::ByteBuffer response_buffer;
  grpc::Status result;
  absl::Notification done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_buffer,
                 &response_buffer, [&](grpc::Status status) {
                   result = std::move(status);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (result.ok()) *response = ToBytes(response_buffer);
  return result;
}

// grpc.health.v1.Health/Check for the server as a whole (an empty
// HealthCheckRequest is an empty message); the status enum of field 1.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel,
                 grpc::Status* status_out = nullptr) {
  std::string response;
  grpc::Status status = CallUnary(channel, kHealthCheck, "", &response);
  if (status_out != nullptr) *status_out = status;
  if (!status.ok()) return -1;
  UnknownFieldSet fields;
  if (!fields.ParseFromString(response)) return -1;
  for (int i = 0; i < fields.field_count(); ++i) {
    if (fields.field(i).number() == 1 &&
        fields.field(i).type() == UnknownField::TYPE_VARINT) {
      return static_cast<int>(fields.field(i).varint());
    }
  }
  return 0;  // proto3 leaves UNKNOWN (0) off the wire
}

// One exchange on the ServerReflectionInfo stream: writes `request`, reads
// one response, closes.
class ReflectionExchange final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  ReflectionExchange(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& request)
      : stub_(channel), request_(FromBytes(request)) {
    context_.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
    stub_.PrepareBidiStreamingCall(&context_, kReflectionInfo,
                                   grpc::StubOptions(), this);
    StartWrite(&request_);
    StartRead(&response_);
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    if (ok) StartWritesDone();
  }
  void OnReadDone(bool ok) override {
    if (ok) got_response_ = true;
  }
  void OnDone(const grpc::Status& status) override {
    status_ = status;
    done_.Notify();
  }

  // Waits for the end of the call.
  grpc::Status Await(std::string* response) {
    done_.WaitForNotification();
    if (got_response_) *response = ToBytes(response_);
    return status_;
  }

 private:
  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  bool got_response_ = false;
  grpc::Status status_;
  absl::Notification done_;
};

// The service names of a ServerReflectionResponse: list_services_response
// (field 6) holds ServiceResponse messages (field 1) with a name (field 1).
std::vector<std::string> ListedServices(const std::string& response) {
  std::vector<std::string> names;
  UnknownFieldSet top;
  if (!top.ParseFromString(response)) return names;
  for (int i = 0; i < top.field_count(); ++i) {
    if (top.field(i).number() != 6) continue;
    UnknownFieldSet list;
    if (!list.ParseFromString(top.field(i).length_delimited())) continue;
    for (int j = 0; j < list.field_count(); ++j) {
      if (list.field(j).number() != 1) continue;
      UnknownFieldSet service;
      if (!service.ParseFromString(list.field(j).length_delimited())) continue;
      for (int k = 0; k < service.field_count(); ++k) {
        if (service.field(k).number() == 1) {
          names.push_back(service.field(k).length_delimited());
        }
      }
    }
  }
  return names;
}

// A ServerReflectionRequest with list_services (field 7) = "*".
std::string ListServicesRequest() { return std::string("\x3a\x01*", 3); }

TEST(ServerTest, HealthCheckAnswersServing) {
  std::unique_ptr<TestServer> server = TestServer::StartOrDie();
  grpc::Status status;
  EXPECT_EQ(HealthStatus(server->channel(), &status), kServing)
      << status.error_message();
}

TEST(ServerTest, HealthCheckNeedsNoToken) {
  // Load balancers probe without credentials.
  std::unique_ptr<TestServer> server = TestServer::StartOrDie();
  std::string response;
  EXPECT_TRUE(CallUnary(server->channel(), kHealthCheck, "", &response).ok());
}

TEST(ServerTest, ReflectionListsTheServices) {
  std::unique_ptr<TestServer> server = TestServer::StartOrDie();
  ReflectionExchange exchange(server->channel(), ListServicesRequest());
  std::string response;
  grpc::Status status = exchange.Await(&response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<std::string> services = ListedServices(response);
  for (const char* name :
       {"rehab.v1.AuthService", "rehab.v1.DirectoryService",
        "rehab.v1.PatientService", "rehab.v1.AdminService"}) {
    EXPECT_NE(std::find(services.begin(), services.end(), name), services.end())
        << name << " not listed";
  }
}

TEST(ServerTest, ReflectionCanBeTurnedOff) {
  std::unique_ptr<TestServer> server =
      TestServer::StartOrDie([](ServerOptions& o) { o.reflection = false; });
  ReflectionExchange exchange(server->channel(), ListServicesRequest());
  std::string response;
  EXPECT_EQ(exchange.Await(&response).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  // The server still serves.
  EXPECT_EQ(HealthStatus(server->channel()), kServing);
}

TEST(ServerTest, RefusesPlaintextOnANonLoopbackAddress) {
  absl::StatusOr<std::unique_ptr<TestServer>> server =
      TestServer::Start([](ServerOptions& o) { o.listen = "0.0.0.0:0"; });
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(server.status().message(), "TLS"))
      << server.status().message();
  EXPECT_TRUE(absl::StrContains(server.status().message(), "--allow_insecure"))
      << server.status().message();
}

TEST(ServerTest, AllowInsecureServesOnAnyAddress) {
  absl::StatusOr<std::unique_ptr<TestServer>> server =
      TestServer::Start([](ServerOptions& o) {
        o.listen = "0.0.0.0:0";
        o.allow_insecure = true;
      });
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(HealthStatus((*server)->channel()), kServing);
}

TEST(ServerTest, LoopbackAddressesNeedNoTls) {
  for (const char* listen : {"localhost:0", "[::1]:0", "127.0.0.2:0"}) {
    absl::StatusOr<std::unique_ptr<TestServer>> server =
        TestServer::Start([listen](ServerOptions& o) { o.listen = listen; });
    // IPv6 or 127.0.0.2 may be missing in a sandbox: then binding fails,
    // but never for want of TLS.
    if (!server.ok()) {
      EXPECT_NE(server.status().code(), absl::StatusCode::kFailedPrecondition)
          << listen << ": " << server.status();
    }
  }
}

TEST(ServerTest, UnknownTimeZoneFailsBeforeTouchingTheDatabase) {
  const std::filesystem::path db = std::filesystem::path(::testing::TempDir()) /
                                   absl::StrCat("rehab-tz-", getpid(), ".db");
  absl::StatusOr<std::unique_ptr<TestServer>> server =
      TestServer::Start([&db](ServerOptions& o) {
        o.time_zone = "Mars/Olympus_Mons";
        o.db_path = db.string();
      });
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(server.status().message(), "Mars"));
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST(ServerTest, BusyPortIsUnavailable) {
  std::unique_ptr<TestServer> first = TestServer::StartOrDie();
  const int port = first->server().port();
  absl::StatusOr<std::unique_ptr<TestServer>> second =
      TestServer::Start([port](ServerOptions& o) {
        o.listen = absl::StrCat("127.0.0.1:", port);
      });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST(ServerTest, ShutdownTurnsHealthAwayAndIsIdempotent) {
  std::unique_ptr<TestServer> server = TestServer::StartOrDie();
  ASSERT_EQ(HealthStatus(server->channel()), kServing);
  server->server().Shutdown(absl::Seconds(1));
  server->server().Shutdown(absl::Seconds(1));
  grpc::Status status;
  HealthStatus(grpc::CreateChannel(server->address(),
                                   grpc::InsecureChannelCredentials()),
               &status);
  EXPECT_FALSE(status.ok());
}

TEST(ServerTest, DemoCountyIsSeededOnceAndItsAccountsLogIn) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) /
      absl::StrCat("rehab-demo-", getpid());
  std::filesystem::create_directories(dir);
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.db_path = (dir / "demo.db").string();
  options.password_hasher = PasswordHasherOptions::ForTests();
  options.seed_demo = true;
  options.workers = 4;

  DemoAccount admin;
  {
    absl::StatusOr<std::unique_ptr<RehabServer>> server =
        RehabServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    const std::optional<DemoSummary>& summary = (*server)->demo_summary();
    ASSERT_TRUE(summary.has_value());
    EXPECT_TRUE(summary->seeded);
    EXPECT_GT(summary->patients, 0);
    for (const DemoAccount& a : summary->accounts) {
      if (a.role == "ROLE_ADMIN") admin = a;
    }
    ASSERT_FALSE(admin.username.empty());

    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                            grpc::InsecureChannelCredentials());
    v1::LoginRequest login;
    login.set_username(admin.username);
    login.set_password(admin.password);
    v1::LoginResponse tokens;
    auto context = TestServer::Context();
    grpc::Status status =
        v1::AuthService::NewStub(channel)->Login(context.get(), login, &tokens);
    ASSERT_TRUE(status.ok()) << status.error_message();
    v1::ListPatientsRequest list;
    list.set_page_size(5);
    v1::ListPatientsResponse patients;
    auto context2 = TestServer::Context(tokens.access_token());
    status = v1::PatientService::NewStub(channel)->ListPatients(
        context2.get(), list, &patients);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(patients.patients_size(), 5);
    (*server)->Shutdown(absl::Seconds(1));
  }
  {
    // The registry holds patients now: nothing is seeded twice.
    absl::StatusOr<std::unique_ptr<RehabServer>> server =
        RehabServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    ASSERT_TRUE((*server)->demo_summary().has_value());
    EXPECT_FALSE((*server)->demo_summary()->seeded);
    EXPECT_FALSE((*server)->demo_summary()->accounts.empty());
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

// TLS with a throwaway self-signed certificate made by the openssl tool.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("rehab-tls-", getpid());
    std::filesystem::create_directories(dir_);
    cert_path_ = (dir_ / "cert.pem").string();
    key_path_ = (dir_ / "key.pem").string();
    const std::string command = absl::StrCat(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
        " -addext subjectAltName=DNS:localhost,IP:127.0.0.1",
        " -keyout ", key_path_, " -out ", cert_path_, " >/dev/null 2>&1");
    if (std::system(command.c_str()) != 0) {
      GTEST_SKIP() << "the openssl tool is not available";
    }
    cert_ = ReadFile(cert_path_);
    key_ = ReadFile(key_path_);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  }

  std::shared_ptr<grpc::Channel> TlsChannel(const std::string& address,
                                            bool with_client_cert) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = cert_;
    if (with_client_cert) {
      ssl.pem_private_key = key_;
      ssl.pem_cert_chain = cert_;
    }
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    return grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args);
  }

  std::filesystem::path dir_;
  std::string cert_path_;
  std::string key_path_;
  std::string cert_;  // PEM contents
  std::string key_;
};

TEST_F(TlsTest, ServesOverTlsOnly) {
  std::unique_ptr<TestServer> server =
      TestServer::StartOrDie([&](ServerOptions& o) {
        o.tls_cert_path = cert_path_;
        o.tls_key_path = key_path_;
      });
  EXPECT_TRUE(server->server().tls());
  EXPECT_EQ(HealthStatus(TlsChannel(server->address(), false)), kServing);

  // A plaintext client gets nowhere.
  grpc::Status status;
  HealthStatus(server->channel(), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificate) {
  std::unique_ptr<TestServer> server =
      TestServer::StartOrDie([&](ServerOptions& o) {
        o.tls_cert_path = cert_path_;
        o.tls_key_path = key_path_;
        o.tls_client_ca_path = cert_path_;
        o.listen = "0.0.0.0:0";  // TLS makes any address acceptable
      });
  EXPECT_EQ(HealthStatus(TlsChannel(server->address(), true)), kServing);
  grpc::Status status;
  HealthStatus(TlsChannel(server->address(), false), &status);
  EXPECT_FALSE(status.ok());
}

TEST_F(TlsTest, KeyWithoutCertificateIsRefused) {
  absl::StatusOr<std::unique_ptr<TestServer>> server =
      TestServer::Start([&](ServerOptions& o) { o.tls_key_path = key_path_; });
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TlsTest, UnreadableCertificateIsRefused) {
  absl::StatusOr<std::unique_ptr<TestServer>> server =
      TestServer::Start([&](ServerOptions& o) {
        o.tls_cert_path = (dir_ / "missing.pem").string();
        o.tls_key_path = key_path_;
      });
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(server.status().message(), "missing.pem"));
}

}  // namespace
}  // namespace rehab::testing
