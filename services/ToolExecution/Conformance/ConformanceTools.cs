using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Platform.ToolExecution.Conformance;

// Sampling and logging are deprecated from protocol 2026-07-28 on, but the suite's scenarios run at 2025-06-18 and
// 2025-11-25, where they are part of the protocol and are what it tests.
#pragma warning disable MCP9005

/// <summary>
/// The <c>test_*</c> tools of the conformance suite, with the names, arguments and behaviour its scenarios check.
/// Sampling and elicitation are server-to-client requests: they work only in stateful mode, where the response
/// stream of the call can carry them; stateless, they answer with a tool error saying so.
/// </summary>
[McpServerToolType]
public sealed class ConformanceTools
{
    private const string LoggerName = "conformance";

    // The suite waits ~50 ms between notifications, so that a client proves it reads several while the call runs.
    private static readonly TimeSpan NotificationGap = TimeSpan.FromMilliseconds(50);

    [McpServerTool(Name = "test_simple_text", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Conformance fixture: answers with one text block.")]
    public static CallToolResult SimpleText() => Blocks(new TextContentBlock { Text = "This is a simple text response for testing." });

    [McpServerTool(Name = "test_image_content", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Conformance fixture: answers with one PNG image block.")]
    public static CallToolResult ImageContent() => Blocks(ImageContentBlock.FromBytes(ConformanceContent.Png, "image/png"));

    [McpServerTool(Name = "test_audio_content", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Conformance fixture: answers with one WAV audio block.")]
    public static CallToolResult AudioContent() => Blocks(AudioContentBlock.FromBytes(ConformanceContent.Wav, "audio/wav"));

    [McpServerTool(Name = "test_embedded_resource", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Conformance fixture: answers with one embedded text resource.")]
    public static CallToolResult EmbeddedResource() => Blocks(new EmbeddedResourceBlock
    {
        Resource = new TextResourceContents { Uri = "test://embedded-resource", MimeType = "text/plain", Text = "This is an embedded resource content." },
    });

    [McpServerTool(Name = "test_multiple_content_types", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Conformance fixture: answers with a text, an image and an embedded resource block.")]
    public static CallToolResult MultipleContentTypes() => Blocks(
        new TextContentBlock { Text = "Multiple content types test:" },
        ImageContentBlock.FromBytes(ConformanceContent.Png, "image/png"),
        new EmbeddedResourceBlock
        {
            Resource = new TextResourceContents { Uri = "test://mixed-content-resource", MimeType = "application/json", Text = """{"test":"data","value":123}""" },
        });

    [McpServerTool(Name = "test_tool_with_logging", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Conformance fixture: sends three info log notifications while it runs.")]
    public static async Task<CallToolResult> WithLogging(McpServer server, TimeProvider time, CancellationToken ct)
    {
        string[] messages = ["Tool execution started", "Tool processing data", "Tool execution completed"];
        for (var i = 0; i < messages.Length; i++)
        {
            if (i > 0)
            {
                await Task.Delay(NotificationGap, time, ct);
            }

            await server.SendNotificationAsync(NotificationMethods.LoggingMessageNotification, new LoggingMessageNotificationParams
            {
                Level = LoggingLevel.Info,
                Logger = LoggerName,
                Data = JsonSerializer.SerializeToElement(messages[i], McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(string))),
            }, McpJsonUtilities.DefaultOptions, ct);
        }

        return Blocks(new TextContentBlock { Text = "Tool with logging executed successfully" });
    }

    [McpServerTool(Name = "test_tool_with_progress", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Conformance fixture: reports progress 0, 50 and 100 of 100 when the call carries a progress token.")]
    public static async Task<CallToolResult> WithProgress(
        RequestContext<CallToolRequestParams> request, IProgress<ProgressNotificationValue> progress, TimeProvider time, CancellationToken ct)
    {
        foreach (var step in new[] { 0, 50, 100 })
        {
            if (step > 0)
            {
                await Task.Delay(NotificationGap, time, ct);
            }

            progress.Report(new ProgressNotificationValue { Progress = step, Total = 100, Message = $"Completed step {step} of 100" });
        }

        var token = request.Params?.ProgressToken?.ToString() ?? "none";
        return Blocks(new TextContentBlock { Text = token });
    }

    [McpServerTool(Name = "test_error_handling", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Conformance fixture: always answers with a tool error.")]
    public static CallToolResult ErrorHandling() => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = "This tool intentionally returns an error for testing" }],
    };

    [McpServerTool(Name = "test_sampling", ReadOnly = true, OpenWorld = false)]
    [Description("Conformance fixture: asks the client's model to answer the prompt (sampling/createMessage) and returns its answer.")]
    public static async Task<CallToolResult> Sampling(McpServer server, [Description("The prompt to send to the LLM.")] string prompt, CancellationToken ct)
    {
        try
        {
            var answer = await server.SampleAsync(new CreateMessageRequestParams
            {
                Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
                MaxTokens = 100,
            }, ct);
            var text = answer.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text ?? "No response";
            return Blocks(new TextContentBlock { Text = $"LLM response: {text}" });
        }
        catch (Exception e) when (e is McpException or InvalidOperationException or NotSupportedException)
        {
            return ServerToClientUnavailable("sampling", e);
        }
    }

    [McpServerTool(Name = "test_elicitation", ReadOnly = true, OpenWorld = false)]
    [Description("Conformance fixture: asks the user for a username and email (elicitation/create) and returns the answer.")]
    public static Task<CallToolResult> Elicitation(McpServer server, [Description("The message to show the user.")] string message, CancellationToken ct) =>
        ElicitAsync(server, message, """
            {
              "type": "object",
              "properties": {
                "username": { "type": "string", "description": "User's response" },
                "email": { "type": "string", "description": "User's email address" }
              },
              "required": ["username", "email"]
            }
            """, "User response", ct);

    [McpServerTool(Name = "test_elicitation_sep1034_defaults", ReadOnly = true, OpenWorld = false)]
    [Description("Conformance fixture: elicitation whose fields carry default values of every primitive type (SEP-1034).")]
    public static Task<CallToolResult> ElicitationDefaults(McpServer server, CancellationToken ct) =>
        ElicitAsync(server, "Please review and update the form fields with defaults", """
            {
              "type": "object",
              "properties": {
                "name": { "type": "string", "description": "User name", "default": "John Doe" },
                "age": { "type": "integer", "description": "User age", "default": 30 },
                "score": { "type": "number", "description": "User score", "default": 95.5 },
                "status": { "type": "string", "description": "User status", "enum": ["active", "inactive", "pending"], "default": "active" },
                "verified": { "type": "boolean", "description": "Verification status", "default": true }
              },
              "required": []
            }
            """, "Elicitation completed", ct);

    [McpServerTool(Name = "test_elicitation_sep1330_enums", ReadOnly = true, OpenWorld = false)]
    [Description("Conformance fixture: elicitation with the five enum schema forms of SEP-1330.")]
    public static Task<CallToolResult> ElicitationEnums(McpServer server, CancellationToken ct) =>
        ElicitAsync(server, "Please select options from the enum fields", """
            {
              "type": "object",
              "properties": {
                "untitledSingle": { "type": "string", "description": "Select one option", "enum": ["option1", "option2", "option3"] },
                "titledSingle": {
                  "type": "string", "description": "Select one option with titles",
                  "oneOf": [
                    { "const": "value1", "title": "First Option" },
                    { "const": "value2", "title": "Second Option" },
                    { "const": "value3", "title": "Third Option" }
                  ]
                },
                "legacyEnum": {
                  "type": "string", "description": "Select one option (legacy)",
                  "enum": ["opt1", "opt2", "opt3"], "enumNames": ["Option One", "Option Two", "Option Three"]
                },
                "untitledMulti": {
                  "type": "array", "description": "Select multiple options", "minItems": 1, "maxItems": 3,
                  "items": { "type": "string", "enum": ["option1", "option2", "option3"] }
                },
                "titledMulti": {
                  "type": "array", "description": "Select multiple options with titles", "minItems": 1, "maxItems": 3,
                  "items": {
                    "anyOf": [
                      { "const": "value1", "title": "First Choice" },
                      { "const": "value2", "title": "Second Choice" },
                      { "const": "value3", "title": "Third Choice" }
                    ]
                  }
                }
              },
              "required": []
            }
            """, "Elicitation completed", ct);

    /// <summary>
    /// Sends <c>elicitation/create</c> with the schema exactly as written: the suite checks schema shapes (legacy
    /// <c>enumNames</c>, titled <c>oneOf</c>) that the SDK's typed schema classes would normalise.
    /// </summary>
    private static async Task<CallToolResult> ElicitAsync(McpServer server, string message, string schema, string label, CancellationToken ct)
    {
        try
        {
            var response = await server.SendRequestAsync(new JsonRpcRequest
            {
                Method = RequestMethods.ElicitationCreate,
                Params = new JsonObject { ["message"] = message, ["requestedSchema"] = JsonNode.Parse(schema) },
            }, ct);
            var action = response.Result?["action"]?.GetValue<string>() ?? "unknown";
            var content = response.Result?["content"]?.ToJsonString() ?? "{}";
            return Blocks(new TextContentBlock { Text = $"{label}: action={action}, content={content}" });
        }
        catch (Exception e) when (e is McpException or InvalidOperationException or NotSupportedException)
        {
            return ServerToClientUnavailable("elicitation", e);
        }
    }

    private static CallToolResult ServerToClientUnavailable(string feature, Exception e) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"{feature} is not available on this connection ({e.GetType().Name}); it needs stateful mode and a client that supports it." }],
    };

    private static CallToolResult Blocks(params ContentBlock[] blocks) => new() { Content = [.. blocks] };
}
