// ECharts, as much of it as the explorer draws: the graph series for
// neighbourhoods and the line series for a figure over time, on canvas.
// Importing the parts keeps the bundle at a third of the whole library.

import { GraphChart, LineChart } from "echarts/charts";
import { AriaComponent, GridComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { onUnmount } from "./router";

echarts.use([GraphChart, LineChart, TooltipComponent, GridComponent, AriaComponent, CanvasRenderer]);

export type Chart = echarts.ECharts;
export type Option = echarts.EChartsCoreOption;

// draw puts a chart in el, resizes it with the window and disposes of it
// when the view goes.
export function draw(el: HTMLElement, option: Option): Chart {
  const chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption(option);
  const resize = () => chart.resize();
  window.addEventListener("resize", resize);
  onUnmount(() => {
    window.removeEventListener("resize", resize);
    chart.dispose();
  });
  return chart;
}
