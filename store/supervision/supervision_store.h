// The supervision repository: rule set versions, alerts (raised once per rule, item and moment),
// supervision orders with their ladder, in-app notifications, the webhook outbox, and the
// engine's checkpoint (docs/supervision.md). Every change appends its event.
//
// Thread-safety: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/db/database.h"
#include "store/identity/identity_store.h"

namespace xn::store {

struct StoredRuleSet {
  int64_t version = 0;
  std::string text;
  std::string note;
  std::string created_by;
  Instant created_at;
};

struct NewAlert {
  std::string rule_id, rule_name;
  int64_t rule_version = 0;
  std::string level;   // reminder | yellow | red
  std::string target;  // case | step | complaint | supervision_order
  std::string item;    // "case:42", "case:42/step:review"
  std::optional<int64_t> case_id;
  std::optional<int64_t> department_id;
  std::string matter_code;
  Instant moment;
  std::optional<Instant> explain_by;  // when an explanation is due (yellow and red)
  std::string message;
  std::string explanation;
};

struct Alert : NewAlert {
  int64_t id = 0;
  Instant raised_at;
  std::string state;  // open | explained | ordered | closed
  std::optional<std::string> reply;
  std::optional<int64_t> replied_by;
  std::optional<Instant> replied_at;
  std::optional<int64_t> order_id;
  // Joined for display.
  std::string case_no, department_name, matter_name;
};

struct AlertQuery {
  std::optional<int64_t> department_id;
  std::optional<std::string> region_prefix;  // departments whose region code starts so
  std::optional<std::string> level, rule, state, matter_code;
  std::optional<int64_t> case_id, after_id;
  std::optional<int64_t> from_ms, to_ms;  // raised_at in [from, to)
  PageRequest page;
};

struct NewOrder {
  std::string level = "yellow";  // yellow | red | dossier
  std::optional<int64_t> case_id;
  std::optional<int64_t> alert_id;
  int64_t department_id = 0;
  std::string reason;
  std::string opened_by;  // who, for display: "效能办 张三" or "系统（督办阶梯）"
  Instant deadline;
  std::optional<int64_t> parent_id;
};

struct Order : NewOrder {
  int64_t id = 0;
  std::string order_no;
  std::string state;  // open | replied | verified | escalated
  Instant opened_at;
  std::optional<std::string> reply, verification;
  std::optional<int64_t> replied_by, verified_by;
  std::optional<Instant> replied_at, verified_at;
  std::string case_no, department_name;
};

struct OrderQuery {
  std::optional<int64_t> department_id;
  std::optional<std::string> region_prefix;
  std::optional<std::string> state, level;
  std::optional<int64_t> case_id;
  PageRequest page;
};

struct Notification {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string title, body;
  std::optional<int64_t> alert_id, order_id;
  Instant created_at;
  std::optional<Instant> read_at;
};

struct CountByLevel {
  std::string key, name;
  int64_t reminder = 0, yellow = 0, red = 0;
};

class SupervisionStore {
 public:
  explicit SupervisionStore(db::Database& db) : db_(db) {}

  // Rule sets: the newest version is in force. Errors of Current: kNotFound when none is saved.
  Result<StoredRuleSet> CurrentRules() const;
  Result<std::vector<StoredRuleSet>> RuleVersions() const;  // newest first, text included
  // Saves TEXT as the next version (the caller has parsed it). Appends "rules.saved".
  Result<StoredRuleSet> SaveRules(const std::string& text, const std::string& note,
                                  const Actor& actor);

  // Raises ALERT unless one with its rule, item and moment exists; then notifies USERS (in-app
  // and webhook outbox) and appends "alert.raised". Returns the new id, or nullopt if it was
  // raised before (a restart, another process).
  static Result<std::optional<int64_t>> RaiseIn(db::WriteTx& tx, const NewAlert& alert,
                                                const std::vector<int64_t>& users,
                                                const Actor& actor);
  Result<PageOf<Alert>> ListAlerts(const AlertQuery& q) const;
  Result<Alert> GetAlert(int64_t id) const;
  // open → explained. Errors: kNotFound; kConflict "alert.state".
  Result<Alert> Explain(int64_t id, const std::string& text, int64_t user_id, const Actor& actor);
  // → closed. Errors: kNotFound; kConflict "alert.state" if already closed.
  Result<Alert> Close(int64_t id, const std::string& note, const Actor& actor);
  // Counts of alerts raised in [from, to) by department, rule or local day ("department",
  // "rule", "day"), within the scope given by DEPARTMENT_ID / REGION_PREFIX.
  Result<std::vector<CountByLevel>> Stats(const std::string& by, int64_t from_ms, int64_t to_ms,
                                          std::optional<int64_t> department_id,
                                          std::optional<std::string> region_prefix) const;
  // Open alerts and orders per department, for the board.
  struct DepartmentOpen {
    int64_t department_id = 0;
    int64_t reminder = 0, yellow = 0, red = 0, orders = 0;
  };
  Result<std::vector<DepartmentOpen>> OpenByDepartment() const;

  // Open cases per department by the inbox's light: red (promised deadline passed), yellow (due
  // by YELLOW_UNTIL_MS), paused (no running deadline), the rest green.
  struct Lights {
    int64_t department_id = 0;
    int64_t open = 0, red = 0, yellow = 0, paused = 0;
  };
  Result<std::vector<Lights>> CaseLights(int64_t now_ms, int64_t yellow_until_ms) const;

  // Orders. Open appends "supervision_order.opened" and notifies USERS; when ALERT_ID is set the
  // alert becomes "ordered".
  Result<Order> OpenOrder(const NewOrder& order, const std::vector<int64_t>& users,
                          const Actor& actor);
  static Result<Order> OpenOrderIn(db::WriteTx& tx, const NewOrder& order,
                                   const std::vector<int64_t>& users, const Actor& actor);
  Result<PageOf<Order>> ListOrders(const OrderQuery& q) const;
  Result<Order> GetOrder(int64_t id) const;
  // open → replied. Errors: kConflict "supervision_order.state".
  Result<Order> Reply(int64_t id, const std::string& text, int64_t user_id, const Actor& actor);
  // replied → verified (accepted) or back to open (returned, the note says why).
  Result<Order> Verify(int64_t id, bool accepted, const std::string& note, int64_t user_id,
                       const Actor& actor);
  // open → escalated, and the next rung opened in the same transaction (the ladder). Returns the
  // new order, or nullopt when the order is no longer open (replied meanwhile).
  Result<std::optional<Order>> Escalate(int64_t id, const NewOrder& next,
                                        const std::vector<int64_t>& users, const Actor& actor);

  // What the ladder must act on at NOW: open alerts past their explain_by, open orders past their
  // deadline (dossiers, the last rung, excepted).
  struct Due {
    std::string kind;  // "alert" | "order"
    int64_t id = 0;
    Instant at;
  };
  Result<std::vector<Due>> LadderDue(Instant now) const;

  // Notifications of USER_ID, newest first; and the number unread.
  Result<PageOf<Notification>> Notifications(int64_t user_id, bool unread_only,
                                             const PageRequest& page) const;
  Result<int64_t> UnreadCount(int64_t user_id) const;
  // Errors: kNotFound (not the user's).
  Status MarkRead(int64_t id, int64_t user_id, Instant at);

  // The webhook outbox: undelivered first, oldest first.
  struct Outgoing {
    int64_t id = 0;
    std::string payload;
    int attempts = 0;
  };
  Result<std::vector<Outgoing>> PendingWebhooks(int limit) const;
  Status MarkWebhook(int64_t id, bool delivered, const std::string& error, Instant at);

  // Who answers for a case of DEPARTMENT_ID: its active users holding one of ROLES (those who may
  // act on the case now), and its department heads.
  Result<std::vector<int64_t>> Responsible(int64_t department_id,
                                           const std::vector<std::string>& roles) const;

  // How many alerts RULE_ID has raised on CASE_ID (to find repeated ones).
  Result<int64_t> AlertCount(const std::string& rule_id, int64_t case_id) const;

  // A department's name (empty if unknown), for messages.
  Result<std::string> DepartmentName(int64_t department_id) const;

  // The engine's checkpoint: the seq of the last event it has looked at.
  Result<int64_t> Checkpoint() const;
  static Status SetCheckpointIn(db::WriteTx& tx, int64_t seq);

 private:
  db::Database& db_;
};

}  // namespace xn::store
