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
