#include "store/calendar/calendar_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string_view>

#include <toml++/toml.h>

namespace xn::calendar {
namespace {

namespace fs = std::filesystem;

// Thrown inside the parser and turned into a Result at its edge (STYLE.md: exceptions only at
// adapter edges).
struct FileError {
  uint32_t line;
  std::string message;
};

[[noreturn]] void Fail(const toml::source_region& where, std::string message) {
  throw FileError{where.begin.line, std::move(message)};
}

void CheckKeys(const toml::table& t, std::initializer_list<std::string_view> allowed,
               std::string_view what) {
  for (auto&& [key, value] : t) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
      Fail(key.source(), "unknown key '" + std::string(key.str()) + "' in " + std::string(what));
    }
  }
}

const toml::node& Required(const toml::table& t, std::string_view key, std::string_view what) {
  const toml::node* n = t.get(key);
  if (n == nullptr) Fail(t.source(), std::string(what) + " has no '" + std::string(key) + "'");
  return *n;
}

std::string String(const toml::node& n, std::string_view key) {
  const auto* s = n.as_string();
  if (s == nullptr) Fail(n.source(), "'" + std::string(key) + "' must be a string");
  return s->get();
}

std::string OptionalString(const toml::table& t, std::string_view key) {
  const toml::node* n = t.get(key);
  return n == nullptr ? std::string() : String(*n, key);
}

Date ToDate(const toml::node& n, std::string_view key) {
  const auto* d = n.as_date();
  if (d == nullptr) {
    Fail(n.source(), "'" + std::string(key) + "' must be a TOML date such as 2024-02-10");
  }
  const toml::date& v = d->get();
  std::chrono::year_month_day ymd{std::chrono::year{v.year}, std::chrono::month{v.month},
                                  std::chrono::day{v.day}};
  if (!ymd.ok()) Fail(n.source(), "'" + std::string(key) + "' is not a valid date");
  return Date(ymd);
}

std::optional<Date> OptionalDate(const toml::table& t, std::string_view key) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  return ToDate(*n, key);
}

const toml::table& TableAt(const toml::node& n, std::string_view what) {
  const auto* t = n.as_table();
  if (t == nullptr) Fail(n.source(), std::string(what) + " must be a table");
  return *t;
}

Notice ReadNotice(const toml::table& t, std::string_view what) {
  CheckKeys(t, {"title", "number", "date", "url", "summary"}, what);
  Notice notice;
  notice.title = String(Required(t, "title", what), "title");
  if (notice.title.empty()) Fail(t.source(), std::string(what) + " has an empty title");
  notice.number = OptionalString(t, "number");
  notice.date = OptionalDate(t, "date");
  notice.url = OptionalString(t, "url");
  notice.summary = OptionalString(t, "summary");
  return notice;
}

// Calls fn(table) for every table of the array of tables `key`, if present.
template <typename Fn>
void ForEachTable(const toml::table& root, std::string_view key, Fn fn) {
  const toml::node* n = root.get(key);
  if (n == nullptr) return;
  const auto* arr = n->as_array();
  if (arr == nullptr) {
    Fail(n->source(), "'" + std::string(key) + "' must be an array of tables ([[" +
                          std::string(key) + "]])");
  }
  for (const toml::node& element : *arr) fn(TableAt(element, "[[" + std::string(key) + "]]"));
}

// Dates of a year file: in `year`; a 元旦 entry may also fall in December of the year before.
bool InNoticeYear(int year, Date d, bool new_year) {
  return d.Year() == year || (new_year && d.Year() == year - 1 && d.Month() == 12);
}

YearData Parse(const toml::table& root, const std::string& path) {
  CheckKeys(root, {"year", "notice", "amendments", "holidays", "makeup_workdays"}, "the file");
  YearData data;
  const toml::node& year_node = Required(root, "year", "the file");
  const auto* year = year_node.as_integer();
  if (year == nullptr || year->get() < 1900 || year->get() > 9999) {
    Fail(year_node.source(), "'year' must be an integer year such as 2024");
  }
  data.year = static_cast<int>(year->get());
  std::string stem = fs::path(path).stem().string();
  if (stem.size() == 4 && std::all_of(stem.begin(), stem.end(), ::isdigit) &&
      std::stoi(stem) != data.year) {
    Fail(year_node.source(), "year = " + std::to_string(data.year) + " but the file is named " +
                                 fs::path(path).filename().string());
  }
  data.notice = ReadNotice(TableAt(Required(root, "notice", "the file"), "[notice]"), "[notice]");
  ForEachTable(root, "amendments", [&](const toml::table& t) {
    data.amendments.push_back(ReadNotice(t, "[[amendments]]"));
  });

  std::vector<uint32_t> block_lines;
  ForEachTable(root, "holidays", [&](const toml::table& t) {
    CheckKeys(t, {"name", "first", "last"}, "[[holidays]]");
    HolidayBlock b;
    b.name = String(Required(t, "name", "[[holidays]]"), "name");
    if (b.name.empty()) Fail(t.source(), "a holiday block with an empty name");
    const toml::node& first = Required(t, "first", "[[holidays]]");
    const toml::node& last = Required(t, "last", "[[holidays]]");
    b.first = ToDate(first, "first");
    b.last = ToDate(last, "last");
    bool new_year = b.name == "元旦";
    if (!InNoticeYear(data.year, b.first, new_year)) {
      Fail(first.source(), b.name + ": " + FormatDate(b.first) + " is not in " +
                               std::to_string(data.year));
    }
    if (!InNoticeYear(data.year, b.last, new_year)) {
      Fail(last.source(), b.name + ": " + FormatDate(b.last) + " is not in " +
                              std::to_string(data.year));
    }
    if (b.last < b.first) {
      Fail(last.source(), b.name + ": last (" + FormatDate(b.last) + ") is before first (" +
                              FormatDate(b.first) + ")");
    }
    if (!data.holidays.empty()) {
      const HolidayBlock& prev = data.holidays.back();
      if (b.first <= prev.last) {
        Fail(first.source(), b.name + " " + FormatDate(b.first) + " overlaps or precedes " +
                                 prev.name + " " + FormatDate(prev.first) + ".." +
                                 FormatDate(prev.last) + " (blocks must be in date order)");
      }
    }
    data.holidays.push_back(std::move(b));
  });

  std::map<Date, uint32_t> makeup_lines;
  ForEachTable(root, "makeup_workdays", [&](const toml::table& t) {
    CheckKeys(t, {"date", "holiday"}, "[[makeup_workdays]]");
    MakeupWorkday m;
    const toml::node& date = Required(t, "date", "[[makeup_workdays]]");
    m.date = ToDate(date, "date");
    m.holiday = String(Required(t, "holiday", "[[makeup_workdays]]"), "holiday");
    const std::string what = "make-up workday " + FormatDate(m.date);
    if (!InNoticeYear(data.year, m.date, m.holiday == "元旦")) {
      Fail(date.source(), what + " is not in " + std::to_string(data.year));
    }
    if (!m.date.IsWeekend()) Fail(date.source(), what + " is not a Saturday or Sunday");
    for (const HolidayBlock& b : data.holidays) {
      if (m.date >= b.first && m.date <= b.last) {
        Fail(date.source(), what + " lies inside the holiday block " + b.name);
      }
    }
    if (std::none_of(data.holidays.begin(), data.holidays.end(),
                     [&](const HolidayBlock& b) { return b.name == m.holiday; })) {
      Fail(t.source(), what + " names no holiday block of this file: '" + m.holiday + "'");
    }
    if (!makeup_lines.emplace(m.date, date.source().begin.line).second) {
      Fail(date.source(), what + " is listed twice");
    }
    data.makeup_workdays.push_back(std::move(m));
  });
  return data;
}

Error BadFile(const std::string& path, uint32_t line, const std::string& message) {
  return MakeError(ErrorCode::kInvalidArgument, "calendar.bad_file",
                   path + ":" + std::to_string(line) + ": " + message);
}

}  // namespace

Result<YearData> ParseCalendarFile(const std::string& text, const std::string& path) {
  try {
    toml::table root = toml::parse(text, path);
    return Parse(root, path);
  } catch (const toml::parse_error& e) {
    return BadFile(path, e.source().begin.line, std::string(e.description()));
  } catch (const FileError& e) {
    return BadFile(path, e.line, e.message);
  }
}

Result<YearData> LoadCalendarFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kNotFound, "calendar.no_data", "cannot read " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseCalendarFile(text.str(), path);
}

Result<std::vector<YearData>> LoadCalendarDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return MakeError(ErrorCode::kNotFound, "calendar.no_data",
                     "calendar directory not found: " + dir);
  }
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (name.size() == 9 && name.ends_with(".toml") &&
        std::all_of(name.begin(), name.begin() + 4, ::isdigit)) {
      files.push_back(e.path());
    }
  }
  if (ec) {
    return MakeError(ErrorCode::kNotFound, "calendar.no_data",
                     "cannot list " + dir + ": " + ec.message());
  }
  if (files.empty()) {
    return MakeError(ErrorCode::kNotFound, "calendar.no_data",
                     "no YYYY.toml calendar file in " + dir);
  }
  std::sort(files.begin(), files.end());
  std::vector<YearData> years;
  for (const fs::path& p : files) {
    Result<YearData> y = LoadCalendarFile(p.string());
    if (!y.ok()) return y.error();
    years.push_back(std::move(y).value());
  }
  return years;
}

}  // namespace xn::calendar
