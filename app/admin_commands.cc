// `xiaoneng migrate`, `user add`, `verify`, `version`.
#include <cstdio>
#include <iostream>
#include <string>

#include "app/commands.h"
#include "app/open_database.h"
#include "domain/common/clock.h"
#include "domain/identity/identity.h"
#include "store/identity/identity_store.h"
#include "store/identity/password.h"

namespace xn::app {
namespace {

int Migrate(const std::string& db_path) {
  auto db = OpenDatabase(db_path);
  if (!db.ok()) {
    std::cerr << "error: " << db.error().message << "\n";
    return 1;
  }
  std::printf("schema version %d (%s)\n", (*db)->schema_version(),
              db::RedactLocation(db_path).c_str());
  return 0;
}

struct UserAddOptions {
  std::string db, username, role, department, display_name, region;
};

// Reads the password from the first line of standard input (so it never appears in the
// process list or the shell history).
int UserAdd(const UserAddOptions& o) {
  if (!store::InitCrypto()) return 1;
  if (auto s = identity::CheckUsername(o.username); !s.ok()) {
    std::cerr << "error: " << s.error().message << "\n";
    return 2;
  }
  std::string password;
  if (!std::getline(std::cin, password)) {
    std::cerr << "error: give the password on standard input\n";
    return 2;
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (auto s = identity::CheckPasswordPolicy(password, o.username); !s.ok()) {
    std::cerr << "error: " << s.error().message << "\n";
    return 2;
  }
  auto db = OpenDatabase(o.db);
  if (!db.ok()) {
    std::cerr << "error: " << db.error().message << "\n";
    return 1;
  }
  SystemClock clock;
  store::IdentityStore store(**db);
  store::Actor actor{"cli", clock.Now()};
  if (auto s = store.EnsureBuiltinRoles(actor); !s.ok()) {
    std::cerr << "error: " << s.error().message << "\n";
    return 1;
  }
  store::NewUser u;
  u.username = o.username;
  u.display_name = o.display_name.empty() ? o.username : o.display_name;
  if (!o.department.empty()) {
    auto depts = store.ListDepartments();
    if (!depts.ok()) {
      std::cerr << "error: " << depts.error().message << "\n";
      return 1;
    }
    for (const auto& d : *depts) {
      if (d.code == o.department) u.department_id = d.id;
    }
    if (!u.department_id) {
      std::cerr << "error: no department with code " << o.department << "\n";
      return 2;
    }
  }
  if (!o.region.empty()) u.region_code = o.region;
  u.password_hash = store::HashPassword(password);
  auto created = store.CreateUser(u, {o.role}, actor);
  if (!created.ok()) {
    std::cerr << "error: " << created.error().message << "\n";
    return created.error().category == ErrorCode::kInternal ||
                   created.error().category == ErrorCode::kUnavailable
               ? 1
               : 2;
  }
  std::printf("user %s created (id %lld, role %s)\n", o.username.c_str(),
              static_cast<long long>(created->id), o.role.c_str());
  return 0;
}

int Verify(const std::string& db_path) {
  auto db = OpenDatabase(db_path);
  if (!db.ok()) {
    std::cerr << "error: " << db.error().message << "\n";
    return 1;
  }
  auto report = (*db)->VerifyEvents();
  if (!report.ok()) {
    std::cerr << "error: " << report.error().message << "\n";
    return 1;
  }
  if (report->first_bad_seq) {
    std::printf("ALTERED: event %lld: %s (%lld events checked before it)\n",
                static_cast<long long>(*report->first_bad_seq), report->reason.c_str(),
                static_cast<long long>(report->events_checked));
    return 1;
  }
  std::printf("OK: %lld events, chain intact, head %s\n",
              static_cast<long long>(report->events_checked), report->head_hash_hex.c_str());
  return 0;
}

}  // namespace

void AddAdminCommands(CLI::App& root, int& exit_code) {
  {
    auto db = std::make_shared<std::string>();
    CLI::App* cmd = root.add_subcommand("migrate", "Create or upgrade the database schema");
    cmd->add_option("--db", *db, "SQLite file path (or sqlite:PATH) or postgresql:// URL")->required();
    cmd->callback([db, &exit_code] { exit_code = Migrate(*db); });
  }
  {
    auto o = std::make_shared<UserAddOptions>();
    CLI::App* user = root.add_subcommand("user", "Manage user accounts");
    user->require_subcommand(1);
    CLI::App* add = user->add_subcommand(
        "add", "Create an account; the password is read from standard input");
    add->add_option("--db", o->db, "SQLite file path (or sqlite:PATH) or postgresql:// URL")->required();
    add->add_option("--username", o->username, "Login name")->required();
    add->add_option("--role", o->role, "Role identifier, e.g. system-admin")->required();
    add->add_option("--department", o->department, "Department code");
    add->add_option("--display-name", o->display_name, "Name shown in the UI");
    add->add_option("--region", o->region, "Region code (GB/T 2260) the user works for");
    add->callback([o, &exit_code] { exit_code = UserAdd(*o); });
  }
  {
    auto db = std::make_shared<std::string>();
    CLI::App* cmd = root.add_subcommand(
        "verify", "Walk the event hash chain (SM3) and name the first altered event");
    cmd->add_option("--db", *db, "SQLite file path (or sqlite:PATH) or postgresql:// URL")->required();
    cmd->callback([db, &exit_code] { exit_code = Verify(*db); });
  }
  root.add_subcommand("version", "Print the version")->callback([&exit_code] {
    std::printf("xiaoneng %s\n", XN_VERSION);
    exit_code = 0;
  });
}

}  // namespace xn::app
