// The peer of the HTTP benchmark: a minimal Node.js http server answering a fixed JSON body,
// with no routing, no authentication and no storage. Usage: node server.mjs PORT
import http from 'node:http';

const port = Number(process.argv[2] || 0);
const body = JSON.stringify({ status: 'ok' });
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => {
  console.log(`peer listening on http://127.0.0.1:${server.address().port}`);
});
