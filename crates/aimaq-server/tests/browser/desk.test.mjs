// End-to-end: the permit desk in Debian's Chromium, driven by playwright-core (which never
// downloads a browser). Run by .ci/browser-tests, which starts `aimaq serve` and sets:
//   AIMAQ_URL          the desk, e.g. http://127.0.0.1:40123/
//   AIMAQ_OUT          a scratch directory (PDFs)
//   AIMAQ_SCREENSHOTS  where screenshots go (docs/img)
//   CHROMIUM           the browser (default /usr/bin/chromium)
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const url = process.env.AIMAQ_URL;
const out = process.env.AIMAQ_OUT;
const shots = process.env.AIMAQ_SCREENSHOTS;
assert.ok(url && out && shots, 'AIMAQ_URL, AIMAQ_OUT and AIMAQ_SCREENSHOTS must be set');
mkdirSync(shots, { recursive: true });

const started = Date.now();
const step = (what) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);

// P-025 of fixtures/parcels/demo.geojson: a car wash 400 m from the Turgen
const demo = JSON.parse(readFileSync(join(here, '../../../../fixtures/parcels/demo.geojson'), 'utf8'));
const p025 = demo.features.find((f) => f.properties.id === 'P-025');
const corners = p025.geometry.coordinates[0].slice(0, -1);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const problems = [];

async function open(viewport, extra) {
  const context = await browser.newContext({ viewport, locale: 'en-US', ...(extra || {}) });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

async function mapIdle(page) {
  await page.evaluate(() => new Promise((resolve) => {
    const map = window.aimaqMap;
    if (map.loaded() && !map.isMoving()) setTimeout(resolve, 150);
    else map.once('idle', resolve);
  }));
}

function pdfText(file) {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

async function noOverflow(page, what) {
  const o = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: window.innerWidth }));
  assert.ok(o.sw <= o.w, `${what}: the page is wider than the window (${o.sw} > ${o.w})`);
}

try {
  // ---- 1280×800: draw a parcel by the Turgen, choose vehicle_wash, see PROHIBITED ----------
  step('desktop 1280×800: find Esik, draw the parcel by the Turgen');
  const page = await open({ width: 1280, height: 800 });
  await page.click('button[data-lang="en"]');
  await noOverflow(page, '1280×800');
  const whole = await page.evaluate(() => document.body.scrollHeight);
  assert.ok(whole <= 800, `1280×800: the page scrolls (${whole} px); the panel should scroll instead`);
  await page.fill('#place', 'Есік');
  await page.waitForSelector('#place-list li[role="option"]');
  assert.match(await page.textContent('#place-list li'), /Esik/);
  await page.keyboard.press('Enter');
  await mapIdle(page);
  step('Esik found; to the Turgen');
  // the river is 30 km east of Esik: move there as an officer pans and zooms
  await page.evaluate(([lng, lat]) => window.aimaqMap.jumpTo({ center: [lng, lat], zoom: 16.5 }), corners[0]);
  await mapIdle(page);
  await page.click('#draw');
  assert.equal(await page.getAttribute('#draw', 'aria-pressed'), 'true');
  const box = await page.locator('#map').boundingBox();
  for (const c of corners) {
    const p = await page.evaluate((c) => window.aimaqMap.project(c), c);
    await page.mouse.click(box.x + p.x, box.y + p.y);
  }
  await page.click('#finish');
  assert.match(await page.textContent('#parcel-status'), /ready/);
  step('drawn; checking as a car wash');
  await page.selectOption('#use', 'vehicle_wash');
  await page.fill('#app-id', 'APP-2026-0412');
  await page.click('#check');
  await page.waitForSelector('#verdict');
  assert.equal(await page.textContent('#verdict'), 'PROHIBITED');
  const water = page.locator('li.finding[data-rule="water.zone"]');
  assert.equal(await water.count(), 1, 'the water-protection zone finding');
  const waterText = await water.textContent();
  for (const want of ['Water-protection zone', 'Turgen', 'wb-005', '< 550 m', 'PROHIBITED', 'L541-542', 'L593-600']) {
    assert.ok(waterText.includes(want), `the water.zone finding says ${want}: ${waterText}`);
  }
  const id = await page.textContent('#decision-id');
  assert.match(id, /^\d{8}-[0-9A-Z]{8}$/);
  // the parcel and the river in one view, the findings in the panel
  const frame = async (p) => {
    await p.evaluate(() => window.aimaqMap.jumpTo({ center: [77.7547, 43.3283], zoom: 15.1 }));
    await p.evaluate(() => document.getElementById('result').scrollIntoView({ block: 'start' }));
    await mapIdle(p);
  };
  await frame(page);
  await page.screenshot({ path: join(shots, 'desk-en.png') });

  step('switch to Kazakh: the page and the decision in Kazakh');
  await page.click('button[data-lang="kk"]');
  await page.waitForFunction(() => document.querySelector('#verdict')?.textContent === 'ТЫЙЫМ САЛЫНҒАН');
  const idKk = await page.textContent('#decision-id');
  assert.notEqual(idKk, id, 'a new language is a new decision');
  assert.equal(await page.getAttribute('html', 'lang'), 'kk');
  assert.equal(await page.textContent('#check'), 'Тексеру');
  const waterKk = await page.locator('li.finding[data-rule="water.zone"]').textContent();
  assert.ok(waterKk.includes('Су қорғау аймағы'), waterKk);
  await frame(page);
  await page.screenshot({ path: join(shots, 'desk-kk.png') });

  step('print the decision: the record in a tab of its own, to PDF');
  const [record] = await Promise.all([page.waitForEvent('popup'), page.click('#print')]);
  await record.waitForLoadState('load');
  assert.ok((await record.content()).includes(idKk));
  const printed = join(out, 'decision-printed.pdf');
  await record.pdf({ path: printed, format: 'A4', printBackground: true, preferCSSPageSize: true });
  const text = pdfText(printed);
  for (const want of [idKk, 'water.zone', 'Turgen', 'ТЫЙЫМ САЛЫНҒАН', 'L593-600', 'L541-542', 'APP-2026-0412']) {
    assert.ok(text.includes(want), `the printed record holds ${want}`);
  }
  await record.setViewportSize({ width: 900, height: 1270 });
  await record.screenshot({ path: join(shots, 'decision-record.png'), fullPage: false });

  step('the desk renders the same record as report.pdf through its own Chromium');
  const links = await page.evaluate(() => window.aimaq.result.decision.links);
  const res = await page.request.get(new URL(links.pdf, url).href);
  assert.equal(res.status(), 200, await res.text());
  assert.equal(res.headers()['content-type'], 'application/pdf');
  const served = join(out, 'decision-served.pdf');
  writeFileSync(served, await res.body());
  const servedText = pdfText(served);
  for (const want of [idKk, 'water.zone', 'Turgen', 'L593-600']) {
    assert.ok(servedText.includes(want), `report.pdf holds ${want}`);
  }

  // ---- a phone: upload the parcel as GeoJSON, check, no sideways scrolling --------------------
  step('phone 390×844: upload a GeoJSON parcel and check it in Russian');
  const phone = await open({ width: 390, height: 844 }, { isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await phone.click('button[data-lang="ru"]');
  await noOverflow(phone, '390×844');
  const upload = join(out, 'p025.geojson');
  writeFileSync(upload, JSON.stringify({ type: 'FeatureCollection', features: [p025] }));
  await phone.click('#upload-box summary');
  await phone.setInputFiles('#upload', upload);
  await phone.waitForFunction(() => /P-025/.test(document.querySelector('#parcel-status').textContent));
  assert.equal(await phone.inputValue('#use'), 'vehicle_wash', 'the file states the use');
  await mapIdle(phone);
  await phone.screenshot({ path: join(shots, 'desk-phone-map.png') });
  await phone.click('#check');
  await phone.waitForSelector('#verdict');
  assert.equal(await phone.textContent('#verdict'), 'ЗАПРЕЩЕНО');
  await noOverflow(phone, '390×844 with a result');
  await mapIdle(phone);
  await phone.screenshot({ path: join(shots, 'desk-phone.png') });

  // ---- the keyboard alone: search, draw with the crosshair, check ----------------------------------
  step('keyboard only: search, draw with Space and arrows, check');
  // a fresh context: English from its locale, nothing clicked, the focus at the start
  const kb = await open({ width: 1280, height: 800 });
  await kb.keyboard.press('Tab');
  assert.equal(await kb.evaluate(() => document.activeElement.className), 'skip', 'the skip link comes first');
  const tabTo = async (id) => {
    for (let i = 0; i < 40; i++) {
      if (await kb.evaluate(() => document.activeElement.id) === id) return;
      await kb.keyboard.press('Tab');
    }
    assert.fail(`Tab never reaches #${id}`);
  };
  await tabTo('place');
  await kb.keyboard.type('Talg');
  await kb.waitForSelector('#place-list li[role="option"]');
  await kb.keyboard.press('Enter');
  await mapIdle(kb);
  await tabTo('draw');
  await kb.keyboard.press('Enter');
  assert.equal(await kb.evaluate(() => document.activeElement.tagName), 'CANVAS', 'drawing moves the focus to the map');
  assert.equal(await kb.isVisible('#crosshair'), true);
  for (const key of ['ArrowRight', 'ArrowDown', 'ArrowLeft']) {
    await kb.keyboard.press('Space');
    await kb.keyboard.press(key);
    await kb.keyboard.press(key);
    await mapIdle(kb);
  }
  await kb.keyboard.press('Space');
  await kb.keyboard.press('Enter');
  assert.equal(await kb.getAttribute('#draw', 'aria-pressed'), 'false');
  await tabTo('check');
  await kb.keyboard.press('Enter');
  await kb.waitForSelector('#verdict');
  const verdict = await kb.textContent('#verdict');
  assert.ok(['PROHIBITED', 'CONDITIONAL', 'REVIEW', 'CLEAR'].includes(verdict), verdict);
  step(`keyboard parcel in Talgar: ${verdict}`);

  assert.deepEqual(problems, [], 'no script errors');
  step('all passed');
} finally {
  await browser.close();
}
