// Choices for the supervision filters, from the supervision API itself: the departments in my
// scope (the board has one row per department) and the rules in force.
import { api } from '../../api/http';

export async function ScopeDepartments() {
  try {
    const r = await api.get('/alerts/board');
    return ((r && r.items) || [])
      .map((d) => ({ id: d.department_id, name: d.department_name }))
      .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
  } catch {
    return [];
  }
}

export async function RulesInForce() {
  try {
    const r = await api.get('/rules');
    return (r && r.rules) || [];
  } catch {
    return [];
  }
}

// Drops empty values and turns a date range into from/to.
export function AlertParams(f) {
  const out = { ...f };
  delete out.range;
  if (f.range && f.range.length === 2) {
    out.from = f.range[0];
    out.to = f.range[1];
  }
  return out;
}

// One order. The contract lists orders but names no read of one order, so when the server has no
// GET /supervision-orders/{id} (404) the order is looked for in the list, page by page.
export async function FetchOrder(id) {
  try {
    return await api.get(`/supervision-orders/${id}`);
  } catch (e) {
    if (e.status !== 404 && e.status !== 405) throw e;
  }
  const want = Number(id);
  for (let page = 1; page <= 50; page++) {
    const r = await api.get('/supervision-orders', { page, page_size: 200 });
    const items = (r && r.items) || [];
    const hit = items.find((o) => o.id === want);
    if (hit) return hit;
    if (items.length < 200 || page * 200 >= (r.total || 0)) break;
  }
  const err = new Error('督办单不存在或不在您的范围内');
  err.status = 404;
  throw err;
}
