import {
  chmodSync,
  existsSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { MessageView } from '../src/messages/dto/message.view';
import {
  LOCK_FILE_NAME,
  processStartTime,
} from '../src/prisma/data-folder-lock';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminEnv } from './utils/admin';
import {
  type EntryProcess,
  freePort,
  spawnEntry,
  startAppProcess,
} from './utils/app-process';
import { startApp, type TestApp } from './utils/test-app';
import { createTestDatabase, type TestDatabase } from './utils/test-database';

const STACK_TRACE = /\n\s+at .+:\d+:\d+/;
/** Starting the app takes seconds, and far longer on a loaded machine; a case starts up to four processes. */
const PROCESS_TEST_TIMEOUT_MS = 300_000;
const IN_PROCESS_TEST_TIMEOUT_MS = 120_000;

// The lock guards the embedded database's folder; PostgreSQL takes any number of processes.
const describeOnEmbedded = process.env.TEST_DATABASE_URL
  ? describe.skip
  : describe;

describeOnEmbedded('One process per embedded data folder', () => {
  let db: TestDatabase;
  let dataDir: string;
  const processes: EntryProcess[] = [];

  /** Every process a case starts is stopped after it, passed or failed. */
  function track<P extends EntryProcess>(started: P): P {
    processes.push(started);
    return started;
  }

  async function startServer(env = db.env) {
    return track(await startAppProcess(env));
  }

  beforeEach(async () => {
    db = await createTestDatabase();
    dataDir = db.env.DATA_DIR!;
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((started) => started.dispose()));
    await db.drop();
  });

  async function postMessage(url: string, content: string) {
    const { body } = await request(url).post('/api/chat/session').expect(201);
    const sessionId = body.sessionId as string;
    await request(url)
      .post('/api/chat/message')
      .send({ sessionId, sender: 'user', content, clientMessageId: content })
      .expect(201);
    return sessionId;
  }

  async function storedContents(url: string, sessionId: string) {
    const { body } = await request(url)
      .get(`/api/chat/messages/${sessionId}`)
      .expect(200);
    return (body.messages as MessageView[]).map((message) => message.content);
  }

  /** A lock file as a process of this machine would write it. */
  function writeLock(pid: number, startTime: string | undefined) {
    writeFileSync(
      join(dataDir, LOCK_FILE_NAME),
      JSON.stringify({
        pid,
        program: 'main.js',
        host: hostname(),
        startTime,
        token: 'written-by-the-test',
      }),
      { mode: 0o600 },
    );
  }

  it(
    'refuses a second server with one line naming the folder and the PID, while the first keeps serving',
    async () => {
      const first = await startServer();
      const sessionId = await postMessage(first.url, 'before the second');

      const second = track(
        spawnEntry('main.js', { ...db.env, PORT: String(await freePort()) }),
      );
      expect(await second.exited).toBe(1);
      const refusal = second.output();
      expect(refusal).toContain(
        `The embedded database in ${dataDir} is open in another process (PID ${first.child.pid}, main.js)`,
      );
      expect(refusal).toContain('stop that process first');
      expect(refusal).not.toMatch(STACK_TRACE);

      await request(first.url)
        .post('/api/chat/message')
        .send({
          sessionId,
          sender: 'user',
          content: 'after the second',
          clientMessageId: 'after the second',
        })
        .expect(201);
      expect(await storedContents(first.url, sessionId)).toEqual([
        'before the second',
        'after the second',
      ]);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'starts after the holder was killed with kill -9, and finds its data',
    async () => {
      const first = await startServer();
      const sessionId = await postMessage(first.url, 'acknowledged');
      first.child.kill('SIGKILL');
      await first.exited;
      expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(true);

      const next = await startServer();
      expect(await storedContents(next.url, sessionId)).toEqual([
        'acknowledged',
      ]);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'is not blocked by a lock whose PID now belongs to a process started later (PID reuse)',
    async () => {
      // This test's own process runs, but it started after the "holder" the lock describes.
      writeLock(process.pid, '1');
      const server = await startServer();
      await postMessage(server.url, 'served');
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'honours a lock whose holder still runs',
    async () => {
      writeLock(process.pid, processStartTime(process.pid));
      const server = track(
        spawnEntry('main.js', { ...db.env, PORT: String(await freePort()) }),
      );
      expect(await server.exited).toBe(1);
      expect(server.output()).toContain(`(PID ${process.pid}, main.js)`);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'refuses npm run admin:create while the server runs, with the REST call that works instead; after the server stops it creates the account',
    async () => {
      const env = { ...db.env, ...adminEnv };
      const server = await startServer(env);
      const port = new URL(server.url).port;
      const adminCreate = (email: string) =>
        track(
          spawnEntry('auth/create-admin.cli.js', { ...env, PORT: port }, [
            '--email',
            email,
            '--name',
            'Ada',
          ]),
        );

      const refused = adminCreate('ada@example.com');
      expect(await refused.exited).toBe(1);
      const refusal = refused.output();
      expect(refusal).toContain(
        `The server (PID ${server.child.pid}) has the embedded database in ${dataDir} open`,
      );
      expect(refusal).toContain('Stop the server and run this command again');
      expect(refusal).toContain('POST /api/admin/agents');
      expect(refusal).not.toMatch(STACK_TRACE);
      expect(refusal).toContain(
        `curl -s http://localhost:${port}/api/auth/login`,
      );
      // The command's body, sent as printed with an admin's token, creates the account.
      const [, body] =
        /curl http:\/\/localhost:\d+\/api\/admin\/agents .* -d '(.+)'$/m.exec(
          refusal,
        ) ?? [];
      const agent = JSON.parse(body!) as { email: string; password: string };
      expect(agent).toMatchObject({
        email: 'ada@example.com',
        name: 'Ada',
        role: 'agent',
      });
      const { accessToken } = (
        await request(server.url)
          .post('/api/auth/login')
          .send({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
          .expect(200)
      ).body as { accessToken: string };
      await request(server.url)
        .post('/api/admin/agents')
        .set('Authorization', `Bearer ${accessToken}`)
        .send(agent)
        .expect(201);

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      const created = adminCreate('bob@example.com');
      expect(await created.exited).toBe(0);
      const [, password] =
        /Password \(shown only now\): (\S+)/.exec(created.output()) ?? [];

      const restarted = await startServer(env);
      for (const credentials of [
        { email: 'bob@example.com', password },
        { email: agent.email, password: agent.password },
      ])
        await request(restarted.url)
          .post('/api/auth/login')
          .send(credentials)
          .expect(200);
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

describe('The data folder', () => {
  let db: TestDatabase;
  let dataDir: string;
  let server: TestApp | undefined;

  beforeEach(async () => {
    db = await createTestDatabase();
    // A folder the app creates itself, inside the one the test removes.
    dataDir = join(db.env.DATA_DIR!, 'data');
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await db.drop();
  });

  /** No JWT_SECRET, so the app generates one in the folder; a known first admin, so nothing is printed. */
  const env = () => ({
    ...db.env,
    DATA_DIR: dataDir,
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
  });

  /** Every folder and file under dir, with its permission bits, that is not private to its owner. */
  function notPrivate(dir: string): string[] {
    const found: string[] = [];
    const visit = (path: string) => {
      const stat = statSync(path);
      const mode = stat.mode & 0o777;
      if (mode !== (stat.isDirectory() ? 0o700 : 0o600))
        found.push(`${path} ${mode.toString(8)}`);
      if (stat.isDirectory())
        for (const entry of readdirSync(path)) visit(join(path, entry));
    };
    visit(dir);
    return found;
  }

  function loosen(path: string): void {
    const isDirectory = statSync(path).isDirectory();
    chmodSync(path, isDirectory ? 0o777 : 0o666);
    if (isDirectory)
      for (const entry of readdirSync(path)) loosen(join(path, entry));
  }

  function everything(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' });
  }

  it(
    'is private to the server user after a first start, with the database and the generated JWT secret',
    async () => {
      server = await startApp(env());
      expect(everything(dataDir)).toContain('jwt-secret');
      if (db.kind === 'embedded') {
        expect(everything(dataDir)).toEqual(
          expect.arrayContaining(['PG_VERSION', LOCK_FILE_NAME]),
        );
      }
      expect(notPrivate(dataDir)).toEqual([]);
    },
    IN_PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'is made private again at the next start when modes were loosened meanwhile, leaving files it did not write',
    async () => {
      server = await startApp(env());
      await server.close();
      server = undefined;
      loosen(dataDir);
      expect(notPrivate(dataDir)).toContain(`${dataDir} 777`);
      const foreign = join(dataDir, 'backup.sh');
      writeFileSync(foreign, '#!/bin/sh\n', { mode: 0o755 });
      chmodSync(foreign, 0o755);

      server = await startApp(env());
      expect(notPrivate(dataDir)).toEqual([`${foreign} 755`]);
    },
    IN_PROCESS_TEST_TIMEOUT_MS,
  );
});
