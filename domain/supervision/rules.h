// Supervision rules as data (电子监察规则): the rule language, its parser and validator, and the
// pure evaluator the supervision engine calls.
//
// A rule set is text that an admin edits and versions (data/rules/builtin.rules is the built-in
// set; docs/rules.md is the language reference). Each rule has an id (ES-08), a Chinese name and
// legal basis, a level (reminder, yellow, red), a target (case, step, complaint,
// supervision_order), an enabled flag, a message template, and either
//   - `on` event kinds: an *event rule*, looked at when an event of one of those kinds is
//     appended (or replayed), with conditions on the event's fields, on the case's facts and on
//     counts of events in a window; or
//   - `at` a moment: a *time rule*, with a moment computed from the item's deadlines and instants
//     (at a deadline, N working days before or after it, when a share of a limit has elapsed),
//     and conditions on the item's facts (state in (...)).
//
// Evaluation is pure and deterministic: it never reads a clock; the time comes in as data. It is
// allocation-free until a rule fires (the explanation and the message are only built then), and
// an event of a kind a rule does not listen to costs one comparison per listened kind.
//
// Field values are text (a flat name → value map, as events carry them). A value that is a whole
// integer compares as a number; instants are Unix milliseconds (fields named *_ms).
//
// Thread-safety: a RuleSet and its Rules are immutable after parsing; every const method and
// free function is safe to call from any number of threads.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/calendar/calendar.h"
#include "domain/cases/case.h"
#include "domain/catalog/catalog.h"
#include "domain/common/clock.h"
#include "domain/common/result.h"

namespace xn::supervision {

// ---------------------------------------------------------------------------------------------
// Words of the language

// The alert level of a rule, the rungs of the supervision ladder (DOMAIN.md).
enum class AlertLevel : uint8_t { kReminder, kYellow, kRed };
std::string_view AlertLevelName(AlertLevel l);   // "reminder", "yellow", "red"
std::string_view AlertLevelTitle(AlertLevel l);  // "提醒", "黄牌", "红牌"
std::optional<AlertLevel> ParseAlertLevel(std::string_view name);

// What a rule watches: the item an alert is about.
enum class Target : uint8_t { kCase, kStep, kComplaint, kSupervisionOrder };
std::string_view TargetName(Target t);   // "case", "step", "complaint", "supervision_order"
std::string_view TargetTitle(Target t);  // "办件", "办理环节", "效能投诉", "督办单"
std::optional<Target> ParseTarget(std::string_view name);

// The time limits a time rule can be anchored on. Each is a deadline with its limit.
enum class ClockId : uint8_t {
  kStatutory,     // 法定时限 of a case
  kPromised,      // 承诺时限 of a case
  kStep,          // a step's own limit (target step)
  kVerification,  // 承诺核查期限: commitment handling's verification deadline
  kOrder,         // 督办期限 of a supervision order (target supervision_order)
  kComplaint,     // 投诉办理期限 of a complaint (target complaint)
  kReport,        // 上报期限: when the item must have reached the upper level (three-level network)
};
inline constexpr size_t kClockCount = 7;
std::string_view ClockIdName(ClockId c);   // "statutory", "promised", "step", ...
std::string_view ClockIdTitle(ClockId c);  // "法定时限", "承诺时限", "环节时限", ...

// The instants a time rule can be anchored on.
enum class InstantId : uint8_t {
  kSubmission,  // 收件: the case was submitted (or the complaint received, the order issued)
  kAcceptance,  // 受理
  kConclusion,  // 办结
  kPause,       // the start of the current pause (correction request, special procedure)
};
inline constexpr size_t kInstantCount = 4;
std::string_view InstantIdName(InstantId i);   // "submission", "acceptance", ...
std::string_view InstantIdTitle(InstantId i);  // "收件时间", "受理时间", "办结时间", "暂停开始时间"

// ---------------------------------------------------------------------------------------------
// Facts

// A flat, read-only view of named text values: an event's fields, or the facts of a case, step,
// complaint or supervision order. An absent name and an empty value are both "missing" to the
// rules. Implementations must be cheap to query (the evaluator looks names up directly, without
// copying).
class Fields {
 public:
  virtual ~Fields() = default;
  // The value of NAME, or nullopt if absent. The view stays valid while the Fields lives.
  virtual std::optional<std::string_view> Find(std::string_view name) const = 0;
};

// Owned fields, for facts assembled by the caller (CaseFacts) and for tests.
class FieldMap final : public Fields {
 public:
  FieldMap() = default;
  FieldMap(std::initializer_list<std::pair<const std::string, std::string>> init)
      : values_(init) {}
  std::optional<std::string_view> Find(std::string_view name) const override;
  FieldMap& Set(std::string name, std::string value) {
    values_[std::move(name)] = std::move(value);
    return *this;
  }
  void Erase(std::string_view name);
  const std::map<std::string, std::string, std::less<>>& values() const { return values_; }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// A borrowed view of a std::map<std::string, std::string> (an Outcome's event_data, case data).
// REQUIRES: the map outlives the view.
class MapView final : public Fields {
 public:
  explicit MapView(const std::map<std::string, std::string>& m) : map_(m) {}
  std::optional<std::string_view> Find(std::string_view name) const override;

 private:
  const std::map<std::string, std::string>& map_;
};

// No fields at all.
class NoFields final : public Fields {
 public:
  std::optional<std::string_view> Find(std::string_view) const override { return std::nullopt; }
};

// An event as an event rule sees it. The case facts that go with it are those of the case
// *after* the event (the state the store holds once the event is appended).
struct Event {
  std::string_view kind;  // "case.declined", ...
  Instant at;
  const Fields& fields;   // the event's data, flattened
};

// A time limit of an item, as a time rule sees it.
struct ClockFacts {
  Instant deadline;  // meaningful while running; ignored while paused
  int32_t limit = 0;  // length of the limit in `unit`, extensions included; 0 if unknown
  catalog::LimitUnit unit = catalog::LimitUnit::kWorkingDays;
  bool paused = false;
  bool provisional = false;  // the deadline depends on a year without a holiday notice
  // The instant the clock started, when the deadline was computed from it directly (no pause,
  // no extension since): lets an explanation say "受理 … 后 5 个工作日". Optional.
  std::optional<Instant> started;
};

// The facts a time rule reads about one item: its clocks and instants (typed, so that moments
// are computed without parsing) and its fields (for conditions and the message). For a step,
// `fields` are the step's and `case_fields` the case's; for a case both are the case's.
struct TimeFacts {
  std::array<std::optional<ClockFacts>, kClockCount> clocks;
  std::array<std::optional<Instant>, kInstantCount> instants;
  const Fields* fields = nullptr;       // null: no fields
  const Fields* case_fields = nullptr;  // null: same as `fields`

  void Set(ClockId c, ClockFacts f) { clocks[static_cast<size_t>(c)] = f; }
  void Set(InstantId i, Instant t) { instants[static_cast<size_t>(i)] = t; }
  const std::optional<ClockFacts>& clock(ClockId c) const {
    return clocks[static_cast<size_t>(c)];
  }
  const std::optional<Instant>& instant(InstantId i) const {
    return instants[static_cast<size_t>(i)];
  }
};

// The facts of a case as rules read them (docs/rules.md lists every name): case_id, case_no,
// matter_code, matter_name, department_id, department_code, department (the code; the caller
// may replace it with the department's name), state, channel, service_mode, applicant_kind,
// applicant_code, key_project_id, corrections, extended, decision, fee_due_fen, fee_paid_fen,
// supervised, verified, steps_done, active_steps, submitted_at_ms, accepted_at_ms,
// concluded_at_ms, delivered_at_ms, closed_at_ms, statutory_deadline_ms, promised_deadline_ms
// (absent while the clock is paused), statutory_paused, promised_paused, statutory_limit,
// promised_limit, limit_unit, verification_deadline_ms. Absent values are left out.
FieldMap CaseFacts(const cases::Case& c);
// The fields of an active step: step_id, step_name, step_department_code, step_roles,
// step_started_at_ms, step_deadline_ms, step_limit, step_limit_unit.
FieldMap StepFacts(const cases::ActiveStep& s);
// The clocks and instants of a case (statutory, promised, verification; submission, acceptance,
// conclusion, pause). FIELDS (normally CaseFacts(c)) must outlive the result.
TimeFacts CaseTimeFacts(const cases::Case& c, const Fields& fields);
// The step clock of an active step. STEP_FIELDS (StepFacts(s)) and CASE_FIELDS (CaseFacts of its
// case) must outlive the result.
TimeFacts StepTimeFacts(const cases::ActiveStep& s, const Fields& step_fields,
                        const Fields& case_fields);

// ---------------------------------------------------------------------------------------------
// Rules

// Where a count looks: events of the same case, department, matter or applicant. The caller
// identifies the group by the case facts case_id, department_id, matter_code, applicant_code.
enum class CountScope : uint8_t { kCase, kDepartment, kMatter, kApplicant };
std::string_view CountScopeName(CountScope s);  // "case", "department", "matter", "applicant"

// A span of time in a rule: N calendar days, working days or hours.
enum class SpanUnit : uint8_t { kDays, kWorkingDays, kHours };
struct Span {
  int32_t amount = 0;
  SpanUnit unit = SpanUnit::kDays;
};

// One count an event rule needs: how many events of `kinds` (the one being evaluated included)
// the same `scope` has had, at or after WindowStart(window, event.at) and at or before the
// event; all of them if there is no window.
struct CountSpec {
  size_t index = 0;  // position among the rule's counts()
  std::vector<std::string> kinds;
  CountScope scope = CountScope::kCase;
  std::optional<Span> window;
  std::string text;  // as written, e.g. "count(case.declined per department within 30 days)"
};

// The start of a count window ending at AT: AT minus N×24 h (days), minus N hours (hours), or
// the same time of day N working days before AT's day (working days).
// Errors: the calendar's (kOutOfRange "calendar.out_of_range").
Result<Instant> WindowStart(const Span& window, Instant at, const calendar::Calendar& cal);

// Supplies the counts an event rule asks for. Called only for counts a condition actually
// reaches (and/or short-circuit), at most once per count per evaluation.
class CountSource {
 public:
  virtual ~CountSource() = default;
  virtual Result<int64_t> Count(const CountSpec& spec) const = 0;
};

// The moment of a time rule: `at` ANCHOR, or N units before/after it, or P% of a clock's limit.
struct TimeSpec {
  enum class Kind : uint8_t { kAt, kBefore, kAfter, kShare };
  Kind kind = Kind::kAt;
  bool anchor_is_clock = true;
  ClockId clock = ClockId::kPromised;        // when anchor_is_clock (and always for kShare)
  InstantId instant = InstantId::kSubmission;  // when !anchor_is_clock
  Span offset;           // kBefore / kAfter
  int32_t percent = 0;   // kShare: 1..100
};

namespace internal {
struct Node;
struct Operand;
}  // namespace internal

class RuleSet;

// One parsed rule. Build with ParseRules().
class Rule {
 public:
  const std::string& id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& basis() const { return basis_; }
  AlertLevel level() const { return level_; }
  Target target() const { return target_; }
  bool enabled() const { return enabled_; }
  const std::string& note() const { return note_; }
  const std::string& message() const { return message_; }
  // The comment lines before the rule and inside it, as written ("# ..."); an empty entry is a
  // blank line between two comment blocks.
  const std::vector<std::string>& comments() const { return comments_; }
  int line() const { return line_; }  // where `rule` stands in the source

  bool is_event_rule() const { return !kinds_.empty(); }
  bool is_time_rule() const { return time_.has_value(); }
  // Event rules: the kinds listened to.
  const std::vector<std::string>& event_kinds() const { return kinds_; }
  // True if this event rule listens to KIND (one string comparison per listened kind).
  bool ListensTo(std::string_view kind) const;
  // Event rules: the counts the conditions may ask for, in order of index.
  const std::vector<CountSpec>& counts() const { return counts_; }
  // Time rules: the moment.
  const std::optional<TimeSpec>& time() const { return time_; }
  // The `when` lines as written.
  const std::vector<std::string>& conditions() const { return when_text_; }

  Rule();
  ~Rule();
  Rule(const Rule&);
  Rule(Rule&&) noexcept;
  Rule& operator=(const Rule&);
  Rule& operator=(Rule&&) noexcept;

 private:
  friend class RuleParser;
  friend struct Evaluator;
  friend Result<RuleSet> ParseRules(std::string_view text);

  std::string id_, name_, basis_, note_, message_;
  AlertLevel level_ = AlertLevel::kReminder;
  Target target_ = Target::kCase;
  bool enabled_ = true;
  std::vector<std::string> comments_;
  int line_ = 0;
  std::vector<std::string> kinds_;
  std::optional<TimeSpec> time_;
  std::vector<CountSpec> counts_;
  std::vector<std::string> when_text_;
  std::vector<internal::Node> nodes_;
  int32_t root_ = -1;  // -1: no condition (always true)
};

// A parsed rule set, in source order, with an index from event kind to the enabled event rules.
class RuleSet {
 public:
  const std::vector<Rule>& rules() const { return rules_; }
  // The rule with ID, or null.
  const Rule* Find(std::string_view id) const;
  // The enabled event rules listening to KIND (indexes into rules()), in source order.
  std::span<const uint32_t> EventRulesFor(std::string_view kind) const;
  // The enabled time rules with TARGET (indexes into rules()), in source order.
  std::span<const uint32_t> TimeRulesFor(Target target) const;
  // Comment lines after the last rule.
  const std::vector<std::string>& trailing_comments() const { return trailing_comments_; }

  // The set as canonical text: comments kept (each rule's before its `rule` line), keys in a
  // fixed order and aligned, one blank line between rules, conditions as written.
  // ParseRules(Serialize()) yields an equal set, and serializing that gives the same text.
  std::string Serialize() const;

 private:
  friend Result<RuleSet> ParseRules(std::string_view text);
  std::vector<Rule> rules_;
  std::vector<std::string> trailing_comments_;
  std::map<std::string, std::vector<uint32_t>, std::less<>> by_kind_;
  std::array<std::vector<uint32_t>, 4> by_target_;
};

// Parses and validates a rule set (docs/rules.md). Errors: kInvalidArgument with
// field = "line N" (the offending line, 1-based) and a Chinese message starting 「第 N 行：」;
// codes "rules.syntax" (a line or condition that does not parse), "rules.unknown_keyword",
// "rules.duplicate" (a key given twice, or a rule id used twice), "rules.missing" (a required
// key absent; the line is the rule's `rule` line), "rules.value" (a bad level, target, number,
// anchor...), "rules.unknown_field" and "rules.unknown_kind" (an enabled rule reading a field or
// event kind that no case event or fact carries), "rules.too_large" (text over kMaxTextBytes, a
// line over kMaxLineBytes, more than kMaxRules rules).
inline constexpr size_t kMaxTextBytes = 1 << 20;
inline constexpr size_t kMaxLineBytes = 4096;
inline constexpr size_t kMaxRules = 1000;
Result<RuleSet> ParseRules(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Evaluation

// What an event rule found.
struct EventVerdict {
  bool fires = false;
  // Filled only when it fires: the facts used, in Chinese (e.g. "事件 case.fee_collected
  // （2026-03-02 10:00）：amount_fen = 1500 > standard_fen = 1000"), and the rendered message.
  std::string explanation;
  std::string message;
};

// Evaluates event rule RULE on EVENT. CASE_FACTS are the case's facts after the event (NoFields
// if there is no case). COUNTS supplies counts (may be null if the rule has none); CAL is needed
// only by conditions that count working days (working_days_since) and may be null otherwise.
// A disabled rule, a time rule, or an event of a kind the rule does not listen to does not fire.
// Errors: kFailedPrecondition "rules.needs_counts" / "rules.needs_calendar" when the rule needs
// what was not given; the count source's and the calendar's errors.
Result<EventVerdict> EvaluateEvent(const Rule& rule, const Event& event, const Fields& case_facts,
                                   const CountSource* counts = nullptr,
                                   const calendar::Calendar* cal = nullptr);

// The moment of a time rule for one item.
struct Moment {
  Instant at;
  bool provisional = false;  // depends on a calendar year without a State Council notice
};

// The moment at which time rule RULE must be looked at for the item described by FACTS, computed
// from the facts alone (never from the current time), or nullopt when there is none: a disabled
// or event rule, an anchor the item does not have (not accepted yet, not concluded), a paused
// clock, a share of a limit of unknown length, or conditions that do not hold for the facts
// (e.g. the case is concluded). The moment may lie in the past: the engine raises it at once
// (AlertKey makes that idempotent). It changes only when the facts change.
// Errors: the calendar's (kOutOfRange "calendar.out_of_range").
Result<std::optional<Moment>> NextMoment(const Rule& rule, const TimeFacts& facts,
                                         const calendar::Calendar& cal);

// What a time rule found.
struct TimeVerdict {
  bool fires = false;
  std::optional<Moment> moment;  // as NextMoment
  // Filled only when it fires: the deadline arithmetic (e.g. "承诺时限 2026-12-03 24:00（受理
  // 2026-11-26 10:00 后 5 个工作日，跳过 2026-11-28 至 2026-11-29 周末）；检查时刻 = 承诺时限前
  // 1 个工作日 = 2026-12-02 24:00；…"), and the rendered message.
  std::string explanation;
  std::string message;
};

// Evaluates time rule RULE at NOW: it fires when NextMoment() exists and NOW is at or after it.
// Errors: as NextMoment.
Result<TimeVerdict> EvaluateTime(const Rule& rule, const TimeFacts& facts,
                                 const calendar::Calendar& cal, Instant now);

// The identity of an alert: the engine raises one per rule, item and moment. ITEM names the
// watched item ("case:42", "case:42/step:review", "complaint:7", "supervision_order:3"); MOMENT
// is the time rule's moment, or the event's instant for an event rule.
struct AlertKey {
  std::string rule_id;
  std::string item;
  Instant moment;

  // "ES-08|case:42|1764777600000" (the moment in Unix milliseconds).
  std::string ToString() const;
  friend bool operator==(const AlertKey&, const AlertKey&) = default;
};
AlertKey MakeAlertKey(const Rule& rule, std::string_view item, Instant moment);

// "2026-12-02 24:00" for an instant at the end of a day (Asia/Shanghai), otherwise
// "2026-12-02 10:30": the form explanations and messages use.
std::string FormatMoment(Instant t);

}  // namespace xn::supervision
