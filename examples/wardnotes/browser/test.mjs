// Drives Ward Notes in headless Chromium for the end-to-end test
// (e2e/localapps_test.go), which runs the agent, identityd and the app and
// serves CONTROL: GET /ticket?audience=NAME (runs `cardagent ticket`),
// POST /pull and POST /resume (the card out; back in with its passcode).
// Prints one JSON line of results; exits non-zero on the first failure.
import { chromium } from 'playwright-core';

const APP = process.env.APP, CONTROL = process.env.CONTROL;
const NAME = process.env.EXPECT_NAME, ROLE = process.env.EXPECT_ROLE;
const results = {};
const SHOTS = process.env.SHOTS; // a directory: the pages are saved there too

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/wardnotes-${name}.png` });
}

function check(ok, what) {
  if (!ok) throw new Error(what);
}

async function control(method, path) {
  const r = await fetch(CONTROL + path, { method });
  const text = await r.text();
  check(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text.trim();
}

// b64 and unb64 are base64url without padding, as in a JWT.
const b64 = (s) => Buffer.from(s).toString('base64url');
const unb64 = (s) => Buffer.from(s, 'base64url').toString();

async function submitTicket(page, ticket) {
  await page.goto(APP + '/signin');
  await page.locator('#paste summary').click();
  await page.fill('#ticket', ticket);
  await Promise.all([page.waitForLoadState('load'), page.click('#signin-ticket')]);
}

async function refused(page, ticket, words, what) {
  await submitTicket(page, ticket);
  const problem = await page.locator('#problem').textContent({ timeout: 5000 }).catch(() => '');
  check(problem.includes('refused') && problem.includes(words), `${what}: the page says "${problem}" (wanted "${words}")`);
  check(!(await page.locator('#user').count()), `${what}: signed in`);
  results[what] = problem;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox'], // the tests run as root
});
try {
  // Sign in from the agent's ticket: the page shows who, in which role.
  const clinician = await browser.newPage();
  await clinician.goto(APP + '/');
  check(clinician.url().endsWith('/signin'), `not signed in, / went to ${clinician.url()}`);
  await clinician.click('#signin-agent');
  await clinician.waitForSelector('#user', { timeout: 10000 });
  check((await clinician.textContent('#user')) === NAME, `signed in as "${await clinician.textContent('#user')}"`);
  check((await clinician.textContent('#role')) === ROLE, `in role "${await clinician.textContent('#role')}"`);
  await clinician.waitForSelector('body[data-watching="yes"]', { timeout: 10000 });
  await shot(clinician, 'signed-in');

  // Tickets that must be refused, in another browser context.
  const other = await (await browser.newContext()).newPage();
  await refused(other, await control('GET', '/ticket?audience=other-app'), 'another application', 'other_audience');
  const genuine = await control('GET', '/ticket?audience=ward-notes');
  const [head, body, sig] = genuine.split('.');
  const claims = JSON.parse(unb64(body));
  await refused(other, [head, b64(JSON.stringify({ ...claims, name: 'Mallory Forger', role: 'Registration Authority' })), sig].join('.'),
    'forged or altered', 'forged');
  await refused(other, [b64('{"alg":"none","typ":"JWT"}'), body, ''].join('.'), 'not a ticket signed', 'unsigned');
  await refused(other, 'not-a-ticket', 'not a ticket signed', 'garbage');
  // A genuine ticket pasted signs in; once expired it is refused.
  await submitTicket(other, await control('GET', '/ticket?audience=ward-notes')); // fresh: they last seconds here
  check((await other.locator('#user').textContent({ timeout: 5000 })) === NAME, 'a genuine pasted ticket did not sign in');
  const late = await control('GET', '/ticket?audience=ward-notes');
  const exp = JSON.parse(unb64(late.split('.')[1])).exp * 1000;
  await new Promise((r) => setTimeout(r, Math.max(0, exp - Date.now()) + 1100)); // until it has expired
  await refused(other, late, 'expired', 'expired');
  await shot(other, 'refused');

  // The card pulled: the page goes to its lock by itself.
  const pulled = Date.now();
  await control('POST', '/pull');
  await clinician.waitForURL(/\/locked$/, { timeout: 10000 });
  await clinician.waitForSelector('#locked');
  results.pull_to_locked_ms = Date.now() - pulled;
  await shot(clinician, 'locked');
  // Every sign-in of this desktop is locked, and the agent gives no ticket.
  await other.goto(APP + '/');
  check(other.url().endsWith('/locked'), `the other sign-in went to ${other.url()} after the pull`);
  await Promise.all([clinician.waitForLoadState('load'), clinician.click('#signin-again')]);
  const problem = await clinician.locator('#problem').textContent({ timeout: 5000 });
  check(problem.includes('locked'), `signing in while locked says "${problem}"`);

  // The card back, its passcode typed: signing in works again.
  await control('POST', '/resume');
  await clinician.click('#signin-agent');
  await clinician.waitForSelector('#user', { timeout: 10000 });
  check((await clinician.textContent('#user')) === NAME, 'after the resume');
  console.log(JSON.stringify(results));
} finally {
  await browser.close();
}
