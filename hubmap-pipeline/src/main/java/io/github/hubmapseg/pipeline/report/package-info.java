/**
 * The run report: {@code index.html} with the run's settings, timings, scores and curves, and per slide a
 * zoomable OpenSeadragon view over Deep Zoom tiles written here ({@link
 * io.github.hubmapseg.pipeline.report.DeepZoomWriter}) with prediction/truth overlays and a table of the
 * predicted glomeruli ({@link io.github.hubmapseg.pipeline.report.RunReport}).
 */
package io.github.hubmapseg.pipeline.report;
