// The RehabTrack client SDK: include this one header.
//
//   rehab/client/client.h          Client: the connection, the session and
//                                  one typed call per API method
//   rehab/client/client_options.h  ClientOptions: target, TLS, deadline
//   rehab/client/session.h         Session: the tokens a client holds
//   rehab/client/errors.h          ErrorReason, FieldViolationsOf
//   rehab/client/ids.h             PatientIdForIdNumber
//   rehab/client/sync.h            SyncReport, SyncStatus, ParkedMutation
//   rehab/client_c.h               the C ABI (for apps not written in C++)
//
// The request and response types are the generated messages of the API
// contract (rehab/v1/*.pb.h). Link rehab::client.
#ifndef REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_H_
#define REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_H_

#include "rehab/client/client.h"
#include "rehab/client/client_options.h"
#include "rehab/client/errors.h"
#include "rehab/client/ids.h"
#include "rehab/client/session.h"
#include "rehab/client/sync.h"

#endif  // REHAB_CLIENT_SDK_INCLUDE_REHAB_CLIENT_H_
