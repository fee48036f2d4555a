// The language of the page: 中文 or English, remembered in localStorage.
// Names and labels come from the API in that language (label(lang:)),
// which falls back to the Chinese name where no English one is known; the
// page's own words are below.

import type { Language } from "./api";

const storageKey = "tupu.explorer.lang";

let current: Language = readStored();

function readStored(): Language {
  try {
    return localStorage.getItem(storageKey) === "EN" ? "EN" : "ZH";
  } catch {
    return "ZH"; // storage refused (private mode, policy): Chinese
  }
}

export function lang(): Language {
  return current;
}

export function setLang(l: Language): void {
  current = l;
  try {
    localStorage.setItem(storageKey, l);
  } catch {
    // not remembered, still switched
  }
  document.documentElement.lang = htmlLang(l);
}

export function htmlLang(l: Language): string {
  return l === "EN" ? "en" : "zh-Hans";
}

const words = {
  title: ["图谱浏览", "tupu explorer"],
  skip: ["跳到正文", "Skip to content"],
  navSearch: ["搜索", "Search"],
  navPaths: ["路径", "Paths"],
  navFigures: ["数据", "Figures"],
  language: ["语言", "Language"],
  playground: ["GraphQL 调试台", "GraphQL playground"],
  licenses: ["开源许可", "Licences"],
  searchLabel: ["搜索实体（中文、拼音或英文）", "Search entities (Chinese, pinyin or English)"],
  searchHint: ["用 ↑ ↓ 选择，回车打开", "Use ↑ ↓ to choose, Enter to open"],
  searchIntro: [
    "图谱里的每个数据和关系都引用了原文。输入名称开始浏览。",
    "Every figure and relation in the graph cites the words of its source. Type a name to start.",
  ],
  noResults: ["没有找到", "Nothing found"],
  results: ["个结果", "results"],
  loading: ["加载中…", "Loading…"],
  error: ["出错了", "Something went wrong"],
  notFound: ["没有这个实体", "No such entity"],
  aliases: ["别名", "Also called"],
  kind: ["类别", "Kind"],
  description: ["描述", "Description"],
  note: ["整理说明", "Curator's note"],
  namedIn: ["出处", "Named in"],
  facts: ["数据", "Facts"],
  noFacts: ["没有记录数据。", "No facts recorded."],
  property: ["项目", "Property"],
  value: ["原文数值", "Value as written"],
  unit: ["单位", "Unit"],
  normalized: ["换算值", "Normalized"],
  period: ["时间", "Period"],
  qualifier: ["限定", "Qualifier"],
  source: ["原文", "Source"],
  series: ["序列", "Series"],
  relations: ["关系", "Relations"],
  noRelations: ["没有记录关系。", "No relations recorded."],
  moreRelations: ["更多关系", "More relations"],
  shownOf: ["已显示", "shown of"],
  graphView: ["关系图", "Graph view"],
  pathsFrom: ["从这里找路径", "Paths from here"],
  figuresOf: ["比较这个数据", "Compare this figure"],
  depth: ["深度", "Depth"],
  predicate: ["关系类型", "Relation"],
  allPredicates: ["全部", "All"],
  graphOf: ["的关系图", "— neighbourhood"],
  graphText: ["文字版：实体与关系", "As text: entities and relations"],
  entities: ["实体", "Entities"],
  edges: ["关系", "Relations"],
  legend: ["颜色（按类别）", "Colours (by kind)"],
  graphAria: ["关系图；下方有文字版", "Graph of relations; a text version follows"],
  document: ["原文", "Source document"],
  quoteNotFound: ["原文中没有找到这段引文。", "The quote was not found in the document."],
  publishedBy: ["发布", "Published by"],
  pathsTitle: ["两个实体之间的路径", "Paths between two entities"],
  pathFrom: ["起点", "From"],
  pathTo: ["终点", "To"],
  findPaths: ["查找路径", "Find paths"],
  pickBoth: ["请选择起点和终点。", "Choose where to start and where to end."],
  noPaths: ["在跳数限制内没有路径。", "No path within the hop limit."],
  steps: ["步", "steps"],
  figuresTitle: ["全图数据", "Figures across the graph"],
  pickProperty: ["选择项目", "Choose a property"],
  entity: ["实体", "Entity"],
  sortBy: ["按换算值排序", "Sort by normalized value"],
  ascending: ["升序", "ascending"],
  descending: ["降序", "descending"],
  seriesOf: ["时间序列", "Series"],
  showSeries: ["看序列", "Show series"],
  chartAria: ["折线图；数值见下表", "Line chart; the values are in the table"],
  factsCount: ["条数据", "facts"],
  back: ["返回", "Back"],
  noEnglish: ["没有英文名，显示中文名", "No English name recorded: the Chinese name is shown"],
} as const;

export type Word = keyof typeof words;

export function t(w: Word): string {
  return words[w][current === "EN" ? 1 : 0];
}

const qualifiers: Record<string, [string, string]> = {
  MORE_THAN: ["以上", "more than"],
  AT_LEAST: ["不低于", "at least"],
  AT_MOST: ["不超过", "at most"],
  ABOUT: ["约", "about"],
};

export function qualifierLabel(q: string | null | undefined): string {
  if (!q) return "";
  const w = qualifiers[q];
  return w ? w[current === "EN" ? 1 : 0] : q;
}

// number formats a figure for reading, without inventing precision.
export function number(v: number): string {
  return v.toLocaleString(current === "EN" ? "en" : "zh-CN", { maximumFractionDigits: 6 });
}
