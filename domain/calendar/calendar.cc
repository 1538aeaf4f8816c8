#include "domain/calendar/calendar.h"

#include <algorithm>
#include <map>
#include <utility>

namespace xn::calendar {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr int kMinYear = 1;
constexpr int kMaxYear = 9999;

Error InvalidData(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, "calendar.invalid_data", std::move(message));
}

bool Digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

unsigned ToNumber(std::string_view s) {
  unsigned n = 0;
  for (char c : s) n = n * 10 + static_cast<unsigned>(c - '0');
  return n;
}

// The fixed-date statutory holidays, the only ones known before a year's notice
// (《全国年节及纪念日放假办法》, as revised in 2024: 劳动节 has two days).
struct FixedHoliday {
  unsigned month;
  unsigned first_day;
  unsigned last_day;
  const char* name;
};
constexpr FixedHoliday kFixedHolidays[] = {
    {1, 1, 1, "元旦"},
    {5, 1, 2, "劳动节"},
    {10, 1, 3, "国庆节"},
};

}  // namespace

Result<Date> ParseDate(std::string_view text) {
  auto bad = [&] {
    return MakeError(ErrorCode::kInvalidArgument, "calendar.bad_date",
                     "not a date in the form YYYY-MM-DD: '" + std::string(text) + "'", "date");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !Digits(text.substr(0, 4)) ||
      !Digits(text.substr(5, 2)) || !Digits(text.substr(8, 2))) {
    return bad();
  }
  std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(ToNumber(text.substr(0, 4)))},
                                  std::chrono::month{ToNumber(text.substr(5, 2))},
                                  std::chrono::day{ToNumber(text.substr(8, 2))}};
  if (!ymd.ok()) return bad();
  return Date(ymd);
}

void FormatDateTo(Date date, char* out) {
  auto ymd = date.ymd();
  unsigned y = static_cast<unsigned>(static_cast<int>(ymd.year()));
  unsigned m = static_cast<unsigned>(ymd.month());
  unsigned d = static_cast<unsigned>(ymd.day());
  out[0] = static_cast<char>('0' + y / 1000 % 10);
  out[1] = static_cast<char>('0' + y / 100 % 10);
  out[2] = static_cast<char>('0' + y / 10 % 10);
  out[3] = static_cast<char>('0' + y % 10);
  out[4] = '-';
  out[5] = static_cast<char>('0' + m / 10);
  out[6] = static_cast<char>('0' + m % 10);
  out[7] = '-';
  out[8] = static_cast<char>('0' + d / 10);
  out[9] = static_cast<char>('0' + d % 10);
}

std::string FormatDate(Date date) {
  std::string s(10, '\0');
  FormatDateTo(date, s.data());
  return s;
}

Date ShanghaiDate(Instant t) {
  return Date(std::chrono::floor<days>(t + std::chrono::hours{8}));
}

Instant ShanghaiStartOfDay(Date date) {
  return Instant(std::chrono::duration_cast<std::chrono::microseconds>(
      date.days().time_since_epoch() - std::chrono::hours{8}));
}

std::string_view DayKindName(DayKind kind) {
  switch (kind) {
    case DayKind::kWorkday: return "workday";
    case DayKind::kWeekend: return "weekend";
    case DayKind::kHoliday: return "holiday";
    case DayKind::kMakeupWorkday: return "makeup-workday";
  }
  return "workday";
}

Result<Calendar> Calendar::Build(std::vector<YearData> years, std::vector<LocalDay> local_days,
                                 CalendarOptions options) {
  std::sort(years.begin(), years.end(),
            [](const YearData& a, const YearData& b) { return a.year < b.year; });
  for (size_t i = 0; i < years.size(); ++i) {
    if (years[i].year < kMinYear + 1 || years[i].year > kMaxYear) {
      return InvalidData("calendar year out of bounds: " + std::to_string(years[i].year));
    }
    if (i > 0 && years[i].year == years[i - 1].year) {
      return InvalidData("calendar year " + std::to_string(years[i].year) + " given twice");
    }
  }
  int first_year = options.first_year;
  int last_year = options.last_year;
  if (first_year == 0) first_year = years.empty() ? 0 : years.front().year;
  if (last_year == 0) last_year = years.empty() ? 0 : years.back().year + kDefaultProvisionalYears;
  if (first_year < kMinYear || last_year > kMaxYear || first_year > last_year) {
    return InvalidData("calendar has an empty or invalid range of years");
  }

  Calendar cal;
  cal.allow_provisional_ = options.allow_provisional;
  cal.first_year_ = first_year;
  cal.begin_ = sys_days{std::chrono::year{first_year} / 1 / 1};
  sys_days end = sys_days{std::chrono::year{last_year + 1} / 1 / 1};
  const int32_t size = static_cast<int32_t>((end - cal.begin_).count());
  cal.names_.push_back("");
  std::map<std::string, uint16_t, std::less<>> name_index;
  auto intern = [&](const std::string& name) -> uint16_t {
    if (name.empty()) return 0;
    auto it = name_index.find(name);
    if (it != name_index.end()) return it->second;
    auto idx = static_cast<uint16_t>(cal.names_.size());
    cal.names_.push_back(name);
    name_index.emplace(name, idx);
    return idx;
  };
  auto index_of = [&](Date d) { return static_cast<int32_t>((d.days() - cal.begin_).count()); };
  auto in_table = [&](int32_t i) { return i >= 0 && i < size; };

  // 1. Weekends, and every day of a year without a notice provisional.
  std::vector<bool> has_notice(static_cast<size_t>(last_year - first_year + 1), false);
  for (const YearData& y : years) {
    if (y.year >= first_year && y.year <= last_year) has_notice[y.year - first_year] = true;
  }
  cal.days_.resize(size);
  for (int32_t i = 0; i < size; ++i) {
    Date d(cal.begin_ + days{i});
    bool provisional = !has_notice[d.Year() - first_year];
    cal.days_[i] = DayEntry{d.IsWeekend() ? DayKind::kWeekend : DayKind::kWorkday, provisional,
                            false, 0};
  }
  // 2. Provisional years: the fixed-date holidays only.
  for (int y = first_year; y <= last_year; ++y) {
    if (has_notice[y - first_year]) continue;
    for (const FixedHoliday& h : kFixedHolidays) {
      uint16_t name = intern(h.name);
      for (unsigned day = h.first_day; day <= h.last_day; ++day) {
        int32_t i = index_of(Date::FromYmd(y, h.month, day));
        cal.days_[i].kind = DayKind::kHoliday;
        cal.days_[i].name = name;
      }
    }
  }
  // 3. The notices. Each date may be claimed by one notice entry only.
  std::map<Date, std::string> claimed;  // date -> "YYYY notice: name", for messages
  auto claim = [&](Date d, int year, const std::string& what) -> Status {
    auto [it, inserted] = claimed.emplace(d, std::to_string(year) + " " + what);
    if (!inserted) {
      return InvalidData(FormatDate(d) + " is in both " + it->second + " and " +
                         std::to_string(year) + " " + what);
    }
    return Ok();
  };
  auto in_notice_year = [](const YearData& y, Date d, bool new_year) {
    return d.Year() == y.year || (new_year && d.Year() == y.year - 1 && d.Month() == 12);
  };
  for (const YearData& y : years) {
    const std::string where = "calendar " + std::to_string(y.year) + ": ";
    for (const HolidayBlock& b : y.holidays) {
      if (b.name.empty()) return InvalidData(where + "a holiday block without a name");
      if (b.first > b.last) {
        return InvalidData(where + b.name + " ends (" + FormatDate(b.last) + ") before it starts (" +
                           FormatDate(b.first) + ")");
      }
      bool new_year = b.name == "元旦";
      if (!in_notice_year(y, b.first, new_year) || !in_notice_year(y, b.last, new_year)) {
        return InvalidData(where + b.name + " " + FormatDate(b.first) + ".." + FormatDate(b.last) +
                           " is outside the year");
      }
      uint16_t name = intern(b.name);
      for (Date d = b.first; d <= b.last; d = d + CalendarDays(1)) {
        if (Status s = claim(d, y.year, b.name); !s.ok()) return s.error();
        int32_t i = index_of(d);
        if (!in_table(i)) continue;
        cal.days_[i].kind = DayKind::kHoliday;
        cal.days_[i].name = name;
      }
    }
    for (const MakeupWorkday& m : y.makeup_workdays) {
      const std::string what = "make-up workday " + FormatDate(m.date);
      if (!m.date.IsWeekend()) return InvalidData(where + what + " is not a Saturday or Sunday");
      if (!in_notice_year(y, m.date, m.holiday == "元旦")) {
        return InvalidData(where + what + " is outside the year");
      }
      bool known = std::any_of(y.holidays.begin(), y.holidays.end(),
                               [&](const HolidayBlock& b) { return b.name == m.holiday; });
      if (!known) {
        return InvalidData(where + what + " names no holiday block of the year: '" + m.holiday +
                           "'");
      }
      if (Status s = claim(m.date, y.year, what); !s.ok()) return s.error();
      int32_t i = index_of(m.date);
      if (!in_table(i)) continue;
      cal.days_[i].kind = DayKind::kMakeupWorkday;
      cal.days_[i].name = intern(m.holiday);
    }
  }
  // 4. Local days override the national calendar.
  std::sort(local_days.begin(), local_days.end(),
            [](const LocalDay& a, const LocalDay& b) { return a.date < b.date; });
  for (size_t k = 0; k < local_days.size(); ++k) {
    const LocalDay& l = local_days[k];
    if (k > 0 && local_days[k - 1].date == l.date) {
      return InvalidData("two local days on " + FormatDate(l.date));
    }
    if (l.name.empty()) return InvalidData("local day " + FormatDate(l.date) + " has no name");
    int32_t i = index_of(l.date);
    if (!in_table(i)) continue;
    cal.days_[i].kind =
        l.kind == LocalDayKind::kHoliday ? DayKind::kHoliday : DayKind::kMakeupWorkday;
    cal.days_[i].name = intern(l.name);
    cal.days_[i].local = true;
  }
  if (cal.names_.size() > 0xFFFF) return InvalidData("too many holiday names");

  // 5. Prefix sums: working_before_[i] working days before day i, and the inverse table from a
  // cumulative count to the day, which make AddWorkingDays and WorkingDaysBetween O(1).
  cal.working_before_.resize(size + 1);
  cal.provisional_before_.resize(size + 1);
  cal.working_before_[0] = 0;
  cal.provisional_before_[0] = 0;
  for (int32_t i = 0; i < size; ++i) {
    bool working = IsWorkingKind(cal.days_[i].kind);
    cal.working_before_[i + 1] = cal.working_before_[i] + (working ? 1 : 0);
    cal.provisional_before_[i + 1] = cal.provisional_before_[i] + (cal.days_[i].provisional ? 1 : 0);
    if (working) cal.nth_working_.push_back(i);
  }

  for (int y = first_year; y <= last_year; ++y) {
    YearInfo info;
    info.year = y;
    info.provisional = !has_notice[y - first_year];
    auto it = std::find_if(years.begin(), years.end(), [&](const YearData& d) { return d.year == y; });
    if (it != years.end()) {
      info.notice = it->notice;
      info.amendments = it->amendments;
    }
    cal.years_.push_back(std::move(info));
  }
  return cal;
}

DayInfo Calendar::InfoAt(int32_t i) const {
  const DayEntry& e = days_[i];
  return DayInfo{Date(begin_ + days{i}), e.kind, names_[e.name], e.provisional, e.local};
}

Error Calendar::OutOfRange(Date asked) const {
  return MakeError(ErrorCode::kOutOfRange, "calendar.out_of_range",
                   "没有 " + FormatDate(asked) + " 的日历数据（日历覆盖 " +
                       FormatDate(first_date()) + " 至 " + FormatDate(last_date()) + "）",
                   "date");
}

Status Calendar::CheckProvisional(int32_t lo, int32_t hi, Date asked) const {
  if (allow_provisional_ || provisional_before_[hi + 1] == provisional_before_[lo]) return Ok();
  // Name the first provisional year involved.
  int32_t i = lo;
  while (!days_[i].provisional) ++i;
  int year = Date(begin_ + days{i}).Year();
  return MakeError(ErrorCode::kOutOfRange, "calendar.out_of_range",
                   "尚未载入 " + std::to_string(year) + " 年的国务院办公厅放假通知，" +
                       FormatDate(asked) + " 无法给出确切答案（可用 --provisional 按暂定日历计算）",
                   "date");
}

Result<DayInfo> Calendar::Day(Date date) const {
  int32_t i = static_cast<int32_t>((date.days() - begin_).count());
  if (i < 0 || i >= Size()) return OutOfRange(date);
  if (days_[i].provisional && !allow_provisional_) {
    if (Status s = CheckProvisional(i, i, date); !s.ok()) return s.error();
  }
  return InfoAt(i);
}

Result<ComputedDate> Calendar::AddWorkingDays(Date start, WorkingDays n) const {
  int32_t i = static_cast<int32_t>((start.days() - begin_).count());
  if (i < 0 || i >= Size()) return OutOfRange(start);
  // k: the 1-based rank, among all working days of the table, of the answer.
  int64_t k;
  if (n.count > 0) {
    k = int64_t{working_before_[i + 1]} + n.count;
  } else if (n.count == 0) {
    k = int64_t{working_before_[i]} + 1;  // start itself if working, else the next one
  } else {
    k = int64_t{working_before_[i]} + n.count + 1;
  }
  if (k < 1 || k > static_cast<int64_t>(nth_working_.size())) {
    return MakeError(ErrorCode::kOutOfRange, "calendar.out_of_range",
                     std::to_string(n.count) + " working days from " + FormatDate(start) +
                         " fall outside the calendar (" + FormatDate(first_date()) + " to " +
                         FormatDate(last_date()) + ")",
                     "date");
  }
  int32_t j = nth_working_[static_cast<size_t>(k - 1)];
  int32_t lo = std::min(i, j);
  int32_t hi = std::max(i, j);
  bool provisional = provisional_before_[hi + 1] != provisional_before_[lo];
  if (provisional && !allow_provisional_) {
    if (Status s = CheckProvisional(lo, hi, start); !s.ok()) return s.error();
  }
  return ComputedDate{Date(begin_ + days{j}), provisional};
}

Result<ComputedCount> Calendar::WorkingDaysBetween(Date from, Date to) const {
  int32_t i = static_cast<int32_t>((from.days() - begin_).count());
  int32_t j = static_cast<int32_t>((to.days() - begin_).count());
  if (i < 0 || i >= Size()) return OutOfRange(from);
  if (j < 0 || j >= Size()) return OutOfRange(to);
  int32_t lo = std::min(i, j);
  int32_t hi = std::max(i, j);
  bool provisional = provisional_before_[hi + 1] != provisional_before_[lo];
  if (provisional && !allow_provisional_) {
    if (Status s = CheckProvisional(lo, hi, from); !s.ok()) return s.error();
  }
  return ComputedCount{WorkingDays(working_before_[j + 1] - working_before_[i + 1]), provisional};
}

std::vector<YearInfo> Calendar::Years() const { return years_; }

Result<std::vector<DayInfo>> Calendar::SpecialDays(int year) const {
  if (year < first_year_ || year >= first_year_ + static_cast<int>(years_.size())) {
    return MakeError(ErrorCode::kOutOfRange, "calendar.out_of_range",
                     "没有 " + std::to_string(year) + " 年的日历数据", "year");
  }
  int32_t from = static_cast<int32_t>((sys_days{std::chrono::year{year} / 1 / 1} - begin_).count());
  int32_t to = static_cast<int32_t>((sys_days{std::chrono::year{year + 1} / 1 / 1} - begin_).count());
  std::vector<DayInfo> out;
  for (int32_t i = from; i < to; ++i) {
    const DayEntry& e = days_[i];
    if (e.local || e.kind == DayKind::kHoliday || e.kind == DayKind::kMakeupWorkday) {
      out.push_back(InfoAt(i));
    }
  }
  return out;
}

}  // namespace xn::calendar
