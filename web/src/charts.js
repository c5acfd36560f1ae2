// ECharts, only the parts the dashboard draws (echarts/core per chart type,
// so the bundle holds no more than these), loaded by the pages that chart.
// Each chart is kept on its element as `__stiChart`, for the browser test.
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent,
    SVGRenderer]);

export function draw(element, option) {
    let chart = echarts.getInstanceByDom(element);
    if (!chart) {
        chart = echarts.init(element, null, { renderer: 'svg' });
        element.__stiChart = chart;
        new ResizeObserver(() => chart.resize()).observe(element);
    }
    chart.setOption(option, true);
    return chart;
}

export function dispose(element) {
    const chart = element && echarts.getInstanceByDom(element);
    if (chart) chart.dispose();
}
