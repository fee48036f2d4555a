// Figures, /explore/figures?property=…&order=asc|desc&entity=…: one
// property's facts across the graph, sorted by normalized value (base
// units, so 亿元 and 万元 compare), and, for an entity that states the
// property for several periods, its series as a line chart with the same
// values in a table.

import { kindLabels, request, type EntityRef, type KindInfo, type Source } from "./api";
import { draw } from "./charts";
import { h } from "./dom";
import Figures from "./figures.graphql";
import { lang, number, qualifierLabel, t } from "./i18n";
import { href, navigate, type Rendered, type Route } from "./router";
import { entityLink, nameText, pageTitle, quoteLink } from "./ui";

interface FigureFact {
  entity: EntityRef;
  label?: string | null;
  value: number | null;
  text?: string | null;
  unit: string | null;
  normalizedValue: number | null;
  normalizedUnit: string | null;
  period: string | null;
  qualifier: string | null;
  source: Source;
}

interface Data {
  properties: { property: string; label: string; units: string[]; count: number }[];
  facts?: { totalCount: number; nodes: FigureFact[] };
  series?: FigureFact[];
  kinds: KindInfo[];
}

export async function figuresView(r: Route): Promise<Rendered> {
  const property = r.query.get("property") ?? "";
  const entity = r.query.get("entity") ?? "";
  const order = r.query.get("order") === "asc" ? "asc" : "desc";
  const data = await request<Data>(Figures, {
    property,
    direction: order === "asc" ? "ASC" : "DESC",
    entity,
    hasProperty: property !== "",
    hasEntity: property !== "" && entity !== "",
    lang: lang(),
  });
  const kinds = kindLabels(data.kinds);
  const current = data.properties.find((p) => p.property === property);

  const picker = h(
    "select",
    { id: "property", name: "property" },
    h("option", { value: "" }, t("pickProperty")),
    data.properties.map((p) =>
      h("option", { value: p.property, selected: p.property === property }, `${p.label} (${p.property}, ${p.count})`),
    ),
  );
  picker.addEventListener("change", () => navigate(href(["figures"], { property: picker.value, order })));
  const form = h("form", { class: "controls" }, h("label", { for: "property" }, t("property")), " ", picker);

  const parts: (Node | null)[] = [];
  let mounted: (() => void) | undefined;
  if (data.series && data.series.length > 0) {
    const s = data.series;
    const canvas = h("div", { class: "series-canvas", role: "img", "aria-label": t("chartAria") });
    parts.push(
      h(
        "section",
        { class: "series" },
        h("h2", null, t("seriesOf"), ": ", nameText(s[0].entity), " · ", s[0].label ?? property),
        canvas,
        factTable(s, kinds, false),
      ),
    );
    // The values as written when they share a unit (亿元 reads better than
    // 10^11 yuan), else the normalized values.
    const oneUnit = s.every((f) => f.unit === s[0].unit && f.value !== null);
    mounted = () =>
      draw(canvas, {
        animation: false,
        aria: { enabled: false },
        tooltip: { trigger: "axis" },
        grid: { left: 80, right: 24, top: 24, bottom: 40 },
        xAxis: { type: "category", data: s.map((f) => f.period ?? "") },
        yAxis: { type: "value", name: (oneUnit ? s[0].unit : s[0].normalizedUnit) ?? "" },
        series: [
          {
            type: "line",
            data: s.map((f) => (oneUnit ? f.value : (f.normalizedValue ?? f.value))),
            itemStyle: { color: "#1f57a8" },
          },
        ],
      });
  }
  if (data.facts) {
    const sortLabel = `${t("sortBy")}: ${order === "asc" ? t("ascending") : t("descending")}`;
    parts.push(
      h(
        "section",
        null,
        h("h2", null, current ? `${current.label} (${current.property})` : property, " · ", `${data.facts.totalCount} ${t("factsCount")}`),
        h(
          "p",
          null,
          h("a", { class: "sort", href: href(["figures"], { property, order: order === "asc" ? "desc" : "asc", entity }) }, sortLabel, order === "asc" ? " ↑" : " ↓"),
        ),
        factTable(data.facts.nodes, kinds, true),
      ),
    );
  }
  return {
    title: pageTitle(current ? current.label : t("figuresTitle")),
    content: h("section", { class: "figures" }, h("h1", null, t("figuresTitle")), form, parts),
    mounted,
  };
}

function factTable(facts: FigureFact[], kinds: Map<string, string>, withEntity: boolean): HTMLElement {
  // How many periods each entity states the property for: a series.
  const periods = new Map<string, number>();
  for (const f of facts) periods.set(f.entity.key, (periods.get(f.entity.key) ?? 0) + 1);
  const cols = [withEntity ? "entity" : null, "value", "unit", "normalized", "period", "qualifier", "source"] as const;
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "facts" },
      h("thead", null, h("tr", null, cols.map((c) => (c ? h("th", { scope: "col" }, t(c)) : null)))),
      h(
        "tbody",
        null,
        facts.map((f) =>
          h(
            "tr",
            null,
            withEntity
              ? h(
                  "th",
                  { scope: "row" },
                  entityLink(f.entity, kinds),
                  (periods.get(f.entity.key) ?? 0) > 1
                    ? [" ", h("a", { href: seriesHref(f.entity.key) }, t("showSeries"))]
                    : null,
                )
              : null,
            h("td", { class: "num" }, f.value !== null ? String(f.value) : (f.text ?? "")),
            h("td", null, f.unit ?? ""),
            h("td", { class: "num" }, f.normalizedValue !== null ? `${number(f.normalizedValue)} ${f.normalizedUnit ?? ""}` : ""),
            h("td", null, f.period ?? ""),
            h("td", null, qualifierLabel(f.qualifier)),
            h("td", { class: "source" }, quoteLink(f.source)),
          ),
        ),
      ),
    ),
  );
}

function seriesHref(entity: string): string {
  const q = new URLSearchParams(location.search);
  return href(["figures"], { property: q.get("property") ?? "", order: q.get("order") ?? "", entity });
}
