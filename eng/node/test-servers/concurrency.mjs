// A stdio MCP server for ToolExecution's tests: it remembers how many calls it ever had in flight at once, so a
// test can check the proxy's per-upstream concurrency cap without timing assumptions.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "concurrency", version: "1.0.0" });
let inFlight = 0;
let maxInFlight = 0;

server.registerTool("slow", { description: "Holds the call for ms milliseconds.", inputSchema: { ms: z.number().int().min(0).max(5000) } }, async ({ ms }) => {
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  await new Promise((resolve) => setTimeout(resolve, ms));
  inFlight--;
  return { content: [{ type: "text", text: "done" }] };
});

server.registerTool("max-in-flight", { description: "The most calls ever in flight at once." }, async () => ({
  content: [{ type: "text", text: String(maxInFlight) }],
}));

await server.connect(new StdioServerTransport());
