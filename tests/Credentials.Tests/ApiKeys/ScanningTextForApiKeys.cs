using Platform.Credentials.ApiKeys;

namespace Platform.Credentials.Tests.ApiKeys;

public sealed class ScanningTextForApiKeys
{
    [Fact]
    public void Scanner_finds_keys_of_any_prefix_inside_text()
    {
        var first = ApiKeyFormat.Generate("mcp", "live").Plaintext;
        var second = ApiKeyFormat.Generate("acme", "test").Plaintext;
        var text = $"Authorization: Bearer {first}\n{{\"apiKey\":\"{second}\"}}";

        var found = ApiKeyFormat.ScannerPattern.Matches(text).Select(m => m.Value).ToList();

        Assert.Equal([first, second], found);
    }

    [Fact]
    public void Scanner_ignores_text_that_only_resembles_a_key()
    {
        const string text = "mcp_live_short_abc and MCP_LIVE_0123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEF0k5tZn";

        Assert.Empty(ApiKeyFormat.ScannerPattern.Matches(text));
    }

    [Fact]
    public void Scanner_hits_with_a_bad_checksum_are_told_apart_by_parsing()
    {
        const string lookAlike = "mcp_live_0123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEF000000";

        Assert.Matches(ApiKeyFormat.ScannerPattern, lookAlike);
        Assert.False(ApiKeyFormat.TryParse(lookAlike, out _));
    }
}
