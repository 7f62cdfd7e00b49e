using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace Platform.ToolExecution.Tools.BuiltIn;

/// <summary>
/// A refused or failed built-in tool answers with a tool error result rather than an exception, so the model sees why
/// and the message is ours: exception messages of the file system carry server paths.
/// </summary>
internal static class ToolResults
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static CallToolResult Error(string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message }],
    };

    public static CallToolResult Text(string text) => new()
    {
        Content = [new TextContentBlock { Text = text }],
    };

    public static CallToolResult Structured<T>(T value)
    {
        var element = JsonSerializer.SerializeToElement(value, Json);
        return new()
        {
            Content = [new TextContentBlock { Text = element.GetRawText() }],
            StructuredContent = element,
        };
    }
}
