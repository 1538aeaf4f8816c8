// The PostgreSQL backend: one libpq connection, its prepared statements, and the mapping of
// SQLSTATEs to the store's errors.
//
// Parameters travel as text with their type left for the server to infer from the statement
// (so one SQL text serves both backends), except blobs, which travel in binary as bytea. Results
// come back as text; Int64 parses it (and reads a boolean as 0 or 1), Blob decodes bytea's hex.
#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "store/db/database.h"

namespace xn::db {
namespace {

constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;

// The SQL text with SQLite's ?N and ? parameters written as PostgreSQL's $N, leaving string
// literals and quoted identifiers alone.
std::string Translate(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int next = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      out.push_back(c);
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
      continue;
    }
    if (c != '?') {
      out.push_back(c);
      continue;
    }
    size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
    out.push_back('$');
    if (j > i + 1) {
      out.append(sql.substr(i + 1, j - i - 1));
      i = j - 1;
    } else {
      out.append(std::to_string(++next));
    }
  }
  return out;
}

Error PgError(const PGresult* res, PGconn* conn) {
  std::string message = res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (state != nullptr && std::strncmp(state, "23", 2) == 0) {
    return MakeError(ErrorCode::kConflict, "store.constraint", std::move(message));
  }
  return MakeError(ErrorCode::kUnavailable, "store.io", std::move(message));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

class PgConnection;

class PgStatement final : public Statement {
 public:
  PgStatement(PgConnection& conn, std::string name, std::string sql, int params)
      : conn_(conn), name_(std::move(name)), sql_(std::move(sql)) {
    values_.resize(static_cast<size_t>(params));
  }
  ~PgStatement() override { Clear(); }

  Statement& Bind(int index, int64_t value) override {
    return Set(index, std::to_string(value), false);
  }
  Statement& Bind(int index, double value) override {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    return Set(index, std::string(buf, r.ptr), false);
  }
  Statement& Bind(int index, std::string_view text) override {
    return Set(index, std::string(text), false);
  }
  Statement& BindBlob(int index, const void* data, size_t size) override {
    return Set(index, std::string(static_cast<const char*>(data), size), true);
  }
  Statement& BindNull(int index) override {
    if (Slot* s = At(index)) *s = Slot{};
    return *this;
  }
  using Statement::Bind;

  Result<bool> Step() override;
  void Reset() override {
    if (result_ != nullptr) PQclear(result_);
    result_ = nullptr;
    row_ = -1;
  }
  void Clear() {
    Reset();
    for (Slot& s : values_) s = Slot{};
  }

  bool IsNull(int col) const override { return PQgetisnull(result_, row_, col) != 0; }
  int64_t Int64(int col) const override {
    const char* v = PQgetvalue(result_, row_, col);
    if (PQftype(result_, col) == kBoolOid) return v[0] == 't' ? 1 : 0;
    return std::strtoll(v, nullptr, 10);
  }
  double Double(int col) const override {
    return std::strtod(PQgetvalue(result_, row_, col), nullptr);
  }
  std::string Text(int col) const override {
    return std::string(PQgetvalue(result_, row_, col),
                       static_cast<size_t>(PQgetlength(result_, row_, col)));
  }
  std::string Blob(int col) const override {
    const char* v = PQgetvalue(result_, row_, col);
    const size_t n = static_cast<size_t>(PQgetlength(result_, row_, col));
    if (PQftype(result_, col) != kByteaOid || n < 2 || v[0] != '\\' || v[1] != 'x') {
      return std::string(v, n);
    }
    std::string out;
    out.reserve((n - 2) / 2);
    for (size_t i = 2; i + 1 < n; i += 2) {
      out.push_back(static_cast<char>(HexValue(v[i]) << 4 | HexValue(v[i + 1])));
    }
    return out;
  }

  void Forget() { prepared_ = false; }  // the server lost its prepared statements

 private:
  struct Slot {
    bool set = false;
    bool binary = false;
    std::string value;
  };
  Slot* At(int index) {
    if (index < 1) return nullptr;
    if (static_cast<size_t>(index) > values_.size()) values_.resize(static_cast<size_t>(index));
    return &values_[static_cast<size_t>(index) - 1];
  }
  Statement& Set(int index, std::string value, bool binary) {
    if (Slot* s = At(index)) *s = Slot{true, binary, std::move(value)};
    return *this;
  }

  PgConnection& conn_;
  std::string name_;
  std::string sql_;
  bool prepared_ = false;
  std::vector<Slot> values_;
  PGresult* result_ = nullptr;
  int row_ = -1;
};

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  ~PgConnection() override {
    statements_.clear();
    PQfinish(conn_);
  }

  Status Exec(std::string_view sql) override {
    if (Status s = EnsureOpen(); !s.ok()) return s;
    std::string text(sql);
    PGresult* res = PQexec(conn_, text.c_str());
    const ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      Error e = PgError(res, conn_);
      PQclear(res);
      return e;
    }
    PQclear(res);
    return Ok();
  }

  Result<Statement*> Prepare(std::string_view sql) override {
    std::string key(sql);
    auto it = statements_.find(key);
    if (it != statements_.end()) {
      it->second->Clear();
      return it->second.get();
    }
    std::string translated = Translate(sql);
    auto owned = std::make_unique<PgStatement>(*this, "xn" + std::to_string(++counter_),
                                               std::move(translated), 0);
    Statement* out = owned.get();
    statements_.emplace(std::move(key), std::move(owned));
    return out;
  }

  int64_t LastInsertRowId() override {
    Result<Statement*> st = Prepare("SELECT lastval()");
    if (!st.ok()) return 0;
    Result<bool> row = (*st)->Step();
    const int64_t id = row.ok() && *row ? (*st)->Int64(0) : 0;
    (*st)->Reset();
    return id;
  }
  int Changes() const override { return changes_; }
  bool InTransaction() const override {
    const PGTransactionStatusType t = PQtransactionStatus(conn_);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
  }
  void ResetBusy() override {}
  Backend backend() const override { return Backend::kPostgres; }

  PGconn* raw() { return conn_; }
  void set_changes(int n) { changes_ = n; }

  // Reconnects a connection the server dropped (a restart, a network cut), outside any
  // transaction: inside one, the transaction is lost and the caller gets the error.
  Status EnsureOpen() {
    if (PQstatus(conn_) == CONNECTION_OK) return Ok();
    PQreset(conn_);
    for (auto& [sql, st] : statements_) st->Forget();
    if (PQstatus(conn_) != CONNECTION_OK) {
      return MakeError(ErrorCode::kUnavailable, "store.io",
                       std::string("PostgreSQL connection lost: ") + PQerrorMessage(conn_));
    }
    return Configure();
  }

  // The session settings every connection runs with, again after a reconnect.
  Status Configure() {
    PGresult* res = PQexec(conn_, "SET client_encoding = 'UTF8'; SET synchronous_commit = on");
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    Error e = ok ? Error{} : PgError(res, conn_);
    PQclear(res);
    if (!ok) return e;
    return Ok();
  }

 private:
  PGconn* conn_;
  std::unordered_map<std::string, std::unique_ptr<PgStatement>> statements_;
  int counter_ = 0;
  int changes_ = 0;
};

Result<bool> PgStatement::Step() {
  if (result_ != nullptr) {
    ++row_;
    return row_ < PQntuples(result_);
  }
  if (Status s = conn_.EnsureOpen(); !s.ok()) return s.error();
  PGconn* pg = conn_.raw();
  if (!prepared_) {
    PGresult* res = PQprepare(pg, name_.c_str(), sql_.c_str(), 0, nullptr);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      Error e = PgError(res, pg);
      PQclear(res);
      // A prepare that failed inside a transaction has aborted it; the name stays free.
      return MakeError(e.category, e.code, e.message + " [" + sql_ + "]");
    }
    PQclear(res);
    prepared_ = true;
  }
  const int n = static_cast<int>(values_.size());
  std::vector<const char*> values(static_cast<size_t>(n));
  std::vector<int> lengths(static_cast<size_t>(n));
  std::vector<int> formats(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const Slot& s = values_[static_cast<size_t>(i)];
    values[static_cast<size_t>(i)] = s.set ? s.value.c_str() : nullptr;
    lengths[static_cast<size_t>(i)] = static_cast<int>(s.value.size());
    formats[static_cast<size_t>(i)] = s.binary ? 1 : 0;
  }
  PGresult* res = PQexecPrepared(pg, name_.c_str(), n, values.data(), lengths.data(),
                                 formats.data(), 0);
  const ExecStatusType st = PQresultStatus(res);
  if (st == PGRES_TUPLES_OK) {
    result_ = res;
    row_ = 0;
    const char* affected = PQcmdTuples(res);
    conn_.set_changes(affected[0] != 0 ? std::atoi(affected) : 0);
    return PQntuples(res) > 0;
  }
  if (st == PGRES_COMMAND_OK) {
    const char* affected = PQcmdTuples(res);
    conn_.set_changes(affected[0] != 0 ? std::atoi(affected) : 0);
    PQclear(res);
    result_ = PQmakeEmptyPGresult(pg, PGRES_TUPLES_OK);  // Step() again says "done"
    row_ = 0;
    return false;
  }
  Error e = PgError(res, pg);
  PQclear(res);
  return e;
}

}  // namespace

Result<std::unique_ptr<Connection>> OpenPostgresConnection(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    PQfinish(conn);
    return MakeError(ErrorCode::kUnavailable, "store.open",
                     "cannot connect to " + RedactLocation(url) + ": " + message);
  }
  // The server's notices ("... already exists, skipping") are not errors; the store says nothing
  // of them.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  auto out = std::make_unique<PgConnection>(conn);
  // Text is UTF-8 in both backends, and a commit is durable before it is acknowledged.
  Status s = out->Configure();
  if (!s.ok()) return s.error();
  return std::unique_ptr<Connection>(std::move(out));
}

}  // namespace xn::db
