using Platform.Credentials.ApiKeys;

namespace Platform.Credentials.Tests.ApiKeys;

public sealed class KeepingSecretsOutOfText
{
    [Fact]
    public void Issued_key_prints_only_its_key_id()
    {
        var issued = ApiKeyFormat.Generate("mcp", "live");

        var text = $"{issued} {new { Issued = issued }} {new[] { issued }.Single()}";

        Assert.Contains(issued.KeyId, text, StringComparison.Ordinal);
        Assert.DoesNotContain(issued.Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(issued.Plaintext, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Parsed_key_prints_no_secret()
    {
        var issued = ApiKeyFormat.Generate("mcp", "live");
        Assert.True(ApiKeyFormat.TryParse(issued.Plaintext, out var parsed));

        var text = $"{parsed} {new { Parsed = parsed }}";

        Assert.Contains(parsed.KeyId, text, StringComparison.Ordinal);
        Assert.DoesNotContain(parsed.Secret, text, StringComparison.Ordinal);
    }
}
