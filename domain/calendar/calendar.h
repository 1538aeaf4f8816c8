// The Chinese working-day calendar: which days agencies work, and deadline arithmetic on it.
//
// Periods in administrative law are counted in working days, statutory holidays excluded, the
// starting day not counted, and a make-up workday (调休上班) counted as a working day
// (《中华人民共和国行政许可法》第八十二条). Which days those are is fixed each year by a State
// Council General Office notice (国务院办公厅关于YYYY年部分节假日安排的通知); a Calendar is built
// from that data (one YearData per notice year, loaded by store/calendar) plus local extra days
// (a local holiday or a local extra working day, from the database). docs/calendar.md describes
// the data, the sources and the rules.
//
// A Calendar precomputes a day table over its range, so Day(), AddWorkingDays() and
// WorkingDaysBetween() are constant time (prefix sums of working days and a table from the
// cumulative count back to the date).
//
// Years inside the range that have no notice (the years after the last loaded notice, or a gap)
// are *provisional*: weekends plus the fixed-date holidays only (元旦 1 January, 劳动节 1–2 May,
// 国庆节 1–3 October). The lunar holidays (春节, 清明节, 端午节, 中秋节) and the make-up workdays
// cannot be known before the notice. Unless CalendarOptions::allow_provisional is set, any
// answer that depends on a provisional day is an error (kOutOfRange, "calendar.out_of_range");
// with it, the answer carries provisional=true and should be recomputed when the notice arrives.
//
// Thread-safety: a Calendar is immutable after Build(); all const methods are safe to call from
// any number of threads. CalendarRegistry swaps whole calendars for reload without restart.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/clock.h"
#include "domain/common/result.h"

namespace xn::calendar {

// A number of working days (may be negative: counting backwards).
struct WorkingDays {
  constexpr explicit WorkingDays(int32_t n) : count(n) {}
  int32_t count = 0;
  friend constexpr bool operator==(WorkingDays, WorkingDays) = default;
};

// A number of calendar days.
struct CalendarDays {
  constexpr explicit CalendarDays(int32_t n) : count(n) {}
  int32_t count = 0;
  friend constexpr bool operator==(CalendarDays, CalendarDays) = default;
};

// A civil date (proleptic Gregorian), as agencies in Asia/Shanghai see it. A plain value.
class Date {
 public:
  constexpr Date() = default;  // 1970-01-01
  constexpr explicit Date(std::chrono::sys_days days) : days_(days) {}
  // REQUIRES: ymd.ok().
  constexpr explicit Date(std::chrono::year_month_day ymd) : days_(ymd) {}
  // REQUIRES: a valid date.
  static constexpr Date FromYmd(int year, unsigned month, unsigned day) {
    return Date(std::chrono::year_month_day{std::chrono::year{year}, std::chrono::month{month},
                                            std::chrono::day{day}});
  }

  constexpr std::chrono::sys_days days() const { return days_; }
  constexpr std::chrono::year_month_day ymd() const { return std::chrono::year_month_day{days_}; }
  constexpr int Year() const { return static_cast<int>(ymd().year()); }
  constexpr unsigned Month() const { return static_cast<unsigned>(ymd().month()); }
  constexpr unsigned DayOfMonth() const { return static_cast<unsigned>(ymd().day()); }
  constexpr std::chrono::weekday Weekday() const { return std::chrono::weekday{days_}; }
  // Saturday or Sunday.
  constexpr bool IsWeekend() const {
    auto wd = Weekday();
    return wd == std::chrono::Saturday || wd == std::chrono::Sunday;
  }

  constexpr Date operator+(CalendarDays n) const { return Date(days_ + std::chrono::days{n.count}); }
  constexpr Date operator-(CalendarDays n) const { return Date(days_ - std::chrono::days{n.count}); }
  // Calendar days from `other` to this date.
  constexpr CalendarDays operator-(Date other) const {
    return CalendarDays(static_cast<int32_t>((days_ - other.days_).count()));
  }
  friend constexpr auto operator<=>(const Date&, const Date&) = default;

 private:
  std::chrono::sys_days days_{};
};

// Parses exactly "YYYY-MM-DD" (four-digit year, two-digit month and day, nothing else).
// Errors: kInvalidArgument "calendar.bad_date" for any other text or an impossible date
// (2024-02-30, 2024-2-3, "2024-02-03 ").
Result<Date> ParseDate(std::string_view text);

// "YYYY-MM-DD". REQUIRES: year in 0..9999.
std::string FormatDate(Date date);
// Writes the 10 characters of FormatDate(date) to `out` (no terminator), for bulk output.
void FormatDateTo(Date date, char* out);

// The local date of an instant in Asia/Shanghai (UTC+8, no daylight saving since 1991).
Date ShanghaiDate(Instant t);
// The instant a date begins in Asia/Shanghai.
Instant ShanghaiStartOfDay(Date date);

enum class DayKind : uint8_t {
  kWorkday,         // Monday to Friday, no holiday
  kWeekend,         // Saturday or Sunday, no holiday, not a make-up workday
  kHoliday,         // inside a holiday block (even on a weekend), or a local holiday
  kMakeupWorkday,   // a weekend day made a working day (调休上班), or a local extra working day
};

// "workday", "weekend", "holiday", "makeup-workday" (the CLI's words).
std::string_view DayKindName(DayKind kind);

constexpr bool IsWorkingKind(DayKind kind) {
  return kind == DayKind::kWorkday || kind == DayKind::kMakeupWorkday;
}

// One day as the calendar sees it.
struct DayInfo {
  Date date;
  DayKind kind = DayKind::kWorkday;
  // For kHoliday and kMakeupWorkday: the holiday's name (e.g. "春节", "国庆节、中秋节"), or the
  // local day's name. Empty otherwise. Points into the Calendar; valid while it lives.
  std::string_view name;
  bool provisional = false;  // the year has no notice loaded
  bool local = false;        // set by a local day

  bool IsWorkingDay() const { return IsWorkingKind(kind); }
};

// --- The data a calendar is built from (docs/calendar.md, data/calendar/YYYY.toml) ---

// A State Council (General Office) notice.
struct Notice {
  std::string title;          // 国务院办公厅关于2024年部分节假日安排的通知
  std::string number;         // 国办发明电〔2023〕7号; empty if not recorded
  std::optional<Date> date;   // the date it was issued, if recorded
  std::string url;
  std::string summary;        // for an amendment: what it changed
};

// A block of consecutive days off, named after its holiday.
struct HolidayBlock {
  std::string name;  // 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节, or a notice's merged
                     // or one-off name (国庆节、中秋节; 抗战胜利70周年纪念日)
  Date first;
  Date last;         // inclusive
};

// A weekend day that becomes a working day to make up for a holiday block.
struct MakeupWorkday {
  Date date;
  std::string holiday;  // the name of the block it belongs to
};

// One year's notice. Its dates lie in `year`, except that a 元旦 block and its make-up
// workdays may start in December of the year before (e.g. 2018-12-29..31 for 2019).
struct YearData {
  int year = 0;
  Notice notice;
  std::vector<Notice> amendments;  // later notices that changed the year (2019 劳动节, 2020 春节)
  std::vector<HolidayBlock> holidays;
  std::vector<MakeupWorkday> makeup_workdays;
};

enum class LocalDayKind : uint8_t { kHoliday, kWorkday };

// A local extra day decided by the local government (a minority festival, an emergency): a day
// off (kHoliday) or an extra working day (kWorkday). Overrides the national calendar.
struct LocalDay {
  Date date;
  LocalDayKind kind = LocalDayKind::kHoliday;
  std::string name;
};

struct CalendarOptions {
  // Answer for provisional years (marked provisional) instead of failing.
  bool allow_provisional = false;
  // The range of the day table, in whole years. 0: from the first notice year to the last
  // notice year + kDefaultProvisionalYears.
  int first_year = 0;
  int last_year = 0;
};

inline constexpr int kDefaultProvisionalYears = 5;

// A year of the calendar's range.
struct YearInfo {
  int year = 0;
  Notice notice;      // empty title for a provisional year
  std::vector<Notice> amendments;
  bool provisional = false;
};

// A date computed by the calendar.
struct ComputedDate {
  Date date;
  bool provisional = false;  // depends on a year without a notice
};

// A working-day count computed by the calendar.
struct ComputedCount {
  WorkingDays days{0};
  bool provisional = false;
};

// The working-day calendar. Immutable; see the file comment.
class Calendar {
 public:
  // Builds the day table. Errors: kInvalidArgument "calendar.invalid_data" (a year twice, a
  // block with first > last or outside its year, two blocks sharing a day, a make-up workday
  // that is not a weekend day or lies in a block, two local days on one date, an empty range).
  // Local days outside the range are ignored.
  static Result<Calendar> Build(std::vector<YearData> years, std::vector<LocalDay> local_days,
                                CalendarOptions options = {});

  // The day's kind and name. Errors: kOutOfRange "calendar.out_of_range" outside the range, or
  // in a provisional year unless allow_provisional.
  Result<DayInfo> Day(Date date) const;

  // The n-th working day after `start` (`start` itself is not counted; make-up workdays count).
  // n = 0: `start` if it is a working day, else the next working day. n < 0: the |n|-th
  // working day before `start`. provisional if any day from `start` to the result is.
  // Errors: kOutOfRange "calendar.out_of_range" if `start` or the result is outside the range,
  // or (unless allow_provisional) a day from `start` to the result is provisional.
  Result<ComputedDate> AddWorkingDays(Date start, WorkingDays n) const;

  // The number of working days after `from` up to and including `to`. If to < from, the result
  // is minus the number of working days after `to` up to and including `from` (so
  // Between(a, b) == -Between(b, a), and AddWorkingDays(a, Between(a, b)) == b for a working day
  // b > a). Errors: as AddWorkingDays, over the days between the two dates.
  Result<ComputedCount> WorkingDaysBetween(Date from, Date to) const;

  // `start` plus n calendar days. Needs no calendar data; never fails.
  Date AddCalendarDays(Date start, CalendarDays n) const { return start + n; }

  // `t` plus `hours` elapsed hours (clock hours, not working hours).
  Instant AddHours(Instant t, std::chrono::hours hours) const { return t + hours; }

  // The years of the range, ascending: notice years (provisional=false) and provisional years.
  std::vector<YearInfo> Years() const;

  // The days of `year` that are not plain workdays or weekends, ascending: holidays, make-up
  // workdays and local days (for a UI). Provisional years list their fixed-date holidays.
  // Errors: kOutOfRange "calendar.out_of_range" if the year is outside the range.
  Result<std::vector<DayInfo>> SpecialDays(int year) const;

  bool allow_provisional() const { return allow_provisional_; }
  Date first_date() const { return Date(begin_); }
  Date last_date() const { return Date(begin_ + std::chrono::days{Size() - 1}); }

 private:
  Calendar() = default;
  int32_t Size() const { return static_cast<int32_t>(days_.size()); }
  DayInfo InfoAt(int32_t i) const;
  // OK if [lo, hi] (day indexes, inside the table) holds no provisional day or they are allowed.
  Status CheckProvisional(int32_t lo, int32_t hi, Date asked) const;
  Error OutOfRange(Date asked) const;

  struct DayEntry {
    DayKind kind;
    bool provisional;
    bool local;
    uint16_t name;  // index into names_; 0 = no name
  };

  std::chrono::sys_days begin_{};
  bool allow_provisional_ = false;
  int first_year_ = 0;
  std::vector<DayEntry> days_;
  std::vector<std::string> names_;      // names_[0] == ""
  std::vector<int32_t> working_before_;  // [i]: working days among days [0, i); size Size()+1
  std::vector<int32_t> nth_working_;     // [k]: the index of the (k+1)-th working day
  std::vector<int32_t> provisional_before_;  // [i]: provisional days among [0, i)
  std::vector<YearInfo> years_;
};

// Holds the calendar in force, for reload without restart: readers take a snapshot with
// Current() and keep using it; Replace() installs a new one for later readers.
// Thread-safety: all methods are safe to call concurrently.
class CalendarRegistry {
 public:
  CalendarRegistry() = default;
  explicit CalendarRegistry(std::shared_ptr<const Calendar> calendar)
      : current_(std::move(calendar)) {}

  // The calendar in force; null if none was installed.
  std::shared_ptr<const Calendar> Current() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  // Installs `calendar` and returns the previous one.
  std::shared_ptr<const Calendar> Replace(std::shared_ptr<const Calendar> calendar) {
    std::lock_guard lock(mu_);
    current_.swap(calendar);
    return calendar;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Calendar> current_;
};

}  // namespace xn::calendar
