#include "store/materials/material_store.h"

#include <openssl/sha.h>

#include <map>

#include <boost/json.hpp>

namespace xn::store {
namespace json = boost::json;
using db::Connection;
using db::Statement;
using db::WriteTx;

namespace {

constexpr const char* kInfoSelect =
    "SELECT m.id, m.owner_code, m.name, m.file_name, m.media_type, m.sha256, m.trust, "
    "m.size_bytes, m.source_case_id, COALESCE(c.case_no, ''), m.created_by, m.created_at_ms "
    "FROM materials m LEFT JOIN cases c ON c.id = m.source_case_id";

MaterialInfo ReadInfo(const Statement& s, int base = 0) {
  MaterialInfo m;
  m.id = s.Int64(base + 0);
  m.owner_code = s.Text(base + 1);
  m.name = s.Text(base + 2);
  m.file_name = s.Text(base + 3);
  m.media_type = s.Text(base + 4);
  m.sha256 = s.Text(base + 5);
  m.trust = s.Text(base + 6);
  m.size_bytes = s.Int64(base + 7);
  m.source_case_id = s.OptionalInt64(base + 8);
  m.source_case_no = s.Text(base + 9);
  m.created_by = s.Text(base + 10);
  m.created_at = FromUnixMillis(s.Int64(base + 11));
  return m;
}

Error NotFound() { return MakeError(ErrorCode::kNotFound, "not_found", "材料不存在"); }

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : md) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Result<MaterialInfo> MaterialStore::Put(const std::string& owner_code, const std::string& name,
                                        const std::string& file_name,
                                        const std::string& media_type, std::string_view data,
                                        cases::Trust trust, std::optional<int64_t> source_case_id,
                                        const Actor& actor, bool* reused) {
  const std::string sha = Sha256Hex(data);
  auto id = db_.Write<int64_t>([&](WriteTx& tx) -> Result<int64_t> {
    auto found = tx.conn().Prepare("SELECT id FROM materials WHERE owner_code=?1 AND sha256=?2");
    if (!found.ok()) return found.error();
    (*found)->Bind(1, std::string_view(owner_code)).Bind(2, std::string_view(sha));
    auto row = (*found)->Step();
    if (!row.ok()) return row.error();
    if (*row) {
      *reused = true;
      int64_t existing = (*found)->Int64(0);
      (*found)->Reset();
      return existing;
    }
    (*found)->Reset();
    *reused = false;
    auto st = tx.conn().Prepare(
        "INSERT INTO materials(owner_code, name, file_name, media_type, size_bytes, sha256, "
        "trust, source_case_id, data, created_by, created_at_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!st.ok()) return st.error();
    Statement& s = **st;
    s.Bind(1, std::string_view(owner_code)).Bind(2, std::string_view(name));
    s.Bind(3, std::string_view(file_name)).Bind(4, std::string_view(media_type));
    s.Bind(5, static_cast<int64_t>(data.size())).Bind(6, std::string_view(sha));
    s.Bind(7, cases::TrustName(trust)).Bind(8, source_case_id);
    s.BindBlob(9, data.data(), data.size());
    s.Bind(10, std::string_view(actor.id)).Bind(11, ToUnixMillis(actor.at));
    if (auto r = s.Run(); !r.ok()) return r.error();
    int64_t id = tx.conn().LastInsertRowId();
    json::object ev{{"owner_code", owner_code}, {"name", name},      {"sha256", sha},
                    {"size_bytes", data.size()}, {"media_type", media_type},
                    {"trust", cases::TrustName(trust)}};
    auto e = tx.AppendEvent({ToUnixMillis(actor.at), actor.id, "material.stored",
                             "material:" + std::to_string(id), json::serialize(ev)});
    if (!e.ok()) return e.error();
    return id;
  });
  if (!id.ok()) return id.error();
  return Get(*id);
}

Result<MaterialInfo> MaterialStore::Get(int64_t id) const {
  return db_.Read<MaterialInfo>([&](Connection& c) -> Result<MaterialInfo> {
    auto st = c.Prepare(std::string(kInfoSelect) + " WHERE m.id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound();
    return ReadInfo(**st);
  });
}

Result<std::string> MaterialStore::Content(int64_t id) const {
  return db_.Read<std::string>([&](Connection& c) -> Result<std::string> {
    auto st = c.Prepare("SELECT data FROM materials WHERE id = ?1");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, id);
    auto row = (*st)->Step();
    if (!row.ok()) return row.error();
    if (!*row) return NotFound();
    return (*st)->Blob(0);
  });
}

Result<std::vector<MaterialInfo>> MaterialStore::ListByOwner(const std::string& owner) const {
  return db_.Read<std::vector<MaterialInfo>>(
      [&](Connection& c) -> Result<std::vector<MaterialInfo>> {
        auto st = c.Prepare(std::string(kInfoSelect) + " WHERE m.owner_code = ?1 ORDER BY m.id");
        if (!st.ok()) return st.error();
        (*st)->Bind(1, std::string_view(owner));
        std::vector<MaterialInfo> out;
        while (true) {
          auto row = (*st)->Step();
          if (!row.ok()) return row.error();
          if (!*row) break;
          out.push_back(ReadInfo(**st));
        }
        return out;
      });
}

Result<CaseMaterial> MaterialStore::Attach(int64_t case_id, int64_t material_id,
                                           const std::string& requirement, const Actor& actor) {
  auto reused = db_.Write<bool>([&](WriteTx& tx) -> Result<bool> {
    auto prior = tx.conn().Prepare(
        "SELECT COUNT(*) FROM case_materials WHERE material_id = ?1 AND case_id != ?2");
    if (!prior.ok()) return prior.error();
    (*prior)->Bind(1, material_id).Bind(2, case_id);
    if (auto r = (*prior)->Step(); !r.ok()) return r.error();
    bool used_before = (*prior)->Int64(0) > 0;
    (*prior)->Reset();
    auto st = tx.conn().Prepare(
        "INSERT INTO case_materials(case_id, material_id, requirement, reused, attached_at_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st.ok()) return st.error();
    (*st)->Bind(1, case_id).Bind(2, material_id).Bind(3, std::string_view(requirement));
    (*st)->Bind(4, int64_t{used_before}).Bind(5, ToUnixMillis(actor.at));
    if (auto r = (*st)->Run(); !r.ok()) {
      if (r.error().category == ErrorCode::kConflict) {
        return MakeError(ErrorCode::kConflict, "materials.already_attached",
                         "该材料已附在本办件上", "material_id");
      }
      return r.error();
    }
    json::object ev{{"material_id", material_id}, {"requirement", requirement},
                    {"reused", used_before}};
    auto e = tx.AppendEvent({ToUnixMillis(actor.at), actor.id, "case.material_attached",
                             "case:" + std::to_string(case_id), json::serialize(ev)});
    if (!e.ok()) return e.error();
    return used_before;
  });
  if (!reused.ok()) return reused.error();
  auto info = Get(material_id);
  if (!info.ok()) return info.error();
  return CaseMaterial{std::move(*info), requirement, *reused, actor.at};
}

Result<std::vector<CaseMaterial>> MaterialStore::OfCase(int64_t case_id) const {
  return db_.Read<std::vector<CaseMaterial>>(
      [&](Connection& c) -> Result<std::vector<CaseMaterial>> {
        auto st = c.Prepare(std::string(kInfoSelect) +
                            " JOIN case_materials cm ON cm.material_id = m.id "
                            "WHERE cm.case_id = ?1 ORDER BY cm.attached_at_ms");
        if (!st.ok()) return st.error();
        (*st)->Bind(1, case_id);
        // The join's own columns are read by a second statement: simpler than widening the
        // shared select.
        auto links = c.Prepare(
            "SELECT material_id, requirement, reused, attached_at_ms FROM case_materials "
            "WHERE case_id = ?1");
        if (!links.ok()) return links.error();
        (*links)->Bind(1, case_id);
        std::map<int64_t, CaseMaterial> by_id;
        while (true) {
          auto row = (*links)->Step();
          if (!row.ok()) return row.error();
          if (!*row) break;
          CaseMaterial cm;
          cm.requirement = (*links)->Text(1);
          cm.reused = (*links)->Int64(2) != 0;
          cm.attached_at = FromUnixMillis((*links)->Int64(3));
          by_id[(*links)->Int64(0)] = std::move(cm);
        }
        std::vector<CaseMaterial> out;
        while (true) {
          auto row = (*st)->Step();
          if (!row.ok()) return row.error();
          if (!*row) break;
          MaterialInfo info = ReadInfo(**st);
          CaseMaterial cm = by_id[info.id];
          cm.material = std::move(info);
          out.push_back(std::move(cm));
        }
        return out;
      });
}

}  // namespace xn::store
