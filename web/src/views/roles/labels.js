// Chinese titles for role duties and data scopes.
export const kScopes = [
  { value: 'own', label: '本人' },
  { value: 'section', label: '本股室' },
  { value: 'department', label: '本部门' },
  { value: 'region', label: '本行政区划' },
  { value: 'all', label: '全部' },
];
export const kDuties = {
  business: { label: '业务', type: 'primary' },
  system: { label: '系统管理', type: 'success' },
  security: { label: '安全管理', type: 'warning' },
  audit: { label: '审计管理', type: 'danger' },
};
export function ScopeTitle(scope) {
  const s = kScopes.find((x) => x.value === scope);
  return s ? s.label : scope || '—';
}

// Titles of the permissions the web app knows; the server's /permissions list is authoritative.
export const kPermissionTitles = {
  'org.read': '查看组织机构',
  'org.write': '维护组织机构',
  'users.read': '查看用户',
  'users.write': '维护用户',
  'roles.read': '查看角色',
  'roles.write': '维护角色',
  'grants.write': '分配角色',
  'audit.read': '查看审计日志',
  'calendar.read': '查看工作日历',
  'calendar.write': '维护工作日历',
  'supervision.read': '查看电子监察',
  'supervision.reply': '说明预警、答复督办',
  'supervision.write': '督办、核实与办结',
  'rules.write': '维护监察规则',
};
