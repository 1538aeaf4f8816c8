// Case (办件): one application being handled, and the rules of every action on it.
//
// A case moves through these states (docs/cases.md has the diagram):
//   submitted ──accept──▶ in_progress ──(flow ends)──▶ awaiting_decision ──conclude──▶ concluded
//       │                   │   ▲                                                    │
//       │ decline           │   │ resubmit / end special procedure                   │ deliver
//       ▼                   ▼   │                                                    ▼
//    declined      correction_pending / special_procedure                         delivered
//   (withdraw: by the applicant, any time before the conclusion ──▶ withdrawn)
//   (commitment handling: a grant on a signed commitment is verified by its deadline; a failed
//    verification revokes it ──▶ revoked)
//
// Every action is decided by Decide(): it checks that the action is allowed in the current
// state, by this actor, with this input, and returns the new case and the event to append.
// Nothing here touches storage; a refused action changes nothing.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/calendar/calendar.h"
#include "domain/cases/legal_clock.h"
#include "domain/catalog/catalog.h"
#include "domain/common/clock.h"
#include "domain/identity/identity.h"

namespace xn::cases {

enum class CaseState {
  kSubmitted,          // 待受理
  kCorrectionPending,  // 待补正 (clock paused)
  kInProgress,         // 办理中
  kSpecialProcedure,   // 特别程序 (clock paused)
  kAwaitingDecision,   // 待决定
  kConcluded,          // 已办结
  kDelivered,          // 已送达
  kDeclined,           // 不予受理
  kWithdrawn,          // 已撤回
  kRevoked,            // 已撤销: a grant on commitment whose verification failed
};
std::string_view CaseStateName(CaseState s);   // "submitted", ...
std::string_view CaseStateTitle(CaseState s);  // "待受理", ...
std::optional<CaseState> ParseCaseState(std::string_view name);
bool IsClosed(CaseState s);

enum class Channel { kOnline, kWindow, kProxy };
std::string_view ChannelName(Channel c);
std::optional<Channel> ParseChannel(std::string_view name);

enum class Decision { kGrant, kRefuse, kGrantOnCommitment };
std::string_view DecisionName(Decision d);
std::optional<Decision> ParseDecision(std::string_view name);

// The fields a flow's conditions read (case data), as text.
using CaseData = std::map<std::string, std::string>;

// A step of the fixed flow, as the case needs it.
struct StepDef {
  std::string id;
  std::string name;
  std::vector<std::string> roles;        // role identifiers allowed to act; empty: any handler
  std::string department_code;           // "" for the matter's department
  std::optional<catalog::TimeLimit> limit;
};

struct FlowAdvance {
  std::vector<StepDef> activated;  // steps that became active
  std::string token;               // the flow's state after the move
  bool finished = false;           // the flow reached its end
};

// What a case needs from its fixed flow (implemented over domain/flow).
class FlowPort {
 public:
  virtual ~FlowPort() = default;
  virtual Result<FlowAdvance> Start(const CaseData& data) const = 0;
  // Completes STEP_ID. CHOSEN names the outgoing sequence flow picked by the actor where an
  // exclusive gateway has branches without conditions.
  virtual Result<FlowAdvance> Complete(const std::string& token, const std::string& step_id,
                                       const CaseData& data,
                                       const std::optional<std::string>& chosen) const = 0;
};

struct ActiveStep {
  StepDef def;
  Instant started_at;
  std::optional<Instant> deadline;  // from the step's own limit
};

struct Case {
  int64_t id = 0;
  std::string case_no;
  std::string query_code;  // with case_no, lets the public read the status
  int64_t matter_version_id = 0;
  std::string matter_code, matter_name;
  int64_t department_id = 0;
  std::string department_code;
  CaseState state = CaseState::kSubmitted;
  CaseState resume_state = CaseState::kSubmitted;  // where a pause returns to
  Channel channel = Channel::kOnline;
  std::string applicant_kind;  // "enterprise" | "citizen"
  std::string applicant_code;  // unified social credit code or ID number
  std::string applicant_name;
  std::string contact_phone;
  std::optional<int64_t> applicant_user_id;
  std::optional<int64_t> agent_user_id;
  std::optional<int64_t> key_project_id;
  std::string service_mode = "online";  // online | window | on_site | appointment | accompanied
  CaseData data;
  std::string flow_token;
  std::vector<ActiveStep> active_steps;
  std::vector<std::string> done_steps;
  std::optional<LegalClock> statutory, promised;
  int32_t corrections = 0;
  std::vector<std::string> correction_items;  // the last correction notice
  bool extended = false;
  std::optional<Decision> decision;
  std::string decision_reason;
  int64_t fee_due_fen = 0;
  int64_t fee_paid_fen = 0;
  std::optional<Instant> verification_deadline;  // commitment handling
  std::optional<bool> verified;                  // the verification's result, once done
  bool supervised = false;
  Instant submitted_at;
  std::optional<Instant> accepted_at, concluded_at, delivered_at, closed_at;
  int64_t version = 0;  // bumped by every action
};

enum class ActionKind {
  kAccept,
  kDecline,
  kRequestCorrection,
  kResubmit,
  kCompleteStep,
  kStartSpecialProcedure,
  kEndSpecialProcedure,
  kExtend,
  kConclude,
  kCollectFee,
  kDeliver,
  kWithdraw,
  kVerifyCommitment,  // commitment handling: record the verification (passed or failed)
  kSupervise,         // the efficiency office places the case under supervision (督办)
};
std::string_view ActionName(ActionKind a);  // "accept", "complete_step", ...
std::optional<ActionKind> ParseAction(std::string_view name);

struct Action {
  ActionKind kind = ActionKind::kAccept;
  std::string reason;                  // decline, refuse, special procedure, extension...
  std::vector<std::string> items;      // correction: everything missing, in one notice
  std::string step_id;                 // complete_step
  std::optional<std::string> chosen;   // complete_step: the branch picked
  std::string opinion;                 // complete_step: the handler's opinion
  CaseData data;                       // complete_step: fields added to the case data
  std::optional<Decision> decision;    // conclude
  int32_t days = 0;                    // extension: working days; special procedure: expected
  std::string basis;                   // special procedure: legal basis
  std::string notice;                  // special procedure: the written notice to the applicant
  std::string approval;                // extension: approval record (who, document number)
  std::string fee_item;                // collect_fee
  int64_t amount_fen = 0;              // collect_fee
  std::optional<bool> passed;          // verify_commitment
};

// Who acts, and their facts as the rules see them.
struct Actor {
  const identity::Principal* principal = nullptr;  // null for the system
  Instant now;
};

struct Outcome {
  Case next;
  std::string event_kind;                        // "case.accepted", ...
  std::map<std::string, std::string> event_data;  // flat facts for the event's data
};

// The context an action is decided in.
struct Context {
  const calendar::Calendar& calendar;
  const catalog::MatterDef& matter;
  const FlowPort& flow;
};

// Decides ACTION on CASE by ACTOR. Errors: kFailedPrecondition "case.not_allowed_now" (with the
// state), kPermissionDenied "case.not_your_step" / "case.role_not_allowed", kInvalidArgument
// (missing reasons, items...), and the calendar's or flow's errors. The case is unchanged on error.
Result<Outcome> Decide(const Case& c, const Action& action, const Actor& actor,
                       const Context& ctx);

// Who may act on the case now, for inboxes: the roles of the case's own department, and the
// departments (by code) of active steps that belong to another department, each with its roles.
struct PendingActors {
  std::vector<std::string> roles;                                   // the case's department
  std::vector<std::pair<std::string, std::string>> other_departments;  // (department code, role)
};
PendingActors WhoMayActNow(const Case& c);

// True if the principal may act on the case at all (its department, its own application, or
// the proxy agent's). Reads are checked by scope elsewhere.
bool MayAct(const identity::Principal& p, const Case& c);

// The unified social credit code (GB 32100-2015) is 18 characters with a valid check character.
bool ValidCreditCode(std::string_view code);
// The citizen ID number (GB 11643-1999) is 18 characters with a valid check digit (0-9 or X).
bool ValidIdNumber(std::string_view id);

}  // namespace xn::cases
