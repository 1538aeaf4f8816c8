// The left menu. An entry shows only when the user holds its permission; a group shows when
// at least one of its entries does.
export const menu = [
  { path: '/', title: '工作台', icon: 'HomeFilled' },
  { path: '/portal', title: '办事大厅', icon: 'Shop' },
  { path: '/cases/inbox', title: '我的待办', icon: 'Bell', permission: 'cases.read', staff: true },
  { path: '/cases', title: '办件查询', icon: 'Tickets', permission: 'cases.read', staff: true },
  { path: '/cases', title: '我的办件', icon: 'Tickets', permission: 'cases.read', party: true },
  { path: '/cases/projects', title: '重点项目', icon: 'Flag', permission: 'cases.read' },
  {
    title: '电子监察',
    icon: 'Monitor',
    children: [
      { path: '/supervision', title: '监察台', permission: 'supervision.read' },
      { path: '/supervision/board', title: '红绿灯', permission: 'supervision.read' },
      { path: '/supervision/orders', title: '督办单', permission: 'supervision.read' },
      { path: '/supervision/charts', title: '统计', permission: 'supervision.read' },
      { path: '/supervision/rules', title: '规则', permission: 'rules.write' },
    ],
  },
  { path: '/catalog', title: '权力清单', icon: 'Collection', permission: ['catalog.write', 'org.read'], staff: true },
  {
    title: '组织机构',
    icon: 'OfficeBuilding',
    children: [
      { path: '/org/regions', title: '行政区划', permission: 'org.read' },
      { path: '/org/departments', title: '部门', permission: 'org.read' },
      { path: '/org/windows', title: '窗口', permission: 'org.read' },
    ],
  },
  { path: '/admin/users', title: '用户管理', icon: 'User', permission: ['users.write', 'grants.write'] },
  { path: '/admin/roles', title: '角色权限', icon: 'Lock', permission: 'roles.read' },
  { path: '/audit', title: '审计日志', icon: 'Document', permission: 'audit.read' },
  { path: '/calendar', title: '工作日历', icon: 'Calendar', permission: 'calendar.read' },
];

// USER (optional, the /me body) tells staff from applicants: `staff` entries show to users whose
// data scope is wider than their own cases, `party` entries to applicants and agents.
export function VisibleMenu(can, user) {
  const out = [];
  const own = !!user && user.scope === 'own';
  for (const item of menu) {
    if (item.staff && own) continue;
    if (item.party && (!user || !own)) continue;
    if (item.children) {
      const children = item.children.filter((c) => can(c.permission));
      if (children.length) out.push({ ...item, children });
    } else if (can(item.permission)) {
      out.push(item);
    }
  }
  return out;
}
