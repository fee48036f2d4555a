// The entity page, /explore/e/{key}: names in both languages, kind,
// description; the facts with the words that state each; the relations,
// grouped by predicate and paged. One request draws it all; "more
// relations" asks for the next page.

import {
  kindLabels,
  predicateLabels,
  request,
  type EntityRef,
  type Kind,
  type KindInfo,
  type PredicateInfo,
  type Source,
} from "./api";
import { h } from "./dom";
import EntityPage from "./entity.graphql";
import { lang, number, qualifierLabel, t } from "./i18n";
import EntityRelations from "./relations.graphql";
import { href, type Rendered, type Route } from "./router";
import { entityLink, kindBadge, nameText, notFound, pageTitle, quoteLink } from "./ui";

export interface Fact {
  property: string;
  label: string | null;
  value: number | null;
  text: string | null;
  unit: string | null;
  normalizedValue: number | null;
  normalizedUnit: string | null;
  period: string | null;
  qualifier: string | null;
  note: string | null;
  source: Source;
}

interface RelationEdge {
  predicate: string;
  direction: "OUT" | "IN";
  node: EntityRef;
  source: Source | null;
}

interface RelationPage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: RelationEdge[];
}

interface Entity {
  key: string;
  kind: Kind;
  name: string;
  nameEn: string | null;
  label: string;
  aliases: string[];
  description: string | null;
  note: string | null;
  source: Source | null;
  facts: Fact[];
  relations: RelationPage;
}

interface EntityData {
  entity: Entity | null;
  predicates: PredicateInfo[];
  kinds: KindInfo[];
}

export async function entityView(r: Route): Promise<Rendered> {
  const key = r.params[0];
  const data = await request<EntityData>(EntityPage, { key, lang: lang() });
  const e = data.entity;
  if (!e) return notFound(key);
  const kinds = kindLabels(data.kinds);
  const preds = predicateLabels(data.predicates);

  const names = h(
    "p",
    { class: "names" },
    h("span", { lang: "zh-Hans" }, e.name),
    e.nameEn ? [" · ", h("span", { lang: "en" }, e.nameEn)] : null,
  );
  const details = h(
    "dl",
    { class: "details" },
    h("dt", null, t("kind")),
    h("dd", null, kindBadge(e.kind, kinds)),
    e.aliases.length > 0 ? [h("dt", null, t("aliases")), h("dd", null, e.aliases.join("、"))] : null,
    e.description ? [h("dt", null, t("description")), h("dd", { lang: "en" }, e.description)] : null,
    e.note ? [h("dt", null, t("note")), h("dd", { lang: "en" }, e.note)] : null,
    e.source ? [h("dt", null, t("namedIn")), h("dd", null, quoteLink(e.source))] : null,
  );
  const actions = h(
    "p",
    { class: "actions" },
    h("a", { href: href(["e", e.key, "graph"]) }, t("graphView")),
    " · ",
    h("a", { href: href(["paths"], { from: e.key }) }, t("pathsFrom")),
  );

  const content = h(
    "article",
    { class: "entity" },
    h("h1", null, nameText(e), " ", kindBadge(e.kind, kinds)),
    names,
    details,
    actions,
    factsSection(e),
    relationsSection(e, preds, kinds),
  );
  return {
    title: pageTitle(e.label),
    content,
    mounted: () => performance.mark("tupu:entity-rendered"),
  };
}

function factsSection(e: Entity): HTMLElement {
  const head = h("h2", { id: "facts" }, t("facts"));
  if (e.facts.length === 0) return h("section", null, head, h("p", null, t("noFacts")));
  // A property stated for several periods is a series: link to its chart.
  const periods = new Map<string, number>();
  for (const f of e.facts) periods.set(f.property, (periods.get(f.property) ?? 0) + 1);
  const rows = e.facts.map((f) =>
    h(
      "tr",
      null,
      h(
        "th",
        { scope: "row" },
        h("span", { lang: f.label && lang() === "ZH" ? "zh-Hans" : null }, f.label ?? f.property),
        h("br"),
        h("a", { class: "property", href: href(["figures"], { property: f.property }), title: t("figuresOf") }, f.property),
        (periods.get(f.property) ?? 0) > 1
          ? [" · ", h("a", { href: href(["figures"], { property: f.property, entity: e.key }) }, t("series"))]
          : null,
      ),
      h("td", { class: "num" }, f.value !== null ? String(f.value) : null, f.text ? h("span", { class: "text", lang: "zh-Hans" }, f.value !== null ? ` ${f.text}` : f.text) : null),
      h("td", null, f.unit ?? ""),
      h("td", { class: "num" }, f.normalizedValue !== null ? `${number(f.normalizedValue)} ${f.normalizedUnit ?? ""}` : ""),
      h("td", null, f.period ?? ""),
      h("td", null, qualifierLabel(f.qualifier)),
      h("td", { class: "source" }, quoteLink(f.source)),
    ),
  );
  return h(
    "section",
    null,
    head,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "facts" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ...(["property", "value", "unit", "normalized", "period", "qualifier", "source"] as const).map((w) =>
              h("th", { scope: "col" }, t(w)),
            ),
          ),
        ),
        h("tbody", null, rows),
      ),
    ),
  );
}

function relationsSection(e: Entity, preds: Map<string, PredicateInfo>, kinds: Map<Kind, string>): HTMLElement {
  const section = h("section", { class: "relations" }, h("h2", { id: "relations" }, t("relations")));
  if (e.relations.totalCount === 0) {
    section.append(h("p", null, t("noRelations")));
    return section;
  }
  const groups = h("div", { class: "groups" });
  const lists = new Map<string, { list: HTMLElement; count: HTMLElement; n: number }>();
  let shown = 0;
  const counter = h("p", { class: "shown", role: "status" });
  const more = h("button", { type: "button", class: "more" }, t("moreRelations"));

  const add = (page: RelationPage) => {
    for (const edge of page.edges) {
      const id = `${edge.direction}:${edge.predicate}`;
      let g = lists.get(id);
      if (!g) {
        const p = preds.get(edge.predicate);
        const label = p?.label ?? edge.predicate;
        const count = h("span", { class: "count" });
        const list = h("ul", { class: "related" });
        groups.append(
          h(
            "section",
            { class: "group" },
            h("h3", { title: p?.description ?? null }, edge.direction === "OUT" ? `${label} →` : `← ${label}`, " ", count),
            list,
          ),
        );
        g = { list, count, n: 0 };
        lists.set(id, g);
      }
      g.n++;
      g.count.textContent = `(${g.n})`;
      g.list.append(h("li", null, entityLink(edge.node, kinds), edge.source ? [" ", quoteLink(edge.source)] : null));
      shown++;
    }
    counter.textContent = `${shown} ${t("shownOf")} ${page.totalCount}`;
    more.hidden = !page.pageInfo.hasNextPage;
    more.dataset.after = page.pageInfo.endCursor ?? "";
  };
  add(e.relations);

  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const data = await request<{ entity: { relations: RelationPage } | null }>(EntityRelations, {
        key: e.key,
        after: more.dataset.after,
        lang: lang(),
      });
      if (data.entity) add(data.entity.relations);
    } catch (err) {
      counter.textContent = `${t("error")}: ${(err as Error).message}`;
    } finally {
      more.disabled = false;
    }
  });
  section.append(groups, counter, more);
  return section;
}
