// The patient every write scenario of rehab_load registers (create_patient,
// push, and the rows of the sqlite_insert baseline), so that all of them
// write records of one shape and size.
#ifndef REHAB_TOOLS_BENCH_BENCH_PATIENTS_H_
#define REHAB_TOOLS_BENCH_BENCH_PATIENTS_H_

#include <string>

#include "rehab/v1/patient.pb.h"

namespace rehab::bench {

// A new patient with resident ID number `id_number` (a SyntheticIdNumbers
// number), living in the area `area_id`, named "Bench <birth date
// YYYYMMDD><sequence>" after the number so that bench patients are easy to
// recognise in a listing. No id: the caller sets one when it wants to.
// REQUIRES: id_number has 18 characters.
rehab::v1::Patient NewBenchPatient(const std::string& id_number,
                                   const std::string& area_id);

}  // namespace rehab::bench

#endif  // REHAB_TOOLS_BENCH_BENCH_PATIENTS_H_
