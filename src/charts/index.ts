/** Plotly figures of the answers, and HTML that draws them offline. */
export * from './figures';
export * from './render-html';
export * from './world-map';
export * from './show-chart';
