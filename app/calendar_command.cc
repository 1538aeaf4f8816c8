// `xiaoneng calendar day|add-workdays|between`: the working-day calendar from the command line.
// The output is a contract other tools script against (docs/calendar.md, "Command line").
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/commands.h"
#include "domain/calendar/calendar.h"
#include "store/calendar/calendar_files.h"

namespace xn::app {
namespace {

using calendar::Calendar;
using calendar::Date;
using calendar::DayInfo;
using calendar::WorkingDays;

constexpr int kExitData = 1;   // the calendar files could not be loaded
constexpr int kExitInput = 2;  // a malformed or out-of-range argument
constexpr size_t kOutputBuffer = 1 << 20;
constexpr size_t kInputChunk = 1 << 20;

struct CalendarFlags {
  std::string dir;
  bool provisional = false;
  bool batch = false;
  std::string date;
  std::string to;
  std::string n;
};

void PrintError(std::string_view message) {
  std::fprintf(stderr, "xiaoneng calendar: %.*s\n", static_cast<int>(message.size()),
               message.data());
}

// Loads the calendar files, or prints why not.
std::unique_ptr<const Calendar> LoadCalendar(const CalendarFlags& flags) {
  auto years = calendar::LoadCalendarDir(flags.dir);
  if (!years.ok()) {
    PrintError(years.error().message);
    return nullptr;
  }
  calendar::CalendarOptions options;
  options.allow_provisional = flags.provisional;
  auto built = Calendar::Build(std::move(years).value(), {}, options);
  if (!built.ok()) {
    PrintError(built.error().message);
    return nullptr;
  }
  return std::make_unique<const Calendar>(std::move(built).value());
}

// Buffered stdout: answers are appended and written in large blocks.
class Output {
 public:
  Output() { buf_.reserve(kOutputBuffer); }
  ~Output() { Flush(); }
  void Append(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= kOutputBuffer - 256) Flush();
  }
  void AppendDate(Date d) {
    char text[10];
    calendar::FormatDateTo(d, text);
    Append(std::string_view(text, 10));
  }
  void Flush() {
    if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), stdout);
    buf_.clear();
    std::fflush(stdout);
  }

 private:
  std::string buf_;
};

// Notes once on stderr that an answer is provisional.
class ProvisionalNote {
 public:
  void Seen(bool provisional) {
    if (!provisional || noted_) return;
    noted_ = true;
    PrintError(
        "note: provisional answer: a year involved has no holiday notice loaded, so only "
        "weekends and the fixed-date holidays (元旦, 劳动节, 国庆节) are known");
  }

 private:
  bool noted_ = false;
};

void AppendDay(Output& out, const DayInfo& day) {
  out.Append(calendar::DayKindName(day.kind));
  if (!day.name.empty()) {
    out.Append(" ");
    out.Append(day.name);
  }
  out.Append("\n");
}

Result<int32_t> ParseCount(std::string_view text) {
  int32_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "calendar.bad_count",
                     "not a whole number of working days: '" + std::string(text) + "'", "n");
  }
  return n;
}

// One answer: `day DATE` or `add-workdays DATE N`. Appends the answer line or returns the error.
Status AnswerDay(const Calendar& cal, std::string_view date, Output& out, ProvisionalNote& note) {
  auto d = calendar::ParseDate(date);
  if (!d.ok()) return d.error();
  auto day = cal.Day(*d);
  if (!day.ok()) return day.error();
  note.Seen(day->provisional);
  AppendDay(out, *day);
  return Ok();
}

Status AnswerAdd(const Calendar& cal, std::string_view date, std::string_view n, Output& out,
                 ProvisionalNote& note) {
  auto d = calendar::ParseDate(date);
  if (!d.ok()) return d.error();
  auto count = ParseCount(n);
  if (!count.ok()) return count.error();
  auto r = cal.AddWorkingDays(*d, WorkingDays(*count));
  if (!r.ok()) return r.error();
  note.Seen(r->provisional);
  out.AppendDate(r->date);
  out.Append("\n");
  return Ok();
}

// Splits a batch line into whitespace-separated fields.
void Fields(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
}

// Batch mode: one question per stdin line, one answer per stdout line. Stops at the first bad
// line, after flushing the answers before it.
int RunBatch(const Calendar& cal, bool add_workdays) {
  Output out;
  ProvisionalNote note;
  std::string pending;
  std::vector<char> chunk(kInputChunk);
  std::vector<std::string_view> fields;
  uint64_t line_no = 0;

  auto answer = [&](std::string_view line) -> bool {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    Fields(line, fields);
    Status s = Ok();
    const size_t want = add_workdays ? 2 : 1;
    if (fields.size() != want) {
      s = MakeError(ErrorCode::kInvalidArgument, "calendar.bad_line",
                    add_workdays ? "expected 'DATE N'" : "expected 'DATE'");
    } else if (add_workdays) {
      s = AnswerAdd(cal, fields[0], fields[1], out, note);
    } else {
      s = AnswerDay(cal, fields[0], out, note);
    }
    if (s.ok()) return true;
    out.Flush();
    PrintError("line " + std::to_string(line_no) + ": " + s.error().message);
    return false;
  };

  while (true) {
    size_t got = std::fread(chunk.data(), 1, chunk.size(), stdin);
    if (got == 0) break;
    std::string_view data(chunk.data(), got);
    size_t start = 0;
    while (true) {
      size_t nl = data.find('\n', start);
      if (nl == std::string_view::npos) break;
      std::string_view line = data.substr(start, nl - start);
      if (!pending.empty()) {
        pending.append(line);
        line = pending;
      }
      bool ok = answer(line);
      pending.clear();
      if (!ok) return kExitInput;
      start = nl + 1;
    }
    pending.append(data.substr(start));
  }
  if (!pending.empty() && !answer(pending)) return kExitInput;
  return 0;
}

int RunDay(const CalendarFlags& flags) {
  auto cal = LoadCalendar(flags);
  if (!cal) return kExitData;
  if (flags.batch) return RunBatch(*cal, /*add_workdays=*/false);
  if (flags.date.empty()) {
    PrintError("day: a DATE is required (or --batch)");
    return kExitInput;
  }
  Output out;
  ProvisionalNote note;
  if (Status s = AnswerDay(*cal, flags.date, out, note); !s.ok()) {
    PrintError(s.error().message);
    return kExitInput;
  }
  return 0;
}

int RunAddWorkdays(const CalendarFlags& flags) {
  auto cal = LoadCalendar(flags);
  if (!cal) return kExitData;
  if (flags.batch) return RunBatch(*cal, /*add_workdays=*/true);
  if (flags.date.empty() || flags.n.empty()) {
    PrintError("add-workdays: DATE and N are required (or --batch)");
    return kExitInput;
  }
  Output out;
  ProvisionalNote note;
  if (Status s = AnswerAdd(*cal, flags.date, flags.n, out, note); !s.ok()) {
    PrintError(s.error().message);
    return kExitInput;
  }
  return 0;
}

int RunBetween(const CalendarFlags& flags) {
  auto cal = LoadCalendar(flags);
  if (!cal) return kExitData;
  auto from = calendar::ParseDate(flags.date);
  if (!from.ok()) {
    PrintError(from.error().message);
    return kExitInput;
  }
  auto to = calendar::ParseDate(flags.to);
  if (!to.ok()) {
    PrintError(to.error().message);
    return kExitInput;
  }
  auto r = cal->WorkingDaysBetween(*from, *to);
  if (!r.ok()) {
    PrintError(r.error().message);
    return kExitInput;
  }
  ProvisionalNote note;
  note.Seen(r->provisional);
  std::printf("%d\n", r->days.count);
  return 0;
}

}  // namespace

void AddCalendarCommand(CLI::App& root, int& exit_code) {
  auto flags = std::make_shared<CalendarFlags>();
  flags->dir = DefaultCalendarDir();

  CLI::App* cal = root.add_subcommand("calendar", "The working-day calendar (docs/calendar.md)");
  cal->require_subcommand(1);
  cal->add_option("--calendar-dir", flags->dir, "Directory of the YYYY.toml calendar files")
      ->capture_default_str();
  cal->add_flag("--provisional", flags->provisional,
                "Answer for years without a notice (weekends and fixed-date holidays only)");

  CLI::App* day = cal->add_subcommand(
      "day", "Print the kind of DATE: workday, weekend, holiday NAME or makeup-workday NAME");
  day->fallthrough();
  day->add_option("date", flags->date, "YYYY-MM-DD");
  day->add_flag("--batch", flags->batch, "Read one DATE per stdin line, answer one per line");
  day->callback([flags, &exit_code] { exit_code = RunDay(*flags); });

  CLI::App* add = cal->add_subcommand(
      "add-workdays", "Print the N-th working day after DATE (DATE not counted; N=0: DATE or "
                      "the next working day)");
  add->fallthrough();
  add->add_option("date", flags->date, "YYYY-MM-DD");
  add->add_option("n", flags->n, "Working days (may be negative)");
  add->add_flag("--batch", flags->batch, "Read 'DATE N' per stdin line, answer one per line");
  add->callback([flags, &exit_code] { exit_code = RunAddWorkdays(*flags); });

  CLI::App* between = cal->add_subcommand(
      "between", "Print the working days after FROM up to and including TO (negative if TO < FROM)");
  between->fallthrough();
  between->add_option("from", flags->date, "YYYY-MM-DD")->required();
  between->add_option("to", flags->to, "YYYY-MM-DD")->required();
  between->callback([flags, &exit_code] { exit_code = RunBetween(*flags); });
}

}  // namespace xn::app
