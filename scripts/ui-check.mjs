// Headless Chromium against a running gateway: loads the explorer (waits for finalised blocks and
// the metagraph; reads the pools of a dynamic chain), then the chat page, sends a message and waits for the streamed answer; saves a
// screenshot of each page; with IMAGE, also attaches that image in the chat page and waits for the OCR
// subnet's reading. Prints one JSON line with what it saw.
// Usage: NODE_PATH=<node_modules> node scripts/ui-check.mjs GATEWAY_URL API_KEY OUT_DIR [IMAGE]
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const [url, key, out, image] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const result = {};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${url}/explorer`);
  await page.waitForSelector('#blocks tr', { timeout: 30000 });
  await page.waitForSelector('#metagraph tr td', { timeout: 30000 });
  await page.waitForTimeout(3500); // one refresh, so the charts have points
  result.explorer_blocks = await page.locator('#blocks tr').count();
  result.metagraph_rows = await page.locator('#metagraph tr').count();
  result.status = await page.locator('#status').innerText();
  // A dynamic-TAO chain shows its pools (root and the subnet) with a price.
  result.pool_rows = await page.locator('#pools tr').count();
  result.subnet_price = result.pool_rows > 1 ? await page.locator('#pools tr').nth(1).locator('td').nth(1).innerText() : null;
  await page.screenshot({ path: `${out}/explorer.png`, fullPage: true });

  const chat = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  await chat.goto(`${url}/chat#key=${key}`);
  await chat.fill('#prompt', 'Write one sentence about the ocean.');
  await chat.click('#send');
  const answer = chat.locator('.msg.assistant').last();
  await chat.waitForFunction(() => {
    const m = [...document.querySelectorAll('.msg.assistant')].pop();
    return m && m.dataset.done;
  }, null, { timeout: 120000 });
  result.chat_done = await answer.getAttribute('data-done');
  result.chat_text = await answer.locator('.text').innerText();
  result.chat_uid = await answer.getAttribute('data-uid');
  result.chat_status = await chat.locator('#status').innerText();
  await chat.screenshot({ path: `${out}/chat.png`, fullPage: true });

  if (image) {
    // The explorer names each subnet's kind.
    result.subnet_kinds = await page.locator('#subnets tr td.kind').allInnerTexts();
    await chat.setInputFiles('#image', image);
    await chat.click('#send');
    const reading = chat.locator('.msg.assistant').last();
    await chat.waitForFunction((n) => {
      const all = document.querySelectorAll('.msg.assistant');
      return all.length > n && all[all.length - 1].dataset.done;
    }, 1, { timeout: 120000 });
    result.ocr_done = await reading.getAttribute('data-done');
    result.ocr_text = await reading.locator('.text').innerText();
    result.ocr_uid = await reading.getAttribute('data-uid');
    await chat.screenshot({ path: `${out}/chat-ocr.png`, fullPage: true });
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
