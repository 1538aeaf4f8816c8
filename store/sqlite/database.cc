// The SQLite adapter's core. See database.h for the contracts; this file explains the how.
#include "store/sqlite/database.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

namespace xn::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr size_t kHashSize = 32;

// The one place where a SQLite result code becomes an Error.
Error SqliteError(sqlite3* db, int rc) {
  std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return MakeError(ErrorCode::kConflict, "store.constraint", std::move(message));
  }
  return MakeError(ErrorCode::kUnavailable, "store.io", std::move(message));
}

Error FromException(const char* what) {
  return MakeError(ErrorCode::kInternal, "store.exception",
                   std::string("exception in store job: ") + what);
}

// A job may return while one of its cached statements is still mid-step (it read one row of a
// SELECT and stopped). Such a statement holds the read transaction open and makes COMMIT or
// ROLLBACK TO fail or misbehave, so every job is followed by resetting whatever it left busy.
void ResetBusyStatements(sqlite3* db) {
  for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s != nullptr;
       s = sqlite3_next_stmt(db, s)) {
    if (sqlite3_stmt_busy(s)) sqlite3_reset(s);
  }
}

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

constexpr std::string_view kEventColumns =
    "seq, at_ms, actor, kind, subject, data, prev_hash, hash";

Event EventFromRow(const Statement& st) {
  Event e;
  e.seq = st.Int64(0);
  e.at_ms = st.Int64(1);
  e.actor = st.Text(2);
  e.kind = st.Text(3);
  e.subject = st.Text(4);
  e.data = st.Text(5);
  e.prev_hash = st.Blob(6);
  e.hash = st.Blob(7);
  return e;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Statement

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::BindBlob(int index, const void* data, size_t size) {
  // A zero-length blob must still be a blob, not NULL: SQLite binds NULL for a null pointer.
  static const char kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, size == 0 ? &kEmpty : data, size, SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error error = SqliteError(sqlite3_db_handle(stmt_), rc);
  sqlite3_reset(stmt_);
  return error;
}

Status Statement::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
  }
  sqlite3_reset(stmt_);
  return Ok();
}

void Statement::Reset() { sqlite3_reset(stmt_); }

bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

int64_t Statement::Int64(int col) const { return sqlite3_column_int64(stmt_, col); }

double Statement::Double(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::Text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  int size = sqlite3_column_bytes(stmt_, col);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

std::optional<std::string> Statement::OptionalText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

std::optional<int64_t> Statement::OptionalInt64(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int64(col);
}

std::string Statement::Blob(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  int size = sqlite3_column_bytes(stmt_, col);
  if (data == nullptr) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

// ---------------------------------------------------------------------------------------------
// Connection

struct Connection::Cache {
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements;
};

Connection::Connection(sqlite3* db) : db_(db), cache_(std::make_unique<Cache>()) {}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only) {
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
  std::unique_ptr<Connection> conn(new Connection(db));
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
  return conn;
}

Connection::~Connection() {
  cache_.reset();  // statements are finalized before the connection is closed
  sqlite3_close_v2(db_);
}

Status Connection::Exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc);
  return Ok();
}

Result<Statement*> Connection::Prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_->statements.find(key);
  if (it != cache_->statements.end()) {
    sqlite3_reset(it->second->raw());
    sqlite3_clear_bindings(it->second->raw());
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (rc != SQLITE_OK) return SqliteError(db_, rc);
  auto owned = std::make_unique<Statement>(stmt);
  if (stmt == nullptr) {
    return MakeError(ErrorCode::kInternal, "store.sql", "empty SQL statement");
  }
  std::string_view rest(tail, key.data() + key.size() - tail);
  if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    return MakeError(ErrorCode::kInternal, "store.sql",
                     "Prepare takes one statement: " + std::string(sql));
  }
  Statement* out = owned.get();
  cache_->statements.emplace(std::move(key), std::move(owned));
  return out;
}

int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int Connection::Changes() const { return sqlite3_changes(db_); }

// ---------------------------------------------------------------------------------------------
// The writer's transaction.

namespace {

// Appends events on the writer connection. The chain head (last seq and hash) lives in memory
// on the writer and is passed in by reference: the writer saves it before each job's savepoint
// and restores it when the savepoint or the whole transaction is rolled back.
class WriterTx final : public WriteTx {
 public:
  WriterTx(Connection& conn, int64_t& last_seq, std::string& last_hash)
      : conn_(conn), last_seq_(last_seq), last_hash_(last_hash) {}

  Connection& conn() override { return conn_; }

  Result<int64_t> AppendEvent(const NewEvent& event) override {
    const int64_t seq = last_seq_ + 1;
    const std::array<unsigned char, 32> hash = EventHash(last_hash_, seq, event);
    Result<Statement*> st = conn_.Prepare(
        "INSERT INTO events (seq, at_ms, actor, kind, subject, data, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, seq)
        .Bind(2, event.at_ms)
        .Bind(3, std::string_view(event.actor))
        .Bind(4, std::string_view(event.kind))
        .Bind(5, std::string_view(event.subject))
        .Bind(6, std::string_view(event.data))
        .BindBlob(7, last_hash_.data(), last_hash_.size())
        .BindBlob(8, hash.data(), hash.size());
    Status s = (*st)->Run();
    if (!s.ok()) return s.error();
    last_seq_ = seq;
    last_hash_.assign(reinterpret_cast<const char*>(hash.data()), hash.size());
    return seq;
  }

 private:
  Connection& conn_;
  int64_t& last_seq_;
  std::string& last_hash_;
};

struct Job {
  std::function<Status(WriteTx&)> fn;
  std::promise<Status> done;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Database

struct Database::Impl {
  Options options;
  int schema_version = 0;

  // Writer state: touched only by the writer thread once it has started.
  std::unique_ptr<Connection> writer;
  int64_t last_seq = 0;
  std::string last_hash = std::string(kHashSize, '\0');
  // The seq of the newest event known committed; read by VerifyEvents to notice a deleted tail.
  std::atomic<int64_t> committed_seq{0};

  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Job> queue;
  bool stopping = false;
  std::thread writer_thread;

  std::vector<std::unique_ptr<Connection>> readers;
  std::mutex readers_mu;
  std::condition_variable readers_cv;
  std::vector<Connection*> idle_readers;

  void WriterLoop();
  void RunBatch(std::vector<Job>& batch);
  Status RunJob(Job& job);
  Connection* AcquireReader();
  void ReleaseReader(Connection* c);
};

void Database::Impl::WriterLoop() {
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mu);
      queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping, and everything queued has been written
      const size_t n = std::min(queue.size(), std::max<size_t>(options.max_batch, 1));
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    RunBatch(batch);
    batch.clear();
  }
}

Status Database::Impl::RunJob(Job& job) {
  WriterTx tx(*writer, last_seq, last_hash);
  Status s;
  try {
    s = job.fn(tx);
  } catch (const std::exception& e) {
    s = FromException(e.what());
  } catch (...) {
    s = FromException("unknown exception");
  }
  ResetBusyStatements(writer->raw());
  return s;
}

// Group commit. Jobs run one after another in a single IMMEDIATE transaction, each under a
// savepoint of its own, and one COMMIT (one fsync of the WAL) makes the whole batch durable.
// Callers are woken only after that COMMIT, so an acknowledged write is on disk.
//
// If SQLite aborts the whole transaction under a job (it does so on some I/O and out-of-memory
// errors), the jobs already run in it are lost too: they get the error, the chain head goes
// back to where the transaction started, and the remaining jobs continue in a new transaction.
void Database::Impl::RunBatch(std::vector<Job>& batch) {
  std::vector<Status> results(batch.size());
  sqlite3* db = writer->raw();
  size_t i = 0;
  while (i < batch.size()) {
    const int64_t tx_seq = last_seq;
    const std::string tx_hash = last_hash;
    Status begin = writer->Exec("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (; i < batch.size(); ++i) results[i] = begin;
      break;
    }
    std::vector<size_t> in_tx;  // jobs whose changes are part of this transaction
    bool aborted = false;
    Error abort_error;
    for (; i < batch.size() && !aborted; ++i) {
      const int64_t job_seq = last_seq;
      const std::string job_hash = last_hash;
      Status s = writer->Exec("SAVEPOINT xn_job");
      if (s.ok()) s = RunJob(batch[i]);
      if (s.ok() && sqlite3_get_autocommit(db) == 0) {
        s = writer->Exec("RELEASE xn_job");
        if (s.ok()) {
          in_tx.push_back(i);
          continue;
        }
      }
      // The job failed: undo only its own changes and events.
      results[i] = s;
      last_seq = job_seq;
      last_hash = job_hash;
      if (sqlite3_get_autocommit(db) != 0) {
        aborted = true;
        abort_error = s.ok() ? MakeError(ErrorCode::kInternal, "store.tx", "job ended the transaction")
                             : s.error();
        if (s.ok()) results[i] = abort_error;
        continue;
      }
      Status undo = writer->Exec("ROLLBACK TO xn_job");
      if (undo.ok()) undo = writer->Exec("RELEASE xn_job");
      if (!undo.ok()) {
        aborted = true;
        abort_error = undo.error();
      }
    }
    if (aborted) {
      if (sqlite3_get_autocommit(db) == 0) (void)writer->Exec("ROLLBACK");
      last_seq = tx_seq;
      last_hash = tx_hash;
      Error lost = MakeError(abort_error.category, abort_error.code,
                             "transaction aborted by another job in the batch: " +
                                 abort_error.message);
      for (size_t j : in_tx) results[j] = lost;
      continue;  // remaining jobs, if any, in a new transaction
    }
    Status commit = writer->Exec("COMMIT");
    if (!commit.ok()) {
      if (sqlite3_get_autocommit(db) == 0) (void)writer->Exec("ROLLBACK");
      last_seq = tx_seq;
      last_hash = tx_hash;
      for (size_t j : in_tx) results[j] = commit;
      continue;
    }
    committed_seq.store(last_seq);
    // results[j] for j in in_tx are already Ok().
  }
  for (size_t j = 0; j < batch.size(); ++j) batch[j].done.set_value(std::move(results[j]));
}

Connection* Database::Impl::AcquireReader() {
  std::unique_lock lock(readers_mu);
  readers_cv.wait(lock, [&] { return !idle_readers.empty(); });
  Connection* c = idle_readers.back();
  idle_readers.pop_back();
  return c;
}

void Database::Impl::ReleaseReader(Connection* c) {
  {
    std::lock_guard lock(readers_mu);
    idle_readers.push_back(c);
  }
  readers_cv.notify_one();
}

Database::Database() : impl_(std::make_unique<Impl>()) {}

Database::~Database() {
  if (impl_ == nullptr || !impl_->writer_thread.joinable()) return;
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->stopping = true;
  }
  impl_->queue_cv.notify_all();
  impl_->writer_thread.join();
}

Result<std::unique_ptr<Database>> Database::Open(const Options& options,
                                                 const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return MakeError(ErrorCode::kInternal, "store.migrations",
                       "migrations must be numbered 1, 2, 3... in order; found " +
                           std::to_string(migrations[i].version) + " at position " +
                           std::to_string(i + 1));
    }
  }
  const int newest = static_cast<int>(migrations.size());

  std::unique_ptr<Database> database(new Database());
  Impl& impl = *database->impl_;
  impl.options = options;

  Result<std::unique_ptr<Connection>> writer = Connection::Open(options.path, false);
  if (!writer.ok()) return writer.error();
  impl.writer = std::move(*writer);
  Connection& w = *impl.writer;

  Result<Statement*> version_st = w.Prepare("PRAGMA user_version");
  if (!version_st.ok()) return version_st.error();
  Result<bool> version_row = (*version_st)->Step();
  if (!version_row.ok()) return version_row.error();
  const int64_t current = *version_row ? (*version_st)->Int64(0) : 0;
  (*version_st)->Reset();
  if (current > newest) {
    return MakeError(ErrorCode::kFailedPrecondition, "store.schema_too_new",
                     options.path + " has schema version " + std::to_string(current) +
                         ", newer than the newest this version knows (" +
                         std::to_string(newest) + "); use a newer xiaoneng");
  }

  // Each migration in its own transaction together with the version bump, so a crash leaves
  // the file at a whole version.
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    Status s = w.Exec("BEGIN IMMEDIATE");
    if (s.ok()) s = w.Exec(m.sql);
    if (s.ok()) s = w.Exec("PRAGMA user_version = " + std::to_string(m.version));
    if (s.ok()) s = w.Exec("COMMIT");
    if (!s.ok()) {
      if (sqlite3_get_autocommit(w.raw()) == 0) (void)w.Exec("ROLLBACK");
      return MakeError(s.error().category, "store.migration",
                       "migration " + std::to_string(m.version) + " (" + m.name +
                           ") failed: " + s.error().message);
    }
  }
  impl.schema_version = static_cast<int>(std::max<int64_t>(current, newest));

  // The chain head, kept in memory by the writer from here on.
  Result<Statement*> has_events =
      w.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'");
  if (!has_events.ok()) return has_events.error();
  Result<bool> has_row = (*has_events)->Step();
  if (!has_row.ok()) return has_row.error();
  (*has_events)->Reset();
  if (*has_row) {
    Result<Statement*> head = w.Prepare("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
    if (!head.ok()) return head.error();
    Result<bool> row = (*head)->Step();
    if (!row.ok()) return row.error();
    if (*row) {
      impl.last_seq = (*head)->Int64(0);
      impl.last_hash = (*head)->Blob(1);
    }
    (*head)->Reset();
  }
  impl.committed_seq.store(impl.last_seq);

  const int readers = std::max(options.readers, 1);
  for (int i = 0; i < readers; ++i) {
    Result<std::unique_ptr<Connection>> r = Connection::Open(options.path, true);
    if (!r.ok()) return r.error();
    impl.idle_readers.push_back(r->get());
    impl.readers.push_back(std::move(*r));
  }

  impl.writer_thread = std::thread([&impl] { impl.WriterLoop(); });
  return database;
}

Status Database::WriteErased(std::function<Status(WriteTx&)> job) {
  // A job that waits for another Write would wait for its own thread forever.
  if (std::this_thread::get_id() == impl_->writer_thread.get_id()) {
    return MakeError(ErrorCode::kInternal, "store.nested_write",
                     "Write called from inside a Write job");
  }
  std::future<Status> done;
  {
    std::lock_guard lock(impl_->queue_mu);
    if (impl_->stopping) {
      return MakeError(ErrorCode::kUnavailable, "store.closed", "the database is closing");
    }
    Job& queued = impl_->queue.emplace_back();
    queued.fn = std::move(job);
    done = queued.done.get_future();
  }
  impl_->queue_cv.notify_one();
  return done.get();
}

Status Database::ReadErased(std::function<Status(Connection&)> job) const {
  Connection* c = impl_->AcquireReader();
  struct Return {
    Impl& impl;
    Connection* c;
    ~Return() { impl.ReleaseReader(c); }
  } give_back{*impl_, c};

  Status begin = c->Exec("BEGIN");
  if (!begin.ok()) return begin;
  Status s;
  try {
    s = job(*c);
  } catch (const std::exception& e) {
    s = FromException(e.what());
  } catch (...) {
    s = FromException("unknown exception");
  }
  ResetBusyStatements(c->raw());
  if (sqlite3_get_autocommit(c->raw()) == 0) {
    Status end = c->Exec("COMMIT");
    if (!end.ok()) {
      (void)c->Exec("ROLLBACK");
      if (s.ok()) s = end;
    }
  }
  return s;
}

int Database::schema_version() const { return impl_->schema_version; }

const std::string& Database::path() const { return impl_->options.path; }

// Walks the chain in one read snapshot. For each event: its seq must follow the previous one
// with no gap (starting at 1), its stored hash must equal the hash recomputed from its fields and
// stored prev_hash ("hash mismatch": the event was altered), and its prev_hash must equal the
// previous event's hash ("broken link"). A deleted event shows as a gap ("missing event"); a
// deleted tail shows against the newest seq this process has committed. The head hash of an
// empty chain is 32 zero bytes, the prev_hash the first event will carry.
Result<VerifyReport> Database::VerifyEvents() const {
  // Read before the snapshot begins: the snapshot holds at least every event committed so far.
  const int64_t committed = impl_->committed_seq.load();
  return Read<VerifyReport>([committed](Connection& c) -> Result<VerifyReport> {
    VerifyReport report;
    auto flag = [&report](int64_t seq, const char* why) {
      if (!report.first_bad_seq) {
        report.first_bad_seq = seq;
        report.reason = why;
      }
    };
    Result<Statement*> st = c.Prepare("SELECT " + std::string(kEventColumns) +
                                      " FROM events ORDER BY seq");
    if (!st.ok()) return st.error();
    std::string prev(kHashSize, '\0');
    int64_t expected = 1;
    for (;;) {
      Result<bool> row = (*st)->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      Event e = EventFromRow(**st);
      if (e.seq != expected) flag(expected, e.seq > expected ? "missing event" : "bad seq");
      NewEvent fields{e.at_ms, e.actor, e.kind, e.subject, e.data};
      const std::array<unsigned char, 32> computed = EventHash(e.prev_hash, e.seq, fields);
      if (e.prev_hash.size() != kHashSize || e.hash.size() != kHashSize ||
          std::string_view(e.hash) !=
              std::string_view(reinterpret_cast<const char*>(computed.data()), computed.size())) {
        flag(e.seq, "hash mismatch");
      } else if (e.prev_hash != prev) {
        flag(e.seq, "broken link");
      }
      prev = e.hash;
      expected = e.seq + 1;
      if (!report.first_bad_seq) ++report.events_checked;
    }
    if (expected <= committed) flag(expected, "missing event");
    report.head_hash_hex = Hex(prev);
    return report;
  });
}

Result<std::vector<Event>> Database::ReadEvents(int64_t after_seq, int limit) const {
  if (limit <= 0) return std::vector<Event>{};
  return Read<std::vector<Event>>(
      [after_seq, limit](Connection& c) -> Result<std::vector<Event>> {
        Result<Statement*> st = c.Prepare("SELECT " + std::string(kEventColumns) +
                                          " FROM events WHERE seq > ? ORDER BY seq LIMIT ?");
        if (!st.ok()) return st.error();
        (*st)->Bind(1, after_seq).Bind(2, static_cast<int64_t>(limit));
        std::vector<Event> events;
        for (;;) {
          Result<bool> row = (*st)->Step();
          if (!row.ok()) return row.error();
          if (!*row) break;
          events.push_back(EventFromRow(**st));
        }
        return events;
      });
}

}  // namespace xn::sqlite
