// The working-day calendar: /api/v1/calendar/... Reads need calendar.read; local days and
// reload need calendar.write (the system admin). The calendar is rebuilt and swapped in after a
// change, without a restart.
#include "domain/calendar/calendar.h"
#include "http/api.h"
#include "http/json_body.h"

namespace xn::http {
namespace json = boost::json;
using beast_http::verb;
using calendar::DayKind;

namespace {

std::string KindText(const calendar::DayInfo& d) {
  if (d.local) return d.kind == DayKind::kHoliday ? "local-holiday" : "local-workday";
  return std::string(calendar::DayKindName(d.kind));
}

json::object NoticeJson(const calendar::Notice& n) {
  json::object o{{"title", n.title}, {"number", n.number}, {"url", n.url}};
  o["date"] = n.date ? json::value(calendar::FormatDate(*n.date)) : json::value(nullptr);
  if (!n.summary.empty()) o["summary"] = n.summary;
  return o;
}

json::object DayJson(const calendar::DayInfo& d) {
  return {{"date", calendar::FormatDate(d.date)},
          {"kind", KindText(d)},
          {"name", std::string(d.name)},
          {"provisional", d.provisional},
          {"local", d.local}};
}

Error NoCalendar() {
  return MakeError(ErrorCode::kUnavailable, "calendar.not_loaded", "工作日历未加载");
}

Result<calendar::Date> DateParam(const std::optional<std::string>& v, const char* name) {
  if (!v) {
    return MakeError(ErrorCode::kInvalidArgument, "validation.required",
                     std::string("缺少参数：") + name, name);
  }
  auto d = calendar::ParseDate(*v);
  if (!d.ok()) {
    return MakeError(ErrorCode::kInvalidArgument, "validation.date",
                     std::string(name) + " 须为 YYYY-MM-DD 格式的有效日期", name);
  }
  return *d;
}

}  // namespace

void RegisterCalendarRoutes(Router& router, ApiContext& ctx) {
  const std::string kRead(identity::perm::kCalendarRead);
  const std::string kWrite(identity::perm::kCalendarWrite);

  router.Add(
      verb::get, "/api/v1/calendar/years", Access::kAuthenticated, kRead,
      {.summary = "日历年份及其依据的国务院办公厅通知",
       .tag = "calendar",
       .response_schema = PageSchema(
           R"({"type":"object","properties":{"year":{"type":"integer"},"notice":{"type":"string"},"notice_detail":{"type":"object"},"provisional":{"type":"boolean"}}})"),
       .query = kPageParams},
      [&ctx](Request& req) {
        auto page = ParsePage(req);
        if (!page.ok()) return Problem(page.error());
        auto cal = ctx.calendar.Current();
        if (!cal) return Problem(NoCalendar());
        return PageResponse(cal->Years(), *page, [](const calendar::YearInfo& y) {
          json::array amendments;
          for (const auto& a : y.amendments) amendments.push_back(NoticeJson(a));
          return json::object{{"year", y.year},
                              {"notice", y.notice.title},
                              {"notice_detail", NoticeJson(y.notice)},
                              {"amendments", std::move(amendments)},
                              {"provisional", y.provisional}};
        });
      });

  router.Add(
      verb::get, "/api/v1/calendar/years/{year}", Access::kAuthenticated, kRead,
      {.summary = "一年的节假日、调休上班日与地方调整日",
       .tag = "calendar",
       .response_schema =
           R"({"type":"object","required":["year","provisional","days"],"properties":{"year":{"type":"integer"},"notice":{"type":"string"},"provisional":{"type":"boolean"},"days":{"type":"array","items":{"type":"object","properties":{"date":{"type":"string"},"kind":{"type":"string","enum":["holiday","makeup-workday","local-holiday","local-workday"]},"name":{"type":"string"}}}}}})"},
      [&ctx](Request& req) {
        auto cal = ctx.calendar.Current();
        if (!cal) return Problem(NoCalendar());
        int year = 0;
        try {
          year = std::stoi(req.params["year"]);
        } catch (...) {
          return Problem(MakeError(ErrorCode::kNotFound, "calendar.out_of_range", "没有该年份"));
        }
        auto days = cal->SpecialDays(year);
        if (!days.ok()) return Problem(days.error());
        json::array items;
        for (const auto& d : *days) items.push_back(DayJson(d));
        std::string notice;
        bool provisional = true;
        for (const auto& y : cal->Years()) {
          if (y.year == year) {
            notice = y.notice.title;
            provisional = y.provisional;
          }
        }
        return JsonOk(json::object{{"year", year},
                                   {"notice", notice},
                                   {"provisional", provisional},
                                   {"days", std::move(items)}});
      });

  router.Add(
      verb::get, "/api/v1/calendar/days/{date}", Access::kAuthenticated, kRead,
      {.summary = "某一天的类型：工作日、周末、节假日、调休上班日",
       .tag = "calendar",
       .response_schema =
           R"({"type":"object","properties":{"date":{"type":"string"},"kind":{"type":"string"},"name":{"type":"string"},"provisional":{"type":"boolean"},"local":{"type":"boolean"}}})"},
      [&ctx](Request& req) {
        auto cal = ctx.calendar.Current();
        if (!cal) return Problem(NoCalendar());
        auto date = DateParam(req.params["date"], "date");
        if (!date.ok()) return Problem(date.error());
        auto info = cal->Day(*date);
        if (!info.ok()) return Problem(info.error());
        json::object o = DayJson(*info);
        o["kind"] = std::string(calendar::DayKindName(info->kind));
        return JsonOk(o);
      });

  router.Add(
      verb::get, "/api/v1/calendar/add-workdays", Access::kAuthenticated, kRead,
      {.summary = "起始日之后第 n 个工作日（起始日不计）",
       .tag = "calendar",
       .response_schema =
           R"({"type":"object","properties":{"start":{"type":"string"},"n":{"type":"integer"},"date":{"type":"string"},"provisional":{"type":"boolean"}}})",
       .query = {{"start", "string", "起始日期 YYYY-MM-DD"}, {"n", "integer", "工作日数"}}},
      [&ctx](Request& req) {
        auto cal = ctx.calendar.Current();
        if (!cal) return Problem(NoCalendar());
        auto start = DateParam(req.Query("start"), "start");
        if (!start.ok()) return Problem(start.error());
        int n = 0;
        try {
          size_t used = 0;
          std::string text = req.Query("n").value_or("");
          n = std::stoi(text, &used);
          if (used != text.size() || n < -3650 || n > 3650) throw std::out_of_range("n");
        } catch (...) {
          return Problem(BadParameter("n", "n 须为 -3650 到 3650 的整数"));
        }
        auto r = cal->AddWorkingDays(*start, calendar::WorkingDays(n));
        if (!r.ok()) return Problem(r.error());
        return JsonOk(json::object{{"start", calendar::FormatDate(*start)},
                                   {"n", n},
                                   {"date", calendar::FormatDate(r->date)},
                                   {"provisional", r->provisional}});
      });

  router.Add(
      verb::get, "/api/v1/calendar/between", Access::kAuthenticated, kRead,
      {.summary = "两日之间的工作日数（不含起始日，含截止日）",
       .tag = "calendar",
       .response_schema =
           R"({"type":"object","properties":{"from":{"type":"string"},"to":{"type":"string"},"working_days":{"type":"integer"},"provisional":{"type":"boolean"}}})",
       .query = {{"from", "string", "起始日期"}, {"to", "string", "截止日期"}}},
      [&ctx](Request& req) {
        auto cal = ctx.calendar.Current();
        if (!cal) return Problem(NoCalendar());
        auto from = DateParam(req.Query("from"), "from");
        if (!from.ok()) return Problem(from.error());
        auto to = DateParam(req.Query("to"), "to");
        if (!to.ok()) return Problem(to.error());
        auto r = cal->WorkingDaysBetween(*from, *to);
        if (!r.ok()) return Problem(r.error());
        return JsonOk(json::object{{"from", calendar::FormatDate(*from)},
                                   {"to", calendar::FormatDate(*to)},
                                   {"working_days", r->days.count},
                                   {"provisional", r->provisional}});
      });

  router.Add(
      verb::get, "/api/v1/calendar/local-days", Access::kAuthenticated, kRead,
      {.summary = "地方调整日（地方节日放假、临时上班）",
       .tag = "calendar",
       .response_schema = PageSchema(
           R"({"type":"object","properties":{"date":{"type":"string"},"kind":{"type":"string","enum":["holiday","workday"]},"name":{"type":"string"},"reason":{"type":"string"}}})"),
       .query = kPageParams},
      [&ctx](Request& req) {
        auto page = ParsePage(req);
        if (!page.ok()) return Problem(page.error());
        auto days = ctx.identity.ListLocalDays();
        if (!days.ok()) return Problem(days.error());
        return PageResponse(*days, *page, [](const store::LocalDay& d) {
          return json::object{
              {"date", d.date}, {"kind", d.kind}, {"name", d.name}, {"reason", d.reason}};
        });
      });

  router.Add(
      verb::post, "/api/v1/calendar/local-days", Access::kAuthenticated, kWrite,
      {.summary = "新增地方调整日，并立即重新加载日历",
       .tag = "calendar",
       .request_schema =
           R"({"type":"object","required":["date","kind","name"],"additionalProperties":false,"properties":{"date":{"type":"string","format":"date"},"kind":{"type":"string","enum":["holiday","workday"]},"name":{"type":"string","maxLength":40},"reason":{"type":"string","maxLength":200}}})",
       .response_schema =
           R"({"type":"object","properties":{"date":{"type":"string"},"kind":{"type":"string"},"name":{"type":"string"},"reason":{"type":"string"}}})",
       .success_status = 201},
      [&ctx](Request& req) {
        BodyReader r(req.body());
        auto date_text = r.String("date", {.required = true, .max_chars = 10});
        auto kind = r.String("kind", {.required = true, .max_chars = 10});
        auto name = r.String("name", {.required = true, .max_chars = 40});
        auto reason = r.String("reason", {.max_chars = 200});
        if (Status s = r.Done(); !s.ok()) return Problem(s.error());
        auto date = DateParam(date_text, "date");
        if (!date.ok()) return Problem(date.error());
        if (*kind != "holiday" && *kind != "workday") {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "validation.enum",
                                   "kind 须为 holiday 或 workday", "kind"));
        }
        auto cal = ctx.calendar.Current();
        if (!cal) return Problem(NoCalendar());
        auto info = cal->Day(*date);
        if (!info.ok()) {
          Error e = info.error();
          e.field = "date";
          return Problem(e);
        }
        if (info->local) {
          return Problem(MakeError(ErrorCode::kConflict, "calendar.duplicate_day",
                                   "该日期已有地方调整", "date"));
        }
        if (*kind == "holiday" && !info->IsWorkingDay()) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "calendar.not_a_working_day",
                                   "该日本就不上班，无需设为地方放假日", "date"));
        }
        if (*kind == "workday" && info->IsWorkingDay()) {
          return Problem(MakeError(ErrorCode::kInvalidArgument, "calendar.already_working_day",
                                   "该日本就是工作日，无需设为地方上班日", "date"));
        }
        store::LocalDay day{calendar::FormatDate(*date), *kind, *name, reason.value_or("")};
        if (Status s = ctx.identity.AddLocalDay(day, ActorOf(req, ctx.clock)); !s.ok()) {
          return Problem(s.error());
        }
        if (Status s = ctx.reload_calendar(); !s.ok()) return Problem(s.error());
        return JsonOk(json::object{{"date", day.date}, {"kind", day.kind}, {"name", day.name},
                                   {"reason", day.reason}},
                      201);
      });

  router.Add(verb::delete_, "/api/v1/calendar/local-days/{date}", Access::kAuthenticated, kWrite,
             {.summary = "删除地方调整日，并立即重新加载日历", .tag = "calendar",
              .success_status = 204},
             [&ctx](Request& req) {
               auto date = DateParam(req.params["date"], "date");
               if (!date.ok()) return Problem(date.error());
               if (Status s = ctx.identity.DeleteLocalDay(calendar::FormatDate(*date),
                                                          ActorOf(req, ctx.clock));
                   !s.ok()) {
                 return Problem(s.error());
               }
               if (Status s = ctx.reload_calendar(); !s.ok()) return Problem(s.error());
               return NoContent();
             });

  router.Add(verb::post, "/api/v1/calendar/reload", Access::kAuthenticated, kWrite,
             {.summary = "重新读取日历数据文件与地方调整日（无需重启）", .tag = "calendar",
              .success_status = 204},
             [&ctx](Request& req) {
               if (Status s = ctx.reload_calendar(); !s.ok()) return Problem(s.error());
               (void)ctx.identity.AppendAudit("calendar.reloaded", "calendar", "{}",
                                              ActorOf(req, ctx.clock));
               return NoContent();
             });
}

}  // namespace xn::http
