// The report's figures: small SVG functions, data in, string out. One module per figure under svg/.
export { heatmap, type HeatCell, type HeatmapOptions } from "./svg/heatmap.ts";
export { forestPlot, type ForestOptions, type ForestRow } from "./svg/forest.ts";
export { barChartWithCi, rateBars, type IndexChartOptions, type IndexPanel, type RateBarsOptions, type RateRow } from "./svg/bars.ts";
export { linePlot, type LinePlotOptions } from "./svg/line.ts";
export { agreementTable, type AgreementOptions } from "./svg/agreement.ts";
export { reliabilityPlot, type ReliabilityOptions } from "./svg/reliability.ts";
export { viridis, inkOn } from "./svg/core.ts";
