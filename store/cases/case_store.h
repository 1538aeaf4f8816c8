// The case repository: each case is one row (indexed columns for the queries, and the whole case
// as JSON), changed only together with the event that records why (docs/architecture.md).
// Concurrent actions on one case are serialised by its version: an action decided on a stale
// copy is refused ("case.concurrent_change") and changes nothing.
//
// Thread-safety: thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/cases/case.h"
#include "store/identity/identity_store.h"
#include "store/db/database.h"

namespace xn::store {

struct CaseQuery {
  std::optional<int64_t> department_id;
  std::optional<std::string> region_prefix;   // departments whose region code starts so
  std::optional<int64_t> party_user_id;       // applicant or agent
  std::optional<std::string> state;
  std::optional<std::string> q;               // case number, applicant or matter name
  bool open_only = false;
  PageRequest page;
};

struct InboxQuery {
  int64_t department_id = 0;
  std::string department_code;
  std::vector<std::string> roles;
  PageRequest page;
};

class CaseStore {
 public:
  explicit CaseStore(db::Database& db) : db_(db) {}

  // Stores a new case: numbers it (matter code + YYYYMMDD + 4-digit daily sequence), gives it a
  // query code, and appends "case.submitted". Returns the stored case.
  Result<cases::Case> Create(cases::Case c, const std::string& query_code, const Actor& actor);
  // The same, inside a transaction the caller runs (bulk loads such as the demo city).
  static Result<cases::Case> CreateIn(db::WriteTx& tx, cases::Case c,
                                      const std::string& query_code, const Actor& actor);

  Result<cases::Case> Get(int64_t id) const;
  Result<cases::Case> GetByNumber(const std::string& case_no) const;

  // Stores OUTCOME.next if the case is still at EXPECTED_VERSION, with its event.
  // Errors: kConflict "case.concurrent_change".
  Result<cases::Case> Apply(const cases::Outcome& outcome, int64_t expected_version,
                            const Actor& actor);
  static Result<cases::Case> ApplyIn(db::WriteTx& tx, const cases::Outcome& outcome,
                                     int64_t expected_version, const Actor& actor);

  Result<PageOf<cases::Case>> List(const CaseQuery& q) const;
  // The cases the caller may act on now (cases::WhoMayActNow), most urgent first, one page.
  Result<PageOf<cases::Case>> Inbox(const InboxQuery& q) const;

  // The agent of key project ID (nullopt if it has none). Errors: kNotFound.
  Result<std::optional<int64_t>> KeyProjectAgent(int64_t id) const;

  // Calls FN with every open case (not delivered, declined, withdrawn or revoked) in id order,
  // reading a thousand at a time; stops at FN's first error.
  Status ForEachOpen(const std::function<Status(const cases::Case&)>& fn) const;

  // The case's events, oldest first.
  Result<std::vector<db::Event>> Events(int64_t case_id) const;

 private:
  db::Database& db_;
};

}  // namespace xn::store
