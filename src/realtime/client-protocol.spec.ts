import {
  clientProtocolOf,
  type HandshakeDeclarations as HandshakeParts,
} from './client-protocol';

const BROWSER = { origin: 'https://shop.example.com' };

function handshake(parts: Partial<HandshakeParts>): HandshakeParts {
  return { auth: {}, query: {}, headers: {}, ...parts };
}

describe('clientProtocolOf', () => {
  it.each<[string, Partial<HandshakeParts>, 'seed' | 1]>([
    [
      'a browser declaring nothing is the seed widget',
      { headers: BROWSER },
      'seed',
    ],
    ['a server or script declaring nothing speaks protocol 1', {}, 1],
    ['an empty Origin counts as none', { headers: { origin: '' } }, 1],
    [
      'auth protocol 1 in a browser',
      { auth: { protocol: 1 }, headers: BROWSER },
      1,
    ],
    [
      "auth protocol '1' in a browser",
      { auth: { protocol: '1' }, headers: BROWSER },
      1,
    ],
    [
      "query protocol '1' in a browser",
      { query: { protocol: '1' }, headers: BROWSER },
      1,
    ],
    ['auth protocol 0 without an Origin', { auth: { protocol: 0 } }, 'seed'],
    [
      "auth protocol 'seed' without an Origin",
      { auth: { protocol: 'seed' } },
      'seed',
    ],
    [
      "query protocol '0' without an Origin",
      { query: { protocol: '0' } },
      'seed',
    ],
    ["query protocol 'seed'", { query: { protocol: 'seed' } }, 'seed'],
    [
      'auth wins over the query',
      { auth: { protocol: 1 }, query: { protocol: 'seed' }, headers: BROWSER },
      1,
    ],
    [
      'the query counts when auth declares nothing',
      { auth: { token: 'x' }, query: { protocol: '1' }, headers: BROWSER },
      1,
    ],
  ])('%s', (_, parts, expected) => {
    expect(clientProtocolOf(handshake(parts))).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an unknown version', 2],
    ['a negative number', -1],
    ['NaN', Number.NaN],
    ['an empty string', ''],
    ['a word', 'latest'],
    ['an object', { version: 0 }],
    ['an array', [0]],
    ['a boolean', false],
  ])(
    'treats %s in auth as a declared unknown protocol: protocol 1',
    (_, protocol) => {
      expect(
        clientProtocolOf(handshake({ auth: { protocol }, headers: BROWSER })),
      ).toBe(1);
    },
  );

  it.each<[string, string | string[]]>([
    ['an empty value', ''],
    ['a repeated parameter', ['0', '1']],
    ['an unknown version', '2'],
  ])(
    'treats %s in the query as a declared unknown protocol: protocol 1',
    (_, protocol) => {
      expect(
        clientProtocolOf(handshake({ query: { protocol }, headers: BROWSER })),
      ).toBe(1);
    },
  );

  it('reads a handshake whose auth is not an object', () => {
    const parts = {
      auth: 'junk',
      query: {},
      headers: BROWSER,
    } as unknown as HandshakeParts;
    expect(clientProtocolOf(parts)).toBe('seed');
  });
});
