import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Locator, Page } from 'playwright-core';
import request from 'supertest';
import { FakeAiProvider } from './fakes/fake-ai-provider';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminEnv } from './utils/admin';
import {
  launchBrowser,
  openPage,
  screenshot,
  seriousAccessibilityViolations,
  type WatchedPage,
} from './utils/browser';
import { createTestDatabase, type TestDatabase } from './utils/test-database';
import { startApp, type TestApp } from './utils/test-app';

/** Upper bounds for what a page waits on, generous for a loaded machine: waits end as soon as it shows. */
const WAIT_MS = 20_000;
const SETUP_MS = 120_000;
const STEP_MS = 60_000;
const AI_REPLY = 'Our shop is open from 9 to 5, Monday to Saturday.';
const HOSTILE_VISITOR_TEXT = '<img src=x onerror=alert(1)>';
const HOSTILE_AGENT_TEXT = '<script>alert(2)</script><b>bold</b>';
const NEW_AGENT_PASSWORD = 'a long and unusual passphrase';

/** The widget, inside the shadow root of <chat-widget> (Playwright's CSS reaches into open shadow roots). */
const widget = (page: Page) => page.locator('chat-widget');

async function openWidget(page: Page): Promise<void> {
  await widget(page).locator('button[part="launcher"]').click();
  await widget(page).getByRole('dialog').waitFor();
}

async function visitorSends(page: Page, text: string): Promise<void> {
  await widget(page).getByRole('textbox', { name: 'Message' }).fill(text);
  await widget(page).getByRole('button', { name: 'Send', exact: true }).click();
}

/** A message of that sender with exactly this text in the page's conversation log (shadow roots included). */
function messageIn(page: Page, sender: string, text: string): Locator {
  return page
    .getByRole('log')
    .locator(`[data-sender="${sender}"]`)
    .filter({ has: page.locator('.text', { hasText: text }) });
}

async function signInToConsole(
  page: Page,
  email = ADMIN_EMAIL,
  password = ADMIN_PASSWORD,
): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Live' }).waitFor();
}

async function openConversation(page: Page, sessionId: string) {
  await page.locator(`[data-session-id="${sessionId}"]`).first().click();
  await page.getByRole('textbox', { name: 'Reply' }).waitFor();
}

async function agentReplies(page: Page, text: string): Promise<void> {
  const composer = page.getByRole('textbox', { name: 'Reply' });
  await composer.fill(text);
  await composer.press('Enter');
}

async function storedContents(
  server: TestApp,
  sessionId: string,
): Promise<string[]> {
  const response = await request(server.url)
    .get(`/api/chat/messages/${sessionId}?limit=200`)
    .expect(200);
  return (response.body as { messages: { content: string }[] }).messages.map(
    (message) => message.content,
  );
}

/** Another site that embeds the widget with the one script tag of the README. */
async function startCustomerSite(
  widgetUrl: () => string,
): Promise<{ server: Server; origin: string }> {
  const server = createServer((_request, response) => {
    response.setHeader('Content-Type', 'text/html; charset=utf-8');
    response.end(
      `<!doctype html><html lang="en"><head><title>Customer site</title>` +
        `<style>* { font-family: serif !important; color: red !important; } button { display: none !important; }</style></head>` +
        `<body><main><h1>A customer's site</h1></main>` +
        `<script src="${widgetUrl()}" data-title="Shop help" data-color="#8a2be2" data-position="left" async></script></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://localhost:${port}` };
}

jest.setTimeout(STEP_MS);

describe('the widget and the console in a real browser', () => {
  let db: TestDatabase;
  let fake: FakeAiProvider;
  let server: TestApp;
  let browser: Browser;
  let customerSite: { server: Server; origin: string };
  let env: Record<string, string>;
  let visitor: WatchedPage;
  let agent: WatchedPage;
  let sessionId: string;

  const start = (port?: number) =>
    startApp(env, port === undefined ? {} : { port });

  beforeAll(async () => {
    fake = await FakeAiProvider.start();
    db = await createTestDatabase();
    customerSite = await startCustomerSite(() => `${server.url}/widget.js`);
    env = {
      ...db.env,
      ...adminEnv,
      AI_API_KEYS: 'sk-browser-test',
      AI_BASE_URL: fake.url,
      CORS_ORIGINS: customerSite.origin,
    };
    server = await start();
    browser = await launchBrowser();
  }, SETUP_MS);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => customerSite?.server.close(resolve));
    await fake?.close();
    await db?.drop();
  }, SETUP_MS);

  const everyPage = () => [visitor, agent].filter(Boolean);

  afterEach(() => {
    for (const watched of everyPage()) {
      expect(watched.errors).toEqual([]);
      expect(watched.cspViolations).toEqual([]);
      expect(watched.dialogs).toEqual([]);
    }
  });

  it('a visitor writes, the agent sees it in the console and replies, the visitor sees the reply', async () => {
    visitor = await openPage(browser, `${server.url}/`);
    visitor.page.setDefaultTimeout(WAIT_MS);
    await screenshot(visitor.page, 'demo-site');
    await openWidget(visitor.page);
    await visitorSends(visitor.page, 'Where is my order #1234?');
    await messageIn(visitor.page, 'user', 'Where is my order #1234?')
      .and(visitor.page.locator('[data-status="sent"]'))
      .waitFor();
    await messageIn(
      visitor.page,
      'ai',
      'Hello from the fake assistant.',
    ).waitFor();
    sessionId = await visitor.page.evaluate(
      (url) => localStorage.getItem(`chat-session:${url}`) ?? '',
      server.url,
    );
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    agent = await openPage(browser, `${server.url}/console`, {
      viewport: { width: 1440, height: 900 },
    });
    agent.page.setDefaultTimeout(WAIT_MS);
    await screenshot(agent.page, 'console-sign-in');
    await signInToConsole(agent.page);
    await openConversation(agent.page, sessionId);
    await messageIn(agent.page, 'user', 'Where is my order #1234?').waitFor();

    await agentReplies(agent.page, 'It ships tomorrow morning.');
    await messageIn(
      visitor.page,
      'admin',
      'It ships tomorrow morning.',
    ).waitFor();
    await messageIn(agent.page, 'admin', 'It ships tomorrow morning.')
      .and(agent.page.locator('[data-status="sent"]'))
      .waitFor();
  });

  it('streams the AI answer into both pages as it is written', async () => {
    // The agent's reply paused the assistant; the agent turns it back on.
    const aiSwitch = agent.page.getByRole('checkbox', { name: 'AI assistant' });
    await aiSwitch.waitFor();
    expect(await aiSwitch.isChecked()).toBe(false);
    await aiSwitch.check();
    await widget(visitor.page)
      .getByRole('button', { name: 'Talk to a person' })
      .waitFor();

    let release!: () => void;
    fake.enqueue({
      type: 'hold',
      text: AI_REPLY,
      chunks: ['Our shop is open', ' from 9 to 5,', ' Monday to Saturday.'],
      release: new Promise<void>((resolve) => (release = resolve)),
    });
    await visitorSends(visitor.page, 'When are you open?');

    for (const page of [visitor.page, agent.page]) {
      await page
        .locator('[data-draft]', { hasText: 'Our shop is open' })
        .waitFor();
    }
    await screenshot(visitor.page, 'widget-ai-draft');
    release();
    for (const page of [visitor.page, agent.page]) {
      await messageIn(page, 'ai', AI_REPLY).waitFor();
      await page.locator('[data-draft]').waitFor({ state: 'detached' });
      expect(await messageIn(page, 'ai', AI_REPLY).count()).toBe(1);
    }
  });

  it('hands the conversation to a person, resolves it and reopens it', async () => {
    await widget(visitor.page)
      .getByRole('button', { name: 'Talk to a person' })
      .click();
    await agent.page
      .getByRole('alert')
      .filter({ hasText: /person|hand/i })
      .waitFor();
    await agent.page
      .getByRole('checkbox', { name: 'AI assistant' })
      .and(agent.page.locator(':not(:checked)'))
      .waitFor();

    await agent.page.getByRole('button', { name: 'Resolve' }).click();
    await widget(visitor.page)
      .getByText(/resolved/i)
      .first()
      .waitFor();
    await agent.page.getByRole('button', { name: 'Reopen' }).waitFor();

    await visitorSends(visitor.page, 'One more question, please.');
    await messageIn(agent.page, 'user', 'One more question, please.').waitFor();
    await agent.page.getByRole('button', { name: 'Resolve' }).waitFor();
    await screenshot(agent.page, 'console-conversation');
  });

  it('shows markup as text in both pages and runs none of it', async () => {
    await visitorSends(visitor.page, HOSTILE_VISITOR_TEXT);
    await messageIn(agent.page, 'user', HOSTILE_VISITOR_TEXT).waitFor();
    await agentReplies(agent.page, HOSTILE_AGENT_TEXT);
    await messageIn(visitor.page, 'admin', HOSTILE_AGENT_TEXT).waitFor();

    for (const page of [visitor.page, agent.page]) {
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(
        await page.locator('[role="log"] b, [role="log"] script').count(),
      ).toBe(0);
      const texts = await page
        .getByRole('log')
        .locator('.text')
        .allTextContents();
      expect(texts).toEqual(
        expect.arrayContaining([HOSTILE_VISITOR_TEXT, HOSTILE_AGENT_TEXT]),
      );
    }
  });

  it('has no serious or critical accessibility violation in the widget or the console', async () => {
    expect(await seriousAccessibilityViolations(visitor.page)).toEqual([]);
    expect(await seriousAccessibilityViolations(agent.page)).toEqual([]);
  });

  it(
    'catches both pages up after a server restart, losing and doubling nothing',
    async () => {
      const port = Number(new URL(server.url).port);
      await server.close();
      for (const page of [visitor.page, agent.page]) {
        await page
          .getByRole('status')
          .filter({ hasText: 'Reconnecting' })
          .first()
          .waitFor();
      }
      await visitorSends(visitor.page, 'Sent while the server was away');
      await messageIn(visitor.page, 'user', 'Sent while the server was away')
        .and(visitor.page.locator('[data-status="sending"]'))
        .waitFor();
      await screenshot(visitor.page, 'widget-reconnecting');

      server = await start(port);
      await messageIn(visitor.page, 'user', 'Sent while the server was away')
        .and(visitor.page.locator('[data-status="sent"]'))
        .waitFor({ timeout: 2 * WAIT_MS });
      await messageIn(
        agent.page,
        'user',
        'Sent while the server was away',
      ).waitFor({
        timeout: 2 * WAIT_MS,
      });
      await agentReplies(agent.page, 'Back after the restart.');
      await messageIn(
        visitor.page,
        'admin',
        'Back after the restart.',
      ).waitFor();

      const stored = await storedContents(server, sessionId);
      for (const text of [
        'Where is my order #1234?',
        'Sent while the server was away',
        'Back after the restart.',
      ]) {
        expect(stored.filter((content) => content === text)).toHaveLength(1);
        for (const page of [visitor.page, agent.page]) {
          expect(
            await page
              .getByRole('log')
              .locator('.text', { hasText: text })
              .count(),
          ).toBe(1);
        }
      }
    },
    2 * STEP_MS,
  );

  it('works on another allowed origin, styled its own way whatever the page does', async () => {
    const other = await openPage(browser, `${customerSite.origin}/`);
    try {
      other.page.setDefaultTimeout(WAIT_MS);
      await openWidget(other.page);
      await visitorSends(other.page, 'Hello from the customer site');
      await messageIn(other.page, 'user', 'Hello from the customer site')
        .and(other.page.locator('[data-status="sent"]'))
        .waitFor();
      await messageIn(
        other.page,
        'ai',
        'Hello from the fake assistant.',
      ).waitFor();
      // The host page hides every button and forces red serif text; none of it reaches the widget.
      expect(
        await widget(other.page)
          .getByRole('button', { name: 'Send', exact: true })
          .isVisible(),
      ).toBe(true);
      await screenshot(other.page, 'widget-on-another-origin');
      expect(other.errors).toEqual([]);
      expect(other.dialogs).toEqual([]);
    } finally {
      await other.page.context().close();
    }
  });

  it('lets an admin export a conversation and manage accounts; a disabled agent is returned to sign-in', async () => {
    const download = agent.page.waitForEvent('download');
    await agent.page.getByRole('button', { name: 'Export' }).click();
    const exported = JSON.parse(
      readFileSync(await (await download).path(), 'utf8'),
    ) as { session: { id: string }; messages: { content: string }[] };
    expect(exported.session.id).toBe(sessionId);
    expect(exported.messages.map(({ content }) => content)).toContain(
      'Where is my order #1234?',
    );

    await agent.page.getByRole('button', { name: 'Accounts' }).click();
    await agent.page.getByRole('textbox', { name: 'Name' }).fill('Ada');
    await agent.page
      .getByRole('textbox', { name: 'Email' })
      .fill('ada@example.com');
    await agent.page.getByLabel('Password').fill(NEW_AGENT_PASSWORD);
    await agent.page.getByRole('button', { name: 'Create account' }).click();
    await agent.page.getByText('Ada can now sign in.').waitFor();

    const colleague = await openPage(browser, `${server.url}/console`);
    try {
      colleague.page.setDefaultTimeout(WAIT_MS);
      await signInToConsole(
        colleague.page,
        'ada@example.com',
        NEW_AGENT_PASSWORD,
      );
      expect(
        await colleague.page.getByRole('button', { name: 'Accounts' }).count(),
      ).toBe(0);

      await agent.page.getByRole('button', { name: 'Disable Ada' }).click();
      await colleague.page.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(colleague.errors).toEqual([]);
    } finally {
      await colleague.page.context().close();
    }
    await agent.page.getByRole('button', { name: 'Conversations' }).click();
  });

  it('fills a narrow phone screen', async () => {
    const phone = await openPage(browser, `${server.url}/`, {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      await openWidget(phone.page);
      const box = await widget(phone.page).getByRole('dialog').boundingBox();
      expect(box).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
      await screenshot(phone.page, 'widget-phone');
    } finally {
      await phone.page.context().close();
    }
  });
});
