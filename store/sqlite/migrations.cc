// The numbered schema migrations. A migration, once released, is never edited: a change to the
// schema is a new migration with the next number (docs/architecture.md, "Storage").
#include "store/sqlite/database.h"

namespace xn::sqlite {

const std::vector<Migration>& BuiltinMigrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "events, organisation, identity, calendar", R"sql(
CREATE TABLE events (
  seq        INTEGER PRIMARY KEY,
  at_ms      INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  kind       TEXT NOT NULL,
  subject    TEXT NOT NULL,
  data       TEXT NOT NULL,
  prev_hash  BLOB NOT NULL,
  hash       BLOB NOT NULL
);
CREATE INDEX events_kind ON events(kind, seq);
CREATE INDEX events_subject ON events(subject, seq);

CREATE TABLE regions (
  code        TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  level       TEXT NOT NULL CHECK (level IN ('province', 'city', 'county')),
  parent_code TEXT REFERENCES regions(code)
);

CREATE TABLE departments (
  id            INTEGER PRIMARY KEY,
  code          TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  short_name    TEXT NOT NULL DEFAULT '',
  region_code   TEXT NOT NULL REFERENCES regions(code),
  created_at_ms INTEGER NOT NULL
);

CREATE TABLE sections (
  id            INTEGER PRIMARY KEY,
  department_id INTEGER NOT NULL REFERENCES departments(id),
  name          TEXT NOT NULL,
  UNIQUE (department_id, name)
);

CREATE TABLE windows (
  id            INTEGER PRIMARY KEY,
  code          TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  department_id INTEGER NOT NULL REFERENCES departments(id),
  hall          TEXT NOT NULL DEFAULT '',
  active        INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE roles (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  title       TEXT NOT NULL,
  builtin     INTEGER NOT NULL DEFAULT 0,
  duty        TEXT NOT NULL CHECK (duty IN ('business', 'system', 'security', 'audit')),
  scope       TEXT NOT NULL CHECK (scope IN ('own', 'section', 'department', 'region', 'all')),
  permissions TEXT NOT NULL
);

CREATE TABLE users (
  id                     INTEGER PRIMARY KEY,
  username               TEXT NOT NULL UNIQUE,
  display_name           TEXT NOT NULL,
  password_hash          TEXT NOT NULL,
  department_id          INTEGER REFERENCES departments(id),
  section_id             INTEGER REFERENCES sections(id),
  window_id              INTEGER REFERENCES windows(id),
  region_code            TEXT REFERENCES regions(code),
  active                 INTEGER NOT NULL DEFAULT 1,
  failed_logins          INTEGER NOT NULL DEFAULT 0,
  locked_until_ms        INTEGER,
  password_changed_at_ms INTEGER NOT NULL,
  created_at_ms          INTEGER NOT NULL
);

CREATE TABLE user_roles (
  user_id INTEGER NOT NULL REFERENCES users(id),
  role_id INTEGER NOT NULL REFERENCES roles(id),
  PRIMARY KEY (user_id, role_id)
);

CREATE TABLE sessions (
  token_hash    BLOB PRIMARY KEY,
  user_id       INTEGER NOT NULL REFERENCES users(id),
  csrf_token    TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER NOT NULL
);

CREATE TABLE calendar_local_days (
  date          TEXT PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
  name          TEXT NOT NULL,
  reason        TEXT NOT NULL DEFAULT '',
  created_by    TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
)sql"},
      {2, "power list (matters, versions) and cases", R"sql(
CREATE TABLE matters (
  id                INTEGER PRIMARY KEY,
  code              TEXT NOT NULL UNIQUE,
  department_id     INTEGER NOT NULL REFERENCES departments(id),
  published_version INTEGER,
  draft_version     INTEGER,
  created_at_ms     INTEGER NOT NULL
);

CREATE TABLE matter_versions (
  id              INTEGER PRIMARY KEY,
  matter_id       INTEGER NOT NULL REFERENCES matters(id),
  version         INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
  name            TEXT NOT NULL,
  category        TEXT NOT NULL,
  definition      TEXT NOT NULL,
  change_note     TEXT NOT NULL DEFAULT '',
  created_by      TEXT NOT NULL,
  created_at_ms   INTEGER NOT NULL,
  published_at_ms INTEGER,
  UNIQUE (matter_id, version)
);

CREATE TABLE cases (
  id                    INTEGER PRIMARY KEY,
  case_no               TEXT NOT NULL UNIQUE,
  query_code            TEXT NOT NULL,
  matter_version_id     INTEGER NOT NULL REFERENCES matter_versions(id),
  department_id         INTEGER NOT NULL REFERENCES departments(id),
  state                 TEXT NOT NULL,
  applicant_code        TEXT NOT NULL,
  applicant_user_id     INTEGER REFERENCES users(id),
  agent_user_id         INTEGER REFERENCES users(id),
  submitted_at_ms       INTEGER NOT NULL,
  statutory_deadline_ms INTEGER,
  promised_deadline_ms  INTEGER,
  body                  TEXT NOT NULL,
  version               INTEGER NOT NULL
);
CREATE INDEX cases_department_state ON cases(department_id, state);
CREATE INDEX cases_applicant_user ON cases(applicant_user_id);
CREATE INDEX cases_applicant_code ON cases(applicant_code);
CREATE INDEX cases_promised_deadline ON cases(promised_deadline_ms);

CREATE TABLE case_numbers (
  prefix TEXT PRIMARY KEY,
  last   INTEGER NOT NULL
);
)sql"},
      {3, "materials, appointments, key projects", R"sql(
CREATE TABLE materials (
  id             INTEGER PRIMARY KEY,
  owner_code     TEXT NOT NULL,
  name           TEXT NOT NULL,
  file_name      TEXT NOT NULL,
  media_type     TEXT NOT NULL,
  size_bytes     INTEGER NOT NULL,
  sha256         TEXT NOT NULL,
  trust          TEXT NOT NULL CHECK (trust IN ('issuer', 'window_verified', 'uploaded', 'declared')),
  source_case_id INTEGER REFERENCES cases(id),
  data           BLOB NOT NULL,
  created_by     TEXT NOT NULL,
  created_at_ms  INTEGER NOT NULL,
  UNIQUE (owner_code, sha256)
);
CREATE INDEX materials_owner ON materials(owner_code);

CREATE TABLE case_materials (
  case_id       INTEGER NOT NULL REFERENCES cases(id),
  material_id   INTEGER NOT NULL REFERENCES materials(id),
  requirement   TEXT NOT NULL,
  reused        INTEGER NOT NULL DEFAULT 0,
  attached_at_ms INTEGER NOT NULL,
  PRIMARY KEY (case_id, material_id)
);

CREATE TABLE appointment_slots (
  id          INTEGER PRIMARY KEY,
  window_id   INTEGER NOT NULL REFERENCES windows(id),
  starts_ms   INTEGER NOT NULL,
  ends_ms     INTEGER NOT NULL,
  capacity    INTEGER NOT NULL DEFAULT 1,
  UNIQUE (window_id, starts_ms)
);

CREATE TABLE appointments (
  id            INTEGER PRIMARY KEY,
  slot_id       INTEGER NOT NULL REFERENCES appointment_slots(id),
  seat          INTEGER NOT NULL,
  matter_code   TEXT NOT NULL,
  booker_user_id INTEGER REFERENCES users(id),
  contact_name  TEXT NOT NULL,
  contact_phone TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('booked', 'cancelled', 'attended', 'missed')),
  created_at_ms INTEGER NOT NULL,
  UNIQUE (slot_id, seat)
);

CREATE TABLE key_projects (
  id             INTEGER PRIMARY KEY,
  code           TEXT NOT NULL UNIQUE,
  name           TEXT NOT NULL,
  enterprise_code TEXT NOT NULL,
  enterprise_name TEXT NOT NULL,
  investment_fen INTEGER NOT NULL DEFAULT 0,
  agent_user_id  INTEGER REFERENCES users(id),
  created_at_ms  INTEGER NOT NULL
);
CREATE INDEX cases_key_project ON cases(json_extract(body, '$.key_project_id'));
)sql"},
      {4, "who may act on a case now, for inboxes", R"sql(
ALTER TABLE cases ADD COLUMN pending_roles TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN pending_departments TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_department_deadline ON cases(department_id, promised_deadline_ms);
)sql"},
  };
  return kMigrations;
}

}  // namespace xn::sqlite
