// The source document, /explore/doc/{key}?quote=…: the text as printed,
// with the quoted words highlighted where they stand and scrolled into
// view. Quotes are the document's words with its line breaks removed (the
// article was printed in columns), so the passage is found in the text
// without line breaks and marked in the text with them.

import { request } from "./api";
import { h } from "./dom";
import SourceDocument from "./document.graphql";
import { t } from "./i18n";
import type { Rendered, Route } from "./router";
import { notFound, pageTitle } from "./ui";

interface Doc {
  key: string;
  title: string;
  publisher: string | null;
  publishedAt: string | null;
  language: string | null;
  text: string;
}

export async function documentView(r: Route): Promise<Rendered> {
  const key = r.params[0];
  const quote = r.query.get("quote") ?? "";
  const data = await request<{ document: Doc | null }>(SourceDocument, { key });
  const d = data.document;
  if (!d) return notFound(key);
  const span = quote ? findQuote(d.text, quote) : null;
  const body = h("div", { class: "document-text", lang: d.language ?? "zh-Hans" });
  if (span) {
    body.append(
      d.text.slice(0, span.start),
      h("mark", { id: "quote", class: "quote-mark", tabindex: "-1" }, d.text.slice(span.start, span.end)),
      d.text.slice(span.end),
    );
  } else {
    body.append(d.text);
  }
  const meta = [d.publisher, d.publishedAt].filter(Boolean).join(" · ");
  return {
    title: pageTitle(d.title),
    content: h(
      "article",
      { class: "document" },
      h("p", { class: "eyebrow" }, t("document")),
      h("h1", { lang: d.language ?? "zh-Hans" }, d.title),
      meta ? h("p", { class: "meta" }, meta) : null,
      quote ? h("blockquote", { lang: "zh-Hans" }, h("q", null, quote)) : null,
      quote && !span ? h("p", { role: "alert" }, t("quoteNotFound")) : null,
      body,
    ),
    mounted: () => {
      const m = document.getElementById("quote");
      if (m) {
        m.scrollIntoView({ block: "center" });
        m.focus({ preventScroll: true });
      }
    },
  };
}

// findQuote finds quote in text as tupu matches quotes: in the text with
// \r and \n removed. It returns the UTF-16 range in text, line breaks
// inside the passage included.
export function findQuote(text: string, quote: string): { start: number; end: number } | null {
  const at: number[] = []; // at[i]: where the i-th kept code unit is in text
  let flat = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n" || c === "\r") continue;
    at.push(i);
    flat += c;
  }
  const i = flat.indexOf(quote);
  if (i < 0 || quote.length === 0) return null;
  return { start: at[i], end: at[i + quote.length - 1] + 1 };
}
