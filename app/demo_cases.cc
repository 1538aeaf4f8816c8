#include "app/demo_cases.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <random>

#include "domain/cases/fixed_flow.h"
#include "store/flow/bpmn_import.h"

namespace xn::app {
namespace {

using catalog::LimitUnit;
using catalog::PowerCategory;

struct DemoMatter {
  const char* department;  // demo department key
  const char* number;
  const char* name;
  PowerCategory category;
  const char* basis;
  int statutory;
  int promised;
  LimitUnit unit;
  int64_t fee_fen;  // 0: free of charge
  const char* materials;  // separated by '|'
};

// Real-world matters of a county-level service center, with their usual legal basis and limits.
const DemoMatter kMatters[] = {
    {"fgj", "001", "企业投资项目备案", PowerCategory::kOther,
     "《企业投资项目核准和备案管理条例》第十三条", 3, 1, LimitUnit::kWorkingDays, 0,
     "项目备案申请表|企业营业执照"},
    {"fgj", "002", "企业投资项目核准", PowerCategory::kLicensing,
     "《企业投资项目核准和备案管理条例》第九条", 20, 10, LimitUnit::kWorkingDays, 0,
     "项目申请报告|用地预审意见|环评批复"},
    {"scjg", "001", "食品经营许可", PowerCategory::kLicensing,
     "《中华人民共和国食品安全法》第三十五条", 20, 10, LimitUnit::kWorkingDays, 0,
     "食品经营许可申请书|营业执照|经营场所平面图|食品安全管理制度"},
    {"scjg", "002", "食品生产许可", PowerCategory::kLicensing,
     "《中华人民共和国食品安全法》第三十五条", 20, 15, LimitUnit::kWorkingDays, 0,
     "食品生产许可申请书|生产场所平面图|工艺流程图|设备清单"},
    {"scjg", "003", "企业设立登记", PowerCategory::kLicensing,
     "《中华人民共和国市场主体登记管理条例》第十九条", 3, 1, LimitUnit::kWorkingDays, 0,
     "设立登记申请书|公司章程|股东主体资格证明|住所使用证明"},
    {"scjg", "004", "特种设备使用登记", PowerCategory::kLicensing,
     "《中华人民共和国特种设备安全法》第三十三条", 15, 5, LimitUnit::kWorkingDays, 0,
     "使用登记表|产品合格证|监督检验证书"},
    {"zrzy", "001", "建设用地规划许可证核发", PowerCategory::kLicensing,
     "《中华人民共和国城乡规划法》第三十七条", 20, 10, LimitUnit::kWorkingDays, 0,
     "申请表|建设项目批准文件|用地红线图"},
    {"zrzy", "002", "建设工程规划许可证核发", PowerCategory::kLicensing,
     "《中华人民共和国城乡规划法》第四十条", 20, 10, LimitUnit::kWorkingDays, 0,
     "申请表|土地权属证明|建设工程设计方案"},
    {"zrzy", "003", "不动产首次登记", PowerCategory::kConfirmation,
     "《不动产登记暂行条例》第二十条", 30, 5, LimitUnit::kWorkingDays, 8000,
     "不动产登记申请书|身份证明|不动产权属来源证明"},
    {"zrzy", "004", "乡村建设规划许可证核发", PowerCategory::kLicensing,
     "《中华人民共和国城乡规划法》第四十一条", 20, 10, LimitUnit::kWorkingDays, 0,
     "申请表|宅基地使用证明|建设方案"},
    {"zjj", "001", "建筑工程施工许可证核发", PowerCategory::kLicensing,
     "《中华人民共和国建筑法》第八条；《建筑工程施工许可管理办法》第五条", 7, 3,
     LimitUnit::kWorkingDays, 0, "施工许可申请表|规划许可证|施工合同|安全措施资料"},
    {"zjj", "002", "商品房预售许可", PowerCategory::kLicensing,
     "《城市商品房预售管理办法》第七条", 10, 5, LimitUnit::kWorkingDays, 0,
     "预售许可申请表|土地使用权证|施工许可证|预售方案"},
    {"zjj", "003", "建筑业企业资质核准", PowerCategory::kLicensing,
     "《中华人民共和国建筑法》第十三条", 20, 10, LimitUnit::kWorkingDays, 0,
     "资质申请表|企业营业执照|人员证书"},
    {"sthj", "001", "建设项目环境影响报告表审批", PowerCategory::kLicensing,
     "《中华人民共和国环境影响评价法》第二十二条", 30, 15, LimitUnit::kCalendarDays, 0,
     "环境影响报告表|审批申请函"},
    {"sthj", "002", "排污许可证核发", PowerCategory::kLicensing, "《排污许可管理条例》第十三条",
     20, 10, LimitUnit::kWorkingDays, 0, "排污许可证申请表|自行监测方案"},
    {"jtys", "001", "道路货物运输经营许可", PowerCategory::kLicensing,
     "《中华人民共和国道路运输条例》第二十四条", 20, 10, LimitUnit::kWorkingDays, 0,
     "申请表|车辆行驶证|驾驶员从业资格证"},
    {"jtys", "002", "出租汽车经营许可", PowerCategory::kLicensing,
     "《巡游出租汽车经营服务管理规定》第十二条", 20, 10, LimitUnit::kWorkingDays, 0,
     "申请表|经营方案|车辆购置承诺"},
    {"wjj", "001", "医疗机构执业登记", PowerCategory::kLicensing,
     "《医疗机构管理条例》第十七条", 45, 20, LimitUnit::kWorkingDays, 0,
     "执业登记申请书|设置医疗机构批准书|验资证明"},
    {"wjj", "002", "公共场所卫生许可", PowerCategory::kLicensing,
     "《公共场所卫生管理条例》第八条", 20, 5, LimitUnit::kWorkingDays, 0,
     "卫生许可申请表|场所平面图|卫生检测报告"},
    {"jyj", "001", "民办学校办学许可", PowerCategory::kLicensing,
     "《中华人民共和国民办教育促进法》第十三条", 60, 30, LimitUnit::kWorkingDays, 0,
     "办学申请书|章程|资产证明|校舍证明"},
    {"gaj", "001", "户口迁移", PowerCategory::kPublicService,
     "《中华人民共和国户口登记条例》第十条", 20, 5, LimitUnit::kWorkingDays, 0,
     "户口簿|居民身份证|迁入地证明"},
    {"rsj", "001", "社会保险登记", PowerCategory::kConfirmation,
     "《中华人民共和国社会保险法》第五十七条", 15, 1, LimitUnit::kWorkingDays, 0,
     "社会保险登记表|营业执照"},
    {"rsj", "002", "劳务派遣经营许可", PowerCategory::kLicensing,
     "《中华人民共和国劳动合同法》第五十七条", 20, 10, LimitUnit::kWorkingDays, 0,
     "许可申请书|营业执照|办公场所证明|管理制度"},
    {"mzj", "001", "社会团体成立登记", PowerCategory::kLicensing,
     "《社会团体登记管理条例》第十一条", 60, 30, LimitUnit::kWorkingDays, 0,
     "登记申请书|章程草案|验资报告|业务主管单位批准文件"},
    {"nyj", "001", "农药经营许可", PowerCategory::kLicensing, "《农药管理条例》第二十四条", 20,
     10, LimitUnit::kWorkingDays, 0, "申请表|经营场所证明|仓储设施清单"},
    {"slj", "001", "取水许可", PowerCategory::kLicensing, "《取水许可和水资源费征收管理条例》第十九条",
     45, 20, LimitUnit::kWorkingDays, 0, "取水许可申请书|水资源论证报告"},
    {"wtl", "001", "娱乐场所经营许可", PowerCategory::kLicensing, "《娱乐场所管理条例》第九条", 20,
     10, LimitUnit::kWorkingDays, 0, "申请书|营业执照|消防验收意见"},
    {"swj", "001", "对外贸易经营者备案登记", PowerCategory::kOther,
     "《中华人民共和国对外贸易法》第九条", 5, 1, LimitUnit::kWorkingDays, 0,
     "备案登记表|营业执照"},
    {"yjj", "001", "危险化学品经营许可", PowerCategory::kLicensing,
     "《危险化学品安全管理条例》第三十五条", 30, 15, LimitUnit::kWorkingDays, 0,
     "经营许可申请书|安全评价报告|从业人员资格证"},
    {"cgj", "001", "城市建筑垃圾处置核准", PowerCategory::kLicensing,
     "《城市建筑垃圾管理规定》第七条", 20, 10, LimitUnit::kWorkingDays, 0,
     "处置核准申请表|运输车辆清单|处置场所证明"},
};

const char* kCompanies[] = {"晋江市恒达鞋业有限公司", "福建晋江安踏体育用品有限公司",
                            "晋江市华宇纺织有限公司", "泉州市鑫源建材有限公司",
                            "晋江市海峡食品有限公司", "福建省闽南建设工程有限公司",
                            "晋江市新塘服装有限公司", "晋江市陈埭物流有限公司",
                            "晋江市金井石业有限公司", "晋江市磁灶陶瓷有限公司"};

// A valid unified social credit code built from a number (GB 32100 check character).
std::string CreditCode(int n) {
  static constexpr std::string_view kChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr int kWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  char base[18];
  std::snprintf(base, sizeof base, "91350582MA%07d", n % 10000000);
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += static_cast<int>(kChars.find(base[i])) * kWeights[i];
  return std::string(base, 17) + kChars[(31 - sum % 31) % 31];
}

struct Planned {
  Instant at;
  int case_index;
  cases::Action action;
  std::string who;  // demo username
};

}  // namespace

Status SeedDemoCases(db::Database& db, store::IdentityStore& identity,
                     store::CatalogStore& catalog, const calendar::Calendar& cal, Instant now) {
  auto departments = identity.ListDepartments();
  if (!departments.ok()) return departments.error();
  std::map<std::string, store::Department> dept_by_key;
  for (const auto& d : *departments) {
    if (d.code.rfind("350582-", 0) == 0) dept_by_key[d.code.substr(7)] = d;
  }
  auto users = identity.ListUsers();
  if (!users.ok()) return users.error();
  std::map<std::string, identity::Principal> staff;
  for (const auto& u : *users) {
    identity::Principal p;
    p.user_id = u.id;
    p.username = u.username;
    p.department_id = u.department_id;
    p.department_code = u.department_code;
    p.section_id = u.section_id;
    p.region_code = u.region_code;
    identity::ApplyRoles(p, u.roles);
    staff[u.username] = p;
  }

  // The power list, published (by the system on behalf of each department).
  const store::Actor demo{"demo", now - std::chrono::hours(24 * 90)};
  std::vector<store::MatterVersion> versions;
  for (const auto& m : kMatters) {
    catalog::MatterDef def;
    def.code = std::string("350582-") + m.department + "-" + m.number;
    for (auto& c : def.code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    def.name = m.name;
    def.category = m.category;
    def.legal_basis = m.basis;
    def.department_id = dept_by_key.at(m.department).id;
    def.statutory = {m.statutory, m.unit, ""};
    def.promised = {m.promised, m.unit, ""};
    if (m.fee_fen > 0) def.fees.push_back({"登记费", "《不动产登记收费标准》（发改价格规〔2016〕2559号）", m.fee_fen});
    std::string mats = m.materials;
    for (size_t pos = 0; pos <= mats.size();) {
      size_t end = mats.find('|', pos);
      if (end == std::string::npos) end = mats.size();
      def.materials.push_back({mats.substr(pos, end - pos), true, 1, ""});
      pos = end + 1;
    }
    def.description = std::string("申请人可通过网上办事大厅或行政服务中心") +
                      "窗口申请「" + m.name + "」，承诺 " + std::to_string(m.promised) +
                      std::string(catalog::LimitUnitTitle(m.unit)) + "内办结。";
    // A few matters carry a drawn flow (data/demo/flows/<code>.bpmn): joint review across
    // departments, a branch on the investment amount.
    if (std::ifstream in(std::string(XN_SOURCE_DIR) + "/data/demo/flows/" + def.code + ".bpmn");
        in) {
      def.flow_bpmn.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    def.commitment_allowed = std::string(m.name) == "公共场所卫生许可";
    def.verification_days = def.commitment_allowed ? 20 : 0;
    if (auto s = catalog::CheckMatter(def); !s.ok()) return s.error();
    auto created = catalog.Create(def, "首次发布", demo);
    if (!created.ok()) return created.error();
    auto published = catalog.Publish(created->id, demo);
    if (!published.ok()) return published.error();
    versions.push_back(std::move(*published));
  }

  // The lives of the cases, planned and then played in time order up to now.
  std::mt19937 rng(20131028);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto hours = [](int h) { return std::chrono::hours(h); };
  constexpr int kCases = 320;
  std::vector<cases::Case> all(kCases);
  std::vector<Planned> plan;
  for (int i = 0; i < kCases; ++i) {
    const auto& v = versions[uniform(0, static_cast<int>(versions.size()) - 1)];
    const std::string key = [&] {
      std::string code = v.def.code.substr(7);
      code = code.substr(0, code.find('-'));
      for (auto& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return code;
    }();
    const auto& d = dept_by_key.at(key);
    cases::Case& c = all[i];
    c.matter_version_id = v.id;
    c.matter_code = v.def.code;
    c.matter_name = v.def.name;
    c.department_id = d.id;
    c.department_code = d.code;
    c.applicant_kind = "enterprise";
    c.applicant_code = CreditCode(1000 + i);
    c.applicant_name = kCompanies[i % std::size(kCompanies)];
    c.contact_phone = "1380595" + std::to_string(1000 + i);
    bool online = uniform(0, 2) == 0;
    c.channel = online ? cases::Channel::kOnline : cases::Channel::kWindow;
    c.service_mode = online ? "online" : "window";
    if (online) c.applicant_user_id = staff.at("applicant").user_id;
    c.submitted_at = now - hours(uniform(2, 24 * 35));
    if (c.matter_code == "350582-FGJ-002") {
      c.data["investment"] = std::to_string(uniform(5, 300) * 1000000);
    }

    // Every department of the service center has its demo clerk, handler and head.
    bool staffed = staff.count("handler." + key) > 0 && staff.count("head." + key) > 0;
    std::string clerk = "clerk." + key, handler = "handler." + key, head = "head." + key;
    Instant t = c.submitted_at;
    if (!staffed) continue;
    const int fate = uniform(0, 99);
    t += hours(uniform(1, 30));
    if (fate < 5) {
      plan.push_back({t, i, {.kind = cases::ActionKind::kDecline, .reason = "申请事项不属于本机关职权范围"}, clerk});
      continue;
    }
    plan.push_back({t, i, {.kind = cases::ActionKind::kAccept}, clerk});
    if (fate < 25) {
      t += hours(uniform(4, 48));
      plan.push_back({t, i, {.kind = cases::ActionKind::kRequestCorrection,
                             .items = {"营业执照副本复印件", "法定代表人身份证明"}}, handler});
      if (fate < 10) continue;  // still waiting for the applicant
      t += hours(uniform(24, 24 * 8));
      plan.push_back({t, i, {.kind = cases::ActionKind::kResubmit}, online ? "applicant" : clerk});
    }
    if (fate >= 95) {
      t += hours(uniform(2, 24));
      plan.push_back({t, i, {.kind = cases::ActionKind::kWithdraw, .reason = "申请人主动撤回"},
                      online ? "applicant" : clerk});
      continue;
    }
    // Some handlers are slow: those cases run late.
    int pace = fate % 7 == 0 ? 5 : 1;
    // Steps are taken as the flow presents them ("*": whichever step is active, by its people).
    t += hours(uniform(4, 24 * 3) * pace);
    plan.push_back({t, i, {.kind = cases::ActionKind::kCompleteStep, .step_id = "*",
                           .opinion = "材料齐全，符合法定条件"}, ""});
    if (fate >= 90) {
      t += hours(uniform(2, 24));
      plan.push_back({t, i, {.kind = cases::ActionKind::kStartSpecialProcedure,
                             .reason = "专家评审", .days = 10,
                             .basis = "《中华人民共和国行政许可法》第四十五条",
                             .notice = "已书面告知申请人专家评审约需10个工作日"},
                      handler});
      t += hours(24 * uniform(5, 20));
      plan.push_back({t, i, {.kind = cases::ActionKind::kEndSpecialProcedure,
                             .reason = "专家评审通过"}, handler});
    }
    for (int step = 0; step < 3; ++step) {
      t += hours(uniform(2, 24 * 2) * pace);
      plan.push_back({t, i, {.kind = cases::ActionKind::kCompleteStep, .step_id = "*",
                             .opinion = "同意"}, ""});
    }
    t += hours(uniform(1, 24));
    bool refuse = fate % 11 == 0;
    plan.push_back({t, i, {.kind = cases::ActionKind::kConclude,
                           .reason = refuse ? "经审查，申请不符合法定条件" : "",
                           .decision = refuse ? cases::Decision::kRefuse : cases::Decision::kGrant},
                    head});
    int64_t fee = v.def.fees.empty() ? 0 : v.def.fees.front().amount_fen;
    if (!refuse && fee > 0) {
      t += hours(uniform(1, 24));
      plan.push_back({t, i, {.kind = cases::ActionKind::kCollectFee, .fee_item = "登记费",
                             .amount_fen = fee}, clerk});
    }
    t += hours(uniform(2, 24 * 4));
    plan.push_back({t, i, {.kind = cases::ActionKind::kDeliver, .reason = "窗口领取"}, clerk});
  }
  std::stable_sort(plan.begin(), plan.end(),
                   [](const Planned& a, const Planned& b) { return a.at < b.at; });

  // Submissions and actions interleave in time order; everything is one transaction.
  std::vector<std::pair<Instant, int>> submissions;
  for (int i = 0; i < kCases; ++i) submissions.emplace_back(all[i].submitted_at, i);
  std::sort(submissions.begin(), submissions.end());
  std::map<int64_t, std::shared_ptr<const cases::FixedFlow>> flows;
  std::map<int64_t, const store::MatterVersion*> by_version;
  for (const auto& v : versions) by_version[v.id] = &v;

  return db.WriteErased([&](db::WriteTx& tx) -> Status {
    size_t next_submission = 0;
    auto submit_until = [&](Instant limit) -> Status {
      while (next_submission < submissions.size() &&
             submissions[next_submission].first <= limit) {
        int i = submissions[next_submission++].second;
        store::Actor who{all[i].applicant_user_id ? "user:" + std::to_string(*all[i].applicant_user_id)
                                                  : "user:" + std::to_string(staff.at("clerk." + all[i].department_code.substr(7)).user_id),
                         all[i].submitted_at};
        char code[8];
        std::snprintf(code, sizeof code, "%06d", 100000 + (i * 7919) % 900000);
        auto stored = store::CaseStore::CreateIn(tx, all[i], code, who);
        if (!stored.ok()) return stored.error();
        all[i] = std::move(*stored);
      }
      return Ok();
    };
    for (const auto& p : plan) {
      if (p.at > now) continue;
      if (Status s = submit_until(p.at); !s.ok()) return s;
      cases::Case& c = all[p.case_index];
      const store::MatterVersion& v = *by_version.at(c.matter_version_id);
      auto& flow = flows[v.id];
      if (!flow) {
        if (v.def.flow_bpmn.empty()) {
          flow = std::make_shared<const cases::FixedFlow>(cases::DefaultFlow());
        } else {
          auto imported = flow::ImportBpmn(v.def.flow_bpmn);
          if (!imported.ok() || !imported->flow) {
            return MakeError(ErrorCode::kInternal, "demo.flow", "demo flow of " + v.def.code);
          }
          std::vector<std::string> codes;
          for (const auto& d : *departments) codes.push_back(d.code);
          auto resolved = cases::ResolveDepartments(*imported->flow, codes, "350582");
          if (!resolved.ok()) return resolved.error();
          flow = std::make_shared<const cases::FixedFlow>(std::move(*resolved));
        }
      }
      cases::Context ctx{cal, v.def, *flow};
      cases::Action action = p.action;
      std::string username = p.who;
      if (action.step_id == "*") {
        if (c.state != cases::CaseState::kInProgress || c.active_steps.empty()) continue;
        const auto& step = c.active_steps.front().def;
        std::string role = step.roles.empty() ? "handler" : step.roles.front();
        std::string dept = step.department_code.empty() ? c.department_code : step.department_code;
        username = (role == "department-head" ? "head" : role) + "." +
                   dept.substr(dept.rfind('-') + 1);
        action.step_id = step.id;
        if (!staff.count(username)) continue;
      }
      const identity::Principal& who = staff.at(username);
      auto outcome = cases::Decide(c, action, cases::Actor{&who, p.at}, ctx);
      if (!outcome.ok()) continue;  // a planned step that no longer applies (e.g. withdrawn)
      auto stored = store::CaseStore::ApplyIn(tx, *outcome, c.version,
                                              {"user:" + std::to_string(who.user_id), p.at});
      if (!stored.ok()) return stored.error();
      c = std::move(*stored);
    }
    return submit_until(now);
  });
}

}  // namespace xn::app
