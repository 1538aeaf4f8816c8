// Background polling that does not keep an idle session alive for ever.
//
// Every API request renews the session, so a page that polls would defeat the 30-minute idle
// timeout. Polls therefore run only while the tab is visible and someone has used the page
// (mouse, keyboard, touch, scroll) in the last kIdlePauseMs; they resume, at once, on the next input.
import { onBeforeUnmount, onMounted, ref } from 'vue';

export const kIdlePauseMs = 5 * 60 * 1000;

let lastInput = Date.now();
let listening = false;
const wakers = new Set();

function OnInput(wake = false) {
  const wasIdle = Date.now() - lastInput > kIdlePauseMs;
  lastInput = Date.now();
  if (wasIdle || wake) for (const w of wakers) w();
}
function Listen() {
  if (listening) return;
  listening = true;
  for (const ev of ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'scroll']) {
    window.addEventListener(ev, () => OnInput(), { passive: true, capture: true });
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) OnInput(true);
  });
}

export function UserIdle() {
  return Date.now() - lastInput > kIdlePauseMs;
}

// Calls FN every INTERVAL_MS (after the previous call has finished) while the page is in use;
// `paused` tells the page when it is waiting for the user.
export function usePolling(fn, intervalMs, { immediate = false } = {}) {
  const paused = ref(false);
  let timer = null;
  let stopped = true;
  let running = false;

  async function Tick() {
    timer = null;
    if (stopped) return;
    if (document.hidden || UserIdle()) {
      paused.value = true;
      return; // a waker starts it again
    }
    paused.value = false;
    if (!running) {
      running = true;
      try {
        await fn();
      } catch {
        // The next tick tries again.
      } finally {
        running = false;
      }
    }
    if (!stopped) timer = setTimeout(Tick, intervalMs);
  }
  function Wake() {
    if (stopped || timer || running) return;
    Tick();
  }
  function Start() {
    Listen();
    if (!stopped) return;
    stopped = false;
    wakers.add(Wake);
    if (immediate) Tick();
    else timer = setTimeout(Tick, intervalMs);
  }
  function Stop() {
    stopped = true;
    wakers.delete(Wake);
    clearTimeout(timer);
    timer = null;
  }
  onMounted(Start);
  onBeforeUnmount(Stop);
  return { paused, Start, Stop };
}
