// The store's core, the same for both backends. See database.h for the contracts; this file
// explains the how.
#include "store/db/database.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

namespace xn::db {
namespace {

constexpr size_t kHashSize = 32;
// PostgreSQL advisory lock keys ("xn" and a number). Writers of all processes serialise on the
// first, so the event chain has one head; migrations run under the second.
constexpr int64_t kWriteLockKey = 0x786e0001;
constexpr int64_t kMigrateLockKey = 0x786e0002;
constexpr int kVerifyChunk = 10000;

Error FromException(const char* what) {
  return MakeError(ErrorCode::kInternal, "store.exception",
                   std::string("exception in store job: ") + what);
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

Status Statement::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
  }
  Reset();
  return Ok();
}

std::optional<std::string> Statement::OptionalText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

std::optional<int64_t> Statement::OptionalInt64(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int64(col);
}

Location ParseLocation(const std::string& db) {
  if (db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0) {
    return {Backend::kPostgres, db};
  }
  if (db.rfind("sqlite:", 0) == 0) return {Backend::kSqlite, db.substr(7)};
  return {Backend::kSqlite, db};
}

std::string RedactLocation(const std::string& db) {
  const Location where = ParseLocation(db);
  if (where.backend != Backend::kPostgres) return db;
  // postgresql://user:password@host/... → postgresql://user:***@host/...
  const size_t scheme = db.find("://") + 3;
  const size_t at = db.find('@', scheme);
  if (at == std::string::npos) return db;
  const size_t colon = db.find(':', scheme);
  if (colon == std::string::npos || colon > at) return db;
  return db.substr(0, colon + 1) + "***" + db.substr(at);
}

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
  Location where;
  int schema_version = 0;

  // Writer state: touched only by the writer thread once it has started.
  std::unique_ptr<Connection> writer;
  int64_t last_seq = 0;
  std::string last_hash = std::string(kHashSize, '\0');
  bool has_events = false;  // false only for a database opened without the built-in migrations
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
  Status BeginWrite();
  Result<std::unique_ptr<Connection>> OpenConnection(bool read_only) const;
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
  writer->ResetBusy();
  return s;
}

Result<std::unique_ptr<Connection>> Database::Impl::OpenConnection(bool read_only) const {
  if (where.backend == Backend::kPostgres) return OpenPostgresConnection(where.target);
  return OpenSqliteConnection(where.target, read_only);
}

// Reads the chain head as the database has it.
static Status ReadHead(Connection& c, int64_t& last_seq, std::string& last_hash) {
  Result<Statement*> head = c.Prepare("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
  if (!head.ok()) return head.error();
  Result<bool> row = (*head)->Step();
  if (!row.ok()) return row.error();
  if (*row) {
    last_seq = (*head)->Int64(0);
    last_hash = (*head)->Blob(1);
  } else {
    last_seq = 0;
    last_hash = std::string(kHashSize, '\0');
  }
  (*head)->Reset();
  return Ok();
}

// Begins the batch's transaction and reads the chain head as the database has it: another
// process sharing the database may have moved it. On SQLite, BEGIN IMMEDIATE takes the file's
// write lock; on PostgreSQL, the transaction takes the writers' advisory lock. Either way every
// writer of every process appends to one chain, in order.
Status Database::Impl::BeginWrite() {
  Status s;
  if (where.backend == Backend::kSqlite) {
    s = writer->Exec("BEGIN IMMEDIATE");
  } else {
    // One round trip for both.
    static const std::string kBeginLocked =
        "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLockKey) + ")";
    s = writer->Exec(kBeginLocked);
  }
  if (s.ok() && has_events) s = ReadHead(*writer, last_seq, last_hash);
  if (!s.ok() && writer->InTransaction()) (void)writer->Exec("ROLLBACK");
  return s;
}

// Group commit. Jobs run one after another in a single IMMEDIATE transaction, each under a
// savepoint of its own, and one COMMIT (one fsync of the WAL) makes the whole batch durable.
// Callers are woken only after that COMMIT, so an acknowledged write is on disk.
//
// A job that fails is rolled back to its savepoint, on PostgreSQL too, where an error leaves the
// transaction unusable until that rollback.
//
// If the backend aborts the whole transaction under a job (it does so on some I/O and out-of-memory
// errors), the jobs already run in it are lost too: they get the error, the chain head goes
// back to where the transaction started, and the remaining jobs continue in a new transaction.
void Database::Impl::RunBatch(std::vector<Job>& batch) {
  std::vector<Status> results(batch.size());
  size_t i = 0;
  while (i < batch.size()) {
    Status begin = BeginWrite();
    if (!begin.ok()) {
      for (; i < batch.size(); ++i) results[i] = begin;
      break;
    }
    const int64_t tx_seq = last_seq;
    const std::string tx_hash = last_hash;
    std::vector<size_t> in_tx;  // jobs whose changes are part of this transaction
    bool aborted = false;
    Error abort_error;
    for (; i < batch.size() && !aborted; ++i) {
      const int64_t job_seq = last_seq;
      const std::string job_hash = last_hash;
      Status s = writer->Exec("SAVEPOINT xn_job");
      if (s.ok()) s = RunJob(batch[i]);
      if (s.ok() && writer->InTransaction()) {
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
      if (!writer->InTransaction()) {
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
      if (writer->InTransaction()) (void)writer->Exec("ROLLBACK");
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
      if (writer->InTransaction()) (void)writer->Exec("ROLLBACK");
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

namespace {

// The schema version: SQLite keeps it in the file header (user_version); PostgreSQL in a
// one-row table of its own.
Result<int64_t> ReadSchemaVersion(Connection& c) {
  if (c.backend() == Backend::kPostgres) {
    // Read-only unless the table is missing (a new database), so that an application role
    // without CREATE, or a standby, can open a migrated database.
    Result<Statement*> exists = c.Prepare("SELECT to_regclass('xn_schema') IS NOT NULL");
    if (!exists.ok()) return exists.error();
    Result<bool> row = (*exists)->Step();
    if (!row.ok()) return row.error();
    const bool present = *row && (*exists)->Int64(0) == 1;
    (*exists)->Reset();
    if (!present) {
      Status made = c.Exec(
          "CREATE TABLE IF NOT EXISTS xn_schema (one INTEGER PRIMARY KEY CHECK (one = 1), "
          "version INTEGER NOT NULL); "
          "INSERT INTO xn_schema (one, version) VALUES (1, 0) ON CONFLICT (one) DO NOTHING");
      if (!made.ok()) return made.error();
    }
  }
  Result<Statement*> st = c.Prepare(c.backend() == Backend::kPostgres
                                        ? "SELECT version FROM xn_schema"
                                        : "PRAGMA user_version");
  if (!st.ok()) return st.error();
  Result<bool> row = (*st)->Step();
  if (!row.ok()) return row.error();
  const int64_t version = *row ? (*st)->Int64(0) : 0;
  (*st)->Reset();
  return version;
}

Status RunMigration(Connection& c, const Migration& m) {
  const bool pg = c.backend() == Backend::kPostgres;
  Status s = c.Exec(pg ? "BEGIN" : "BEGIN IMMEDIATE");
  if (s.ok()) s = c.Exec(pg ? PostgresMigrationSql(m) : m.sql);
  if (s.ok()) {
    s = c.Exec(pg ? "UPDATE xn_schema SET version = " + std::to_string(m.version)
                  : "PRAGMA user_version = " + std::to_string(m.version));
  }
  if (s.ok()) s = c.Exec("COMMIT");
  if (!s.ok()) {
    if (c.InTransaction()) (void)c.Exec("ROLLBACK");
    return MakeError(s.error().category, "store.migration",
                     "migration " + std::to_string(m.version) + " (" + m.name +
                         ") failed: " + s.error().message);
  }
  return Ok();
}

Result<bool> HasEventsTable(Connection& c) {
  Result<Statement*> st = c.Prepare(
      c.backend() == Backend::kPostgres
          ? "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'events'"
          : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'");
  if (!st.ok()) return st.error();
  Result<bool> row = (*st)->Step();
  (*st)->Reset();
  return row;
}

}  // namespace

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
  impl.where = ParseLocation(options.path);
  const bool pg = impl.where.backend == Backend::kPostgres;

  Result<std::unique_ptr<Connection>> writer = impl.OpenConnection(false);
  if (!writer.ok()) return writer.error();
  impl.writer = std::move(*writer);
  Connection& w = *impl.writer;

  // Several processes may start at once against one PostgreSQL: one migrates, the others wait
  // and then find the schema current.
  const std::string lock_key = std::to_string(kMigrateLockKey);
  if (pg) {
    Status locked = w.Exec("SELECT pg_advisory_lock(" + lock_key + ")");
    if (!locked.ok()) return locked.error();
  }
  auto migrate = [&]() -> Result<int64_t> {
    Result<int64_t> current = ReadSchemaVersion(w);
    if (!current.ok()) return current.error();
    if (*current > newest) {
      return MakeError(ErrorCode::kFailedPrecondition, "store.schema_too_new",
                       RedactLocation(options.path) + " has schema version " +
                           std::to_string(*current) +
                           ", newer than the newest this version knows (" +
                           std::to_string(newest) + "); use a newer xiaoneng");
    }
    // Each migration in its own transaction together with the version bump, so a crash leaves
    // the database at a whole version.
    for (const Migration& m : migrations) {
      if (m.version <= *current) continue;
      Status s = RunMigration(w, m);
      if (!s.ok()) return s.error();
    }
    return *current;
  };
  Result<int64_t> current = migrate();
  if (pg) (void)w.Exec("SELECT pg_advisory_unlock(" + lock_key + ")");
  if (!current.ok()) return current.error();
  impl.schema_version = static_cast<int>(std::max<int64_t>(*current, newest));

  // The chain head, read again under the write lock at every batch.
  Result<bool> has_events = HasEventsTable(w);
  if (!has_events.ok()) return has_events.error();
  impl.has_events = *has_events;
  if (*has_events) {
    Status s = ReadHead(w, impl.last_seq, impl.last_hash);
    if (!s.ok()) return s.error();
  }
  impl.committed_seq.store(impl.last_seq);

  const int readers = std::max(options.readers, 1);
  for (int i = 0; i < readers; ++i) {
    Result<std::unique_ptr<Connection>> r = impl.OpenConnection(true);
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

  // One snapshot for the whole job, on both backends.
  Status begin = c->Exec(c->backend() == Backend::kPostgres
                             ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                             : "BEGIN");
  if (!begin.ok()) return begin;
  Status s;
  try {
    s = job(*c);
  } catch (const std::exception& e) {
    s = FromException(e.what());
  } catch (...) {
    s = FromException("unknown exception");
  }
  c->ResetBusy();
  if (c->InTransaction()) {
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

Backend Database::backend() const { return impl_->where.backend; }

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
    // In chunks by seq, within the one snapshot, so a long chain is never held in memory whole.
    Result<Statement*> st = c.Prepare("SELECT " + std::string(kEventColumns) +
                                      " FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    if (!st.ok()) return st.error();
    std::string prev(kHashSize, '\0');
    int64_t expected = 1;
    int64_t after = std::numeric_limits<int64_t>::min();
    for (;;) {
      (*st)->Reset();
      (*st)->Bind(1, after).Bind(2, static_cast<int64_t>(kVerifyChunk));
      int in_chunk = 0;
      for (;;) {
        Result<bool> row = (*st)->Step();
        if (!row.ok()) return row.error();
        if (!*row) break;
        ++in_chunk;
        Event e = EventFromRow(**st);
        after = e.seq;
        if (e.seq != expected) flag(expected, e.seq > expected ? "missing event" : "bad seq");
        NewEvent fields{e.at_ms, e.actor, e.kind, e.subject, e.data};
        const std::array<unsigned char, 32> computed = EventHash(e.prev_hash, e.seq, fields);
        if (e.prev_hash.size() != kHashSize || e.hash.size() != kHashSize ||
            std::string_view(e.hash) != std::string_view(reinterpret_cast<const char*>(
                                            computed.data()), computed.size())) {
          flag(e.seq, "hash mismatch");
        } else if (e.prev_hash != prev) {
          flag(e.seq, "broken link");
        }
        prev = e.hash;
        expected = e.seq + 1;
        if (!report.first_bad_seq) ++report.events_checked;
      }
      if (in_chunk < kVerifyChunk) break;
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

}  // namespace xn::db
