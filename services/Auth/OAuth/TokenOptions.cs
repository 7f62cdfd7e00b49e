namespace Platform.Auth.OAuth;

/// <summary>Bound from <c>Auth:Tokens</c>.</summary>
public sealed class TokenOptions
{
    public const string Section = "Auth:Tokens";

    /// <summary>The <c>iss</c> of every token; default: this service's own base URL as the request sees it.</summary>
    public string? Issuer { get; set; }

    /// <summary>
    /// Resource URIs tokens may be issued for (RFC 8707). Default: the MCP endpoint of the tool-execution service
    /// from Aspire's <c>services__tool-execution__http__0</c>.
    /// </summary>
    public List<string> Audiences { get; set; } = [];

    /// <summary>Access tokens are short-lived: revocation of the key behind one then matters for minutes at most.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);
}
