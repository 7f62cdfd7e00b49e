using System.Text.Json;

namespace Platform.Authentication;

/// <summary>Private claims of Platform access tokens, beyond <c>sub</c>, <c>tenant</c>, <c>scope</c> and <c>jti</c>.</summary>
public static class AccessTokenClaims
{
    /// <summary>The key's tool allow-patterns, so <c>tools/list</c> filters the same for a token as for its key.</summary>
    public const string ToolPatterns = "tool_patterns";

    /// <summary>The key's plan limits, so rate limits apply to token callers without a call to Auth.</summary>
    public const string Limits = "limits";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
