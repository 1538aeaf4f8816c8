#include "store/db/database.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace xn::db {
namespace {

namespace fs = std::filesystem;

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

std::string HexOf(const std::array<unsigned char, 32>& bytes) {
  return Hex(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// Runs SQL on the file through a connection of its own, bypassing Database (as an attacker or a
// careless operator with the sqlite3 shell would).
void SqliteExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

int64_t SqliteInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  int64_t value = -1;
  if (sqlite3_step(st) == SQLITE_ROW) value = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return value;
}

// The same for PostgreSQL, through a libpq connection of its own (as psql would).
std::string PostgresQuery(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  EXPECT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* res = PQexec(conn, sql.c_str());
  const ExecStatusType st = PQresultStatus(res);
  EXPECT_TRUE(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) << PQresultErrorMessage(res);
  std::string value = st == PGRES_TUPLES_OK && PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "";
  PQclear(res);
  PQfinish(conn);
  return value;
}

// The PostgreSQL server's maintenance database for these tests; empty when none is configured.
std::string PostgresAdminUrl() {
  const char* url = std::getenv("XN_TEST_POSTGRES");
  return url != nullptr ? url : "";
}

NewEvent MakeEvent(const std::string& subject, const std::string& data = R"({"n":1})") {
  return NewEvent{1700000000000, "system", "test.happened", subject, data};
}

// Every test runs on both backends: a SQLite file in a temporary directory, and a database of
// its own on the PostgreSQL server named by XN_TEST_POSTGRES (scripts/test.sh starts one; the
// PostgreSQL runs are skipped, saying so, when it is not set).
class DatabaseTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::random_device rd;
    const std::string unique = std::to_string(rd()) + "_" + std::to_string(rd());
    if (GetParam() == Backend::kPostgres) {
      admin_ = PostgresAdminUrl();
      if (admin_.empty()) GTEST_SKIP() << "XN_TEST_POSTGRES is not set";
      pg_name_ = "xn_unit_" + unique;
      PostgresQuery(admin_, "CREATE DATABASE " + pg_name_);
      path_ = admin_.substr(0, admin_.rfind('/') + 1) + pg_name_;
      return;
    }
    dir_ = fs::temp_directory_path() / ("xn_db_test_" + unique);
    fs::create_directories(dir_);
    path_ = (dir_ / "xn.db").string();
  }
  void TearDown() override {
    db_.reset();
    if (!pg_name_.empty()) PostgresQuery(admin_, "DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)");
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  bool pg() const { return GetParam() == Backend::kPostgres; }

  // SQL run beside Database, through a connection of the test's own.
  void RawExec(const std::string& sql) {
    if (pg()) {
      PostgresQuery(path_, sql);
    } else {
      SqliteExec(path_, sql);
    }
  }
  int64_t RawInt(const std::string& sql) {
    if (pg()) return std::strtoll(PostgresQuery(path_, sql).c_str(), nullptr, 10);
    return SqliteInt(path_, sql);
  }
  std::string SchemaVersionSql() const {
    return pg() ? "SELECT version FROM xn_schema" : "PRAGMA user_version";
  }
  std::string SetSchemaVersionSql(int v) const {
    return pg() ? "UPDATE xn_schema SET version = " + std::to_string(v)
                : "PRAGMA user_version = " + std::to_string(v);
  }
  std::string BlobLiteral(const std::string& hex) const {
    return pg() ? "decode('" + hex + "', 'hex')" : "x'" + hex + "'";
  }

  void OpenDb(int readers = 4, const std::vector<Migration>& migrations = BuiltinMigrations()) {
    Database::Options options;
    options.path = path_;
    options.readers = readers;
    auto db = Database::Open(options, migrations);
    ASSERT_TRUE(db.ok()) << db.error().code << ": " << db.error().message;
    db_ = std::move(*db);
  }

  void Reopen() {
    db_.reset();
    OpenDb();
  }

  int64_t Count(const std::string& table, const std::string& where = "1 = 1") {
    auto n = db_->Read<int64_t>([&](Connection& c) -> Result<int64_t> {
      auto st = c.Prepare("SELECT count(*) FROM " + table + " WHERE " + where);
      if (!st.ok()) return st.error();
      auto row = (*st)->Step();
      if (!row.ok()) return row.error();
      return (*st)->Int64(0);
    });
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : -1;
  }

  // Inserts a region and appends an event about it; returns the event's seq.
  Result<int64_t> AddRegion(const std::string& code) {
    return db_->Write<int64_t>([&](WriteTx& tx) -> Result<int64_t> {
      auto st = tx.conn().Prepare("INSERT INTO regions (code, name, level) VALUES (?, ?, ?)");
      if (!st.ok()) return st.error();
      Status s = (*st)->Bind(1, std::string_view(code))
                     .Bind(2, std::string_view("Region " + code))
                     .Bind(3, "city")
                     .Run();
      if (!s.ok()) return s.error();
      return tx.AppendEvent(MakeEvent("region:" + code));
    });
  }

  fs::path dir_;
  std::string admin_, pg_name_;
  std::string path_;
  std::unique_ptr<Database> db_;
};

TEST(Sm3Test, PublishedVectorForAbc) {
  // GB/T 32905-2016, appendix A, example 1.
  EXPECT_EQ(HexOf(Sm3("abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

TEST(Sm3Test, PublishedVectorFor512Bits) {
  // GB/T 32905-2016, appendix A, example 2: "abcd" repeated 16 times.
  std::string input;
  for (int i = 0; i < 16; ++i) input += "abcd";
  EXPECT_EQ(HexOf(Sm3(input)),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

TEST(EventHashTest, MatchesTheCanonicalEncoding) {
  NewEvent e{-2, "system", "user.created", "user:1", "{}"};
  std::string prev(32, '\x07');
  std::string encoded = prev;
  encoded += std::string("\x00\x00\x00\x00\x00\x00\x00\x05", 8);  // seq 5
  encoded += std::string("\xff\xff\xff\xff\xff\xff\xff\xfe", 8);  // at_ms -2
  for (const std::string* f : {&e.actor, &e.kind, &e.subject, &e.data}) {
    encoded += std::string("\x00\x00\x00", 3);
    encoded.push_back(static_cast<char>(f->size()));
    encoded += *f;
  }
  EXPECT_EQ(HexOf(EventHash(prev, 5, e)), HexOf(Sm3(encoded)));
}

TEST(EventHashTest, FieldBoundariesMatter) {
  std::string zero(32, '\0');
  NewEvent a{0, "ab", "c", "s", "{}"};
  NewEvent b{0, "a", "bc", "s", "{}"};
  EXPECT_NE(EventHash(zero, 1, a), EventHash(zero, 1, b));
  EXPECT_NE(EventHash(zero, 1, a), EventHash(zero, 2, a));
  EXPECT_EQ(EventHash(zero, 1, a), EventHash(zero, 1, a));
}

TEST_P(DatabaseTest, MigrationsRunOnceAndVersionPersists) {
  std::vector<Migration> migrations = BuiltinMigrations();
  const int next = static_cast<int>(migrations.size()) + 1;
  migrations.push_back({next, "run counter", "CREATE TABLE runs (n INTEGER); INSERT INTO runs VALUES (1);"});
  OpenDb(2, migrations);
  EXPECT_EQ(db_->schema_version(), next);
  db_.reset();
  EXPECT_EQ(RawInt(SchemaVersionSql()), next);

  OpenDb(2, migrations);
  EXPECT_EQ(db_->schema_version(), next);
  EXPECT_EQ(Count("runs"), 1);  // the extra migration did not run a second time
  db_.reset();
  OpenDb(2, migrations);
  EXPECT_EQ(Count("runs"), 1);
}

// Acknowledged means durable: SQLite in WAL with synchronous=FULL (set per connection, tested
// through the store's own connection below), PostgreSQL with synchronous_commit and fsync on.
TEST_P(DatabaseTest, WritesAreDurableByConfiguration) {
  OpenDb();
  if (pg()) {
    auto settings = db_->Read<std::string>([](Connection& c) -> Result<std::string> {
      auto st = c.Prepare("SELECT current_setting('synchronous_commit') || ' ' || current_setting('fsync')");
      if (!st.ok()) return st.error();
      auto row = (*st)->Step();
      if (!row.ok()) return row.error();
      return (*st)->Text(0);
    });
    ASSERT_TRUE(settings.ok()) << settings.error().message;
    EXPECT_EQ(*settings, "on on");
    return;
  }
  auto sync = db_->Read<int64_t>([](Connection& c) -> Result<int64_t> {
    auto st = c.Prepare("PRAGMA synchronous");
    if (!st.ok()) return st.error();
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    return (*st)->Int64(0);
  });
  ASSERT_TRUE(sync.ok());
  EXPECT_EQ(*sync, 2);  // FULL
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(raw);
}

TEST_P(DatabaseTest, SchemaNewerThanBinaryIsRefused) {
  std::vector<Migration> migrations = BuiltinMigrations();
  migrations.push_back({static_cast<int>(migrations.size()) + 1, "extra",
                        "CREATE TABLE extra (x INTEGER);"});
  OpenDb(1, migrations);
  db_.reset();

  Database::Options options;
  options.path = path_;
  auto old_binary = Database::Open(options, BuiltinMigrations());
  ASSERT_FALSE(old_binary.ok());
  EXPECT_EQ(old_binary.error().category, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(old_binary.error().code, "store.schema_too_new");

  RawExec(SetSchemaVersionSql(99));
  auto again = Database::Open(options, migrations);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "store.schema_too_new");
  EXPECT_EQ(RawInt(SchemaVersionSql()), 99);  // the file was left alone
}

TEST_P(DatabaseTest, UnopenablePathIsStoreOpen) {
  Database::Options options;
  options.path = pg() ? "postgresql://xn@127.0.0.1:1/nothing?connect_timeout=2"
                      : (dir_ / "no" / "such" / "dir" / "x.db").string();
  auto db = Database::Open(options, BuiltinMigrations());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().category, ErrorCode::kUnavailable);
  EXPECT_EQ(db.error().code, "store.open");
}

TEST_P(DatabaseTest, WriteIsVisibleToReadersAndSurvivesReopen) {
  OpenDb();
  auto seq = AddRegion("370100");
  ASSERT_TRUE(seq.ok()) << seq.error().message;
  EXPECT_EQ(*seq, 1);
  EXPECT_EQ(Count("regions", "code = '370100'"), 1);

  Reopen();
  EXPECT_EQ(Count("regions", "code = '370100'"), 1);
  auto events = db_->ReadEvents(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].subject, "region:370100");
}

TEST_P(DatabaseTest, ConstraintViolationIsConflict) {
  OpenDb();
  ASSERT_TRUE(AddRegion("370100").ok());
  auto dup = AddRegion("370100");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().category, ErrorCode::kConflict);
  EXPECT_EQ(dup.error().code, "store.constraint");
  // Foreign keys are enforced.
  Status fk = db_->WriteErased([](WriteTx& tx) {
    return tx.conn().Exec(
        "INSERT INTO departments (code, name, region_code, created_at_ms) "
        "VALUES ('d1', 'Dept', 'nowhere', 0)");
  });
  ASSERT_FALSE(fk.ok());
  EXPECT_EQ(fk.error().code, "store.constraint");
}

TEST_P(DatabaseTest, ReadRunsInOneSnapshot) {
  OpenDb(1);
  ASSERT_TRUE(AddRegion("a").ok());
  auto counts = db_->Read<std::pair<int64_t, int64_t>>(
      [&](Connection& c) -> Result<std::pair<int64_t, int64_t>> {
        auto count = [&]() -> int64_t {
          auto st = c.Prepare("SELECT count(*) FROM regions");
          EXPECT_TRUE(st.ok());
          EXPECT_TRUE((*st)->Step().ok());
          return (*st)->Int64(0);
        };
        int64_t before = count();
        // A write commits while this read is open; the read keeps its snapshot.
        EXPECT_TRUE(AddRegion("b").ok());
        return std::make_pair(before, count());
      });
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->first, 1);
  EXPECT_EQ(counts->second, 1);
  EXPECT_EQ(Count("regions"), 2);
}

TEST_P(DatabaseTest, ReaderCannotWrite) {
  OpenDb();
  Status s = db_->ReadErased([](Connection& c) { return c.Exec("DELETE FROM regions"); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "store.io");
}

TEST_P(DatabaseTest, FailingJobsRollBackOnlyTheirOwnChangesUnderConcurrency) {
  OpenDb(2);
  ASSERT_TRUE(AddRegion("dup").ok());  // seq 1

  constexpr int kThreads = 8;
  constexpr int kJobsPerThread = 40;
  std::atomic<int> committed{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> ok_codes(kThreads), failed_codes(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int j = 0; j < kJobsPerThread; ++j) {
        const std::string code = "t" + std::to_string(t) + "j" + std::to_string(j);
        const int mode = (t * kJobsPerThread + j) % 5;  // 0, 1: ok; 2: error; 3: throw; 4: dup
        auto seq = db_->Write<int64_t>([&](WriteTx& tx) -> Result<int64_t> {
          auto st = tx.conn().Prepare("INSERT INTO regions (code, name, level) VALUES (?, ?, ?)");
          if (!st.ok()) return st.error();
          Status s = (*st)->Bind(1, std::string_view(code)).Bind(2, "n").Bind(3, "county").Run();
          if (!s.ok()) return s.error();
          auto seq = tx.AppendEvent(MakeEvent("region:" + code));
          if (!seq.ok()) return seq.error();
          if (mode == 2) return MakeError(ErrorCode::kInvalidArgument, "test.fail", "no");
          if (mode == 3) throw std::runtime_error("boom");
          if (mode == 4) {
            // Violates UNIQUE after having written a row and an event of its own.
            Status dup = (*st)->Bind(1, "dup").Bind(2, "n").Bind(3, "county").Run();
            if (!dup.ok()) return dup.error();
          }
          return seq;
        });
        if (mode <= 1) {
          EXPECT_TRUE(seq.ok()) << seq.error().message;
          ok_codes[t].push_back(code);
          ++committed;
        } else {
          ASSERT_FALSE(seq.ok());
          if (mode == 2) {
            EXPECT_EQ(seq.error().code, "test.fail");
          }
          if (mode == 3) {
            EXPECT_EQ(seq.error().code, "store.exception");
          }
          if (mode == 4) {
            EXPECT_EQ(seq.error().code, "store.constraint");
          }
          failed_codes[t].push_back(code);
        }
      }
    });
  }
  for (auto& th : threads) th.join();

  const int64_t expected = 1 + committed.load();
  EXPECT_EQ(Count("regions"), expected);
  EXPECT_EQ(Count("events"), expected);
  for (int t = 0; t < kThreads; ++t) {
    for (const auto& code : ok_codes[t]) {
      EXPECT_EQ(Count("regions", "code = '" + code + "'"), 1) << code;
      EXPECT_EQ(Count("events", "subject = 'region:" + code + "'"), 1) << code;
    }
    for (const auto& code : failed_codes[t]) {
      EXPECT_EQ(Count("regions", "code = '" + code + "'"), 0) << code;
      EXPECT_EQ(Count("events", "subject = 'region:" + code + "'"), 0) << code;
    }
  }
  // Rolled-back events gave their seq back: the chain has no gaps and verifies.
  EXPECT_EQ(Count("events", "seq BETWEEN 1 AND " + std::to_string(expected)), expected);
  auto report = db_->VerifyEvents();
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->first_bad_seq) << report->reason;
  EXPECT_EQ(report->events_checked, expected);

  // The same after close and reopen, and the chain continues where it stopped.
  Reopen();
  auto next = AddRegion("after");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, expected + 1);
  report = db_->VerifyEvents();
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->first_bad_seq) << report->reason;
}

TEST_P(DatabaseTest, FailedCommitFailsTheBatchAndRestoresTheChainHead) {
  // A deferred constraint is only checked at COMMIT, so the job succeeds but COMMIT fails.
  // SQLite defers foreign keys on request; PostgreSQL defers only constraints declared so.
  std::vector<Migration> migrations = BuiltinMigrations();
  migrations.push_back({static_cast<int>(migrations.size()) + 1, "a deferred constraint",
                        "CREATE TABLE once (x INTEGER);",
                        "CREATE TABLE once (x INTEGER UNIQUE DEFERRABLE INITIALLY DEFERRED);"});
  OpenDb(4, migrations);
  ASSERT_TRUE(AddRegion("a").ok());
  const bool postgres = pg();
  auto seq = db_->Write<int64_t>([postgres](WriteTx& tx) -> Result<int64_t> {
    Status s = tx.conn().Exec(
        postgres ? "INSERT INTO departments (code, name, region_code, created_at_ms) "
                   "VALUES ('d1', 'Dept', 'a', 0); INSERT INTO once VALUES (1), (1);"
                 : "PRAGMA defer_foreign_keys = ON; "
                   "INSERT INTO departments (code, name, region_code, created_at_ms) "
                   "VALUES ('d1', 'Dept', 'nowhere', 0);");
    if (!s.ok()) return s.error();
    return tx.AppendEvent(MakeEvent("department:d1"));
  });
  ASSERT_FALSE(seq.ok());
  EXPECT_EQ(seq.error().code, "store.constraint");
  EXPECT_EQ(Count("departments"), 0);
  EXPECT_EQ(Count("events"), 1);

  auto next = AddRegion("b");
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(*next, 2);
  auto report = db_->VerifyEvents();
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->first_bad_seq) << report->reason;
}

TEST_P(DatabaseTest, NestedWriteIsRefused) {
  OpenDb();
  Status s = db_->WriteErased([&](WriteTx&) {
    return db_->WriteErased([](WriteTx&) { return Ok(); });
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "store.nested_write");
}

TEST_P(DatabaseTest, ReadersShareAPoolUnderLoad) {
  OpenDb(2);
  ASSERT_TRUE(AddRegion("a").ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (Count("regions") == 1) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 400);
}

class EventChainTest : public DatabaseTest {
 protected:
  // Eight events: five in writes of their own, then three in one write.
  void AppendEight() {
    OpenDb();
    for (int i = 1; i <= 5; ++i) {
      auto seq = db_->Write<int64_t>([&](WriteTx& tx) {
        return tx.AppendEvent(MakeEvent("case:" + std::to_string(i)));
      });
      ASSERT_TRUE(seq.ok());
      EXPECT_EQ(*seq, i);
    }
    auto last = db_->Write<int64_t>([&](WriteTx& tx) -> Result<int64_t> {
      Result<int64_t> seq = int64_t{0};
      for (int i = 6; i <= 8; ++i) {
        seq = tx.AppendEvent(MakeEvent("case:" + std::to_string(i)));
        if (!seq.ok()) return seq;
      }
      return seq;
    });
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(*last, 8);
  }

  VerifyReport Verify() {
    auto report = db_->VerifyEvents();
    EXPECT_TRUE(report.ok()) << report.error().message;
    return report.ok() ? *report : VerifyReport{};
  }
};

TEST_P(EventChainTest, EventsChainAndVerify) {
  AppendEight();
  auto events = db_->ReadEvents(0, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 8u);
  std::string prev(32, '\0');
  for (size_t i = 0; i < events->size(); ++i) {
    const Event& e = (*events)[i];
    EXPECT_EQ(e.seq, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(e.prev_hash, prev);
    NewEvent fields{e.at_ms, e.actor, e.kind, e.subject, e.data};
    EXPECT_EQ(HexOf(EventHash(e.prev_hash, e.seq, fields)), Hex(e.hash));
    prev = e.hash;
  }
  VerifyReport report = Verify();
  EXPECT_FALSE(report.first_bad_seq) << report.reason;
  EXPECT_EQ(report.events_checked, 8);
  EXPECT_EQ(report.head_hash_hex, Hex(prev));

  auto page = db_->ReadEvents(3, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].seq, 4);
  EXPECT_EQ((*page)[1].seq, 5);
}

TEST_P(EventChainTest, EmptyChainVerifies) {
  OpenDb();
  VerifyReport report = Verify();
  EXPECT_FALSE(report.first_bad_seq);
  EXPECT_EQ(report.events_checked, 0);
  EXPECT_EQ(report.head_hash_hex, std::string(64, '0'));
}

TEST_P(EventChainTest, AlteredDataIsNamed) {
  AppendEight();
  // Change one byte of event 3's data: {"n":1} becomes {"n":2}.
  RawExec("UPDATE events SET data = replace(data, '1', '2') WHERE seq = 3");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad_seq);
  EXPECT_EQ(*report.first_bad_seq, 3);
  EXPECT_EQ(report.reason, "hash mismatch");
  EXPECT_EQ(report.events_checked, 2);  // the intact events before it
}

TEST_P(EventChainTest, AlteredDataIsNamedAfterReopen) {
  AppendEight();
  db_.reset();
  RawExec("UPDATE events SET actor = 'user:9' WHERE seq = 7");
  OpenDb();
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad_seq);
  EXPECT_EQ(*report.first_bad_seq, 7);
  EXPECT_EQ(report.reason, "hash mismatch");
}

TEST_P(EventChainTest, RehashedEventBreaksTheLink) {
  AppendEight();
  // Rewrite event 4 and recompute its own hash consistently: event 5 no longer links to it.
  auto events = db_->ReadEvents(3, 1);
  ASSERT_TRUE(events.ok());
  const Event& e = (*events)[0];
  NewEvent forged{e.at_ms, e.actor, e.kind, e.subject, R"({"n":999})"};
  std::string hash = HexOf(EventHash(e.prev_hash, e.seq, forged));
  RawExec("UPDATE events SET data = '{\"n\":999}', hash = " + BlobLiteral(hash) + " WHERE seq = 4");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad_seq);
  EXPECT_EQ(*report.first_bad_seq, 5);
  EXPECT_EQ(report.reason, "broken link");
}

TEST_P(EventChainTest, DeletedEventIsNamed) {
  AppendEight();
  RawExec("DELETE FROM events WHERE seq = 4");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad_seq);
  EXPECT_EQ(*report.first_bad_seq, 4);
  EXPECT_EQ(report.reason, "missing event");
}

TEST_P(EventChainTest, DeletedFirstEventIsNamed) {
  AppendEight();
  RawExec("DELETE FROM events WHERE seq = 1");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad_seq);
  EXPECT_EQ(*report.first_bad_seq, 1);
  EXPECT_EQ(report.reason, "missing event");
}

TEST_P(EventChainTest, DeletedTailIsNamedWhileOpen) {
  AppendEight();
  RawExec("DELETE FROM events WHERE seq = 8");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.first_bad_seq);
  EXPECT_EQ(*report.first_bad_seq, 8);
  EXPECT_EQ(report.reason, "missing event");
}

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kPostgres ? "PostgreSQL" : "SQLite";
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, EventChainTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

}  // namespace
}  // namespace xn::db
