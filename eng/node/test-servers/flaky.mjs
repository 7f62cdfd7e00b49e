// A stdio MCP server for the failure drills (bench/Platform.Bench/Drills/UpstreamDrill.cs) that misbehaves on request:
// `crash` exits the process mid-call, `hang` never answers, `flood` answers with 4 MiB of text (and 1 MiB of stderr),
// `ok` answers normally. No SDK, so it runs without `npm install`.
import { createInterface } from "node:readline";

const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");
const lines = createInterface({ input: process.stdin });
const text = (id, value) => send({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text: value }] } });
const tool = (name, description) => ({ name, description, inputSchema: { type: "object" } });

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
        protocolVersion: request.params?.protocolVersion ?? "2025-06-18",
        capabilities: { tools: {} },
        serverInfo: { name: "flaky", version: "1.0.0" },
      } });
      break;
    case "tools/list":
      send({ jsonrpc: "2.0", id: request.id, result: { tools: [
        tool("ok", "Answers at once."),
        tool("crash", "Exits the process without answering."),
        tool("hang", "Never answers."),
        tool("flood", "Answers with 4 MiB of text and writes 1 MiB to stderr."),
      ] } });
      break;
    case "tools/call":
      switch (request.params?.name) {
        case "ok":
          text(request.id, "ok from pid " + process.pid);
          break;
        case "crash":
          process.exit(3);
          break;
        case "hang":
          break;
        case "flood":
          process.stderr.write("x".repeat(1024 * 1024) + "\n");
          text(request.id, "y".repeat(4 * 1024 * 1024));
          break;
        default:
          send({ jsonrpc: "2.0", id: request.id, error: { code: -32602, message: "Unknown tool" } });
      }
      break;
    default:
      if (request.id !== undefined) {
        send({ jsonrpc: "2.0", id: request.id, error: { code: -32601, message: "Method not found" } });
      }
  }
});
