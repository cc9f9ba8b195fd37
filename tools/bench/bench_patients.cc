#include "tools/bench/bench_patients.h"

#include "absl/strings/str_cat.h"

namespace rehab::bench {

rehab::v1::Patient NewBenchPatient(const std::string& id_number,
                                   const std::string& area_id) {
  rehab::v1::Patient patient;
  patient.set_name(absl::StrCat("Bench ", id_number.substr(6, 11)));
  patient.set_id_number(id_number);
  patient.set_area_id(area_id);
  return patient;
}

}  // namespace rehab::bench
