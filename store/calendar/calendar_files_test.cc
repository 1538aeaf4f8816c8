#include "store/calendar/calendar_files.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace xn::calendar {
namespace {

const std::string kCalendarDir = std::string(XN_TEST_DATA_DIR) + "/data/calendar";

Calendar RealCalendar() {
  auto years = LoadCalendarDir(kCalendarDir);
  EXPECT_TRUE(years.ok()) << (years.ok() ? "" : years.error().message);
  auto cal = Calendar::Build(std::move(years).value(), {});
  EXPECT_TRUE(cal.ok()) << (cal.ok() ? "" : cal.error().message);
  return std::move(cal).value();
}

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.push_back("");
  return fields;
}

TEST(CalendarFilesTest, LoadsEveryYear) {
  auto years = LoadCalendarDir(kCalendarDir);
  ASSERT_TRUE(years.ok()) << years.error().message;
  ASSERT_EQ(years->size(), 19u);
  for (size_t i = 0; i < years->size(); ++i) {
    const YearData& y = (*years)[i];
    EXPECT_EQ(y.year, 2008 + static_cast<int>(i));
    EXPECT_EQ(y.notice.title,
              "国务院办公厅关于" + std::to_string(y.year) + "年部分节假日安排的通知");
    EXPECT_GE(y.holidays.size(), 6u) << y.year;  // 6 where 中秋 and 国庆 merge
  }
  const YearData& y2020 = (*years)[12];
  ASSERT_EQ(y2020.amendments.size(), 1u);
  EXPECT_EQ(y2020.amendments[0].number, "国办发明电〔2020〕1号");
}

// data/calendar/testdata/vectors.csv is the specification: every line must hold.
TEST(CalendarFilesTest, GoldenVectors) {
  Calendar cal = RealCalendar();
  std::ifstream in(std::string(XN_TEST_DATA_DIR) + "/data/calendar/testdata/vectors.csv");
  ASSERT_TRUE(in) << "vectors.csv missing";
  std::string line;
  int line_no = 0;
  int checked = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    auto f = SplitCsv(line);
    ASSERT_EQ(f.size(), 4u) << "vectors.csv:" << line_no;
    auto a = ParseDate(f[1]);
    ASSERT_TRUE(a.ok()) << "vectors.csv:" << line_no;
    if (f[0] == "day") {
      auto day = cal.Day(*a);
      ASSERT_TRUE(day.ok()) << "vectors.csv:" << line_no;
      EXPECT_EQ(DayKindName(day->kind), f[2]) << "vectors.csv:" << line_no << " " << line;
      EXPECT_EQ(day->name, f[3]) << "vectors.csv:" << line_no << " " << line;
    } else if (f[0] == "add") {
      auto r = cal.AddWorkingDays(*a, WorkingDays(std::stoi(f[2])));
      ASSERT_TRUE(r.ok()) << "vectors.csv:" << line_no;
      EXPECT_EQ(FormatDate(r->date), f[3]) << "vectors.csv:" << line_no << " " << line;
    } else if (f[0] == "between") {
      auto b = ParseDate(f[2]);
      ASSERT_TRUE(b.ok()) << "vectors.csv:" << line_no;
      auto r = cal.WorkingDaysBetween(*a, *b);
      ASSERT_TRUE(r.ok()) << "vectors.csv:" << line_no;
      EXPECT_EQ(r->days.count, std::stoi(f[3])) << "vectors.csv:" << line_no << " " << line;
    } else {
      ADD_FAILURE() << "vectors.csv:" << line_no << ": unknown record " << f[0];
    }
    ++checked;
  }
  EXPECT_GT(checked, 300);
}

TEST(CalendarFilesTest, CrossYearNewYearBlocks) {
  Calendar cal = RealCalendar();
  // The 2019 notice starts 元旦 on 2018-12-30 and makes 2018-12-29 a working Saturday.
  auto sat = cal.Day(*ParseDate("2018-12-29"));
  ASSERT_TRUE(sat.ok());
  EXPECT_EQ(sat->kind, DayKind::kMakeupWorkday);
  EXPECT_EQ(sat->name, "元旦");
  auto mon = cal.Day(*ParseDate("2018-12-31"));
  ASSERT_TRUE(mon.ok());
  EXPECT_EQ(mon->kind, DayKind::kHoliday);
  // 2007 is outside the data.
  EXPECT_FALSE(cal.Day(*ParseDate("2007-12-31")).ok());
}

constexpr const char* kGood = R"(year = 2030

[notice]
title = "国务院办公厅关于2030年部分节假日安排的通知"

[[holidays]]
name = "元旦"
first = 2030-01-01
last = 2030-01-01

[[holidays]]
name = "春节"
first = 2030-02-02
last = 2030-02-09

[[makeup_workdays]]
date = 2030-01-26
holiday = "春节"
)";

TEST(CalendarFilesTest, ParsesAGoodFile) {
  auto y = ParseCalendarFile(kGood, "dir/2030.toml");
  ASSERT_TRUE(y.ok()) << y.error().message;
  EXPECT_EQ(y->year, 2030);
  ASSERT_EQ(y->holidays.size(), 2u);
  EXPECT_EQ(FormatDate(y->holidays[1].last), "2030-02-09");
  ASSERT_EQ(y->makeup_workdays.size(), 1u);
}

TEST(CalendarFilesTest, RejectsMalformedFiles) {
  auto replace = [](std::string text, const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  };
  struct Case {
    std::string text;
    std::string path;
    std::string message;  // the expected "path:line: ..." prefix and words
  };
  const std::string g = kGood;
  const Case cases[] = {
      {replace(g, "last = 2030-02-09", "last = 2030-02-"), "d/2030.toml", "d/2030.toml:14:"},
      {replace(g, "year = 2030", "year = 2031"), "d/2030.toml",
       "d/2030.toml:1: year = 2031 but the file is named 2030.toml"},
      {replace(g, "first = 2030-02-02", "first = 2031-02-02"), "d/2030.toml",
       "d/2030.toml:13: 春节: 2031-02-02 is not in 2030"},
      {replace(g, "first = 2030-02-02", "first = 2029-12-31"), "d/2030.toml",
       "d/2030.toml:13: 春节: 2029-12-31 is not in 2030"},
      {replace(g, "first = 2030-02-02", "first = 2030-01-01"), "d/2030.toml",
       "d/2030.toml:13: 春节 2030-01-01 overlaps or precedes 元旦"},
      {replace(g, "last = 2030-02-09", "last = 2030-02-01"), "d/2030.toml",
       "d/2030.toml:14: 春节: last (2030-02-01) is before first (2030-02-02)"},
      {replace(g, "date = 2030-01-26", "date = 2030-01-28"), "d/2030.toml",
       "d/2030.toml:17: make-up workday 2030-01-28 is not a Saturday or Sunday"},
      {replace(g, "date = 2030-01-26", "date = 2030-02-09"), "d/2030.toml",
       "d/2030.toml:17: make-up workday 2030-02-09 lies inside the holiday block 春节"},
      {replace(g, "holiday = \"春节\"", "holiday = \"清明节\""), "d/2030.toml",
       "d/2030.toml:16: make-up workday 2030-01-26 names no holiday block of this file"},
      {replace(g, "first = 2030-02-02", "first = \"2030-02-02\""), "d/2030.toml",
       "d/2030.toml:13: 'first' must be a TOML date"},
      {replace(g, "first = 2030-02-02", "frist = 2030-02-02"), "d/2030.toml",
       "d/2030.toml:13: unknown key 'frist' in [[holidays]]"},
      {replace(g, "[notice]\ntitle", "[notice]\nname"), "d/2030.toml",
       "d/2030.toml:4: unknown key 'name' in [notice]"},
      {replace(g, "last = 2030-01-01", "last = 2030-02-30"), "d/2030.toml", "d/2030.toml:9:"},
  };
  for (const Case& c : cases) {
    auto y = ParseCalendarFile(c.text, c.path);
    ASSERT_FALSE(y.ok()) << c.message;
    EXPECT_EQ(y.error().code, "calendar.bad_file");
    EXPECT_EQ(y.error().message.substr(0, c.message.size()), c.message)
        << "got: " << y.error().message;
  }
}

TEST(CalendarFilesTest, MissingDirectory) {
  auto r = LoadCalendarDir(kCalendarDir + "/no-such-dir");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "calendar.no_data");
}

}  // namespace
}  // namespace xn::calendar
