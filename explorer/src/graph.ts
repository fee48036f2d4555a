// The graph view, /explore/e/{key}/graph?depth=1|2&predicate=…: the
// entity's neighbourhood drawn with ECharts' graph series, the centre in
// the middle and each hop on a ring around it, nodes coloured by kind; a
// click on a node opens its page. Below the drawing, the same entities
// and relations as lists, for screen readers and for reading.

import { kindLabels, predicateLabels, request, type Kind, type KindInfo, type PredicateInfo, type Source } from "./api";
import { draw } from "./charts";
import { h } from "./dom";
import { lang, t } from "./i18n";
import Neighborhood from "./neighborhood.graphql";
import { entityHref, href, navigate, type Rendered, type Route } from "./router";
import { entityLink, kindColor, nameText, notFound, pageTitle, quoteLink } from "./ui";

interface Node {
  id: string;
  key: string;
  kind: Kind;
  name: string;
  label: string;
}

interface Edge {
  from: string;
  to: string;
  predicate: string;
  source: Source | null;
}

interface Data {
  neighborhood: { nodes: Node[]; edges: Edge[] };
  predicates: PredicateInfo[];
  kinds: KindInfo[];
}

export async function graphView(r: Route): Promise<Rendered> {
  const key = r.params[0];
  const depth = r.query.get("depth") === "2" ? 2 : 1;
  const predicate = r.query.get("predicate") ?? "";
  const data = await request<Data>(Neighborhood, {
    key,
    depth,
    predicates: predicate ? [predicate] : null,
    lang: lang(),
  });
  const { nodes, edges } = data.neighborhood;
  if (nodes.length === 0) return notFound(key);
  const kinds = kindLabels(data.kinds);
  const preds = predicateLabels(data.predicates);
  const centre = nodes[0];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const predLabel = (p: string) => preds.get(p)?.label ?? p;

  const controls = h(
    "form",
    { class: "controls", "aria-label": t("graphView") },
    h("label", null, t("depth"), " ", select("depth", [["1", "1"], ["2", "2"]], String(depth))),
    h(
      "label",
      null,
      t("predicate"),
      " ",
      select("predicate", [["", t("allPredicates")], ...data.predicates.map((p): [string, string] => [p.predicate, p.label])], predicate),
    ),
  );
  controls.addEventListener("change", () => {
    const f = new FormData(controls);
    navigate(href(["e", key, "graph"], { depth: String(f.get("depth")), predicate: String(f.get("predicate") ?? "") }), true);
  });

  const present = [...new Set(nodes.map((n) => n.kind))];
  const legend = h(
    "ul",
    { class: "legend", "aria-label": t("legend") },
    present.map((k) => h("li", null, h("span", { class: "swatch", style: `background:${kindColor(k)}` }), kinds.get(k) ?? k)),
  );
  const canvas = h("div", {
    class: "graph-canvas",
    role: "img",
    "aria-label": `${t("graphAria")} (${nodes.length} ${t("entities")}, ${edges.length} ${t("edges")})`,
  });
  const text = h(
    "section",
    { class: "graph-text", "aria-labelledby": "graph-text" },
    h("h2", { id: "graph-text" }, t("graphText")),
    h("h3", null, `${t("entities")} (${nodes.length})`),
    h("ul", { class: "graph-nodes" }, nodes.map((n) => h("li", null, entityLink(n, kinds)))),
    h("h3", null, `${t("edges")} (${edges.length})`),
    h(
      "ul",
      { class: "graph-edges" },
      edges.map((e) => {
        const a = byId.get(e.from);
        const b = byId.get(e.to);
        if (!a || !b) return null;
        return h(
          "li",
          null,
          h("a", { href: entityHref(a.key) }, nameText(a)),
          ` —${predLabel(e.predicate)}→ `,
          h("a", { href: entityHref(b.key) }, nameText(b)),
          e.source ? [" ", quoteLink(e.source)] : null,
        );
      }),
    ),
  );

  return {
    title: pageTitle(`${centre.label} ${t("graphOf")}`),
    content: h(
      "article",
      { class: "graph" },
      h("h1", null, h("a", { href: entityHref(centre.key) }, nameText(centre)), " ", t("graphOf")),
      controls,
      legend,
      canvas,
      text,
    ),
    mounted: () => {
      const pos = rings(nodes, edges);
      const chart = draw(canvas, {
        aria: { enabled: false }, // the list below says it better
        animation: false,
        tooltip: {
          formatter: (p: { dataType?: string; data: { name?: string; kind?: string; predicate?: string } }) =>
            p.dataType === "node" ? `${p.data.name} (${kinds.get(p.data.kind ?? "") ?? ""})` : (p.data.predicate ?? ""),
        },
        series: [
          {
            type: "graph",
            layout: "none",
            roam: true,
            draggable: false,
            edgeSymbol: ["none", "arrow"],
            edgeSymbolSize: 7,
            label: { show: true, position: "right", fontSize: 12, color: "#1a1a1a" },
            edgeLabel: { show: nodes.length <= 25, formatter: (p: { data: { predicate: string } }) => p.data.predicate, fontSize: 10, color: "#444" },
            lineStyle: { color: "#8a8a8a", width: 1.2, curveness: 0.1 },
            emphasis: { focus: "adjacency", lineStyle: { width: 2.5 } },
            data: nodes.map((n, i) => ({
              id: n.id,
              name: n.label,
              kind: n.kind,
              key: n.key,
              x: pos[i].x,
              y: pos[i].y,
              symbolSize: i === 0 ? 28 : pos[i].ring === 1 ? 16 : 11,
              itemStyle: { color: kindColor(n.kind), borderColor: "#fff", borderWidth: 1 },
              label: { fontWeight: i === 0 ? "bold" : "normal", position: i === 0 ? "bottom" : pos[i].x < 0 ? "left" : "right" },
            })),
            links: edges.map((e) => ({ source: e.from, target: e.to, predicate: predLabel(e.predicate) })),
          },
        ],
      });
      chart.on("click", (p) => {
        const d = p.data as { key?: string } | undefined;
        if (p.dataType === "node" && d?.key) navigate(entityHref(d.key));
      });
      performance.mark("tupu:graph-rendered");
    },
  };
}

function select(name: string, options: [string, string][], value: string): HTMLSelectElement {
  return h(
    "select",
    { name },
    options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)),
  );
}

// rings places the centre at the origin and every other node on the ring
// of its distance from it, each node of the second ring near the first-ring
// node it hangs from, so the drawing is the same at every load.
function rings(nodes: Node[], edges: Edge[]): { x: number; y: number; ring: number }[] {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const adj: number[][] = nodes.map(() => []);
  for (const e of edges) {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined) continue;
    adj[a].push(b);
    adj[b].push(a);
  }
  const ring = nodes.map(() => -1);
  const parent = nodes.map(() => -1);
  ring[0] = 0;
  const queue = [0];
  while (queue.length > 0) {
    const a = queue.shift()!;
    for (const b of adj[a]) {
      if (ring[b] >= 0) continue;
      ring[b] = ring[a] + 1;
      parent[b] = a;
      queue.push(b);
    }
  }
  const out = nodes.map(() => ({ x: 0, y: 0, ring: 0 }));
  const angle = nodes.map(() => 0);
  const first = nodes.map((_, i) => i).filter((i) => ring[i] === 1);
  first.forEach((i, j) => {
    angle[i] = (2 * Math.PI * j) / Math.max(first.length, 1);
  });
  const outer = nodes.map((_, i) => i).filter((i) => ring[i] >= 2 || ring[i] < 0);
  // Order the outer nodes by their parent's angle, then spread them evenly.
  outer.sort((a, b) => angle[parent[a]] - angle[parent[b]] || a - b);
  outer.forEach((i, j) => {
    angle[i] = (2 * Math.PI * j) / Math.max(outer.length, 1) + (first.length > 0 ? Math.PI / Math.max(first.length, 1) / 2 : 0);
  });
  // Start a quarter turn off the vertical, where horizontal labels would
  // collide, and stretch the rings sideways, where the labels have room.
  for (let i = 1; i < nodes.length; i++) {
    const r = ring[i] === 1 ? 200 : 400;
    const a = angle[i] + Math.PI / 12;
    out[i] = { x: 1.7 * r * Math.cos(a), y: r * Math.sin(a), ring: ring[i] === 1 ? 1 : 2 };
  }
  return out;
}
