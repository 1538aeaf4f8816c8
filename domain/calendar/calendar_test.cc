#include "domain/calendar/calendar.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace xn::calendar {
namespace {

Date D(const char* text) {
  auto d = ParseDate(text);
  EXPECT_TRUE(d.ok()) << text;
  return d.ok() ? *d : Date();
}

// The notices of 2019, 2020 (with the Spring Festival extension) and 2024, as in data/calendar.
std::vector<YearData> Notices() {
  YearData y2019;
  y2019.year = 2019;
  y2019.notice.title = "国务院办公厅关于2019年部分节假日安排的通知";
  y2019.holidays = {{"元旦", D("2018-12-30"), D("2019-01-01")},
                    {"春节", D("2019-02-04"), D("2019-02-10")},
                    {"劳动节", D("2019-05-01"), D("2019-05-04")},
                    {"国庆节", D("2019-10-01"), D("2019-10-07")}};
  y2019.makeup_workdays = {{D("2018-12-29"), "元旦"},  {D("2019-02-02"), "春节"},
                           {D("2019-02-03"), "春节"},  {D("2019-04-28"), "劳动节"},
                           {D("2019-05-05"), "劳动节"}, {D("2019-09-29"), "国庆节"},
                           {D("2019-10-12"), "国庆节"}};
  YearData y2020;
  y2020.year = 2020;
  y2020.notice.title = "国务院办公厅关于2020年部分节假日安排的通知";
  y2020.notice.number = "国办发明电〔2019〕16号";
  y2020.holidays = {{"元旦", D("2020-01-01"), D("2020-01-01")},
                    {"春节", D("2020-01-24"), D("2020-02-02")},
                    {"国庆节、中秋节", D("2020-10-01"), D("2020-10-08")}};
  y2020.makeup_workdays = {{D("2020-01-19"), "春节"},
                           {D("2020-09-27"), "国庆节、中秋节"},
                           {D("2020-10-10"), "国庆节、中秋节"}};
  YearData y2024;
  y2024.year = 2024;
  y2024.notice.title = "国务院办公厅关于2024年部分节假日安排的通知";
  y2024.holidays = {{"元旦", D("2024-01-01"), D("2024-01-01")},
                    {"春节", D("2024-02-10"), D("2024-02-17")},
                    {"国庆节", D("2024-10-01"), D("2024-10-07")}};
  y2024.makeup_workdays = {{D("2024-02-04"), "春节"},
                           {D("2024-02-18"), "春节"},
                           {D("2024-09-29"), "国庆节"},
                           {D("2024-10-12"), "国庆节"}};
  return {y2019, y2020, y2024};
}

Calendar Build(std::vector<LocalDay> local = {}, bool provisional = false) {
  CalendarOptions options;
  options.allow_provisional = provisional;
  options.first_year = 2019;
  options.last_year = 2026;
  auto cal = Calendar::Build(Notices(), std::move(local), options);
  EXPECT_TRUE(cal.ok()) << (cal.ok() ? "" : cal.error().message);
  return std::move(cal).value();
}

TEST(ParseDateTest, StrictFormat) {
  struct Case {
    const char* text;
    bool ok;
  };
  const Case cases[] = {
      {"2024-02-29", true},  {"2024-02-30", false}, {"2023-02-29", false}, {"2024-2-3", false},
      {"2024-02-03 ", false}, {" 2024-02-03", false}, {"2024/02/03", false}, {"20240203", false},
      {"2024-13-01", false}, {"2024-00-10", false}, {"2024-01-00", false}, {"", false},
      {"2024-01-0a", false}, {"0001-01-01", true},
  };
  for (const Case& c : cases) {
    auto d = ParseDate(c.text);
    EXPECT_EQ(d.ok(), c.ok) << c.text;
    if (!c.ok && !d.ok()) {
      EXPECT_EQ(d.error().code, "calendar.bad_date");
    }
    if (c.ok && d.ok()) {
      EXPECT_EQ(FormatDate(*d), c.text);
    }
  }
}

TEST(DateTest, ShanghaiDate) {
  // 2024-02-09T16:00:00Z is midnight of 10 February in Shanghai.
  Instant t = FromUnixMillis(1707494400000);
  EXPECT_EQ(ShanghaiDate(t), D("2024-02-10"));
  EXPECT_EQ(ShanghaiDate(t - std::chrono::microseconds(1)), D("2024-02-09"));
  EXPECT_EQ(ShanghaiStartOfDay(D("2024-02-10")), t);
}

TEST(CalendarTest, DayKinds) {
  Calendar cal = Build();
  struct Case {
    const char* date;
    DayKind kind;
    const char* name;
  };
  const Case cases[] = {
      {"2024-02-09", DayKind::kWorkday, ""},         // 除夕, a Friday, not in the block
      {"2024-02-10", DayKind::kHoliday, "春节"},     // a Saturday inside the block
      {"2024-02-12", DayKind::kHoliday, "春节"},
      {"2024-02-17", DayKind::kHoliday, "春节"},
      {"2024-02-04", DayKind::kMakeupWorkday, "春节"},  // a Sunday
      {"2024-02-18", DayKind::kMakeupWorkday, "春节"},
      {"2024-03-02", DayKind::kWeekend, ""},
      {"2024-03-04", DayKind::kWorkday, ""},
      {"2020-01-31", DayKind::kHoliday, "春节"},     // the 2020 extension
      {"2020-02-01", DayKind::kHoliday, "春节"},     // was a make-up workday before it
      {"2020-02-02", DayKind::kHoliday, "春节"},
      {"2020-02-03", DayKind::kWorkday, ""},
      {"2020-10-01", DayKind::kHoliday, "国庆节、中秋节"},
      {"2019-01-01", DayKind::kHoliday, "元旦"},
      {"2019-12-31", DayKind::kWorkday, ""},
      {"2020-01-01", DayKind::kHoliday, "元旦"},
  };
  for (const Case& c : cases) {
    auto day = cal.Day(D(c.date));
    ASSERT_TRUE(day.ok()) << c.date;
    EXPECT_EQ(day->kind, c.kind) << c.date;
    EXPECT_EQ(day->name, c.name) << c.date;
    EXPECT_FALSE(day->provisional) << c.date;
    EXPECT_FALSE(day->local) << c.date;
  }
}

TEST(CalendarTest, AddWorkingDays) {
  Calendar cal = Build();
  struct Case {
    const char* start;
    int n;
    const char* want;
  };
  const Case cases[] = {
      {"2024-02-08", 3, "2024-02-19"},   // 9th, then 18th (make-up Sunday), then 19th
      {"2024-02-08", 1, "2024-02-09"},
      {"2024-02-09", 1, "2024-02-18"},
      {"2024-02-08", 0, "2024-02-08"},   // n = 0 on a working day: the day itself
      {"2024-02-10", 0, "2024-02-18"},   // n = 0 on a holiday: the next working day
      {"2024-03-02", 0, "2024-03-04"},
      {"2024-02-04", 0, "2024-02-04"},   // a make-up workday is a working day
      {"2024-02-10", 1, "2024-02-18"},   // the start is not counted
      {"2020-01-23", 1, "2020-02-03"},   // across the extended Spring Festival
      {"2019-12-31", 1, "2020-01-02"},   // across the year boundary and 元旦
      {"2019-12-31", 2, "2020-01-03"},
      {"2024-02-19", -1, "2024-02-18"},
      {"2024-02-19", -2, "2024-02-09"},
      {"2024-02-10", -1, "2024-02-09"},
  };
  for (const Case& c : cases) {
    auto r = cal.AddWorkingDays(D(c.start), WorkingDays(c.n));
    ASSERT_TRUE(r.ok()) << c.start << " " << c.n << ": " << r.error().message;
    EXPECT_EQ(FormatDate(r->date), c.want) << c.start << " " << c.n;
    EXPECT_FALSE(r->provisional);
  }
}

TEST(CalendarTest, WorkingDaysBetween) {
  Calendar cal = Build();
  struct Case {
    const char* from;
    const char* to;
    int want;
  };
  const Case cases[] = {
      {"2024-02-08", "2024-02-19", 3}, {"2024-02-19", "2024-02-08", -3},
      {"2024-02-10", "2024-02-17", 0}, {"2024-02-08", "2024-02-08", 0},
      {"2020-01-23", "2020-02-03", 1}, {"2019-12-31", "2020-01-03", 2},
  };
  for (const Case& c : cases) {
    auto r = cal.WorkingDaysBetween(D(c.from), D(c.to));
    ASSERT_TRUE(r.ok()) << c.from << " " << c.to;
    EXPECT_EQ(r->days.count, c.want) << c.from << " " << c.to;
  }
  // Between and Add are inverse for a working day.
  auto n = cal.WorkingDaysBetween(D("2019-03-01"), D("2020-11-30"));
  ASSERT_TRUE(n.ok());
  auto back = cal.AddWorkingDays(D("2019-03-01"), n->days);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->date, D("2020-11-30"));
}

TEST(CalendarTest, ProvisionalYearsRejectedByDefault) {
  Calendar cal = Build();
  for (const char* date : {"2021-03-01", "2025-06-01", "2018-12-31", "2027-01-01"}) {
    auto day = cal.Day(D(date));
    ASSERT_FALSE(day.ok()) << date;
    EXPECT_EQ(day.error().category, ErrorCode::kOutOfRange) << date;
    EXPECT_EQ(day.error().code, "calendar.out_of_range") << date;
  }
  // 2021 lies between two notice years: crossing it is an error too.
  auto r = cal.AddWorkingDays(D("2020-12-30"), WorkingDays(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "calendar.out_of_range");
  auto between = cal.WorkingDaysBetween(D("2020-06-01"), D("2024-06-03"));
  ASSERT_FALSE(between.ok());
  // Off the end of the table.
  auto far = cal.AddWorkingDays(D("2024-12-30"), WorkingDays(100000));
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().code, "calendar.out_of_range");
}

TEST(CalendarTest, ProvisionalYearsAllowed) {
  Calendar cal = Build({}, /*provisional=*/true);
  struct Case {
    const char* date;
    DayKind kind;
    const char* name;
  };
  const Case cases[] = {
      {"2025-01-01", DayKind::kHoliday, "元旦"},   {"2025-05-01", DayKind::kHoliday, "劳动节"},
      {"2025-05-02", DayKind::kHoliday, "劳动节"}, {"2025-10-03", DayKind::kHoliday, "国庆节"},
      {"2025-10-08", DayKind::kWorkday, ""},       {"2025-01-29", DayKind::kWorkday, ""},
      {"2025-01-04", DayKind::kWeekend, ""},
  };
  for (const Case& c : cases) {
    auto day = cal.Day(D(c.date));
    ASSERT_TRUE(day.ok()) << c.date;
    EXPECT_EQ(day->kind, c.kind) << c.date;
    EXPECT_EQ(day->name, c.name) << c.date;
    EXPECT_TRUE(day->provisional) << c.date;
  }
  auto r = cal.AddWorkingDays(D("2024-12-31"), WorkingDays(1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->date, D("2025-01-02"));
  EXPECT_TRUE(r->provisional);
  auto exact = cal.AddWorkingDays(D("2024-02-08"), WorkingDays(3));
  ASSERT_TRUE(exact.ok());
  EXPECT_FALSE(exact->provisional);
  // Before the table: out of range even with provisional answers allowed.
  EXPECT_FALSE(cal.Day(D("2018-06-01")).ok());
}

TEST(CalendarTest, LocalDaysOverride) {
  Calendar cal = Build({{D("2024-03-05"), LocalDayKind::kHoliday, "三月三"},
                        {D("2024-02-12"), LocalDayKind::kWorkday, "防汛值守"},
                        {D("2024-03-09"), LocalDayKind::kWorkday, "补班"},
                        {D("2030-01-01"), LocalDayKind::kHoliday, "outside the range"}});
  auto holiday = cal.Day(D("2024-03-05"));
  ASSERT_TRUE(holiday.ok());
  EXPECT_EQ(holiday->kind, DayKind::kHoliday);
  EXPECT_EQ(holiday->name, "三月三");
  EXPECT_TRUE(holiday->local);
  auto worked = cal.Day(D("2024-02-12"));
  ASSERT_TRUE(worked.ok());
  EXPECT_EQ(worked->kind, DayKind::kMakeupWorkday);
  EXPECT_TRUE(worked->local);
  // 4 March (Mon) + 1 skips the local holiday on the 5th.
  auto r = cal.AddWorkingDays(D("2024-03-04"), WorkingDays(1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->date, D("2024-03-06"));
  // The local working Saturday counts.
  auto sat = cal.AddWorkingDays(D("2024-03-08"), WorkingDays(1));
  ASSERT_TRUE(sat.ok());
  EXPECT_EQ(sat->date, D("2024-03-09"));
  auto special = cal.SpecialDays(2024);
  ASSERT_TRUE(special.ok());
  bool found = false;
  for (const DayInfo& d : *special) found |= d.local && d.name == "三月三";
  EXPECT_TRUE(found);
}

TEST(CalendarTest, YearsAndSpecialDays) {
  Calendar cal = Build();
  auto years = cal.Years();
  ASSERT_EQ(years.size(), 8u);
  EXPECT_EQ(years[0].year, 2019);
  EXPECT_FALSE(years[0].provisional);
  EXPECT_EQ(years[1].notice.number, "国办发明电〔2019〕16号");
  EXPECT_TRUE(years[2].provisional);  // 2021
  EXPECT_TRUE(years[2].notice.title.empty());
  auto special = cal.SpecialDays(2020);
  ASSERT_TRUE(special.ok());
  // 元旦 1 + 春节 10 + 国庆 8 holidays, 3 make-up workdays.
  EXPECT_EQ(special->size(), 22u);
  EXPECT_EQ(special->front().date, D("2020-01-01"));
  EXPECT_FALSE(cal.SpecialDays(2030).ok());
}

TEST(CalendarTest, RejectsInconsistentData) {
  struct Case {
    const char* what;
    void (*mutate)(std::vector<YearData>&);
  };
  const Case cases[] = {
      {"make-up day on a weekday",
       [](std::vector<YearData>& y) { y[2].makeup_workdays.push_back({D("2024-03-05"), "春节"}); }},
      {"blocks of two years share a day",
       [](std::vector<YearData>& y) {
         y[0].holidays.push_back({"冬至", D("2019-12-31"), D("2019-12-31")});
         y[1].holidays[0].first = D("2019-12-31");
       }},
      {"block outside its year",
       [](std::vector<YearData>& y) { y[2].holidays.push_back({"国庆节", D("2025-10-01"), D("2025-10-02")}); }},
      {"a year twice", [](std::vector<YearData>& y) { y.push_back(y[0]); }},
      {"first after last",
       [](std::vector<YearData>& y) { y[2].holidays[1].last = D("2024-02-01"); }},
      {"make-up day names no block",
       [](std::vector<YearData>& y) { y[2].makeup_workdays[0].holiday = "清明节"; }},
  };
  for (const Case& c : cases) {
    auto years = Notices();
    c.mutate(years);
    auto cal = Calendar::Build(years, {});
    ASSERT_FALSE(cal.ok()) << c.what;
    EXPECT_EQ(cal.error().code, "calendar.invalid_data") << c.what;
  }
}

TEST(CalendarRegistryTest, ReplaceSwapsForLaterReaders) {
  CalendarRegistry registry;
  EXPECT_EQ(registry.Current(), nullptr);
  auto first = std::make_shared<const Calendar>(Build());
  registry.Replace(first);
  auto snapshot = registry.Current();
  auto second = std::make_shared<const Calendar>(Build({}, true));
  auto previous = registry.Replace(second);
  EXPECT_EQ(previous, first);
  EXPECT_EQ(snapshot, first);  // a reader keeps its snapshot
  EXPECT_EQ(registry.Current(), second);
}

}  // namespace
}  // namespace xn::calendar
