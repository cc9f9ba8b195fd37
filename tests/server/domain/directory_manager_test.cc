#include "server/domain/directory_manager.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/common/errors.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "tests/server/domain/domain_test_util.h"
#include "tests/server/domain/fake_store.h"

namespace rehab {
namespace {

using ::rehab::domain_test::Admin;
using ::rehab::domain_test::FieldsOf;
using rehab::v1::Account;
using rehab::v1::Area;
using rehab::v1::Facility;
using rehab::v1::Practitioner;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

const absl::Time kStart = absl::FromUnixSeconds(1717214400);
constexpr char kMissing[] = "c0000000-0000-4000-8000-00000000ffff";
constexpr char kPassword[] = "correct horse";

Caller WithRole(rehab::v1::Role role) {
  Caller c;
  c.account_id = absl::StrCat("acct-", rehab::v1::Role_Name(role));
  c.role = role;
  c.scope_id = kMissing;
  c.scope_area_code = "320831";
  return c;
}

class DirectoryManagerTest : public ::testing::Test {
 protected:
  absl::StatusOr<Area> CreateArea(const std::string& code,
                                  const std::string& parent_id,
                                  const std::string& id = "",
                                  const Caller& caller = Admin()) {
    rehab::v1::CreateAreaRequest request;
    Area* area = request.mutable_area();
    area->set_id(id);
    area->set_code(code);
    area->set_name(absl::StrCat("Area ", code));
    area->set_parent_id(parent_id);
    return manager_.CreateArea(caller, request);
  }

  Area MustCreateArea(const std::string& code, const std::string& parent_id) {
    absl::StatusOr<Area> area = CreateArea(code, parent_id);
    EXPECT_TRUE(area.ok()) << area.status();
    return area.value_or(Area());
  }

  absl::StatusOr<Facility> CreateFacility(const std::string& area_id,
                                          const std::string& name = "Station",
                                          const Caller& caller = Admin()) {
    rehab::v1::CreateFacilityRequest request;
    Facility* facility = request.mutable_facility();
    facility->set_name(name);
    facility->set_type(rehab::v1::FACILITY_TYPE_REHAB_STATION);
    facility->set_area_id(area_id);
    return manager_.CreateFacility(caller, request);
  }

  absl::StatusOr<Practitioner> CreatePractitioner(
      const std::string& facility_id) {
    rehab::v1::CreatePractitionerRequest request;
    Practitioner* p = request.mutable_practitioner();
    p->set_name("Dr. Zhao");
    p->set_kind(rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR);
    p->set_facility_id(facility_id);
    return manager_.CreatePractitioner(Admin(), request);
  }

  absl::StatusOr<Account> CreateAccount(
      const std::string& username, rehab::v1::Role role,
      const std::string& scope_id, const std::vector<std::string>& wards = {},
      const Caller& caller = Admin()) {
    rehab::v1::CreateAccountRequest request;
    Account* account = request.mutable_account();
    account->set_username(username);
    account->set_role(role);
    account->set_scope_id(scope_id);
    for (const std::string& ward : wards) account->add_ward_ids(ward);
    request.set_password(kPassword);
    return manager_.CreateAccount(caller, request);
  }

  // A patient stored directly: the registry is not the directory's.
  std::string PutPatient(const std::string& area_id) {
    rehab::v1::Patient patient;
    patient.set_id(NewUuid());
    patient.set_name("Wang Fang");
    patient.set_id_number(absl::StrCat("3208311980010100", ++patients_, "X"));
    patient.set_area_id(area_id);
    EXPECT_TRUE(
        store_.Write([&](WriteTxn& txn) { return txn.PutPatient(patient); })
            .ok());
    return patient.id();
  }

  std::vector<std::string> AllAreaCodes() {
    std::vector<std::string> codes;
    EXPECT_TRUE(store_
                    .Read([&](ReadTxn& txn) -> absl::Status {
                      ASSIGN_OR_RETURN(std::vector<Area> areas,
                                       txn.ListAreas(AreaQuery()));
                      for (const Area& a : areas) codes.push_back(a.code());
                      return absl::OkStatus();
                    })
                    .ok());
    return codes;
  }

  int patients_ = 0;
  FakeStore store_;
  FakeClock clock_{kStart};
  PasswordHasher hasher_{PasswordHasherOptions::ForTests()};
  DirectoryManager manager_{&store_, &clock_, &hasher_};
};

TEST_F(DirectoryManagerTest, BuildsTheAreaTree) {
  const Area county = MustCreateArea("320831", "");
  EXPECT_EQ(county.level(), rehab::v1::AREA_LEVEL_COUNTY);
  EXPECT_EQ(county.version(), 1);
  EXPECT_TRUE(IsCanonicalUuid(county.id()));
  const Area township = MustCreateArea("320831100", county.id());
  EXPECT_EQ(township.level(), rehab::v1::AREA_LEVEL_TOWNSHIP);
  const Area village = MustCreateArea("320831100001", township.id());
  EXPECT_EQ(village.level(), rehab::v1::AREA_LEVEL_VILLAGE);
  EXPECT_THAT(AllAreaCodes(),
              ElementsAre("320831", "320831100", "320831100001"));
}

TEST_F(DirectoryManagerTest, AreaTreeRulesNameTheFieldAndWriteNothing) {
  const Area county = MustCreateArea("320831", "");
  const int64_t commits = store_.commit_count();

  // A village directly under the county skips a level.
  EXPECT_THAT(FieldsOf(CreateArea("320831100001", county.id()).status()),
              ElementsAre("area.parent_id"));
  EXPECT_THAT(FieldsOf(CreateArea("320831100", kMissing).status()),
              ElementsAre("area.parent_id"));
  EXPECT_THAT(FieldsOf(CreateArea("320832100", county.id()).status()),
              ElementsAre("area.code"));
  EXPECT_THAT(FieldsOf(CreateArea("32083110", county.id()).status()),
              ElementsAre("area.code"));
  EXPECT_THAT(FieldsOf(CreateArea("320831100", "").status()),
              ElementsAre("area.parent_id"));

  EXPECT_THAT(AllAreaCodes(), ElementsAre("320831"));
  EXPECT_EQ(store_.commit_count(), commits);
}

TEST_F(DirectoryManagerTest, AreaCodesAreUniqueAndCreatesIdempotent) {
  const Area county = MustCreateArea("320831", "");
  const std::string id = NewUuid();
  absl::StatusOr<Area> first = CreateArea("320831100", county.id(), id);
  ASSERT_TRUE(first.ok()) << first.status();
  clock_.Advance(absl::Minutes(1));

  absl::StatusOr<Area> retry = CreateArea("320831100", county.id(), id);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->id(), id);
  EXPECT_EQ(retry->change_seq(), first->change_seq());

  absl::StatusOr<Area> same_code = CreateArea("320831100", county.id());
  EXPECT_EQ(same_code.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(same_code.status()), kReasonAlreadyExists);

  absl::StatusOr<Area> other_content = CreateArea("320831200", county.id(), id);
  EXPECT_EQ(other_content.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(AllAreaCodes(), ElementsAre("320831", "320831100"));
}

TEST_F(DirectoryManagerTest, OnlyAnAdministratorWrites) {
  const Area county = MustCreateArea("320831", "");
  const Area township = MustCreateArea("320831100", county.id());
  absl::StatusOr<Facility> station = CreateFacility(township.id());
  ASSERT_TRUE(station.ok());
  const int64_t commits = store_.commit_count();

  for (rehab::v1::Role role :
       {rehab::v1::ROLE_SUPERVISOR, rehab::v1::ROLE_FAMILY_DOCTOR,
        rehab::v1::ROLE_FACILITY_STAFF, rehab::v1::ROLE_PATIENT,
        rehab::v1::ROLE_KIOSK, rehab::v1::ROLE_UNSPECIFIED}) {
    SCOPED_TRACE(rehab::v1::Role_Name(role));
    const Caller caller = WithRole(role);
    EXPECT_EQ(CreateArea("320831200", county.id(), "", caller).status().code(),
              absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(CreateFacility(township.id(), "Room", caller).status().code(),
              absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(CreateAccount("someone", rehab::v1::ROLE_KIOSK, station->id(), {},
                            caller)
                  .status()
                  .code(),
              absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(manager_.ListAccounts(caller, {}).status().code(),
              absl::StatusCode::kPermissionDenied);
    rehab::v1::DisableAccountRequest disable;
    disable.set_id(kMissing);
    EXPECT_EQ(manager_.DisableAccount(caller, disable).status().code(),
              absl::StatusCode::kPermissionDenied);
  }
  EXPECT_EQ(store_.commit_count(), commits);
}

TEST_F(DirectoryManagerTest, PatientsAndKiosksMayNotReadTheDirectory) {
  MustCreateArea("320831", "");
  for (rehab::v1::Role role :
       {rehab::v1::ROLE_PATIENT, rehab::v1::ROLE_KIOSK}) {
    const Caller caller = WithRole(role);
    EXPECT_EQ(manager_.ListAreas(caller, {}).status().code(),
              absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(manager_.ListFacilities(caller, {}).status().code(),
              absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(manager_.ListPractitioners(caller, {}).status().code(),
              absl::StatusCode::kPermissionDenied);
  }
  for (rehab::v1::Role role :
       {rehab::v1::ROLE_ADMIN, rehab::v1::ROLE_SUPERVISOR,
        rehab::v1::ROLE_FAMILY_DOCTOR, rehab::v1::ROLE_FACILITY_STAFF}) {
    absl::StatusOr<rehab::v1::ListAreasResponse> areas =
        manager_.ListAreas(WithRole(role), {});
    ASSERT_TRUE(areas.ok()) << areas.status();
    EXPECT_EQ(areas->areas_size(), 1);
  }
}

TEST_F(DirectoryManagerTest, FacilitiesAndPractitionersNeedTheirParent) {
  const Area county = MustCreateArea("320831", "");
  absl::StatusOr<Facility> orphan = CreateFacility(kMissing);
  EXPECT_THAT(FieldsOf(orphan.status()), ElementsAre("facility.area_id"));

  absl::StatusOr<Facility> center = CreateFacility(county.id(), "Center");
  ASSERT_TRUE(center.ok()) << center.status();
  EXPECT_EQ(center->area_id(), county.id());

  EXPECT_THAT(FieldsOf(CreatePractitioner(kMissing).status()),
              ElementsAre("practitioner.facility_id"));
  absl::StatusOr<Practitioner> doctor = CreatePractitioner(center->id());
  ASSERT_TRUE(doctor.ok()) << doctor.status();

  absl::StatusOr<rehab::v1::ListPractitionersResponse> listed =
      manager_.ListPractitioners(Admin(), {});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->practitioners_size(), 1);
  EXPECT_EQ(listed->practitioners(0).id(), doctor->id());
}

TEST_F(DirectoryManagerTest, AccountScopeMustBeOfTheRolesKind) {
  const Area county = MustCreateArea("320831", "");
  const Area village = MustCreateArea(
      "320831100001", MustCreateArea("320831100", county.id()).id());
  absl::StatusOr<Facility> station = CreateFacility(village.id());
  ASSERT_TRUE(station.ok());
  absl::StatusOr<Practitioner> doctor = CreatePractitioner(station->id());
  ASSERT_TRUE(doctor.ok());
  const std::string patient = PutPatient(village.id());
  const std::string ward = PutPatient(village.id());

  struct Case {
    rehab::v1::Role role;
    std::string right;
    std::string wrong;
  };
  const std::vector<Case> cases = {
      {rehab::v1::ROLE_SUPERVISOR, county.id(), station->id()},
      {rehab::v1::ROLE_FACILITY_STAFF, station->id(), village.id()},
      {rehab::v1::ROLE_KIOSK, station->id(), doctor->id()},
      {rehab::v1::ROLE_FAMILY_DOCTOR, doctor->id(), station->id()},
      {rehab::v1::ROLE_PATIENT, patient, doctor->id()},
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(rehab::v1::Role_Name(c.role));
    const std::string name = absl::StrCat("user", ++n);
    absl::StatusOr<Account> wrong = CreateAccount(name, c.role, c.wrong);
    EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(FieldsOf(wrong.status()), ElementsAre("account.scope_id"));
    absl::StatusOr<Account> right = CreateAccount(name, c.role, c.right);
    ASSERT_TRUE(right.ok()) << right.status();
    EXPECT_EQ(right->state(), rehab::v1::ACCOUNT_STATE_ACTIVE);
  }

  absl::StatusOr<Account> bad_ward = CreateAccount(
      "guardian", rehab::v1::ROLE_PATIENT, patient, {ward, kMissing});
  EXPECT_THAT(FieldsOf(bad_ward.status()), ElementsAre("account.ward_ids"));
  EXPECT_TRUE(
      CreateAccount("guardian", rehab::v1::ROLE_PATIENT, patient, {ward}).ok());

  absl::StatusOr<rehab::v1::ListAccountsResponse> accounts =
      manager_.ListAccounts(Admin(), {});
  ASSERT_TRUE(accounts.ok());
  EXPECT_EQ(accounts->accounts_size(), 6);
}

TEST_F(DirectoryManagerTest, AccountsGetAHashedPasswordAndUniqueNames) {
  rehab::v1::CreateAccountRequest request;
  request.mutable_account()->set_username("admin2");
  request.mutable_account()->set_role(rehab::v1::ROLE_ADMIN);
  request.mutable_account()->set_state(rehab::v1::ACCOUNT_STATE_DISABLED);
  request.set_password(kPassword);
  absl::StatusOr<Account> account = manager_.CreateAccount(Admin(), request);
  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_EQ(account->state(), rehab::v1::ACCOUNT_STATE_ACTIVE);

  std::optional<std::string> hash;
  ASSERT_TRUE(store_
                  .Read([&](ReadTxn& txn) -> absl::Status {
                    ASSIGN_OR_RETURN(hash, txn.GetPasswordHash(account->id()));
                    return absl::OkStatus();
                  })
                  .ok());
  ASSERT_TRUE(hash.has_value());
  EXPECT_NE(*hash, kPassword);
  EXPECT_TRUE(hasher_.Verify(*hash, kPassword));

  absl::StatusOr<Account> taken =
      CreateAccount("admin2", rehab::v1::ROLE_ADMIN, "");
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kAlreadyExists);

  absl::StatusOr<Account> short_password = [&] {
    rehab::v1::CreateAccountRequest r = request;
    r.mutable_account()->set_username("admin3");
    r.set_password("short");
    return manager_.CreateAccount(Admin(), r);
  }();
  EXPECT_THAT(FieldsOf(short_password.status()), ElementsAre("password"));
}

TEST_F(DirectoryManagerTest, DisableAccountRevokesItsTokensAndIsIdempotent) {
  absl::StatusOr<Account> target =
      CreateAccount("admin2", rehab::v1::ROLE_ADMIN, "");
  absl::StatusOr<Account> bystander =
      CreateAccount("admin3", rehab::v1::ROLE_ADMIN, "");
  ASSERT_TRUE(target.ok() && bystander.ok());
  ASSERT_TRUE(store_
                  .Write([&](WriteTxn& txn) -> absl::Status {
                    int n = 0;
                    for (const std::string& owner :
                         {target->id(), target->id(), bystander->id()}) {
                      TokenRecord token;
                      token.token_hash = absl::StrCat("hash-", ++n);
                      token.account_id = owner;
                      token.family_id = absl::StrCat("family-", n);
                      token.issue_time = kStart;
                      token.expire_time = kStart + absl::Hours(1);
                      RETURN_IF_ERROR(txn.PutToken(token));
                    }
                    return absl::OkStatus();
                  })
                  .ok());

  rehab::v1::DisableAccountRequest request;
  request.set_id(target->id());
  absl::StatusOr<Account> disabled = manager_.DisableAccount(Admin(), request);
  ASSERT_TRUE(disabled.ok()) << disabled.status();
  EXPECT_EQ(disabled->state(), rehab::v1::ACCOUNT_STATE_DISABLED);
  EXPECT_EQ(disabled->version(), 2);

  for (const TokenRecord& token : store_.tokens()) {
    EXPECT_EQ(token.revoked, token.account_id == target->id())
        << token.token_hash;
  }

  absl::StatusOr<Account> again = manager_.DisableAccount(Admin(), request);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->state(), rehab::v1::ACCOUNT_STATE_DISABLED);
  EXPECT_EQ(again->version(), 2);

  request.set_id(kMissing);
  EXPECT_EQ(manager_.DisableAccount(Admin(), request).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(DirectoryManagerTest, PagesThroughAreasWithoutDuplicatesOrGaps) {
  const Area county = MustCreateArea("320831", "");
  std::vector<std::string> expected = {"320831"};
  for (int i = 1; i <= 6; ++i) {
    const std::string code = absl::StrCat("320831", 100 * i);
    MustCreateArea(code, county.id());
    expected.push_back(code);
  }

  rehab::v1::ListAreasRequest request;
  request.set_page_size(3);
  std::vector<std::string> seen;
  std::vector<int> page_sizes;
  do {
    absl::StatusOr<rehab::v1::ListAreasResponse> page =
        manager_.ListAreas(Admin(), request);
    ASSERT_TRUE(page.ok()) << page.status();
    page_sizes.push_back(page->areas_size());
    for (const Area& a : page->areas()) seen.push_back(a.code());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty() && page_sizes.size() < 10);
  EXPECT_THAT(page_sizes, ElementsAre(3, 3, 1));
  EXPECT_THAT(seen, ElementsAreArray(expected));

  // Children of the county only.
  rehab::v1::ListAreasRequest children;
  children.set_parent_id(county.id());
  absl::StatusOr<rehab::v1::ListAreasResponse> listed =
      manager_.ListAreas(Admin(), children);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->areas_size(), 6);
}

TEST_F(DirectoryManagerTest, PagesThroughFacilitiesOfASubtree) {
  const Area county = MustCreateArea("320831", "");
  const Area township1 = MustCreateArea("320831100", county.id());
  const Area township2 = MustCreateArea("320831200", county.id());
  std::vector<std::string> in_township1;
  for (int i = 0; i < 7; ++i) {
    absl::StatusOr<Facility> f =
        CreateFacility(township1.id(), absl::StrCat("Room ", i));
    ASSERT_TRUE(f.ok()) << f.status();
    in_township1.push_back(f->id());
  }
  ASSERT_TRUE(CreateFacility(township2.id(), "Elsewhere").ok());
  std::sort(in_township1.begin(), in_township1.end());

  rehab::v1::ListFacilitiesRequest request;
  request.set_area_id(township1.id());
  request.set_page_size(3);
  std::vector<std::string> seen;
  int pages = 0;
  do {
    absl::StatusOr<rehab::v1::ListFacilitiesResponse> page =
        manager_.ListFacilities(Admin(), request);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const Facility& f : page->facilities()) seen.push_back(f.id());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, in_township1);

  // A token of another list is refused; so is an unknown area.
  rehab::v1::ListAreasRequest areas;
  areas.set_page_size(1);
  absl::StatusOr<rehab::v1::ListAreasResponse> first =
      manager_.ListAreas(Admin(), areas);
  ASSERT_TRUE(first.ok());
  rehab::v1::ListFacilitiesRequest crossed;
  crossed.set_page_token(first->next_page_token());
  EXPECT_THAT(FieldsOf(manager_.ListFacilities(Admin(), crossed).status()),
              ElementsAre("page_token"));
  rehab::v1::ListFacilitiesRequest unknown;
  unknown.set_area_id(kMissing);
  EXPECT_THAT(FieldsOf(manager_.ListFacilities(Admin(), unknown).status()),
              ElementsAre("area_id"));
}

TEST_F(DirectoryManagerTest, ListsAccountsByUsernameAcrossPages) {
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    names.push_back(absl::StrCat("user", i));
    ASSERT_TRUE(CreateAccount(names.back(), rehab::v1::ROLE_ADMIN, "").ok());
  }
  rehab::v1::ListAccountsRequest request;
  request.set_page_size(2);
  std::vector<std::string> seen;
  int pages = 0;
  do {
    absl::StatusOr<rehab::v1::ListAccountsResponse> page =
        manager_.ListAccounts(Admin(), request);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const Account& a : page->accounts()) seen.push_back(a.username());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, names);
  EXPECT_THAT(FieldsOf(manager_
                           .ListAccounts(Admin(),
                                         [] {
                                           rehab::v1::ListAccountsRequest r;
                                           r.set_page_size(-1);
                                           return r;
                                         }())
                           .status()),
              ElementsAre("page_size"));
}

}  // namespace
}  // namespace rehab
