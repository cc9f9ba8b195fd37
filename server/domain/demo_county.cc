#include "server/domain/demo_county.h"

#include <algorithm>
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
#include "server/domain/resource.h"
#include "server/domain/validation.h"

namespace rehab {
namespace {

using rehab::v1::Account;
using rehab::v1::Area;
using rehab::v1::DisabilityCategory;
using rehab::v1::Enrollment;
using rehab::v1::Facility;
using rehab::v1::Patient;
using rehab::v1::Practitioner;
using rehab::v1::PractitionerKind;
using rehab::v1::Program;
using rehab::v1::Role;

// Namespaces of the deterministic record ids.
constexpr char kAreaIds[] = "rehab.demo.area";
constexpr char kFacilityIds[] = "rehab.demo.facility";
constexpr char kPractitionerIds[] = "rehab.demo.practitioner";
constexpr char kPatientIds[] = "rehab.demo.patient";
constexpr char kEnrollmentIds[] = "rehab.demo.enrollment";
constexpr char kAccountIds[] = "rehab.demo.account";

// Separate streams, so that a change to the directory does not reshuffle
// every patient.
constexpr uint32_t kDirectorySeed = 320831;
constexpr uint32_t kPatientSeed = 20160101;

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

// The directory as built in memory, before it is stored.
struct Village {
  Area area;
  Facility station;
  int township = 0;
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
    const int doctors = kFamilyDoctors / towns + (i < kFamilyDoctors % towns);
    const int teams = doctors / 3;
    for (int j = 0; j < doctors; ++j) {
      std::string name = person(random.Percent(60));
      if (i == 0 && j == 0) name = "王建国";
      Practitioner p = MakePractitioner(
          ++serial, std::move(name), rehab::v1::PRACTITIONER_KIND_FAMILY_DOCTOR,
          town.health_center,
          absl::StrCat(town.area.name(), "家庭医生第", j % teams + 1, "团队"));
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

  // Family-doctor contracts go to people with a rehab need.
  std::vector<PlannedPatient*> with_need;
  for (PlannedPatient& planned : plan.patients) {
    if (planned.cohort == Cohort::kChild || planned.cohort == Cohort::kOther) {
      with_need.push_back(&planned);
    }
  }
  const std::vector<bool> contracted = SelectExactly(
      kFamilyDoctorPatients, static_cast<int>(with_need.size()), random);
  for (size_t i = 0; i < with_need.size(); ++i) {
    if (contracted[i]) {
      with_need[i]->programs.push_back(rehab::v1::PROGRAM_FAMILY_DOCTOR);
    }
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

  // Hashing is slow by design: done before the transaction, not inside it.
  std::vector<std::string> hashes;
  for (const AccountSpec& spec : specs) {
    ASSIGN_OR_RETURN(std::string hash, hasher->Hash(spec.shown.password));
    hashes.push_back(std::move(hash));
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
    return SeedAccounts(txn, specs, hashes, ctx, summary);
  }));
  summary.seeded = true;
  return summary;
}

}  // namespace rehab
