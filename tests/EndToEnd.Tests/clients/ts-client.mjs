// Drives Platform's MCP endpoint with the official TypeScript SDK, as an external client would.
// Input: MCP_URL, MCP_KEY (tools:list + tools:call), MCP_LIST_ONLY_KEY (tools:list only). Output: one JSON line.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.env.MCP_URL);
const result = {};

async function connect(key) {
  const client = new Client({ name: "platform-e2e-ts", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${key}` } } });
  await client.connect(transport);
  return client;
}

const client = await connect(process.env.MCP_KEY);
result.tools = (await client.listTools()).tools.map((t) => t.name);
const echo = await client.callTool({ name: "echo", arguments: { message: "from typescript" } });
result.echo = echo.content?.[0]?.text;
await client.close();

// 401 discovery: no credential, then follow resource_metadata as a client would.
const anonymous = await fetch(url, {
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
});
result.anonymousStatus = anonymous.status;
const challenge = anonymous.headers.get("www-authenticate") ?? "";
const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
result.metadata = metadataUrl ? await (await fetch(metadataUrl)).json() : null;

// 403: a key that may list but not call.
const listOnly = await connect(process.env.MCP_LIST_ONLY_KEY);
try {
  await listOnly.callTool({ name: "echo", arguments: { message: "x" } });
  result.forbidden = "call succeeded";
} catch (error) {
  result.forbidden = String(error?.message ?? error);
}
await listOnly.close().catch(() => {});

console.log(JSON.stringify(result));
