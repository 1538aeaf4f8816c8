#include "app/open_database.h"

namespace xn::app {

Result<std::unique_ptr<sqlite::Database>> OpenDatabase(const std::string& db) {
  if (db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0) {
    return MakeError(ErrorCode::kUnavailable, "store.postgres_not_built",
                     "PostgreSQL is not supported yet in this version; use a SQLite file path");
  }
  if (db.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "cli.db", "--db needs a SQLite file path");
  }
  sqlite::Database::Options o;
  o.path = db;
  auto opened = sqlite::Database::Open(o, sqlite::BuiltinMigrations());
  if (!opened.ok()) {
    Error e = opened.error();
    e.message = "cannot open database " + db + ": " + e.message;
    return e;
  }
  return opened;
}

}  // namespace xn::app
