#include "domain/cases/legal_clock.h"

#include <algorithm>

namespace xn::cases {
namespace {

using calendar::CalendarDays;
using calendar::Date;
using calendar::WorkingDays;
using catalog::LimitUnit;

Date DateOf(Instant t) { return calendar::ShanghaiDate(t); }

// The day a deadline instant (24:00 of a day) belongs to.
Date DeadlineDate(Instant deadline) {
  return calendar::ShanghaiDate(deadline - std::chrono::microseconds(1));
}

Result<LegalClock> SetDeadlineFrom(const calendar::Calendar& cal, LegalClock c, Date from,
                                   int64_t units, Instant from_instant) {
  switch (c.limit.unit) {
    case LimitUnit::kWorkingDays: {
      auto r = cal.AddWorkingDays(from, WorkingDays(static_cast<int32_t>(units)));
      if (!r.ok()) return r.error();
      c.deadline = EndOfDay(r->date);
      c.provisional = c.provisional || r->provisional;
      return c;
    }
    case LimitUnit::kCalendarDays:
      c.deadline = EndOfDay(from + CalendarDays(static_cast<int32_t>(units)));
      return c;
    case LimitUnit::kHours:
      c.deadline = from_instant + std::chrono::minutes(units);
      return c;
  }
  return c;
}

std::string Hm(Instant t) {
  auto local = t + std::chrono::hours(8);
  auto day = std::chrono::floor<std::chrono::days>(local);
  auto mins = std::chrono::duration_cast<std::chrono::minutes>(local - day).count();
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(mins / 60),
                static_cast<int>(mins % 60));
  return buf;
}

std::string When(Instant t) { return calendar::FormatDate(DateOf(t)) + " " + Hm(t); }

std::string DeadlineText(const LegalClock& c) {
  if (c.limit.unit == LimitUnit::kHours) return When(c.deadline);
  return calendar::FormatDate(DeadlineDate(c.deadline)) + " 24:00";
}

}  // namespace

Instant EndOfDay(Date date) { return calendar::ShanghaiStartOfDay(date + CalendarDays(1)); }

Result<LegalClock> StartClock(const calendar::Calendar& cal, const catalog::TimeLimit& limit,
                              Instant at) {
  LegalClock c;
  c.limit = limit;
  c.log.push_back({ClockEntry::Kind::kStart, at, 0, ""});
  int64_t units = limit.unit == LimitUnit::kHours ? int64_t{limit.value} * 60 : limit.value;
  return SetDeadlineFrom(cal, std::move(c), DateOf(at), units, at);
}

Result<LegalClock> PauseClock(const calendar::Calendar& cal, LegalClock c, Instant at,
                              std::string reason) {
  if (!c.started()) {
    return MakeError(ErrorCode::kFailedPrecondition, "case.clock_not_started", "时限尚未起算");
  }
  if (c.paused) {
    return MakeError(ErrorCode::kFailedPrecondition, "case.clock_paused", "时限已处于暂停状态");
  }
  const Date p = DateOf(at);
  switch (c.limit.unit) {
    case LimitUnit::kWorkingDays: {
      auto r = cal.WorkingDaysBetween(p, DeadlineDate(c.deadline));
      if (!r.ok()) return r.error();
      c.remaining = r->days.count;
      break;
    }
    case LimitUnit::kCalendarDays:
      c.remaining = (DeadlineDate(c.deadline) - p).count;
      break;
    case LimitUnit::kHours:
      c.remaining = std::chrono::duration_cast<std::chrono::minutes>(c.deadline - at).count();
      break;
  }
  c.paused = true;
  c.log.push_back({ClockEntry::Kind::kPause, at, 0, std::move(reason)});
  return c;
}

Result<LegalClock> ResumeClock(const calendar::Calendar& cal, LegalClock c, Instant at) {
  if (!c.paused) {
    return MakeError(ErrorCode::kFailedPrecondition, "case.clock_running", "时限未暂停，无需恢复");
  }
  auto out = SetDeadlineFrom(cal, c, DateOf(at), c.remaining, at);
  if (!out.ok()) return out.error();
  out->paused = false;
  out->remaining = 0;
  out->log.push_back({ClockEntry::Kind::kResume, at, 0, ""});
  return out;
}

Result<LegalClock> ExtendClock(const calendar::Calendar& cal, LegalClock c, int32_t amount,
                               Instant at, std::string approval) {
  if (c.paused) {
    return MakeError(ErrorCode::kFailedPrecondition, "case.clock_paused",
                     "时限暂停期间不能延长，请先恢复");
  }
  int64_t units = c.limit.unit == LimitUnit::kHours ? int64_t{amount} * 60 : amount;
  Result<LegalClock> out = c;
  if (c.limit.unit == LimitUnit::kHours) {
    out = SetDeadlineFrom(cal, c, DateOf(c.deadline), units, c.deadline);
  } else {
    out = SetDeadlineFrom(cal, c, DeadlineDate(c.deadline), units, c.deadline);
  }
  if (!out.ok()) return out.error();
  out->extended += amount;
  out->log.push_back({ClockEntry::Kind::kExtend, at, amount, std::move(approval)});
  return out;
}

Result<Explanation> ExplainClock(const calendar::Calendar& cal, const LegalClock& c,
                                 Instant now) {
  Explanation out;
  if (!c.started()) return out;
  const std::string unit(catalog::LimitUnitTitle(c.limit.unit));
  // Pauses as day ranges: the pause day still counts, the days after it up to and including the
  // resumption day do not.
  std::vector<std::pair<Date, Date>> paused;  // (first uncounted, last uncounted)
  std::optional<Date> open_pause;
  for (const auto& e : c.log) {
    switch (e.kind) {
      case ClockEntry::Kind::kStart:
        out.notes.push_back(When(e.at) + " 起算：时限 " + std::to_string(c.limit.value) + " " +
                            unit + "（起算当日不计）");
        break;
      case ClockEntry::Kind::kPause:
        open_pause = DateOf(e.at);
        out.notes.push_back(When(e.at) + " 暂停计时：" + e.reason);
        break;
      case ClockEntry::Kind::kResume:
        if (open_pause) {
          paused.emplace_back(*open_pause + CalendarDays(1), DateOf(e.at));
          open_pause.reset();
        }
        out.notes.push_back(When(e.at) + " 恢复计时（恢复当日不计）");
        break;
      case ClockEntry::Kind::kExtend:
        out.notes.push_back(When(e.at) + " 延长 " + std::to_string(e.amount) + " " + unit +
                            "（审批记录：" + e.reason + "）");
        break;
    }
  }
  if (c.paused) {
    out.notes.push_back("当前暂停中，剩余 " + std::to_string(c.remaining) +
                        (c.limit.unit == LimitUnit::kHours ? " 分钟" : " " + unit));
  } else {
    out.notes.push_back("截止：" + DeadlineText(c) + (c.provisional ? "（含暂定年份，待国务院通知发布后重算）" : ""));
  }
  if (c.limit.unit == LimitUnit::kHours) return out;

  const Date start = DateOf(c.log.front().at);
  Date last = c.paused ? std::max(DateOf(now), start) : DeadlineDate(c.deadline);
  if (open_pause) paused.emplace_back(*open_pause + CalendarDays(1), last);
  if ((last - start).count > 3 * 366) last = start + CalendarDays(3 * 366);  // a sane bound
  int32_t ordinal = 0;
  for (Date d = start; d <= last; d = d + CalendarDays(1)) {
    auto info = cal.Day(d);
    if (!info.ok()) return info.error();
    ExplainedDay day;
    day.date = d;
    day.kind = info->kind;
    day.name = std::string(info->name);
    day.paused = std::any_of(paused.begin(), paused.end(),
                             [&](const auto& r) { return d >= r.first && d <= r.second; });
    bool counts_as_unit = c.limit.unit == LimitUnit::kCalendarDays || info->IsWorkingDay();
    day.counted = d > start && !day.paused && counts_as_unit;
    if (day.counted) day.ordinal = ++ordinal;
    out.days.push_back(std::move(day));
  }
  return out;
}

}  // namespace xn::cases
