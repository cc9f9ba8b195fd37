// Status propagation macros, named like the ones newer Abseil releases ship
// (Debian's Abseil 20220623 has none).
//
//   RETURN_IF_ERROR(DoThing());
//   ASSIGN_OR_RETURN(Patient p, LoadPatient(id));
#ifndef REHAB_SERVER_COMMON_STATUS_MACROS_H_
#define REHAB_SERVER_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define REHAB_STATUS_CONCAT_INNER_(a, b) a##b
#define REHAB_STATUS_CONCAT_(a, b) REHAB_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function unless it is OK.
#define RETURN_IF_ERROR(expr)                                  \
  do {                                                         \
    ::absl::Status rehab_status_ = (expr);                     \
    if (!rehab_status_.ok()) return rehab_status_;             \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status from the
// enclosing function unless OK, else moves the value into `lhs`, which may
// be a declaration.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  REHAB_ASSIGN_OR_RETURN_IMPL_(      \
      REHAB_STATUS_CONCAT_(rehab_statusor_, __LINE__), lhs, rexpr)

#define REHAB_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // REHAB_SERVER_COMMON_STATUS_MACROS_H_
