export const kRegionLevels = [
  { value: 'province', label: '省', type: 'danger' },
  { value: 'city', label: '市', type: 'warning' },
  { value: 'county', label: '县（区）', type: 'success' },
];
export function RegionLevel(level) {
  return kRegionLevels.find((l) => l.value === level) || { label: level, type: 'info' };
}
