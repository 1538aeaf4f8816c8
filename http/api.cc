#include "http/api.h"

#include <charconv>

#include "domain/calendar/calendar.h"
#include "domain/cases/case.h"
#include <ctime>

namespace xn::http {
namespace json = boost::json;

const std::vector<QueryParamDoc> kPageParams = {
    {"page", "integer", "页码，从 1 开始"},
    {"page_size", "integer", "每页条数，1–200，默认 20"},
};

void RegisterRoutes(Router& router, ApiContext& ctx) {
  RegisterSystemRoutes(router, ctx);
  RegisterAuthRoutes(router, ctx);
  RegisterOrgRoutes(router, ctx);
  RegisterExportRoutes(router, ctx);  // before the /{id} routes its paths would match
  RegisterUserRoutes(router, ctx);
  RegisterAuditRoutes(router, ctx);
  RegisterCalendarRoutes(router, ctx);
  RegisterCatalogRoutes(router, ctx);
  RegisterCaseRoutes(router, ctx);
  RegisterAppointmentRoutes(router, ctx);
  RegisterKeyProjectRoutes(router, ctx);
  RegisterSupervisionRoutes(router, ctx);
}

namespace {
std::optional<int64_t> ToInt(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}
}  // namespace

Result<store::PageRequest> ParsePage(const Request& req) {
  store::PageRequest page;
  if (auto p = req.Query("page")) {
    auto v = ToInt(*p);
    if (!v || *v < 1 || *v > 1'000'000) {
      return MakeError(ErrorCode::kInvalidArgument, "validation.parameter",
                       "page 须为不小于 1 的整数", "page");
    }
    page.page = static_cast<int>(*v);
  }
  if (auto p = req.Query("page_size")) {
    auto v = ToInt(*p);
    if (!v || *v < 1 || *v > 200) {
      return MakeError(ErrorCode::kInvalidArgument, "validation.parameter",
                       "page_size 须为 1–200 的整数", "page_size");
    }
    page.page_size = static_cast<int>(*v);
  }
  return page;
}

Result<std::optional<int64_t>> QueryInt(const Request& req, const char* name) {
  auto text = req.Query(name);
  if (!text) return std::optional<int64_t>{};
  auto v = ToInt(*text);
  if (!v) {
    return MakeError(ErrorCode::kInvalidArgument, "validation.parameter",
                     std::string(name) + " 须为整数", name);
  }
  return std::optional<int64_t>{*v};
}

Result<int64_t> PathId(const Request& req, const char* name) {
  auto it = req.params.find(name);
  if (it != req.params.end()) {
    if (auto v = ToInt(it->second); v && *v > 0) return *v;
  }
  return MakeError(ErrorCode::kNotFound, "not_found", "对象不存在");
}

Response JsonOk(const json::value& v, unsigned status) {
  return JsonResponse(status, json::serialize(v));
}

Response NoContent() {
  Response r;
  r.status = 204;
  r.content_type = "application/json";
  return r;
}

store::Actor ActorOf(const Request& req, const Clock& clock) {
  return store::Actor{req.principal ? "user:" + std::to_string(req.principal->user_id)
                                    : std::string("anonymous"),
                      clock.Now()};
}

std::string IsoLocal(Instant t) {
  auto ms = ToUnixMillis(t);
  std::time_t secs = static_cast<std::time_t>(ms / 1000) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(buf) + "+08:00";
}

std::string CaseLight(const calendar::Calendar* cal, const cases::Case& c, Instant now) {
  if (!c.promised || c.state == cases::CaseState::kConcluded || cases::IsClosed(c.state)) {
    return "none";
  }
  if (c.promised->paused) return "paused";
  if (now >= c.promised->deadline) return "red";
  if (cal != nullptr) {
    auto today = calendar::ShanghaiDate(now);
    auto due = calendar::ShanghaiDate(c.promised->deadline - std::chrono::microseconds(1));
    auto left = cal->WorkingDaysBetween(today, due);
    if (left.ok() && left->days.count <= 1) return "yellow";
  }
  return "green";
}

namespace {
// The prefix of region codes under CODE: 2 digits for a province, 4 for a city, 6 for a county.
std::string RegionPrefix(const std::string& code) {
  auto level = identity::LevelOfRegionCode(code);
  if (!level) return code;
  switch (*level) {
    case identity::RegionLevel::kProvince: return code.substr(0, 2);
    case identity::RegionLevel::kCity: return code.substr(0, 4);
    case identity::RegionLevel::kCounty: return code;
  }
  return code;
}
}  // namespace

void ScopeCaseQuery(const identity::Principal& p, store::CaseQuery& q) {
  switch (p.scope) {
    case identity::Scope::kAll: break;
    case identity::Scope::kRegion: q.region_prefix = RegionPrefix(p.region_code); break;
    case identity::Scope::kDepartment:
    case identity::Scope::kSection: q.department_id = p.department_id.value_or(-1); break;
    case identity::Scope::kOwn: q.party_user_id = p.user_id; break;
  }
}

std::string PageSchema(const std::string& item_schema) {
  return R"({"type":"object","required":["items","total"],"properties":{"items":{"type":"array","items":)" +
         item_schema + R"(},"total":{"type":"integer"}}})";
}

}  // namespace xn::http
