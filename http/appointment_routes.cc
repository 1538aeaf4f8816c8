// Appointments (预约办): /api/v1/windows/{id}/slots (the window's department opens slots),
// /api/v1/public/windows/{id}/slots (anyone sees the free seats of future slots), and
// /api/v1/appointments (book, list, cancel, attend).
//
// Decisions: slots are opened by a clerk or the department head of the window's own department
// (staff of another department get 404: the window is not theirs to manage). Booking needs a
// login with cases.apply, so every appointment has an accountable booker; the seat itself is
// taken inside the writer's transaction (store/appointments/appointment_store.h). A booking is
// cancelled by its booker or by a clerk or head of the window's department; attendance is
// recorded by a clerk of that department.
#include <regex>

#include "domain/cases/case.h"
#include "http/api.h"
#include "http/json_body.h"
#include "store/appointments/appointment_store.h"

namespace xn::http {
namespace json = boost::json;
using beast_http::verb;

namespace {

const char* kSlotSchema = R"({"type":"object","required":["id","starts_at","ends_at","capacity"],"properties":{"id":{"type":"integer"},"window_id":{"type":"integer"},"date":{"type":"string"},"starts_at":{"type":"string"},"ends_at":{"type":"string"},"capacity":{"type":"integer"},"booked":{"type":"integer"},"free":{"type":"integer"}}})";
const char* kAppointmentSchema = R"({"type":"object","required":["id","slot_id","state"],"properties":{"id":{"type":"integer"},"slot_id":{"type":"integer"},"seat":{"type":["integer","null"]},"matter_code":{"type":"string"},"contact_name":{"type":"string"},"contact_phone":{"type":"string"},"state":{"type":"string","enum":["booked","cancelled","attended","missed"]},"state_title":{"type":"string"},"starts_at":{"type":"string"},"ends_at":{"type":"string"},"window":{"type":"object"},"department_id":{"type":"integer"},"department_name":{"type":"string"},"booker_user_id":{"type":["integer","null"]},"created_at":{"type":"string"}}})";

// Limits of the service (not of the law): a slot of 15 minutes to 4 hours, at most 20 seats,
// repeated over at most 30 further working days; the public list spans at most 62 days.
constexpr int64_t kMinMinutes = 15, kMaxMinutes = 240, kMaxCapacity = 20, kMaxRepeat = 30;
constexpr int32_t kMaxListDays = 62;

bool HasRole(const identity::Principal& p, std::string_view r) {
  return std::find(p.roles.begin(), p.roles.end(), r) != p.roles.end();
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "YYYY-MM-DDTHH:MM[:SS]" followed by "Z" or an offset "+HH:MM" / "-HH:MM". Local times without
// an offset are refused: the API never guesses a time zone.
std::optional<Instant> ParseDateTime(std::string_view s) {
  if (s.size() < 17 || s[10] != 'T' || s[13] != ':') return std::nullopt;
  auto date = calendar::ParseDate(s.substr(0, 10));
  if (!date.ok()) return std::nullopt;
  auto num = [&](size_t at) -> std::optional<int> {
    auto t = s.substr(at, 2);
    if (!IsDigits(t)) return std::nullopt;
    return (t[0] - '0') * 10 + (t[1] - '0');
  };
  auto hh = num(11), mm = num(14);
  size_t pos = 16;
  std::optional<int> ss = 0;
  if (pos < s.size() && s[pos] == ':') {
    if (s.size() < pos + 3) return std::nullopt;
    ss = num(pos + 1);
    pos += 3;
  }
  if (!hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 59) return std::nullopt;
  std::chrono::minutes offset{0};
  std::string_view zone = s.substr(pos);
  if (zone == "Z") {
    offset = std::chrono::minutes{0};
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    auto oh = num(pos + 1), om = num(pos + 4);
    if (!oh || !om || *oh > 14 || *om > 59) return std::nullopt;
    offset = std::chrono::minutes{*oh * 60 + *om};
    if (zone[0] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }
  auto t = date->days() + std::chrono::hours{*hh} + std::chrono::minutes{*mm} +
           std::chrono::seconds{*ss} - offset;
  return std::chrono::time_point_cast<std::chrono::microseconds>(t);
}

json::object SlotJson(const store::AppointmentSlot& s) {
  return {{"id", s.id},
          {"window_id", s.window_id},
          {"date", calendar::FormatDate(calendar::ShanghaiDate(s.starts_at))},
          {"starts_at", IsoLocal(s.starts_at)},
          {"ends_at", IsoLocal(s.ends_at)},
          {"capacity", s.capacity},
          {"booked", s.booked},
          {"free", std::max(0, s.capacity - s.booked)}};
}

json::object AppointmentJson(const store::Appointment& a) {
  return {{"id", a.id},
          {"slot_id", a.slot_id},
          {"seat", a.seat > 0 ? json::value(a.seat) : json::value(nullptr)},
          {"matter_code", a.matter_code},
          {"contact_name", a.contact_name},
          {"contact_phone", a.contact_phone},
          {"state", store::AppointmentStateName(a.state)},
          {"state_title", store::AppointmentStateTitle(a.state)},
          {"starts_at", IsoLocal(a.starts_at)},
          {"ends_at", IsoLocal(a.ends_at)},
          {"window", json::object{{"id", a.window_id}, {"code", a.window_code},
                                  {"name", a.window_name}}},
          {"department_id", a.department_id},
          {"department_name", a.department_name},
          {"booker_user_id", a.booker_user_id ? json::value(*a.booker_user_id)
                                              : json::value(nullptr)},
          {"created_at", IsoLocal(a.created_at)}};
}

bool SameDepartment(const identity::Principal& p, int64_t department_id) {
  return p.department_id && *p.department_id == department_id;
}

// An appointment the caller may see (its booker, staff of its department, or staff whose
// region scope covers it), or 404.
Result<store::Appointment> VisibleAppointment(ApiContext& ctx, store::AppointmentStore& store,
                                              const Request& req) {
  auto id = PathId(req, "id");
  if (!id.ok()) return id.error();
  auto a = store.Get(*id);
  if (!a.ok()) return a.error();
  const auto& p = *req.principal;
  bool booker = a->booker_user_id && *a->booker_user_id == p.user_id;
  std::string region;
  if (auto d = ctx.identity.GetDepartment(a->department_id); d.ok()) region = d->region_code;
  if (!booker && !(p.scope != identity::Scope::kOwn &&
                   identity::InScope(p, {.department_id = a->department_id, .region_code = region}))) {
    return MakeError(ErrorCode::kNotFound, "not_found", "预约不存在");
  }
  return a;
}

Error RoleNotAllowed(const std::string& what) {
  return MakeError(ErrorCode::kPermissionDenied, "appointments.role_not_allowed", what);
}

// The optional {"reason"} body of a cancellation (an empty body is allowed).
Result<std::string> ReadReason(const Request& req) {
  if (req.body().empty()) return std::string();
  BodyReader r(req.body());
  auto reason = r.String("reason", {.max_chars = 500});
  if (Status s = r.Done(); !s.ok()) return s.error();
  return reason.value_or("");
}

}  // namespace

void RegisterAppointmentRoutes(Router& router, ApiContext& ctx) {
  const std::string kRead(identity::perm::kCasesRead);
  const std::string kApply(identity::perm::kCasesApply);
  auto store = std::make_shared<store::AppointmentStore>(ctx.db);

  router.Add(
      verb::post, "/api/v1/windows/{id}/slots", Access::kAuthenticated, kRead,
      {.summary = "开放预约时段（窗口所属部门的窗口工作人员或负责人）；repeat_days 在其后 N 个工作日"
                  "同一时间开放（按工作日历跳过周末、节假日，含调休上班日）",
       .tag = "appointments",
       .request_schema =
           R"({"type":"object","required":["starts_at","minutes"],"additionalProperties":false,"properties":{"starts_at":{"type":"string","description":"ISO 8601，含时区，如 2024-02-05T09:00:00+08:00"},"minutes":{"type":"integer","minimum":15,"maximum":240},"capacity":{"type":"integer","minimum":1,"maximum":20,"default":1},"repeat_days":{"type":"integer","minimum":0,"maximum":30}}})",
       .response_schema = PageSchema(kSlotSchema),
       .success_status = 201},
      [&ctx, store](Request& req) {
        const auto& p = *req.principal;
        if (!HasRole(p, "clerk") && !HasRole(p, "department-head")) {
          return Problem(RoleNotAllowed("只有窗口所属部门的窗口工作人员或负责人可以开放预约时段"));
        }
        auto id = PathId(req, "id");
        if (!id.ok()) return Problem(id.error());
        auto window = ctx.identity.GetWindow(*id);
        // Another department's window answers as if it did not exist.
        if (!window.ok() || !SameDepartment(p, window->department_id)) {
          return Problem(MakeError(ErrorCode::kNotFound, "not_found", "窗口不存在"));
        }
        BodyReader r(req.body());
        auto starts_text = r.String("starts_at", {.required = true, .max_chars = 40});
        auto minutes = r.Int("minutes", true, kMinMinutes, kMaxMinutes);
        auto capacity = r.Int("capacity", false, 1, kMaxCapacity);
        auto repeat = r.Int("repeat_days", false, 0, kMaxRepeat);
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto starts = ParseDateTime(*starts_text);
        if (!starts) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.datetime",
                                   "starts_at 须为含时区的 ISO 8601 时间，如 "
                                   "2024-02-05T09:00:00+08:00",
                                   "starts_at"));
        }
        const Instant now = ctx.clock.Now();
        if (*starts <= now) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "appointments.slot_in_past",
                                   "不能开放已经过去的时段", "starts_at"));
        }
        const auto length = std::chrono::minutes{*minutes};
        const calendar::Date first = calendar::ShanghaiDate(*starts);
        if (calendar::ShanghaiDate(*starts + length - std::chrono::microseconds(1)) != first) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "appointments.crosses_midnight",
                                   "预约时段须在同一天内结束", "minutes"));
        }
        if (!window->active) {
          return Problem(MakeError(ErrorCode::kFailedPrecondition, "appointments.window_inactive",
                                   "窗口已停用"));
        }
        auto cal = ctx.calendar.Current();
        if (!cal) {
          return Problem(MakeError(ErrorCode::kUnavailable, "calendar.not_loaded", "工作日历未加载"));
        }
        auto day = cal->Day(first);
        if (!day.ok()) return Problem(day.error());
        if (!day->IsWorkingDay()) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "appointments.not_working_day",
                                   calendar::FormatDate(first) + " 不是工作日", "starts_at"));
        }
        // The same time of day on the next N working days, as the calendar counts them.
        const auto time_of_day = *starts - calendar::ShanghaiStartOfDay(first);
        std::vector<store::NewSlot> slots;
        const int32_t cap = static_cast<int32_t>(capacity.value_or(1));
        slots.push_back({*starts, *starts + length, cap});
        calendar::Date d = first;
        for (int64_t n = 0; n < repeat.value_or(0);) {
          d = d + calendar::CalendarDays(1);
          auto info = cal->Day(d);
          if (!info.ok()) return Problem(info.error());
          if (!info->IsWorkingDay()) continue;
          Instant s = calendar::ShanghaiStartOfDay(d) + time_of_day;
          slots.push_back({s, s + length, cap});
          ++n;
        }
        auto opened = store->OpenSlots(window->id, slots, ActorOf(req, ctx.clock));
        if (!opened.ok()) return Problem(opened.error());
        json::array items;
        for (const auto& s : *opened) items.push_back(SlotJson(s));
        return JsonOk(json::object{{"items", std::move(items)}, {"total", opened->size()}}, 201);
      });

  router.Add(
      verb::get, "/api/v1/public/windows/{id}/slots", Access::kPublic, "",
      {.summary = "窗口的可预约时段及剩余名额（仅未开始的时段）", .tag = "public",
       .response_schema = R"({"type":"object","required":["items","total"],"properties":{"window":{"type":"object"},"items":{"type":"array","items":)" +
                          std::string(kSlotSchema) + R"(},"total":{"type":"integer"}}})",
       .query = {{"from", "string", "起始日期 YYYY-MM-DD，默认今天"},
                 {"to", "string", "截止日期 YYYY-MM-DD（含），默认起始日期后 13 天"}}},
      [&ctx, store](Request& req) {
        auto id = PathId(req, "id");
        if (!id.ok()) return Problem(id.error());
        auto window = ctx.identity.GetWindow(*id);
        if (!window.ok() || !window->active) {
          return Problem(MakeError(ErrorCode::kNotFound, "not_found", "窗口不存在"));
        }
        const Instant now = ctx.clock.Now();
        calendar::Date from = calendar::ShanghaiDate(now);
        if (auto f = req.Query("from")) {
          auto d = calendar::ParseDate(*f);
          if (!d.ok()) return Problem(BadParameter("from", "from 须为 YYYY-MM-DD 日期"));
          from = *d;
        }
        calendar::Date to = from + calendar::CalendarDays(13);
        if (auto t = req.Query("to")) {
          auto d = calendar::ParseDate(*t);
          if (!d.ok()) return Problem(BadParameter("to", "to 须为 YYYY-MM-DD 日期"));
          to = *d;
        }
        if (to < from || (to - from).count >= kMaxListDays) {
          return Problem(BadParameter("to", "to 须不早于 from，且跨度不超过 62 天"));
        }
        Instant begin = std::max(calendar::ShanghaiStartOfDay(from), now + std::chrono::milliseconds(1));
        Instant end = calendar::ShanghaiStartOfDay(to + calendar::CalendarDays(1));
        std::vector<store::AppointmentSlot> slots;
        if (begin < end) {
          auto listed = store->ListSlots(window->id, begin, end);
          if (!listed.ok()) return Problem(listed.error());
          slots = std::move(*listed);
        }
        json::array items;
        for (const auto& s : slots) items.push_back(SlotJson(s));
        json::object w{{"id", window->id},
                       {"code", window->code},
                       {"name", window->name},
                       {"department_id", window->department_id},
                       {"department_name", window->department_name},
                       {"hall", window->hall}};
        return JsonOk(json::object{
            {"window", std::move(w)}, {"items", std::move(items)}, {"total", slots.size()}});
      });

  router.Add(
      verb::post, "/api/v1/appointments", Access::kAuthenticated, kApply,
      {.summary = "预约办理：占用时段的一个名额（不可重复预约，已满或已过去的时段不可预约）",
       .tag = "appointments",
       .request_schema =
           R"({"type":"object","required":["slot_id","matter_code","contact_name","contact_phone"],"additionalProperties":false,"properties":{"slot_id":{"type":"integer"},"matter_code":{"type":"string","description":"窗口所属部门已发布的事项"},"contact_name":{"type":"string"},"contact_phone":{"type":"string","description":"手机号或固定电话"}}})",
       .response_schema = kAppointmentSchema,
       .success_status = 201},
      [&ctx, store](Request& req) {
        BodyReader r(req.body());
        auto slot_id = r.Int("slot_id", true, 1);
        auto matter_code = r.String("matter_code", {.required = true, .min_chars = 1, .max_chars = 36});
        auto name = r.String("contact_name", {.required = true, .min_chars = 1, .max_chars = 50});
        auto phone = r.String("contact_phone", {.required = true, .min_chars = 1, .max_chars = 20});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        static const std::regex kPhone(R"(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})");
        if (!std::regex_match(*phone, kPhone)) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.phone",
                                   "联系电话须为 11 位手机号或带区号的固定电话", "contact_phone"));
        }
        auto slot = store->GetSlot(*slot_id);
        if (!slot.ok()) {
          if (slot.error().category != ErrorCode::kNotFound) return Problem(slot.error());
          return Problem(MakeError(ErrorCode::kInvalidArgument, "appointments.unknown_slot",
                                   "预约时段不存在", "slot_id"));
        }
        auto version = ctx.catalog->PublishedByCode(*matter_code);
        if (!version.ok() || version->def.department_id != slot->department_id) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "appointments.matter_not_at_window",
                                   "该事项不在此窗口办理或尚未发布", "matter_code"));
        }
        store::NewAppointment a{.slot_id = *slot_id,
                                .matter_code = version->def.code,
                                .booker_user_id = req.principal->user_id,
                                .contact_name = *name,
                                .contact_phone = *phone};
        auto booked = store->Book(a, ActorOf(req, ctx.clock));
        if (!booked.ok()) return Problem(booked.error());
        return JsonOk(AppointmentJson(*booked), 201);
      });

  std::vector<QueryParamDoc> list_q = kPageParams;
  list_q.push_back({"date", "string", "预约日期 YYYY-MM-DD"});
  router.Add(
      verb::get, "/api/v1/appointments", Access::kAuthenticated, kRead,
      {.summary = "预约列表：申请人看自己的，窗口部门看本部门的（可按日期）", .tag = "appointments",
       .response_schema = PageSchema(kAppointmentSchema), .query = list_q},
      [&ctx, store](Request& req) {
        auto page = ParsePage(req);
        if (!page.ok()) return Problem(page.error());
        const auto& p = *req.principal;
        store::AppointmentQuery q;
        q.page = *page;
        switch (p.scope) {
          case identity::Scope::kAll: break;
          case identity::Scope::kRegion: {
            std::string prefix = p.region_code;
            if (auto level = identity::LevelOfRegionCode(prefix)) {
              if (*level == identity::RegionLevel::kProvince) prefix = prefix.substr(0, 2);
              if (*level == identity::RegionLevel::kCity) prefix = prefix.substr(0, 4);
            }
            q.region_prefix = prefix;
            break;
          }
          case identity::Scope::kDepartment:
          case identity::Scope::kSection: q.department_id = p.department_id.value_or(-1); break;
          case identity::Scope::kOwn: q.booker_user_id = p.user_id; break;
        }
        if (auto d = req.Query("date")) {
          auto date = calendar::ParseDate(*d);
          if (!date.ok()) return Problem(BadParameter("date", "date 须为 YYYY-MM-DD 日期"));
          q.from = calendar::ShanghaiStartOfDay(*date);
          q.to = calendar::ShanghaiStartOfDay(*date + calendar::CalendarDays(1));
        }
        auto result = store->List(q);
        if (!result.ok()) return Problem(result.error());
        json::array items;
        for (const auto& a : result->items) items.push_back(AppointmentJson(a));
        return JsonOk(json::object{{"items", std::move(items)}, {"total", result->total}});
      });

  router.Add(
      verb::post, "/api/v1/appointments/{id}/cancel", Access::kAuthenticated, kRead,
      {.summary = "取消预约（预约人，或窗口所属部门的工作人员）；名额释放", .tag = "appointments",
       .request_schema = R"({"type":"object","additionalProperties":false,"properties":{"reason":{"type":"string"}}})",
       .response_schema = kAppointmentSchema},
      [&ctx, store](Request& req) {
        auto a = VisibleAppointment(ctx, *store, req);
        if (!a.ok()) return Problem(a.error());
        const auto& p = *req.principal;
        bool booker = a->booker_user_id && *a->booker_user_id == p.user_id;
        bool staff = SameDepartment(p, a->department_id) &&
                     (HasRole(p, "clerk") || HasRole(p, "department-head"));
        if (!booker && !staff) {
          return Problem(RoleNotAllowed("只有预约人或窗口所属部门的工作人员可以取消预约"));
        }
        auto reason = ReadReason(req);
        if (!reason.ok()) return Problem(reason.error());
        auto done = store->Cancel(a->id, *reason, ActorOf(req, ctx.clock));
        if (!done.ok()) return Problem(done.error());
        return JsonOk(AppointmentJson(*done));
      });

  router.Add(
      verb::post, "/api/v1/appointments/{id}/attend", Access::kAuthenticated, kRead,
      {.summary = "预约签到：申请人按预约到窗口（窗口所属部门的窗口工作人员）", .tag = "appointments",
       .request_schema = R"({"type":"object","additionalProperties":false,"properties":{}})",
       .response_schema = kAppointmentSchema},
      [&ctx, store](Request& req) {
        auto a = VisibleAppointment(ctx, *store, req);
        if (!a.ok()) return Problem(a.error());
        const auto& p = *req.principal;
        if (!HasRole(p, "clerk") || !SameDepartment(p, a->department_id)) {
          return Problem(RoleNotAllowed("只有窗口所属部门的窗口工作人员可以签到"));
        }
        if (!req.body().empty()) {
          BodyReader r(req.body());  // nothing to read: an empty object at most
          if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        }
        auto done = store->Attend(a->id, ActorOf(req, ctx.clock));
        if (!done.ok()) return Problem(done.error());
        return JsonOk(AppointmentJson(*done));
      });
}

}  // namespace xn::http
