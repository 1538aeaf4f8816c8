// Routes (history mode). Each page names the permission it needs in meta.permission; the layout
// shows the 403 page (无权访问) in place of a page the user may not open, keeping the URL.
import { createRouter, createWebHistory } from 'vue-router';
import { useSessionStore } from '../stores/session';
import { SetUnauthorizedHandler } from '../api/http';
import AppLayout from '../layouts/AppLayout.vue';
import LoginView from '../views/LoginView.vue';

export const routes = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true, title: '登录' } },
  {
    // The public portal: its own layout, no login.
    path: '/portal',
    component: () => import('../views/portal/PortalLayout.vue'),
    meta: { public: true },
    children: [
      { path: '', name: 'portal', component: () => import('../views/portal/PowerListView.vue'), meta: { public: true, title: '网上办事大厅' } },
      { path: 'matters/:code', name: 'portal-guide', component: () => import('../views/portal/GuideView.vue'), meta: { public: true, title: '办事指南' } },
      { path: 'appointments', name: 'portal-appointments', component: () => import('../views/portal/AppointmentsView.vue'), meta: { public: true, title: '预约办事' } },
      { path: 'query', name: 'portal-query', component: () => import('../views/portal/QueryView.vue'), meta: { public: true, title: '办件查询' } },
    ],
  },
  {
    path: '/',
    component: AppLayout,
    children: [
      { path: '', name: 'home', component: () => import('../views/HomeView.vue'), meta: { title: '工作台' } },
      {
        path: 'org/regions',
        name: 'regions',
        component: () => import('../views/org/RegionsView.vue'),
        meta: { title: '行政区划', permission: 'org.read' },
      },
      {
        path: 'org/departments',
        name: 'departments',
        component: () => import('../views/org/DepartmentsView.vue'),
        meta: { title: '部门', permission: 'org.read' },
      },
      {
        path: 'org/windows',
        name: 'windows',
        component: () => import('../views/org/WindowsView.vue'),
        meta: { title: '窗口', permission: 'org.read' },
      },
      {
        path: 'admin/users',
        name: 'users',
        component: () => import('../views/users/UsersView.vue'),
        meta: { title: '用户管理', permission: ['users.write', 'grants.write'] },
      },
      {
        path: 'admin/roles',
        name: 'roles',
        component: () => import('../views/roles/RolesView.vue'),
        meta: { title: '角色权限', permission: 'roles.read' },
      },
      {
        path: 'audit',
        name: 'audit',
        component: () => import('../views/audit/AuditLogView.vue'),
        meta: { title: '审计日志', permission: 'audit.read' },
      },
      {
        path: 'calendar',
        name: 'calendar',
        component: () => import('../views/calendar/CalendarView.vue'),
        meta: { title: '工作日历', permission: 'calendar.read' },
      },
      {
        path: 'cases/inbox',
        name: 'inbox',
        component: () => import('../views/cases/InboxView.vue'),
        meta: { title: '我的待办', permission: 'cases.read' },
      },
      {
        path: 'cases/apply',
        name: 'apply',
        component: () => import('../views/cases/ApplyView.vue'),
        meta: { title: '在线申报', permission: 'cases.apply' },
      },
      {
        path: 'cases',
        name: 'cases',
        component: () => import('../views/cases/CasesView.vue'),
        meta: { title: '办件查询', permission: 'cases.read' },
      },
      {
        path: 'cases/projects',
        name: 'projects',
        component: () => import('../views/cases/ProjectsView.vue'),
        meta: { title: '重点项目', permission: 'cases.read' },
      },
      {
        path: 'cases/projects/:id(\\d+)',
        name: 'project',
        component: () => import('../views/cases/ProjectView.vue'),
        meta: { title: '重点项目详情', permission: 'cases.read' },
      },
      {
        path: 'cases/:id(\\d+)',
        name: 'case',
        component: () => import('../views/cases/CaseView.vue'),
        meta: { title: '办件详情', permission: 'cases.read' },
      },
      {
        path: 'supervision',
        name: 'supervision',
        component: () => import('../views/supervision/ConsoleView.vue'),
        meta: { title: '监察台', permission: 'supervision.read' },
      },
      {
        path: 'supervision/board',
        name: 'supervision-board',
        component: () => import('../views/supervision/BoardView.vue'),
        meta: { title: '红绿灯', permission: 'supervision.read' },
      },
      {
        path: 'supervision/alerts/:id(\\d+)',
        name: 'alert',
        component: () => import('../views/supervision/AlertView.vue'),
        meta: { title: '预警详情', permission: 'supervision.read' },
      },
      {
        path: 'supervision/orders',
        name: 'orders',
        component: () => import('../views/supervision/OrdersView.vue'),
        meta: { title: '督办单', permission: 'supervision.read' },
      },
      {
        path: 'supervision/orders/:id(\\d+)',
        name: 'order',
        component: () => import('../views/supervision/OrderView.vue'),
        meta: { title: '督办单详情', permission: 'supervision.read' },
      },
      {
        path: 'supervision/charts',
        name: 'supervision-charts',
        component: () => import('../views/supervision/ChartsView.vue'),
        meta: { title: '监察统计', permission: 'supervision.read' },
      },
      {
        path: 'supervision/rules',
        name: 'rules',
        component: () => import('../views/supervision/RulesView.vue'),
        meta: { title: '监察规则', permission: ['rules.write', 'supervision.read'] },
      },
      {
        path: 'catalog',
        name: 'catalog',
        component: () => import('../views/catalog/CatalogView.vue'),
        meta: { title: '权力清单', permission: ['catalog.write', 'org.read'] },
      },
      {
        path: 'catalog/new',
        name: 'matter-new',
        component: () => import('../views/catalog/MatterEditView.vue'),
        meta: { title: '新建事项', permission: 'catalog.write' },
      },
      {
        path: 'catalog/:id(\\d+)',
        name: 'matter-edit',
        component: () => import('../views/catalog/MatterEditView.vue'),
        meta: { title: '事项详情', permission: ['catalog.write', 'org.read'] },
      },
      {
        path: '403',
        name: 'forbidden',
        component: () => import('../views/ForbiddenView.vue'),
        meta: { title: '无权访问' },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('../views/NotFoundView.vue'),
        meta: { title: '页面不存在' },
      },
    ],
  },
];

export function CreateAppRouter(pinia) {
  const router = createRouter({ history: createWebHistory('/'), routes });

  router.beforeEach(async (to) => {
    const session = useSessionStore(pinia);
    if (!session.loaded) {
      try {
        await session.Load();
      } catch {
        // The server is unreachable; the login page will show the error on submit.
        session.Clear();
      }
    }
    if (to.meta.public) {
      if (to.name === 'login' && session.signedIn) return { path: '/' };
      return true;
    }
    if (!session.signedIn) {
      const query = to.fullPath !== '/' ? { redirect: to.fullPath } : {};
      if (session.expired) {
        query.reason = 'expired';
        session.expired = false;
      }
      return { name: 'login', query };
    }
    return true;
  });

  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} - 效能监察系统` : '效能监察系统';
  });

  // A 401 from any call: the session is gone (expired after 30 minutes idle, or revoked).
  SetUnauthorizedHandler((err) => {
    const session = useSessionStore(pinia);
    session.Clear();
    const current = router.currentRoute.value;
    if (current.name === 'login') return;
    const query = { reason: err.code === 'auth.session_expired' ? 'expired' : 'required' };
    if (current.fullPath && current.fullPath !== '/') query.redirect = current.fullPath;
    router.replace({ name: 'login', query });
  });

  return router;
}
