import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef } from 'react';

Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
);

/** A series drawn in one of the theme's colours, by CSS variable name (`--accent`). */
export interface ChartSeries {
  readonly label: string;
  /** null: no figure for that label (a gap in a line). */
  readonly values: readonly (number | null)[];
  readonly colorVariable: string;
}

/** The theme's colours, read when drawn: the chart follows the light and dark themes' CSS variables. */
function themeColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888888';
}

function configOf(kind: 'bar' | 'line', labels: readonly string[], series: readonly ChartSeries[]): ChartConfiguration {
  const text = themeColor('--text');
  const grid = themeColor('--border');
  return {
    type: kind,
    data: {
      labels: [...labels],
      datasets: series.map((entry) => ({
        label: entry.label,
        data: [...entry.values],
        backgroundColor: themeColor(entry.colorVariable),
        borderColor: themeColor(entry.colorVariable),
        borderWidth: kind === 'line' ? 2 : 0,
        pointRadius: kind === 'line' ? 2 : 0,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      color: text,
      plugins: { legend: { labels: { color: text } } },
      scales: {
        x: { stacked: kind === 'bar', ticks: { color: text }, grid: { color: grid } },
        y: { stacked: kind === 'bar', beginAtZero: true, ticks: { color: text }, grid: { color: grid } },
      },
    },
  };
}

/**
 * chart.js on a canvas, redrawn when its data or the theme changes (the shell switches themes by the
 * `data-theme` attribute on <html>). The canvas has a label and the figures are also in the page's text.
 */
export function ThemeChart(props: {
  readonly kind: 'bar' | 'line';
  readonly title: string;
  readonly labels: readonly string[];
  readonly series: readonly ChartSeries[];
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { kind, labels, series } = props;

  useEffect(() => {
    const element = canvas.current;
    // jsdom has no canvas: the chart is the browser's, the figures the page's text.
    if (!element || !element.getContext('2d')) return undefined;
    let chart = new Chart(element, configOf(kind, labels, series));
    const themeWatch = new MutationObserver(() => {
      chart.destroy();
      chart = new Chart(element, configOf(kind, labels, series));
    });
    themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      themeWatch.disconnect();
      chart.destroy();
    };
  }, [kind, labels, series]);

  return (
    <figure className="analytics-chart">
      <figcaption>{props.title}</figcaption>
      <div className="analytics-chart-canvas">
        <canvas ref={canvas} role="img" aria-label={props.title} data-chart={props.title} />
      </div>
    </figure>
  );
}
