// The signed-in user: who they are, what they may do, and the CSRF token for writes.
import { defineStore } from 'pinia';
import { api, SetCsrfTokenSource } from '../api/http';

export const useSessionStore = defineStore('session', {
  state: () => ({
    user: null, // the /me body
    csrfToken: '',
    loaded: false, // /me has been asked at least once
    expired: false, // the last session ended by the idle timeout
  }),
  getters: {
    signedIn: (s) => !!s.user,
    permissions: (s) => new Set((s.user && s.user.permissions) || []),
  },
  actions: {
    // PERMISSION is one name, or a list of names of which any one suffices.
    Can(permission) {
      if (!permission) return true;
      if (Array.isArray(permission)) return permission.some((p) => this.permissions.has(p));
      return this.permissions.has(permission);
    },
    SetMe(me) {
      this.user = me;
      this.expired = false;
      if (me && me.csrf_token) this.csrfToken = me.csrf_token;
      this.loaded = true;
    },
    Clear() {
      this.user = null;
      this.csrfToken = '';
      this.loaded = true;
    },
    // Loads /me; returns false when there is no valid session.
    async Load() {
      try {
        const me = await api.get('/me', undefined, { skipAuthRedirect: true });
        this.SetMe(me);
        return true;
      } catch (e) {
        if (e.status === 401) {
          this.Clear();
          this.expired = e.code === 'auth.session_expired';
          return false;
        }
        throw e;
      }
    },
    async Login(username, password) {
      const r = await api.post('/auth/login', { username, password }, { skipAuthRedirect: true });
      this.csrfToken = r.csrf_token || '';
      // /me has the full picture (permissions, department); fall back to the login body.
      try {
        const me = await api.get('/me', undefined, { skipAuthRedirect: true });
        this.SetMe({ ...me, csrf_token: me.csrf_token || this.csrfToken });
      } catch {
        this.SetMe({ ...(r.user || {}), csrf_token: this.csrfToken });
      }
    },
    async Logout() {
      try {
        await api.post('/auth/logout', undefined, { skipAuthRedirect: true });
      } finally {
        this.Clear();
      }
    },
  },
});

export function InstallCsrfSource(store) {
  SetCsrfTokenSource(() => store.csrfToken);
}
