// The store's core, shared by both backends (SQLite embedded, PostgreSQL for a province):
// connections, statements, the single writer with group commit, the pool of readers, numbered
// migrations, and the hash-chained event log.
//
// Durability contract: Database::Write returns only after the transaction that ran the job has
// been committed (SQLite: WAL with `synchronous=FULL`; PostgreSQL: a COMMIT with the server's
// `synchronous_commit` on), so anything acknowledged to a client after Write returns survives a
// crash or power loss.
//
// SQL is written once, in the subset both backends speak (docs/architecture.md, "Storage"):
// parameters as ?1, ?2... (or ?), RETURNING instead of last-insert ids, ON CONFLICT instead of
// INSERT OR ..., and the two SQLite functions the stores use (instr, json_extract) are defined
// on PostgreSQL by the first migration.
//
// Thread-safety: Database is safe to use from any number of threads. Connection, Statement and
// WriteTx are confined to the thread that is running the job they were handed to.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/result.h"

namespace xn::db {

enum class Backend { kSqlite, kPostgres };

// A prepared statement. Bind indexes are 1-based, column indexes 0-based.
class Statement {
 public:
  virtual ~Statement() = default;

  virtual Statement& Bind(int index, int64_t value) = 0;
  virtual Statement& Bind(int index, double value) = 0;
  virtual Statement& Bind(int index, std::string_view text) = 0;
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  virtual Statement& BindBlob(int index, const void* data, size_t size) = 0;
  virtual Statement& BindNull(int index) = 0;
  Statement& Bind(int index, std::optional<int64_t> value) {
    return value ? Bind(index, *value) : BindNull(index);
  }
  Statement& Bind(int index, const std::optional<std::string>& value) {
    return value ? Bind(index, std::string_view(*value)) : BindNull(index);
  }

  // Advances. Returns true while a row is available, false when done.
  // Errors: kConflict ("store.constraint") on a UNIQUE/PRIMARY KEY/FOREIGN KEY/CHECK violation,
  // kUnavailable ("store.io") otherwise.
  virtual Result<bool> Step() = 0;
  // Step() to completion, for statements that return no rows.
  Status Run();
  virtual void Reset() = 0;

  virtual bool IsNull(int col) const = 0;
  virtual int64_t Int64(int col) const = 0;  // a boolean column reads as 0 or 1
  virtual double Double(int col) const = 0;
  virtual std::string Text(int col) const = 0;
  std::optional<std::string> OptionalText(int col) const;
  std::optional<int64_t> OptionalInt64(int col) const;
  virtual std::string Blob(int col) const = 0;  // raw bytes
};

// One connection with a cache of prepared statements.
class Connection {
 public:
  virtual ~Connection() = default;

  // Runs one or more statements with no parameters.
  virtual Status Exec(std::string_view sql) = 0;
  // A prepared statement from the cache, reset and with bindings cleared. The reference stays
  // valid until the connection is closed; it must not be used after another call to Prepare with
  // the same SQL text.
  virtual Result<Statement*> Prepare(std::string_view sql) = 0;
  // The id the last INSERT into a table with an INTEGER PRIMARY KEY gave its row (on PostgreSQL,
  // the last value its identity sequence handed out in this session).
  virtual int64_t LastInsertRowId() = 0;
  // Rows changed by the last INSERT, UPDATE or DELETE run on this connection.
  virtual int Changes() const = 0;
  // True inside an open transaction (false after a COMMIT, a ROLLBACK, or one the server ended).
  virtual bool InTransaction() const = 0;
  // Resets statements a job left mid-step (SQLite keeps them open; PostgreSQL has none).
  virtual void ResetBusy() = 0;
  virtual Backend backend() const = 0;
};

// A schema change. Versions are 1, 2, 3... with no gaps; each runs once, in its own transaction.
struct Migration {
  int version;
  std::string name;
  std::string sql;       // SQLite text
  std::string postgres;  // PostgreSQL text when the translation of `sql` will not do; else empty
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

// A migration's text for PostgreSQL: its own `postgres` text if it has one, else its SQLite text
// with the types translated (INTEGER PRIMARY KEY → identity, INTEGER → BIGINT, BLOB → BYTEA,
// REAL → DOUBLE PRECISION, an expression index's expression parenthesised).
std::string PostgresMigrationSql(const Migration& m);

// Where a --db value points. "postgresql://..." or "postgres://..." (a libpq URL) is PostgreSQL;
// "sqlite:PATH" or a plain PATH is a SQLite file.
struct Location {
  Backend backend = Backend::kSqlite;
  std::string target;  // the file path, or the libpq URL
};
Location ParseLocation(const std::string& db);
// The location with any password removed, for messages and logs.
std::string RedactLocation(const std::string& db);

class Database {
 public:
  struct Options {
    std::string path;        // a --db value: SQLite file path (or sqlite:PATH) or postgresql:// URL
    int readers = 4;         // size of the reader pool
    size_t max_batch = 256;  // most jobs committed in one transaction
  };

  // Opens or creates the database and runs every migration newer than its schema.
  // Errors: kFailedPrecondition "store.schema_too_new" if the database's schema version is higher
  // than the newest migration given; kUnavailable "store.open" if it cannot be opened.
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
  const std::string& path() const;  // as given, password included: do not print; see RedactLocation
  Backend backend() const;

  // Walks the whole event chain from the first event and reports the first altered one.
  Result<VerifyReport> VerifyEvents() const;

  // Reads events with seq > after_seq, at most LIMIT, in order.
  Result<std::vector<Event>> ReadEvents(int64_t after_seq, int limit) const;

 private:
  Database();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The built-in numbered migrations of this version of xiaoneng (store/db/migrations.cc).
const std::vector<Migration>& BuiltinMigrations();

// Opening one connection, for a backend (store/db/sqlite.cc, store/db/postgres.cc).
Result<std::unique_ptr<Connection>> OpenSqliteConnection(const std::string& path, bool read_only);
Result<std::unique_ptr<Connection>> OpenPostgresConnection(const std::string& url);

}  // namespace xn::db
