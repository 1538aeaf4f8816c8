// The SQLite adapter's core: connections, statements, the single writer with group commit,
// the pool of readers, numbered migrations, and the hash-chained event log.
//
// Durability contract: Database::Write returns only after the transaction that ran the job has
// been committed with `synchronous=FULL` in WAL mode, so anything acknowledged to a client
// after Write returns survives a crash or power loss.
//
// Thread-safety: Database is safe to use from any number of threads. Connection, Statement and
// WriteTx are confined to the thread that is running the job they were handed to.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/result.h"

namespace xn::sqlite {

// A prepared statement. Bind indexes are 1-based, column indexes 0-based (as in SQLite).
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& BindBlob(int index, const void* data, size_t size);
  Statement& BindNull(int index);
  Statement& Bind(int index, std::optional<int64_t> value) {
    return value ? Bind(index, *value) : BindNull(index);
  }
  Statement& Bind(int index, const std::optional<std::string>& value) {
    return value ? Bind(index, std::string_view(*value)) : BindNull(index);
  }

  // Advances. Returns true while a row is available, false when done.
  // Errors: kConflict ("store.constraint") on a UNIQUE/PRIMARY KEY/FOREIGN KEY violation,
  // kUnavailable ("store.io") otherwise.
  Result<bool> Step();
  // Step() to completion, for statements that return no rows.
  Status Run();
  void Reset();

  bool IsNull(int col) const;
  int64_t Int64(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  std::optional<std::string> OptionalText(int col) const;
  std::optional<int64_t> OptionalInt64(int col) const;
  std::string Blob(int col) const;  // raw bytes

  sqlite3_stmt* raw() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// One SQLite connection with a cache of prepared statements.
class Connection {
 public:
  // Opens PATH (creating it unless read_only) and applies the connection pragmas
  // (WAL, synchronous=FULL, foreign_keys=ON, busy_timeout).
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only);
  ~Connection();

  // Runs one or more statements with no parameters.
  Status Exec(std::string_view sql);
  // A prepared statement from the cache, reset and with bindings cleared. The reference stays
  // valid until the connection is closed; it must not be used after another call to Prepare with
  // the same SQL text.
  Result<Statement*> Prepare(std::string_view sql);
  int64_t LastInsertRowId() const;
  int Changes() const;
  sqlite3* raw() const { return db_; }

 private:
  // Out of line: an inline constructor would need Cache complete in every includer.
  explicit Connection(sqlite3* db);
  struct Cache;
  sqlite3* db_;
  std::unique_ptr<Cache> cache_;
};

// A schema change. Versions are 1, 2, 3... with no gaps; each runs once, in its own transaction.
struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// An event to append: one change to the state, kept for good.
struct NewEvent {
  int64_t at_ms = 0;         // when, Unix milliseconds UTC
  std::string actor;         // who: "user:<id>", "system", "cli"
  std::string kind;          // what, dotted: "user.created", "auth.login_failed"
  std::string subject;       // on what: "user:12", "department:3"
  std::string data;          // JSON object text with the details
};

// A stored event.
struct Event {
  int64_t seq = 0;
  int64_t at_ms = 0;
  std::string actor, kind, subject, data;
  std::string prev_hash;     // 32 raw bytes (SM3), all zero for the first event
  std::string hash;          // 32 raw bytes (SM3)
};

// SM3 over the canonical encoding of an event and its predecessor's hash (docs/architecture.md).
// PREV_HASH is 32 raw bytes (shorter is zero-padded, longer truncated, so a damaged stored value
// still hashes deterministically). Throws std::runtime_error only if OpenSSL lacks SM3 (a broken
// installation, not an expected error).
std::array<unsigned char, 32> EventHash(const std::string& prev_hash, int64_t seq,
                                        const NewEvent& e);

// The SM3 digest (GB/T 32905-2016) of BYTES. Throws as EventHash.
std::array<unsigned char, 32> Sm3(std::string_view bytes);

// The writer's transaction, handed to a Write job.
class WriteTx {
 public:
  virtual ~WriteTx() = default;
  virtual Connection& conn() = 0;
  // Appends an event in this transaction, chained to the previous one. Returns its seq.
  virtual Result<int64_t> AppendEvent(const NewEvent& event) = 0;
};

// Result of walking the event chain.
struct VerifyReport {
  int64_t events_checked = 0;  // events found intact before the first bad one (all, if none)
  std::optional<int64_t> first_bad_seq;  // set when an event does not match its hash or link
  std::string reason;                    // why first_bad_seq is bad
  std::string head_hash_hex;             // hash of the last event, to anchor elsewhere
};

class Database {
 public:
  struct Options {
    std::string path;        // SQLite file path
    int readers = 4;         // size of the reader pool
    size_t max_batch = 256;  // most jobs committed in one transaction
  };

  // Opens or creates the database and runs every migration newer than its schema.
  // Errors: kFailedPrecondition "store.schema_too_new" if the file's schema version is higher
  // than the newest migration given; kUnavailable "store.open" if the file cannot be opened.
  static Result<std::unique_ptr<Database>> Open(const Options& options,
                                                const std::vector<Migration>& migrations);
  ~Database();

  // Runs JOB on the writer thread inside a transaction shared with other queued jobs (group
  // commit), under a savepoint of its own: if JOB returns an error or throws, only its own
  // changes (and events) are rolled back, and the error is returned. Returns after COMMIT.
  Status WriteErased(std::function<Status(WriteTx&)> job);

  template <typename T>
  Result<T> Write(std::function<Result<T>(WriteTx&)> job) {
    std::optional<Result<T>> out;
    Status s = WriteErased([&](WriteTx& tx) -> Status {
      out.emplace(job(tx));
      if (!out->ok()) return out->error();
      return Ok();
    });
    if (!s.ok()) return s.error();
    return std::move(*out);
  }

  // Runs JOB on a reader connection from the pool inside a read transaction (one snapshot).
  Status ReadErased(std::function<Status(Connection&)> job) const;

  template <typename T>
  Result<T> Read(std::function<Result<T>(Connection&)> job) const {
    std::optional<Result<T>> out;
    Status s = ReadErased([&](Connection& c) -> Status {
      out.emplace(job(c));
      if (!out->ok()) return out->error();
      return Ok();
    });
    if (!s.ok()) return s.error();
    return std::move(*out);
  }

  int schema_version() const;
  const std::string& path() const;

  // Walks the whole event chain from the first event and reports the first altered one.
  Result<VerifyReport> VerifyEvents() const;

  // Reads events with seq > after_seq, at most LIMIT, in order.
  Result<std::vector<Event>> ReadEvents(int64_t after_seq, int limit) const;

 private:
  Database();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The built-in numbered migrations of this version of xiaoneng (store/sqlite/migrations.cc).
const std::vector<Migration>& BuiltinMigrations();

}  // namespace xn::sqlite
