// A paged list backed by GET <path>?page&page_size&<filters> → {items, total}.
import { reactive, ref } from 'vue';
import { ElMessage } from 'element-plus';
import { api } from '../api/http';

export function usePagedList(path, initialFilters = {}, { pageSize = 20, transform } = {}) {
  const items = ref([]);
  const total = ref(0);
  const page = ref(1);
  const size = ref(pageSize);
  const loading = ref(false);
  const filters = reactive({ ...initialFilters });

  async function Load() {
    loading.value = true;
    try {
      const raw = { ...filters };
      const params = transform ? transform(raw) : raw;
      const r = await api.get(typeof path === 'function' ? path() : path, {
        ...params,
        page: page.value,
        page_size: size.value,
      });
      items.value = (r && r.items) || [];
      total.value = (r && r.total) || 0;
    } catch (e) {
      if (e.status !== 401) ElMessage.error(e.message);
    } finally {
      loading.value = false;
    }
  }
  function Search() {
    page.value = 1;
    return Load();
  }
  function Reset() {
    for (const k of Object.keys(filters)) delete filters[k];
    Object.assign(filters, initialFilters);
    return Search();
  }
  function OnSizeChange(s) {
    size.value = s;
    page.value = 1;
    return Load();
  }
  function OnPageChange(p) {
    page.value = p;
    return Load();
  }
  return { items, total, page, size, loading, filters, Load, Search, Reset, OnSizeChange, OnPageChange };
}

// Fetches every item of a list (for selects), up to the server's page_size limit of 200.
export async function FetchAll(path, params = {}, limit = 200) {
  const r = await api.get(path, { ...params, page: 1, page_size: limit });
  return (r && r.items) || [];
}
