// GET /api/v1/openapi.json is a valid OpenAPI 3.1 document, and it describes the API the server
// actually answers: every route these tests use is documented, and every documented route exists.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startServer, Client } from '../lib/server.mjs';
import { LoginFull } from './helpers.mjs';

// Every method and path template the API tests call.
const kUsedRoutes = [
  'GET /healthz',
  'GET /metrics',
  'GET /api/v1/openapi.json',
  'POST /api/v1/clock/advance',
  'GET /api/v1/clock',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  'GET /api/v1/me',
  'POST /api/v1/me/password',
  'GET /api/v1/regions',
  'GET /api/v1/regions/{code}',
  'POST /api/v1/regions',
  'PATCH /api/v1/regions/{code}',
  'GET /api/v1/departments',
  'GET /api/v1/departments/{id}',
  'POST /api/v1/departments',
  'PATCH /api/v1/departments/{id}',
  'GET /api/v1/departments/{id}/sections',
  'POST /api/v1/departments/{id}/sections',
  'GET /api/v1/windows',
  'GET /api/v1/windows/{id}',
  'POST /api/v1/windows',
  'PATCH /api/v1/windows/{id}',
  'GET /api/v1/users',
  'GET /api/v1/users/{id}',
  'POST /api/v1/users',
  'PATCH /api/v1/users/{id}',
  'POST /api/v1/users/{id}/unlock',
  'POST /api/v1/users/{id}/password',
  'PUT /api/v1/users/{id}/roles',
  'GET /api/v1/roles',
  'POST /api/v1/roles',
  'PATCH /api/v1/roles/{id}',
  'GET /api/v1/permissions',
  'GET /api/v1/audit-log',
  'GET /api/v1/audit-log/verify',
  'GET /api/v1/calendar/years',
  'GET /api/v1/calendar/years/{year}',
  'GET /api/v1/calendar/days/{date}',
  'GET /api/v1/calendar/add-workdays',
  'GET /api/v1/calendar/between',
  'GET /api/v1/calendar/local-days',
  'POST /api/v1/calendar/local-days',
  'DELETE /api/v1/calendar/local-days/{date}',
  'POST /api/v1/calendar/reload',
];

const kMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe('the OpenAPI document', () => {
  let server;
  let doc;
  let sys;
  before(async () => {
    server = await startServer({ demo: true, fakeClock: true });
    const r = await new Client(server.url).get('/api/v1/openapi.json');
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    doc = r.json;
    sys = (await LoginFull(server.url, 'sysadmin')).client;
  });
  after(async () => { await server?.stop(); });

  const operations = () => Object.entries(doc.paths).flatMap(
      ([path, item]) => Object.keys(item).filter((m) => kMethods.includes(m))
          .map((m) => ({ method: m.toUpperCase(), path, op: item[m] })));

  it('validates as OpenAPI 3.1', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const validator = new Validator();
    const res = await validator.validate(structuredClone(doc));
    assert.ok(res.valid, JSON.stringify(res.errors, null, 2));
    assert.equal(validator.version, '3.1');
  });

  it('documents every route the tests use',
     () => {
    const documented = new Set(operations().map((o) => `${o.method} ${o.path}`));
    const missing = kUsedRoutes.filter((r) => !documented.has(r));
    assert.deepEqual(missing, []);
  });

  it('gives each operation a unique operationId, a summary and its path parameters', () => {
    const ids = operations().map((o) => o.op.operationId);
    assert.equal(new Set(ids).size, ids.length);
    for (const { method, path, op } of operations()) {
      assert.ok(op.summary, `${method} ${path} has a summary`);
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters || []).filter((p) => p.in === 'path').map((p) => p.name);
      assert.deepEqual(declared, inPath, `${method} ${path}`);
      if (['POST', 'PUT', 'PATCH'].includes(method) && !/logout|unlock|reload|publish|\/read$/.test(path)) {
        assert.ok(op.requestBody, `${method} ${path} documents its body`);
      }
      assert.ok(op.responses.default, `${method} ${path} documents its errors`);
    }
  });

  it('marks only login, the health and metrics routes, the document and the clock as public',
     () => {
       const publicOps = operations().filter((o) => Array.isArray(o.op.security) &&
                                                    o.op.security.length === 0)
           .map((o) => `${o.method} ${o.path}`).sort();
       assert.deepEqual(publicOps, ['GET /api/v1/clock', 'GET /api/v1/openapi.json', 'GET /healthz',
                                    'GET /metrics', 'POST /api/v1/auth/login',
                                    'POST /api/v1/clock/advance',
                                    // the public portal: the power list and case status
                                    'GET /api/v1/public/cases/{case_no}',
                                    'GET /api/v1/public/matters',
                                    'GET /api/v1/public/matters/{code}',
                                    'GET /api/v1/public/windows',
                                    'GET /api/v1/public/windows/{id}/slots'].sort());
     });

  it('every documented GET without path parameters answers the system admin (no 404/405)',
     async () => {
       const gets = operations().filter((o) => o.method === 'GET' && !o.path.includes('{'));
       assert.ok(gets.length >= 8, `only ${gets.length} GET routes`);
       for (const { path } of gets) {
         const r = await sys.get(path);
         assert.ok(![404, 405].includes(r.status), `GET ${path}: ${r.status} ${r.text}`);
         assert.ok(r.status < 500, `GET ${path}: ${r.status} ${r.text}`);
       }
     });

  it('every documented operation exists on the server (never request.no_route or 405)',
     async () => {
       // Path parameters get a value no object has; writes get an empty object, which every
       // write route refuses or ignores. Logout runs on a session of its own.
       const spare = (await LoginFull(server.url, 'sysadmin')).client;
       for (const { method, path } of operations()) {
         const concrete = path.replace(/\{[^}]+\}/g, '999999');
         const client = path === '/api/v1/auth/logout' ? spare : sys;
         const body = ['POST', 'PUT', 'PATCH'].includes(method) && !/logout|unlock|reload/.test(path)
                          ? {} : undefined;
         const r = await client.request(method, concrete, body);
         assert.notEqual(r.status, 405, `${method} ${concrete}: ${r.text}`);
         assert.notEqual(r.json?.code, 'request.no_route', `${method} ${concrete}: ${r.text}`);
         assert.ok(r.status < 500, `${method} ${concrete}: ${r.status} ${r.text}`);
       }
       assert.equal((await sys.get('/api/v1/me')).status, 200);
     });

  it('the clock routes exist only under --fake-clock', async () => {
    const real = await startServer({ demo: false });
    try {
      const r = await new Client(real.url).get('/api/v1/openapi.json');
      assert.ok(!('/api/v1/clock/advance' in r.json.paths));
      const advance = await new Client(real.url).post('/api/v1/clock/advance', { hours: 1 });
      assert.equal(advance.status, 404, advance.text);
    } finally {
      await real.stop();
    }
  });
});
