#include "domain/flow/flow.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <set>
#include <utility>

namespace xn::flow {

namespace {

Error Invalid(std::string code, std::string message, std::string field = {}) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(code), std::move(message),
                   std::move(field));
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// A whole string that is a number ("50000000", "-0.5"), as a double.
std::optional<double> AsNumber(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<bool> AsBool(const Value& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b;
  if (const std::string* s = std::get_if<std::string>(&v)) {
    if (*s == "true") return true;
    if (*s == "false") return false;
  }
  return std::nullopt;
}

std::string Describe(const Value& v) {
  if (const std::string* s = std::get_if<std::string>(&v)) return "\"" + *s + "\"";
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::get<double>(v));
  return std::string(buf, ec == std::errc() ? end : buf);
}

bool IsIdentStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
bool IsIdentChar(unsigned char c) {
  return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '.';
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Condition parsing: recursive descent over the grammar
//   or   := and (("||" | "or") and)*
//   and  := not (("&&" | "and") not)*
//   not  := ("!" | "not") not | cmp
//   cmp  := atom (op atom)?
//   atom := number | string | true | false | field | "(" or ")"

class ConditionParser {
 public:
  ConditionParser(std::string_view text, Condition& out) : s_(text), out_(out) {}

  Status Run() {
    auto root = Or(0);
    if (!root.ok()) return root.error();
    SkipSpace();
    if (pos_ != s_.size()) return Fail("unexpected text");
    out_.root_ = *root;
    return Ok();
  }

 private:
  enum class Tok { kEnd, kNumber, kString, kWord, kSymbol };

  void SkipSpace() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
  }

  Error Fail(std::string_view what) const {
    return Invalid("flow.bad_condition", std::string(what) + " at position " +
                                             std::to_string(pos_ + 1) + " of '" +
                                             std::string(s_) + "'");
  }

  // The next word (identifier) without consuming it, or "".
  std::string_view PeekWord() {
    SkipSpace();
    size_t i = pos_;
    if (i >= s_.size() || !IsIdentStart(static_cast<unsigned char>(s_[i]))) return {};
    while (i < s_.size() && IsIdentChar(static_cast<unsigned char>(s_[i]))) ++i;
    return s_.substr(pos_, i - pos_);
  }

  bool EatSymbol(std::string_view sym) {
    SkipSpace();
    if (s_.substr(pos_, sym.size()) != sym) return false;
    pos_ += sym.size();
    return true;
  }

  bool EatWord(std::string_view word) {
    if (PeekWord() != word) return false;
    pos_ += word.size();
    return true;
  }

  int32_t Add(Condition::Term t) {
    out_.terms_.push_back(std::move(t));
    return static_cast<int32_t>(out_.terms_.size() - 1);
  }

  Result<int32_t> Or(int depth) {
    auto lhs = And(depth);
    if (!lhs.ok()) return lhs;
    int32_t node = *lhs;
    while (EatSymbol("||") || EatWord("or")) {
      auto rhs = And(depth);
      if (!rhs.ok()) return rhs;
      node = Add({Condition::Op::kOr, node, *rhs, {}});
    }
    return node;
  }

  Result<int32_t> And(int depth) {
    auto lhs = Not(depth);
    if (!lhs.ok()) return lhs;
    int32_t node = *lhs;
    while (EatSymbol("&&") || EatWord("and")) {
      auto rhs = Not(depth);
      if (!rhs.ok()) return rhs;
      node = Add({Condition::Op::kAnd, node, *rhs, {}});
    }
    return node;
  }

  Result<int32_t> Not(int depth) {
    if (depth > Condition::kMaxDepth) return Fail("nesting too deep");
    SkipSpace();
    if ((s_.substr(pos_, 1) == "!" && s_.substr(pos_, 2) != "!=") || EatWord("not")) {
      if (s_.substr(pos_, 1) == "!") ++pos_;
      auto inner = Not(depth + 1);
      if (!inner.ok()) return inner;
      return Add({Condition::Op::kNot, *inner, -1, {}});
    }
    return Cmp(depth);
  }

  std::optional<Condition::Op> EatComparison() {
    using Op = Condition::Op;
    static constexpr std::pair<std::string_view, Op> kSymbols[] = {
        {"==", Op::kEq}, {"!=", Op::kNe}, {"<=", Op::kLe}, {">=", Op::kGe},
        {"<>", Op::kNe}, {"<", Op::kLt},  {">", Op::kGt},  {"=", Op::kEq}};
    for (const auto& [sym, op] : kSymbols) {
      if (EatSymbol(sym)) return op;
    }
    static constexpr std::pair<std::string_view, Op> kWords[] = {
        {"eq", Op::kEq}, {"ne", Op::kNe}, {"lt", Op::kLt},
        {"le", Op::kLe}, {"gt", Op::kGt}, {"ge", Op::kGe}};
    for (const auto& [word, op] : kWords) {
      if (EatWord(word)) return op;
    }
    return std::nullopt;
  }

  Result<int32_t> Cmp(int depth) {
    auto lhs = Atom(depth);
    if (!lhs.ok()) return lhs;
    auto op = EatComparison();
    if (!op) return lhs;
    auto rhs = Atom(depth);
    if (!rhs.ok()) return rhs;
    return Add({*op, *lhs, *rhs, {}});
  }

  Result<int32_t> Atom(int depth) {
    SkipSpace();
    if (pos_ >= s_.size()) return Fail("expected a value, found the end");
    char c = s_[pos_];
    if (c == '(') {
      if (depth + 1 > Condition::kMaxDepth) return Fail("nesting too deep");
      ++pos_;
      auto inner = Or(depth + 1);
      if (!inner.ok()) return inner;
      if (!EatSymbol(")")) return Fail("expected ')'");
      return inner;
    }
    if (c == '"' || c == '\'') return String(c);
    if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') return Number();
    std::string_view word = PeekWord();
    if (word.empty()) return Fail("expected a value");
    static constexpr std::string_view kReserved[] = {"and", "or", "not", "eq", "ne",
                                                     "lt",  "le", "gt",  "ge"};
    for (std::string_view r : kReserved) {
      if (word == r) return Fail("expected a value, found '" + std::string(word) + "'");
    }
    pos_ += word.size();
    if (word == "true" || word == "false") {
      return Add({Condition::Op::kLiteral, -1, -1, Value(word == "true")});
    }
    return Add({Condition::Op::kField, -1, -1, Value(std::string(word))});
  }

  Result<int32_t> String(char quote) {
    ++pos_;
    std::string value;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      value.push_back(s_[pos_++]);
    }
    if (pos_ >= s_.size()) return Fail("unterminated string");
    ++pos_;
    return Add({Condition::Op::kLiteral, -1, -1, Value(std::move(value))});
  }

  Result<int32_t> Number() {
    size_t begin = pos_;
    if (s_[pos_] == '-' || s_[pos_] == '+') ++pos_;
    while (pos_ < s_.size() && ((s_[pos_] >= '0' && s_[pos_] <= '9') || s_[pos_] == '.' ||
                                s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
    }
    auto d = AsNumber(s_.substr(begin, pos_ - begin));
    if (!d) {
      pos_ = begin;
      return Fail("malformed number");
    }
    return Add({Condition::Op::kLiteral, -1, -1, Value(*d)});
  }

  std::string_view s_;
  size_t pos_ = 0;
  Condition& out_;
};

Result<Condition> Condition::Parse(std::string_view text) {
  Condition c;
  c.text_ = std::string(text);
  if (text.size() > kMaxLength) {
    return Invalid("flow.bad_condition",
                   "condition longer than " + std::to_string(kMaxLength) + " characters");
  }
  std::string_view body = Trim(text);
  // Camunda/JUEL `${...}` / `#{...}`, FEEL `=...`.
  if (body.size() >= 3 && (body[0] == '$' || body[0] == '#') && body[1] == '{' &&
      body.back() == '}') {
    body = Trim(body.substr(2, body.size() - 3));
  } else if (!body.empty() && body[0] == '=') {
    body = Trim(body.substr(1));
  }
  if (body.empty()) return Invalid("flow.bad_condition", "empty condition");
  ConditionParser parser(body, c);
  if (Status s = parser.Run(); !s.ok()) return s.error();
  return c;
}

std::vector<std::string> Condition::Fields() const {
  std::set<std::string> names;
  for (const Term& t : terms_) {
    if (t.op == Op::kField) names.insert(std::get<std::string>(t.value));
  }
  return {names.begin(), names.end()};
}

Result<bool> Condition::Evaluate(const CaseData& data) const {
  auto v = Eval(root_, data);
  if (!v.ok()) return v.error();
  auto b = AsBool(*v);
  if (!b) {
    return Invalid("flow.condition_type",
                   "condition '" + text_ + "' gives " + Describe(*v) + ", not true or false");
  }
  return *b;
}

Result<Value> Condition::Eval(int32_t index, const CaseData& data) const {
  const Term& t = terms_[static_cast<size_t>(index)];
  auto need_bool = [&](int32_t i) -> Result<bool> {
    auto v = Eval(i, data);
    if (!v.ok()) return v.error();
    auto b = AsBool(*v);
    if (!b) {
      return Invalid("flow.condition_type", "in condition '" + text_ + "': " + Describe(*v) +
                                                " is not true or false");
    }
    return *b;
  };
  switch (t.op) {
    case Op::kLiteral:
      return t.value;
    case Op::kField: {
      const std::string& name = std::get<std::string>(t.value);
      auto it = data.find(name);
      if (it == data.end()) {
        return MakeError(ErrorCode::kFailedPrecondition, "flow.condition_field_missing",
                         "condition '" + text_ + "' reads the case data field '" + name +
                             "', which the case does not have",
                         name);
      }
      return it->second;
    }
    case Op::kNot: {
      auto b = need_bool(t.lhs);
      if (!b.ok()) return b.error();
      return Value(!*b);
    }
    case Op::kAnd:
    case Op::kOr: {
      auto l = need_bool(t.lhs);
      if (!l.ok()) return l.error();
      if (t.op == Op::kAnd && !*l) return Value(false);
      if (t.op == Op::kOr && *l) return Value(true);
      auto r = need_bool(t.rhs);
      if (!r.ok()) return r.error();
      return Value(*r);
    }
    default:
      break;
  }
  auto l = Eval(t.lhs, data);
  if (!l.ok()) return l;
  auto r = Eval(t.rhs, data);
  if (!r.ok()) return r;
  const bool ordering = t.op != Op::kEq && t.op != Op::kNe;

  // Numbers, or strings that are numbers, compare as numbers.
  auto number = [](const Value& v) -> std::optional<double> {
    if (const double* d = std::get_if<double>(&v)) return *d;
    if (const std::string* s = std::get_if<std::string>(&v)) return AsNumber(*s);
    return std::nullopt;
  };
  std::optional<int> order;  // <0, 0, >0
  bool comparable = true;
  const bool any_number = std::holds_alternative<double>(*l) || std::holds_alternative<double>(*r);
  const bool any_bool = std::holds_alternative<bool>(*l) || std::holds_alternative<bool>(*r);
  auto ln = number(*l), rn = number(*r);
  if (any_bool) {
    auto lb = AsBool(*l), rb = AsBool(*r);
    if (lb && rb && !ordering) {
      order = *lb == *rb ? 0 : 1;
    } else {
      comparable = false;
    }
  } else if (ln && rn) {
    order = *ln < *rn ? -1 : (*ln > *rn ? 1 : 0);
  } else if (any_number) {
    comparable = false;  // a number against a non-numeric string
  } else {
    int c = std::get<std::string>(*l).compare(std::get<std::string>(*r));
    order = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (!comparable) {
    if (!ordering) return Value(t.op == Op::kNe);
    return Invalid("flow.condition_type", "in condition '" + text_ + "': " + Describe(*l) +
                                              " and " + Describe(*r) + " cannot be ordered");
  }
  switch (t.op) {
    case Op::kEq: return Value(*order == 0);
    case Op::kNe: return Value(*order != 0);
    case Op::kLt: return Value(*order < 0);
    case Op::kLe: return Value(*order <= 0);
    case Op::kGt: return Value(*order > 0);
    case Op::kGe: return Value(*order >= 0);
    default: return Value(false);
  }
}

// ---------------------------------------------------------------------------------------------
// Step limits

Result<StepLimit> ParseStepLimit(std::string_view iso8601) {
  std::string_view s = Trim(iso8601);
  auto bad = [&](std::string_view why) -> Error {
    return Invalid("flow.bad_duration", "step limit '" + std::string(iso8601) + "': " +
                                            std::string(why) +
                                            " (expected PnD working days, PnW weeks or PTnH hours)");
  };
  if (s.size() < 3 || s[0] != 'P') return bad("not an ISO 8601 duration");
  s.remove_prefix(1);
  bool time_part = false;
  if (s[0] == 'T') {
    time_part = true;
    s.remove_prefix(1);
  }
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end == s.data()) return bad("no whole number");
  std::string_view unit(end, static_cast<size_t>(s.data() + s.size() - end));
  if (n <= 0) return bad("zero");
  constexpr int64_t kMaxDays = 3650;
  constexpr int64_t kMaxHours = 87600;
  if (!time_part && unit == "D") {
    if (n > kMaxDays) return bad("too long");
    return StepLimit(calendar::WorkingDays(static_cast<int32_t>(n)));
  }
  if (!time_part && unit == "W") {
    if (n * 5 > kMaxDays) return bad("too long");
    return StepLimit(calendar::WorkingDays(static_cast<int32_t>(n * 5)));
  }
  if (time_part && unit == "H") {
    if (n > kMaxHours) return bad("too long");
    return StepLimit(std::chrono::hours(n));
  }
  if (time_part && unit == "M") {
    if (n % 60 != 0) return bad("minutes that are not whole hours");
    if (n / 60 > kMaxHours) return bad("too long");
    return StepLimit(std::chrono::hours(n / 60));
  }
  return bad("unsupported unit or a mix of units");
}

std::string FormatStepLimit(const StepLimit& limit) {
  if (const auto* d = std::get_if<calendar::WorkingDays>(&limit)) {
    return "P" + std::to_string(d->count) + "D";
  }
  return "PT" + std::to_string(std::get<std::chrono::hours>(limit).count()) + "H";
}

std::string DescribeStepLimit(const StepLimit& limit) {
  if (const auto* d = std::get_if<calendar::WorkingDays>(&limit)) {
    return std::to_string(d->count) + (d->count == 1 ? " working day" : " working days");
  }
  auto h = std::get<std::chrono::hours>(limit).count();
  return std::to_string(h) + (h == 1 ? " hour" : " hours");
}

// ---------------------------------------------------------------------------------------------
// The flow model

std::string_view NodeKindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kStartEvent: return "start";
    case NodeKind::kEndEvent: return "end";
    case NodeKind::kStep: return "step";
    case NodeKind::kExclusiveGateway: return "exclusive";
    case NodeKind::kParallelGateway: return "parallel";
  }
  return "?";
}

namespace {

bool IsGateway(NodeKind k) {
  return k == NodeKind::kExclusiveGateway || k == NodeKind::kParallelGateway;
}

std::string Label(const Node& n) {
  std::string s = std::string(NodeKindName(n.kind)) + " '" + n.id + "'";
  if (!n.name.empty()) s += " (" + n.name + ")";
  return s;
}

Status CheckId(std::string_view id, std::string_view what) {
  if (id.empty()) return Invalid("flow.bad_id", std::string(what) + " without an id");
  for (char c : id) {
    if (IsSpace(c) || c == ',' || c == ';' || c == ':' || c == '=' || c == '|' || c == '*') {
      return Invalid("flow.bad_id",
                     std::string(what) + " id '" + std::string(id) + "' has a reserved character",
                     std::string(id));
    }
  }
  return Ok();
}

}  // namespace

// Explores the token game of a flow with every exclusive choice open, looking for a parallel
// join that can wait forever and for two tokens on one flow. A state is the sorted multiset of
// the flows holding a token (tokens in a step sit on the step's outgoing flow: completing a step
// is not a choice).
class SoundnessCheck {
 public:
  static constexpr size_t kMaxStates = 20000;

  explicit SoundnessCheck(const Flow& f) : f_(f) {}

  Status Run() {
    using State = std::vector<int32_t>;
    std::set<State> seen;
    std::deque<State> queue;
    State first = f_.out_[static_cast<size_t>(f_.start_)];
    queue.push_back(first);
    seen.insert(first);
    while (!queue.empty()) {
      if (seen.size() > kMaxStates) return Ok();  // too large to explore; accept
      State s = std::move(queue.front());
      queue.pop_front();
      for (size_t i = 1; i < s.size(); ++i) {
        if (s[i] == s[i - 1]) {
          const SequenceFlow& sf = f_.flows_[static_cast<size_t>(s[i])];
          const Node& target = f_.nodes_[static_cast<size_t>(f_.flow_target_[s[i]])];
          return Invalid("flow.unsound",
                         "two parallel tokens can meet on sequence flow '" + sf.id + "' into " +
                             Label(target) +
                             ": parallel branches must be joined by a parallel gateway",
                         target.id);
        }
      }
      bool moved = false;
      std::set<int32_t> tried;
      for (int32_t flow : s) {
        int32_t node = f_.flow_target_[static_cast<size_t>(flow)];
        if (!tried.insert(node).second) continue;
        for (State& next : Moves(s, flow, node)) {
          moved = true;
          std::sort(next.begin(), next.end());
          if (seen.insert(next).second) queue.push_back(std::move(next));
        }
      }
      if (!moved && !s.empty()) {
        const Node& join = f_.nodes_[static_cast<size_t>(f_.flow_target_[s[0]])];
        return Invalid("flow.unsound",
                       "parallel join " + Label(join) +
                           " can wait forever: its incoming branches do not all come from one "
                           "parallel split (an exclusive choice or an end on the way?)",
                       join.id);
      }
    }
    return Ok();
  }

 private:
  std::vector<std::vector<int32_t>> Moves(const std::vector<int32_t>& s, int32_t flow,
                                          int32_t node) const {
    const Node& n = f_.nodes_[static_cast<size_t>(node)];
    const auto& outs = f_.out_[static_cast<size_t>(node)];
    const auto& ins = f_.in_[static_cast<size_t>(node)];
    auto without = [&](int32_t f) {
      std::vector<int32_t> r = s;
      r.erase(std::find(r.begin(), r.end(), f));
      return r;
    };
    std::vector<std::vector<int32_t>> result;
    switch (n.kind) {
      case NodeKind::kEndEvent:
        result.push_back(n.terminate ? std::vector<int32_t>{} : without(flow));
        break;
      case NodeKind::kStep:
      case NodeKind::kStartEvent:
      case NodeKind::kExclusiveGateway:
        for (int32_t o : outs) {
          auto r = without(flow);
          r.push_back(o);
          result.push_back(std::move(r));
        }
        break;
      case NodeKind::kParallelGateway: {
        std::vector<int32_t> r = s;
        for (int32_t i : ins) {
          auto it = std::find(r.begin(), r.end(), i);
          if (it == r.end()) return {};  // still waiting
          r.erase(it);
        }
        r.insert(r.end(), outs.begin(), outs.end());
        result.push_back(std::move(r));
        break;
      }
    }
    return result;
  }

  const Flow& f_;
};

Result<Flow> Flow::Build(FlowDefinition def) {
  Flow f;
  f.id_ = std::move(def.id);
  f.name_ = std::move(def.name);
  f.description_ = std::move(def.description);
  f.nodes_ = std::move(def.nodes);
  f.flows_ = std::move(def.flows);
  const size_t n_nodes = f.nodes_.size();
  const size_t n_flows = f.flows_.size();

  std::set<std::string, std::less<>> all_ids;
  for (size_t i = 0; i < n_nodes; ++i) {
    const Node& n = f.nodes_[i];
    if (Status s = CheckId(n.id, NodeKindName(n.kind)); !s.ok()) return s.error();
    if (!all_ids.insert(n.id).second) {
      return Invalid("flow.bad_id", "duplicate id '" + n.id + "'", n.id);
    }
    f.node_index_[n.id] = static_cast<int32_t>(i);
  }
  for (size_t i = 0; i < n_flows; ++i) {
    const SequenceFlow& sf = f.flows_[i];
    if (Status s = CheckId(sf.id, "sequence flow"); !s.ok()) return s.error();
    if (!all_ids.insert(sf.id).second) {
      return Invalid("flow.bad_id", "duplicate id '" + sf.id + "'", sf.id);
    }
    f.flow_index_[sf.id] = static_cast<int32_t>(i);
  }

  // Start and end events.
  int starts = 0, ends = 0;
  for (size_t i = 0; i < n_nodes; ++i) {
    if (f.nodes_[i].kind == NodeKind::kStartEvent) {
      ++starts;
      f.start_ = static_cast<int32_t>(i);
    }
    if (f.nodes_[i].kind == NodeKind::kEndEvent) ++ends;
  }
  if (starts != 1) {
    return Invalid("flow.no_start", "a flow needs exactly one start event, found " +
                                        std::to_string(starts), f.id_);
  }
  if (ends == 0) return Invalid("flow.no_end", "a flow needs at least one end event", f.id_);

  // Edges and conditions.
  f.out_.assign(n_nodes, {});
  f.in_.assign(n_nodes, {});
  f.flow_source_.assign(n_flows, -1);
  f.flow_target_.assign(n_flows, -1);
  f.conditions_.assign(n_flows, std::nullopt);
  for (size_t i = 0; i < n_flows; ++i) {
    const SequenceFlow& sf = f.flows_[i];
    int32_t src = f.NodeIndex(sf.source), dst = f.NodeIndex(sf.target);
    if (src < 0 || dst < 0) {
      return Invalid("flow.dangling_ref",
                     "sequence flow '" + sf.id + "' refers to a missing node '" +
                         (src < 0 ? sf.source : sf.target) + "'",
                     sf.id);
    }
    f.flow_source_[i] = src;
    f.flow_target_[i] = dst;
    f.out_[static_cast<size_t>(src)].push_back(static_cast<int32_t>(i));
    f.in_[static_cast<size_t>(dst)].push_back(static_cast<int32_t>(i));
    if (!Trim(sf.condition).empty()) {
      const Node& from = f.nodes_[static_cast<size_t>(src)];
      if (from.kind != NodeKind::kExclusiveGateway) {
        return Invalid("flow.bad_condition",
                       "sequence flow '" + sf.id + "' has a condition but leaves " + Label(from) +
                           ": conditions belong on the flows of an exclusive gateway",
                       sf.id);
      }
      auto c = Condition::Parse(sf.condition);
      if (!c.ok()) {
        return Invalid("flow.bad_condition",
                       "sequence flow '" + sf.id + "': " + c.error().message, sf.id);
      }
      f.conditions_[i] = std::move(c).value();
    }
  }

  // Node shapes.
  f.default_flow_.assign(n_nodes, -1);
  for (size_t i = 0; i < n_nodes; ++i) {
    const Node& n = f.nodes_[i];
    const size_t outs = f.out_[i].size(), ins = f.in_[i].size();
    auto bad = [&](std::string why) { return Invalid("flow.bad_node", Label(n) + " " + why, n.id); };
    switch (n.kind) {
      case NodeKind::kStartEvent:
        if (ins != 0) return bad("has incoming sequence flows");
        if (outs != 1) return bad("must have exactly one outgoing sequence flow");
        break;
      case NodeKind::kEndEvent:
        if (outs != 0) return bad("has outgoing sequence flows");
        break;
      case NodeKind::kStep:
        if (outs == 0) return bad("has no way out (no outgoing sequence flow)");
        if (outs > 1) {
          return bad("has several outgoing sequence flows: draw the branching with a gateway");
        }
        break;
      case NodeKind::kExclusiveGateway:
      case NodeKind::kParallelGateway:
        if (ins == 0) return bad("has no incoming sequence flow");
        if (outs == 0) return bad("has no way out (no outgoing sequence flow)");
        for (int32_t o : f.out_[i]) {
          if (f.flow_target_[static_cast<size_t>(o)] == static_cast<int32_t>(i)) {
            return bad("has a sequence flow to itself");
          }
        }
        break;
    }
    if (!n.default_flow.empty()) {
      int32_t d = f.FlowIndex(n.default_flow);
      if (n.kind != NodeKind::kExclusiveGateway || d < 0 ||
          f.flow_source_[static_cast<size_t>(d)] != static_cast<int32_t>(i)) {
        return Invalid("flow.dangling_ref",
                       Label(n) + ": default flow '" + n.default_flow +
                           "' is not one of its outgoing sequence flows",
                       n.id);
      }
      if (f.conditions_[static_cast<size_t>(d)]) {
        return Invalid("flow.bad_condition",
                       "sequence flow '" + n.default_flow + "' is the default flow of " +
                           Label(n) + " and must not have a condition",
                       n.default_flow);
      }
      f.default_flow_[i] = d;
    }
  }

  // Reachability from the start, and reaching an end.
  auto sweep = [&](int32_t from_kind_node, bool forward, std::vector<char>& mark) {
    std::vector<int32_t> stack;
    if (from_kind_node >= 0) {
      stack.push_back(from_kind_node);
    } else {
      for (size_t i = 0; i < n_nodes; ++i) {
        if (f.nodes_[i].kind == NodeKind::kEndEvent) stack.push_back(static_cast<int32_t>(i));
      }
    }
    for (int32_t s : stack) mark[static_cast<size_t>(s)] = 1;
    while (!stack.empty()) {
      int32_t v = stack.back();
      stack.pop_back();
      const auto& edges = forward ? f.out_[static_cast<size_t>(v)] : f.in_[static_cast<size_t>(v)];
      for (int32_t e : edges) {
        int32_t w = forward ? f.flow_target_[static_cast<size_t>(e)]
                            : f.flow_source_[static_cast<size_t>(e)];
        if (!mark[static_cast<size_t>(w)]) {
          mark[static_cast<size_t>(w)] = 1;
          stack.push_back(w);
        }
      }
    }
  };
  std::vector<char> reached(n_nodes, 0), reaches_end(n_nodes, 0);
  sweep(f.start_, true, reached);
  sweep(-1, false, reaches_end);
  for (size_t i = 0; i < n_nodes; ++i) {
    if (!reached[i]) {
      return Invalid("flow.unreachable",
                     Label(f.nodes_[i]) + " cannot be reached from the start event",
                     f.nodes_[i].id);
    }
    if (!reaches_end[i]) {
      return Invalid("flow.no_way_out",
                     Label(f.nodes_[i]) + " has no way to an end event", f.nodes_[i].id);
    }
  }

  // A cycle made of gateways only would move a token forever without anyone acting (Kahn's
  // algorithm over the gateway subgraph: what remains lies on a cycle).
  {
    std::vector<int32_t> indegree(n_nodes, 0);
    for (size_t e = 0; e < n_flows; ++e) {
      auto s = static_cast<size_t>(f.flow_source_[e]), t = static_cast<size_t>(f.flow_target_[e]);
      if (IsGateway(f.nodes_[s].kind) && IsGateway(f.nodes_[t].kind)) ++indegree[t];
    }
    std::vector<int32_t> ready;
    for (size_t i = 0; i < n_nodes; ++i) {
      if (IsGateway(f.nodes_[i].kind) && indegree[i] == 0) ready.push_back(static_cast<int32_t>(i));
    }
    while (!ready.empty()) {
      int32_t v = ready.back();
      ready.pop_back();
      for (int32_t e : f.out_[static_cast<size_t>(v)]) {
        auto t = static_cast<size_t>(f.flow_target_[static_cast<size_t>(e)]);
        if (IsGateway(f.nodes_[t].kind) && --indegree[t] == 0) {
          ready.push_back(static_cast<int32_t>(t));
        }
      }
    }
    for (size_t i = 0; i < n_nodes; ++i) {
      if (IsGateway(f.nodes_[i].kind) && indegree[i] > 0) {
        return Invalid("flow.no_way_out",
                       Label(f.nodes_[i]) + " lies on a loop of gateways with no step on it",
                       f.nodes_[i].id);
      }
    }
  }

  if (Status s = SoundnessCheck(f).Run(); !s.ok()) return s.error();
  return f;
}

int32_t Flow::NodeIndex(std::string_view id) const {
  auto it = node_index_.find(id);
  return it == node_index_.end() ? -1 : it->second;
}

int32_t Flow::FlowIndex(std::string_view id) const {
  auto it = flow_index_.find(id);
  return it == flow_index_.end() ? -1 : it->second;
}

const Node* Flow::FindNode(std::string_view id) const {
  int32_t i = NodeIndex(id);
  return i < 0 ? nullptr : &nodes_[static_cast<size_t>(i)];
}

const SequenceFlow* Flow::FindFlow(std::string_view id) const {
  int32_t i = FlowIndex(id);
  return i < 0 ? nullptr : &flows_[static_cast<size_t>(i)];
}

const Condition* Flow::ConditionOf(std::string_view flow_id) const {
  int32_t i = FlowIndex(flow_id);
  if (i < 0 || !conditions_[static_cast<size_t>(i)]) return nullptr;
  return &*conditions_[static_cast<size_t>(i)];
}

std::vector<const Node*> Flow::Steps() const {
  std::vector<const Node*> r;
  for (const Node& n : nodes_) {
    if (n.kind == NodeKind::kStep) r.push_back(&n);
  }
  return r;
}

std::vector<const SequenceFlow*> Flow::Outgoing(std::string_view node_id) const {
  std::vector<const SequenceFlow*> r;
  int32_t i = NodeIndex(node_id);
  if (i < 0) return r;
  for (int32_t e : out_[static_cast<size_t>(i)]) r.push_back(&flows_[static_cast<size_t>(e)]);
  return r;
}

std::vector<const SequenceFlow*> Flow::Incoming(std::string_view node_id) const {
  std::vector<const SequenceFlow*> r;
  int32_t i = NodeIndex(node_id);
  if (i < 0) return r;
  for (int32_t e : in_[static_cast<size_t>(i)]) r.push_back(&flows_[static_cast<size_t>(e)]);
  return r;
}

// ---------------------------------------------------------------------------------------------
// The runtime

class Runner {
 public:
  Runner(const Flow& f, const CaseData& data, const std::optional<std::string>& chosen,
         Advance& out)
      : f_(f), data_(data), chosen_(chosen), out_(out) {}

  // Moves a token along flow index E and on until it rests in steps, joins or an end.
  Status Follow(int32_t first_flow) {
    std::vector<int32_t> pending{first_flow};
    // Flow::Build refuses gateway-only loops; this bound guards a Flow built some other way.
    size_t budget = 16 * (f_.flows_.size() + 1);
    while (!pending.empty()) {
      if (budget-- == 0) {
        return MakeError(ErrorCode::kInternal, "flow.stuck",
                         "the flow loops through gateways without reaching a step");
      }
      int32_t e = pending.back();
      pending.pop_back();
      const SequenceFlow& sf = f_.flows_[static_cast<size_t>(e)];
      out_.taken.push_back(sf.id);
      int32_t v = f_.flow_target_[static_cast<size_t>(e)];
      const Node& n = f_.nodes_[static_cast<size_t>(v)];
      TokenState& st = out_.state;
      switch (n.kind) {
        case NodeKind::kStep:
          st.active.insert(std::upper_bound(st.active.begin(), st.active.end(), n.id), n.id);
          out_.activated.push_back(n.id);
          break;
        case NodeKind::kEndEvent:
          if (n.terminate) {
            st.active.clear();
            st.waiting.clear();
            pending.clear();
            terminated_ = true;
          }
          break;
        case NodeKind::kStartEvent:
          break;  // Build refuses flows into the start event
        case NodeKind::kParallelGateway: {
          const auto& ins = f_.in_[static_cast<size_t>(v)];
          if (ins.size() > 1) {
            auto& arrived = st.waiting[n.id];
            ++arrived[sf.id];
            bool all_in = true;
            for (int32_t i : ins) {
              all_in = all_in && arrived.count(f_.flows_[static_cast<size_t>(i)].id) > 0;
            }
            if (!all_in) break;  // the token waits for the other branches
            for (int32_t i : ins) {
              auto it = arrived.find(f_.flows_[static_cast<size_t>(i)].id);
              if (--it->second == 0) arrived.erase(it);
            }
            if (arrived.empty()) st.waiting.erase(n.id);
          }
          // Branches are pushed in reverse so that they are followed in definition order.
          const auto& outs = f_.out_[static_cast<size_t>(v)];
          for (auto it = outs.rbegin(); it != outs.rend(); ++it) pending.push_back(*it);
          break;
        }
        case NodeKind::kExclusiveGateway: {
          auto next = Choose(v);
          if (!next.ok()) return next.error();
          pending.push_back(*next);
          break;
        }
      }
    }
    return Ok();
  }

  Status Finish() {
    if (chosen_ && !chosen_used_) {
      return Invalid("flow.bad_choice",
                     "sequence flow '" + *chosen_ +
                         "' is not a branch to choose at a gateway on the way",
                     "chosen_flow");
    }
    TokenState& st = out_.state;
    if (st.active.empty() && !st.waiting.empty() && !terminated_) {
      return MakeError(ErrorCode::kInternal, "flow.stuck",
                       "tokens wait at parallel join '" + st.waiting.begin()->first +
                           "' but no step is active");
    }
    st.ended = st.active.empty() && st.waiting.empty();
    out_.ended = st.ended;
    return Ok();
  }

 private:
  Result<int32_t> Choose(int32_t v) {
    const Node& g = f_.nodes_[static_cast<size_t>(v)];
    const auto& outs = f_.out_[static_cast<size_t>(v)];
    // A merge (one way out, no condition) passes the token on: nothing to choose.
    if (outs.size() == 1 && !f_.conditions_[static_cast<size_t>(outs[0])]) return outs[0];
    std::vector<int32_t> candidates;
    std::vector<std::string> choices;
    for (int32_t e : f_.out_[static_cast<size_t>(v)]) {
      const SequenceFlow& sf = f_.flows_[static_cast<size_t>(e)];
      const auto& cond = f_.conditions_[static_cast<size_t>(e)];
      if (cond) {
        auto r = cond->Evaluate(data_);
        if (!r.ok()) {
          Error err = r.error();
          err.message = Label(g) + ", sequence flow '" + sf.id + "': " + err.message;
          return err;
        }
        if (*r) candidates.push_back(e);
      } else {
        choices.push_back(sf.id);
        if (chosen_ && *chosen_ == sf.id) {
          candidates.push_back(e);
          chosen_used_ = true;
        }
      }
    }
    if (candidates.size() == 1) return candidates[0];
    if (candidates.size() > 1) {
      std::string ids;
      for (int32_t c : candidates) {
        ids += (ids.empty() ? "" : ", ") + f_.flows_[static_cast<size_t>(c)].id;
      }
      return MakeError(ErrorCode::kFailedPrecondition, "flow.ambiguous_branch",
                       Label(g) + ": several branches match (" + ids + "); exactly one must",
                       g.id);
    }
    int32_t d = f_.default_flow_[static_cast<size_t>(v)];
    const bool choice_besides_default = choices.size() > (d >= 0 ? 1u : 0u);
    if (d >= 0 && !choice_besides_default) return d;
    std::string message = Label(g) + ": no branch matches the case data";
    if (!choices.empty()) {
      message += "; choose one of:";
      for (const std::string& c : choices) message += " " + c;
    }
    return MakeError(ErrorCode::kFailedPrecondition, "flow.no_branch", message, "chosen_flow");
  }

  const Flow& f_;
  const CaseData& data_;
  const std::optional<std::string>& chosen_;
  Advance& out_;
  bool chosen_used_ = false;
  bool terminated_ = false;
};

Result<Advance> Start(const Flow& flow, const CaseData& data,
                      const std::optional<std::string>& chosen_flow_id) {
  Advance out;
  Runner run(flow, data, chosen_flow_id, out);
  for (const SequenceFlow* sf : flow.Outgoing(flow.Start().id)) {
    if (Status s = run.Follow(static_cast<int32_t>(sf - flow.flows().data())); !s.ok()) {
      return s.error();
    }
  }
  if (Status s = run.Finish(); !s.ok()) return s.error();
  return out;
}

Result<Advance> Complete(const Flow& flow, const TokenState& state, std::string_view step_id,
                         const CaseData& data, const std::optional<std::string>& chosen_flow_id) {
  if (state.ended) {
    return MakeError(ErrorCode::kFailedPrecondition, "flow.ended", "the flow has already ended");
  }
  auto it = std::lower_bound(state.active.begin(), state.active.end(), step_id);
  if (it == state.active.end() || *it != step_id) {
    return MakeError(ErrorCode::kFailedPrecondition, "flow.step_not_active",
                     "step '" + std::string(step_id) + "' is not active now", "step");
  }
  const Node* step = flow.FindNode(step_id);
  if (step == nullptr || step->kind != NodeKind::kStep) {
    return MakeError(ErrorCode::kFailedPrecondition, "flow.step_not_active",
                     "'" + std::string(step_id) + "' is not a step of flow '" + flow.id() + "'",
                     "step");
  }
  Advance out;
  out.state = state;
  out.state.active.erase(out.state.active.begin() + (it - state.active.begin()));
  Runner run(flow, data, chosen_flow_id, out);
  for (const SequenceFlow* sf : flow.Outgoing(step_id)) {
    if (Status s = run.Follow(static_cast<int32_t>(sf - flow.flows().data())); !s.ok()) {
      return s.error();
    }
  }
  if (Status s = run.Finish(); !s.ok()) return s.error();
  return out;
}

std::vector<const SequenceFlow*> Choices(const Flow& flow, std::string_view step_id) {
  std::vector<const SequenceFlow*> r;
  for (const SequenceFlow* sf : flow.Outgoing(step_id)) {
    const Node* g = flow.FindNode(sf->target);
    if (g == nullptr || g->kind != NodeKind::kExclusiveGateway) continue;
    auto outs = flow.Outgoing(g->id);
    if (outs.size() < 2) continue;  // a merge: nothing to choose
    for (const SequenceFlow* o : outs) {
      if (flow.ConditionOf(o->id) == nullptr) r.push_back(o);
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// State serialisation

std::string SerializeState(const TokenState& state) {
  if (state.ended) return "1|end";
  std::string s = "1";
  if (!state.active.empty()) {
    s += "|a=";
    for (size_t i = 0; i < state.active.size(); ++i) {
      if (i) s += ',';
      s += state.active[i];
    }
  }
  for (const auto& [join, arrived] : state.waiting) {
    s += "|w=" + join + ":";
    bool first = true;
    for (const auto& [flow_id, n] : arrived) {
      if (!first) s += ',';
      first = false;
      s += flow_id + "*" + std::to_string(n);
    }
  }
  return s;
}

Result<TokenState> ParseState(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Invalid("flow.bad_state", "malformed flow state (" + std::string(why) + ")");
  };
  auto split = [](std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
      size_t p = s.find(sep, start);
      parts.push_back(s.substr(start, p == std::string_view::npos ? p : p - start));
      if (p == std::string_view::npos) break;
      start = p + 1;
    }
    return parts;
  };
  auto parts = split(text, '|');
  if (parts[0] != "1") return bad("unknown version");
  TokenState st;
  if (parts.size() == 2 && parts[1] == "end") {
    st.ended = true;
    return st;
  }
  bool seen_active = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view p = parts[i];
    if (p.substr(0, 2) == "a=" && !seen_active && st.waiting.empty()) {
      seen_active = true;
      for (std::string_view id : split(p.substr(2), ',')) {
        if (id.empty()) return bad("empty step id");
        st.active.emplace_back(id);
      }
    } else if (p.substr(0, 2) == "w=") {
      std::string_view body = p.substr(2);
      size_t colon = body.find(':');
      if (colon == 0 || colon == std::string_view::npos) return bad("join without id");
      std::string join(body.substr(0, colon));
      if (st.waiting.count(join)) return bad("join twice");
      auto& arrived = st.waiting[join];
      for (std::string_view tok : split(body.substr(colon + 1), ',')) {
        size_t star = tok.rfind('*');
        if (star == 0 || star == std::string_view::npos) return bad("token without flow");
        int32_t n = 0;
        std::string_view num = tok.substr(star + 1);
        auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
        if (ec != std::errc() || end != num.data() + num.size() || n <= 0) {
          return bad("bad token count");
        }
        if (!arrived.emplace(std::string(tok.substr(0, star)), n).second) {
          return bad("flow twice");
        }
      }
    } else {
      return bad("unknown part");
    }
  }
  if (!std::is_sorted(st.active.begin(), st.active.end())) return bad("unsorted steps");
  if (st.active.empty() && st.waiting.empty()) return bad("no token");
  return st;
}

}  // namespace xn::flow
