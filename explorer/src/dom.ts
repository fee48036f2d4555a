// A few helpers to build the page from data without ever parsing data as
// HTML: every text goes in as a text node.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

// h makes an element: attributes whose value is a function are event
// listeners (onclick → click), false or null ones are left out.
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === false || value === null || value === undefined) continue;
      if (typeof value === "function") {
        el.addEventListener(name.replace(/^on/, ""), value);
      } else {
        el.setAttribute(name, value === true ? "" : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

// marked returns text with the code-point ranges [start, end) wrapped in
// <mark>.
export function marked(text: string, ranges: { start: number; end: number }[]): Node[] {
  const chars = Array.from(text);
  const out: Node[] = [];
  let at = 0;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    const start = Math.max(r.start, at);
    const end = Math.min(r.end, chars.length);
    if (end <= start) continue;
    if (start > at) out.push(document.createTextNode(chars.slice(at, start).join("")));
    out.push(h("mark", null, chars.slice(start, end).join("")));
    at = end;
  }
  if (at < chars.length) out.push(document.createTextNode(chars.slice(at).join("")));
  return out;
}

let ids = 0;

// uid returns an id no other element of the page has.
export function uid(prefix: string): string {
  ids++;
  return `${prefix}-${ids}`;
}
