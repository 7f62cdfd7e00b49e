// A stdio MCP server for ToolExecution's tests that initializes and lists one tool correctly, then answers every
// tools/call with broken JSON-RPC: a line that is not JSON, a response to an id nobody asked for, and an
// unterminated object. The proxy must turn that into a tool error, not a hang or a crash.
import { send, serve } from "./line-server.mjs";

serve("broken", [{ name: "garble", inputSchema: { type: "object" } }], (request) => {
  process.stdout.write("this is not json\n");
  send({ jsonrpc: "2.0", id: "nobody-asked", result: { content: [] } });
  process.stdout.write('{"jsonrpc":"2.0","id":' + JSON.stringify(request.id) + ',"result":{\n');
});
