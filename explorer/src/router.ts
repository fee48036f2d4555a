// Stable URLs under /explore, moved between with the history API: links
// inside the app change the view without a page load, back and forward
// redraw the view of their URL, and every URL also opens directly (the
// server answers each with the same page).

export const base = "/explore";

// A View draws the page for a URL: it fetches what it needs (one request)
// and returns the content, which the router puts in place unless another
// navigation came first. mounted runs once the content is in the page
// (charts need their size).
export interface Rendered {
  title: string;
  content: Node;
  mounted?: () => void;
}

export interface Route {
  params: string[];
  query: URLSearchParams;
}

export type View = (route: Route) => Promise<Rendered>;

interface Entry {
  pattern: RegExp;
  view: View;
}

const table: Entry[] = [];

export function route(pattern: RegExp, view: View): void {
  table.push({ pattern, view });
}

let main: HTMLElement;
let onError: (err: unknown) => Rendered;
let generation = 0;
// unmount tears down what the current view set up (charts).
let unmounts: (() => void)[] = [];

export function onUnmount(f: () => void): void {
  unmounts.push(f);
}

export function start(el: HTMLElement, errorView: (err: unknown) => Rendered): void {
  main = el;
  onError = errorView;
  document.addEventListener("click", (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.("a");
    if (!a || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !isApp(url.pathname)) return;
    e.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
  window.addEventListener("popstate", () => void render(false));
  void render(true);
}

function isApp(path: string): boolean {
  return path === base || path.startsWith(base + "/");
}

// navigate shows url as a new history entry.
export function navigate(url: string, replace = false): void {
  if (replace) {
    history.replaceState(null, "", url);
  } else {
    history.pushState(null, "", url);
  }
  void render(false);
}

// refresh draws the current URL again (after a language switch).
export function refresh(): void {
  void render(false);
}

async function render(first: boolean): Promise<void> {
  const gen = ++generation;
  const path = location.pathname.replace(/\/+$/, "") || base;
  const query = new URLSearchParams(location.search);
  let out: Rendered | null = null;
  main.setAttribute("aria-busy", "true");
  for (const { pattern, view } of table) {
    const m = pattern.exec(path);
    if (!m) continue;
    try {
      out = await view({ params: m.slice(1).map(decodeURIComponent), query });
    } catch (err) {
      out = onError(err);
    }
    break;
  }
  if (gen !== generation) return; // a later navigation won
  if (!out) out = onError(new Error("no such page"));
  for (const u of unmounts) u();
  unmounts = [];
  main.replaceChildren(out.content);
  main.removeAttribute("aria-busy");
  document.title = out.title;
  out.mounted?.();
  if (!first) {
    // Tell screen readers where they are: focus the new view's heading.
    const heading = main.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
    if (!location.hash) window.scrollTo(0, 0);
  }
  if (location.hash) {
    document.getElementById(location.hash.slice(1))?.scrollIntoView({ block: "center" });
  }
  window.dispatchEvent(new CustomEvent("tupu:rendered", { detail: { path } }));
}

// href builds an app URL from path segments and query parameters (those
// with empty values left out).
export function href(segments: string[], query: Record<string, string | undefined> = {}): string {
  const path = [base, ...segments.map(encodeURIComponent)].join("/");
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export function entityHref(key: string): string {
  return href(["e", key]);
}

export function documentHref(key: string, quote?: string): string {
  return href(["doc", key], { quote }) + (quote ? "#quote" : "");
}
