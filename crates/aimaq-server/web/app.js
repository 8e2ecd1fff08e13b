// aimaq permit desk: find a parcel (search, paste, upload, draw), choose the use, see the
// verdict with its findings on the map, print the decision record. Talks only to the
// desk's own API; every map layer comes from the embedded dataset.
(function () {
  'use strict';

  const API = '/api/v1';
  const COLOURS = { prohibited: '#c62828', conditional: '#ef8f00', review: '#6a3fb5', clear: '#2e7d32' };
  const BACKGROUND = ['settlements', 'protected_areas', 'water_bodies', 'road_corridors', 'railways',
    'power_lines', 'gas_pipelines', 'water_conduits'];

  const $ = (id) => document.getElementById(id);
  const state = {
    lang: 'en',
    texts: {},
    token: sessionStorage.getItem('aimaq-token') || '',
    uses: [],
    rules: {},
    parcel: null, // {kind: 'geojson', feature} | {kind: 'wkt'|'coordinates', text, crs}
    result: null,
    layerZoom: {},
    layerLabels: {},
    placeMarkers: [],
    checking: false,
  };
  window.aimaq = state; // for the browser test: read-only use

  // ---- words --------------------------------------------------------------------------
  const t = (key, values) => {
    let s = (state.texts[state.lang] || {})[key] || (state.texts.en || {})[key] || key;
    for (const [k, v] of Object.entries(values || {})) s = s.split('{' + k + '}').join(v);
    return s;
  };

  function applyTexts() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    document.querySelectorAll('[data-i18n-label]').forEach((el) => { el.setAttribute('aria-label', t(el.dataset.i18nLabel) + '. ' + t('map.keyboard')); });
    document.querySelectorAll('.langs button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang)));
    document.title = t('app.title');
    fillUses();
    renderLegend();
    placeLabels();
    waterLabels();
    renderStatus();
  }

  // ---- the API ------------------------------------------------------------------------
  async function api(path, options) {
    const o = Object.assign({}, options || {});
    o.headers = Object.assign({}, o.headers || {});
    if (state.token) o.headers.Authorization = 'Bearer ' + state.token;
    const r = await fetch(API + path, o);
    if (r.status === 401) {
      $('token-bar').hidden = false;
      $('token').focus();
    }
    const type = r.headers.get('content-type') || '';
    const body = type.includes('json') ? await r.json() : await r.blob();
    if (!r.ok) {
      const e = new Error((body && body.error && body.error.message) || r.statusText);
      e.code = body && body.error && body.error.code;
      e.swap = !!(body && body.error && body.error.swap_xy);
      throw e;
    }
    return body;
  }

  // ---- the vocabulary and the rules ------------------------------------------------------
  function fillUses() {
    const sel = $('use');
    const keep = sel.value || 'construction';
    sel.textContent = '';
    const sorted = state.uses.slice().sort((a, b) => (a.default ? -1 : b.default ? 1 : 0));
    for (const u of sorted) {
      const o = document.createElement('option');
      o.value = u.code;
      o.textContent = u.labels[state.lang] + ' — ' + u.code;
      sel.appendChild(o);
    }
    sel.value = keep;
  }

  async function loadRules() {
    if (state.rules[state.lang]) return;
    const v = await api('/rules?lang=' + state.lang);
    const m = {};
    for (const r of v.rules) m[r.id] = r;
    state.rules[state.lang] = { byId: m, words: v.words };
  }

  // ---- the map ------------------------------------------------------------------------------
  let map, drawer;

  function layerUrl(name, zoom, bounds) {
    let q = '?zoom=' + Math.floor(zoom);
    if (bounds) q += '&bbox=' + bounds.map((v) => v.toFixed(5)).join(',');
    if (name === 'zones') q += '&use=' + encodeURIComponent($('use').value) + '&lang=' + state.lang;
    return '/layers/' + name + q;
  }

  async function refreshLayers(force) {
    const zoom = map.getZoom();
    const b = map.getBounds();
    const pad = 0.5;
    const w = b.getEast() - b.getWest(), h = b.getNorth() - b.getSouth();
    const box = [b.getWest() - w * pad, b.getSouth() - h * pad, b.getEast() + w * pad, b.getNorth() + h * pad];
    const bucket = Math.min(16, Math.floor(zoom));
    for (const name of BACKGROUND.concat(['zones'])) {
      const have = state.layerZoom[name];
      // simplified for the zoom; refetched when the zoom changes or the view leaves the box
      const inside = have && have.box && b.getWest() >= have.box[0] && b.getSouth() >= have.box[1] && b.getEast() <= have.box[2] && b.getNorth() <= have.box[3];
      if (!force && have && have.bucket === bucket && (inside || bucket < 10)) continue;
      const bounds = bucket < 10 ? null : box;
      state.layerZoom[name] = { bucket, box: bounds || [-180, -90, 180, 90] };
      api(layerUrl(name, bucket, bounds)).then((data) => {
        const src = map.getSource('l-' + name);
        if (src) src.setData(data);
        if (name === 'water_bodies') { waterData = data; waterLabels(); }
      }).catch(() => {});
    }
  }

  function addLayers() {
    const empty = { type: 'FeatureCollection', features: [] };
    for (const name of BACKGROUND.concat(['zones'])) map.addSource('l-' + name, { type: 'geojson', data: empty });
    map.addSource('result', { type: 'geojson', data: empty });
    const poly = ['==', ['geometry-type'], 'Polygon'];
    const line = ['==', ['geometry-type'], 'LineString'];
    map.addLayer({ id: 'settlements', type: 'fill', source: 'l-settlements', paint: { 'fill-color': '#e9e1cf', 'fill-outline-color': '#b9ad95' } });
    map.addLayer({ id: 'protected', type: 'fill', source: 'l-protected_areas', paint: { 'fill-color': '#cfe6c5', 'fill-opacity': 0.7 } });
    map.addLayer({ id: 'protected-line', type: 'line', source: 'l-protected_areas', paint: { 'line-color': '#5b8c4a', 'line-width': 1.2, 'line-dasharray': [3, 2] } });
    map.addLayer({ id: 'zones-band', type: 'fill', source: 'l-zones', filter: ['==', ['get', 'kind'], 'band'],
      paint: { 'fill-color': COLOURS.review, 'fill-opacity': 0.07 } });
    map.addLayer({ id: 'zones-band-line', type: 'line', source: 'l-zones', filter: ['==', ['get', 'kind'], 'band'],
      paint: { 'line-color': COLOURS.review, 'line-width': 1, 'line-dasharray': [1, 3], 'line-opacity': 0.7 } });
    map.addLayer({ id: 'zones-strip', type: 'fill', source: 'l-zones', filter: ['==', ['get', 'kind'], 'strip'],
      paint: { 'fill-color': ['match', ['get', 'severity'], 'prohibited', COLOURS.prohibited, 'conditional', COLOURS.conditional, COLOURS.review], 'fill-opacity': 0.12 } });
    map.addLayer({ id: 'zones-strip-line', type: 'line', source: 'l-zones', filter: ['==', ['get', 'kind'], 'strip'],
      paint: { 'line-color': ['match', ['get', 'severity'], 'prohibited', COLOURS.prohibited, 'conditional', COLOURS.conditional, COLOURS.review], 'line-width': 1, 'line-dasharray': [4, 3], 'line-opacity': 0.8 } });
    map.addLayer({ id: 'water-area', type: 'fill', source: 'l-water_bodies', filter: poly, paint: { 'fill-color': '#a9cdef', 'fill-outline-color': '#1e6fb8' } });
    map.addLayer({ id: 'water-line', type: 'line', source: 'l-water_bodies', filter: ['!', poly], paint: { 'line-color': '#1e6fb8', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 1.2, 14, 4] } });
    map.addLayer({ id: 'roads-case', type: 'line', source: 'l-road_corridors', paint: { 'line-color': '#8d8d8d', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 2, 14, 7] } });
    map.addLayer({ id: 'roads', type: 'line', source: 'l-road_corridors', paint: { 'line-color': '#fff8e1', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 1, 14, 4.5] } });
    map.addLayer({ id: 'rail', type: 'line', source: 'l-railways', paint: { 'line-color': '#222', 'line-width': 2.5 } });
    map.addLayer({ id: 'rail-dash', type: 'line', source: 'l-railways', paint: { 'line-color': '#fff', 'line-width': 1.4, 'line-dasharray': [3, 3] } });
    map.addLayer({ id: 'power', type: 'line', source: 'l-power_lines', paint: { 'line-color': '#6d2e8c', 'line-width': 1.4, 'line-dasharray': [6, 2, 1, 2] } });
    map.addLayer({ id: 'gas', type: 'line', source: 'l-gas_pipelines', paint: { 'line-color': '#e65100', 'line-width': 1.6, 'line-dasharray': [4, 2] } });
    map.addLayer({ id: 'conduits', type: 'line', source: 'l-water_conduits', filter: line, paint: { 'line-color': '#00838f', 'line-width': 1.6, 'line-dasharray': [1, 2] } });
    // the result: the parcel in its verdict's colour, the encumbered parts painted once
    // per severity (the desk cuts the worse out of the milder), prohibited on top
    const verdictColour = ['match', ['get', 'verdict'], 'prohibited', COLOURS.prohibited, 'conditional', COLOURS.conditional, 'review', COLOURS.review, COLOURS.clear];
    map.addLayer({ id: 'result-parcel-fill', type: 'fill', source: 'result', filter: ['==', ['get', 'kind'], 'parcel'],
      paint: { 'fill-color': verdictColour, 'fill-opacity': 0.15 } });
    for (const sev of ['review', 'conditional', 'prohibited']) {
      map.addLayer({ id: 'shade-' + sev, type: 'fill', source: 'result',
        filter: ['all', ['==', ['get', 'kind'], 'shade'], ['==', ['get', 'severity'], sev]],
        paint: { 'fill-color': COLOURS[sev], 'fill-opacity': 0.6 } });
    }
    map.addLayer({ id: 'result-parcel', type: 'line', source: 'result', filter: ['==', ['get', 'kind'], 'parcel'],
      paint: { 'line-color': verdictColour, 'line-width': 3 } });
  }
  const RESULT_LAYERS = ['result-parcel-fill', 'shade-review', 'shade-conditional', 'shade-prohibited', 'result-parcel'];

  // what each legend entry draws: an entry with layers has a switch
  const SWITCHES = {
    'legend.zone': ['zones-strip', 'zones-strip-line'],
    'legend.band': ['zones-band', 'zones-band-line'],
    'legend.water': ['water-area', 'water-line'],
    'legend.road': ['roads-case', 'roads'],
    'legend.rail': ['rail', 'rail-dash'],
    'legend.power': ['power'],
    'legend.gas': ['gas'],
    'legend.conduit': ['conduits'],
    'legend.settlement': ['settlements'],
    'legend.protected': ['protected', 'protected-line'],
  };
  const hidden = new Set();
  function renderLegend() {
    const items = [
      ['legend.parcel', 'border:2.5px solid #111'],
      ['legend.parcel_verdict', 'border:3px solid ' + COLOURS.prohibited + ';background:rgba(198,40,40,.15)'],
      ['legend.prohibited', 'background:' + COLOURS.prohibited + ';opacity:.6'],
      ['legend.conditional', 'background:' + COLOURS.conditional + ';opacity:.6'],
      ['legend.review', 'background:' + COLOURS.review + ';opacity:.6'],
      ['legend.zone', 'border:1px dashed ' + COLOURS.prohibited + ';background:rgba(198,40,40,.12)'],
      ['legend.band', 'border:1px dotted ' + COLOURS.review + ';background:rgba(106,63,181,.07)'],
      ['legend.water', 'background:#1e6fb8;height:4px'],
      ['legend.road', 'background:#fff8e1;border:2px solid #8d8d8d;height:8px'],
      ['legend.rail', 'background:repeating-linear-gradient(90deg,#222 0 5px,#fff 5px 8px);height:4px;border:1px solid #222'],
      ['legend.power', 'border-top:2px dashed #6d2e8c;height:0'],
      ['legend.gas', 'border-top:2px dashed #e65100;height:0'],
      ['legend.conduit', 'border-top:2px dotted #00838f;height:0'],
      ['legend.settlement', 'background:#e9e1cf;border:1px solid #b9ad95'],
      ['legend.protected', 'background:#cfe6c5;border:1px dashed #5b8c4a'],
    ];
    const el0 = $('legend');
    el0.textContent = '';
    const h = document.createElement('summary');
    h.textContent = t('legend.title');
    el0.appendChild(h);
    for (const [key, style] of items) {
      const i = document.createElement('i');
      i.setAttribute('style', style);
      const layers = SWITCHES[key];
      let row;
      if (layers) {
        // a layer switch: the entry itself, checked while drawn
        row = document.createElement('label');
        row.className = 'switch';
        const box = document.createElement('input');
        box.type = 'checkbox';
        box.checked = !hidden.has(key);
        box.dataset.legend = key;
        box.addEventListener('change', () => {
          if (box.checked) hidden.delete(key); else hidden.add(key);
          applySwitches();
        });
        row.appendChild(box);
      } else {
        row = document.createElement('span');
      }
      row.appendChild(i);
      row.appendChild(document.createTextNode(t(key)));
      el0.appendChild(row);
    }
  }
  function applySwitches() {
    if (!map) return;
    for (const [key, layers] of Object.entries(SWITCHES)) {
      for (const id of layers) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', hidden.has(key) ? 'none' : 'visible');
    }
    waterLabels();
  }

  // rivers and lakes named on the map, as settlements are (HTML labels: no glyph server)
  let waterData = null, waterMarkers = [];
  function waterLabels() {
    waterMarkers.forEach((m) => m.remove());
    waterMarkers = [];
    if (!map || !waterData || hidden.has('legend.water') || map.getZoom() < 9) return;
    const b = map.getBounds();
    const seen = new Set();
    for (const f of waterData.features) {
      const p = f.properties || {};
      const name = p['name_' + state.lang] || p.name;
      if (!name || seen.has(name)) continue;
      const g = f.geometry;
      const lines = g.type === 'LineString' ? [g.coordinates] : g.type === 'MultiLineString' ? g.coordinates
        : g.type === 'Polygon' ? [g.coordinates[0]] : g.type === 'MultiPolygon' ? g.coordinates.map((q) => q[0]) : [];
      // the middle of the part of the line in view
      const inView = lines.flat().filter((c) => b.contains(c));
      if (!inView.length) continue;
      seen.add(name);
      const at = inView[Math.floor(inView.length / 2)];
      const el1 = document.createElement('div');
      el1.className = 'water-label';
      el1.textContent = name;
      const marker = new maplibregl.Marker({ element: el1 }).setLngLat(at).addTo(map);
      for (const attr of ['aria-label', 'role', 'tabindex']) el1.removeAttribute(attr);
      waterMarkers.push(marker);
      if (waterMarkers.length >= 30) break;
    }
  }

  // click, or Enter on the map, names what is drawn there: name, layer, the rule and its
  // width for the chosen use, its citation
  const IDENTIFY = ['shade-prohibited', 'shade-conditional', 'shade-review', 'result-parcel-fill', 'zones-strip', 'zones-band',
    'water-area', 'water-line', 'roads', 'rail', 'power', 'gas', 'conduits', 'protected', 'settlements'];
  let popup = null;
  function identify(point, lngLat) {
    const layers = IDENTIFY.filter((id) => map.getLayer(id));
    const found = map.queryRenderedFeatures([[point.x - 4, point.y - 4], [point.x + 4, point.y + 4]], { layers });
    if (popup) popup.remove();
    if (!found.length) return;
    const rules = (state.rules[state.lang] || { byId: {}, words: {} });
    const word = (k) => rules.words[k] || k;
    const box = el('div', { class: 'identify', role: 'status' });
    const seen = new Set();
    for (const f of found) {
      const p = f.properties || {};
      const key = (p.rule || '') + '|' + (p.feature || p.id || '') + '|' + (p.kind || f.layer.id);
      if (seen.has(key)) continue;
      seen.add(key);
      if (seen.size > 4) break;
      const name = p['name_' + state.lang] || p.name || p.feature_name || p.parcel || p.feature || p.id || '';
      const layerLabel = (state.layerLabels[p.layer] || {})[state.lang] || p.layer || '';
      const item = el('div', { class: 'identify-item' });
      if (p.kind === 'parcel' || p.kind === 'shade') {
        item.appendChild(el('strong', { text: t('result.parcel') + ' ' + (p.parcel || '') }));
        item.appendChild(el('div', { text: word(p.kind === 'shade' ? (p.severity === 'review' ? 'severity.review' : 'regime.' + p.severity) : 'verdict.' + p.verdict) }));
      } else {
        item.appendChild(el('strong', { text: name ? '«' + name + '»' : layerLabel }));
        if (name && layerLabel) item.appendChild(el('div', { text: layerLabel }));
        if (p.rule) {
          const rule = rules.byId[p.rule];
          const sev = p.severity ? word(p.severity === 'review' ? 'severity.review' : 'regime.' + p.severity) : '';
          item.appendChild(el('div', { text: (rule ? rule.title : p.rule) + (p.limit_m != null ? ' — ' + numTrim(Number(p.limit_m)) + '\u00a0' + m() : '') + (sev ? ' · ' + sev : '') }));
          item.appendChild(el('code', { class: 'id', text: p.rule }));
          if (rule && rule.citation) item.appendChild(el('div', { class: 'hint', text: rule.citation }));
        }
      }
      box.appendChild(item);
    }
    popup = new maplibregl.Popup({ maxWidth: '320px' }).setLngLat(lngLat).setDOMContent(box).addTo(map);
  }

  // settlement names: HTML labels, so no glyph server is needed
  let places = [];
  function placeLabels() {
    if (!map) return;
    state.placeMarkers.forEach((m) => m.remove());
    state.placeMarkers = places.map((p) => {
      const el = document.createElement('div');
      el.className = 'place-label';
      el.textContent = p.names[state.lang];
      const [w, s, e, n] = p.bbox;
      const marker = new maplibregl.Marker({ element: el }).setLngLat([(w + e) / 2, (s + n) / 2]).addTo(map);
      // a label, not a control: its name is its text (MapLibre calls every marker "Map marker")
      for (const attr of ['aria-label', 'role', 'tabindex']) el.removeAttribute(attr);
      return marker;
    });
  }

  // ---- the parcel ---------------------------------------------------------------------
  // a status line is kept as how to say it, so a language switch says it again
  function setStatus(text, error) {
    state.status = { render: typeof text === 'function' ? text : () => text, error: !!error };
    renderStatus();
  }
  function renderStatus() {
    const el = $('parcel-status');
    const st = state.status || { render: () => '', error: false };
    el.textContent = st.render();
    el.classList.toggle('error', st.error);
  }

  function ringArea(ring) {
    // spherical excess is overkill for a status line: an equirectangular estimate
    const lat0 = ring.reduce((a, c) => a + c[1], 0) / ring.length * Math.PI / 180;
    const k = 6371008.8 * Math.PI / 180;
    let a = 0;
    for (let i = 0; i + 1 < ring.length; i++) {
      const [x1, y1] = ring[i], [x2, y2] = ring[i + 1];
      a += (x1 * Math.cos(lat0) * k) * (y2 * k) - (x2 * Math.cos(lat0) * k) * (y1 * k);
    }
    return Math.abs(a / 2);
  }

  // a new parcel: the answer shown was about another one, so it goes
  function forgetResult() {
    if (!state.result) return;
    state.result = null;
    map.getSource('result').setData({ type: 'FeatureCollection', features: [] });
    $('result-body').textContent = '';
    $('result-body').appendChild(el('p', { class: 'hint', text: t('result.none') }));
  }

  function useFeature(feature, fit, keep) {
    const props = feature.properties || {};
    const g = feature.geometry;
    const ring = g.type === 'Polygon' ? g.coordinates[0] : g.coordinates[0][0];
    // shown first, then said: the status never runs ahead of the map
    drawer.show(ring);
    if (fit) fitTo(g);
    state.parcel = keep || { kind: 'geojson', feature };
    forgetResult();
    if (props.use && state.uses.some((u) => u.code === props.use)) $('use').value = props.use;
    if (props.id && !keep) $('app-id').value = props.id;
    if (props.source === 'cadastre') $('address').value = props.id;
    const id = props.id || $('app-id').value || '';
    const area = ringArea(ring);
    setStatus(() => (id ? id + ': ' : '') + t('find.parcel_shown', { area: '≈\u00a0' + num(Math.round(area), 0) + '\u00a0' + m2() }));
  }

  // fits `geometry`, grown by `metres` all round, where the open legend does not cover it
  function fitTo(geometry, metres) {
    const b = new maplibregl.LngLatBounds();
    const walk = (c) => (typeof c[0] === 'number' ? b.extend(c) : c.forEach(walk));
    walk(geometry.coordinates);
    if (metres) {
      const lat = b.getCenter().lat * Math.PI / 180;
      const dy = metres / 111320, dx = metres / (111320 * Math.max(0.1, Math.cos(lat)));
      b.extend([b.getWest() - dx, b.getSouth() - dy]);
      b.extend([b.getEast() + dx, b.getNorth() + dy]);
    }
    const legend = $('legend');
    const side = legend.open ? Math.min(legend.offsetWidth + 24, map.getContainer().clientWidth / 2) : 40;
    const pad = Math.min(60, map.getContainer().clientHeight / 6);
    map.fitBounds(b, { padding: { top: pad, bottom: pad, right: pad, left: side }, maxZoom: 16, duration: 0 });
  }

  // ---- the check ------------------------------------------------------------------------------
  async function check() {
    if (!state.parcel) {
      setStatus(t('result.none'), true);
      return;
    }
    if (state.checking) return;
    state.checking = true;
    const button = $('check');
    button.disabled = true;
    button.textContent = t('check.running');
    const body = { use: $('use').value, lang: state.lang };
    if ($('as-of').value) body.as_of = $('as-of').value;
    const id = $('app-id').value.trim();
    if (id) body.id = id;
    const application = { number: id, applicant: $('applicant').value, address: $('address').value, officer: $('officer').value, position: $('position').value };
    for (const k of Object.keys(application)) if (!String(application[k] || '').trim()) delete application[k];
    if (Object.keys(application).length) body.application = application;
    localStorage.setItem('aimaq-officer', JSON.stringify({ officer: $('officer').value, position: $('position').value }));
    if (state.parcel.kind === 'geojson') {
      const f = JSON.parse(JSON.stringify(state.parcel.feature));
      f.properties = { id: id || (f.properties && f.properties.id) || 'parcel' };
      body.geojson = f;
      delete body.id;
    } else {
      body[state.parcel.kind] = state.parcel.text;
      body.crs = state.parcel.crs;
    }
    try {
      const [result] = await Promise.all([
        api('/check', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
        loadRules(),
      ]);
      result.decision.decided_lang = result.lang;
      if ($('past-box').open) loadPast();
      state.result = result;
      showResult(result, true);
      if (window.matchMedia('(max-width: 820px)').matches) $('result').scrollIntoView({ block: 'start' });
      // the keyboard's focus goes where the answer is
      $('result').focus({ preventScroll: !window.matchMedia('(max-width: 820px)').matches });
      // the view: the parcel and, within 3 km, the nearest object of each finding
      const p = result.geometry.features.find((f) => f.properties.kind === 'parcel');
      const reach = Math.min(3000, Math.max(0, ...result.parcels.flatMap((q) => q.findings.map((f) => (f.limit_m > 0 ? f.distance_m : 0)))));
      if (p) fitTo(p.geometry, reach > 0 ? reach + 30 : 0);
    } catch (e) {
      showError(e);
    } finally {
      state.checking = false;
      button.disabled = false;
      button.textContent = t('check.button');
    }
  }

  async function rerender() {
    const id = state.result.decision.id;
    try {
      const [v] = await Promise.all([api('/decisions/' + encodeURIComponent(id) + '?lang=' + state.lang), loadRules()]);
      if (!state.result || state.result.decision.id !== id) return; // a new check meanwhile
      v.decision.decided_lang = v.lang;
      state.result = Object.assign({ decision: v.decision }, v.result);
      showResult(state.result, false);
    } catch (e) {
      showError(e);
    }
  }

  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children || []) if (c) e.appendChild(c);
    return e;
  }

  function showError(e) {
    const body = $('result-body');
    body.textContent = '';
    body.appendChild(el('p', { class: 'alert', role: 'alert', text: t('result.error') + ': ' + e.message + (e.code ? ' [' + e.code + ']' : '') }));
    map.getSource('result').setData({ type: 'FeatureCollection', features: [] });
  }

  // numbers as the record writes them (numbers.rs): kk and ru "1 200,00", en "1,200.00"
  function num(v, decimals) {
    const text = Math.abs(v).toFixed(decimals);
    const [int, frac] = text.split('.');
    const en = state.lang === 'en';
    // as aimaq_rules::format_number writes it (the CLI, the JSON, the record)
    let out = v < 0 && /[1-9]/.test(text) ? '-' : '';
    for (let i = 0; i < int.length; i++) {
      if (i > 0 && !en && (int.length - i) % 3 === 0) out += '\u202f';
      out += int[i];
    }
    return frac === undefined ? out : out + (en ? '.' : ',') + frac;
  }
  function numTrim(v) {
    const s = num(v, 3);
    const point = state.lang === 'en' ? '.' : ',';
    const [int, frac] = s.split(point);
    const f = (frac || '').replace(/0+$/, '');
    return f ? int + point + f : int;
  }
  window.aimaqNum = num; // for the browser test: the record's numbers are the page's
  const metres = (v) => num(v, 2);
  const percent = (share) => num(share * 100, 1) + '\u00a0%';
  const m = () => t('unit.m');
  const m2 = () => t('unit.m2');

  // the cited lines' text (`law`, when the answer carries it): a string, a list, or
  // objects with a `text`
  function lawText(law) {
    const one = (v) => (typeof v === 'string' ? v : v && typeof v.text === 'string' ? v.text + (v.lines || v.ref ? ' [' + (v.lines || v.ref) + ']' : '') : '');
    if (!law) return '';
    return (Array.isArray(law) ? law.map(one) : [one(law)]).filter(Boolean).join('\n');
  }

  function showResult(r, fresh) {
    const body = $('result-body');
    body.textContent = '';
    map.getSource('result').setData(r.geometry);
    const catalog = state.rules[state.lang] || { byId: {}, words: {} };
    const rules = catalog.byId;
    const word = (key) => catalog.words[key] || key;
    const severityWord = (s) => word(s === 'review' ? 'severity.review' : 'regime.' + s);
    for (const p of r.parcels) {
      body.appendChild(el('p', {}, [el('span', { class: 'verdict ' + p.verdict, id: 'verdict', text: word('verdict.' + p.verdict) })]));
      const use = state.uses.find((u) => u.code === p.use) || state.uses.find((u) => u.default);
      const facts = el('dl', { class: 'facts' });
      const fact = (k, v) => { facts.appendChild(el('dt', { text: k })); facts.appendChild(el('dd', { text: v })); };
      fact(t('result.parcel'), p.id);
      fact(t('check.use'), use ? use.labels[state.lang] : (p.use || ''));
      fact(t('result.area'), metres(p.area_m2) + '\u00a0' + m2());
      if (p.encumbrance) fact(t('result.encumbered'), metres(p.encumbrance.total.m2) + '\u00a0' + m2() + ' (' + percent(p.encumbrance.total.share) + ')');
      body.appendChild(facts);
      body.appendChild(el('h3', { text: t('result.findings') }));
      if (!p.findings.length) {
        body.appendChild(el('p', { class: 'hint', text: t('result.no_findings') }));
      }
      const list = el('ol', { class: 'findings' });
      for (const f of p.findings) {
        const rule = rules[f.rule];
        const title = rule ? rule.title : f.rule;
        const sevWord = severityWord(f.severity);
        const dl = el('dl');
        const row = (k, v, cls) => { dl.appendChild(el('dt', { text: k })); dl.appendChild(el('dd', cls ? { class: cls, text: v } : { text: v })); };
        row(t('finding.object'), (f.feature_name ? '«' + f.feature_name + '» ' : '') + '(' + f.feature + ')');
        row(t('finding.distance'), f.limit_m === 0 ? t('finding.overlap') : metres(f.distance_m) + '\u00a0' + m() + ' < ' + numTrim(f.limit_m) + '\u00a0' + m() + ' (' + t('finding.limit') + ')');
        row(t('finding.encumbered'), metres(f.encumbered_m2) + '\u00a0' + m2() + ' (' + percent(f.encumbered_share) + ')');
        row(t('finding.regime'), sevWord + (f.approval ? ' — ' + t('finding.approval') + ': ' + f.approval : ''));
        row(t('finding.source'), f.citation);
        row(t('finding.regime_source'), f.regime_citation);
        const law = lawText(f.law);
        list.appendChild(el('li', { class: 'finding ' + f.severity, 'data-rule': f.rule }, [
          el('div', { class: 'finding-head' }, [el('strong', { text: title }), el('span', { class: 'sev ' + f.severity, text: sevWord })]),
          el('code', { class: 'id', text: f.rule }),
          dl,
          law ? el('details', { class: 'law' }, [el('summary', { text: t('finding.law') }), el('blockquote', { text: law })]) : null,
        ]));
      }
      body.appendChild(list);
    }
    const d = r.decision;
    const actions = el('div', { class: 'actions' }, [
      el('button', { type: 'button', id: 'print', text: t('result.print') }),
      el('button', { type: 'button', id: 'pdf', text: t('result.pdf') }),
    ]);
    body.appendChild(actions);
    body.appendChild(el('p', { class: 'decision' }, [
      document.createTextNode(t('result.decision') + ' '),
      el('strong', { class: 'mono', id: 'decision-id', text: d.id }),
      document.createTextNode(' · ' + d.created_at.replace('T', ' ').replace('Z', ' UTC') + ' · ' + d.catalog.id + ' '),
      el('code', { text: d.catalog.digest.slice(0, 19) + '…' }),
      document.createTextNode(' · '),
      el('code', { text: d.dataset.digest.slice(0, 19) + '…' }),
    ]));
    if (r.lang && d.decided_lang && d.decided_lang !== r.lang) {
      const name = (l) => ({ kk: 'Қазақша', ru: 'Русский', en: 'English' })[l] || l;
      body.appendChild(el('p', { class: 'hint', id: 'rendered', text: t('result.rendered', { from: name(d.decided_lang), to: name(r.lang) }) }));
    }
    // the credit the data's licence requires (OpenStreetMap: ODbL), as the answer carries it
    if (r.dataset && r.dataset.attribution) {
      body.appendChild(el('p', { class: 'attribution', id: 'attribution', text: r.dataset.attribution }));
    }
    $('print').addEventListener('click', () => openDocument(d.links.report + '?lang=' + state.lang, 'text/html'));
    $('pdf').addEventListener('click', () => openDocument(d.links.pdf + '?lang=' + state.lang, 'application/pdf'));
  }

  // the record opens in a tab of its own; with a token it is fetched and shown as a blob
  async function openDocument(link, type) {
    if (!state.token) {
      window.open(link, '_blank', 'noopener');
      return;
    }
    const tab = window.open('', '_blank');
    try {
      const blob = await api(link.slice(API.length));
      tab.location = URL.createObjectURL(new Blob([blob], { type }));
    } catch (e) {
      tab.close();
      showError(e);
    }
  }

  // ---- several parcels at once: the screening job, a table of verdicts, the report -------------
  let batchRows = [], batchSort = { key: 'parcel', dir: 1 }, batchSay = () => '';
  function renderBatchStatus(error) {
    $('batch-status').textContent = batchSay();
    if (error !== undefined) $('batch-status').classList.toggle('error', error);
  }
  const VERDICT_ORDER = { prohibited: 0, conditional: 1, review: 2, clear: 3, error: 4 };
  function renderBatch() {
    const words = (state.rules[state.lang] || { words: {} }).words;
    const sel = $('batch-filter');
    const keep = sel.value;
    sel.textContent = '';
    sel.appendChild(el('option', { value: '', text: t('past.any') }));
    for (const v of ['prohibited', 'conditional', 'review', 'clear', 'error']) sel.appendChild(el('option', { value: v, text: words['verdict.' + v] || v }));
    sel.value = keep;
    const key = batchSort.key;
    const value = (r) => (key === 'verdict' ? VERDICT_ORDER[r.verdict] : key === 'encumbered_share' ? (r.encumbered_share || 0) : String(r.parcel || ''));
    const rows = batchRows.filter((r) => !sel.value || r.verdict === sel.value)
      .sort((a, b) => (value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : 0) * batchSort.dir);
    document.querySelectorAll('#batch-table th').forEach((th) => {
      const b = th.querySelector('button');
      if (b.dataset.sort === key) th.setAttribute('aria-sort', batchSort.dir > 0 ? 'ascending' : 'descending'); else th.removeAttribute('aria-sort');
    });
    const body = $('batch-table').querySelector('tbody');
    body.textContent = '';
    for (const r of rows) {
      const open = el('button', { type: 'button', class: 'open-parcel', text: r.parcel || '—' });
      open.addEventListener('click', () => {
        const f = (state.uploaded || []).find((u) => u.properties.id === r.parcel);
        if (f) useFeature(JSON.parse(JSON.stringify(f)), true);
      });
      body.appendChild(el('tr', { 'data-verdict': r.verdict }, [
        el('td', {}, [open]),
        el('td', {}, [el('span', { class: 'v ' + r.verdict, text: words['verdict.' + r.verdict] || r.verdict })]),
        el('td', { text: r.encumbered_share == null ? '' : percent(r.encumbered_share) }),
      ]));
    }
  }
  document.querySelectorAll('#batch-table th button').forEach((b) => b.addEventListener('click', () => {
    batchSort = { key: b.dataset.sort, dir: batchSort.key === b.dataset.sort ? -batchSort.dir : 1 };
    renderBatch();
  }));
  $('batch-filter').addEventListener('input', renderBatch);
  $('batch').addEventListener('click', async () => {
    const file = state.uploadFile;
    if (!file) return;
    $('batch').disabled = true;
    $('batch-result').hidden = true;
    // said again in the page's language when it changes
    const say = (key, values) => { batchSay = () => t(key, values); renderBatchStatus(false); };
    try {
      say('batch.sending');
      let job = await api('/screen', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: file });
      while (job.state === 'queued' || job.state === 'running') {
        say('batch.running', { state: job.state, done: (job.progress && job.progress.written) || 0 });
        await new Promise((r) => setTimeout(r, 400));
        job = await api('/jobs/' + job.id);
      }
      if (job.state !== 'done') throw new Error(job.error || job.state);
      const [v] = await Promise.all([api('/jobs/' + job.id + '/parcels?lang=' + state.lang), loadRules()]);
      batchRows = v.parcels;
      $('batch-download').href = API + '/jobs/' + job.id + '/report.gpkg';
      say('batch.done', { n: v.total });
      $('batch-result').hidden = false;
      renderBatch();
    } catch (e) {
      batchSay = () => e.message;
      renderBatchStatus(true);
    } finally {
      $('batch').disabled = false;
    }
  });

  // ---- past decisions: searchable by number, verdict and date; each opens its record ------------
  let past = [];
  async function loadPast() {
    try {
      past = (await api('/decisions?limit=500')).decisions;
      renderPast();
    } catch (e) { /* shown when asked again */ }
  }
  function renderPast() {
    const sel = $('past-verdict');
    const keep = sel.value;
    sel.textContent = '';
    const words = (state.rules[state.lang] || { words: {} }).words;
    sel.appendChild(el('option', { value: '', text: t('past.any') }));
    for (const v of ['prohibited', 'conditional', 'review', 'clear']) sel.appendChild(el('option', { value: v, text: words['verdict.' + v] || v }));
    sel.value = keep;
    const norm = (x) => String(x || '').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
    const q = norm($('past-q').value);
    const day = $('past-date').value;
    const list = $('past-list');
    list.textContent = '';
    const shown = past.filter((d) => (!q || norm(d.parcel_ids).includes(q) || norm(d.id).includes(q))
      && (!sel.value || d.verdict === sel.value) && (!day || d.created_at.startsWith(day)));
    for (const d of shown.slice(0, 100)) {
      const a = el('a', { href: API + '/decisions/' + encodeURIComponent(d.id) + '/report?lang=' + state.lang, target: '_blank', rel: 'noopener', class: 'mono', text: d.id });
      a.addEventListener('click', (e) => {
        if (!state.token) return;
        e.preventDefault();
        openDocument(API + '/decisions/' + encodeURIComponent(d.id) + '/report?lang=' + state.lang, 'text/html');
      });
      list.appendChild(el('li', {}, [
        a,
        el('span', { class: 'v ' + d.verdict, text: words['verdict.' + d.verdict] || d.verdict }),
        el('span', { text: d.parcel_ids }),
        el('span', { class: 'hint', text: d.created_at.slice(0, 16).replace('T', ' ') }),
      ]));
    }
    if (!shown.length) list.appendChild(el('li', { class: 'hint', text: t('past.none') }));
  }
  $('past-box').addEventListener('toggle', () => { if ($('past-box').open) loadRules().then(loadPast); });
  for (const id of ['past-q', 'past-verdict', 'past-date']) $(id).addEventListener('input', renderPast);

  // ---- finding a parcel: search, paste, upload, draw --------------------------------------------
  let searchTimer = null, searchHits = [], searchActive = -1, searchEmpty = false;
  function renderSearch() {
    const list = $('place-list');
    list.textContent = '';
    searchHits.forEach((p, i) => {
      const text = p.parcel
        ? p.parcel.properties.id + ' — ' + (p.uploaded ? t('find.upload') : t('find.cadastre')) + (p.parcel.properties.use ? ' · ' + p.parcel.properties.use : '')
        : p.name + (p.name !== p.names.en ? ' — ' + p.names.en : '');
      const li = el('li', { role: 'option', id: 'place-' + i, 'aria-selected': String(i === searchActive), class: p.parcel ? 'parcel-hit' : 'place-hit', text });
      li.addEventListener('mousedown', (e) => { e.preventDefault(); choosePlace(i); });
      list.appendChild(li);
    });
    if (searchEmpty) list.appendChild(el('li', { role: 'option', 'aria-disabled': 'true', text: t('find.no_place') }));
    const open = list.children.length > 0;
    list.hidden = !open;
    $('place').setAttribute('aria-expanded', String(open));
    if (searchActive >= 0) $('place').setAttribute('aria-activedescendant', 'place-' + searchActive);
    else $('place').removeAttribute('aria-activedescendant');
  }
  function choosePlace(i) {
    const p = searchHits[i];
    if (!p) return;
    clearTimeout(searchTimer);
    searchHits = [];
    searchEmpty = false;
    searchActive = -1;
    renderSearch();
    if (p.parcel) {
      // a cadastral number: the parcel itself, with the use its file states
      $('place').value = p.parcel.properties.id;
      useFeature(JSON.parse(JSON.stringify(p.parcel)), true);
      return;
    }
    $('place').value = p.name;
    const [w, s, e, n] = p.bbox;
    map.fitBounds([[w, s], [e, n]], { padding: 40, duration: 0 });
  }
  $('place').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(async () => {
      const q = $('place').value.trim();
      if (!q) { searchHits = []; searchEmpty = false; renderSearch(); return; }
      try {
        const [v, c] = await Promise.all([
          api('/places?q=' + encodeURIComponent(q) + '&lang=' + state.lang),
          /[0-9]/.test(q) ? api('/parcels?q=' + encodeURIComponent(q)) : Promise.resolve({ parcels: [] }),
        ]);
        if ($('place').value.trim() !== q) return; // typed on meanwhile
        // numbers as people type them: with or without dashes, colons, spaces
        const key = q.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
        const norm = (id) => String(id).toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
        const uploaded = key.length >= 2 ? (state.uploaded || []).filter((f) => norm(f.properties.id).startsWith(key)).slice(0, 10) : [];
        const parcels = c.parcels.map((f) => ({ parcel: f })).concat(uploaded.map((f) => ({ parcel: f, uploaded: true })));
        searchHits = parcels.concat(v.places);
        searchEmpty = !searchHits.length;
        searchActive = searchHits.length ? 0 : -1;
        renderSearch();
      } catch (e) { setStatus(e.message, true); }
    }, 120);
  });
  $('place').addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && searchHits.length) { searchActive = (searchActive + 1) % searchHits.length; renderSearch(); e.preventDefault(); }
    else if (e.key === 'ArrowUp' && searchHits.length) { searchActive = (searchActive - 1 + searchHits.length) % searchHits.length; renderSearch(); e.preventDefault(); }
    else if (e.key === 'Enter') { choosePlace(Math.max(0, searchActive)); e.preventDefault(); }
    else if (e.key === 'Escape') { searchHits = []; searchEmpty = false; searchActive = -1; renderSearch(); }
  });
  $('place').addEventListener('blur', () => setTimeout(() => { searchHits = []; searchEmpty = false; searchActive = -1; renderSearch(); }, 150));

  // pasted coordinates and WKT are read by the desk (any CRS) and drawn before the check
  async function showPasted(text, crs) {
    const kind = /^\s*(multi)?polygon/i.test(text) ? 'wkt' : 'coordinates';
    $('swap-offer').hidden = true;
    setStatus(() => t('find.reading'));
    const body = { crs };
    body[kind] = text;
    try {
      const v = await api('/preview', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const f = v.features[0];
      f.properties = {};
      useFeature(f, true, { kind, text, crs });
    } catch (e) {
      state.parcel = null;
      drawer.clear();
      setStatus(e.message + (e.code ? ' [' + e.code + ']' : ''), true);
      if (e.swap) {
        $('swap-offer').hidden = false;
        $('swap-text').textContent = t('find.swap_offer');
      }
    }
  }
  $('paste-go').addEventListener('click', () => {
    const text = $('paste').value.trim();
    const crs = $('paste-crs').value.trim() || 'EPSG:4326';
    if (text) showPasted(text, crs);
  });
  $('swap').addEventListener('click', () => {
    // each position's two numbers the other way round, WKT or lines of x y
    const text = $('paste').value.trim();
    const swapped = /^\s*(multi)?polygon/i.test(text)
      ? text.replace(/(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s+(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)/gi, '$2 $1')
      : text.split(/\n/).map((l) => {
        const parts = l.trim().split(/[\s,;]+/);
        return parts.length === 2 ? parts[1] + ' ' + parts[0] : l;
      }).join('\n');
    $('paste').value = swapped;
    showPasted(swapped, $('paste-crs').value.trim() || 'EPSG:4326');
  });

  $('upload').addEventListener('change', async () => {
    const file = $('upload').files[0];
    if (!file) return;
    $('batch').hidden = true;
    $('batch-result').hidden = true;
    batchSay = () => '';
    renderBatchStatus(false);
    state.uploadFile = null;
    setStatus(() => t('find.reading_file', { name: file.name }));
    try {
      const v = await api('/import', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: file });
      const pick = $('upload-pick');
      pick.textContent = '';
      if (v.features.length === 1) {
        pick.hidden = true;
        $('upload-pick-label').hidden = true;
        useFeature(v.features[0], true);
      } else if (v.features.length > 1) {
        $('upload-pick-label').textContent = t('find.upload_found', { n: v.features.length });
        state.uploaded = v.features; // searchable by number, as the cadastre is
        // a zipped Shapefile or a GeoPackage: all its parcels can be screened at once
        if (/\.(zip|gpkg)$/i.test(file.name)) {
          state.uploadFile = file;
          $('batch').hidden = false;
          $('batch').textContent = t('batch.run', { n: v.features.length });
        }
        $('upload-pick-label').hidden = false;
        pick.hidden = false;
        v.features.forEach((f, i) => pick.appendChild(el('option', { value: String(i), text: f.properties.id + (f.properties.use ? ' — ' + f.properties.use : '') })));
        pick.onchange = () => useFeature(v.features[Number(pick.value)], true);
        useFeature(v.features[0], true);
      } else {
        setStatus(() => (v.problems[0] && v.problems[0].error) || t('find.no_parcel'), true);
      }
    } catch (e) {
      setStatus(e.message, true);
    }
  });

  $('draw').addEventListener('click', () => {
    if (drawer.drawing) { drawer.cancel(); return; }
    state.parcel = null;
    drawer.start();
  });
  $('finish').addEventListener('click', () => drawer.finish());
  $('clear').addEventListener('click', () => {
    drawer.clear();
    state.parcel = null;
    state.result = null;
    map.getSource('result').setData({ type: 'FeatureCollection', features: [] });
    $('result-body').textContent = '';
    $('result-body').appendChild(el('p', { class: 'hint', text: t('result.none') }));
    setStatus('');
  });
  $('check').addEventListener('click', check);
  $('use').addEventListener('change', () => {
    refreshLayers(true);
    if (state.result && state.parcel) check();
  });
  document.querySelectorAll('.langs button').forEach((b) => b.addEventListener('click', async () => {
    state.lang = b.dataset.lang;
    localStorage.setItem('aimaq-lang', state.lang);
    applyTexts();
    refreshLayers(true);
    // one decision, any language: the shown decision is rendered again in the new
    // language from the store (same id, nothing recorded)
    if (state.result) await rerender();
    if ($('past-box').open) loadRules().then(renderPast);
    if (batchRows.length) loadRules().then(renderBatch);
    renderBatchStatus();
    if (state.uploadFile) $('batch').textContent = t('batch.run', { n: (state.uploaded || []).length });
  }));
  $('token-save').addEventListener('click', () => {
    state.token = $('token').value.trim();
    sessionStorage.setItem('aimaq-token', state.token);
    $('token-bar').hidden = true;
    start();
  });

  // ---- start -----------------------------------------------------------------------------------
  async function start() {
    try {
      const [texts, uses, layers, placeList] = await Promise.all([
        fetch('/assets/i18n.json').then((r) => r.json()),
        api('/uses'),
        api('/layers'),
        api('/places?q='),
      ]);
      state.texts = texts;
      try {
        const o = JSON.parse(localStorage.getItem('aimaq-officer') || '{}');
        if (o.officer) $('officer').value = o.officer;
        if (o.position) $('position').value = o.position;
      } catch (e) { /* nothing remembered */ }
      state.uses = uses.uses;
      state.layerLabels = Object.fromEntries(layers.layers.map((l) => [l.name, l.labels || {}]));
      places = placeList.places;
      const saved = localStorage.getItem('aimaq-lang');
      const browser = (navigator.language || 'en').slice(0, 2);
      state.lang = saved || (['kk', 'ru'].includes(browser) ? browser : 'en');
      // on a phone the legend would hide the map: it opens on demand
      if (window.matchMedia('(max-width: 820px)').matches) $('legend').open = false;
      if (!map) initMap(layers.extent, layers.credit);
      applyTexts();
    } catch (e) {
      setStatus(e.message, true);
    }
  }

  function initMap(extent, credit) {
    maplibregl.setWorkerUrl('/assets/vendor/maplibre-gl-csp-worker.js');
    map = new maplibregl.Map({
      container: 'map',
      style: { version: 8, sources: {}, layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#f4f1ea' } }] },
      bounds: [[extent[0], extent[1]], [extent[2], extent[3]]],
      fitBoundsOptions: { padding: 10 },
      attributionControl: { compact: true, customAttribution: credit || 'aimaq' },
      maxZoom: 19,
      preserveDrawingBuffer: true,
    });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-right');
    map.on('load', () => {
      addLayers();
      drawer = new window.ParcelDrawer(map, {
        onStatus: (n, tooFew) => setStatus(() => (tooFew ? t('find.need3') : (n ? t('find.corners', { n }) : '')), tooFew),
        onMode: (on) => {
          $('draw').setAttribute('aria-pressed', String(on));
          $('finish').disabled = !on;
          $('crosshair').hidden = !on;
        },
        onFinish: (ring) => useFeature({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }, false),
      });
      drawer.attach();
      // the drawn outline under the result: after a check the parcel is the verdict's colour
      for (const id of RESULT_LAYERS) map.moveLayer(id, 'draw-vertices');
      refreshLayers(true);
      placeLabels();
      map.on('moveend', () => { refreshLayers(false); waterLabels(); });
      map.on('click', (e) => { if (!drawer.drawing) loadRules().then(() => identify(e.point, e.lngLat)); });
      map.getContainer().addEventListener('keydown', (e) => {
        if (e.key !== 'Enter' || drawer.drawing) return;
        const c = map.getCenter();
        loadRules().then(() => identify(map.project(c), c));
      });
      applySwitches();
      window.aimaqMap = map; // for the browser test
      document.body.dataset.ready = 'true';
    });
  }

  start();
})();
