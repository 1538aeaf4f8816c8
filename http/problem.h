// Errors on the wire: application/problem+json (RFC 9457) with one stable shape everywhere:
//   {"type": "https://xiaoneng.dev/problems/<code>", "title": ..., "status": N,
//    "code": "<stable code>", "detail": "<message>", "field": "<offending field>"}
// The mapping from ErrorCode to HTTP status lives here and nowhere else.
#pragma once

#include <string>

#include "domain/common/result.h"

namespace xn::http {

unsigned StatusOf(ErrorCode code);

// The problem+json body for ERROR.
std::string ProblemBody(const Error& error);

}  // namespace xn::http
