// Words and colours of electronic supervision: alert levels (提醒 blue, 黄牌 yellow, 红牌 red),
// alert and order states, rule kinds and targets.

export const kLevels = [
  { value: 'reminder', label: '提醒', tag: 'primary', color: '#409eff' },
  { value: 'yellow', label: '黄牌', tag: 'warning', color: '#e6a23c' },
  { value: 'red', label: '红牌', tag: 'danger', color: '#f56c6c' },
];
// Orders have a third rung: the accountability dossier.
export const kOrderLevels = [
  { value: 'yellow', label: '黄牌督办', tag: 'warning', color: '#e6a23c' },
  { value: 'red', label: '红牌督办', tag: 'danger', color: '#f56c6c' },
  { value: 'dossier', label: '问责材料', tag: 'danger', color: '#a8071a', dark: true },
];
const kLevelMap = Object.fromEntries([...kLevels, ...kOrderLevels.filter((l) => l.value === 'dossier')].map((l) => [l.value, l]));
export function LevelLabel(level) {
  return (kLevelMap[level] && kLevelMap[level].label) || level || '';
}
export function LevelTag(level) {
  return (kLevelMap[level] && kLevelMap[level].tag) || 'info';
}
export function LevelColor(level) {
  return (kLevelMap[level] && kLevelMap[level].color) || '#909399';
}

export const kAlertStates = [
  { value: 'open', label: '待说明', tag: 'danger' },
  { value: 'explained', label: '已说明', tag: 'warning' },
  { value: 'ordered', label: '已督办', tag: 'primary' },
  { value: 'closed', label: '已办结', tag: 'success' },
];
export const kOrderStates = [
  { value: 'open', label: '待答复', tag: 'danger' },
  { value: 'replied', label: '待核实', tag: 'warning' },
  { value: 'verified', label: '已核实', tag: 'success' },
  { value: 'escalated', label: '已升级', tag: 'info' },
];
function Finder(list) {
  const m = Object.fromEntries(list.map((x) => [x.value, x]));
  return {
    Label: (v) => (m[v] && m[v].label) || v || '',
    Tag: (v) => (m[v] && m[v].tag) || 'info',
  };
}
export const AlertState = Finder(kAlertStates);
export const OrderState = Finder(kOrderStates);

export const kRuleKinds = { time: '时限规则', event: '事件规则' };
export const kTargets = {
  case: '办件',
  step: '办理环节',
  complaint: '效能投诉',
  supervision_order: '督办单',
};

// The days to answer an order opened by hand, offered in the dialog (the server decides).
export const kOrderDays = [1, 2, 3, 5, 7, 10, 15];
