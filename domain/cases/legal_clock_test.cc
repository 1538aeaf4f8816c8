#include "domain/cases/legal_clock.h"

#include <gtest/gtest.h>

#include "store/calendar/calendar_files.h"

namespace xn::cases {
namespace {

using calendar::Date;
using calendar::ParseDate;

const calendar::Calendar& RealCalendar() {
  static const calendar::Calendar kCal = [] {
    auto years = calendar::LoadCalendarDir(std::string(XN_TEST_DATA_DIR) + "/data/calendar");
    EXPECT_TRUE(years.ok());
    auto cal = calendar::Calendar::Build(std::move(*years), {});
    EXPECT_TRUE(cal.ok());
    return std::move(*cal);
  }();
  return kCal;
}

// 10:00 Asia/Shanghai on DATE.
Instant At(const char* date, int hour = 10) {
  return calendar::ShanghaiStartOfDay(*ParseDate(date)) + std::chrono::hours(hour);
}

std::string DeadlineDay(const LegalClock& c) {
  return calendar::FormatDate(calendar::ShanghaiDate(c.deadline - std::chrono::microseconds(1)));
}

const catalog::TimeLimit kTwentyWorkingDays{20, catalog::LimitUnit::kWorkingDays, ""};

TEST(LegalClock, TwentyWorkingDaysAcrossSpringFestival) {
  // Accepted Thursday 2024-02-01; the 2024 Spring Festival (10–17 Feb) does not count, the
  // make-up workdays 4 and 18 Feb do.
  auto c = StartClock(RealCalendar(), kTwentyWorkingDays, At("2024-02-01"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(DeadlineDay(*c), "2024-03-05");
  EXPECT_EQ(c->deadline, EndOfDay(*ParseDate("2024-03-05")));
}

TEST(LegalClock, CorrectionPauseAcrossTheHolidayKeepsTheRemainingDays) {
  auto c = StartClock(RealCalendar(), kTwentyWorkingDays, At("2024-02-01"));
  ASSERT_TRUE(c.ok());
  // Paused on Wednesday 7 Feb: 2, 4, 5, 6, 7 Feb are used, 15 working days remain.
  auto p = PauseClock(RealCalendar(), *c, At("2024-02-07"), "补正材料");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->paused);
  EXPECT_EQ(p->remaining, 15);
  // Resumed Monday 19 Feb: the 15th working day after it is 11 March.
  auto r = ResumeClock(RealCalendar(), *p, At("2024-02-19"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->paused);
  EXPECT_EQ(DeadlineDay(*r), "2024-03-11");

  auto e = ExplainClock(RealCalendar(), *r, At("2024-03-01"));
  ASSERT_TRUE(e.ok());
  int counted = 0;
  for (const auto& d : e->days) counted += d.counted ? 1 : 0;
  EXPECT_EQ(counted, 20);
  EXPECT_EQ(calendar::FormatDate(e->days.back().date), "2024-03-11");
  EXPECT_EQ(e->days.back().ordinal, 20);
  // 10 Feb is inside the pause and a holiday; 4 Feb is a counted make-up workday.
  for (const auto& d : e->days) {
    if (calendar::FormatDate(d.date) == "2024-02-10") {
      EXPECT_TRUE(d.paused);
      EXPECT_FALSE(d.counted);
      EXPECT_EQ(d.name, "春节");
    }
    if (calendar::FormatDate(d.date) == "2024-02-04") {
      EXPECT_TRUE(d.counted);
      EXPECT_EQ(d.kind, calendar::DayKind::kMakeupWorkday);
    }
  }
}

TEST(LegalClock, ExtensionAddsWorkingDaysFromTheDeadline) {
  auto c = StartClock(RealCalendar(), kTwentyWorkingDays, At("2024-02-01"));
  auto x = ExtendClock(RealCalendar(), *c, 10, At("2024-02-20"), "局长批准 2024-02-20");
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(DeadlineDay(*x), "2024-03-19");
  EXPECT_EQ(x->extended, 10);
  EXPECT_TRUE(PauseClock(RealCalendar(), *x, At("2024-02-21"), "听证").value().paused);
}

TEST(LegalClock, HoursAndCalendarDays) {
  auto h = StartClock(RealCalendar(), {2, catalog::LimitUnit::kHours, ""}, At("2024-02-10", 9));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->deadline, At("2024-02-10", 11));
  auto p = PauseClock(RealCalendar(), *h, At("2024-02-10", 10), "等待");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->remaining, 60);
  auto r = ResumeClock(RealCalendar(), *p, At("2024-02-11", 9));
  EXPECT_EQ(r->deadline, At("2024-02-11", 10));

  auto d = StartClock(RealCalendar(), {7, catalog::LimitUnit::kCalendarDays, ""},
                      At("2024-02-08"));
  EXPECT_EQ(DeadlineDay(*d), "2024-02-15");
}

TEST(LegalClock, PauseTwiceOrResumeRunningIsRefused) {
  auto c = StartClock(RealCalendar(), kTwentyWorkingDays, At("2024-02-01"));
  auto p = PauseClock(RealCalendar(), *c, At("2024-02-02"), "补正");
  EXPECT_EQ(PauseClock(RealCalendar(), *p, At("2024-02-05"), "再次").error().code,
            "case.clock_paused");
  EXPECT_EQ(ResumeClock(RealCalendar(), *c, At("2024-02-05")).error().code,
            "case.clock_running");
}

}  // namespace
}  // namespace xn::cases
