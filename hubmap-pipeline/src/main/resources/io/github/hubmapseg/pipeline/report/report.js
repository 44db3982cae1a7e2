/* hubmap-seg run report: one OpenSeadragon viewer per slide over Deep Zoom tiles written by the report,
   given inline (no .dzi is fetched, so the page works from file://). REPORT is defined by index.html. */
(function () {
  "use strict";
  var BLANK = "blank.png"; /* one transparent pixel, written by the report */
  var params = new URLSearchParams(window.location.search);
  var test = params.get("test") === "1";
  if (test) { document.body.classList.add("test"); }
  /* viewers by slide index, and whether one has drawn everything it asked for (used by the browser test) */
  window.hubmapViewers = {};
  window.hubmapIdle = function (index) {
    var v = window.hubmapViewers[index];
    if (!v || !v.hubmapReady) { return false; }
    return v.imageLoader.jobsInProgress === 0 && !v.world.needsDraw();
  };

  function tileSource(s, base, ext, tiles) {
    var set = tiles ? new Set(tiles) : null;
    return {
      width: s.width, height: s.height, tileSize: s.tileSize, tileOverlap: 0, minLevel: 0, maxLevel: s.maxLevel,
      getTileUrl: function (level, x, y) {
        var k = level + "/" + x + "_" + y;
        return set && !set.has(k) ? BLANK : base + k + "." + ext;
      }
    };
  }

  function setup(s, index) {
    var section = document.getElementById("slide-" + index);
    if (test && String(index) !== (params.get("slide") || "0")) { section.style.display = "none"; return; }
    var viewer = OpenSeadragon({
      id: "viewer-" + index, prefixUrl: "osd/images/", tileSources: tileSource(s, s.slide, "jpeg", null),
      showNavigator: !test, showNavigationControl: !test, animationTime: test ? 0 : 0.8,
      maxZoomPixelRatio: 4, immediateRender: test, imageLoaderLimit: test ? 0 : 6
    });
    window.hubmapViewers[index] = viewer;
    var items = {};
    var opacity = section.querySelector("input.opacity");
    function layerOpacity(name) {
      var box = section.querySelector("input.layer[data-layer='" + name + "']");
      return box.checked ? parseFloat(opacity.value) : 0;
    }
    function refresh() { s.layers.forEach(function (l) { if (items[l.name]) { items[l.name].setOpacity(layerOpacity(l.name)); } }); }
    section.querySelectorAll("input.layer").forEach(function (b) { b.addEventListener("change", refresh); });
    opacity.addEventListener("input", refresh);
    var pendingLayers = s.layers.length;
    viewer.addHandler("open", function () {
      s.layers.forEach(function (l, k) {
        viewer.addTiledImage({
          tileSource: tileSource(s, l.url, "png", l.tiles), index: k + 1, opacity: layerOpacity(l.name),
          success: function (e) { items[l.name] = e.item; if (--pendingLayers === 0) { ready(); } }
        });
      });
      if (s.layers.length === 0) { ready(); }
    });
    section.querySelectorAll("tr.obj").forEach(function (row) {
      row.addEventListener("click", function () {
        section.querySelectorAll("tr.selected").forEach(function (r) { r.classList.remove("selected"); });
        row.classList.add("selected");
        var o = s.objects[parseInt(row.dataset.index, 10)];
        var m = Math.max(o.w, o.h) * 0.5;
        var rect = viewer.world.getItemAt(0).imageToViewportRectangle(o.x - m, o.y - m, o.w + 2 * m, o.h + 2 * m);
        viewer.viewport.fitBounds(rect, test);
      });
    });
    function ready() {
      viewer.hubmapReady = true;
      /* deep link: ?slide=I&select=K zooms slide I to its K-th glomerulus */
      var sel = params.get("select");
      if (sel !== null && String(index) === (params.get("slide") || "0")) {
        var row = section.querySelector("tr.obj[data-index='" + sel + "']");
        if (row) { section.scrollIntoView(); row.click(); }
      }
      if (!test) { return; }
      if (params.get("overlay") === "off") {
        section.querySelectorAll("input.layer").forEach(function (b) { if (b.checked) { b.click(); } });
      }
      document.title = "ready";
    }
  }
  REPORT.slides.forEach(setup);
})();
