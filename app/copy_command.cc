// `xiaoneng copy --from sqlite:FILE --to postgresql://...`: moves an embedded deployment to
// PostgreSQL. Every table of the schema is copied row by row into an empty target, the identity
// sequences are moved past the copied ids, and the copy is accepted only when every table has as
// many rows as the source and the event chain verifies with the source's head. The output and
// exit codes are a contract (docs/cli.md, "copy").
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "app/commands.h"
#include "app/open_database.h"
#include "store/db/database.h"

namespace xn::app {
namespace {

constexpr int kExitFailed = 1;   // the copy failed or does not match the source
constexpr int kExitRefused = 2;  // refused before any row was copied

// A batch is written when it holds this many rows or this many bytes, whichever comes first:
// many rows per commit, yet a table of scanned materials is never held in memory whole.
constexpr size_t kBatchRows = 500;
constexpr size_t kBatchBytes = size_t{16} << 20;

// PostgreSQL creates this table to keep its schema version; it is not part of the schema.
constexpr std::string_view kSchemaVersionTable = "xn_schema";

// A value as SQLite stores it: one of its five storage classes.
struct Value {
  enum class Kind { kNull, kInteger, kReal, kText, kBlob } kind = Kind::kNull;
  int64_t integer = 0;
  double real = 0;
  std::string bytes;  // text or blob
};
using Row = std::vector<Value>;

struct Table {
  std::string name;
  std::vector<std::string> columns;
  std::vector<bool> bytea;           // per column: the target column is bytea
  std::vector<std::string> parents;  // other tables its foreign keys reference
  bool has_rowid = true;
  int64_t source_rows = 0;
};

void PrintError(const std::string& message) { std::cerr << "error: " << message << "\n"; }

// "name" as an SQL identifier, in either dialect.
std::string Quote(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  return out + "\"";
}

// 'text' as an SQL string literal.
std::string Literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out.push_back(c);
    if (c == '\'') out.push_back('\'');
  }
  return out + "'";
}

Result<int64_t> CountRows(db::Connection& c, const std::string& table) {
  Result<db::Statement*> st = c.Prepare("SELECT count(*) FROM " + Quote(table));
  if (!st.ok()) return st.error();
  Result<bool> row = (*st)->Step();
  if (!row.ok()) return row.error();
  const int64_t n = *row ? (*st)->Int64(0) : 0;
  (*st)->Reset();
  return n;
}

// The first table of the target (its schema version table aside) that holds a row, with its
// row count; an empty name when every table is empty or there are none yet. Read on a
// connection of its own, before the target is migrated, so a refused target is left untouched.
struct Occupied {
  std::string table;
  int64_t rows = 0;
};
Result<Occupied> FirstOccupiedTable(const std::string& url) {
  Result<std::unique_ptr<db::Connection>> c = db::OpenPostgresConnection(url);
  if (!c.ok()) return c.error();
  Result<db::Statement*> list = (*c)->Prepare(
      "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
      "AND tablename <> ?1 ORDER BY tablename");
  if (!list.ok()) return list.error();
  (*list)->Bind(1, kSchemaVersionTable);
  std::vector<std::string> tables;
  for (;;) {
    Result<bool> row = (*list)->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    tables.push_back((*list)->Text(0));
  }
  (*list)->Reset();
  for (const std::string& t : tables) {
    Result<db::Statement*> any = (*c)->Prepare("SELECT 1 FROM " + Quote(t) + " LIMIT 1");
    if (!any.ok()) return any.error();
    Result<bool> row = (*any)->Step();
    if (!row.ok()) return row.error();
    (*any)->Reset();
    if (!*row) continue;
    Result<int64_t> n = CountRows(**c, t);
    if (!n.ok()) return n.error();
    return Occupied{t, *n};
  }
  return Occupied{};
}

// The source's tables in creation order (SQLite's own sqlite_* tables left out), with their
// columns and the tables their foreign keys reference.
Result<std::vector<Table>> ReadSourceTables(db::Connection& c) {
  Result<db::Statement*> list = c.Prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
      "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid");
  if (!list.ok()) return list.error();
  std::vector<Table> tables;
  for (;;) {
    Result<bool> row = (*list)->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    Table t;
    t.name = (*list)->Text(0);
    std::string sql = (*list)->Text(1);
    std::transform(sql.begin(), sql.end(), sql.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    t.has_rowid = sql.find("WITHOUT ROWID") == std::string::npos;
    tables.push_back(std::move(t));
  }
  (*list)->Reset();
  for (Table& t : tables) {
    // table_info leaves out generated columns, which cannot be inserted into anyway.
    Result<db::Statement*> cols = c.Prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid");
    if (!cols.ok()) return cols.error();
    (*cols)->Bind(1, std::string_view(t.name));
    for (;;) {
      Result<bool> row = (*cols)->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      t.columns.push_back((*cols)->Text(0));
    }
    (*cols)->Reset();
    Result<db::Statement*> fks =
        c.Prepare("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)");
    if (!fks.ok()) return fks.error();
    (*fks)->Bind(1, std::string_view(t.name));
    for (;;) {
      Result<bool> row = (*fks)->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      std::string parent = (*fks)->Text(0);
      if (parent != t.name) t.parents.push_back(std::move(parent));
    }
    (*fks)->Reset();
    Result<int64_t> n = CountRows(c, t.name);
    if (!n.ok()) return n.error();
    t.source_rows = *n;
  }
  return tables;
}

// Creation order, moved only where needed so that a table comes after every table its foreign
// keys reference (the target checks each row as it arrives). Rows of a table that references
// itself (regions) are copied in insertion order, in which the source already checked them. A
// cycle between tables, which the migrations never create, is left in creation order and the
// copy then fails on its first dangling reference.
std::vector<Table> InForeignKeyOrder(std::vector<Table> tables) {
  std::vector<Table> ordered;
  std::vector<bool> placed(tables.size(), false);
  auto known = [&](const std::string& name) {
    return std::any_of(tables.begin(), tables.end(),
                       [&](const Table& t) { return t.name == name; });
  };
  auto is_placed = [&](const std::string& name) {
    return std::any_of(ordered.begin(), ordered.end(),
                       [&](const Table& t) { return t.name == name; });
  };
  while (ordered.size() < tables.size()) {
    size_t next = tables.size();
    for (size_t i = 0; i < tables.size() && next == tables.size(); ++i) {
      if (placed[i]) continue;
      const bool ready =
          std::all_of(tables[i].parents.begin(), tables[i].parents.end(),
                      [&](const std::string& p) { return !known(p) || is_placed(p); });
      if (ready) next = i;
    }
    if (next == tables.size()) {  // a cycle: the first one left, in creation order
      next = static_cast<size_t>(std::find(placed.begin(), placed.end(), false) - placed.begin());
    }
    placed[next] = true;
    ordered.push_back(tables[next]);
  }
  return ordered;
}

// Checks that the target has each source table with each of its columns, and notes which
// target columns are bytea. The two were migrated by the same migrations, so a difference means
// a schema edited by hand.
Status MatchTargetColumns(db::Database& target, std::vector<Table>& tables) {
  return target.ReadErased([&](db::Connection& c) -> Status {
    Result<db::Statement*> st = c.Prepare(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?1");
    if (!st.ok()) return st.error();
    for (Table& t : tables) {
      (*st)->Reset();
      (*st)->Bind(1, std::string_view(t.name));
      std::map<std::string, std::string> types;
      for (;;) {
        Result<bool> row = (*st)->Step();
        if (!row.ok()) return row.error();
        if (!*row) break;
        types[(*st)->Text(0)] = (*st)->Text(1);
      }
      if (types.empty()) {
        return MakeError(ErrorCode::kFailedPrecondition, "copy.schema",
                         "the target has no table " + t.name);
      }
      for (const std::string& col : t.columns) {
        auto it = types.find(col);
        if (it == types.end()) {
          return MakeError(ErrorCode::kFailedPrecondition, "copy.schema",
                           "the target's table " + t.name + " has no column " + col);
        }
        t.bytea.push_back(it->second == "bytea");
      }
    }
    (*st)->Reset();
    return Ok();
  });
}

// Binds each value by its SQLite storage class. Refuses a value the target would silently
// turn into something else: a blob outside a bytea column, a number or text inside one (text
// parameters are parsed as bytea's escape format), and text with a NUL character (PostgreSQL
// text cannot hold one, and the text parameter would be cut short there).
Status BindRow(db::Statement& st, const Table& t, const Row& row) {
  for (size_t i = 0; i < row.size(); ++i) {
    const Value& v = row[i];
    const int index = static_cast<int>(i) + 1;
    const bool bytea = t.bytea[i];
    auto refuse = [&](const char* what) -> Status {
      return MakeError(ErrorCode::kFailedPrecondition, "copy.value",
                       "column " + t.columns[i] + ": " + what);
    };
    switch (v.kind) {
      case Value::Kind::kNull:
        st.BindNull(index);
        break;
      case Value::Kind::kInteger:
        if (bytea) return refuse("an integer in a bytea column");
        st.Bind(index, v.integer);
        break;
      case Value::Kind::kReal:
        if (bytea) return refuse("a real in a bytea column");
        st.Bind(index, v.real);
        break;
      case Value::Kind::kText:
        if (bytea) return refuse("text in a bytea column");
        if (v.bytes.find('\0') != std::string::npos) return refuse("text with a NUL character");
        st.Bind(index, std::string_view(v.bytes));
        break;
      case Value::Kind::kBlob:
        if (!bytea) return refuse("a blob in a column that is not bytea");
        st.BindBlob(index, v.bytes.data(), v.bytes.size());
        break;
    }
  }
  return Ok();
}

// Inserts ROWS into T in one write job of the target. Events go in as they are, seq, prev_hash
// and hash included, like every other row: appending them would chain them anew.
Status WriteBatch(db::Database& target, const Table& t, const std::vector<Row>& rows,
                  int64_t first_row) {
  std::string sql = "INSERT INTO " + Quote(t.name) + " (";
  std::string values;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i > 0) {
      sql += ", ";
      values += ", ";
    }
    sql += Quote(t.columns[i]);
    values += "?" + std::to_string(i + 1);
  }
  sql += ") VALUES (" + values + ")";
  return target.WriteErased([&](db::WriteTx& tx) -> Status {
    Result<db::Statement*> st = tx.conn().Prepare(sql);
    if (!st.ok()) return st.error();
    for (size_t r = 0; r < rows.size(); ++r) {
      Status s = BindRow(**st, t, rows[r]);
      if (s.ok()) s = (*st)->Run();
      if (!s.ok()) {
        Error e = s.error();
        e.message = "row " + std::to_string(first_row + static_cast<int64_t>(r)) +
                    " (counting from 1 in the source's order): " + e.message;
        return e;
      }
    }
    return Ok();
  });
}

// Copies every row of T, read from SOURCE (inside the caller's read snapshot), in batches.
Result<int64_t> CopyTable(db::Connection& source, db::Database& target, const Table& t) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += "typeof(" + Quote(t.columns[i]) + "), " + Quote(t.columns[i]);
  }
  sql += " FROM " + Quote(t.name);
  if (t.has_rowid) sql += " ORDER BY rowid";
  Result<db::Statement*> st = source.Prepare(sql);
  if (!st.ok()) return st.error();
  int64_t copied = 0;
  std::vector<Row> batch;
  size_t batch_bytes = 0;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Ok();
    Status s = WriteBatch(target, t, batch, copied + 1);
    copied += static_cast<int64_t>(batch.size());
    batch.clear();
    batch_bytes = 0;
    return s;
  };
  for (;;) {
    Result<bool> more = (*st)->Step();
    if (!more.ok()) return more.error();
    if (!*more) break;
    Row row(t.columns.size());
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const int type_col = static_cast<int>(2 * i);
      const int value_col = type_col + 1;
      const std::string type = (*st)->Text(type_col);
      Value& v = row[i];
      if (type == "integer") {
        v.kind = Value::Kind::kInteger;
        v.integer = (*st)->Int64(value_col);
      } else if (type == "real") {
        v.kind = Value::Kind::kReal;
        v.real = (*st)->Double(value_col);
      } else if (type == "text") {
        v.kind = Value::Kind::kText;
        v.bytes = (*st)->Text(value_col);
      } else if (type == "blob") {
        v.kind = Value::Kind::kBlob;
        v.bytes = (*st)->Blob(value_col);
      }
      batch_bytes += v.bytes.size() + sizeof(Value);
    }
    batch.push_back(std::move(row));
    if (batch.size() >= kBatchRows || batch_bytes >= kBatchBytes) {
      if (Status s = flush(); !s.ok()) {
        (*st)->Reset();
        return s.error();
      }
    }
  }
  (*st)->Reset();
  if (Status s = flush(); !s.ok()) return s.error();
  return copied;
}

// Moves each identity sequence of the copied tables to the highest id copied, so the next row
// the target inserts gets a new one (an empty table's sequence starts again at 1).
Status ResetSequences(db::Database& target, const std::vector<Table>& tables) {
  return target.WriteErased([&](db::WriteTx& tx) -> Status {
    db::Connection& c = tx.conn();
    for (const Table& t : tables) {
      for (const std::string& col : t.columns) {
        Result<db::Statement*> seq = c.Prepare("SELECT pg_get_serial_sequence(?1, ?2)");
        if (!seq.ok()) return seq.error();
        const std::string table = Quote(t.name);
        (*seq)->Bind(1, std::string_view(table)).Bind(2, std::string_view(col));
        Result<bool> row = (*seq)->Step();
        if (!row.ok()) return row.error();
        const bool has_sequence = *row && !(*seq)->IsNull(0);
        (*seq)->Reset();
        if (!has_sequence) continue;
        Result<db::Statement*> set =
            c.Prepare("SELECT setval(pg_get_serial_sequence(" + Literal(Quote(t.name)) + ", " +
                      Literal(col) + "), COALESCE(MAX(" + Quote(col) + "), 1), MAX(" + Quote(col) +
                      ") IS NOT NULL) FROM " + Quote(t.name));
        if (!set.ok()) return set.error();
        if (Status s = (*set)->Run(); !s.ok()) return s;
      }
    }
    return Ok();
  });
}

int Copy(const std::string& from, const std::string& to) {
  const db::Location source_at = db::ParseLocation(from);
  const db::Location target_at = db::ParseLocation(to);
  const std::string target_name = db::RedactLocation(to);
  if (source_at.backend != db::Backend::kSqlite) {
    PrintError("--from must be a SQLite file (a path or sqlite:PATH), not " +
               db::RedactLocation(from));
    return kExitRefused;
  }
  if (target_at.backend != db::Backend::kPostgres) {
    PrintError("--to must be a postgresql:// URL, not " + target_name);
    return kExitRefused;
  }
  std::error_code ec;
  if (source_at.target.empty() || !std::filesystem::is_regular_file(source_at.target, ec)) {
    PrintError("no SQLite file at " + (source_at.target.empty() ? from : source_at.target));
    return kExitRefused;
  }

  // The source: brought to the current schema by opening it, and refused if its chain is broken
  // (a copy would carry the damage into a database that then looks freshly verified).
  auto source = OpenDatabase(from);
  if (!source.ok()) {
    PrintError(source.error().message);
    return source.error().category == ErrorCode::kFailedPrecondition ? kExitRefused : kExitFailed;
  }
  auto source_chain = (*source)->VerifyEvents();
  if (!source_chain.ok()) {
    PrintError("cannot verify the source's event chain: " + source_chain.error().message);
    return kExitFailed;
  }
  if (source_chain->first_bad_seq) {
    PrintError("the source's event chain is broken: ALTERED: event " +
               std::to_string(*source_chain->first_bad_seq) + ": " + source_chain->reason + " (" +
               std::to_string(source_chain->events_checked) +
               " events checked before it); nothing copied");
    return kExitRefused;
  }
  std::printf("source %s: schema version %d, %lld events, chain intact, head %s\n",
              source_at.target.c_str(), (*source)->schema_version(),
              static_cast<long long>(source_chain->events_checked),
              source_chain->head_hash_hex.c_str());

  // The target: refused when anything is in it, before it is migrated, so a copy never merges
  // and a refused target is left as it was.
  auto occupied = FirstOccupiedTable(target_at.target);
  if (!occupied.ok()) {
    PrintError(occupied.error().message);
    return kExitFailed;
  }
  if (!occupied->table.empty()) {
    PrintError("target is not empty: table " + occupied->table + " has " +
               std::to_string(occupied->rows) + " rows");
    return kExitRefused;
  }
  auto target = OpenDatabase(to);
  if (!target.ok()) {
    PrintError(target.error().message);
    return target.error().category == ErrorCode::kFailedPrecondition ? kExitRefused : kExitFailed;
  }
  if ((*target)->schema_version() != (*source)->schema_version()) {
    PrintError("the target is at schema version " + std::to_string((*target)->schema_version()) +
               ", the source at " + std::to_string((*source)->schema_version()));
    return kExitRefused;
  }
  std::printf("target %s: schema version %d, empty\n", target_name.c_str(),
              (*target)->schema_version());
  std::fflush(stdout);

  // One read snapshot of the source for the whole copy, so the tables agree with each other
  // and with the counts compared below.
  std::vector<Table> tables;
  Status copied = (*source)->ReadErased([&](db::Connection& c) -> Status {
    auto read = ReadSourceTables(c);
    if (!read.ok()) return read.error();
    tables = InForeignKeyOrder(std::move(*read));
    if (Status s = MatchTargetColumns(**target, tables); !s.ok()) return s;
    for (const Table& t : tables) {
      std::printf("copying %s ...", t.name.c_str());
      std::fflush(stdout);
      auto n = CopyTable(c, **target, t);
      if (!n.ok()) {
        std::printf(" failed\n");
        Error e = n.error();
        e.message = "table " + t.name + ": " + e.message;
        return e;
      }
      std::printf(" %lld %s\n", static_cast<long long>(*n), *n == 1 ? "row" : "rows");
      std::fflush(stdout);
    }
    return Ok();
  });
  if (!copied.ok()) {
    PrintError("copy failed: " + copied.error().message +
               "; the target holds part of the copy: drop and recreate it before trying again");
    return kExitFailed;
  }
  if (Status s = ResetSequences(**target, tables); !s.ok()) {
    PrintError("cannot reset the target's identity sequences: " + s.error().message);
    return kExitFailed;
  }

  // Accepted only when every table has the source's row count and the chain verifies on the
  // target to the same head.
  std::vector<int64_t> target_rows;
  Status counted = (*target)->ReadErased([&](db::Connection& c) -> Status {
    for (const Table& t : tables) {
      auto n = CountRows(c, t.name);
      if (!n.ok()) return n.error();
      target_rows.push_back(*n);
    }
    return Ok();
  });
  if (!counted.ok()) {
    PrintError("cannot count the target's rows: " + counted.error().message);
    return kExitFailed;
  }
  size_t width = 0;
  for (const Table& t : tables) width = std::max(width, t.name.size());
  std::printf("rows per table (source, target):\n");
  int mismatches = 0;
  for (size_t i = 0; i < tables.size(); ++i) {
    const bool same = tables[i].source_rows == target_rows[i];
    std::printf("  %-*s %8lld %8lld%s\n", static_cast<int>(width), tables[i].name.c_str(),
                static_cast<long long>(tables[i].source_rows),
                static_cast<long long>(target_rows[i]), same ? "" : "  MISMATCH");
    if (!same) ++mismatches;
  }
  std::fflush(stdout);
  if (mismatches > 0) {
    PrintError(std::to_string(mismatches) +
               " table(s) have a different number of rows in the "
               "target than in the source");
    return kExitFailed;
  }
  auto target_chain = (*target)->VerifyEvents();
  if (!target_chain.ok()) {
    PrintError("cannot verify the target's event chain: " + target_chain.error().message);
    return kExitFailed;
  }
  if (target_chain->first_bad_seq) {
    PrintError("the copied event chain does not verify: ALTERED: event " +
               std::to_string(*target_chain->first_bad_seq) + ": " + target_chain->reason);
    return kExitFailed;
  }
  if (target_chain->events_checked != source_chain->events_checked ||
      target_chain->head_hash_hex != source_chain->head_hash_hex) {
    PrintError("the copied event chain differs from the source's: " +
               std::to_string(target_chain->events_checked) + " events, head " +
               target_chain->head_hash_hex +
               " (source: " + std::to_string(source_chain->events_checked) + " events, head " +
               source_chain->head_hash_hex + ")");
    return kExitFailed;
  }
  std::printf("OK: %lld events, chain intact, head %s\n",
              static_cast<long long>(target_chain->events_checked),
              target_chain->head_hash_hex.c_str());
  return 0;
}

}  // namespace

void AddCopyCommand(CLI::App& root, int& exit_code) {
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  CLI::App* cmd = root.add_subcommand(
      "copy", "Copy an embedded (SQLite) deployment into an empty PostgreSQL database");
  cmd->add_option("--from", *from, "SQLite file path (or sqlite:PATH)")->required();
  cmd->add_option("--to", *to, "postgresql:// URL of an empty database")->required();
  cmd->callback([from, to, &exit_code] { exit_code = Copy(*from, *to); });
}

}  // namespace xn::app
