// Stands in for an MCP client that holds an API key: the conformance suite (0.1.16) cannot send an Authorization
// header, so this forwards every request to ToolExecution unchanged except for adding
// "Authorization: Bearer $CONFORMANCE_API_KEY". ToolExecution keeps its authentication on; nothing is relaxed for
// the suite. Host and Origin pass through as sent, so the suite's DNS-rebinding checks reach the real Origin check.
//
// Usage: CONFORMANCE_API_KEY=... node auth-proxy.mjs <target origin, e.g. http://127.0.0.1:5000> <listen port, 0 = any>
// Prints "listening <port>" once it accepts connections.
import http from 'node:http';

const [target, portArgument] = process.argv.slice(2);
const key = process.env.CONFORMANCE_API_KEY;
if (!target || !key) {
  console.error('usage: CONFORMANCE_API_KEY=... node auth-proxy.mjs <target origin> [port]');
  process.exit(2);
}

const upstream = new URL(target);
const server = http.createServer((request, response) => {
  const headers = { ...request.headers, authorization: `Bearer ${key}` };
  const forwarded = http.request(
    { hostname: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      // Flush as bytes arrive: MCP answers are server-sent event streams.
      answer.pipe(response);
    },
  );
  forwarded.on('error', (error) => {
    if (!response.headersSent) {
      response.writeHead(502, { 'content-type': 'text/plain' });
    }
    response.end(`proxy: ${error.code ?? error.message}`);
  });
  // A client that hangs up (the suite cancels SSE readers) must close the upstream stream too.
  response.on('close', () => forwarded.destroy());
  request.pipe(forwarded);
});

server.listen(Number(portArgument ?? 0), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
// Open event streams would keep server.close() waiting; there is nothing to drain.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
