#include "store/catalog/catalog_store.h"

#include "store/cases/codec.h"

namespace xn::store {
namespace json = boost::json;
using db::Connection;
using db::Statement;
using db::WriteTx;

namespace {

Error NotFound() { return MakeError(ErrorCode::kNotFound, "not_found", "事项不存在"); }

constexpr const char* kSummarySelect =
    "SELECT m.id, m.code, v.name, v.category, m.department_id, d.name, d.region_code, "
    "m.published_version, m.draft_version FROM matters m "
    "JOIN departments d ON d.id = m.department_id "
    "JOIN matter_versions v ON v.matter_id = m.id AND "
    "v.version = COALESCE(m.published_version, m.draft_version)";

MatterSummary ReadSummary(const Statement& s) {
  MatterSummary m;
  m.id = s.Int64(0);
  m.code = s.Text(1);
  m.name = s.Text(2);
  m.category = catalog::ParsePowerCategory(s.Text(3)).value_or(catalog::PowerCategory::kOther);
  m.department_id = s.Int64(4);
  m.department_name = s.Text(5);
  m.region_code = s.Text(6);
  if (auto v = s.OptionalInt64(7)) m.published_version = static_cast<int32_t>(*v);
  if (auto v = s.OptionalInt64(8)) m.draft_version = static_cast<int32_t>(*v);
  return m;
}

constexpr const char* kVersionSelect =
    "SELECT id, matter_id, version, status, change_note, created_by, created_at_ms, "
    "published_at_ms, definition FROM matter_versions";

Result<MatterVersion> ReadVersion(const Statement& s) {
  MatterVersion v;
  v.id = s.Int64(0);
  v.matter_id = s.Int64(1);
  v.version = static_cast<int32_t>(s.Int64(2));
  v.status = s.Text(3);
  v.change_note = s.Text(4);
  v.created_by = s.Text(5);
  v.created_at = FromUnixMillis(s.Int64(6));
  if (auto p = s.OptionalInt64(7)) v.published_at = FromUnixMillis(*p);
  json::error_code ec;
  json::value doc = json::parse(s.Text(8), ec);
  if (ec) return MakeError(ErrorCode::kInternal, "store.corrupt", "matter definition unreadable");
  auto def = MatterFromJson(doc);
  if (!def.ok()) return def.error();
  v.def = std::move(*def);
  return v;
}

Result<MatterVersion> QueryVersion(Connection& c, const std::string& where,
                                   const std::function<void(Statement&)>& bind) {
  auto st = c.Prepare(std::string(kVersionSelect) + " " + where);
  if (!st.ok()) return st.error();
  bind(**st);
  auto row = (*st)->Step();
  if (!row.ok()) return row.error();
  if (!*row) return NotFound();
  return ReadVersion(**st);
}

Status InsertVersion(WriteTx& tx, int64_t matter_id, int32_t version,
                     const catalog::MatterDef& def, const std::string& note, const Actor& a) {
  auto st = tx.conn().Prepare(
      "INSERT INTO matter_versions(matter_id, version, status, name, category, definition, "
      "change_note, created_by, created_at_ms) VALUES (?1, ?2, 'draft', ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!st.ok()) return st.error();
  Statement& s = **st;
  s.Bind(1, matter_id).Bind(2, int64_t{version}).Bind(3, std::string_view(def.name));
  s.Bind(4, catalog::PowerCategoryName(def.category));
  s.Bind(5, std::string_view(json::serialize(MatterToJson(def))));
  s.Bind(6, std::string_view(note)).Bind(7, std::string_view(a.id)).Bind(8, ToUnixMillis(a.at));
  return s.Run();
}

Status Append(WriteTx& tx, const Actor& a, const char* kind, int64_t matter_id,
              const json::object& data) {
  auto r = tx.AppendEvent({ToUnixMillis(a.at), a.id, kind,
                           "matter:" + std::to_string(matter_id), json::serialize(data)});
  if (!r.ok()) return r.error();
  return Ok();
}

}  // namespace

Result<MatterSummary> CatalogStore::Create(const catalog::MatterDef& def, const std::string& note,
                                           const Actor& actor) {
  auto id = db_.Write<int64_t>([&](WriteTx& tx) -> Result<int64_t> {
    auto st = tx.conn().Prepare(
        "INSERT INTO matters(code, department_id, draft_version, created_at_ms) "
        "VALUES (?1, ?2, 1, ?3)");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, std::string_view(def.code)).Bind(2, def.department_id);
    (*st)->Bind(3, ToUnixMillis(actor.at));
    if (auto s = (*st)->Run(); !s.ok()) {
      if (s.error().category == ErrorCode::kConflict) {
        return MakeError(ErrorCode::kConflict, "catalog.duplicate_code", "事项编码已存在",
                         "code");
      }
      return s.error();
    }
    int64_t id = tx.conn().LastInsertRowId();
    if (auto s = InsertVersion(tx, id, 1, def, note, actor); !s.ok()) return s.error();
    if (auto s = Append(tx, actor, "matter.created", id,
                        {{"code", def.code}, {"name", def.name}, {"version", 1}, {"note", note}});
        !s.ok()) {
      return s.error();
    }
    return id;
  });
  if (!id.ok()) return id.error();
  return Get(*id);
}

Result<MatterVersion> CatalogStore::SaveDraft(int64_t matter_id, catalog::MatterDef def,
                                              const std::string& note, const Actor& actor) {
  auto vid = db_.Write<int64_t>([&](WriteTx& tx) -> Result<int64_t> {
    auto st = tx.conn().Prepare(
        "SELECT code, department_id, published_version, draft_version FROM matters WHERE id=?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, matter_id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound();
    def.code = (*st)->Text(0);
    def.department_id = (*st)->Int64(1);
    auto published = (*st)->OptionalInt64(2);
    auto draft = (*st)->OptionalInt64(3);
    (*st)->Reset();
    int32_t version = 0;
    if (draft) {
      version = static_cast<int32_t>(*draft);
      auto up = tx.conn().Prepare(
          "UPDATE matter_versions SET name=?3, category=?4, definition=?5, change_note=?6, "
          "created_by=?7, created_at_ms=?8 WHERE matter_id=?1 AND version=?2");
      if (!up.ok()) return up.error();
      Statement& s = **up;
      s.Bind(1, matter_id).Bind(2, int64_t{version}).Bind(3, std::string_view(def.name));
      s.Bind(4, catalog::PowerCategoryName(def.category));
      s.Bind(5, std::string_view(json::serialize(MatterToJson(def))));
      s.Bind(6, std::string_view(note)).Bind(7, std::string_view(actor.id));
      s.Bind(8, ToUnixMillis(actor.at));
      if (auto r = s.Run(); !r.ok()) return r.error();
    } else {
      version = static_cast<int32_t>(published.value_or(0) + 1);
      if (auto r = InsertVersion(tx, matter_id, version, def, note, actor); !r.ok()) {
        return r.error();
      }
      auto up = tx.conn().Prepare("UPDATE matters SET draft_version=?2 WHERE id=?1");
      if (!up.ok()) return up.error();
      if (auto r = (*up)->Bind(1, matter_id).Bind(2, int64_t{version}).Run(); !r.ok()) {
        return r.error();
      }
    }
    if (auto s = Append(tx, actor, "matter.draft_saved", matter_id,
                        {{"version", version}, {"name", def.name}, {"note", note}});
        !s.ok()) {
      return s.error();
    }
    auto id = tx.conn().Prepare("SELECT id FROM matter_versions WHERE matter_id=?1 AND version=?2");
    if (!id.ok()) return id.error();
    (*id)->Bind(1, matter_id).Bind(2, int64_t{version});
    if (auto r = (*id)->Step(); !r.ok() || !*r) return NotFound();
    return (*id)->Int64(0);
  });
  if (!vid.ok()) return vid.error();
  return Version(*vid);
}

Result<MatterVersion> CatalogStore::Publish(int64_t matter_id, const Actor& actor) {
  auto vid = db_.Write<int64_t>([&](WriteTx& tx) -> Result<int64_t> {
    auto st = tx.conn().Prepare("SELECT draft_version, published_version FROM matters WHERE id=?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, matter_id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound();
    auto draft = (*st)->OptionalInt64(0);
    auto published = (*st)->OptionalInt64(1);
    (*st)->Reset();
    if (!draft) {
      return MakeError(ErrorCode::kFailedPrecondition, "catalog.no_draft", "没有待发布的草稿版本");
    }
    for (const char* sql :
         {"UPDATE matter_versions SET status='superseded' WHERE matter_id=?1 AND status='published'",
          "UPDATE matter_versions SET status='published', published_at_ms=?3 "
          "WHERE matter_id=?1 AND version=?2",
          "UPDATE matters SET published_version=?2, draft_version=NULL WHERE id=?1"}) {
      auto up = tx.conn().Prepare(sql);
      if (!up.ok()) return up.error();
      (*up)->Bind(1, matter_id);
      if (std::string_view(sql).find("?2") != std::string_view::npos) (*up)->Bind(2, *draft);
      if (std::string_view(sql).find("?3") != std::string_view::npos) {
        (*up)->Bind(3, ToUnixMillis(actor.at));
      }
      if (auto r = (*up)->Run(); !r.ok()) return r.error();
    }
    json::object data{{"version", *draft}};
    if (published) data["superseded_version"] = *published;
    if (auto s = Append(tx, actor, "matter.published", matter_id, data); !s.ok()) {
      return s.error();
    }
    auto id = tx.conn().Prepare("SELECT id FROM matter_versions WHERE matter_id=?1 AND version=?2");
    if (!id.ok()) return id.error();
    (*id)->Bind(1, matter_id).Bind(2, *draft);
    if (auto r = (*id)->Step(); !r.ok() || !*r) return NotFound();
    return (*id)->Int64(0);
  });
  if (!vid.ok()) return vid.error();
  return Version(*vid);
}

Result<std::vector<MatterSummary>> CatalogStore::List(const MatterQuery& q) const {
  return db_.Read<std::vector<MatterSummary>>(
      [&](Connection& c) -> Result<std::vector<MatterSummary>> {
        std::string sql = std::string(kSummarySelect) +
                          " WHERE (CAST(?1 AS BIGINT) IS NULL OR m.department_id = ?1)"
                          " AND (CAST(?2 AS TEXT) IS NULL OR v.category = ?2)"
                          " AND (CAST(?3 AS TEXT) IS NULL OR instr(v.name, ?3) > 0 OR instr(m.code, ?3) > 0)"
                          " AND (?4 = 0 OR m.published_version IS NOT NULL)"
                          " ORDER BY m.code";
        auto st = c.Prepare(sql);
        if (!st.ok()) return st.error();
        Statement& s = **st;
        s.Bind(1, q.department_id);
        if (q.category) {
          s.Bind(2, catalog::PowerCategoryName(*q.category));
        } else {
          s.BindNull(2);
        }
        s.Bind(3, q.q).Bind(4, int64_t{q.published_only});
        std::vector<MatterSummary> out;
        while (true) {
          auto row = s.Step();
          if (!row.ok()) return row.error();
          if (!*row) break;
          out.push_back(ReadSummary(s));
        }
        return out;
      });
}

Result<MatterSummary> CatalogStore::Get(int64_t matter_id) const {
  return db_.Read<MatterSummary>([&](Connection& c) -> Result<MatterSummary> {
    auto st = c.Prepare(std::string(kSummarySelect) + " WHERE m.id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, matter_id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound();
    return ReadSummary(**st);
  });
}

Result<std::vector<MatterVersion>> CatalogStore::Versions(int64_t matter_id) const {
  return db_.Read<std::vector<MatterVersion>>(
      [&](Connection& c) -> Result<std::vector<MatterVersion>> {
        auto st = c.Prepare(std::string(kVersionSelect) +
                            " WHERE matter_id = ?1 ORDER BY version DESC");
        if (!st.ok()) return st.error();
        (*st)->Bind(1, matter_id);
        std::vector<MatterVersion> out;
        while (true) {
          auto row = (*st)->Step();
          if (!row.ok()) return row.error();
          if (!*row) break;
          auto v = ReadVersion(**st);
          if (!v.ok()) return v.error();
          out.push_back(std::move(*v));
        }
        return out;
      });
}

Result<MatterVersion> CatalogStore::Version(int64_t version_id) const {
  return db_.Read<MatterVersion>([&](Connection& c) {
    return QueryVersion(c, "WHERE id = ?1", [&](Statement& s) { s.Bind(1, version_id); });
  });
}

Result<MatterVersion> CatalogStore::PublishedByCode(const std::string& code) const {
  return db_.Read<MatterVersion>([&](Connection& c) {
    return QueryVersion(c,
                        "WHERE status = 'published' AND matter_id = "
                        "(SELECT id FROM matters WHERE code = ?1)",
                        [&](Statement& s) { s.Bind(1, std::string_view(code)); });
  });
}

}  // namespace xn::store
