// The explorer's entry point: the frame (header, navigation, language
// switch) and the routes of its views.

import "./style.css";
import { h } from "./dom";
import { documentView } from "./document";
import { entityView } from "./entity";
import { figuresView } from "./figures";
import { graphView } from "./graph";
import { htmlLang, lang, setLang, t } from "./i18n";
import { pathsView } from "./paths";
import { base, href, refresh, route, start } from "./router";
import { homeContent } from "./search";
import { errorView, pageTitle } from "./ui";

route(/^\/explore$/, async () => ({ title: pageTitle(t("navSearch")), content: homeContent() }));
route(/^\/explore\/e\/([^/]+)$/, entityView);
route(/^\/explore\/e\/([^/]+)\/graph$/, graphView);
route(/^\/explore\/doc\/([^/]+)$/, documentView);
route(/^\/explore\/paths$/, pathsView);
route(/^\/explore\/figures$/, figuresView);

function frame(): { main: HTMLElement; header: HTMLElement; footer: HTMLElement } {
  const main = h("main", { id: "main", tabindex: "-1" });
  const langButton = (l: "ZH" | "EN", label: string) => {
    const b = h("button", { type: "button", lang: l === "ZH" ? "zh-Hans" : "en", "aria-pressed": String(lang() === l) }, label);
    b.addEventListener("click", () => {
      if (lang() === l) return;
      setLang(l);
      drawHeader();
      for (const f of languageListeners) f();
      refresh();
    });
    return b;
  };
  const header = h("header", { class: "top" });
  const drawHeader = () => {
    header.replaceChildren(
      h("a", { class: "skip", href: "#main" }, t("skip")),
      h("a", { class: "brand", href: base }, "tupu 图谱"),
      h(
        "nav",
        { "aria-label": "tupu" },
        h("a", { href: base }, t("navSearch")),
        h("a", { href: href(["paths"]) }, t("navPaths")),
        h("a", { href: href(["figures"]) }, t("navFigures")),
      ),
      h("div", { class: "lang", role: "group", "aria-label": t("language") }, langButton("ZH", "中文"), langButton("EN", "English")),
    );
  };
  const footer = h("footer", { class: "bottom" });
  const drawFooter = () => {
    footer.replaceChildren(
      h("a", { href: "/" }, t("playground")),
      " · ",
      h("a", { href: `${base}/licenses.txt` }, t("licenses")),
    );
  };
  drawHeader();
  drawFooter();
  languageListeners.push(drawFooter);
  return { main, header, footer };
}

const languageListeners: (() => void)[] = [];

function boot(): void {
  document.documentElement.lang = htmlLang(lang());
  const app = document.getElementById("app")!;
  const { main, header, footer } = frame();
  app.replaceChildren(header, main, footer);
  start(main, errorView);
}

boot();
