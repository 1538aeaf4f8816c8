// Fixed flows (固化运行流程): a matter's process definition, which handling must follow, and the
// token runtime the case engine drives through it.
//
// A Flow is a directed graph of nodes (one start event, end events, steps, exclusive and parallel
// gateways) joined by sequence flows. A step is a piece of work done by a person: it names the
// roles that may act on it, optionally the department that acts, and optionally a step limit.
// Flows usually come from BPMN 2.0 files (store/flow/bpmn_import.h); docs/flows.md describes the
// supported subset, how lanes become roles, how timers become step limits and the condition
// language of exclusive branches.
//
// The runtime is pure: a TokenState (the active steps and the tokens waiting at parallel joins)
// goes in, a new TokenState comes out, nothing is stored here. The case engine keeps the state
// as one string (SerializeState / ParseState).
//
// Thread-safety: a Flow and a Condition are immutable after they are built; all const methods and
// the free functions are safe to call from any number of threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/calendar/calendar.h"
#include "domain/common/result.h"

namespace xn::flow {

// ---------------------------------------------------------------------------------------------
// Case data and conditions

// One field of case data: text, a number or a boolean.
using Value = std::variant<std::string, double, bool>;
// The case data a condition reads: field name → value.
using CaseData = std::map<std::string, Value, std::less<>>;

// A condition of an exclusive branch, parsed once and evaluated against case data.
//
// The language (docs/flows.md, "Conditions"): field names (letters, digits, `_`, `.`, and any
// non-ASCII letter such as 投资额), numbers (`50000000`, `0.5`, `-3`), strings in double or single
// quotes (`"企业"`, with `\"` and `\\` escapes), `true`, `false`; comparisons `==` (also `=`),
// `!=`, `<`, `<=`, `>`, `>=` (also the JUEL words `eq ne lt le gt ge`); `&&` `||` `!` (also
// `and` `or` `not`); parentheses. `&&` binds tighter than `||`. A Camunda/JUEL wrapper `${...}` or
// `#{...}` and a leading FEEL `=` are removed before parsing.
//
// Comparison rules: two numbers compare as numbers; a string that is entirely a number compares
// with a number (or with another numeric string) as a number; two other strings compare byte by
// byte (so ISO dates order correctly); a boolean equals `true`/`false` or the strings "true" and
// "false". Any other pair is unequal for `==`/`!=` and an error for `<`-style comparisons.
class Condition {
 public:
  // Limits that keep a hostile expression from exhausting the stack.
  static constexpr size_t kMaxLength = 4096;
  static constexpr int kMaxDepth = 32;

  // Errors: kInvalidArgument "flow.bad_condition" with the position and what was expected, for
  // an empty text, a syntax error, text longer than kMaxLength, or nesting deeper than kMaxDepth.
  static Result<Condition> Parse(std::string_view text);

  // True or false for DATA. `&&` and `||` short-circuit, so a field that is not read need not
  // exist. Errors: kFailedPrecondition "flow.condition_field_missing" (field = the field name)
  // for a field read but absent from DATA; kInvalidArgument "flow.condition_type" for an
  // ordering comparison of values that do not order, or a non-boolean where a boolean is needed.
  Result<bool> Evaluate(const CaseData& data) const;

  // The text as written (wrapper included).
  const std::string& text() const { return text_; }
  // The field names the condition reads, sorted, without duplicates.
  std::vector<std::string> Fields() const;

 private:
  enum class Op : uint8_t { kLiteral, kField, kNot, kAnd, kOr, kEq, kNe, kLt, kLe, kGt, kGe };
  struct Term {
    Op op = Op::kLiteral;
    int32_t lhs = -1;  // index into terms_ (operators)
    int32_t rhs = -1;
    Value value;       // kLiteral; the name for kField (a string)
  };
  friend class ConditionParser;
  Result<Value> Eval(int32_t term, const CaseData& data) const;

  std::string text_;
  std::vector<Term> terms_;
  int32_t root_ = -1;
};

// ---------------------------------------------------------------------------------------------
// Step limits

// A step's limit. A flow's day is the working day (工作日): `P5D` in a timer is 5 working days,
// counted by the calendar; `PT4H` is 4 elapsed hours.
using StepLimit = std::variant<calendar::WorkingDays, std::chrono::hours>;

// Parses an ISO 8601 duration as a step limit: `PnD` (n working days, n ≥ 1), `PnW` (5n working
// days), `PTnH` (n hours), `PTnM` when n is a whole number of hours (`PT120M` = 2 hours).
// Errors: kInvalidArgument "flow.bad_duration" for anything else (years, months, seconds, a mix
// of days and hours, zero, more than 3650 working days or 87600 hours, an expression).
Result<StepLimit> ParseStepLimit(std::string_view iso8601);
// `P5D` / `PT4H`.
std::string FormatStepLimit(const StepLimit& limit);
// `5 working days` / `4 hours`.
std::string DescribeStepLimit(const StepLimit& limit);

// ---------------------------------------------------------------------------------------------
// The flow model

enum class NodeKind : uint8_t {
  kStartEvent,
  kEndEvent,
  kStep,              // a task, user task or manual task: a person acts
  kExclusiveGateway,  // one outgoing branch, by condition or by the acting person's choice
  kParallelGateway,   // split: all outgoing branches; join: waits for all incoming
};
// "start", "end", "step", "exclusive", "parallel".
std::string_view NodeKindName(NodeKind kind);

struct Node {
  std::string id;  // unique in the flow; no whitespace and none of , ; : = |
  NodeKind kind = NodeKind::kStep;
  std::string name;
  std::string description;  // BPMN documentation
  // Steps: the roles that may act (role identifiers as in identity::RoleDef::name), the lane the
  // step lies in (its name, or its id if unnamed), the department that acts (a department code,
  // empty = the matter's department), and the step limit.
  std::vector<std::string> roles;
  std::string lane;
  std::string department_code;
  std::optional<StepLimit> limit;
  // Exclusive gateways: the id of the default flow, taken when no other branch matches.
  std::string default_flow;
  // End events: a terminate end event ends the whole flow, discarding every other token.
  bool terminate = false;
};

struct SequenceFlow {
  std::string id;
  std::string source;  // node ids
  std::string target;
  std::string name;
  // The condition text ("" = none). Only flows leaving an exclusive gateway may carry one.
  std::string condition;
};

// What a Flow is built from.
struct FlowDefinition {
  std::string id;    // e.g. the BPMN process id
  std::string name;
  std::string description;
  std::vector<Node> nodes;
  std::vector<SequenceFlow> flows;
};

// A validated flow. Immutable.
class Flow {
 public:
  // Validates DEF and parses its conditions. Errors (kInvalidArgument, field = the offending
  // element's id, the message names it too):
  //   flow.bad_id          an empty id, a duplicate id, or an id with a reserved character;
  //   flow.no_start        no start event, or more than one;
  //   flow.no_end          no end event;
  //   flow.dangling_ref    a sequence flow whose source or target is not a node, or a default
  //                        flow that is not an outgoing flow of its gateway;
  //   flow.bad_condition   a condition that does not parse (names the sequence flow), or a
  //                        condition on a flow that does not leave an exclusive gateway, or on a
  //                        gateway's default flow;
  //   flow.bad_node        a start event with incoming flows or not exactly one outgoing flow, an
  //                        end event with outgoing flows, a step without exactly one outgoing flow
  //                        (branching is drawn with gateways), a gateway without incoming or
  //                        outgoing flows, a gateway whose flow loops to itself;
  //   flow.unreachable     a node not reachable from the start;
  //   flow.no_way_out      a node from which no end can be reached, or a cycle of gateways only;
  //   flow.unsound         parallel branches that do not join properly: a parallel join that can
  //                        wait forever (its incoming branches do not all come from one split), or
  //                        two tokens on one flow (parallel branches merged by an exclusive
  //                        gateway). Checked by exploring every choice; skipped above 20000 states.
  static Result<Flow> Build(FlowDefinition def);

  const std::string& id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<SequenceFlow>& flows() const { return flows_; }

  // nullptr if absent.
  const Node* FindNode(std::string_view id) const;
  const SequenceFlow* FindFlow(std::string_view id) const;
  // The parsed condition of a flow, nullptr if it has none (or the flow is unknown).
  const Condition* ConditionOf(std::string_view flow_id) const;
  // The start event.
  const Node& Start() const { return nodes_[start_]; }
  // The steps, in definition order.
  std::vector<const Node*> Steps() const;
  // Outgoing / incoming flows of a node in definition order (empty for an unknown id).
  std::vector<const SequenceFlow*> Outgoing(std::string_view node_id) const;
  std::vector<const SequenceFlow*> Incoming(std::string_view node_id) const;

 private:
  friend class Runner;
  friend class SoundnessCheck;
  Flow() = default;
  int32_t NodeIndex(std::string_view id) const;
  int32_t FlowIndex(std::string_view id) const;

  std::string id_, name_, description_;
  std::vector<Node> nodes_;
  std::vector<SequenceFlow> flows_;
  std::vector<std::optional<Condition>> conditions_;  // by flow index
  std::vector<int32_t> flow_source_, flow_target_;    // by flow index: node indexes
  std::vector<std::vector<int32_t>> out_, in_;        // by node index: flow indexes
  std::vector<int32_t> default_flow_;                 // by node index: flow index or -1
  std::map<std::string, int32_t, std::less<>> node_index_, flow_index_;
  int32_t start_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The runtime

// Where a running flow stands.
struct TokenState {
  // The active steps, sorted. A step reached twice (two parallel tokens) appears twice.
  std::vector<std::string> active;
  // Tokens waiting at parallel joins: join id → incoming flow id → tokens arrived on it.
  std::map<std::string, std::map<std::string, int32_t>> waiting;
  // The flow has reached its end: no active step and no waiting token remain.
  bool ended = false;

  friend bool operator==(const TokenState&, const TokenState&) = default;
};

// The outcome of Start or Complete.
struct Advance {
  TokenState state;
  std::vector<std::string> activated;  // steps that became active, in the order reached
  std::vector<std::string> taken;      // sequence flows taken, in order (for the case's record)
  bool ended = false;                  // == state.ended
};

// Starts FLOW: follows the start event's flow to the first step(s).
// CHOSEN_FLOW_ID: the branch picked by the person acting, if an exclusive gateway on the way has
// branches without conditions. Errors: as Complete.
Result<Advance> Start(const Flow& flow, const CaseData& data,
                      const std::optional<std::string>& chosen_flow_id = std::nullopt);

// Completes one active step: its token moves on along its outgoing flow. A parallel split
// activates every branch; a parallel join passes when a token has arrived on each incoming flow
// (until then the token waits); an exclusive gateway takes exactly one outgoing flow: its
// candidates are the flows whose condition is true for DATA plus the flow named by
// CHOSEN_FLOW_ID if it is one of its flows without a condition (the default flow included) — a
// merge (one outgoing flow without a condition) simply passes the token on; if
// there are none, the default flow (unless the gateway has other flows without a condition: then
// the person acting must choose). An end event consumes the token; a terminate end event
// consumes all of them. STATE is not changed; the new state is returned.
// Errors (nothing changes):
//   kFailedPrecondition "flow.ended"             the flow has already ended;
//   kFailedPrecondition "flow.step_not_active"   STEP_ID is not an active step (field "step");
//   kFailedPrecondition "flow.no_branch"         an exclusive gateway with no candidate and no
//                                                default; the message names the gateway and the
//                                                branches that may be chosen (field "chosen_flow");
//   kFailedPrecondition "flow.ambiguous_branch"  an exclusive gateway with several candidates;
//   kInvalidArgument    "flow.bad_choice"        CHOSEN_FLOW_ID was not used by any gateway on the
//                                                way (field "chosen_flow");
//   the errors of Condition::Evaluate, with the gateway and flow named in the message;
//   kInternal           "flow.stuck"             a loop of gateways or tokens left waiting forever
//                                                (Flow::Build refuses such flows).
Result<Advance> Complete(const Flow& flow, const TokenState& state, std::string_view step_id,
                         const CaseData& data,
                         const std::optional<std::string>& chosen_flow_id = std::nullopt);

// The branches the person completing STEP_ID may choose: the flows without a condition (default
// flows included) of the exclusive split (two or more outgoing flows) that directly follows the
// step, or nothing.
std::vector<const SequenceFlow*> Choices(const Flow& flow, std::string_view step_id);

// A compact text form of a state, for one database column:
//   "1|a=STEP,STEP|w=JOIN:FLOW*N,FLOW*N|w=..."   or   "1|end"
// "1|" is the format version; `a=` lists the active steps (omitted when none), each `w=` a join
// with its waiting tokens. Ids never contain the separators (Flow::Build refuses them).
std::string SerializeState(const TokenState& state);
// The inverse of SerializeState. Errors: kInvalidArgument "flow.bad_state".
Result<TokenState> ParseState(std::string_view text);

}  // namespace xn::flow
