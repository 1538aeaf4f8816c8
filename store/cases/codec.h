// JSON encodings of matter definitions and cases, as stored (matter_versions.definition,
// cases.body) and as the API shows them. One encoding for both, so the API never drifts from
// what is kept.
#pragma once

#include <boost/json.hpp>

#include "domain/cases/case.h"
#include "domain/catalog/catalog.h"

namespace xn::store {

boost::json::object MatterToJson(const catalog::MatterDef& m);
// Errors: kInvalidArgument naming the field that is missing or of the wrong type.
Result<catalog::MatterDef> MatterFromJson(const boost::json::value& v);

boost::json::object ClockToJson(const cases::LegalClock& c);
Result<cases::LegalClock> ClockFromJson(const boost::json::value& v);

boost::json::object CaseToJson(const cases::Case& c);
Result<cases::Case> CaseFromJson(const boost::json::value& v);

}  // namespace xn::store
