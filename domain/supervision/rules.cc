#include "domain/supervision/rules.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <utility>

namespace xn::supervision {

namespace internal {

// Where a field reference reads.
enum class Source : uint8_t {
  kEvent,      // the event's fields (event rules: bare names and `event.`)
  kEventKind,  // `event.kind`
  kEventAt,    // `event.at` (Unix milliseconds)
  kItem,       // the item's facts (time rules: bare names and `<target>.`)
  kCase,       // the case's facts (`case.`)
};

enum class OperandKind : uint8_t { kLiteral, kField, kCount, kSince };
enum class SinceUnit : uint8_t { kWorkingDays, kDays, kHours, kMinutes };

struct Operand {
  OperandKind kind = OperandKind::kLiteral;
  Source source = Source::kItem;
  SinceUnit since = SinceUnit::kDays;
  std::string name;  // kField/kSince: the field (no prefix); kLiteral: the text
  std::string text;  // as written
  std::optional<int64_t> number;  // kLiteral: the text as a whole integer
  size_t count = 0;  // kCount: index into the rule's counts
};

enum class NodeOp : uint8_t { kAnd, kOr, kNot, kExists, kMissing, kCompare, kIn, kNotIn };
enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

struct Node {
  NodeOp op = NodeOp::kAnd;
  CompareOp cmp = CompareOp::kEq;
  std::vector<int32_t> kids;  // kAnd, kOr (two or more), kNot (one)
  Operand lhs, rhs;
  std::vector<Operand> list;  // kIn, kNotIn: literals
};

}  // namespace internal

using internal::CompareOp;
using internal::Node;
using internal::NodeOp;
using internal::Operand;
using internal::OperandKind;
using internal::SinceUnit;
using internal::Source;

Rule::Rule() = default;
Rule::~Rule() = default;
Rule::Rule(const Rule&) = default;
Rule::Rule(Rule&&) noexcept = default;
Rule& Rule::operator=(const Rule&) = default;
Rule& Rule::operator=(Rule&&) noexcept = default;

namespace {

using calendar::Date;

constexpr size_t kMaxCounts = 8;
constexpr int kMaxDepth = 32;
constexpr int32_t kMaxSpan = 3660;

// ---------------------------------------------------------------------------------------------
// Small text helpers

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// A whole integer ("1500", "-3"), or nullopt.
std::optional<int64_t> AsInteger(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  auto [end, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || end != e || b == e) return std::nullopt;
  return v;
}

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return IsLower(c) || (c >= 'A' && c <= 'Z'); }

// A field name: letters, digits and `_`, not starting with a digit.
bool IsName(std::string_view s) {
  if (s.empty() || IsDigit(s[0])) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlpha(c) || IsDigit(c) || c == '_'; });
}

// An event kind: two or more lower-case names joined by dots ("case.declined").
bool IsEventKind(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.find('.') == s.npos) return false;
  char prev = '.';
  for (char c : s) {
    if (c == '.' && prev == '.') return false;
    if (!(IsLower(c) || IsDigit(c) || c == '_' || c == '.')) return false;
    prev = c;
  }
  return true;
}

// A rule id: letters, digits, `-`, `_`, `.`; starting with a letter or digit; at most 40.
bool IsRuleId(std::string_view s) {
  if (s.empty() || s.size() > 40 || !(IsAlpha(s[0]) || IsDigit(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return IsAlpha(c) || IsDigit(c) || c == '-' || c == '_' || c == '.';
  });
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string LineField(int line) { return "line " + std::to_string(line); }

Error LineError(int line, std::string code, std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(code),
                   "第 " + std::to_string(line) + " 行：" + message, LineField(line));
}

std::string Quote(std::string_view s) { return "「" + std::string(s) + "」"; }

// ---------------------------------------------------------------------------------------------
// Time helpers

// The local day an instant belongs to; an instant at 24:00 belongs to the day it ends.
Date DayOf(Instant t) { return calendar::ShanghaiDate(t - std::chrono::microseconds(1)); }

std::string ShortTime(Instant t) {
  auto local = t + std::chrono::hours(8);
  auto day = std::chrono::floor<std::chrono::days>(local);
  auto mins = std::chrono::duration_cast<std::chrono::minutes>(local - day).count();
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(mins / 60),
                static_cast<int>(mins % 60));
  return buf;
}

// ---------------------------------------------------------------------------------------------
// The words of the language

struct LevelRow { AlertLevel level; std::string_view name, title; };
constexpr LevelRow kLevels[] = {{AlertLevel::kReminder, "reminder", "提醒"},
                                {AlertLevel::kYellow, "yellow", "黄牌"},
                                {AlertLevel::kRed, "red", "红牌"}};

struct TargetRow { Target target; std::string_view name, title, prefix; };
constexpr TargetRow kTargets[] = {{Target::kCase, "case", "办件", "case"},
                                  {Target::kStep, "step", "办理环节", "step"},
                                  {Target::kComplaint, "complaint", "效能投诉", "complaint"},
                                  {Target::kSupervisionOrder, "supervision_order", "督办单",
                                   "order"}};

struct ClockRow { ClockId id; std::string_view name, title, start_title; };
constexpr ClockRow kClocks[] = {
    {ClockId::kStatutory, "statutory", "法定时限", "受理"},
    {ClockId::kPromised, "promised", "承诺时限", "受理"},
    {ClockId::kStep, "step", "环节时限", "环节开始"},
    {ClockId::kVerification, "verification", "承诺核查期限", "办结"},
    {ClockId::kOrder, "order", "督办期限", "督办下达"},
    {ClockId::kComplaint, "complaint", "投诉办理期限", "投诉受理"},
    {ClockId::kReport, "report", "上报期限", "发生"},
};

struct InstantRow { InstantId id; std::string_view name, title; };
constexpr InstantRow kInstants[] = {{InstantId::kSubmission, "submission", "收件时间"},
                                    {InstantId::kAcceptance, "acceptance", "受理时间"},
                                    {InstantId::kConclusion, "conclusion", "办结时间"},
                                    {InstantId::kPause, "pause", "暂停开始时间"}};

constexpr std::string_view kScopeNames[] = {"case", "department", "matter", "applicant"};
constexpr std::string_view kScopeTitles[] = {"同一办件", "同一部门", "同一事项", "同一申请人"};

std::string_view SpanUnitTitle(SpanUnit u) {
  switch (u) {
    case SpanUnit::kDays: return "个自然日";
    case SpanUnit::kWorkingDays: return "个工作日";
    case SpanUnit::kHours: return "小时";
  }
  return "";
}
std::string_view SpanUnitWord(SpanUnit u, int32_t n) {
  switch (u) {
    case SpanUnit::kDays: return n == 1 ? "day" : "days";
    case SpanUnit::kWorkingDays: return n == 1 ? "working day" : "working days";
    case SpanUnit::kHours: return n == 1 ? "hour" : "hours";
  }
  return "";
}

// Which anchors a target may use.
bool ClockAllowed(Target t, ClockId c) {
  switch (c) {
    case ClockId::kStatutory:
    case ClockId::kPromised:
    case ClockId::kVerification: return t == Target::kCase;
    case ClockId::kStep: return t == Target::kStep;
    case ClockId::kOrder: return t == Target::kSupervisionOrder;
    case ClockId::kComplaint: return t == Target::kComplaint;
    case ClockId::kReport: return t != Target::kStep;
  }
  return false;
}
bool InstantAllowed(Target t, InstantId i) {
  switch (t) {
    case Target::kCase:
    case Target::kComplaint: return true;
    case Target::kSupervisionOrder: return i == InstantId::kSubmission;
    case Target::kStep: return false;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// The vocabulary: what case events and facts carry (domain/cases/case.cc decides the events;
// the store adds case.submitted and case.material_attached). An enabled rule may only read
// these for case events and case facts, so that a typo is refused instead of never firing.

struct KindFields {
  std::string_view kind;
  std::vector<std::string_view> fields;
};

const std::vector<KindFields>& CaseEventVocabulary() {
  static const std::vector<KindFields> kVocabulary = {
      {"case.submitted",
       {"case_no", "matter_code", "matter_version_id", "department_id", "channel",
        "service_mode", "state"}},
      {"case.accepted", {"statutory_deadline_ms", "promised_deadline_ms", "state"}},
      {"case.declined", {"reason", "state"}},
      {"case.correction_requested", {"items", "round", "note", "state"}},
      {"case.resubmitted", {"statutory_deadline_ms", "promised_deadline_ms", "state"}},
      {"case.step_completed", {"step_id", "step_name", "opinion", "chosen", "activated", "state"}},
      {"case.special_procedure_started", {"reason", "basis", "notice", "expected_days", "state"}},
      {"case.special_procedure_ended", {"result", "state"}},
      {"case.extended", {"days", "approval", "reason", "statutory_deadline_ms", "state"}},
      {"case.concluded",
       {"decision", "reason", "remedies", "fee_due_fen", "verification_deadline_ms", "state"}},
      {"case.fee_collected",
       {"fee_item", "amount_fen", "in_list", "within_standard", "standard_fen", "state"}},
      {"case.delivered", {"method", "state"}},
      {"case.withdrawn", {"reason", "state"}},
      {"case.commitment_verified", {"passed", "findings", "late", "remedies", "state"}},
      {"case.supervision_placed", {"reason", "state"}},
      {"case.material_attached", {"material_id", "requirement", "reused"}},
  };
  return kVocabulary;
}

constexpr std::string_view kCaseFactNames[] = {
    "case_id", "case_no", "matter_code", "matter_name", "matter_version_id", "department_id",
    "department_code", "department", "state", "channel", "service_mode", "applicant_kind",
    "applicant_code", "key_project_id", "corrections", "extended", "decision", "fee_due_fen",
    "fee_paid_fen", "supervised", "verified", "steps_done", "active_steps", "submitted_at_ms",
    "accepted_at_ms", "concluded_at_ms", "delivered_at_ms", "closed_at_ms",
    "statutory_deadline_ms", "promised_deadline_ms", "statutory_paused", "promised_paused",
    "statutory_limit", "promised_limit", "limit_unit", "verification_deadline_ms"};

constexpr std::string_view kStepFactNames[] = {
    "step_id", "step_name", "step_department_code", "step_roles", "step_started_at_ms",
    "step_deadline_ms", "step_limit", "step_limit_unit"};

template <size_t N>
bool In(const std::string_view (&names)[N], std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

const KindFields* FindCaseKind(std::string_view kind) {
  for (const auto& k : CaseEventVocabulary()) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

// Placeholders with a meaning of their own.
constexpr std::string_view kBuiltinPlaceholders[] = {"rule", "name",     "basis", "level",
                                                     "target", "moment", "deadline"};
constexpr std::string_view kTimePlaceholders[] = {"days", "unit"};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Names

std::string_view AlertLevelName(AlertLevel l) {
  for (const auto& r : kLevels) {
    if (r.level == l) return r.name;
  }
  return "reminder";
}
std::string_view AlertLevelTitle(AlertLevel l) {
  for (const auto& r : kLevels) {
    if (r.level == l) return r.title;
  }
  return "提醒";
}
std::optional<AlertLevel> ParseAlertLevel(std::string_view name) {
  for (const auto& r : kLevels) {
    if (r.name == name) return r.level;
  }
  return std::nullopt;
}

std::string_view TargetName(Target t) { return kTargets[static_cast<size_t>(t)].name; }
std::string_view TargetTitle(Target t) { return kTargets[static_cast<size_t>(t)].title; }
std::optional<Target> ParseTarget(std::string_view name) {
  for (const auto& r : kTargets) {
    if (r.name == name) return r.target;
  }
  return std::nullopt;
}

std::string_view ClockIdName(ClockId c) { return kClocks[static_cast<size_t>(c)].name; }
std::string_view ClockIdTitle(ClockId c) { return kClocks[static_cast<size_t>(c)].title; }
std::string_view InstantIdName(InstantId i) { return kInstants[static_cast<size_t>(i)].name; }
std::string_view InstantIdTitle(InstantId i) { return kInstants[static_cast<size_t>(i)].title; }
std::string_view CountScopeName(CountScope s) { return kScopeNames[static_cast<size_t>(s)]; }

std::string FormatMoment(Instant t) {
  Date day = DayOf(t);
  if (cases::EndOfDay(day) == t) return calendar::FormatDate(day) + " 24:00";
  return calendar::FormatDate(calendar::ShanghaiDate(t)) + " " + ShortTime(t);
}

// ---------------------------------------------------------------------------------------------
// Fields

std::optional<std::string_view> FieldMap::Find(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return std::string_view(it->second);
}

void FieldMap::Erase(std::string_view name) {
  auto it = values_.find(name);
  if (it != values_.end()) values_.erase(it);
}

std::optional<std::string_view> MapView::Find(std::string_view name) const {
  // A plain std::map cannot be searched by string_view without building a string; the maps
  // are small (an event's data), so a scan costs less than an allocation.
  for (const auto& [k, v] : map_) {
    int c = std::string_view(k).compare(name);
    if (c == 0) return std::string_view(v);
    if (c > 0) break;  // the keys are in order
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Parsing

namespace {

// One token of a `when` line.
struct Token {
  enum class Kind : uint8_t { kEnd, kWord, kString, kSymbol };
  Kind kind = Kind::kEnd;
  std::string_view text;
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  // Splits the whole line; false (with error_) for an unterminated string.
  bool Run(std::vector<Token>& out) {
    size_t i = 0;
    while (true) {
      while (i < s_.size() && IsSpace(s_[i])) ++i;
      if (i >= s_.size()) break;
      char c = s_[i];
      if (c == '"') {
        size_t close = s_.find('"', i + 1);
        if (close == s_.npos) {
          error_ = "引号没有闭合";
          return false;
        }
        out.push_back({Token::Kind::kString, s_.substr(i + 1, close - i - 1)});
        i = close + 1;
        continue;
      }
      if (c == '(' || c == ')' || c == ',') {
        out.push_back({Token::Kind::kSymbol, s_.substr(i, 1)});
        ++i;
        continue;
      }
      if (c == '=' || c == '!' || c == '<' || c == '>') {
        size_t n = 1;
        if (i + 1 < s_.size() && (s_[i + 1] == '=' || (c == '<' && s_[i + 1] == '>'))) n = 2;
        out.push_back({Token::Kind::kSymbol, s_.substr(i, n)});
        i += n;
        continue;
      }
      size_t b = i;
      while (i < s_.size() && !IsSpace(s_[i]) && s_[i] != '"' && s_[i] != '(' && s_[i] != ')' &&
             s_[i] != ',' && s_[i] != '=' && s_[i] != '!' && s_[i] != '<' && s_[i] != '>') {
        ++i;
      }
      out.push_back({Token::Kind::kWord, s_.substr(b, i - b)});
    }
    out.push_back({Token::Kind::kEnd, {}});
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  std::string_view s_;
  std::string error_;
};

// A field a rule reads, for the vocabulary check.
struct FieldUse {
  Source source;
  std::string name;
  int line;
};

}  // namespace

// Parses one rule block's values into a Rule. Lines are checked as they come; conditions and
// the message are parsed when the block ends, once the rule's kind and target are known.
class RuleParser {
 public:
  explicit RuleParser(Rule& rule) : rule_(rule) {}

  // The expression of one `when` line at LINE. Appends nodes; returns the root.
  Result<int32_t> ParseCondition(std::string_view text, int line) {
    tokens_.clear();
    pos_ = 0;
    line_ = line;
    Lexer lexer(text);
    if (!lexer.Run(tokens_)) return Fail(lexer.error());
    auto root = Or(0);
    if (!root.ok()) return root;
    if (Peek().kind != Token::Kind::kEnd) {
      return Fail("条件末尾有多余的内容" + Quote(Peek().text));
    }
    return root;
  }

  std::vector<FieldUse>& uses() { return uses_; }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  bool IsWord(const Token& t, std::string_view w) const {
    return t.kind == Token::Kind::kWord && t.text == w;
  }
  bool IsSymbol(const Token& t, std::string_view s) const {
    return t.kind == Token::Kind::kSymbol && t.text == s;
  }
  bool EatWord(std::string_view w) {
    if (!IsWord(Peek(), w)) return false;
    ++pos_;
    return true;
  }
  bool EatSymbol(std::string_view s) {
    if (!IsSymbol(Peek(), s)) return false;
    ++pos_;
    return true;
  }
  Error Fail(std::string message) const {
    return LineError(line_, "rules.syntax", std::move(message));
  }
  std::string Found() const {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kEnd) return "却到了行末";
    return "却是" + Quote(t.text);
  }

  int32_t Add(Node n) {
    rule_.nodes_.push_back(std::move(n));
    return static_cast<int32_t>(rule_.nodes_.size() - 1);
  }

  Result<int32_t> Or(int depth) {
    auto first = And(depth);
    if (!first.ok()) return first;
    if (!IsWord(Peek(), "or")) return first;
    Node n;
    n.op = NodeOp::kOr;
    n.kids.push_back(*first);
    while (EatWord("or")) {
      auto next = And(depth);
      if (!next.ok()) return next;
      n.kids.push_back(*next);
    }
    return Add(std::move(n));
  }

  Result<int32_t> And(int depth) {
    auto first = Unary(depth);
    if (!first.ok()) return first;
    if (!IsWord(Peek(), "and")) return first;
    Node n;
    n.op = NodeOp::kAnd;
    n.kids.push_back(*first);
    while (EatWord("and")) {
      auto next = Unary(depth);
      if (!next.ok()) return next;
      n.kids.push_back(*next);
    }
    return Add(std::move(n));
  }

  Result<int32_t> Unary(int depth) {
    if (depth > kMaxDepth) return Fail("括号或 not 嵌套过深");
    if (EatWord("not")) {
      auto inner = Unary(depth + 1);
      if (!inner.ok()) return inner;
      Node n;
      n.op = NodeOp::kNot;
      n.kids.push_back(*inner);
      return Add(std::move(n));
    }
    if (EatSymbol("(")) {
      auto inner = Or(depth + 1);
      if (!inner.ok()) return inner;
      if (!EatSymbol(")")) return Fail("应为「)」，" + Found());
      return inner;
    }
    return Predicate();
  }

  // A field reference (NAME or PREFIX.NAME) at the current word.
  Result<Operand> FieldRef(std::string_view word) {
    Operand o;
    o.kind = OperandKind::kField;
    o.text = std::string(word);
    std::string_view prefix, name = word;
    if (size_t dot = word.find('.'); dot != word.npos) {
      prefix = word.substr(0, dot);
      name = word.substr(dot + 1);
    }
    if (!IsName(name)) {
      return Fail("字段名" + Quote(word) +
                  "不合法（字母、数字和下划线，可带 event. case. 等前缀）");
    }
    o.name = std::string(name);
    const bool event_rule = rule_.is_event_rule();
    const std::string_view target_prefix = kTargets[static_cast<size_t>(rule_.target_)].prefix;
    if (prefix.empty()) {
      o.source = event_rule ? Source::kEvent : Source::kItem;
    } else if (prefix == "event") {
      if (!event_rule) return Fail("时间规则没有事件，不能读" + Quote(word));
      o.source = name == "kind" ? Source::kEventKind
                 : name == "at" ? Source::kEventAt
                                : Source::kEvent;
    } else if (prefix == "case") {
      o.source = Source::kCase;
    } else if (!event_rule && prefix == target_prefix) {
      o.source = Source::kItem;
    } else {
      return Fail("前缀" + Quote(prefix) + "在此不可用：事件规则用 event. 与 case.，时间规则用 " +
                  std::string(target_prefix) + ". 与 case.");
    }
    if (o.source == Source::kEvent || o.source == Source::kItem || o.source == Source::kCase) {
      uses_.push_back({o.source, o.name, line_});
    }
    return o;
  }

  Result<Operand> Literal(const Token& t) {
    Operand o;
    o.kind = OperandKind::kLiteral;
    o.name = std::string(t.text);
    o.text = t.kind == Token::Kind::kString ? "\"" + o.name + "\"" : o.name;
    o.number = AsInteger(t.text);  // "1500" and 1500 alike, as field values are text
    return o;
  }

  // count(KIND[, KIND...] per SCOPE [within N UNIT])
  Result<Operand> Count() {
    if (!rule_.is_event_rule()) return Fail("count(...) 只能用于事件规则（on）");
    if (!EatSymbol("(")) return Fail("count 之后应为「(」，" + Found());
    CountSpec spec;
    while (true) {
      const Token& t = Peek();
      if (t.kind != Token::Kind::kWord || !IsEventKind(t.text)) {
        return Fail("count(...) 中应为事件类型（如 case.declined），" + Found());
      }
      spec.kinds.emplace_back(t.text);
      ++pos_;
      if (!EatSymbol(",")) break;
    }
    if (!EatWord("per")) return Fail("count(...) 中应为「per 范围」，" + Found());
    const Token& scope = Peek();
    bool found = false;
    for (size_t i = 0; i < std::size(kScopeNames); ++i) {
      if (IsWord(scope, kScopeNames[i])) {
        spec.scope = static_cast<CountScope>(i);
        found = true;
      }
    }
    if (!found) return Fail("per 之后应为 case、department、matter 或 applicant，" + Found());
    ++pos_;
    if (EatWord("within")) {
      auto span = ParseSpanTokens();
      if (!span.ok()) return span.error();
      spec.window = *span;
    }
    if (!EatSymbol(")")) return Fail("count(...) 应以「)」结束，" + Found());
    if (rule_.counts_.size() >= kMaxCounts) {
      return Fail("一条规则最多 " + std::to_string(kMaxCounts) + " 个 count(...)");
    }
    std::string text = "count(";
    for (size_t i = 0; i < spec.kinds.size(); ++i) text += (i ? ", " : "") + spec.kinds[i];
    text += " per " + std::string(kScopeNames[static_cast<size_t>(spec.scope)]);
    if (spec.window) {
      text += " within " + std::to_string(spec.window->amount) + " " +
              std::string(SpanUnitWord(spec.window->unit, spec.window->amount));
    }
    text += ")";
    spec.text = text;
    spec.index = rule_.counts_.size();
    rule_.counts_.push_back(std::move(spec));
    Operand o;
    o.kind = OperandKind::kCount;
    o.count = rule_.counts_.size() - 1;
    o.text = text;
    return o;
  }

  // N UNIT as tokens: "30 days", "5 working days", "12 hours".
  Result<Span> ParseSpanTokens() {
    auto n = AsInteger(Peek().kind == Token::Kind::kWord ? Peek().text : std::string_view());
    if (!n || *n < 1 || *n > kMaxSpan) {
      return Fail("应为 1–" + std::to_string(kMaxSpan) + " 的整数，" + Found());
    }
    ++pos_;
    Span s;
    s.amount = static_cast<int32_t>(*n);
    if (EatWord("working")) {
      if (!EatWord("days") && !EatWord("day")) return Fail("working 之后应为 days，" + Found());
      s.unit = SpanUnit::kWorkingDays;
    } else if (EatWord("days") || EatWord("day")) {
      s.unit = SpanUnit::kDays;
    } else if (EatWord("hours") || EatWord("hour")) {
      s.unit = SpanUnit::kHours;
    } else {
      return Fail("时间单位应为 days、working days 或 hours，" + Found());
    }
    return s;
  }

  Result<Operand> Since(SinceUnit unit, std::string_view fn) {
    if (!rule_.is_event_rule()) return Fail(std::string(fn) + "(...) 只能用于事件规则（on）");
    if (!EatSymbol("(")) return Fail(std::string(fn) + " 之后应为「(」，" + Found());
    const Token& t = Peek();
    if (t.kind != Token::Kind::kWord) return Fail("应为字段名，" + Found());
    ++pos_;
    auto field = FieldRef(t.text);
    if (!field.ok()) return field;
    if (field->source == Source::kEventKind) return Fail("event.kind 不是时刻");
    if (!EatSymbol(")")) return Fail("应为「)」，" + Found());
    Operand o = std::move(*field);
    o.kind = OperandKind::kSince;
    o.since = unit;
    o.text = std::string(fn) + "(" + o.text + ")";
    return o;
  }

  Result<Operand> LeftOperand() {
    const Token& t = Peek();
    if (t.kind != Token::Kind::kWord) return Fail("条件应以字段名、count(...) 等开头，" + Found());
    static constexpr std::string_view kReserved[] = {"and", "or", "not", "in", "exists",
                                                     "missing"};
    for (auto r : kReserved) {
      if (t.text == r) return Fail("条件应以字段名开头，" + Found());
    }
    std::string_view word = t.text;
    ++pos_;
    if (IsSymbol(Peek(), "(")) {
      if (word == "count") return Count();
      if (word == "working_days_since") return Since(SinceUnit::kWorkingDays, word);
      if (word == "days_since") return Since(SinceUnit::kDays, word);
      if (word == "hours_since") return Since(SinceUnit::kHours, word);
      if (word == "minutes_since") return Since(SinceUnit::kMinutes, word);
      return Fail("未知的函数" + Quote(word) +
                  "（可用 count、working_days_since、days_since、hours_since、minutes_since）");
    }
    return FieldRef(word);
  }

  std::optional<CompareOp> EatCompare() {
    static constexpr std::pair<std::string_view, CompareOp> kOps[] = {
        {"=", CompareOp::kEq},  {"==", CompareOp::kEq}, {"!=", CompareOp::kNe},
        {"<>", CompareOp::kNe}, {"<", CompareOp::kLt},  {"<=", CompareOp::kLe},
        {">", CompareOp::kGt},  {">=", CompareOp::kGe}};
    for (const auto& [sym, op] : kOps) {
      if (EatSymbol(sym)) return op;
    }
    return std::nullopt;
  }

  Result<int32_t> Predicate() {
    auto lhs = LeftOperand();
    if (!lhs.ok()) return lhs.error();
    Node n;
    n.lhs = std::move(*lhs);
    const bool plain_field = n.lhs.kind == OperandKind::kField;
    if (EatWord("exists")) {
      if (!plain_field) return Fail("exists / missing 只能用于字段");
      n.op = NodeOp::kExists;
      return Add(std::move(n));
    }
    if (EatWord("missing")) {
      if (!plain_field) return Fail("exists / missing 只能用于字段");
      n.op = NodeOp::kMissing;
      return Add(std::move(n));
    }
    bool negated = false;
    if (IsWord(Peek(), "not") && IsWord(Peek(1), "in")) {
      pos_ += 1;
      negated = true;
    }
    if (EatWord("in")) {
      n.op = negated ? NodeOp::kNotIn : NodeOp::kIn;
      if (!EatSymbol("(")) return Fail("in 之后应为「(」，" + Found());
      while (true) {
        const Token& t = Peek();
        if (t.kind != Token::Kind::kWord && t.kind != Token::Kind::kString) {
          return Fail("in (...) 中应为取值，" + Found());
        }
        ++pos_;
        auto lit = Literal(t);
        if (!lit.ok()) return lit.error();
        n.list.push_back(std::move(*lit));
        if (EatSymbol(")")) break;
        if (!EatSymbol(",")) return Fail("in (...) 中取值之间应以逗号分隔，" + Found());
      }
      return Add(std::move(n));
    }
    auto cmp = EatCompare();
    if (!cmp) {
      return Fail("字段之后应为比较（= != < <= > >=）、in (...)、exists 或 missing，" + Found());
    }
    n.op = NodeOp::kCompare;
    n.cmp = *cmp;
    const Token& t = Peek();
    if (t.kind == Token::Kind::kString) {
      ++pos_;
      auto lit = Literal(t);
      if (!lit.ok()) return lit.error();
      n.rhs = std::move(*lit);
    } else if (t.kind == Token::Kind::kWord) {
      ++pos_;
      if (AsInteger(t.text) || t.text == "true" || t.text == "false") {
        auto lit = Literal(t);
        if (!lit.ok()) return lit.error();
        n.rhs = std::move(*lit);
      } else {
        auto field = FieldRef(t.text);
        if (!field.ok()) return field.error();
        n.rhs = std::move(*field);
      }
    } else {
      return Fail("比较右边应为整数、带引号的文字、true、false 或字段名，" + Found());
    }
    return Add(std::move(n));
  }

  Rule& rule_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int line_ = 0;
  std::vector<FieldUse> uses_;
};

namespace {

// `at` values:  ANCHOR | N UNIT before|after ANCHOR | P% of CLOCK limit
// ANCHOR := CLOCK deadline | submission | acceptance | conclusion | pause
Result<TimeSpec> ParseAt(std::string_view text, Target target, int line) {
  std::vector<std::string_view> w;
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    size_t b = i;
    while (i < text.size() && !IsSpace(text[i])) ++i;
    if (i > b) w.push_back(text.substr(b, i - b));
  }
  auto fail = [&](std::string m) { return LineError(line, "rules.value", std::move(m)); };
  const std::string hint =
      "；写法如 at promised deadline、at 1 working day before promised deadline、"
      "at 10 working days after conclusion、at 80% of promised limit";
  size_t i = 0;
  auto word = [&]() -> std::string_view { return i < w.size() ? w[i] : std::string_view(); };
  auto clock_of = [&](std::string_view s) -> std::optional<ClockId> {
    for (const auto& c : kClocks) {
      if (c.name == s) return c.id;
    }
    return std::nullopt;
  };
  TimeSpec spec;
  auto anchor = [&]() -> Status {
    std::string_view a = word();
    if (auto c = clock_of(a)) {
      ++i;
      if (word() != "deadline") return fail(Quote(a) + " 之后应为 deadline" + hint);
      ++i;
      if (!ClockAllowed(target, *c)) {
        return fail(std::string(ClockIdTitle(*c)) + "（" + std::string(a) +
                    " deadline）不能用于目标 " + std::string(TargetName(target)));
      }
      spec.anchor_is_clock = true;
      spec.clock = *c;
      return Ok();
    }
    for (const auto& r : kInstants) {
      if (r.name == a) {
        ++i;
        if (!InstantAllowed(target, r.id)) {
          return fail(std::string(r.title) + "（" + std::string(a) + "）不能用于目标 " +
                      std::string(TargetName(target)));
        }
        spec.anchor_is_clock = false;
        spec.instant = r.id;
        return Ok();
      }
    }
    return fail("未知的时间基准" + Quote(a) + hint);
  };
  if (w.empty()) return fail("at 缺少内容" + hint);
  std::string_view first = w[0];
  if (EndsWith(first, "%") || (w.size() > 1 && w[1] == "%")) {
    std::string_view digits = EndsWith(first, "%") ? first.substr(0, first.size() - 1) : first;
    i = EndsWith(first, "%") ? 1 : 2;
    auto p = AsInteger(digits);
    if (!p || *p < 1 || *p > 100) return fail("百分比应为 1–100 的整数" + hint);
    spec.kind = TimeSpec::Kind::kShare;
    spec.percent = static_cast<int32_t>(*p);
    if (word() != "of") return fail("百分比之后应为 of" + hint);
    ++i;
    auto c = clock_of(word());
    if (!c) return fail("of 之后应为时限名（statutory、promised、step…）" + hint);
    ++i;
    if (word() != "limit") return fail("时限名之后应为 limit" + hint);
    ++i;
    if (!ClockAllowed(target, *c)) {
      return fail(std::string(ClockIdTitle(*c)) + "不能用于目标 " +
                  std::string(TargetName(target)));
    }
    spec.anchor_is_clock = true;
    spec.clock = *c;
  } else if (auto n = AsInteger(first)) {
    if (*n < 1 || *n > kMaxSpan) {
      return fail("偏移应为 1–" + std::to_string(kMaxSpan) + " 的整数" + hint);
    }
    spec.offset.amount = static_cast<int32_t>(*n);
    i = 1;
    if (word() == "working") {
      ++i;
      if (word() != "days" && word() != "day") return fail("working 之后应为 days" + hint);
      ++i;
      spec.offset.unit = SpanUnit::kWorkingDays;
    } else if (word() == "days" || word() == "day") {
      ++i;
      spec.offset.unit = SpanUnit::kDays;
    } else if (word() == "hours" || word() == "hour") {
      ++i;
      spec.offset.unit = SpanUnit::kHours;
    } else {
      return fail("时间单位应为 days、working days 或 hours" + hint);
    }
    if (word() == "before") {
      spec.kind = TimeSpec::Kind::kBefore;
    } else if (word() == "after") {
      spec.kind = TimeSpec::Kind::kAfter;
    } else {
      return fail("应为 before 或 after" + hint);
    }
    ++i;
    if (auto s = anchor(); !s.ok()) return s.error();
    if (spec.kind == TimeSpec::Kind::kBefore && !spec.anchor_is_clock) {
      return fail("before 只能用于时限（… deadline），不能用于已发生的时刻");
    }
  } else {
    spec.kind = TimeSpec::Kind::kAt;
    if (auto s = anchor(); !s.ok()) return s.error();
  }
  if (i != w.size()) return fail("多余的内容" + Quote(w[i]) + hint);
  return spec;
}

std::string FormatAt(const TimeSpec& t) {
  std::string anchor = t.anchor_is_clock ? std::string(ClockIdName(t.clock)) + " deadline"
                                         : std::string(InstantIdName(t.instant));
  switch (t.kind) {
    case TimeSpec::Kind::kAt: return anchor;
    case TimeSpec::Kind::kBefore:
    case TimeSpec::Kind::kAfter:
      return std::to_string(t.offset.amount) + " " +
             std::string(SpanUnitWord(t.offset.unit, t.offset.amount)) +
             (t.kind == TimeSpec::Kind::kBefore ? " before " : " after ") + anchor;
    case TimeSpec::Kind::kShare:
      return std::to_string(t.percent) + "% of " + std::string(ClockIdName(t.clock)) + " limit";
  }
  return anchor;
}

// Checks a message template: `{name}` placeholders (builtins or field references), `{{` and
// `}}` for literal braces.
Status CheckMessage(const Rule& rule, std::string_view m, int line, std::vector<FieldUse>& uses) {
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '}') {
      if (i + 1 < m.size() && m[i + 1] == '}') {
        ++i;
        continue;
      }
      return LineError(line, "rules.syntax", "消息中的「}」没有对应的「{」（字面的花括号写作 }}）");
    }
    if (m[i] != '{') continue;
    if (i + 1 < m.size() && m[i + 1] == '{') {
      ++i;
      continue;
    }
    size_t close = m.find('}', i);
    if (close == m.npos) return LineError(line, "rules.syntax", "消息中的「{」没有闭合");
    std::string_view name = m.substr(i + 1, close - i - 1);
    i = close;
    if (In(kBuiltinPlaceholders, name)) continue;
    if (In(kTimePlaceholders, name) && rule.is_time_rule()) continue;
    if (name == "count") {
      if (rule.counts().empty()) {
        return LineError(line, "rules.value", "{count} 只能用于含 count(...) 条件的规则");
      }
      continue;
    }
    std::string_view prefix, field = name;
    if (size_t dot = name.find('.'); dot != name.npos) {
      prefix = name.substr(0, dot);
      field = name.substr(dot + 1);
    }
    if (!IsName(field)) {
      return LineError(line, "rules.syntax", "消息中的占位符" + Quote(name) + "不合法");
    }
    const std::string_view target_prefix = kTargets[static_cast<size_t>(rule.target())].prefix;
    if (prefix.empty()) {
      // A bare placeholder reads the event (event rules) or the item, then the case.
      uses.push_back({rule.is_event_rule() ? Source::kEvent : Source::kItem, std::string(field),
                      -line});
    } else if (prefix == "case") {
      uses.push_back({Source::kCase, std::string(field), line});
    } else if (prefix == "event" && rule.is_event_rule()) {
      if (field != "kind" && field != "at") {
        uses.push_back({Source::kEvent, std::string(field), line});
      }
    } else if (prefix == target_prefix && rule.is_time_rule()) {
      uses.push_back({Source::kItem, std::string(field), line});
    } else {
      return LineError(line, "rules.syntax", "消息中的占位符" + Quote(name) + "前缀不可用");
    }
  }
  return Ok();
}

bool CaseEventHas(const std::vector<std::string>& kinds, std::string_view field) {
  for (const auto& k : kinds) {
    if (const KindFields* f = FindCaseKind(k)) {
      if (std::find(f->fields.begin(), f->fields.end(), field) != f->fields.end()) return true;
    }
  }
  return false;
}

// The vocabulary check of an enabled rule: the fields of case events and case and step facts
// are known; complaints' and supervision orders' are not yet, and are not checked.
// A use with a negative line is a bare message placeholder, which may name an event field or
// a fact.
Status CheckVocabulary(const Rule& rule, const std::vector<FieldUse>& uses, int on_line) {
  auto join = [](const auto& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : "、") + std::string(i);
    return s;
  };
  // Event fields are known when every listened kind is a case event.
  bool case_events = rule.is_event_rule();
  for (const auto& k : rule.event_kinds()) {
    if (k.rfind("case.", 0) != 0) {
      case_events = false;
    } else if (!FindCaseKind(k)) {
      std::vector<std::string_view> known;
      for (const auto& v : CaseEventVocabulary()) known.push_back(v.kind);
      return LineError(on_line, "rules.unknown_kind",
                       "未知的办件事件" + Quote(k) + "（已有：" + join(known) + "）");
    }
  }
  const Target t = rule.target();
  auto known_case = [](std::string_view f) { return In(kCaseFactNames, f); };
  // The item's own facts: a case's or a step's are known, the others are not checked yet.
  auto known_item = [&](std::string_view f) {
    if (t == Target::kCase) return known_case(f);
    if (t == Target::kStep) return In(kStepFactNames, f);
    return true;
  };
  auto known_event = [&](std::string_view f) {
    return !case_events || CaseEventHas(rule.event_kinds(), f);
  };
  for (const auto& u : uses) {
    bool ok = false;
    std::string where;
    if (u.line < 0) {  // a bare placeholder: the event or the item, then the case
      ok = known_case(u.name) ||
           (u.source == Source::kEvent ? known_event(u.name) : known_item(u.name));
      where = "事件数据或办件事实";
    } else if (u.source == Source::kEvent) {
      ok = known_event(u.name);
      where = "事件 " + join(rule.event_kinds()) + " 的数据";
    } else if (u.source == Source::kCase) {
      ok = known_case(u.name);
      where = "办件事实（case.）";
    } else {
      ok = known_item(u.name);
      where = std::string(TargetTitle(t)) + "的事实";
    }
    if (!ok) {
      return LineError(u.line < 0 ? -u.line : u.line, "rules.unknown_field",
                       "未知字段" + Quote(u.name) + "：" + where +
                           "中没有它（比较右边的文字须加引号，如 \"refuse\"；"
                           "字段一览见规则语言说明）");
    }
  }
  return Ok();
}

}  // namespace

Result<RuleSet> ParseRules(std::string_view text) {
  if (text.size() > kMaxTextBytes) {
    return MakeError(ErrorCode::kInvalidArgument, "rules.too_large",
                     "规则文本超过 " + std::to_string(kMaxTextBytes / 1024) + " KB");
  }
  RuleSet set;
  std::vector<std::string> pending_comments;

  // The rule being read.
  struct Open {
    Rule rule;
    std::map<std::string, int, std::less<>> seen;  // key → line
    std::vector<std::pair<int, std::string>> when;
    std::string at_text;
    int message_line = 0, on_line = 0, at_line = 0;
  };
  std::optional<Open> open;

  // Checks the rule read so far, parses its moment and conditions, and adds it to the set.
  auto finish = [&]() -> Status {
    Open& o = *open;
    Rule& r = o.rule;
    const int rl = r.line_;
    for (std::string_view key : {"name", "basis", "level", "target", "message"}) {
      if (!o.seen.count(key)) {
        return LineError(rl, "rules.missing", "规则 " + r.id_ + " 缺少 " + std::string(key));
      }
    }
    const bool has_on = o.seen.count("on") > 0, has_at = o.seen.count("at") > 0;
    if (has_on && r.kinds_.empty()) {
      return LineError(o.on_line, "rules.syntax", "on 之后应为事件类型（如 case.declined）");
    }
    if (has_on == has_at) {
      return LineError(rl, "rules.missing",
                       "规则 " + r.id_ + " 须有且只有 on（事件规则）或 at（时间规则）之一");
    }
    if (has_at) {
      auto spec = ParseAt(o.at_text, r.target_, o.at_line);
      if (!spec.ok()) return spec.error();
      r.time_ = *spec;
    }
    RuleParser parser(r);
    std::vector<int32_t> roots;
    for (const auto& [line, w] : o.when) {
      auto root = parser.ParseCondition(w, line);
      if (!root.ok()) return root.error();
      roots.push_back(*root);
      r.when_text_.push_back(w);
    }
    if (roots.size() == 1) {
      r.root_ = roots[0];
    } else if (roots.size() > 1) {
      Node n;
      n.op = NodeOp::kAnd;
      n.kids = roots;
      r.nodes_.push_back(std::move(n));
      r.root_ = static_cast<int32_t>(r.nodes_.size() - 1);
    }
    if (auto s = CheckMessage(r, r.message_, o.message_line, parser.uses()); !s.ok()) return s;
    if (r.enabled_) {
      if (auto s = CheckVocabulary(r, parser.uses(), o.on_line); !s.ok()) return s;
    }
    set.rules_.push_back(std::move(r));
    open.reset();
    return Ok();
  };

  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == text.npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (raw.size() > kMaxLineBytes) {
      return LineError(line_no, "rules.too_large",
                       "一行不能超过 " + std::to_string(kMaxLineBytes) + " 字节");
    }
    std::string_view line = Trim(raw);
    if (line.empty()) {
      // A blank line between comment lines is kept (as an empty entry), so that separate
      // comment blocks stay apart through a round trip.
      if (!open && !pending_comments.empty() && !pending_comments.back().empty()) {
        pending_comments.emplace_back();
      }
      if (nl == text.size()) break;
      continue;
    }
    if (line.front() == '#') {
      if (open) {
        open->rule.comments_.emplace_back(line);
      } else {
        pending_comments.emplace_back(line);
      }
      continue;
    }
    size_t sp = 0;
    while (sp < line.size() && !IsSpace(line[sp])) ++sp;
    std::string_view key = line.substr(0, sp);
    std::string_view value = Trim(line.substr(sp));

    if (!open) {
      if (key != "rule") {
        return LineError(line_no, "rules.syntax",
                         "规则之外出现" + Quote(key) +
                             "：每条规则以 rule <编号> 开始、以 end 结束");
      }
      if (!IsRuleId(value)) {
        return LineError(line_no, "rules.value",
                         "规则编号" + Quote(value) +
                             "不合法（字母或数字开头，可含字母、数字、- _ .，最长 40）");
      }
      if (set.Find(value)) {
        return LineError(line_no, "rules.duplicate", "规则编号 " + std::string(value) + " 重复");
      }
      if (set.rules_.size() >= kMaxRules) {
        return LineError(line_no, "rules.too_large",
                         "规则不能超过 " + std::to_string(kMaxRules) + " 条");
      }
      open.emplace();
      open->rule.id_ = std::string(value);
      open->rule.line_ = line_no;
      while (!pending_comments.empty() && pending_comments.back().empty()) {
        pending_comments.pop_back();
      }
      open->rule.comments_ = std::move(pending_comments);
      pending_comments.clear();
      continue;
    }
    Open& o = *open;
    Rule& r = o.rule;
    if (key == "end") {
      if (!value.empty()) return LineError(line_no, "rules.syntax", "end 之后不应有内容");
      if (auto s = finish(); !s.ok()) return s.error();
      continue;
    }
    if (key == "rule") {
      return LineError(line_no, "rules.syntax",
                       "规则 " + r.id_ + "（第 " + std::to_string(r.line_) + " 行起）缺少 end");
    }
    static constexpr std::string_view kKeys[] = {"name", "basis",   "level", "target", "enabled",
                                                 "note", "on",      "at",    "when",   "message"};
    if (!In(kKeys, key)) {
      return LineError(line_no, "rules.unknown_keyword",
                       "未知的关键字" + Quote(key) +
                           "（可用：name basis level target enabled note on at when message end）");
    }
    if (key != "when") {
      auto [it, fresh] = o.seen.emplace(std::string(key), line_no);
      if (!fresh) {
        return LineError(line_no, "rules.duplicate",
                         std::string(key) + " 重复（第 " + std::to_string(it->second) +
                             " 行已有）");
      }
    }
    if (value.empty()) {
      return LineError(line_no, "rules.syntax", std::string(key) + " 缺少内容");
    }
    if (key == "name") {
      r.name_ = std::string(value);
    } else if (key == "basis") {
      r.basis_ = std::string(value);
    } else if (key == "note") {
      r.note_ = std::string(value);
    } else if (key == "message") {
      r.message_ = std::string(value);
      o.message_line = line_no;
    } else if (key == "level") {
      auto l = ParseAlertLevel(value);
      if (!l) {
        return LineError(line_no, "rules.value",
                         "级别" + Quote(value) + "不合法（reminder、yellow 或 red）");
      }
      r.level_ = *l;
    } else if (key == "target") {
      auto t = ParseTarget(value);
      if (!t) {
        return LineError(line_no, "rules.value",
                         "目标" + Quote(value) +
                             "不合法（case、step、complaint 或 supervision_order）");
      }
      r.target_ = *t;
    } else if (key == "enabled") {
      if (value == "yes" || value == "true") {
        r.enabled_ = true;
      } else if (value == "no" || value == "false") {
        r.enabled_ = false;
      } else {
        return LineError(line_no, "rules.value", "enabled 应为 yes 或 no");
      }
    } else if (key == "on") {
      o.on_line = line_no;
      std::string_view rest = value;
      while (!rest.empty()) {
        size_t b = 0;
        while (b < rest.size() && (IsSpace(rest[b]) || rest[b] == ',')) ++b;
        size_t e = b;
        while (e < rest.size() && !IsSpace(rest[e]) && rest[e] != ',') ++e;
        std::string_view kind = rest.substr(b, e - b);
        rest = rest.substr(e);
        if (kind.empty()) break;
        if (!IsEventKind(kind)) {
          return LineError(line_no, "rules.value",
                           "事件类型" + Quote(kind) + "不合法（如 case.declined）");
        }
        if (std::find(r.kinds_.begin(), r.kinds_.end(), kind) == r.kinds_.end()) {
          r.kinds_.emplace_back(kind);
        }
      }
    } else if (key == "at") {
      // Parsed at `end`, once the target is known.
      o.at_text = std::string(value);
      o.at_line = line_no;
    } else if (key == "when") {
      o.when.emplace_back(line_no, std::string(value));
    }
  }
  if (open) {
    return LineError(open->rule.line_, "rules.syntax",
                     "规则 " + open->rule.id_ + " 缺少 end");
  }
  while (!pending_comments.empty() && pending_comments.back().empty()) pending_comments.pop_back();
  set.trailing_comments_ = std::move(pending_comments);
  for (uint32_t i = 0; i < set.rules_.size(); ++i) {
    const Rule& r = set.rules_[i];
    if (!r.enabled()) continue;
    for (const auto& k : r.event_kinds()) set.by_kind_[k].push_back(i);
    if (r.is_time_rule()) set.by_target_[static_cast<size_t>(r.target())].push_back(i);
  }
  return set;
}

const Rule* RuleSet::Find(std::string_view id) const {
  for (const auto& r : rules_) {
    if (r.id() == id) return &r;
  }
  return nullptr;
}

std::span<const uint32_t> RuleSet::EventRulesFor(std::string_view kind) const {
  auto it = by_kind_.find(kind);
  if (it == by_kind_.end()) return {};
  return it->second;
}

std::span<const uint32_t> RuleSet::TimeRulesFor(Target target) const {
  return by_target_[static_cast<size_t>(target)];
}

std::string RuleSet::Serialize() const {
  std::string out;
  auto kv = [&out](std::string_view key, std::string_view value) {
    out += "  ";
    out += key;
    out.append(key.size() < 8 ? 9 - key.size() : 1, ' ');
    out += value;
    out += '\n';
  };
  bool first = true;
  for (const auto& r : rules_) {
    if (!first) out += '\n';
    first = false;
    for (const auto& c : r.comments()) out += c + "\n";
    out += "rule " + r.id() + "\n";
    kv("name", r.name());
    kv("basis", r.basis());
    kv("level", AlertLevelName(r.level()));
    kv("target", TargetName(r.target()));
    kv("enabled", r.enabled() ? "yes" : "no");
    if (!r.note().empty()) kv("note", r.note());
    if (r.is_event_rule()) {
      std::string kinds;
      for (const auto& k : r.event_kinds()) kinds += (kinds.empty() ? "" : ", ") + k;
      kv("on", kinds);
    }
    if (r.time()) kv("at", FormatAt(*r.time()));
    for (const auto& w : r.conditions()) kv("when", w);
    kv("message", r.message());
    out += "end\n";
  }
  if (!trailing_comments_.empty()) {
    if (!rules_.empty()) out += '\n';
    for (const auto& c : trailing_comments_) out += c + "\n";
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

namespace {

// A value as conditions see it: present (non-empty) text, maybe a whole integer.
struct Value {
  bool present = false;
  std::string_view text;
  bool is_number = false;
  int64_t number = 0;
};

Value FromText(std::optional<std::string_view> t) {
  Value v;
  if (!t || t->empty()) return v;
  v.present = true;
  v.text = *t;
  if (auto n = AsInteger(*t)) {
    v.is_number = true;
    v.number = *n;
  }
  return v;
}

Value FromNumber(int64_t n) {
  Value v;
  v.present = true;
  v.is_number = true;
  v.number = n;
  return v;
}

const char* CompareSymbol(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kNe: return "≠";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "≤";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return "≥";
  }
  return "=";
}

// Two present values: numbers compare as numbers, two texts byte by byte; a number and a
// non-number are only unequal.
bool CompareValues(const Value& a, CompareOp op, const Value& b) {
  int c = 0;
  if (a.is_number && b.is_number) {
    c = a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
  } else if (!a.is_number && !b.is_number) {
    c = a.text.compare(b.text);
    c = c < 0 ? -1 : c > 0 ? 1 : 0;
  } else {
    return op == CompareOp::kNe;
  }
  switch (op) {
    case CompareOp::kEq: return c == 0;
    case CompareOp::kNe: return c != 0;
    case CompareOp::kLt: return c < 0;
    case CompareOp::kLe: return c <= 0;
    case CompareOp::kGt: return c > 0;
    case CompareOp::kGe: return c >= 0;
  }
  return false;
}

std::string Show(const Value& v, std::string_view name) {
  if (!v.present) return "无值";
  if (v.is_number && EndsWith(name, "_ms")) return FormatMoment(FromUnixMillis(v.number));
  if (v.text.empty() && v.is_number) return std::to_string(v.number);
  return std::string(v.text);
}

}  // namespace

// Evaluates a rule's conditions. The fast path (Eval) allocates nothing; Explain repeats the
// evaluation to say why it holds, and only runs for a rule that fires.
struct Evaluator {
  const Rule& rule;
  const Event* event = nullptr;      // event rules
  const Fields* item = nullptr;      // time rules: the item
  const Fields* kase = nullptr;      // the case's facts
  const CountSource* counts = nullptr;
  const calendar::Calendar* cal = nullptr;
  std::array<std::optional<int64_t>, kMaxCounts> count_cache{};
  std::optional<Error> error;

  static int32_t Root(const Rule& r) { return r.root_; }
  const std::vector<Node>& nodes() const { return rule.nodes_; }

  std::optional<std::string_view> Lookup(Source s, std::string_view name) const {
    switch (s) {
      case Source::kEvent: return event ? event->fields.Find(name) : std::nullopt;
      case Source::kItem: return item ? item->Find(name) : std::nullopt;
      case Source::kCase: return kase ? kase->Find(name) : std::nullopt;
      case Source::kEventKind: return event ? std::optional(event->kind) : std::nullopt;
      case Source::kEventAt: return std::nullopt;
    }
    return std::nullopt;
  }

  Value FieldValue(const Operand& o) const {
    if (o.source == Source::kEventAt) {
      return event ? FromNumber(ToUnixMillis(event->at)) : Value{};
    }
    return FromText(Lookup(o.source, o.name));
  }

  Value OperandValue(const Operand& o) {
    switch (o.kind) {
      case OperandKind::kLiteral: {
        Value v;
        v.present = true;
        v.text = o.name;
        v.is_number = o.number.has_value();
        v.number = o.number.value_or(0);
        return v;
      }
      case OperandKind::kField: return FieldValue(o);
      case OperandKind::kCount: {
        auto& slot = count_cache[o.count];
        if (!slot) {
          if (!counts) {
            error = MakeError(ErrorCode::kFailedPrecondition, "rules.needs_counts",
                              "规则 " + rule.id() + " 需要事件计数，但未提供计数来源");
            return {};
          }
          auto n = counts->Count(rule.counts_[o.count]);
          if (!n.ok()) {
            error = n.error();
            return {};
          }
          slot = *n;
        }
        return FromNumber(*slot);
      }
      case OperandKind::kSince: {
        Value from = FieldValue(o);
        if (!from.present || !from.is_number || !event) return {};
        Instant start = FromUnixMillis(from.number);
        switch (o.since) {
          case SinceUnit::kWorkingDays: {
            if (!cal) {
              error = MakeError(ErrorCode::kFailedPrecondition, "rules.needs_calendar",
                                "规则 " + rule.id() + " 需要工作日历，但未提供");
              return {};
            }
            auto n = cal->WorkingDaysBetween(calendar::ShanghaiDate(start),
                                             calendar::ShanghaiDate(event->at));
            if (!n.ok()) {
              error = n.error();
              return {};
            }
            return FromNumber(n->days.count);
          }
          case SinceUnit::kDays:
            return FromNumber(
                (calendar::ShanghaiDate(event->at) - calendar::ShanghaiDate(start)).count);
          case SinceUnit::kHours:
            return FromNumber(
                std::chrono::floor<std::chrono::hours>(event->at - start).count());
          case SinceUnit::kMinutes:
            return FromNumber(
                std::chrono::floor<std::chrono::minutes>(event->at - start).count());
        }
        return {};
      }
    }
    return {};
  }

  bool Eval(int32_t index) {
    const Node& n = nodes()[static_cast<size_t>(index)];
    switch (n.op) {
      case NodeOp::kAnd:
        for (int32_t k : n.kids) {
          if (!Eval(k) || error) return false;
        }
        return true;
      case NodeOp::kOr:
        for (int32_t k : n.kids) {
          if (Eval(k)) return true;
          if (error) return false;
        }
        return false;
      case NodeOp::kNot: return !Eval(n.kids[0]) && !error;
      case NodeOp::kExists: return FieldValue(n.lhs).present;
      case NodeOp::kMissing: return !FieldValue(n.lhs).present;
      case NodeOp::kCompare: {
        Value a = OperandValue(n.lhs);
        if (!a.present) return false;
        Value b = OperandValue(n.rhs);
        if (!b.present) return false;
        return CompareValues(a, n.cmp, b);
      }
      case NodeOp::kIn:
      case NodeOp::kNotIn: {
        Value a = OperandValue(n.lhs);
        if (!a.present) return false;
        bool found = false;
        for (const auto& lit : n.list) {
          if (CompareValues(a, CompareOp::kEq, OperandValue(lit))) {
            found = true;
            break;
          }
        }
        return n.op == NodeOp::kIn ? found : !found;
      }
    }
    return false;
  }

  std::string Describe(const Operand& o) {
    Value v = OperandValue(o);
    switch (o.kind) {
      case OperandKind::kLiteral: return o.text;
      case OperandKind::kField:
        if (o.source == Source::kEventAt) return o.text + "（" + Show(v, "at_ms") + "）";
        return v.present ? o.text + "（" + Show(v, o.name) + "）" : o.text + "（无值）";
      case OperandKind::kCount: {
        const CountSpec& spec = rule.counts_[o.count];
        std::string what = std::string(kScopeTitles[static_cast<size_t>(spec.scope)]);
        if (spec.window) {
          what += std::to_string(spec.window->amount) +
                  std::string(SpanUnitTitle(spec.window->unit)) + "内";
        } else {
          what += "累计";
        }
        std::string kinds;
        for (const auto& k : spec.kinds) kinds += (kinds.empty() ? "" : "、") + k;
        return what + " " + kinds + " 次数（" + (v.present ? std::to_string(v.number) : "无") +
               "）";
      }
      case OperandKind::kSince: {
        Value from = FieldValue(o);
        std::string s = o.text + "（";
        if (!v.present) return s + "无值）";
        s += std::to_string(v.number);
        if (event) {
          s += "，" + FormatMoment(FromUnixMillis(from.number)) + " 至 " +
               FormatMoment(event->at);
        }
        return s + "）";
      }
    }
    return o.text;
  }

  std::string Explain(int32_t index) {
    const Node& n = nodes()[static_cast<size_t>(index)];
    switch (n.op) {
      case NodeOp::kAnd: {
        std::string all;
        for (int32_t k : n.kids) {
          if (!Eval(k)) return Explain(k);
          all += (all.empty() ? "" : "，且 ") + Explain(k);
        }
        return all;
      }
      case NodeOp::kOr: {
        std::string all;
        for (int32_t k : n.kids) {
          if (Eval(k)) return Explain(k);
          all += (all.empty() ? "" : "；") + Explain(k);
        }
        return all;
      }
      case NodeOp::kNot: return "并非（" + Explain(n.kids[0]) + "）";
      case NodeOp::kExists:
      case NodeOp::kMissing: {
        Value v = FieldValue(n.lhs);
        if (!v.present) {
          auto raw = Lookup(n.lhs.source, n.lhs.name);
          return n.lhs.text + (raw ? " 为空" : " 缺失");
        }
        return n.lhs.text + "（" + Show(v, n.lhs.name) + "）有值";
      }
      case NodeOp::kCompare:
        return Describe(n.lhs) + " " + CompareSymbol(n.cmp) + " " + Describe(n.rhs);
      case NodeOp::kIn:
      case NodeOp::kNotIn: {
        bool holds = Eval(index);
        bool member = (n.op == NodeOp::kIn) == holds;
        std::string list;
        for (const auto& lit : n.list) list += (list.empty() ? "" : ", ") + lit.text;
        return Describe(n.lhs) + (member ? " ∈ {" : " ∉ {") + list + "}";
      }
    }
    return "";
  }
};

namespace {

// The text of the placeholder NAME for a rule that fires.
struct MessageContext {
  Evaluator& ev;
  Instant moment;
  std::optional<Instant> deadline;
  std::optional<Span> days;  // time rules: the offset (or what remains of a limit)
};

std::string LookupPlaceholder(const Rule& rule, std::string_view name, MessageContext& m) {
  if (name == "rule") return rule.id();
  if (name == "name") return rule.name();
  if (name == "basis") return rule.basis();
  if (name == "level") return std::string(AlertLevelTitle(rule.level()));
  if (name == "target") return std::string(TargetTitle(rule.target()));
  if (name == "moment") return FormatMoment(m.moment);
  if (name == "deadline") {
    if (m.deadline) return FormatMoment(*m.deadline);
    for (std::string_view f : {"promised_deadline_ms", "statutory_deadline_ms"}) {
      Value v = FromText(m.ev.kase ? m.ev.kase->Find(f) : std::nullopt);
      if (v.present && v.is_number) return FormatMoment(FromUnixMillis(v.number));
    }
    return "—";
  }
  if (rule.is_time_rule() && name == "days") {
    return m.days ? std::to_string(m.days->amount) : "0";
  }
  if (rule.is_time_rule() && name == "unit") {
    return m.days ? std::string(SpanUnitTitle(m.days->unit)) : "";
  }
  if (name == "count" && !rule.counts().empty()) {
    Operand o;
    o.kind = OperandKind::kCount;
    o.count = 0;
    Value v = m.ev.OperandValue(o);
    return v.present ? std::to_string(v.number) : "—";
  }
  std::string_view prefix, field = name;
  if (size_t dot = name.find('.'); dot != name.npos) {
    prefix = name.substr(0, dot);
    field = name.substr(dot + 1);
  }
  std::optional<std::string_view> raw;
  if (prefix == "case") {
    raw = m.ev.kase ? m.ev.kase->Find(field) : std::nullopt;
  } else if (prefix == "event") {
    if (field == "kind" && m.ev.event) return std::string(m.ev.event->kind);
    if (field == "at" && m.ev.event) return FormatMoment(m.ev.event->at);
    raw = m.ev.event ? m.ev.event->fields.Find(field) : std::nullopt;
  } else if (!prefix.empty()) {
    raw = m.ev.item ? m.ev.item->Find(field) : std::nullopt;
  } else {
    if (m.ev.event) raw = m.ev.event->fields.Find(field);
    if ((!raw || raw->empty()) && m.ev.item) raw = m.ev.item->Find(field);
    if ((!raw || raw->empty()) && m.ev.kase) raw = m.ev.kase->Find(field);
  }
  Value v = FromText(raw);
  if (!v.present) return "—";
  return Show(v, field);
}

std::string Render(const Rule& rule, MessageContext& m) {
  const std::string& t = rule.message();
  std::string out;
  out.reserve(t.size() + 64);
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if ((c == '{' || c == '}') && i + 1 < t.size() && t[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    size_t close = t.find('}', i);
    if (close == std::string::npos) {  // cannot happen after parsing
      out += t.substr(i);
      break;
    }
    out += LookupPlaceholder(rule, std::string_view(t).substr(i + 1, close - i - 1), m);
    i = close;
  }
  return out;
}

}  // namespace

Result<EventVerdict> EvaluateEvent(const Rule& rule, const Event& event, const Fields& case_facts,
                                   const CountSource* counts, const calendar::Calendar* cal) {
  if (!rule.enabled() || !rule.ListensTo(event.kind)) return EventVerdict{};
  Evaluator ev{rule};
  ev.event = &event;
  ev.kase = &case_facts;
  ev.counts = counts;
  ev.cal = cal;
  if (Evaluator::Root(rule) >= 0) {
    bool holds = ev.Eval(Evaluator::Root(rule));
    if (ev.error) return *ev.error;
    if (!holds) return EventVerdict{};
  }
  EventVerdict out;
  out.fires = true;
  out.explanation = "事件 " + std::string(event.kind) + "（" + FormatMoment(event.at) + "）";
  if (Evaluator::Root(rule) >= 0) {
    out.explanation += "：" + ev.Explain(Evaluator::Root(rule));
    if (ev.error) return *ev.error;
  }
  MessageContext m{ev, event.at, std::nullopt, std::nullopt};
  out.message = Render(rule, m);
  if (ev.error) return *ev.error;
  return Result<EventVerdict>(std::move(out));
}

bool Rule::ListensTo(std::string_view kind) const {
  for (const auto& k : kinds_) {
    if (k == kind) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Time rules

namespace {

// The anchor instant of a time rule for FACTS, or nullopt (absent, or a paused clock).
struct Anchor {
  Instant at;
  const ClockFacts* clock = nullptr;
};

std::optional<Anchor> FindAnchor(const TimeSpec& t, const TimeFacts& f) {
  if (t.anchor_is_clock) {
    const auto& c = f.clock(t.clock);
    if (!c || c->paused) return std::nullopt;
    return Anchor{c->deadline, &*c};
  }
  const auto& i = f.instant(t.instant);
  if (!i) return std::nullopt;
  return Anchor{*i, nullptr};
}

// What remains of a limit of L units when P% of it has elapsed: floor(L × (100 − P) / 100);
// for hours, in minutes.
int64_t Remaining(const ClockFacts& c, int32_t percent) {
  int64_t units = c.unit == catalog::LimitUnit::kHours ? int64_t{c.limit} * 60 : c.limit;
  return units * (100 - percent) / 100;
}

Result<Moment> Shift(Instant anchor, int64_t amount, SpanUnit unit, const calendar::Calendar& cal) {
  switch (unit) {
    case SpanUnit::kWorkingDays: {
      auto r = cal.AddWorkingDays(DayOf(anchor),
                                  calendar::WorkingDays(static_cast<int32_t>(amount)));
      if (!r.ok()) return r.error();
      return Moment{cases::EndOfDay(r->date), r->provisional};
    }
    case SpanUnit::kDays:
      return Moment{
          cases::EndOfDay(DayOf(anchor) + calendar::CalendarDays(static_cast<int32_t>(amount))),
          false};
    case SpanUnit::kHours: return Moment{anchor + std::chrono::hours(amount), false};
  }
  return Moment{anchor, false};
}

// The moment from the anchor, ignoring conditions.
Result<std::optional<Moment>> MomentOf(const TimeSpec& t, const TimeFacts& f,
                                       const calendar::Calendar& cal) {
  auto a = FindAnchor(t, f);
  if (!a) return std::optional<Moment>();
  const bool provisional = a->clock && a->clock->provisional;
  switch (t.kind) {
    case TimeSpec::Kind::kAt: return std::optional<Moment>(Moment{a->at, provisional});
    case TimeSpec::Kind::kBefore:
    case TimeSpec::Kind::kAfter: {
      int64_t n = t.kind == TimeSpec::Kind::kBefore ? -t.offset.amount : t.offset.amount;
      auto m = Shift(a->at, n, t.offset.unit, cal);
      if (!m.ok()) return m.error();
      m->provisional = m->provisional || provisional;
      return std::optional<Moment>(*m);
    }
    case TimeSpec::Kind::kShare: {
      if (!a->clock || a->clock->limit <= 0) return std::optional<Moment>();
      int64_t r = Remaining(*a->clock, t.percent);
      if (r == 0) return std::optional<Moment>(Moment{a->at, provisional});
      Result<Moment> m = Moment{};
      switch (a->clock->unit) {
        case catalog::LimitUnit::kWorkingDays:
          m = Shift(a->at, -r, SpanUnit::kWorkingDays, cal);
          break;
        case catalog::LimitUnit::kCalendarDays:
          m = Shift(a->at, -r, SpanUnit::kDays, cal);
          break;
        case catalog::LimitUnit::kHours:
          m = Moment{a->at - std::chrono::minutes(r), false};
          break;
      }
      if (!m.ok()) return m.error();
      m->provisional = m->provisional || provisional;
      return std::optional<Moment>(*m);
    }
  }
  return std::optional<Moment>();
}

// The days in (FROM, TO] that are not plain workdays, grouped into runs: "跳过 2026-02-15 至
// 2026-02-23 春节、2026-02-07 至 2026-02-08 周末；2026-02-14 春节调休上班，计入". Empty if none.
Result<std::string> SkippedDays(const calendar::Calendar& cal, Date from, Date to) {
  struct Run {
    Date first, last;
    std::string name;
  };
  std::vector<Run> skipped, makeup;
  for (Date d = from + calendar::CalendarDays(1); d <= to; d = d + calendar::CalendarDays(1)) {
    auto info = cal.Day(d);
    if (!info.ok()) return info.error();
    std::string name;
    std::vector<Run>* runs = nullptr;
    switch (info->kind) {
      case calendar::DayKind::kWorkday: continue;
      case calendar::DayKind::kWeekend:
        name = "周末";
        runs = &skipped;
        break;
      case calendar::DayKind::kHoliday:
        name = info->name.empty() ? "节假日" : std::string(info->name);
        runs = &skipped;
        break;
      case calendar::DayKind::kMakeupWorkday:
        name = (info->name.empty() ? std::string() : std::string(info->name)) + "调休上班";
        runs = &makeup;
        break;
    }
    if (!runs->empty() && runs->back().name == name &&
        runs->back().last + calendar::CalendarDays(1) == d) {
      runs->back().last = d;
    } else {
      runs->push_back({d, d, name});
    }
  }
  auto text = [](const std::vector<Run>& runs) {
    std::string s;
    for (const auto& r : runs) {
      if (!s.empty()) s += "、";
      s += calendar::FormatDate(r.first);
      if (r.last != r.first) s += " 至 " + calendar::FormatDate(r.last);
      s += " " + r.name;
    }
    return s;
  };
  std::string out;
  if (!skipped.empty()) out = "跳过 " + text(skipped);
  if (!makeup.empty()) out += (out.empty() ? "" : "；") + text(makeup) + "，计入";
  return out;
}

std::string UnitTitle(catalog::LimitUnit u) { return std::string(catalog::LimitUnitTitle(u)); }

Result<std::string> ExplainAnchor(const TimeSpec& t, const Anchor& a,
                                  const calendar::Calendar& cal) {
  if (!a.clock) {
    return std::string(InstantIdTitle(t.instant)) + " " + FormatMoment(a.at);
  }
  const ClockFacts& c = *a.clock;
  const auto& row = kClocks[static_cast<size_t>(t.clock)];
  std::string s = std::string(row.title) + " " + FormatMoment(c.deadline);
  std::string detail;
  if (c.started && c.limit > 0) {
    detail = std::string(row.start_title) + " " + FormatMoment(*c.started) + " 后 " +
             std::to_string(c.limit) + " " + UnitTitle(c.unit);
    if (c.unit == catalog::LimitUnit::kWorkingDays) {
      auto skipped = SkippedDays(cal, calendar::ShanghaiDate(*c.started), DayOf(c.deadline));
      if (!skipped.ok()) return skipped.error();
      if (!skipped->empty()) detail += "，" + *skipped;
    }
  } else if (c.limit > 0) {
    detail = "时限 " + std::to_string(c.limit) + " " + UnitTitle(c.unit);
  }
  if (c.provisional) {
    detail += (detail.empty() ? "" : "，") + std::string("所涉年份节假日尚未公布，暂按周末计算");
  }
  if (!detail.empty()) s += "（" + detail + "）";
  return s;
}

}  // namespace

Result<std::optional<Moment>> NextMoment(const Rule& rule, const TimeFacts& facts,
                                         const calendar::Calendar& cal) {
  if (!rule.enabled() || !rule.time()) return std::optional<Moment>();
  // Conditions first: they are cheap and usually decide (a concluded case has no moment).
  if (Evaluator::Root(rule) >= 0) {
    NoFields none;
    Evaluator ev{rule};
    ev.item = facts.fields ? facts.fields : &none;
    ev.kase = facts.case_fields ? facts.case_fields : ev.item;
    if (!ev.Eval(Evaluator::Root(rule))) return std::optional<Moment>();
  }
  return MomentOf(*rule.time(), facts, cal);
}

Result<TimeVerdict> EvaluateTime(const Rule& rule, const TimeFacts& facts,
                                 const calendar::Calendar& cal, Instant now) {
  TimeVerdict out;
  auto moment = NextMoment(rule, facts, cal);
  if (!moment.ok()) return moment.error();
  out.moment = *moment;
  if (!out.moment || now < out.moment->at) return Result<TimeVerdict>(std::move(out));
  out.fires = true;

  const TimeSpec& t = *rule.time();
  auto anchor = FindAnchor(t, facts);  // present: the moment exists
  NoFields none;
  Evaluator ev{rule};
  ev.item = facts.fields ? facts.fields : &none;
  ev.kase = facts.case_fields ? facts.case_fields : ev.item;

  auto head = ExplainAnchor(t, *anchor, cal);
  if (!head.ok()) return head.error();
  std::string anchor_title = anchor->clock ? std::string(ClockIdTitle(t.clock))
                                           : std::string(InstantIdTitle(t.instant));
  std::string s = *head + "；检查时刻 = ";
  std::optional<Span> days;
  switch (t.kind) {
    case TimeSpec::Kind::kAt: s += anchor_title; break;
    case TimeSpec::Kind::kBefore:
    case TimeSpec::Kind::kAfter: {
      days = t.offset;
      s += anchor_title + (t.kind == TimeSpec::Kind::kBefore ? "前 " : "后 ") +
           std::to_string(t.offset.amount) + " " + std::string(SpanUnitTitle(t.offset.unit));
      break;
    }
    case TimeSpec::Kind::kShare: {
      const ClockFacts& c = *anchor->clock;
      int64_t r = Remaining(c, t.percent);
      SpanUnit unit = c.unit == catalog::LimitUnit::kWorkingDays  ? SpanUnit::kWorkingDays
                      : c.unit == catalog::LimitUnit::kCalendarDays ? SpanUnit::kDays
                                                                    : SpanUnit::kHours;
      std::string remaining = c.unit == catalog::LimitUnit::kHours
                                  ? std::to_string(r) + " 分钟"
                                  : std::to_string(r) + " " + UnitTitle(c.unit);
      days = Span{static_cast<int32_t>(c.unit == catalog::LimitUnit::kHours ? r / 60 : r), unit};
      s += anchor_title + "已过 " + std::to_string(t.percent) + "%（共 " +
           std::to_string(c.limit) + " " + UnitTitle(c.unit) + "，剩余 " + remaining + "）";
      break;
    }
  }
  s += " = " + FormatMoment(out.moment->at);
  // The working days between the anchor and the moment, with the days the calendar skipped.
  bool working = (t.kind == TimeSpec::Kind::kBefore || t.kind == TimeSpec::Kind::kAfter)
                     ? t.offset.unit == SpanUnit::kWorkingDays
                     : t.kind == TimeSpec::Kind::kShare &&
                           anchor->clock->unit == catalog::LimitUnit::kWorkingDays;
  if (working) {
    Date a = DayOf(anchor->at), m = DayOf(out.moment->at);
    auto skipped = a < m ? SkippedDays(cal, a, m) : SkippedDays(cal, m, a);
    if (!skipped.ok()) return skipped.error();
    if (!skipped->empty()) s += "（" + *skipped + "）";
  }
  if (out.moment->provisional) s += "（暂定：所涉年份节假日尚未公布）";
  if (Evaluator::Root(rule) >= 0) s += "；" + ev.Explain(Evaluator::Root(rule));
  out.explanation = std::move(s);
  MessageContext m{ev, out.moment->at, anchor->at, days};
  out.message = Render(rule, m);
  return Result<TimeVerdict>(std::move(out));
}

// ---------------------------------------------------------------------------------------------
// Counts, keys

Result<Instant> WindowStart(const Span& window, Instant at, const calendar::Calendar& cal) {
  switch (window.unit) {
    case SpanUnit::kDays: return at - std::chrono::hours(24) * window.amount;
    case SpanUnit::kHours: return at - std::chrono::hours(window.amount);
    case SpanUnit::kWorkingDays: {
      Date day = calendar::ShanghaiDate(at);
      auto r = cal.AddWorkingDays(day, calendar::WorkingDays(-window.amount));
      if (!r.ok()) return r.error();
      return calendar::ShanghaiStartOfDay(r->date) + (at - calendar::ShanghaiStartOfDay(day));
    }
  }
  return at;
}

std::string AlertKey::ToString() const {
  return rule_id + "|" + item + "|" + std::to_string(ToUnixMillis(moment));
}

AlertKey MakeAlertKey(const Rule& rule, std::string_view item, Instant moment) {
  return AlertKey{rule.id(), std::string(item), moment};
}

// ---------------------------------------------------------------------------------------------
// Facts of a case

namespace {

std::string Ms(Instant t) { return std::to_string(ToUnixMillis(t)); }
std::string Bool(bool b) { return b ? "true" : "false"; }

std::optional<Instant> PauseStart(const std::optional<cases::LegalClock>& c) {
  if (!c || !c->paused) return std::nullopt;
  for (auto it = c->log.rbegin(); it != c->log.rend(); ++it) {
    if (it->kind == cases::ClockEntry::Kind::kPause) return it->at;
  }
  return std::nullopt;
}

std::optional<ClockFacts> ClockOf(const std::optional<cases::LegalClock>& c) {
  if (!c || !c->started()) return std::nullopt;
  ClockFacts f;
  f.deadline = c->deadline;
  f.limit = c->limit.value + c->extended;
  f.unit = c->limit.unit;
  f.paused = c->paused;
  f.provisional = c->provisional;
  if (c->log.size() == 1) f.started = c->log.front().at;
  return f;
}

}  // namespace

FieldMap CaseFacts(const cases::Case& c) {
  FieldMap f;
  auto set = [&f](std::string_view k, std::string v) {
    if (!v.empty()) f.Set(std::string(k), std::move(v));
  };
  set("case_id", std::to_string(c.id));
  set("case_no", c.case_no);
  set("matter_code", c.matter_code);
  set("matter_name", c.matter_name);
  set("matter_version_id", std::to_string(c.matter_version_id));
  set("department_id", std::to_string(c.department_id));
  set("department_code", c.department_code);
  set("department", c.department_code);
  set("state", std::string(cases::CaseStateName(c.state)));
  set("channel", std::string(cases::ChannelName(c.channel)));
  set("service_mode", c.service_mode);
  set("applicant_kind", c.applicant_kind);
  set("applicant_code", c.applicant_code);
  if (c.key_project_id) set("key_project_id", std::to_string(*c.key_project_id));
  set("corrections", std::to_string(c.corrections));
  set("extended", Bool(c.extended));
  if (c.decision) set("decision", std::string(cases::DecisionName(*c.decision)));
  set("fee_due_fen", std::to_string(c.fee_due_fen));
  set("fee_paid_fen", std::to_string(c.fee_paid_fen));
  set("supervised", Bool(c.supervised));
  if (c.verified) set("verified", Bool(*c.verified));
  set("steps_done", std::to_string(c.done_steps.size()));
  std::string active;
  for (const auto& s : c.active_steps) active += (active.empty() ? "" : ",") + s.def.id;
  set("active_steps", active);
  set("submitted_at_ms", Ms(c.submitted_at));
  if (c.accepted_at) set("accepted_at_ms", Ms(*c.accepted_at));
  if (c.concluded_at) set("concluded_at_ms", Ms(*c.concluded_at));
  if (c.delivered_at) set("delivered_at_ms", Ms(*c.delivered_at));
  if (c.closed_at) set("closed_at_ms", Ms(*c.closed_at));
  for (auto [clock, name] : {std::pair{&c.statutory, std::string("statutory")},
                             std::pair{&c.promised, std::string("promised")}}) {
    if (!*clock || !(*clock)->started()) continue;
    const auto& lc = **clock;
    if (!lc.paused) set(name + "_deadline_ms", Ms(lc.deadline));
    set(name + "_paused", Bool(lc.paused));
    set(name + "_limit", std::to_string(lc.limit.value + lc.extended));
    set("limit_unit", std::string(catalog::LimitUnitName(lc.limit.unit)));
  }
  if (c.verification_deadline) set("verification_deadline_ms", Ms(*c.verification_deadline));
  return f;
}

FieldMap StepFacts(const cases::ActiveStep& s) {
  FieldMap f;
  auto set = [&f](std::string_view k, std::string v) {
    if (!v.empty()) f.Set(std::string(k), std::move(v));
  };
  set("step_id", s.def.id);
  set("step_name", s.def.name);
  set("step_department_code", s.def.department_code);
  std::string roles;
  for (const auto& r : s.def.roles) roles += (roles.empty() ? "" : ",") + r;
  set("step_roles", roles);
  set("step_started_at_ms", Ms(s.started_at));
  if (s.deadline) set("step_deadline_ms", Ms(*s.deadline));
  if (s.def.limit) {
    set("step_limit", std::to_string(s.def.limit->value));
    set("step_limit_unit", std::string(catalog::LimitUnitName(s.def.limit->unit)));
  }
  return f;
}

TimeFacts CaseTimeFacts(const cases::Case& c, const Fields& fields) {
  TimeFacts t;
  t.fields = &fields;
  t.case_fields = &fields;
  if (auto s = ClockOf(c.statutory)) t.Set(ClockId::kStatutory, *s);
  if (auto p = ClockOf(c.promised)) t.Set(ClockId::kPromised, *p);
  if (c.verification_deadline) {
    ClockFacts v;
    v.deadline = *c.verification_deadline;
    t.Set(ClockId::kVerification, v);
  }
  t.Set(InstantId::kSubmission, c.submitted_at);
  if (c.accepted_at) t.Set(InstantId::kAcceptance, *c.accepted_at);
  if (c.concluded_at) t.Set(InstantId::kConclusion, *c.concluded_at);
  auto pause = PauseStart(c.promised);
  if (!pause) pause = PauseStart(c.statutory);
  if (pause) t.Set(InstantId::kPause, *pause);
  return t;
}

TimeFacts StepTimeFacts(const cases::ActiveStep& s, const Fields& step_fields,
                        const Fields& case_fields) {
  TimeFacts t;
  t.fields = &step_fields;
  t.case_fields = &case_fields;
  if (s.deadline) {
    ClockFacts c;
    c.deadline = *s.deadline;
    if (s.def.limit) {
      c.limit = s.def.limit->value;
      c.unit = s.def.limit->unit;
    }
    c.started = s.started_at;
    t.Set(ClockId::kStep, c);
  }
  return t;
}

}  // namespace xn::supervision
