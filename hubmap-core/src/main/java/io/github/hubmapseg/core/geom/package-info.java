/**
 * Mask geometry: polygons with holes traced from a streamed binary mask ({@link
 * io.github.hubmapseg.core.geom.ContourTracer}), their rasterisation, simplification and QuPath-ready GeoJSON
 * output ({@link io.github.hubmapseg.core.geom.GeoJsonWriter}).
 */
package io.github.hubmapseg.core.geom;
