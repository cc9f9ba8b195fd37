#include "server/domain/demo_county.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "server/common/dates.h"
#include "server/common/ids.h"
#include "server/common/status_macros.h"
#include "server/domain/caller.h"
#include "server/domain/follow_up_rules.h"
#include "server/domain/resource.h"
#include "server/domain/validation.h"

namespace rehab {
namespace {

using rehab::v1::Account;
using rehab::v1::Area;
using rehab::v1::Contract;
using rehab::v1::ContractItem;
using rehab::v1::DisabilityCategory;
using rehab::v1::Enrollment;
using rehab::v1::Facility;
using rehab::v1::Patient;
using rehab::v1::Practitioner;
using rehab::v1::PractitionerKind;
using rehab::v1::Program;
using rehab::v1::Role;
using rehab::v1::Visit;
using rehab::v1::VisitClass;
using rehab::v1::VisitMode;

// Namespaces of the deterministic record ids.
constexpr char kAreaIds[] = "rehab.demo.area";
constexpr char kFacilityIds[] = "rehab.demo.facility";
constexpr char kPractitionerIds[] = "rehab.demo.practitioner";
constexpr char kPatientIds[] = "rehab.demo.patient";
constexpr char kEnrollmentIds[] = "rehab.demo.enrollment";
constexpr char kAccountIds[] = "rehab.demo.account";
constexpr char kContractIds[] = "rehab.demo.contract";
constexpr char kVisitIds[] = "rehab.demo.visit";

// Separate streams, so that a change to the directory does not reshuffle
// every patient.
constexpr uint32_t kDirectorySeed = 320831;
constexpr uint32_t kPatientSeed = 20160101;
// The first of the contracts' streams, one a contract.
constexpr uint32_t kServiceSeed = 20250101;

constexpr char kCountyName[] = "澄湖县";
// The demo patient account's patient and their ward, a son.
constexpr char kDemoPatientName[] = "李建华";
constexpr char kDemoWardName[] = "李浩宇";

struct TownshipSpec {
  const char* name;
  int villages;
};

// 12 townships, 98 villages and communities.
constexpr TownshipSpec kTownships[] = {
    {"澄湖镇", 10},  {"柳塘镇", 8}, {"石桥镇", 7}, {"白马湖镇", 8},
    {"荷花荡镇", 9}, {"杨庄镇", 8}, {"新集镇", 7}, {"芦沟镇", 9},
    {"双河镇", 8},   {"桂湾镇", 8}, {"青龙镇", 7}, {"南闸镇", 9},
};

// Village names repeat across townships, as they do in a real county.
constexpr const char* kVillageStems[] = {
    "新华", "红星", "胜利", "友谊", "光明", "前进", "幸福", "永安", "太平",
    "三里", "五里", "湖滨", "桥头", "东风", "向阳", "建设", "民主", "长林",
    "龙岗", "金沟", "银河", "陈桥", "周庄", "刘集", "张湾", "朱湖", "徐庄",
    "孙圩", "马庄", "高桥", "何庄", "吕营", "潘庄", "唐港", "戴楼", "夏集",
    "范庄", "王营", "李圩", "官塘", "河口", "西湖", "北圩", "南荡", "复兴",
    "团结", "和平", "兴隆", "荷塘",
};

// Surnames with rough weights of their frequency.
struct WeightedName {
  const char* name;
  int weight;
};
constexpr WeightedName kSurnames[] = {
    {"王", 72}, {"李", 70}, {"张", 66}, {"刘", 54}, {"陈", 50}, {"杨", 34},
    {"赵", 24}, {"黄", 22}, {"周", 22}, {"吴", 21}, {"徐", 20}, {"孙", 18},
    {"胡", 14}, {"朱", 14}, {"高", 13}, {"林", 12}, {"何", 12}, {"郭", 12},
    {"马", 11}, {"罗", 10}, {"梁", 9},  {"宋", 9},  {"郑", 9},  {"谢", 8},
    {"韩", 8},  {"唐", 8},  {"冯", 7},  {"于", 7},  {"董", 7},  {"萧", 6},
    {"程", 6},  {"曹", 6},  {"袁", 6},  {"邓", 6},  {"许", 6},  {"傅", 5},
    {"沈", 5},  {"曾", 5},  {"彭", 5},  {"吕", 5},  {"蒋", 5},  {"戴", 4},
    {"夏", 4},  {"潘", 4},  {"姚", 4},  {"钱", 4},  {"汤", 3},  {"顾", 3},
};

constexpr const char* kMaleGiven[] = {
    "建", "国", "明", "军", "伟", "强", "华", "平", "志", "海", "林", "勇",
    "峰", "斌", "波", "涛", "磊", "杰", "鹏", "俊", "文", "春", "宏", "德",
    "福", "忠", "成", "东", "兵", "刚", "金", "荣", "祥", "发", "贵", "山",
};
constexpr const char* kFemaleGiven[] = {
    "秀", "英", "兰", "芳", "梅", "玉", "霞", "丽", "娟", "敏", "燕", "红",
    "琴", "萍", "静", "云", "珍", "桂", "凤", "莉", "婷", "雪", "慧", "洁",
    "丹", "颖", "花", "莲", "菊", "琳", "美", "素", "月", "翠", "巧", "金",
};
constexpr const char* kChildMaleGiven[] = {
    "子", "浩", "宇", "轩", "晨", "睿", "梓", "博", "铭", "泽",
    "航", "天", "一", "诚", "烨", "奕", "锦", "逸", "皓", "然",
};
constexpr const char* kChildFemaleGiven[] = {
    "涵", "诗", "雨", "萱", "可", "欣", "梓", "怡", "语", "嘉",
    "思", "佳", "若", "悦", "一", "瑶", "琪", "彤", "晴", "妍",
};

// The county's programs over five years (DOMAIN.md section 1).
constexpr int kPsychiatricPatients = 817;
constexpr int kChildren = 369;
constexpr int kCataractPatients = 1142;
constexpr int kOtherPatients = 1672;  // 4,000 patients in all
constexpr int kFamilyDoctorPatients = 1251;
constexpr int kAssistiveDevicePatients = 412;
constexpr int kFamilyDoctors = 114;
constexpr int kYear = 365;

// Reproducible on every platform: std::mt19937's output is fixed by the
// standard, while the std distributions and std::shuffle are not.
class Random {
 public:
  explicit Random(uint32_t seed) : engine_(seed) {}

  // Uniform enough in [0, n) for n far below 2^32.
  int Below(int n) {
    return static_cast<int>(engine_() % static_cast<uint32_t>(n));
  }
  bool Percent(int p) { return Below(100) < p; }

  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(static_cast<int>(N))];
  }

  // An index into `weights`, drawn with probability proportional to weight.
  template <size_t N>
  int Weighted(const int (&weights)[N]) {
    int total = 0;
    for (int w : weights) total += w;
    int draw = Below(total);
    for (size_t i = 0; i < N; ++i) {
      if (draw < weights[i]) return static_cast<int>(i);
      draw -= weights[i];
    }
    return static_cast<int>(N) - 1;
  }

  template <typename T>
  void Shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) {
      std::swap(items[i - 1], items[Below(static_cast<int>(i))]);
    }
  }

 private:
  std::mt19937 engine_;
};

// `n` (0 to 999) as three digits.
std::string Pad3(int n) {
  std::string digits = std::to_string(n);
  return std::string(3 - std::min<size_t>(3, digits.size()), '0') + digits;
}

std::string Surname(Random& random) {
  int total = 0;
  for (const WeightedName& s : kSurnames) total += s.weight;
  int draw = random.Below(total);
  for (const WeightedName& s : kSurnames) {
    if (draw < s.weight) return s.name;
    draw -= s.weight;
  }
  return kSurnames[0].name;
}

// One or two given-name characters, in the style of the person's generation.
std::string GivenName(Random& random, bool male, bool child) {
  auto pick = [&]() -> std::string {
    if (child) {
      return male ? random.Pick(kChildMaleGiven)
                  : random.Pick(kChildFemaleGiven);
    }
    return male ? random.Pick(kMaleGiven) : random.Pick(kFemaleGiven);
  };
  std::string given = pick();
  if (random.Percent(70)) given += pick();
  return given;
}

// The family doctors at the health center of township `t` of `towns`.
int FamilyDoctorsIn(int t, int towns) {
  return kFamilyDoctors / towns + (t < kFamilyDoctors % towns);
}

// Teams of three or four doctors; village j of a township is served by
// team j modulo their number.
int FamilyTeamsIn(int t, int towns) { return FamilyDoctorsIn(t, towns) / 3; }

std::string FamilyTeamName(const Area& township, int team) {
  return absl::StrCat(township.name(), "家庭医生第", team + 1, "团队");
}

// The directory as built in memory, before it is stored.
struct Village {
  Area area;
  Facility station;
  int township = 0;
  // The family-doctor team of the township's health center serving it.
  std::string family_team;
};

struct Township {
  Area area;
  Facility rehab_room;
  Facility health_center;
};

struct Directory {
  Area county;
  Facility center;
  std::vector<Township> townships;
  std::vector<Village> villages;
  std::vector<Practitioner> practitioners;
  // The demo family doctor (doctor.wang).
  std::string demo_doctor_id;
};

Facility MakeFacility(const std::string& key, const std::string& name,
                      rehab::v1::FacilityType type, const Area& area) {
  Facility f;
  f.set_id(NameUuid(kFacilityIds, key));
  f.set_name(name);
  f.set_type(type);
  f.set_area_id(area.id());
  return f;
}

Practitioner MakePractitioner(int serial, std::string name,
                              PractitionerKind kind, const Facility& facility,
                              std::string team) {
  Practitioner p;
  p.set_id(NameUuid(kPractitionerIds, absl::StrCat("practitioner-", serial)));
  p.set_name(std::move(name));
  p.set_kind(kind);
  p.set_facility_id(facility.id());
  p.set_team(std::move(team));
  return p;
}

Directory BuildDirectory() {
  Random random(kDirectorySeed);
  Directory d;
  d.county.set_id(NameUuid(kAreaIds, kDemoCountyCode));
  d.county.set_code(kDemoCountyCode);
  d.county.set_name(kCountyName);
  d.center = MakeFacility("center", absl::StrCat(kCountyName, "残疾人康复中心"),
                          rehab::v1::FACILITY_TYPE_REHAB_CENTER, d.county);

  constexpr int kStems = sizeof(kVillageStems) / sizeof(kVillageStems[0]);
  constexpr int kTowns = sizeof(kTownships) / sizeof(kTownships[0]);
  int t = 0;
  for (const TownshipSpec& spec : kTownships) {
    Township town;
    const std::string code = absl::StrCat(kDemoCountyCode, Pad3(t + 1));
    town.area.set_id(NameUuid(kAreaIds, code));
    town.area.set_code(code);
    town.area.set_name(spec.name);
    town.area.set_parent_id(d.county.id());
    town.rehab_room = MakeFacility(
        absl::StrCat("room-", code), absl::StrCat(spec.name, "康复室"),
        rehab::v1::FACILITY_TYPE_REHAB_ROOM, town.area);
    town.health_center = MakeFacility(
        absl::StrCat("health-center-", code), absl::StrCat(spec.name, "卫生院"),
        rehab::v1::FACILITY_TYPE_HEALTH_CENTER, town.area);
    for (int j = 0; j < spec.villages; ++j) {
      Village v;
      v.township = t;
      // Communities (the township seat) are numbered from 001, villages
      // from 201, as the statistical codes do.
      const std::string vcode = absl::StrCat(code, Pad3(j == 0 ? 1 : 200 + j));
      const char* stem = kVillageStems[(t * 8 + j) % kStems];
      v.area.set_id(NameUuid(kAreaIds, vcode));
      v.area.set_code(vcode);
      v.area.set_name(absl::StrCat(stem, j == 0 ? "社区" : "村"));
      v.area.set_parent_id(town.area.id());
      v.station = MakeFacility(absl::StrCat("station-", vcode),
                               absl::StrCat(spec.name, v.area.name(), "康复站"),
                               rehab::v1::FACILITY_TYPE_REHAB_STATION, v.area);
      v.family_team = FamilyTeamName(town.area, j % FamilyTeamsIn(t, kTowns));
      d.villages.push_back(std::move(v));
    }
    d.townships.push_back(std::move(town));
    ++t;
  }

  auto person = [&random](bool male) {
    return Surname(random) + GivenName(random, male, /*child=*/false);
  };
  int serial = 0;
  // Family doctors: 114 over the health centers, in teams of three or four.
  const int towns = static_cast<int>(d.townships.size());
  for (int i = 0; i < towns; ++i) {
    const Township& town = d.townships[i];
    const int doctors = FamilyDoctorsIn(i, towns);
    const int teams = FamilyTeamsIn(i, towns);
    for (int j = 0; j < doctors; ++j) {
      std::string name = person(random.Percent(60));
      if (i == 0 && j == 0) name = "王建国";
      Practitioner p = MakePractitioner(
          ++serial, std::move(name), rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR,
          town.health_center, FamilyTeamName(town.area, j % teams));
      if (i == 0 && j == 0) d.demo_doctor_id = p.id();
      d.practitioners.push_back(std::move(p));
    }
  }
  for (int j = 0; j < 6; ++j) {
    d.practitioners.push_back(
        MakePractitioner(++serial, person(random.Percent(40)),
                         rehab::v1::PRACTITIONER_KIND_THERAPIST, d.center, ""));
  }
  for (int j = 0; j < 3; ++j) {
    d.practitioners.push_back(MakePractitioner(
        ++serial, person(random.Percent(50)),
        rehab::v1::PRACTITIONER_KIND_PSYCHIATRIST, d.center, ""));
  }
  for (const Township& town : d.townships) {
    for (int j = 0; j < 2; ++j) {
      d.practitioners.push_back(MakePractitioner(
          ++serial, person(random.Percent(40)),
          rehab::v1::PRACTITIONER_KIND_THERAPIST, town.rehab_room, ""));
    }
    d.practitioners.push_back(MakePractitioner(
        ++serial, person(/*male=*/false), rehab::v1::PRACTITIONER_KIND_NURSE,
        town.health_center, ""));
  }
  return d;
}

// Which of the county's programs a patient was registered through.
enum class Cohort { kPsychiatric, kChild, kCataract, kOther };

struct PlannedPatient {
  Patient patient;
  Cohort cohort = Cohort::kOther;
  std::vector<Program> programs;
  absl::CivilDay registered;  // start of every enrollment
  bool under_management = false;
};

struct PatientPlan {
  std::vector<PlannedPatient> patients;
  // The demo patient account's patient (patient.li) and their ward.
  std::string demo_patient_id;
  std::string demo_ward_id;
};

DisabilityCategory CategoryOf(Cohort cohort, Random& random) {
  using C = DisabilityCategory;
  switch (cohort) {
    case Cohort::kPsychiatric:
      return rehab::v1::DISABILITY_CATEGORY_PSYCHIATRIC;
    case Cohort::kCataract:
      return rehab::v1::DISABILITY_CATEGORY_VISUAL;
    case Cohort::kChild: {
      static constexpr C kChoices[] = {
          rehab::v1::DISABILITY_CATEGORY_INTELLECTUAL,
          rehab::v1::DISABILITY_CATEGORY_PHYSICAL,
          rehab::v1::DISABILITY_CATEGORY_HEARING,
          rehab::v1::DISABILITY_CATEGORY_SPEECH,
          rehab::v1::DISABILITY_CATEGORY_MULTIPLE,
          rehab::v1::DISABILITY_CATEGORY_VISUAL};
      static constexpr int kWeights[] = {35, 25, 15, 10, 10, 5};
      return kChoices[random.Weighted(kWeights)];
    }
    case Cohort::kOther:
      break;
  }
  static constexpr C kChoices[] = {rehab::v1::DISABILITY_CATEGORY_PHYSICAL,
                                   rehab::v1::DISABILITY_CATEGORY_HEARING,
                                   rehab::v1::DISABILITY_CATEGORY_VISUAL,
                                   rehab::v1::DISABILITY_CATEGORY_INTELLECTUAL,
                                   rehab::v1::DISABILITY_CATEGORY_SPEECH,
                                   rehab::v1::DISABILITY_CATEGORY_MULTIPLE};
  static constexpr int kWeights[] = {50, 15, 10, 10, 5, 10};
  return kChoices[random.Weighted(kWeights)];
}

// Days before today of the birth date: children under 15 (a day short of
// 15 * 365 days is always less than 15 years), adults from 18.
int AgeInDays(Cohort cohort, Random& random) {
  switch (cohort) {
    case Cohort::kChild:
      return 60 + random.Below(15 * kYear - 60);
    case Cohort::kPsychiatric:
      return 18 * kYear + random.Below(57 * kYear);
    case Cohort::kCataract:
      return 55 * kYear + random.Below(35 * kYear);
    case Cohort::kOther:
      break;
  }
  return 18 * kYear + random.Below(67 * kYear);
}

// A synthetic resident ID number: the county's address code, the birth
// date, a sequence whose parity is the sex, the MOD 11-2 check character.
// Unique within `used`.
std::string MakeIdNumber(absl::CivilDay birth, bool male, Random& random,
                         std::set<std::string>& used) {
  std::string date = FormatDate(birth);  // YYYY-MM-DD
  date.erase(std::remove(date.begin(), date.end(), '-'), date.end());
  int seq = 2 * random.Below(499) + (male ? 1 : 2);  // 001..997, 002..998
  for (;;) {
    const std::string first17 = absl::StrCat(kDemoCountyCode, date, Pad3(seq));
    std::string id = first17 + IdCheckCharacter(first17);
    if (used.insert(id).second) return id;
    seq = seq + 2 > 999 ? (male ? 1 : 2) : seq + 2;
  }
}

// Selects exactly `k` of `n` items in one pass, each subset equally likely
// (selection sampling).
std::vector<bool> SelectExactly(int k, int n, Random& random) {
  std::vector<bool> chosen(n, false);
  int needed = k;
  for (int i = 0; i < n && needed > 0; ++i) {
    if (random.Below(n - i) < needed) {
      chosen[i] = true;
      --needed;
    }
  }
  return chosen;
}

PatientPlan PlanPatients(const Directory& d, absl::CivilDay today) {
  Random random(kPatientSeed);
  std::vector<Cohort> cohorts;
  cohorts.insert(cohorts.end(), kPsychiatricPatients, Cohort::kPsychiatric);
  cohorts.insert(cohorts.end(), kChildren, Cohort::kChild);
  cohorts.insert(cohorts.end(), kCataractPatients, Cohort::kCataract);
  cohorts.insert(cohorts.end(), kOtherPatients, Cohort::kOther);
  random.Shuffle(cohorts);

  PatientPlan plan;
  std::set<std::string> used_ids;
  int assistive = 0;
  const int villages = static_cast<int>(d.villages.size());
  for (Cohort cohort : cohorts) {
    PlannedPatient planned;
    planned.cohort = cohort;
    const bool child = cohort == Cohort::kChild;
    // Every draw is made whether or not its value is used, so that the
    // special cases below do not shift the stream for later patients.
    bool male = random.Percent(cohort == Cohort::kPsychiatric ? 55 : 50);
    const DisabilityCategory category = CategoryOf(cohort, random);
    static constexpr int kGradeWeights[] = {15, 25, 30, 30};
    const int grade = random.Weighted(kGradeWeights) + 1;
    int age_days = AgeInDays(cohort, random);
    const Village* village = &d.villages[random.Below(villages)];
    const std::string surname = Surname(random);
    std::string name = surname + GivenName(random, male, child);
    const int group = 1 + random.Below(12);
    const int house = 1 + random.Below(60);
    const bool sms = random.Percent(60);
    const int registered_ago = random.Below(5 * kYear);
    planned.under_management =
        random.Percent(cohort == Cohort::kPsychiatric ? 92 : (child ? 70 : 60));
    static constexpr const char* kAdultGuardians[] = {"配偶", "父亲", "母亲",
                                                      "子女", "兄弟姐妹"};
    std::string relation = child ? (random.Percent(50) ? "父亲" : "母亲")
                                 : random.Pick(kAdultGuardians);
    // Parents look after the young, children after the old.
    if (age_days < 40 * kYear && relation == "子女") relation = "母亲";
    if (age_days > 65 * kYear && (relation == "父亲" || relation == "母亲")) {
      relation = "子女";
    }
    const bool has_guardian =
        child || (cohort == Cohort::kPsychiatric && random.Percent(70));
    const bool guardian_male =
        relation == "父亲" || (relation == "配偶" && !male) ||
        (relation != "母亲" && relation != "配偶" && random.Percent(50));
    // A father (and a son) passes on the surname.
    std::string guardian_name = Surname(random);
    if (guardian_male && (relation == "父亲" || relation == "子女")) {
      guardian_name = surname;
    }
    guardian_name += GivenName(random, guardian_male, /*child=*/false);

    // The patient account and its ward live at the demo rehab station (the
    // first village's), so that the station's staff and kiosk serve them.
    const bool demo_adult =
        cohort == Cohort::kOther && plan.demo_patient_id.empty();
    const bool demo_ward = child && plan.demo_ward_id.empty();
    if (demo_adult) {
      name = kDemoPatientName;
      male = true;
      village = &d.villages[0];
      age_days = 32 * kYear + age_days % (12 * kYear);  // the ward's father
    } else if (demo_ward) {
      name = kDemoWardName;
      male = true;
      village = &d.villages[0];
      guardian_name = kDemoPatientName;
      relation = "父亲";
    }

    const absl::CivilDay birth = today - age_days;
    const std::string id_number = MakeIdNumber(birth, male, random, used_ids);
    planned.registered = today - registered_ago;
    if (planned.registered < birth + 30) planned.registered = birth + 30;

    Patient& p = planned.patient;
    p.set_id(NameUuid(kPatientIds, id_number));
    p.set_name(name);
    p.set_id_number(id_number);
    p.set_disability_card_number(
        absl::StrCat(id_number, static_cast<int>(category), grade));
    p.set_disability_category(category);
    p.set_disability_grade(grade);
    p.set_sex(male ? rehab::v1::SEX_MALE : rehab::v1::SEX_FEMALE);
    p.set_birth_date(FormatDate(birth));
    p.set_area_id(village->area.id());
    p.set_facility_id(village->station.id());
    p.set_address(absl::StrCat(kCountyName,
                               d.townships[village->township].area.name(),
                               village->area.name(), group, "组", house, "号"));
    if (has_guardian) {
      p.mutable_guardian()->set_name(guardian_name);
      p.mutable_guardian()->set_relation(relation);
    }
    p.mutable_consent()->set_data_sharing(true);
    p.mutable_consent()->set_sms_reminders(sms);
    p.mutable_consent()->set_consent_date(FormatDate(planned.registered));

    switch (cohort) {
      case Cohort::kPsychiatric:
        planned.programs = {rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT,
                            rehab::v1::PROGRAM_FREE_MEDICATION};
        break;
      case Cohort::kChild:
        planned.programs = {rehab::v1::PROGRAM_CHILD_REHAB};
        break;
      case Cohort::kCataract:
        planned.programs = {rehab::v1::PROGRAM_CATARACT_AID};
        break;
      case Cohort::kOther:
        planned.programs = {rehab::v1::PROGRAM_PRECISION_REHAB};
        if ((category == rehab::v1::DISABILITY_CATEGORY_PHYSICAL ||
             category == rehab::v1::DISABILITY_CATEGORY_MULTIPLE) &&
            assistive < kAssistiveDevicePatients) {
          planned.programs.push_back(rehab::v1::PROGRAM_ASSISTIVE_DEVICE);
          ++assistive;
        }
        break;
    }
    if (demo_adult) plan.demo_patient_id = p.id();
    if (demo_ward) plan.demo_ward_id = p.id();
    plan.patients.push_back(std::move(planned));
  }

  // Family-doctor contracts go to people with a rehab need. Psychiatric
  // patients are among them (the doctor does their follow-ups); their need
  // is psychiatric rehabilitation, a precision-rehab service.
  std::vector<PlannedPatient*> with_need;
  for (PlannedPatient& planned : plan.patients) {
    if (planned.cohort != Cohort::kCataract) with_need.push_back(&planned);
  }
  const std::vector<bool> contracted = SelectExactly(
      kFamilyDoctorPatients, static_cast<int>(with_need.size()), random);
  for (size_t i = 0; i < with_need.size(); ++i) {
    if (!contracted[i]) continue;
    std::vector<Program>& programs = with_need[i]->programs;
    if (with_need[i]->cohort == Cohort::kPsychiatric) {
      programs.push_back(rehab::v1::PROGRAM_PRECISION_REHAB);
    }
    programs.push_back(rehab::v1::PROGRAM_FAMILY_DOCTOR);
  }
  return plan;
}

// One demo login and the record it is stored as.
struct AccountSpec {
  DemoAccount shown;
  Role role = rehab::v1::ROLE_UNSPECIFIED;
  std::string scope_id;
  std::vector<std::string> ward_ids;
  bool psychiatric_identity = false;
  std::string display_name;
};

std::vector<AccountSpec> DemoAccountSpecs(const Directory& d,
                                          const PatientPlan& plan) {
  const Township& town = d.townships[0];
  const Village& village = d.villages[0];
  std::string doctor_name, team;
  for (const Practitioner& p : d.practitioners) {
    if (p.id() == d.demo_doctor_id) {
      doctor_name = p.name();
      team = p.team();
    }
  }
  auto spec = [](const char* username, const char* password, Role role,
                 std::string scope_id, std::string display_name,
                 std::string scope_description) {
    AccountSpec s;
    s.shown = {username, password, rehab::v1::Role_Name(role),
               std::move(scope_description)};
    s.role = role;
    s.scope_id = std::move(scope_id);
    s.display_name = std::move(display_name);
    return s;
  };
  std::vector<AccountSpec> specs;
  specs.push_back(spec("admin", "demo-admin-2026", rehab::v1::ROLE_ADMIN, "",
                       "系统管理员",
                       "everything; manages areas, facilities, "
                       "practitioners and accounts"));
  specs.push_back(
      spec("county.supervisor", "demo-county-2026", rehab::v1::ROLE_SUPERVISOR,
           d.county.id(), absl::StrCat(kCountyName, "残联督导"),
           absl::StrCat("all of ", kCountyName, " (", d.county.code(),
                        "), psychiatric patients' identities shown")));
  specs.back().psychiatric_identity = true;
  specs.push_back(
      spec("town.supervisor", "demo-town-2026", rehab::v1::ROLE_SUPERVISOR,
           town.area.id(), absl::StrCat(town.area.name(), "督导"),
           absl::StrCat(town.area.name(), " (", town.area.code(),
                        ") only, psychiatric patients pseudonymised")));
  specs.push_back(
      spec("doctor.wang", "demo-doctor-2026", rehab::v1::ROLE_FAMILY_DOCTOR,
           d.demo_doctor_id, doctor_name,
           absl::StrCat("family doctor ", doctor_name, " (",
                        town.health_center.name(), ", ", team,
                        "): patients contracted to the doctor or the team")));
  specs.push_back(spec("station.staff", "demo-staff-2026",
                       rehab::v1::ROLE_FACILITY_STAFF, village.station.id(),
                       absl::StrCat(village.station.name(), "工作人员"),
                       absl::StrCat("staff of ", village.station.name(),
                                    ": the station's patients")));
  specs.push_back(spec(
      "station.kiosk", "demo-kiosk-2026", rehab::v1::ROLE_KIOSK,
      village.station.id(), absl::StrCat(village.station.name(), "自助终端"),
      absl::StrCat("kiosk of ", village.station.name(),
                   ": card look-up, dose and attendance reports")));
  specs.push_back(
      spec("patient.li", "demo-patient-2026", rehab::v1::ROLE_PATIENT,
           plan.demo_patient_id, kDemoPatientName,
           absl::StrCat("patient ", kDemoPatientName, " and their ward ",
                        kDemoWardName, " (son)")));
  specs.back().ward_ids.push_back(plan.demo_ward_id);
  return specs;
}

std::string AccountId(const AccountSpec& spec) {
  return NameUuid(kAccountIds, spec.shown.username);
}

// --- Contracts and visits ---------------------------------------------------

// How a contract has been served over the elapsed part of its term.
enum class Service {
  kOnTime,       // every visit by its due date
  kBehind,       // served at first, no visit for months since
  kNeverServed,  // signed but never served (签而不约)
  kIrregular,    // visits late, fewer than the package asks
};
constexpr Service kServices[] = {Service::kOnTime, Service::kBehind,
                                 Service::kNeverServed, Service::kIrregular};
constexpr int kServiceWeights[] = {75, 12, 6, 7};  // percent

// Days of a term that had passed at least, by service: a contract left
// unserved is a month old at least, one served and then dropped five months.
int MinimumDaysElapsed(Service service) {
  switch (service) {
    case Service::kBehind:
      return 150;
    case Service::kNeverServed:
      return 30;
    case Service::kOnTime:
    case Service::kIrregular:
      break;
  }
  return 14;
}

struct ItemSpec {
  const char* code;
  const char* name;
};
constexpr ItemSpec kBasicCare = {"basic_medical_care", "基本医疗服务"};
constexpr ItemSpec kPublicHealthFollowUp = {"public_health_follow_up",
                                            "公共卫生随访"};
constexpr ItemSpec kPsychiatricFollowUp = {"psychiatric_follow_up",
                                           "严重精神障碍患者随访管理"};
constexpr ItemSpec kMedicationGuidance = {"medication_guidance", "用药指导"};
constexpr ItemSpec kHealthCheck = {"annual_health_check", "年度健康体检"};
constexpr ItemSpec kHomeVisit = {"home_visit", "上门服务"};
constexpr ItemSpec kRehabGuidance = {"rehab_guidance", "康复指导"};

void AddItem(Contract& contract, const ItemSpec& spec, int visits_per_year) {
  ContractItem* item = contract.add_items();
  item->set_code(spec.code);
  item->set_name(spec.name);
  item->set_visits_per_year(visits_per_year);
}

bool HasItem(const Contract& contract, const ItemSpec& spec) {
  for (const ContractItem& item : contract.items()) {
    if (item.code() == spec.code) return true;
  }
  return false;
}

// Antipsychotics at usual maintenance doses, and drugs given beside them.
struct OralDrug {
  const char* name;
  double morning_mg, noon_mg, evening_mg;
};
constexpr OralDrug kAntipsychotics[] = {
    {"利培酮片", 1, 0, 2},       {"利培酮片", 2, 0, 2},
    {"奥氮平片", 0, 0, 10},      {"奥氮平片", 5, 0, 10},
    {"阿立哌唑片", 10, 0, 0},    {"阿立哌唑片", 10, 0, 5},
    {"氯氮平片", 50, 0, 100},    {"氯氮平片", 100, 0, 150},
    {"喹硫平片", 100, 0, 200},   {"帕利哌酮缓释片", 6, 0, 0},
    {"氨磺必利片", 200, 0, 200}, {"齐拉西酮胶囊", 40, 0, 40},
};
constexpr int kAntipsychoticWeights[] = {14, 10, 14, 6, 12, 4,
                                         8,  4,  8,  8, 4,  4};
constexpr OralDrug kAdjuncts[] = {
    {"丙戊酸钠缓释片", 500, 0, 500},  // mood stabiliser
    {"碳酸锂缓释片", 300, 0, 600},    // mood stabiliser
    {"盐酸苯海索片", 2, 0, 2},        // against extrapyramidal effects
};
struct Injection {
  const char* name;
  int interval_days;
  double dose_mg;
};
constexpr Injection kInjections[] = {
    {"棕榈酸帕利哌酮注射液", 28, 150},
    {"棕榈酸帕利哌酮注射液", 28, 100},
    {"氟哌啶醇癸酸酯注射液", 28, 50},
    {"癸氟奋乃静注射液", 14, 25},
};

// What stays the same over a psychiatric patient's visits.
struct PsychiatricCourse {
  int course = 0;  // a row of kClassWeights
  bool unmedicated = false;
  std::vector<OralDrug> drugs;
  const Injection* injection = nullptr;
  std::optional<absl::CivilDay> last_discharge;
};

// Patients mostly stable, some fluctuating, a few relapsing.
constexpr int kCourseWeights[] = {65, 28, 7};
// Severities, and the weights of the one drawn at each visit, per course.
constexpr int kStable = 0, kBasicallyStable = 1, kUnstable = 2;
constexpr int kClassWeights[][3] = {{88, 10, 2}, {55, 35, 10}, {30, 40, 30}};
constexpr VisitClass kClassOfSeverity[] = {
    rehab::v1::VISIT_CLASS_STABLE, rehab::v1::VISIT_CLASS_BASICALLY_STABLE,
    rehab::v1::VISIT_CLASS_UNSTABLE};

PsychiatricCourse DrawCourse(absl::CivilDay start, Random& random) {
  PsychiatricCourse c;
  c.course = random.Weighted(kCourseWeights);
  c.unmedicated = c.course == 0 && random.Percent(4);
  if (!c.unmedicated) {
    if (random.Percent(8)) {
      c.injection = &random.Pick(kInjections);
      if (random.Percent(40)) c.drugs.push_back(kAdjuncts[2]);
    } else {
      c.drugs.push_back(
          kAntipsychotics[random.Weighted(kAntipsychoticWeights)]);
      static constexpr int kAdjunctWeights[] = {75, 8, 7, 10};
      const int adjunct = random.Weighted(kAdjunctWeights);
      if (adjunct > 0) c.drugs.push_back(kAdjuncts[adjunct - 1]);
    }
  }
  if (random.Percent(35)) {
    c.last_discharge = start - 30 - random.Below(3 * kYear);
  }
  return c;
}

template <typename T, size_t N>
T WeightedPick(Random& random, const T (&items)[N], const int (&weights)[N]) {
  return items[random.Weighted(weights)];
}

// `k` distinct items of `items`, in their order there.
template <typename T, size_t N>
std::vector<T> Distinct(Random& random, const T (&items)[N], int k) {
  std::vector<int> order;
  for (size_t i = 0; i < N; ++i) order.push_back(static_cast<int>(i));
  random.Shuffle(order);
  order.resize(std::min<size_t>(k, N));
  std::sort(order.begin(), order.end());
  std::vector<T> chosen;
  for (int i : order) chosen.push_back(items[i]);
  return chosen;
}

// Fills the national follow-up form of a visit on `day` from the patient's
// course; returns what the schedule takes from it.
ScheduleVisit FillForm(Visit& v, const PsychiatricCourse& c, absl::CivilDay day,
                       Random& random) {
  using rehab::v1::Symptom;
  const int severity = random.Weighted(kClassWeights[c.course]);
  int risk = 0;
  if (severity == kBasicallyStable) {
    static constexpr int kRiskWeights[] = {20, 50, 30};  // 0, 1, 2
    risk = random.Weighted(kRiskWeights);
  } else if (severity == kUnstable) {
    static constexpr int kRiskWeights[] = {60, 30, 10};  // 3, 4, 5
    risk = 3 + random.Weighted(kRiskWeights);
  }
  v.set_risk_level(risk);
  v.set_visit_class(kClassOfSeverity[severity]);

  static constexpr Symptom kResidual[] = {
      rehab::v1::SYMPTOM_WITHDRAWAL,
      rehab::v1::SYMPTOM_TALKING_OR_LAUGHING_TO_SELF,
      rehab::v1::SYMPTOM_COMMUNICATION_DIFFICULTY};
  static constexpr Symptom kActive[] = {
      rehab::v1::SYMPTOM_HALLUCINATIONS, rehab::v1::SYMPTOM_SUSPICION,
      rehab::v1::SYMPTOM_MOOD_SWINGS,    rehab::v1::SYMPTOM_ODD_BEHAVIOUR,
      rehab::v1::SYMPTOM_PESSIMISM,      rehab::v1::SYMPTOM_WITHDRAWAL};
  static constexpr Symptom kAcute[] = {
      rehab::v1::SYMPTOM_HALLUCINATIONS, rehab::v1::SYMPTOM_SUSPICION,
      rehab::v1::SYMPTOM_MOOD_SWINGS,    rehab::v1::SYMPTOM_ODD_BEHAVIOUR,
      rehab::v1::SYMPTOM_EXCITEMENT,     rehab::v1::SYMPTOM_HURTING_OR_SMASHING,
      rehab::v1::SYMPTOM_WANDERING_OFF};
  std::vector<Symptom> symptoms;
  if (severity == kStable) {
    if (random.Percent(25)) symptoms = Distinct(random, kResidual, 1);
  } else if (severity == kBasicallyStable) {
    symptoms = Distinct(random, kActive, 1 + random.Below(2));
  } else {
    symptoms = Distinct(random, kAcute, 2 + random.Below(3));
  }
  for (Symptom s : symptoms) v.add_symptoms(s);

  static constexpr rehab::v1::Insight kInsights[] = {
      rehab::v1::INSIGHT_COMPLETE, rehab::v1::INSIGHT_PARTIAL,
      rehab::v1::INSIGHT_ABSENT};
  static constexpr int kInsightWeights[][3] = {
      {55, 45, 0}, {15, 70, 15}, {0, 40, 60}};
  v.set_insight(WeightedPick(random, kInsights, kInsightWeights[severity]));
  static constexpr rehab::v1::Rating kRatings[] = {
      rehab::v1::RATING_GOOD, rehab::v1::RATING_FAIR, rehab::v1::RATING_POOR};
  static constexpr int kBodyWeights[][3] = {
      {75, 25, 0}, {25, 60, 15}, {0, 45, 55}};
  static constexpr int kSocialWeights[][3] = {
      {45, 50, 5}, {0, 60, 40}, {0, 20, 80}};
  v.set_sleep(WeightedPick(random, kRatings, kBodyWeights[severity]));
  v.set_appetite(WeightedPick(random, kRatings, kBodyWeights[severity]));
  v.set_social_function(
      WeightedPick(random, kRatings, kSocialWeights[severity]));

  rehab::v1::DangerousBehaviour& danger = *v.mutable_dangerous_behaviour();
  switch (risk) {
    case 2:
      if (random.Percent(50)) danger.set_minor_trouble(1);
      break;
    case 3:
      danger.set_minor_trouble(1 + random.Below(2));
      if (random.Percent(40)) danger.set_trouble(1);
      break;
    case 4:
      danger.set_trouble(1);
      if (random.Percent(30)) danger.set_self_harm(1);
      if (random.Percent(10)) danger.set_suicide_attempt(1);
      break;
    case 5:
      danger.set_trouble(1);
      if (random.Percent(40)) danger.set_disaster(1);
      break;
    default:
      break;
  }
  v.set_lock_status(rehab::v1::LOCK_STATUS_NONE);
  if (c.last_discharge.has_value()) {
    v.set_hospitalisation(rehab::v1::HOSPITALISATION_BEFORE);
    v.set_last_discharge_date(FormatDate(*c.last_discharge));
  } else {
    v.set_hospitalisation(rehab::v1::HOSPITALISATION_NEVER);
  }

  if (c.unmedicated) {
    v.set_adherence(rehab::v1::MEDICATION_ADHERENCE_NOT_NEEDED);
    v.set_adverse_reaction(rehab::v1::ADVERSE_REACTION_NONE);
  } else {
    static constexpr rehab::v1::MedicationAdherence kAdherence[] = {
        rehab::v1::MEDICATION_ADHERENCE_REGULAR,
        rehab::v1::MEDICATION_ADHERENCE_INTERMITTENT,
        rehab::v1::MEDICATION_ADHERENCE_NOT_TAKING};
    static constexpr int kAdherenceWeights[][3] = {
        {85, 13, 2}, {60, 30, 10}, {25, 40, 35}};
    v.set_adherence(
        WeightedPick(random, kAdherence, kAdherenceWeights[severity]));
    static constexpr const char* kReactions[] = {"体重增加", "嗜睡", "静坐不能",
                                                 "手抖",     "便秘", "口干"};
    if (random.Percent(7)) {
      v.set_adverse_reaction(rehab::v1::ADVERSE_REACTION_YES);
      v.set_adverse_reaction_detail(random.Pick(kReactions));
    } else {
      v.set_adverse_reaction(rehab::v1::ADVERSE_REACTION_NONE);
    }
    for (const OralDrug& drug : c.drugs) {
      rehab::v1::DrugDose& dose = *v.add_drugs();
      dose.set_drug_name(drug.name);
      dose.set_morning_mg(drug.morning_mg);
      dose.set_noon_mg(drug.noon_mg);
      dose.set_evening_mg(drug.evening_mg);
    }
    if (c.injection != nullptr) {
      rehab::v1::LongActingInjection& lai = *v.mutable_long_acting_injection();
      lai.set_drug_name(c.injection->name);
      lai.set_interval_days(c.injection->interval_days);
      lai.set_dose_mg(c.injection->dose_mg);
    }
  }
  static constexpr rehab::v1::TreatmentEffect kEffects[] = {
      rehab::v1::TREATMENT_EFFECT_CURED, rehab::v1::TREATMENT_EFFECT_IMPROVED,
      rehab::v1::TREATMENT_EFFECT_UNCHANGED, rehab::v1::TREATMENT_EFFECT_WORSE};
  static constexpr int kEffectWeights[][4] = {
      {5, 70, 25, 0}, {0, 40, 50, 10}, {0, 0, 40, 60}};
  v.set_treatment_effect(
      WeightedPick(random, kEffects, kEffectWeights[severity]));

  if (severity == kUnstable) {
    rehab::v1::Referral& referral = *v.mutable_referral();
    referral.set_referred(true);
    referral.set_reason(absl::StrCat("危险性评估", risk, "级，病情不稳定"));
    referral.set_to_facility(absl::StrCat(kCountyName, "第三人民医院精神科"));
  }
  if (severity == kStable) {
    if (random.Percent(70))
      v.add_rehab_measures(rehab::v1::REHAB_MEASURE_LIFE_SKILLS);
    if (random.Percent(15))
      v.add_rehab_measures(rehab::v1::REHAB_MEASURE_VOCATIONAL);
    if (random.Percent(40))
      v.add_rehab_measures(rehab::v1::REHAB_MEASURE_SOCIAL_SKILLS);
  } else if (severity == kBasicallyStable && random.Percent(50)) {
    v.add_rehab_measures(rehab::v1::REHAB_MEASURE_LIFE_SKILLS);
  }

  static constexpr const char* kNotes[] = {
      "病情稳定，继续原方案治疗，按时服药", "病情基本稳定，两周后复查",
      "病情不稳定，已告知家属加强看护，建议转诊"};
  v.set_notes(kNotes[severity]);

  ScheduleVisit schedule;
  schedule.date = day;
  schedule.visit_class = v.visit_class();
  schedule.risk_level = risk;
  // The doctor sets a date at every unstable visit, and at some others.
  std::optional<absl::CivilDay> next;
  if (severity == kUnstable) {
    next = day + 7 + random.Below(7);
  } else if (severity == kBasicallyStable) {
    if (random.Percent(40)) next = day + 14;
  } else if (random.Percent(15)) {
    next = day + 60 + random.Below(30);
  }
  if (next.has_value()) {
    v.set_next_visit_date(FormatDate(*next));
    schedule.next_visit_date = next;
  }
  return schedule;
}

// A village's place on the map, spread over the county (about 33.0 N,
// 119.0 E).
void VillageCentre(int village, int villages, double& latitude,
                   double& longitude) {
  latitude = 32.86 + 0.30 * ((village * 37) % villages) / villages;
  longitude = 118.82 + 0.40 * ((village * 59) % villages) / villages;
}

// The phone a doctor logs visits with.
std::string PhoneOf(const Practitioner& doctor) {
  return absl::StrCat("phone-", doctor.id().substr(0, 8));
}

struct PlannedContract {
  Contract contract;
  std::vector<Visit> visits;  // oldest first
};

// What planning a contract reads.
struct ContractPlanInput {
  const FollowUpRules* rules = nullptr;
  absl::CivilDay today;
  absl::TimeZone zone;
};

// One visit on `day` under `contract` (number `n` of it, from 1).
Visit MakeVisit(const PlannedPatient& planned, const Contract& contract,
                const std::vector<const Practitioner*>& team,
                const Practitioner& doctor, double home_latitude,
                double home_longitude, int n, absl::CivilDay day,
                const ContractPlanInput& in, Random& random) {
  const bool psychiatric = planned.cohort == Cohort::kPsychiatric;
  Visit v;
  v.set_id(NameUuid(kVisitIds, absl::StrCat(contract.id(), "/", n)));
  v.set_contract_id(contract.id());
  // Now and then a colleague of the team covers for the doctor.
  const Practitioner& by =
      random.Percent(12) ? *team[random.Below(static_cast<int>(team.size()))]
                         : doctor;
  v.set_doctor_id(by.id());
  v.set_device_id(PhoneOf(by));

  static constexpr VisitMode kModes[] = {rehab::v1::VISIT_MODE_HOME,
                                         rehab::v1::VISIT_MODE_CLINIC,
                                         rehab::v1::VISIT_MODE_PHONE};
  static constexpr int kPsychiatricModeWeights[] = {52, 36, 12};
  static constexpr int kModeWeights[] = {45, 45, 10};
  const VisitMode mode =
      psychiatric ? WeightedPick(random, kModes, kPsychiatricModeWeights)
                  : WeightedPick(random, kModes, kModeWeights);
  v.set_mode(mode);
  const int family_share = planned.cohort == Cohort::kChild ? 100
                           : psychiatric                    ? 45
                                                            : 20;
  v.set_informant(random.Percent(family_share) ? rehab::v1::INFORMANT_FAMILY
                                               : rehab::v1::INFORMANT_PATIENT);

  const absl::Time start = absl::FromCivil(
      absl::CivilMinute(day.year(), day.month(), day.day(), 8 + random.Below(9),
                        5 * random.Below(12)),
      in.zone);
  const int minutes = mode == rehab::v1::VISIT_MODE_HOME ? 20 + random.Below(31)
                      : mode == rehab::v1::VISIT_MODE_CLINIC
                          ? 10 + random.Below(21)
                          : 5 + random.Below(11);
  const absl::Time end = start + absl::Minutes(minutes);
  *v.mutable_start_time() = ToProto(start);
  *v.mutable_end_time() = ToProto(end);
  *v.mutable_device_time() = ToProto(end + absl::Minutes(1 + random.Below(10)));
  if (mode == rehab::v1::VISIT_MODE_HOME) {
    rehab::v1::GeoPoint& at = *v.mutable_location();
    at.set_latitude(home_latitude + (random.Below(21) - 10) * 1e-5);
    at.set_longitude(home_longitude + (random.Below(21) - 10) * 1e-5);
    at.set_accuracy_m(5 + random.Below(26));
  }

  const ItemSpec& follow_up =
      psychiatric ? kPsychiatricFollowUp : kPublicHealthFollowUp;
  v.add_items_delivered(follow_up.code);
  if (mode == rehab::v1::VISIT_MODE_HOME && HasItem(contract, kHomeVisit)) {
    v.add_items_delivered(kHomeVisit.code);
  }
  if (mode != rehab::v1::VISIT_MODE_PHONE &&
      HasItem(contract, kRehabGuidance) && random.Percent(60)) {
    v.add_items_delivered(kRehabGuidance.code);
  }
  if (n == 2 && mode == rehab::v1::VISIT_MODE_CLINIC &&
      HasItem(contract, kHealthCheck)) {
    v.add_items_delivered(kHealthCheck.code);
  }
  if (mode != rehab::v1::VISIT_MODE_PHONE && random.Percent(25)) {
    v.add_items_delivered(kBasicCare.code);
  }
  if (!psychiatric) {
    static constexpr const char* kAdvice[] = {
        "指导居家康复训练", "评估肢体功能，调整训练计划",
        "检查辅助器具使用情况", "健康宣教，注意防跌倒"};
    static constexpr const char* kChildAdvice[] = {
        "指导家长进行居家康复训练", "评估运动与语言发育，调整训练计划"};
    if (planned.cohort == Cohort::kChild) {
      v.set_notes(random.Pick(kChildAdvice));
    } else {
      v.set_notes(absl::StrCat("血压", 110 + random.Below(40), "/",
                               70 + random.Below(20), "mmHg，",
                               random.Pick(kAdvice)));
    }
  }
  return v;
}

// The contract of `planned` with a doctor of the team serving their
// village, and its visits over the elapsed part of the term, drawn from
// `random` as `service` has them and dated by the schedule the rules give.
PlannedContract PlanContract(const PlannedPatient& planned,
                             const Practitioner& doctor,
                             const std::vector<const Practitioner*>& team,
                             int village, int villages,
                             const ContractPlanInput& in, Random& random) {
  const bool psychiatric = planned.cohort == Cohort::kPsychiatric;
  const Service service = WeightedPick(random, kServices, kServiceWeights);
  const int least = MinimumDaysElapsed(service);
  absl::CivilDay start = in.today - (least + random.Below(kYear - least));
  // Not before the patient was registered.
  start = std::max(start, planned.registered);

  PlannedContract pc;
  Contract& c = pc.contract;
  c.set_id(NameUuid(kContractIds, planned.patient.id_number()));
  c.set_patient_id(planned.patient.id());
  c.set_doctor_id(doctor.id());
  c.set_team(doctor.team());
  c.set_device_id(PhoneOf(doctor));
  AddItem(c, kBasicCare, 0);
  if (psychiatric) {
    AddItem(c, kPsychiatricFollowUp, 4);
    AddItem(c, kMedicationGuidance, 0);
  } else {
    AddItem(c, kPublicHealthFollowUp, 4);
  }
  if (random.Percent(35)) AddItem(c, kHealthCheck, 1);
  if (!psychiatric && random.Percent(35)) AddItem(c, kHomeVisit, 2);
  const bool child = planned.cohort == Cohort::kChild;
  if (random.Percent(child ? 70 : (psychiatric ? 15 : 30))) {
    AddItem(c, kRehabGuidance, child ? 4 : 2);
  }
  c.set_start_date(FormatDate(start));
  // A year less a day (28 February for a 29 February start).
  c.set_end_date(FormatDate(
      absl::CivilDay(start.year() + 1, start.month(), start.day()) - 1));
  c.set_signed_date(c.start_date());

  double home_latitude = 0, home_longitude = 0;
  VillageCentre(village, villages, home_latitude, home_longitude);
  home_latitude += (random.Below(801) - 400) * 1e-5;
  home_longitude += (random.Below(801) - 400) * 1e-5;
  PsychiatricCourse course;
  if (psychiatric) course = DrawCourse(start, random);

  // Visits fall on days before today, so that each starts before `now`.
  const absl::CivilDay last_day = in.today - 1;
  if (service == Service::kNeverServed || last_day < start) return pc;
  const int elapsed = static_cast<int>(last_day - start) + 1;
  absl::CivilDay cutoff = last_day;
  if (service == Service::kBehind) {
    cutoff = std::min(last_day, in.today - 120 - random.Below(120));
  }
  const int visits_per_year = VisitsPerYear(c);
  std::optional<ScheduleVisit> last;
  constexpr int kMaxVisits = 100;
  for (int n = 1; n <= kMaxVisits; ++n) {
    absl::CivilDay day;
    if (!last.has_value()) {
      // The first visit soon after signing; past `cutoff` too, so that a
      // contract served and then dropped was served once at least.
      const int window = service == Service::kIrregular ? 60
                         : service == Service::kBehind  ? 14
                                                        : 30;
      day = start + random.Below(std::min(window, elapsed));
    } else {
      const NextFollowUp next = ComputeNextFollowUp(
          *in.rules, ScheduleInput{start, visits_per_year, last});
      if (service == Service::kIrregular) {
        day = next.due_date + 7 + random.Below(next.interval_days);
      } else {
        if (next.due_date > in.today) break;
        day = next.due_date - random.Below(8);
      }
      day = std::max(day, last->date + 1);
      if (day > cutoff) break;
    }
    Visit v = MakeVisit(planned, c, team, doctor, home_latitude, home_longitude,
                        n, day, in, random);
    if (psychiatric) {
      last = FillForm(v, course, day, random);
    } else {
      last = ScheduleVisit();
      last->date = day;
    }
    pc.visits.push_back(std::move(v));
  }
  return pc;
}

// A contract for every patient enrolled with a family doctor, the doctors
// of each team taking the patients of its villages in turn.
std::vector<PlannedContract> PlanContracts(const Directory& d,
                                           const PatientPlan& plan,
                                           const ContractPlanInput& in) {
  std::map<std::string, std::vector<const Practitioner*>> teams;
  for (const Practitioner& p : d.practitioners) {
    if (p.kind() == rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR) {
      teams[p.team()].push_back(&p);
    }
  }
  std::map<std::string, int> village_of;
  for (size_t i = 0; i < d.villages.size(); ++i) {
    village_of[d.villages[i].area.id()] = static_cast<int>(i);
  }
  std::map<std::string, size_t> turn;
  std::vector<PlannedContract> contracts;
  uint32_t serial = 0;
  for (const PlannedPatient& planned : plan.patients) {
    if (std::find(planned.programs.begin(), planned.programs.end(),
                  rehab::v1::PROGRAM_FAMILY_DOCTOR) == planned.programs.end()) {
      continue;
    }
    const int village = village_of.at(planned.patient.area_id());
    const std::string& team_name = d.villages[village].family_team;
    const std::vector<const Practitioner*>& team = teams.at(team_name);
    const Practitioner& doctor = *team[turn[team_name]++ % team.size()];
    // A stream per contract: a change to one leaves the others as they are.
    Random random(kServiceSeed + serial++);
    contracts.push_back(PlanContract(planned, doctor, team, village,
                                     static_cast<int>(d.villages.size()), in,
                                     random));
  }
  return contracts;
}

// What every record of one seeding shares.
struct SeedContext {
  Caller caller = Caller::System();
  absl::Time now;
  absl::CivilDay today;
};

// The directory's records are written the way DirectoryManager's creates
// write them; a record already stored under its demo id is kept.
absl::Status SeedArea(WriteTxn& txn, Area area, const Area* parent,
                      const SeedContext& ctx, DemoSummary& summary) {
  ASSIGN_OR_RETURN(std::optional<Area> stored, txn.GetArea(area.id()));
  if (stored.has_value()) return absl::OkStatus();
  RETURN_IF_ERROR(ValidateArea(area, parent));
  ASSIGN_OR_RETURN(std::optional<Area> same_code,
                   txn.GetAreaByCode(area.code()));
  if (same_code.has_value()) {
    return absl::AlreadyExistsError(
        absl::StrCat("area code ", area.code(),
                     " is taken by another area; the demo county needs a "
                     "registry without it"));
  }
  RETURN_IF_ERROR(StampCreate(area, ctx.caller, ctx.now, "area"));
  RETURN_IF_ERROR(txn.PutArea(area));
  ++summary.areas;
  return absl::OkStatus();
}

absl::Status SeedFacility(WriteTxn& txn, Facility facility,
                          const SeedContext& ctx, DemoSummary& summary) {
  ASSIGN_OR_RETURN(std::optional<Facility> stored,
                   txn.GetFacility(facility.id()));
  if (stored.has_value()) return absl::OkStatus();
  RETURN_IF_ERROR(ValidateFacility(facility));
  RETURN_IF_ERROR(StampCreate(facility, ctx.caller, ctx.now, "facility"));
  RETURN_IF_ERROR(txn.PutFacility(facility));
  ++summary.facilities;
  return absl::OkStatus();
}

absl::Status SeedDirectory(WriteTxn& txn, const Directory& d,
                           const SeedContext& ctx, DemoSummary& summary) {
  RETURN_IF_ERROR(SeedArea(txn, d.county, nullptr, ctx, summary));
  for (const Township& town : d.townships) {
    RETURN_IF_ERROR(SeedArea(txn, town.area, &d.county, ctx, summary));
  }
  for (const Village& village : d.villages) {
    RETURN_IF_ERROR(SeedArea(
        txn, village.area, &d.townships[village.township].area, ctx, summary));
  }

  RETURN_IF_ERROR(SeedFacility(txn, d.center, ctx, summary));
  for (const Township& town : d.townships) {
    RETURN_IF_ERROR(SeedFacility(txn, town.rehab_room, ctx, summary));
    RETURN_IF_ERROR(SeedFacility(txn, town.health_center, ctx, summary));
  }
  for (const Village& village : d.villages) {
    RETURN_IF_ERROR(SeedFacility(txn, village.station, ctx, summary));
  }

  for (Practitioner p : d.practitioners) {
    ASSIGN_OR_RETURN(std::optional<Practitioner> stored,
                     txn.GetPractitioner(p.id()));
    if (stored.has_value()) continue;
    RETURN_IF_ERROR(ValidatePractitioner(p));
    RETURN_IF_ERROR(StampCreate(p, ctx.caller, ctx.now, "practitioner"));
    RETURN_IF_ERROR(txn.PutPractitioner(p));
    ++summary.practitioners;
  }
  return absl::OkStatus();
}

absl::Status SeedPatients(WriteTxn& txn, const PatientPlan& plan,
                          const SeedContext& ctx, DemoSummary& summary) {
  for (const PlannedPatient& planned : plan.patients) {
    Patient patient = planned.patient;
    RETURN_IF_ERROR(ValidatePatient(patient, ctx.today));
    RETURN_IF_ERROR(StampCreate(patient, ctx.caller, ctx.now, "patient"));
    RETURN_IF_ERROR(txn.PutPatient(patient));
    ++summary.patients;
  }
  return absl::OkStatus();
}

bool IsManagedProgram(Program program) {
  return program == rehab::v1::PROGRAM_PSYCHIATRIC_MANAGEMENT ||
         program == rehab::v1::PROGRAM_CHILD_REHAB ||
         program == rehab::v1::PROGRAM_PRECISION_REHAB;
}

absl::Status SeedEnrollments(WriteTxn& txn, const PatientPlan& plan,
                             const SeedContext& ctx, DemoSummary& summary) {
  for (const PlannedPatient& planned : plan.patients) {
    for (Program program : planned.programs) {
      Enrollment e;
      e.set_id(NameUuid(kEnrollmentIds,
                        absl::StrCat(planned.patient.id_number(), "/",
                                     rehab::v1::Program_Name(program))));
      e.set_patient_id(planned.patient.id());
      e.set_program(program);
      e.set_start_date(FormatDate(planned.registered));
      e.set_status(planned.under_management && IsManagedProgram(program)
                       ? rehab::v1::ENROLLMENT_STATUS_UNDER_MANAGEMENT
                       : rehab::v1::ENROLLMENT_STATUS_REGISTERED);
      RETURN_IF_ERROR(ValidateEnrollment(e));
      RETURN_IF_ERROR(StampCreate(e, ctx.caller, ctx.now, "enrollment"));
      RETURN_IF_ERROR(txn.PutEnrollment(e));
      ++summary.enrollments;
    }
  }
  return absl::OkStatus();
}

// The contracts and their visits, through the steps of
// ContractManager.CreateContract and CreateVisit (already prepared), so
// that follow-ups, alerts and enrollments move as the API would move them.
absl::Status SeedContracts(WriteTxn& txn,
                           const std::vector<PlannedContract>& contracts,
                           const ContractManager& manager,
                           const SeedContext& ctx, DemoSummary& summary) {
  for (const PlannedContract& planned : contracts) {
    ASSIGN_OR_RETURN(ContractWrite contract,
                     manager.CreateContractInTxn(txn, ctx.caller,
                                                 planned.contract, ctx.now));
    if (contract.created) ++summary.contracts;
    for (const Visit& visit : planned.visits) {
      ASSIGN_OR_RETURN(
          VisitWrite written,
          manager.CreateVisitInTxn(txn, ctx.caller, visit, ctx.now));
      if (written.created) ++summary.visits;
    }
  }
  return absl::OkStatus();
}

// `hashes` holds the password hash of each spec, in order.
absl::Status SeedAccounts(WriteTxn& txn, const std::vector<AccountSpec>& specs,
                          const std::vector<std::string>& hashes,
                          const SeedContext& ctx, DemoSummary& summary) {
  for (size_t i = 0; i < specs.size(); ++i) {
    const AccountSpec& spec = specs[i];
    ASSIGN_OR_RETURN(std::optional<Account> taken,
                     txn.GetAccountByUsername(spec.shown.username));
    // Someone's own account keeps its name and password.
    if (taken.has_value()) continue;
    Account account;
    account.set_id(AccountId(spec));
    account.set_username(spec.shown.username);
    account.set_role(spec.role);
    account.set_scope_id(spec.scope_id);
    for (const std::string& ward : spec.ward_ids) account.add_ward_ids(ward);
    account.set_psychiatric_identity(spec.psychiatric_identity);
    account.set_display_name(spec.display_name);
    account.set_state(rehab::v1::ACCOUNT_STATE_ACTIVE);
    RETURN_IF_ERROR(ValidateAccount(account, spec.shown.password));
    RETURN_IF_ERROR(StampCreate(account, ctx.caller, ctx.now, "account"));
    RETURN_IF_ERROR(txn.PutAccount(account, hashes[i]));
    summary.accounts.push_back(spec.shown);
  }
  return absl::OkStatus();
}

// The demo accounts a registry holds under their demo ids.
absl::Status ListStoredAccounts(ReadTxn& txn,
                                const std::vector<AccountSpec>& specs,
                                DemoSummary& summary) {
  for (const AccountSpec& spec : specs) {
    ASSIGN_OR_RETURN(std::optional<Account> stored,
                     txn.GetAccountByUsername(spec.shown.username));
    if (stored.has_value() && stored->id() == AccountId(spec)) {
      summary.accounts.push_back(spec.shown);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DemoSummary> SeedDemoCounty(Store* store,
                                           const ContractManager* contracts,
                                           const PasswordHasher* hasher,
                                           const Clock* clock,
                                           absl::TimeZone zone) {
  SeedContext ctx;
  ctx.now = clock->Now();
  ctx.today = DayOf(ctx.now, zone);
  const Directory directory = BuildDirectory();
  const PatientPlan plan = PlanPatients(directory, ctx.today);
  const std::vector<AccountSpec> specs = DemoAccountSpecs(directory, plan);

  int64_t patients = 0;
  DemoSummary summary;
  RETURN_IF_ERROR(store->Read([&](ReadTxn& txn) -> absl::Status {
    ASSIGN_OR_RETURN(patients, txn.CountPatients());
    if (patients > 0) return ListStoredAccounts(txn, specs, summary);
    return absl::OkStatus();
  }));
  if (patients > 0) return summary;

  // Hashing is slow by design, and preparing needs no store: both done
  // before the transactions, not inside them.
  std::vector<std::string> hashes;
  for (const AccountSpec& spec : specs) {
    ASSIGN_OR_RETURN(std::string hash, hasher->Hash(spec.shown.password));
    hashes.push_back(std::move(hash));
  }
  ContractPlanInput contract_input;
  contract_input.rules = &contracts->rules();
  contract_input.today = ctx.today;
  contract_input.zone = zone;
  std::vector<PlannedContract> planned_contracts =
      PlanContracts(directory, plan, contract_input);
  for (PlannedContract& planned : planned_contracts) {
    ASSIGN_OR_RETURN(planned.contract,
                     contracts->PrepareCreateContract(
                         ctx.caller, planned.contract, ctx.now));
    for (Visit& visit : planned.visits) {
      ASSIGN_OR_RETURN(
          visit, contracts->PrepareCreateVisit(ctx.caller, visit, ctx.now));
    }
  }

  RETURN_IF_ERROR(store->Write([&](WriteTxn& txn) -> absl::Status {
    summary = DemoSummary();
    return SeedDirectory(txn, directory, ctx, summary);
  }));
  const DemoSummary directory_counts = summary;
  // Everything that hangs on the patients is written with them, so that
  // "the registry holds patients" keeps meaning "the demo is complete".
  RETURN_IF_ERROR(store->Write([&](WriteTxn& txn) -> absl::Status {
    summary = directory_counts;
    RETURN_IF_ERROR(SeedPatients(txn, plan, ctx, summary));
    RETURN_IF_ERROR(SeedEnrollments(txn, plan, ctx, summary));
    RETURN_IF_ERROR(
        SeedContracts(txn, planned_contracts, *contracts, ctx, summary));
    return SeedAccounts(txn, specs, hashes, ctx, summary);
  }));
  summary.seeded = true;
  return summary;
}

}  // namespace rehab
