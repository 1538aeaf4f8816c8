// Server errors on a form: `detail` as a message, `field` highlighted on its el-form-item.
import { reactive } from 'vue';
import { ElMessage } from 'element-plus';

export function useFieldErrors() {
  const errors = reactive({});
  function Clear() {
    for (const k of Object.keys(errors)) delete errors[k];
  }
  // Shows an ApiError; returns true if it named a field.
  function Show(e) {
    Clear();
    if (e && e.status === 401) return false;
    if (e && e.field) {
      errors[e.field] = e.message;
    }
    ElMessage.error((e && e.message) || '操作失败');
    return !!(e && e.field);
  }
  return { errors, Clear, Show };
}

export function FormatDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
