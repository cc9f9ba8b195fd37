#include "tools/bench/sqlite_insert_baseline.h"

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/ids.h"
#include "server/storage/connection.h"
#include "server/storage/statement.h"

namespace rehab::bench {
namespace {

using ::testing::StartsWith;

constexpr char kAreaId[] = "0b0c0d0e-0000-4000-8000-000000000001";

std::unique_ptr<SqliteInsertBaseline> CreateOrDie(int rows_per_transaction) {
  SqliteInsertBaseline::Options options;
  options.directory = ::testing::TempDir();
  options.area_id = kAreaId;
  options.rows_per_transaction = rows_per_transaction;
  absl::StatusOr<std::unique_ptr<SqliteInsertBaseline>> baseline =
      SqliteInsertBaseline::Create(options);
  EXPECT_TRUE(baseline.ok()) << baseline.status();
  return baseline.ok() ? std::move(*baseline) : nullptr;
}

std::unique_ptr<storage::Connection> OpenReader(const std::string& path) {
  storage::ConnectionOptions options;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<storage::Connection>> connection =
      storage::Connection::Open(path, options);
  EXPECT_TRUE(connection.ok()) << connection.status();
  return connection.ok() ? std::move(*connection) : nullptr;
}

TEST(SqliteInsertBaselineTest, CommitsRowsInBatchesOfTheGivenSize) {
  std::unique_ptr<SqliteInsertBaseline> baseline = CreateOrDie(50);
  ASSERT_NE(baseline, nullptr);
  EXPECT_EQ(baseline->rows_per_transaction(), 50);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(baseline->InsertBatch().ok());
  EXPECT_EQ(baseline->rows(), 150);

  std::unique_ptr<storage::Connection> reader = OpenReader(baseline->path());
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<storage::Statement> count = reader->GetUniqueStatement(
      "SELECT COUNT(*), COUNT(DISTINCT id), COUNT(DISTINCT id_number), "
      "MIN(length(body)), MAX(length(body)) FROM patients");
  ASSERT_TRUE(count.ok()) << count.status();
  ASSERT_TRUE(*count->Step());
  EXPECT_EQ(count->ColumnInt64(0), 150);
  EXPECT_EQ(count->ColumnInt64(1), 150);
  EXPECT_EQ(count->ColumnInt64(2), 150);
  EXPECT_EQ(count->ColumnInt64(3), baseline->body_bytes());
  EXPECT_EQ(count->ColumnInt64(4), baseline->body_bytes());
}

TEST(SqliteInsertBaselineTest, UsesAWriteAheadLogLikeTheServer) {
  std::unique_ptr<SqliteInsertBaseline> baseline = CreateOrDie(10);
  ASSERT_NE(baseline, nullptr);
  ASSERT_TRUE(baseline->InsertBatch().ok());
  std::unique_ptr<storage::Connection> reader = OpenReader(baseline->path());
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<storage::Statement> mode =
      reader->GetUniqueStatement("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok()) << mode.status();
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->ColumnText(0), "wal");
}

TEST(SqliteInsertBaselineTest, BodiesAreStoredBenchPatients) {
  std::unique_ptr<SqliteInsertBaseline> baseline = CreateOrDie(5);
  ASSERT_NE(baseline, nullptr);
  ASSERT_TRUE(baseline->InsertBatch().ok());
  std::unique_ptr<storage::Connection> reader = OpenReader(baseline->path());
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<storage::Statement> rows = reader->GetUniqueStatement(
      "SELECT id, id_number, area_id, body FROM patients ORDER BY change_seq");
  ASSERT_TRUE(rows.ok()) << rows.status();
  int seen = 0;
  while (*rows->Step()) {
    rehab::v1::Patient patient;
    ASSERT_TRUE(patient.ParseFromString(rows->ColumnBlob(3)));
    EXPECT_EQ(patient.id(), rows->ColumnText(0));
    EXPECT_TRUE(IsCanonicalUuid(patient.id()));
    EXPECT_EQ(patient.id_number(), rows->ColumnText(1));
    EXPECT_EQ(patient.area_id(), kAreaId);
    EXPECT_EQ(rows->ColumnText(2), kAreaId);
    EXPECT_THAT(patient.name(), StartsWith("Bench "));
    // The server-set fields a stored record carries.
    EXPECT_EQ(patient.version(), 1);
    EXPECT_GT(patient.create_time().seconds(), 0);
    EXPECT_FALSE(patient.author().empty());
    EXPECT_EQ(patient.device_id(), "rehab_load");
    EXPECT_GT(patient.change_seq(), 0);
    EXPECT_EQ(patient.birth_date().size(), 10u);
    EXPECT_NE(patient.sex(), rehab::v1::SEX_UNSPECIFIED);
    ++seen;
  }
  EXPECT_EQ(seen, 5);
}

TEST(SqliteInsertBaselineTest, DeletesItsFolderWhenDestroyed) {
  std::unique_ptr<SqliteInsertBaseline> baseline = CreateOrDie(10);
  ASSERT_NE(baseline, nullptr);
  ASSERT_TRUE(baseline->InsertBatch().ok());
  const std::filesystem::path folder =
      std::filesystem::path(baseline->path()).parent_path();
  EXPECT_TRUE(std::filesystem::exists(baseline->path()));
  baseline.reset();
  EXPECT_FALSE(std::filesystem::exists(folder));
}

TEST(SqliteInsertBaselineTest, RefusesEmptyTransactions) {
  SqliteInsertBaseline::Options options;
  options.directory = ::testing::TempDir();
  options.rows_per_transaction = 0;
  EXPECT_EQ(SqliteInsertBaseline::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SqliteInsertBaselineTest, SaysWhenItCannotMakeItsFolder) {
  SqliteInsertBaseline::Options options;
  options.directory = "/nonexistent/rehab_load_test";
  EXPECT_EQ(SqliteInsertBaseline::Create(options).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace rehab::bench
