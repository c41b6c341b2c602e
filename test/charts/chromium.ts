import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The headless Chromium binary: `$CHROMIUM`, else the first of the usual names on PATH. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter((c): c is string =>
    Boolean(c),
  );
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

/**
 * Script put first in the page under test: records console errors and warnings, uncaught errors,
 * rejected promises and every network request the page tries (fetch, XHR) as JSON attributes of
 * `<html>`, so `--dump-dom` shows them.
 */
const HARNESS = `<script>
(function () {
  var root = document.documentElement;
  function record(name, text) {
    var list = JSON.parse(root.getAttribute(name) || '[]');
    list.push(String(text));
    root.setAttribute(name, JSON.stringify(list));
  }
  ['error', 'warn'].forEach(function (level) {
    var original = console[level];
    console[level] = function () { record('data-console-errors', level + ': ' + Array.prototype.join.call(arguments, ' ')); return original.apply(console, arguments); };
  });
  window.addEventListener('error', function (event) { record('data-console-errors', 'uncaught: ' + event.message); });
  window.addEventListener('unhandledrejection', function (event) { record('data-console-errors', 'unhandled rejection: ' + event.reason); });
  var open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url) { record('data-network', url); return open.apply(this, arguments); };
  if (window.fetch) { var f = window.fetch; window.fetch = function (url) { record('data-network', url); return f.apply(this, arguments); }; }
})();
</script>`;

export interface RenderedPage {
  /** The DOM after scripts ran. */
  dom: string;
  /** Chromium's log (console lines appear as `CONSOLE`). */
  log: string;
  consoleErrors: string[];
  networkRequests: string[];
}

function attributeList(dom: string, name: string): string[] {
  const match = new RegExp(`<html[^>]*\\s${name}="([^"]*)"`).exec(dom);
  if (!match) return [];
  return JSON.parse(
    match[1]
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  ) as string[];
}

/**
 * Loads `htmlFile` (with the harness added) in headless Chromium with every host name unresolvable,
 * lets its scripts run for up to `budgetMs` of virtual time, and returns the DOM and what the
 * harness recorded.
 */
export async function renderPage(chromium: string, htmlFile: string, budgetMs = 15_000): Promise<RenderedPage> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pp-chromium-'));
  try {
    const page = path.join(dir, 'page.html');
    const html = await readFile(htmlFile, 'utf8');
    await writeFile(page, html.replace(/<head>/i, `<head>${HARNESS}`));
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      `--user-data-dir=${path.join(dir, 'profile')}`,
      '--host-resolver-rules=MAP * ~NOTFOUND',
      `--virtual-time-budget=${budgetMs}`,
      '--enable-logging=stderr',
      '--v=0',
      '--dump-dom',
      `file://${page}`,
    ];
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>(
      (resolve, reject) => {
        const child = spawn(chromium, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
        const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
        child.on('error', reject);
        child.on('close', (exitCode) => {
          clearTimeout(timer);
          resolve({
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8'),
            code: exitCode,
          });
        });
      },
    );
    if (code !== 0 || !stdout.includes('</html>'))
      throw new Error(`chromium exited with ${code}: ${stderr.split('\n').slice(-5).join(' | ')}`);
    return {
      dom: stdout,
      log: stderr,
      consoleErrors: attributeList(stdout, 'data-console-errors'),
      networkRequests: attributeList(stdout, 'data-network'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
