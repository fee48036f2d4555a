// The search box: an ARIA combobox over the bilingual search (Chinese
// words, pinyin, English, near spellings). Results show the entity, its
// kind and the part of the name that matched; ↑ ↓ choose, Enter opens,
// Escape closes.

import { kindLabels, request, type EntityRef, type KindInfo } from "./api";
import { h, marked, uid } from "./dom";
import { lang, t } from "./i18n";
import { entityHref, navigate } from "./router";
import Search from "./search.graphql";
import { kindBadge, nameText } from "./ui";

interface Hit {
  tier: string;
  field: string;
  matched: string;
  highlights: { text: string; start: number; end: number }[];
  entity: EntityRef;
}

interface SearchData {
  search: { totalCount: number; nodes: Hit[] };
  kinds: KindInfo[];
}

export interface SearchBoxOptions {
  label: string;
  // onPick is called with the chosen entity; by default its page opens.
  onPick?: (e: EntityRef) => void;
  value?: string;
  name?: string;
}

export function searchBox(opts: SearchBoxOptions): HTMLElement {
  const inputId = uid("search");
  const listId = uid("results");
  const hintId = uid("hint");
  const status = h("p", { class: "search-status", role: "status", "aria-live": "polite" });
  const list = h("ul", { id: listId, role: "listbox", class: "results", "aria-label": opts.label, hidden: true });
  const input = h("input", {
    id: inputId,
    type: "search",
    name: opts.name ?? "q",
    autocomplete: "off",
    spellcheck: "false",
    role: "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
    "aria-describedby": hintId,
  });
  if (opts.value) input.value = opts.value;
  const pick = opts.onPick ?? ((e: EntityRef) => navigate(entityHref(e.key)));

  let hits: Hit[] = [];
  let active = -1;
  let seq = 0;
  let timer = 0;

  const setActive = (i: number) => {
    active = i;
    const options = list.querySelectorAll<HTMLElement>("[role=option]");
    options.forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
    if (i >= 0 && options[i]) {
      input.setAttribute("aria-activedescendant", options[i].id);
      options[i].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  };
  const choose = (hit: Hit) => {
    // A search still to come or on its way would open the list again.
    window.clearTimeout(timer);
    seq++;
    close();
    if (opts.onPick) input.value = hit.entity.label;
    pick(hit.entity);
  };

  const show = (data: SearchData) => {
    const kinds = kindLabels(data.kinds);
    hits = data.search.nodes;
    list.replaceChildren(
      ...hits.map((hit, i) => {
        // The name shown, and what matched with the found part marked
        // (in the name itself when that is what matched).
        const first = hit.highlights[0];
        const matchedText = first?.text ?? hit.matched;
        const matched = marked(matchedText, hit.highlights.filter((x) => x.text === matchedText));
        const inName = matchedText === hit.entity.label;
        const opt = h(
          "li",
          { id: `${listId}-${i}`, role: "option", "aria-selected": "false", class: "result" },
          inName ? h("strong", null, matched) : nameText(hit.entity, "strong"),
          " ",
          kindBadge(hit.entity.kind, kinds),
          inName ? null : h("span", { class: "also" }, " · ", matched),
        );
        // mousedown, not click: the input's blur would close the list first.
        opt.addEventListener("mousedown", (e) => {
          e.preventDefault();
          choose(hit);
        });
        return opt;
      }),
    );
    const n = data.search.totalCount;
    status.textContent = n === 0 ? t("noResults") : `${n} ${t("results")}`;
    list.hidden = hits.length === 0;
    input.setAttribute("aria-expanded", String(hits.length > 0));
    setActive(-1);
  };

  const run = async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) {
      hits = [];
      list.replaceChildren();
      status.textContent = "";
      close();
      return;
    }
    try {
      const data = await request<SearchData>(Search, { query: q, lang: lang() });
      if (mine === seq) show(data);
    } catch (err) {
      if (mine === seq) status.textContent = `${t("error")}: ${(err as Error).message}`;
    }
  };

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 120);
  });
  input.addEventListener("keydown", (e) => {
    switch (e.key) {
      case "ArrowDown":
        if (hits.length === 0) return;
        e.preventDefault();
        if (list.hidden) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        setActive((active + 1) % hits.length);
        break;
      case "ArrowUp":
        if (hits.length === 0) return;
        e.preventDefault();
        setActive(active <= 0 ? hits.length - 1 : active - 1);
        break;
      case "Enter":
        e.preventDefault();
        if (hits.length > 0) choose(hits[Math.max(active, 0)]);
        break;
      case "Escape":
        if (!list.hidden) {
          e.preventDefault();
          close();
        }
        break;
    }
  });
  input.addEventListener("blur", () => window.setTimeout(close, 100));
  input.addEventListener("focus", () => {
    if (hits.length > 0) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
  });

  return h(
    "div",
    { class: "search" },
    h("label", { for: inputId }, opts.label),
    h("div", { class: "combo" }, input, list),
    h("p", { id: hintId, class: "hint" }, t("searchHint")),
    status,
  );
}

// home is the start page: the search box and where else to go.
export function homeContent(): Node {
  const box = searchBox({ label: t("searchLabel") });
  return h("section", { class: "home" }, h("h1", null, t("title")), h("p", null, t("searchIntro")), box);
}
