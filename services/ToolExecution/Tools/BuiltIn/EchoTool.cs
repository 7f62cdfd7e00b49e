using System.ComponentModel;
using ModelContextProtocol.Server;

namespace Platform.ToolExecution.Tools.BuiltIn;

[McpServerToolType]
public sealed class EchoTool
{
    public const int MaxMessageLength = 64 * 1024;

    [McpServerTool(Name = "echo", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Returns the message it is given. Useful to check connectivity and credentials.")]
    public static string Echo([Description("The text to send back.")] string message) =>
        message.Length <= MaxMessageLength
            ? message
            : throw new ArgumentException($"message must be at most {MaxMessageLength} characters.", nameof(message));
}
