// Words and colours for cases: states, traffic lights, event kinds, service modes, deadlines,
// and the check characters of applicant codes (the server checks them again).

export const kStates = [
  { value: 'submitted', label: '待受理', tag: 'primary' },
  { value: 'correction_pending', label: '待补正', tag: 'warning' },
  { value: 'in_progress', label: '办理中', tag: 'primary' },
  { value: 'special_procedure', label: '特别程序', tag: 'info' },
  { value: 'awaiting_decision', label: '待决定', tag: 'warning' },
  { value: 'concluded', label: '已办结', tag: 'success' },
  { value: 'delivered', label: '已送达', tag: 'success' },
  { value: 'declined', label: '不予受理', tag: 'danger' },
  { value: 'withdrawn', label: '已撤回', tag: 'info' },
];
const kStateMap = Object.fromEntries(kStates.map((s) => [s.value, s]));
export function StateLabel(state, title) {
  return title || (kStateMap[state] && kStateMap[state].label) || state || '';
}
export function StateTag(state) {
  return (kStateMap[state] && kStateMap[state].tag) || 'info';
}

export const kLights = {
  green: { label: '正常', color: '#52c41a' },
  yellow: { label: '临近', color: '#faad14' },
  red: { label: '超期', color: '#f5222d' },
  paused: { label: '暂停', color: '#a0a4ab' },
  none: { label: '—', color: 'transparent' },
};

export const kEventKinds = {
  'case.submitted': '申报',
  'case.accepted': '受理',
  'case.declined': '不予受理',
  'case.correction_requested': '补正告知',
  'case.resubmitted': '补正提交',
  'case.step_completed': '环节办结',
  'case.special_procedure_started': '特别程序开始',
  'case.special_procedure_ended': '特别程序结束',
  'case.extended': '延期',
  'case.concluded': '办结',
  'case.fee_collected': '收费',
  'case.delivered': '送达',
  'case.withdrawn': '撤回',
};
export const kEventColors = {
  'case.submitted': '#409eff',
  'case.accepted': '#409eff',
  'case.declined': '#f56c6c',
  'case.correction_requested': '#e6a23c',
  'case.resubmitted': '#409eff',
  'case.step_completed': '#67c23a',
  'case.special_procedure_started': '#909399',
  'case.special_procedure_ended': '#909399',
  'case.extended': '#e6a23c',
  'case.concluded': '#67c23a',
  'case.fee_collected': '#67c23a',
  'case.delivered': '#67c23a',
  'case.withdrawn': '#909399',
};

export const kDecisions = { grant: '准予许可', refuse: '不予许可', grant_on_commitment: '告知承诺准予' };

export const kServiceModes = [
  { value: 'online', label: '网上办' },
  { value: 'window', label: '窗口办' },
  { value: 'on_site', label: '上门办' },
  { value: 'appointment', label: '预约办' },
  { value: 'accompanied', label: '陪同办' },
];
export function ServiceModeLabel(v) {
  const m = kServiceModes.find((x) => x.value === v);
  return m ? m.label : v || '';
}

export const kUnits = [
  { value: 'working_days', label: '个工作日' },
  { value: 'calendar_days', label: '个自然日' },
  { value: 'hours', label: '小时' },
];
export function LimitText(limit) {
  if (!limit || limit.value === undefined) return '';
  const u = kUnits.find((x) => x.value === limit.unit);
  return `${limit.value} ${u ? u.label : limit.unit}`;
}

export function Yuan(fen) {
  const n = Number(fen || 0) / 100;
  return `${n.toFixed(2)} 元`;
}

// An investment in fen as 万元 (e.g. 32000.00 万元).
export function Wan(fen) {
  if (fen === null || fen === undefined) return '—';
  return `${(Number(fen) / 1000000).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} 万元`;
}

const p2 = (n) => String(n).padStart(2, '0');
// The server writes times in Beijing time ("2024-02-21T00:00:00+08:00"); they are shown as
// written, whatever the browser's own time zone.
function Parts(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(String(iso || ''));
  if (!m) return null;
  return { y: +m[1], mo: +m[2], d: +m[3], h: +m[4], mi: +m[5] };
}
function DateText(y, mo, d) {
  return `${y}-${p2(mo)}-${p2(d)}`;
}
// Milliseconds since the epoch → the ISO text in Beijing time.
export function IsoFromMillis(ms) {
  const t = new Date(Number(ms) + 8 * 3600 * 1000);
  return `${DateText(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate())}T${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:00+08:00`;
}
// A deadline is an instant (the first moment after the last counted day); "2024-02-21T00:00"
// reads better as 2024-02-20 24:00, which is how the law counts.
export function FormatDeadline(iso) {
  const t = Parts(iso);
  if (!t) return iso ? String(iso) : '';
  if (t.h === 0 && t.mi === 0) {
    const prev = new Date(Date.UTC(t.y, t.mo - 1, t.d) - 86400000);
    return `${DateText(prev.getUTCFullYear(), prev.getUTCMonth() + 1, prev.getUTCDate())} 24:00`;
  }
  return `${DateText(t.y, t.mo, t.d)} ${p2(t.h)}:${p2(t.mi)}`;
}
export function FormatMinute(iso) {
  const t = Parts(iso);
  if (!t) return iso ? String(iso) : '';
  return `${DateText(t.y, t.mo, t.d)} ${p2(t.h)}:${p2(t.mi)}`;
}

// GB 32100-2015: unified social credit code, 18 characters, the last a mod-31 check character.
export function ValidCreditCode(code) {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  if (!code || code.length !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = chars.indexOf(code[i]);
    if (v < 0) return false;
    sum += v * w[i];
  }
  return code[17] === chars[(31 - (sum % 31)) % 31];
}
// GB 11643-1999: citizen ID number, 17 digits and a mod-11 check character (0-9 or X).
export function ValidIdNumber(id) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  if (!id || id.length !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    if (id[i] < '0' || id[i] > '9') return false;
    sum += Number(id[i]) * w[i];
  }
  return id[17] === '10X98765432'[sum % 11];
}
// '' when fine, else the message to show.
export function ApplicantCodeError(kind, code) {
  const c = (code || '').trim();
  if (!c) return kind === 'enterprise' ? '请输入统一社会信用代码' : '请输入身份证号码';
  if (c.length !== 18) return '须为 18 位';
  if (kind === 'enterprise') {
    if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(c)) return '含有不允许的字符（不使用 I、O、Z、S、V）';
    return ValidCreditCode(c) ? '' : '校验码不符';
  }
  if (!/^\d{17}[\dX]$/.test(c)) return '前 17 位须为数字，末位为数字或 X';
  return ValidIdNumber(c) ? '' : '校验码不符';
}

export const kCategories = [
  { value: 'licensing', label: '行政许可' },
  { value: 'penalty', label: '行政处罚' },
  { value: 'coercion', label: '行政强制' },
  { value: 'levy', label: '行政征收' },
  { value: 'benefit', label: '行政给付' },
  { value: 'inspection', label: '行政检查' },
  { value: 'confirmation', label: '行政确认' },
  { value: 'reward', label: '行政奖励' },
  { value: 'adjudication', label: '行政裁决' },
  { value: 'other', label: '其他' },
  { value: 'public_service', label: '公共服务' },
];

export const kChannels = { online: '网上申报', window: '窗口收件', proxy: '代办' };

// The lines under an event in a case's timeline (办理记录), from its data.
export function EventLines(e) {
  const d = e.data || {};
  const out = [];
  switch (e.kind) {
    case 'case.submitted': out.push(`${kChannels[d.channel] || d.channel || ''}，服务方式：${ServiceModeLabel(d.service_mode)}`); break;
    case 'case.accepted':
    case 'case.resubmitted':
      if (d.promised_deadline_ms) out.push(`承诺办结：${FormatDeadline(IsoFromMillis(d.promised_deadline_ms))}`);
      if (d.statutory_deadline_ms) out.push(`法定期限：${FormatDeadline(IsoFromMillis(d.statutory_deadline_ms))}`);
      break;
    case 'case.correction_requested':
      out.push(`第 ${d.round || 1} 次告知，需补正：`);
      for (const [i, it] of String(d.items || '').split('\n').filter(Boolean).entries()) out.push(`${i + 1}. ${it}`);
      if (d.note) out.push(`说明：${d.note}`);
      break;
    case 'case.step_completed':
      if (d.opinion) out.push(`意见：${d.opinion}`);
      if (d.chosen) out.push(`选择：${d.chosen}`);
      break;
    case 'case.special_procedure_started':
      out.push(`事由：${d.reason}`, `依据：${d.basis}`, `告知：${d.notice}`);
      if (d.expected_days) out.push(`预计 ${d.expected_days} 天`);
      break;
    case 'case.special_procedure_ended': if (d.result) out.push(`结果：${d.result}`); break;
    case 'case.extended':
      out.push(`延长 ${d.days} 天，批准：${d.approval}`, `理由：${d.reason}`);
      if (d.statutory_deadline_ms) out.push(`新法定期限：${FormatDeadline(IsoFromMillis(d.statutory_deadline_ms))}`);
      break;
    case 'case.concluded':
      out.push(`决定：${kDecisions[d.decision] || d.decision}${d.reason ? `，理由：${d.reason}` : ''}`);
      if (d.remedies) out.push(d.remedies);
      if (Number(d.fee_due_fen)) out.push(`应收费用：${Yuan(d.fee_due_fen)}`);
      break;
    case 'case.fee_collected':
      out.push(`${d.fee_item}：${Yuan(d.amount_fen)}${d.within_standard === 'false' ? '（超出收费标准）' : ''}`);
      break;
    case 'case.delivered': if (d.method) out.push(`送达方式：${d.method}`); break;
    case 'case.declined':
    case 'case.withdrawn':
      if (d.reason) out.push(`理由：${d.reason}`);
      break;
    default: break;
  }
  return out;
}

