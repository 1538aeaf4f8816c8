// The JSON API: every route of /api/v1 and the built-in endpoints (/healthz, /metrics), with
// their OpenAPI descriptions. Handlers are thin: parse, check access and scope, call the store
// or domain, map the result (STYLE.md).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <boost/json.hpp>

#include "domain/common/clock.h"
#include "http/router.h"
#include "store/cases/case_store.h"
#include "store/db/leader.h"
#include "store/supervision/engine.h"
#include "store/supervision/supervision_store.h"
#include "store/catalog/catalog_store.h"
#include "store/identity/auth.h"
#include "store/identity/identity_store.h"
#include "store/materials/material_store.h"

namespace xn::calendar {
class CalendarRegistry;
}

namespace xn::cases {
class FixedFlow;
struct Case;
}

namespace xn::http {

class Metrics;

// Parsed fixed flows by matter version (a version never changes once stored, so entries never
// go stale). Thread-safe.
class FlowCache {
 public:
  // DEPARTMENT_CODES lists the departments' codes; REGION_OF gives a department's region code.
  FlowCache(std::function<std::vector<std::string>()> department_codes,
            std::function<std::string(int64_t)> region_of)
      : department_codes(std::move(department_codes)), region_of(std::move(region_of)) {}
  const std::function<std::vector<std::string>()> department_codes;
  const std::function<std::string(int64_t)> region_of;

  // The flow of VERSION: its BPMN imported, or the default flow if it has none.
  Result<std::shared_ptr<const cases::FixedFlow>> Get(const store::MatterVersion& version);

  // The matter version a case refers to, read once: a version that cases refer to has been
  // published and its definition never changes.
  Result<std::shared_ptr<const store::MatterVersion>> Version(const store::CatalogStore& catalog,
                                                              int64_t version_id);

 private:
  std::mutex mu_;
  std::map<int64_t, std::shared_ptr<const cases::FixedFlow>> flows_;
  std::map<int64_t, std::shared_ptr<const store::MatterVersion>> versions_;
};

struct ApiContext {
  db::Database& db;
  store::IdentityStore& identity;
  store::AuthService& auth;
  const Clock& clock;
  FakeClock* fake_clock = nullptr;  // set only with `serve --fake-clock`
  Metrics& metrics;
  calendar::CalendarRegistry& calendar;
  // Rebuilds the calendar from its files and the local days in the store.
  std::function<Status()> reload_calendar;
  std::string version;
  bool secure_cookies = false;
  store::CatalogStore* catalog = nullptr;
  store::CaseStore* cases = nullptr;
  FlowCache* flows = nullptr;
  store::MaterialStore* materials = nullptr;
  // Whether this process holds leadership among the processes sharing the database.
  const db::Leadership* leadership = nullptr;
  store::SupervisionStore* supervision = nullptr;
  store::SupervisionEngine* engine = nullptr;
};

void RegisterRoutes(Router& router, ApiContext& ctx);

// Route groups (one file each).
void RegisterSystemRoutes(Router& router, ApiContext& ctx);
void RegisterAuthRoutes(Router& router, ApiContext& ctx);
void RegisterOrgRoutes(Router& router, ApiContext& ctx);
void RegisterUserRoutes(Router& router, ApiContext& ctx);
void RegisterAuditRoutes(Router& router, ApiContext& ctx);
void RegisterCalendarRoutes(Router& router, ApiContext& ctx);
void RegisterCatalogRoutes(Router& router, ApiContext& ctx);
void RegisterCaseRoutes(Router& router, ApiContext& ctx);
void RegisterAppointmentRoutes(Router& router, ApiContext& ctx);
void RegisterKeyProjectRoutes(Router& router, ApiContext& ctx);
void RegisterExportRoutes(Router& router, ApiContext& ctx);
void RegisterSupervisionRoutes(Router& router, ApiContext& ctx);

// ---- Helpers shared by the route groups ----

// A case's standing against its promised deadline: "green", "yellow" (one working day or less
// left: ES-08's reminder), "red" (overdue), "paused", or "none" (not running: before acceptance
// or after conclusion).
std::string CaseLight(const calendar::Calendar* cal, const cases::Case& c, Instant now);

// Restricts a case query to the caller's data scope (region, department, or their own cases).
void ScopeCaseQuery(const identity::Principal& p, store::CaseQuery& q);

// The filters of the alert and supervision order lists (docs/supervision.md) within the caller's
// scope; nullopt when they ask for another department than the caller's own (nothing in scope).
// Errors: kInvalidArgument "validation.parameter" naming the parameter.
Result<std::optional<store::AlertQuery>> ParseAlertQuery(const Request& req);
Result<std::optional<store::OrderQuery>> ParseOrderQuery(const Request& req);

// A matter definition may be saved: catalog::CheckMatter, and its flow imports with nothing
// unsupported and every department it names exists. Errors name the field.
Status CheckMatterDefinition(ApiContext& ctx, const catalog::MatterDef& def);

// page and page_size from the query. Errors: kInvalidArgument "validation.parameter".
Result<store::PageRequest> ParsePage(const Request& req);

// An optional integer query parameter. Errors: kInvalidArgument "validation.parameter".
Result<std::optional<int64_t>> QueryInt(const Request& req, const char* name);

// A positive integer path parameter. Errors: 404 (a malformed id names no object).
Result<int64_t> PathId(const Request& req, const char* name);

// {"items": [...], "total": N} of the requested page of ALL.
template <typename T, typename F>
Response PageResponse(const std::vector<T>& all, const store::PageRequest& page, F to_json) {
  boost::json::array items;
  size_t start = static_cast<size_t>(page.page - 1) * static_cast<size_t>(page.page_size);
  for (size_t i = start; i < all.size() && i < start + page.page_size; ++i) {
    items.push_back(to_json(all[i]));
  }
  return JsonResponse(
      200, boost::json::serialize(boost::json::object{{"items", std::move(items)},
                                                      {"total", all.size()}}));
}

Response JsonOk(const boost::json::value& v, unsigned status = 200);
Response NoContent();

// The actor of an authenticated request.
store::Actor ActorOf(const Request& req, const Clock& clock);

// ISO 8601 with the +08:00 offset (Asia/Shanghai), as the UI shows times.
std::string IsoLocal(Instant t);

// Page and item schemas for the OpenAPI descriptions.
std::string PageSchema(const std::string& item_schema);
extern const std::vector<QueryParamDoc> kPageParams;

}  // namespace xn::http
