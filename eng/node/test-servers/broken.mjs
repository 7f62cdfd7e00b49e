// A stdio MCP server for ToolExecution's tests that initializes and lists one tool correctly, then answers every
// tools/call with broken JSON-RPC: a line that is not JSON, a response to an id nobody asked for, and an
// unterminated object. The proxy must turn that into a tool error, not a hang or a crash.
import { createInterface } from "node:readline";

const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");
const lines = createInterface({ input: process.stdin });

lines.on("line", (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return;
  }

  switch (request.method) {
    case "initialize":
      send({ jsonrpc: "2.0", id: request.id, result: {
        protocolVersion: "2025-06-18",
        capabilities: { tools: {} },
        serverInfo: { name: "broken", version: "1.0.0" },
      } });
      break;
    case "tools/list":
      send({ jsonrpc: "2.0", id: request.id, result: { tools: [{ name: "garble", inputSchema: { type: "object" } }] } });
      break;
    case "tools/call":
      process.stdout.write("this is not json\n");
      send({ jsonrpc: "2.0", id: "nobody-asked", result: { content: [] } });
      process.stdout.write('{"jsonrpc":"2.0","id":' + JSON.stringify(request.id) + ',"result":{\n');
      break;
    default:
      if (request.id !== undefined) {
        send({ jsonrpc: "2.0", id: request.id, error: { code: -32601, message: "Method not found" } });
      }
  }
});
