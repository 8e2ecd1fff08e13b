// Drawing and editing one parcel polygon on a MapLibre map, by mouse, touch or keyboard.
// Mouse: click adds a corner, double-click finishes, a finished parcel's corners drag.
// Keyboard (focus on the map): arrows pan (MapLibre's own), Space adds a corner under
// the crosshair, Backspace removes the last, Enter finishes, Escape cancels.
(function () {
  'use strict';

  const SOURCE = 'draw';

  class ParcelDrawer {
    constructor(map, hooks) {
      this.map = map;
      this.hooks = hooks;
      this.points = [];
      this.drawing = false;
      this.closed = false;
      this.dragging = null;
    }

    attach() {
      const map = this.map;
      map.addSource(SOURCE, { type: 'geojson', data: this.data() });
      map.addLayer({ id: 'draw-fill', type: 'fill', source: SOURCE, filter: ['==', ['geometry-type'], 'Polygon'],
        paint: { 'fill-color': '#1e4d6b', 'fill-opacity': 0.12 } });
      map.addLayer({ id: 'draw-line', type: 'line', source: SOURCE, filter: ['!=', ['geometry-type'], 'Point'],
        paint: { 'line-color': '#111', 'line-width': 2.5, 'line-dasharray': ['case', ['get', 'open'], ['literal', [2, 1]], ['literal', [1, 0]]] } });
      map.addLayer({ id: 'draw-vertices', type: 'circle', source: SOURCE, filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, 2, 17, 5], 'circle-color': '#fff', 'circle-stroke-color': '#111', 'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 12, 1, 17, 2] } });

      map.on('click', (e) => {
        if (!this.drawing) return;
        this.add([e.lngLat.lng, e.lngLat.lat]);
      });
      map.on('dblclick', (e) => {
        if (!this.drawing) return;
        e.preventDefault();
        // the double-click's two clicks added the same corner twice
        if (this.points.length >= 2) {
          const [a, b] = this.points.slice(-2);
          const pa = map.project(a), pb = map.project(b);
          if (Math.hypot(pa.x - pb.x, pa.y - pb.y) < 6) this.points.pop();
        }
        this.finish();
      });
      const startDrag = (e) => {
        if (this.drawing || !this.closed || !e.features || !e.features.length) return;
        e.preventDefault();
        this.dragging = e.features[0].properties.i;
        map.dragPan.disable();
        map.getCanvas().style.cursor = 'grabbing';
      };
      map.on('mousedown', 'draw-vertices', startDrag);
      map.on('touchstart', 'draw-vertices', startDrag);
      const move = (e) => {
        if (this.dragging === null) return;
        this.points[this.dragging] = [e.lngLat.lng, e.lngLat.lat];
        this.render();
      };
      map.on('mousemove', move);
      map.on('touchmove', move);
      const end = () => {
        if (this.dragging === null) return;
        this.dragging = null;
        map.dragPan.enable();
        map.getCanvas().style.cursor = '';
        this.hooks.onFinish(this.ring());
      };
      map.on('mouseup', end);
      map.on('touchend', end);
      map.on('mouseenter', 'draw-vertices', () => { if (this.closed) map.getCanvas().style.cursor = 'grab'; });
      map.on('mouseleave', 'draw-vertices', () => { if (this.dragging === null) map.getCanvas().style.cursor = ''; });

      map.getContainer().addEventListener('keydown', (e) => {
        if (!this.drawing) return;
        if (e.key === ' ' || e.key === 'Spacebar') {
          const c = map.getCenter();
          this.add([c.lng, c.lat]);
        } else if (e.key === 'Backspace') {
          this.points.pop();
          this.render();
          this.hooks.onStatus(this.points.length);
        } else if (e.key === 'Enter') {
          this.finish();
        } else if (e.key === 'Escape') {
          this.cancel();
        } else {
          return;
        }
        e.preventDefault();
        e.stopPropagation();
      }, true);
    }

    add(p) {
      this.points.push(p);
      this.render();
      this.hooks.onStatus(this.points.length);
    }

    start() {
      this.points = [];
      this.closed = false;
      this.drawing = true;
      this.map.doubleClickZoom.disable();
      this.map.getCanvas().style.cursor = 'crosshair';
      this.render();
      this.hooks.onMode(true);
      this.map.getCanvas().focus();
    }

    finish() {
      if (this.points.length < 3) {
        this.hooks.onStatus(this.points.length, true);
        return false;
      }
      this.drawing = false;
      this.closed = true;
      this.map.getCanvas().style.cursor = '';
      // re-enabled after the double-click that finished has passed
      setTimeout(() => this.map.doubleClickZoom.enable(), 0);
      this.render();
      this.hooks.onMode(false);
      this.hooks.onFinish(this.ring());
      return true;
    }

    cancel() {
      this.drawing = false;
      this.points = [];
      this.closed = false;
      this.map.getCanvas().style.cursor = '';
      this.map.doubleClickZoom.enable();
      this.render();
      this.hooks.onMode(false);
      this.hooks.onStatus(0);
    }

    // a parcel from elsewhere (upload, paste): shown and editable like a drawn one
    show(ring) {
      this.drawing = false;
      this.points = ring.slice(0, ring.length - 1).map((c) => [c[0], c[1]]);
      this.closed = true;
      this.render();
    }

    clear() {
      this.cancel();
    }

    ring() {
      return this.points.concat([this.points[0]]);
    }

    data() {
      const features = this.points.map((p, i) => ({ type: 'Feature', properties: { i }, geometry: { type: 'Point', coordinates: p } }));
      if (this.closed && this.points.length >= 3) {
        features.unshift({ type: 'Feature', properties: { open: false }, geometry: { type: 'Polygon', coordinates: [this.ring()] } });
      } else if (this.points.length >= 2) {
        features.unshift({ type: 'Feature', properties: { open: true }, geometry: { type: 'LineString', coordinates: this.points } });
      }
      return { type: 'FeatureCollection', features };
    }

    render() {
      const src = this.map.getSource(SOURCE);
      if (src) src.setData(this.data());
    }
  }

  window.ParcelDrawer = ParcelDrawer;
})();
