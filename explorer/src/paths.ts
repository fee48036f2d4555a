// Paths, /explore/paths?from={key}&to={key}: choose two entities with the
// search box, see the shortest paths between them, each step with its
// predicate, its direction and the words that state it.

import { kindLabels, predicateLabels, request, type EntityRef, type KindInfo, type PredicateInfo, type Source } from "./api";
import { h } from "./dom";
import { lang, t } from "./i18n";
import Paths from "./paths.graphql";
import { href, navigate, type Rendered, type Route } from "./router";
import { searchBox } from "./search";
import { entityLink, pageTitle, quoteLink } from "./ui";

interface Step {
  from: EntityRef;
  predicate: string;
  direction: "OUT" | "IN";
  to: EntityRef;
  source: Source | null;
}

interface Data {
  start: EntityRef | null;
  end: EntityRef | null;
  paths?: { length: number; steps: Step[] }[];
  predicates: PredicateInfo[];
  kinds: KindInfo[];
}

export async function pathsView(r: Route): Promise<Rendered> {
  const fromKey = r.query.get("from") ?? "";
  const toKey = r.query.get("to") ?? "";
  let data: Data | null = null;
  if (fromKey || toKey) {
    // One end alone (from an entity's page) is looked up for its name.
    const a = fromKey || toKey;
    const b = toKey || fromKey;
    data = await request<Data>(Paths, { fromKey: a, toKey: b, from: a, to: b, both: !!(fromKey && toKey), lang: lang() });
  }
  const chosen = { from: fromKey, to: toKey };
  const form = h("form", { class: "paths-form" });
  const fromBox = searchBox({
    label: t("pathFrom"),
    name: "from-name",
    value: fromKey ? data?.start?.label : undefined,
    onPick: (e) => (chosen.from = e.key),
  });
  const toBox = searchBox({
    label: t("pathTo"),
    name: "to-name",
    value: toKey ? data?.end?.label : undefined,
    onPick: (e) => (chosen.to = e.key),
  });
  const problem = h("p", { class: "problem", role: "alert" });
  form.append(fromBox, toBox, h("button", { type: "submit" }, t("findPaths")), problem);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!chosen.from || !chosen.to) {
      problem.textContent = t("pickBoth");
      return;
    }
    navigate(href(["paths"], { from: chosen.from, to: chosen.to }));
  });

  let results: Node | null = null;
  if (data?.paths) {
    const kinds = kindLabels(data.kinds);
    const preds = predicateLabels(data.predicates);
    results =
      data.paths.length === 0
        ? h("p", { role: "status" }, t("noPaths"))
        : h(
            "ol",
            { class: "paths" },
            data.paths.map((p) =>
              h(
                "li",
                { class: "path" },
                h("p", { class: "path-length" }, `${p.length} ${t("steps")}`),
                h(
                  "ol",
                  { class: "steps" },
                  p.steps.map((s) => {
                    const label = preds.get(s.predicate)?.label ?? s.predicate;
                    return h(
                      "li",
                      { class: "step" },
                      entityLink(s.from, kinds),
                      h("span", { class: "predicate", title: preds.get(s.predicate)?.description ?? null }, s.direction === "OUT" ? ` —${label}→ ` : ` ←${label}— `),
                      entityLink(s.to, kinds),
                      s.source ? h("div", null, quoteLink(s.source)) : null,
                    );
                  }),
                ),
              ),
            ),
          );
  }
  return {
    title: pageTitle(t("pathsTitle")),
    content: h("section", { class: "paths-view" }, h("h1", null, t("pathsTitle")), form, results),
  };
}
