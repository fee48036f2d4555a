// Pieces every view shows the same way: an entity link with its kind, a
// quote that opens its source, an error.

import { ApiError, type EntityRef, type Kind, type Source } from "./api";
import { h } from "./dom";
import { lang, t } from "./i18n";
import { documentHref, entityHref, type Rendered } from "./router";

// kindColors gives every kind a colour, the same in the graph, its legend
// and the badges; each has at least 4.5:1 contrast with white text.
const kindColors: Record<string, string> = {
  DISTRICT: "#b3261e",
  PARK: "#1b6e3c",
  COMPANY: "#1f57a8",
  LAB: "#7a3fb0",
  TALENT_PROGRAM: "#a1520b",
  COUNTY: "#8a1c54",
  CITY: "#8c2d19",
  REGION: "#5b5f1f",
  PLACE: "#56606b",
  UNIVERSITY: "#0f6b75",
  INSTITUTE: "#34618f",
  GOVERNMENT_BODY: "#6b4c2e",
  ALLIANCE: "#4f5d9c",
  ORGANIZATION: "#4d6b53",
  POLICY: "#8e3b74",
  PROGRAM: "#9a4a2a",
  PLATFORM: "#2f6f6a",
  PROJECT: "#7b5a00",
  RAIL_LINE: "#3d4f8a",
  ROAD: "#5e5e5e",
  RENEWAL_PROJECT: "#866012",
  RIVER_PROJECT: "#1d6a8c",
  AID_PROJECT: "#9c3d3d",
  BRAND: "#a02f6d",
  PRODUCT: "#3f6e20",
  INDUSTRY: "#6a4a9e",
  PUBLICATION: "#585b2a",
  AWARD: "#8a5a00",
  MARKET: "#2e5c7a",
};

export function kindColor(kind: Kind): string {
  return kindColors[kind] ?? "#555555";
}

export function kindBadge(kind: Kind, labels: Map<Kind, string>): HTMLElement {
  return h("span", { class: "kind", style: `background:${kindColor(kind)}` }, labels.get(kind) ?? kind);
}

// nameText is an entity's label; where English was asked for and the
// label is the Chinese name (no English one known), it is marked as
// Chinese, so that it is read and drawn as Chinese, and says why.
export function nameText(e: { name: string; label: string }, tag: "span" | "strong" = "span"): HTMLElement {
  const fallback = lang() === "EN" && e.label === e.name && /\p{Script=Han}/u.test(e.name);
  return h(tag, { lang: fallback ? "zh-Hans" : null, title: fallback ? t("noEnglish") : null }, e.label);
}

export function entityLink(e: EntityRef, kinds: Map<Kind, string>): HTMLElement {
  return h("span", { class: "entity-ref" }, h("a", { href: entityHref(e.key) }, nameText(e)), " ", kindBadge(e.kind, kinds));
}

// quoteLink shows the words of a source; following it opens the document
// with them highlighted.
export function quoteLink(s: Source | null | undefined): HTMLElement | null {
  if (!s) return null;
  return h(
    "a",
    { class: "quote", href: documentHref(s.document.key, s.quote), lang: "zh-Hans" },
    h("q", null, s.quote),
  );
}

export function errorView(err: unknown): Rendered {
  const code = err instanceof ApiError ? err.code : "";
  const message = err instanceof Error ? err.message : String(err);
  return {
    title: t("error"),
    content: h(
      "section",
      null,
      h("h1", null, t("error")),
      h("p", { role: "alert" }, message, code ? ` (${code})` : ""),
    ),
  };
}

export function notFound(what: string): Rendered {
  return {
    title: t("notFound"),
    content: h("section", null, h("h1", null, t("notFound")), h("p", { role: "alert" }, what)),
  };
}

export function pageTitle(s: string): string {
  return `${s} · ${t("title")}`;
}
