#include "app/open_database.h"

namespace xn::app {

Result<std::unique_ptr<db::Database>> OpenDatabase(const std::string& db) {
  if (db.empty() || db == "sqlite:") {
    return MakeError(ErrorCode::kInvalidArgument, "cli.db",
                     "--db needs a SQLite file path (or sqlite:PATH) or a postgresql:// URL");
  }
  db::Database::Options o;
  o.path = db;
  auto opened = db::Database::Open(o, db::BuiltinMigrations());
  if (!opened.ok()) {
    Error e = opened.error();
    e.message = "cannot open database " + db::RedactLocation(db) + ": " + e.message;
    return e;
  }
  return opened;
}

}  // namespace xn::app
