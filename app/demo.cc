#include "app/demo.h"

#include <algorithm>
#include <map>

#include "store/identity/password.h"

namespace xn::app {
namespace {

struct DemoDepartment {
  const char* key;  // short code, used in usernames and window codes
  const char* name;
  const char* short_name;
  bool has_window;
};

// The departments of the demo city; those with a window staff the service center.
const DemoDepartment kDepartments[] = {
    {"xzfw", "晋江市行政服务中心管理委员会", "行政服务中心", true},
    {"xnb", "晋江市机关效能建设领导小组办公室", "效能办", false},
    {"fgj", "晋江市发展和改革局", "发改局", true},
    {"scjg", "晋江市市场监督管理局", "市场监管局", true},
    {"zrzy", "晋江市自然资源局", "自然资源局", true},
    {"zjj", "晋江市住房和城乡建设局", "住建局", true},
    {"sthj", "泉州市晋江生态环境局", "生态环境局", true},
    {"jtys", "晋江市交通运输局", "交通运输局", true},
    {"wjj", "晋江市卫生健康局", "卫健局", true},
    {"jyj", "晋江市教育局", "教育局", true},
    {"gaj", "晋江市公安局", "公安局", true},
    {"rsj", "晋江市人力资源和社会保障局", "人社局", true},
    {"mzj", "晋江市民政局", "民政局", true},
    {"czj", "晋江市财政局", "财政局", false},
    {"nyj", "晋江市农业农村局", "农业农村局", true},
    {"slj", "晋江市水利局", "水利局", true},
    {"wtl", "晋江市文化体育和旅游局", "文体旅局", true},
    {"swj", "晋江市商务局", "商务局", true},
    {"yjj", "晋江市应急管理局", "应急局", true},
    {"cgj", "晋江市城市管理局", "城管局", true},
};

struct DemoSection {
  const char* department;
  const char* name;
};
const DemoSection kSections[] = {
    {"scjg", "登记注册股"}, {"scjg", "食品经营许可股"}, {"zrzy", "规划许可股"},
    {"zrzy", "不动产登记股"}, {"zjj", "建筑业管理股"},   {"fgj", "投资股"},
    {"xnb", "督查股"},      {"xnb", "投诉受理股"},
};

struct DemoUser {
  const char* username;
  const char* display_name;
  const char* role;
  const char* department;  // key, or "" for none
  const char* section;     // name, or ""
  bool at_window;
  const char* region;      // region code, or "" for the department's
};
const DemoUser kUsers[] = {
    {"sysadmin", "系统管理员", "system-admin", "", "", false, "350582"},
    {"secadmin", "安全管理员", "security-admin", "", "", false, "350582"},
    {"auditadmin", "安全审计员", "audit-admin", "", "", false, "350582"},
    {"clerk.scjg", "林晓燕", "clerk", "scjg", "登记注册股", true, ""},
    {"handler.scjg", "陈志强", "handler", "scjg", "登记注册股", false, ""},
    {"head.scjg", "王建国", "department-head", "scjg", "", false, ""},
    {"clerk.zrzy", "黄丽华", "clerk", "zrzy", "规划许可股", true, ""},
    {"handler.zrzy", "吴海滨", "handler", "zrzy", "规划许可股", false, ""},
    {"head.zrzy", "许文斌", "department-head", "zrzy", "", false, ""},
    {"clerk.zjj", "蔡雅琴", "clerk", "zjj", "建筑业管理股", true, ""},
    {"clerk.fgj", "张宏伟", "clerk", "fgj", "投资股", true, ""},
    {"supervisor", "郑明辉", "supervisor", "xnb", "督查股", false, "350582"},
    {"leader", "李振华", "leader", "", "", false, "350582"},
    {"monitor", "施美玲", "monitor", "", "", false, "350582"},
    {"agent", "洪家豪", "proxy-agent", "xzfw", "", false, ""},
    {"applicant", "晋江市恒达鞋业有限公司", "applicant", "", "", false, ""},
};

}  // namespace

const std::vector<DemoLogin>& DemoLogins() {
  static const std::vector<DemoLogin> kLogins = [] {
    std::vector<DemoLogin> out;
    for (const auto& u : kUsers) {
      const auto* role = identity::FindBuiltinRole(u.role);
      std::string who = role ? role->title : u.role;
      for (const auto& d : kDepartments) {
        if (std::string(d.key) == u.department) who += "（" + std::string(d.short_name) + "）";
      }
      out.push_back({u.username, u.role, who});
    }
    out.push_back({"clerk.<部门>", "clerk", "其余各部门同样有 clerk./handler./head. 加部门简码的账号"});
    return out;
  }();
  return kLogins;
}

Status SeedDemoCity(store::IdentityStore& s, const store::Actor& actor) {
  using identity::RegionLevel;
  const store::Region regions[] = {
      {"350000", "福建省", RegionLevel::kProvince, std::nullopt},
      {"350500", "泉州市", RegionLevel::kCity, "350000"},
      {"350582", "晋江市", RegionLevel::kCounty, "350500"},
      {"350581", "石狮市", RegionLevel::kCounty, "350500"},
      {"350583", "南安市", RegionLevel::kCounty, "350500"},
  };
  for (const auto& r : regions) {
    if (auto c = s.CreateRegion(r, actor); !c.ok()) return c.error();
  }

  std::map<std::string, int64_t> dept_ids;
  for (const auto& d : kDepartments) {
    auto c = s.CreateDepartment({0, std::string("350582-") + d.key, d.name, d.short_name, "350582"},
                                actor);
    if (!c.ok()) return c.error();
    dept_ids[d.key] = c->id;
  }
  // One department of a neighbouring city, so region scopes have something to exclude.
  if (auto c = s.CreateDepartment(
          {0, "350581-scjg", "石狮市市场监督管理局", "石狮市场监管局", "350581"}, actor);
      !c.ok()) {
    return c.error();
  }

  std::map<std::string, int64_t> section_ids;
  for (const auto& sec : kSections) {
    auto c = s.CreateSection({0, dept_ids[sec.department], sec.name}, actor);
    if (!c.ok()) return c.error();
    section_ids[std::string(sec.department) + "/" + sec.name] = c->id;
  }

  std::map<std::string, int64_t> window_ids;
  int n = 0;
  for (const auto& d : kDepartments) {
    if (!d.has_window) continue;
    ++n;
    store::Window w;
    char code[16];
    std::snprintf(code, sizeof code, "%c%02d", n <= 9 ? 'A' : 'B', n <= 9 ? n : n - 9);
    w.code = code;
    w.name = std::string(d.short_name) + "窗口";
    w.department_id = dept_ids[d.key];
    w.hall = n <= 9 ? "一楼综合受理区" : "二楼专业审批区";
    auto c = s.CreateWindow(w, actor);
    if (!c.ok()) return c.error();
    window_ids[d.key] = c->id;
  }

  // Every demo account shares the printed demo password; one argon2id hash serves them all
  // (the demo is public by design; real accounts each get their own salt).
  const std::string hash = store::HashPassword(kDemoPassword);
  for (const auto& u : kUsers) {
    store::NewUser nu;
    nu.username = u.username;
    nu.display_name = u.display_name;
    nu.password_hash = hash;
    std::string dept = u.department;
    if (!dept.empty()) {
      nu.department_id = dept_ids[dept];
      if (*u.section) nu.section_id = section_ids[dept + "/" + u.section];
      if (u.at_window) nu.window_id = window_ids[dept];
    }
    if (*u.region) nu.region_code = u.region;
    if (auto c = s.CreateUser(nu, {u.role}, actor); !c.ok()) return c.error();
  }
  // Every other department of the service center gets its window clerk, handler and head too,
  // named clerk.<key>, handler.<key>, head.<key>.
  static const char* kSurnames[] = {"陈", "林", "黄", "吴", "许", "蔡", "洪", "施", "王", "张"};
  static const char* kGiven[] = {"志明", "丽娟", "建华", "秀英", "国强", "雅婷", "文杰", "晓峰"};
  int k = 0;
  for (const auto& d : kDepartments) {
    if (!d.has_window) continue;
    for (const char* role : {"clerk", "handler", "department-head"}) {
      std::string prefix = std::string(role) == "department-head" ? "head" : role;
      std::string username = prefix + "." + d.key;
      bool exists = std::any_of(std::begin(kUsers), std::end(kUsers),
                                [&](const DemoUser& u) { return username == u.username; });
      if (exists) continue;
      store::NewUser nu;
      nu.username = username;
      nu.display_name = std::string(kSurnames[k % 10]) + kGiven[(k / 10 + k) % 8];
      ++k;
      nu.password_hash = hash;
      nu.department_id = dept_ids[d.key];
      if (std::string(role) == "clerk") nu.window_id = window_ids[d.key];
      if (auto c = s.CreateUser(nu, {role}, actor); !c.ok()) return c.error();
    }
  }
  return Ok();
}

}  // namespace xn::app
