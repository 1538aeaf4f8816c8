// The SQLite backend: one connection, its cached prepared statements, and the mapping of SQLite
// result codes to the store's errors.
#include <sqlite3.h>

#include <unordered_map>
#include <utility>

#include "store/db/database.h"

namespace xn::db {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// The one place where a SQLite result code becomes an Error.
Error SqliteError(sqlite3* db, int rc) {
  std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return MakeError(ErrorCode::kConflict, "store.constraint", std::move(message));
  }
  return MakeError(ErrorCode::kUnavailable, "store.io", std::move(message));
}

class SqliteStatement final : public Statement {
 public:
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  Statement& Bind(int index, int64_t value) override {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& Bind(int index, double value) override {
    sqlite3_bind_double(stmt_, index, value);
    return *this;
  }
  Statement& Bind(int index, std::string_view text) override {
    sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
  }
  Statement& BindBlob(int index, const void* data, size_t size) override {
    // A zero-length blob must still be a blob, not NULL: SQLite binds NULL for a null pointer.
    static const char kEmpty = 0;
    sqlite3_bind_blob64(stmt_, index, size == 0 ? &kEmpty : data, size, SQLITE_TRANSIENT);
    return *this;
  }
  Statement& BindNull(int index) override {
    sqlite3_bind_null(stmt_, index);
    return *this;
  }
  using Statement::Bind;

  Result<bool> Step() override {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Error error = SqliteError(sqlite3_db_handle(stmt_), rc);
    sqlite3_reset(stmt_);
    return error;
  }
  void Reset() override { sqlite3_reset(stmt_); }
  void Clear() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  bool IsNull(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t Int64(int col) const override { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const override { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const override {
    const unsigned char* text = sqlite3_column_text(stmt_, col);
    int size = sqlite3_column_bytes(stmt_, col);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
  }
  std::string Blob(int col) const override {
    const void* data = sqlite3_column_blob(stmt_, col);
    int size = sqlite3_column_bytes(stmt_, col);
    if (data == nullptr) return {};
    return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
  }

 private:
  sqlite3_stmt* stmt_;
};

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    statements_.clear();  // statements are finalized before the connection is closed
    sqlite3_close_v2(db_);
  }

  Status Exec(std::string_view sql) override {
    std::string text(sql);
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc);
    return Ok();
  }

  Result<Statement*> Prepare(std::string_view sql) override {
    std::string key(sql);
    auto it = statements_.find(key);
    if (it != statements_.end()) {
      it->second->Clear();
      return it->second.get();
    }
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) return SqliteError(db_, rc);
    if (stmt == nullptr) {
      return MakeError(ErrorCode::kInternal, "store.sql", "empty SQL statement");
    }
    auto owned = std::make_unique<SqliteStatement>(stmt);
    std::string_view rest(tail, key.data() + key.size() - tail);
    if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      return MakeError(ErrorCode::kInternal, "store.sql",
                       "Prepare takes one statement: " + std::string(sql));
    }
    Statement* out = owned.get();
    statements_.emplace(std::move(key), std::move(owned));
    return out;
  }

  int64_t LastInsertRowId() override { return sqlite3_last_insert_rowid(db_); }
  int Changes() const override { return sqlite3_changes(db_); }
  bool InTransaction() const override { return sqlite3_get_autocommit(db_) == 0; }

  // A job may return while one of its cached statements is still mid-step (it read one row of a
  // SELECT and stopped). Such a statement holds the read transaction open and makes COMMIT or
  // ROLLBACK TO fail or misbehave, so every job is followed by resetting whatever it left busy.
  void ResetBusy() override {
    for (sqlite3_stmt* s = sqlite3_next_stmt(db_, nullptr); s != nullptr;
         s = sqlite3_next_stmt(db_, s)) {
      if (sqlite3_stmt_busy(s)) sqlite3_reset(s);
    }
  }
  Backend backend() const override { return Backend::kSqlite; }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>> statements_;
};

}  // namespace

Result<std::unique_ptr<Connection>> OpenSqliteConnection(const std::string& path, bool read_only) {
  // NOMUTEX: a connection is used by one thread at a time (the writer, or the reader that took
  // it from the pool under the pool's mutex), so SQLite's own per-connection lock is not needed.
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_NOMUTEX;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return MakeError(ErrorCode::kUnavailable, "store.open", "cannot open " + path + ": " + message);
  }
  auto conn = std::make_unique<SqliteConnection>(db);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  // journal_mode=WAL is persistent in the file; a read-only connection cannot change the mode
  // but accepts the pragma when the file is already in WAL (the writer opens first).
  Status pragmas = conn->Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (!pragmas.ok()) {
    return MakeError(ErrorCode::kUnavailable, "store.open",
                     "cannot open " + path + ": " + pragmas.error().message);
  }
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace xn::db
