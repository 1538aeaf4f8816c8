// LegalClock: one time limit of a case (statutory or promised), started at acceptance, paused
// during correction requests and special procedures, extended with an approval record.
//
// The deadline is computed when the clock starts, resumes or is extended, and stored; queries
// never recompute calendars (DESIGN.md "Truth and time"). The rules (Administrative Licensing
// Law art. 42, 45 and 82; docs/cases.md "Deadlines"):
//   - working days: the day the clock starts is not counted; the deadline is the end (24:00,
//     Asia/Shanghai) of the N-th working day after it. Make-up workdays count; holidays do not.
//   - calendar days: the end of the N-th day after the start day.
//   - hours: the start instant plus N hours.
//   - a pause on day P keeps the working days after P up to and including the deadline day as
//     "remaining"; on resumption on day R, the new deadline is the end of the remaining-th
//     working day after R (R itself is not counted; if nothing remained, R or the next working
//     day). Calendar days and hours keep their remaining span the same way.
//   - an extension adds N units to the deadline (from the current deadline day).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/calendar/calendar.h"
#include "domain/catalog/catalog.h"
#include "domain/common/clock.h"

namespace xn::cases {

struct ClockEntry {
  enum class Kind { kStart, kPause, kResume, kExtend };
  Kind kind = Kind::kStart;
  Instant at;
  int32_t amount = 0;  // kExtend: units added
  std::string reason;  // kPause: why (correction request, hearing...); kExtend: approval record
};

struct LegalClock {
  catalog::TimeLimit limit;
  std::vector<ClockEntry> log;
  Instant deadline;           // valid when started and not paused
  bool paused = false;
  int64_t remaining = 0;      // while paused: working days, calendar days, or minutes
  bool provisional = false;   // the deadline depends on a year without a holiday notice
  int32_t extended = 0;       // units added by extensions

  bool started() const { return !log.empty(); }
};

// Starts a clock at AT. Errors: the calendar's (kOutOfRange "calendar.out_of_range").
Result<LegalClock> StartClock(const calendar::Calendar& cal, const catalog::TimeLimit& limit,
                              Instant at);
// Pauses a running clock. Errors: kFailedPrecondition "case.clock_paused" if already paused.
Result<LegalClock> PauseClock(const calendar::Calendar& cal, LegalClock clock, Instant at,
                              std::string reason);
// Resumes a paused clock. Errors: kFailedPrecondition "case.clock_running" if not paused.
Result<LegalClock> ResumeClock(const calendar::Calendar& cal, LegalClock clock, Instant at);
// Adds AMOUNT units. Errors: kFailedPrecondition "case.clock_paused" while paused.
Result<LegalClock> ExtendClock(const calendar::Calendar& cal, LegalClock clock, int32_t amount,
                               Instant at, std::string approval);

// The end (24:00 Asia/Shanghai) of DATE, as an instant.
Instant EndOfDay(calendar::Date date);

// One day of a deadline's explanation.
struct ExplainedDay {
  calendar::Date date;
  calendar::DayKind kind = calendar::DayKind::kWorkday;
  std::string name;     // holiday or make-up workday name
  bool counted = false;  // counted toward the limit
  bool paused = false;   // inside a pause
  int32_t ordinal = 0;   // for counted days: 1, 2, 3... (the N-th working day)
};

struct Explanation {
  std::vector<ExplainedDay> days;  // from the start day to the deadline day (or today if paused)
  std::vector<std::string> notes;  // one line per start, pause, resume and extension (Chinese)
};

// Explains a working-day or calendar-day clock day by day, up to its deadline (or, while
// paused, up to NOW). Hours clocks get notes only.
Result<Explanation> ExplainClock(const calendar::Calendar& cal, const LegalClock& clock,
                                 Instant now);

}  // namespace xn::cases
